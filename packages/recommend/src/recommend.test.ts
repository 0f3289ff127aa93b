import { demoClusterFiles, SCAN_PORTS } from '@verdict/demo';
import {
  type ClusterState,
  createEvaluator,
  type Evaluator,
  type FlowQuery,
  loadResources,
  type Pod,
} from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { demoWindow, storedFlows } from './fixtures.ts';
import type { Dialect, Recommendation, RecommendedPolicy } from './model.ts';
import { aggregatedNameOf } from './observe.ts';
import { recommend, toYaml } from './recommend.ts';

const NAMESPACES = ['storefront', 'shop', 'payments', 'data', 'monitoring', 'kube-system'] as const;
const DIALECTS: readonly Dialect[] = ['calico', 'k8s', 'cnp'];
const REC_FILE = 'recommendation.yaml';

function recommendFor(namespace: string, dialect: Dialect, flows = demoWindow().flows): Recommendation {
  const result = recommend({ state: demoWindow().state, flows, scope: { namespace }, dialect, tier: 'application' });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** The demo cluster with its own policies removed and the recommendation loaded from its YAML. */
function recommendationOnly(rec: Recommendation): { evaluator: Evaluator; issues: number; state: ClusterState } {
  const baseline = loadResources(demoClusterFiles()).issues.length;
  const { state, issues } = loadResources([...demoClusterFiles(), { file: REC_FILE, text: toYaml(rec) }]);
  const only = { ...state, policies: state.policies.filter((p) => p.source?.file === REC_FILE) };
  return { evaluator: createEvaluator(only), issues: issues.length - baseline, state: only };
}

/** Staged Calico drafts are judged in the pending scope (staged as enforced); Kubernetes ones as enforced. */
function allows(evaluator: Evaluator, query: FlowQuery, dialect: Dialect): boolean {
  const result = evaluator.evaluate(query);
  if (!result.ok) throw new Error(result.error.message);
  return (dialect === 'calico' ? result.value.pending : result.value.enforced).action === 'Allow';
}

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const podKey = (p: Pod) => `${p.namespace}/${aggregatedNameOf(p)}`;

describe('recommend on the demo shop (property)', () => {
  for (const namespace of NAMESPACES) {
    for (const dialect of DIALECTS) {
      it(`${namespace} (${dialect}): loads cleanly, keeps every observed allowed flow, denies unobserved paths`, () => {
        const window = demoWindow();
        const rec = recommendFor(namespace, dialect);
        expect(rec.policies.length).toBeGreaterThan(0);
        const { evaluator, issues } = recommendationOnly(rec);
        expect(issues).toBe(0);

        const pods = new Map(window.state.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
        const inNamespace = (ref: FlowQuery['source']) => 'namespace' in ref && ref.namespace === namespace;
        const observed = new Set<string>();
        let checked = 0;
        for (const { raw, verdict } of window.raws) {
          if (!inNamespace(raw.source) && !inNamespace(raw.destination)) continue;
          if (verdict.enforced.action !== 'Allow') continue;
          const query: FlowQuery = {
            source: raw.source,
            destination: raw.destination,
            protocol: raw.protocol,
            destPort: raw.destPort,
          };
          expect(allows(evaluator, query, dialect), JSON.stringify(query)).toBe(true);
          checked++;
          const s = 'name' in raw.source ? pods.get(`${raw.source.namespace}/${raw.source.name}`) : undefined;
          const d =
            'name' in raw.destination ? pods.get(`${raw.destination.namespace}/${raw.destination.name}`) : undefined;
          if (s && d) observed.add(`${podKey(s)}>${podKey(d)}:${raw.destPort}/${String(raw.protocol).toUpperCase()}`);
        }
        expect(checked).toBeGreaterThan(0);

        // Unobserved pod-to-pod paths into the namespace: declared ports and a scanner's favourites.
        const candidates: FlowQuery[] = [];
        const enforced = window.state.pods.filter((p) => !p.hostNetwork);
        for (const d of enforced.filter((p) => p.namespace === namespace)) {
          const ports = new Set([...d.ports.map((p) => p.port), ...SCAN_PORTS]);
          for (const s of enforced) {
            if (s === d) continue;
            for (const port of ports) {
              if (observed.has(`${podKey(s)}>${podKey(d)}:${port}/TCP`)) continue;
              candidates.push({ source: s, destination: d, protocol: 'TCP', destPort: port });
            }
          }
        }
        const random = seeded(namespace.length * 31 + dialect.length);
        const sample = Array.from(
          { length: 200 },
          () => candidates[Math.floor(random() * candidates.length)] as FlowQuery,
        );
        for (const q of sample) {
          const query = {
            ...q,
            source: { namespace: (q.source as Pod).namespace, name: (q.source as Pod).name },
            destination: { namespace: (q.destination as Pod).namespace, name: (q.destination as Pod).name },
          };
          expect(allows(evaluator, query, dialect), JSON.stringify(query)).toBe(false);
        }
        expect(rec.coverage.allowedByRecommendation).toBe(rec.coverage.observedAllowed);
      });
    }
  }
});

function assertMinimal(policy: RecommendedPolicy, dialect: Dialect): void {
  const rules = policy.rules.map((r) => ({
    ...r,
    peers: new Set(r.peer.split(', ')),
    portSet: new Set(r.ports.split(', ')),
    protocols: [...new Set(r.ports.split(', ').map((p) => p.split(' ')[0]))].join(),
  }));
  const seen = new Set<string>();
  for (const r of rules) {
    // Calico writes one rule per protocol, so a peer may return once per protocol.
    const key = `${r.direction}|${r.peer}|${dialect === 'calico' ? r.protocols : ''}`;
    expect(seen.has(key), `${policy.workload}: duplicate ${key}`).toBe(false);
    seen.add(key);
  }
  for (const a of rules) {
    for (const b of rules) {
      if (a === b || a.direction !== b.direction) continue;
      const subset = [...a.peers].every((p) => b.peers.has(p)) && [...a.portSet].every((p) => b.portSet.has(p));
      expect(subset, `${policy.workload}: ${a.direction}[${a.index}] is inside [${b.index}]`).toBe(false);
    }
  }
}

describe('recommend: shape of the drafts', () => {
  it('is minimal: no duplicate peers, no rule inside another', () => {
    for (const namespace of NAMESPACES) {
      for (const dialect of DIALECTS) {
        for (const policy of recommendFor(namespace, dialect).policies) assertMinimal(policy, dialect);
      }
    }
  });

  it('never selects by per-replica labels', () => {
    for (const namespace of NAMESPACES) {
      for (const dialect of DIALECTS) {
        const yaml = toYaml(recommendFor(namespace, dialect));
        expect(yaml).not.toMatch(/pod-template-hash|controller-revision-hash|statefulset\.kubernetes\.io\/pod-name/);
      }
    }
  });

  it('aggregates external addresses: shoppers from one /24 are one CIDR, not one rule per address', () => {
    const rec = recommendFor('storefront', 'calico');
    const frontend = rec.policies.find((p) => p.workload === 'frontend');
    const ingress = frontend?.rules.filter((r) => r.direction === 'Ingress' && r.peer.includes('198.51.100.'));
    expect(ingress?.map((r) => r.peer)).toEqual(['198.51.100.0/24']);
    expect(frontend?.yaml).not.toMatch(/198\.51\.100\.\d+\/32/);
  });

  it('without addresses (Goldmane flows), external peers fall back to the public internet minus private space and the cluster', () => {
    const bare = storedFlows(demoWindow()).map(({ sourceIps: _s, destIps: _d, ...flow }) => ({ flow }));
    const rec = recommendFor('storefront', 'k8s', bare);
    const frontend = rec.policies.find((p) => p.workload === 'frontend');
    expect(frontend?.yaml).toContain('cidr: 0.0.0.0/0');
    expect(frontend?.yaml).toContain('- 10.0.0.0/8');
    expect(rec.notes.some((n) => n.includes('without (all of) their addresses'))).toBe(true);
  });

  it('with the address sets a flow store keeps, external peers are their aggregated CIDRs, not the internet', () => {
    const stored = storedFlows(demoWindow()).map((flow) => ({ flow }));
    expect(stored.some(({ flow }) => (flow.sourceIps?.ips.length ?? 0) > 0)).toBe(true);
    const rec = recommendFor('storefront', 'k8s', stored);
    const frontend = rec.policies.find((p) => p.workload === 'frontend');
    expect(frontend?.yaml).toMatch(/cidr: 198\.51\.100\.\d+\/\d+/);
    expect(frontend?.yaml).not.toContain('0.0.0.0/0');
    expect(rec.coverage.allowedByRecommendation + rec.coverage.unresolved).toBe(rec.coverage.observedAllowed);
  });

  it('names known external destinations by their network sets', () => {
    const orders = recommendFor('shop', 'calico').policies.find((p) => p.workload === 'orders');
    expect(orders?.yaml).toContain("selector: partner == 'shipping'");
    const payments = recommendFor('payments', 'calico').policies.find((p) => p.workload === 'payments');
    expect(payments?.yaml).toMatch(/namespaceSelector: global\(\)\n\s+selector: external-api == 'stripe'/);
    const k8s = recommendFor('payments', 'k8s').policies.find((p) => p.workload === 'payments');
    expect(k8s?.yaml).toContain('cidr: 3.18.12.0/23');
  });

  it('adds the guardrails: DNS everywhere, the API server for its clients, probes from the nodes', () => {
    for (const dialect of DIALECTS) {
      for (const namespace of NAMESPACES) {
        for (const policy of recommendFor(namespace, dialect).policies) {
          if (policy.workload === 'coredns') continue;
          const dns = policy.rules.filter((r) => r.rationale.guardrail === 'dns');
          expect(dns.map((r) => r.ports).join(', '), policy.workload).toMatch(/UDP dns.*TCP dns-tcp/);
        }
      }
      const prometheus = recommendFor('monitoring', dialect).policies.find((p) => p.workload === 'prometheus');
      const api = prometheus?.rules.find((r) => r.rationale.guardrail === 'kube-apiserver');
      expect(api?.ports).toBe('TCP 6443');
      expect(prometheus?.yaml).toContain('10.0.0.11/32');
      const grafana = recommendFor('monitoring', dialect).policies.find((p) => p.workload === 'grafana');
      expect(grafana?.rules.some((r) => r.rationale.guardrail === 'kube-apiserver')).toBe(false);
      const cart = recommendFor('shop', dialect).policies.find((p) => p.workload === 'cart');
      const probes = cart?.rules.find((r) => r.rationale.guardrail === 'node-probes');
      if (dialect === 'cnp') {
        // A ClusterNetworkPolicy ingress peer cannot be a node; its closing Deny names pods only,
        // so the probes stay allowed, and the note says so.
        expect(probes).toBeUndefined();
        expect(recommendFor('shop', dialect).notes.join('\n')).toMatch(
          /shop\/cart: ingress from nodes cannot be a ClusterNetworkPolicy peer/,
        );
        continue;
      }
      expect(probes).toMatchObject({
        direction: 'Ingress',
        peer: dialect === 'calico' ? 'nodes' : 'nodes',
        ports: 'TCP http',
      });
    }
  });

  it('carries rationale on every rule and reports coverage', () => {
    const rec = recommendFor('shop', 'calico');
    for (const policy of rec.policies) {
      for (const rule of policy.rules) {
        if (rule.rationale.guardrail === undefined) {
          expect(rule.rationale.flows).toBeGreaterThan(0);
          expect(rule.rationale.firstSeen).toBeLessThanOrEqual(rule.rationale.lastSeen);
          expect(rule.rationale.examples.length).toBeGreaterThan(0);
        }
      }
      expect(policy.yaml).toContain('verdict.dev/rationale');
    }
    expect(rec.coverage.closedPaths.length).toBeGreaterThan(0);
    expect(rec.coverage.closedPathsTotal).toBeGreaterThanOrEqual(rec.coverage.closedPaths.length);
  });

  it('lists denied flows in the notes instead of allowing them', () => {
    const rec = recommendFor('shop', 'k8s');
    expect(rec.notes.some((n) => n.startsWith('observed denied: shop/catalog → payments/payments'))).toBe(true);
    const catalog = rec.policies.find((p) => p.workload === 'catalog');
    expect(catalog?.rules.some((r) => r.peer.includes('payments'))).toBe(false);
  });

  it('scopes to one workload, writes enforced Calico policy on request', () => {
    const { state, flows } = demoWindow();
    const result = recommend({
      state,
      flows,
      scope: { namespace: 'shop', workload: 'cart' },
      dialect: 'calico',
      staged: false,
    });
    expect(result.ok && result.value.policies.map((p) => p.workload)).toEqual(['cart']);
    expect(result.ok && result.value.policies[0]?.yaml).toMatch(/kind: NetworkPolicy\n/);
    expect(result.ok && result.value.policies[0]?.yaml).toContain('tier: default');
  });

  it('returns errors as values naming the input', () => {
    const { state, flows } = demoWindow();
    const bad = (input: Partial<Parameters<typeof recommend>[0]>) =>
      recommend({ state, flows, scope: { namespace: 'shop' }, dialect: 'k8s', ...input });
    expect(bad({ scope: { namespace: 'nope' } })).toMatchObject({
      ok: false,
      error: { code: 'unknown-namespace', path: 'scope.namespace' },
    });
    expect(bad({ scope: { namespace: 'shop', workload: 'nope' } })).toMatchObject({
      ok: false,
      error: { code: 'unknown-workload' },
    });
    expect(bad({ dialect: 'calico', tier: 'Not A Tier' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-tier', path: 'tier' },
    });
  });
});
