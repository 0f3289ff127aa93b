import { describe, expect, it } from 'vitest';
import type { ClusterState, Pod, PolicySpec, RuleSpec } from '../model.ts';
import { createEvaluator } from './evaluator.ts';
import type { Evaluator, FlowQuery, FlowVerdict, Scope } from './types.ts';

// Differential test of incremental updates: after every pod or policy change, an evaluator that
// was updated in place (with warm memos and verdict cache) must answer every flow exactly as an
// evaluator compiled afresh from the same state.

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPS = ['web', 'api', 'db', 'cache'];
const NAMESPACES = 6;
const TIERS = ['security', 'platform', 'application', 'default'];

function scenario(seed: number) {
  const random = seeded(seed);
  const int = (below: number) => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  let ipSerial = 1;

  const pod = (i: number, app = pick(APPS)): Pod => ({
    namespace: `ns-${i % NAMESPACES}`,
    name: `pod-${i}`,
    labels: { app, version: `v${int(3)}` },
    ips: [`10.0.${Math.floor(ipSerial / 250)}.${(ipSerial++ % 250) + 1}`],
    serviceAccount: pick(['default', 'builder']),
    ports: [{ name: 'http', protocol: 6, port: pick([8080, 8081]) }],
  });

  const rule = (): RuleSpec => {
    const action = pick(['Allow', 'Allow', 'Deny', 'Pass', 'Log'] as const);
    const roll = int(8);
    const base: RuleSpec = { action, source: {}, destination: {}, path: 'spec.ingress[0]' };
    if (roll === 0) return { ...base, protocol: 6, source: { selector: `app == '${pick(APPS)}'` } };
    if (roll === 1) return { ...base, protocol: 6, destination: { ports: [{ name: 'http' }] } };
    if (roll === 2) return { ...base, source: { namespaceSelector: `team == 't${int(3)}'` } };
    if (roll === 3) return { ...base, destination: { nets: ['10.0.0.0/24', '192.168.0.0/16'] } };
    if (roll === 4) return { ...base, destination: { services: { name: 'svc', namespace: 'ns-1' } } };
    if (roll === 5) return { ...base, protocol: 17, destination: { ports: [{ min: 53, max: 53 }] } };
    if (roll === 6) return { ...base, source: { notSelector: `app == '${pick(APPS)}'` } };
    return base;
  };

  const policy = (i: number): PolicySpec => {
    const global = int(4) === 0;
    const staged = int(5) === 0;
    const tier = pick(TIERS);
    return {
      kind: global
        ? staged
          ? 'StagedGlobalNetworkPolicy'
          : 'GlobalNetworkPolicy'
        : staged
          ? 'StagedNetworkPolicy'
          : 'NetworkPolicy',
      name: `policy-${i}`,
      ...(global ? {} : { namespace: `ns-${int(NAMESPACES)}` }),
      tier,
      ...(int(4) === 0 ? {} : { order: int(5) * 10 }),
      staged,
      ...(staged ? { stagedAction: pick(['Set', 'Set', 'Delete'] as const) } : {}),
      selector: pick([`app == '${pick(APPS)}'`, '', `version == 'v${int(3)}'`]),
      types: pick([['Ingress'], ['Egress'], ['Ingress', 'Egress']] as const),
      ingress: Array.from({ length: int(3) }, rule),
      egress: Array.from({ length: int(3) }, rule),
      skipForWorkloads: false,
      original: {},
    };
  };

  const state: ClusterState = {
    namespaces: Array.from({ length: NAMESPACES }, (_, i) => ({ name: `ns-${i}`, labels: { team: `t${i % 3}` } })),
    pods: Array.from({ length: 40 }, (_, i) => pod(i)),
    serviceAccounts: [],
    services: [
      {
        namespace: 'ns-1',
        name: 'svc',
        clusterIPs: ['10.96.0.1'],
        selector: { app: 'api' },
        ports: [{ name: 'http', protocol: 6, port: 80, targetPort: 'http' }],
      },
    ],
    endpointSlices: [],
    tiers: [
      { name: 'security', order: 100, defaultAction: 'Pass' },
      { name: 'platform', order: 200, defaultAction: 'Pass' },
      { name: 'application', order: 300, defaultAction: 'Deny' },
      { name: 'default', order: 1000, defaultAction: 'Deny' },
    ],
    networkSets: [{ name: 'outside', labels: { app: 'db' }, nets: ['192.168.0.0/16'] }],
    hostEndpoints: [],
    policies: Array.from({ length: 30 }, (_, i) => policy(i)),
  };

  const flows = (evaluator: Evaluator): FlowQuery[] => {
    const pods = evaluator.state.pods;
    const ends = [
      ...pods.map((p) => ({ namespace: p.namespace, name: p.name })),
      { ip: '192.168.3.4' },
      { ip: '10.96.0.1' },
      { ip: '8.8.8.8' },
    ];
    const queries: FlowQuery[] = [];
    for (let i = 0; i < 80; i++) {
      const source = pick(ends);
      const destination = pick(ends);
      if ('ip' in source && 'ip' in destination) continue;
      queries.push({ source, destination, protocol: pick(['TCP', 'UDP']), destPort: pick([53, 80, 8080, 8081]) });
    }
    return queries;
  };

  /** One random change, applied to the evaluator. */
  const change = (evaluator: Evaluator, step: number) => {
    const pods = evaluator.state.pods;
    const policies = evaluator.state.policies;
    const roll = int(8);
    if (roll === 0 && pods.length > 0) {
      const target = pick(pods);
      evaluator.removePod(target.namespace, target.name);
    } else if (roll <= 2 && pods.length > 0) {
      const target = pick(pods);
      evaluator.upsertPod({ ...target, labels: { ...target.labels, app: pick(APPS) } });
    } else if (roll === 3) {
      evaluator.upsertPod(pod(100 + step));
    } else if (roll === 4 && policies.length > 0) {
      const target = pick(policies);
      evaluator.removePolicy(target.kind, target.namespace, target.name);
    } else if (roll === 5 && policies.length > 0) {
      // A staged counterpart of an enforced policy (what-if shadowing changes the enforced one's scopes).
      const target = pick(policies);
      if (target.kind === 'NetworkPolicy' || target.kind === 'GlobalNetworkPolicy') {
        const kind = target.kind === 'NetworkPolicy' ? 'StagedNetworkPolicy' : 'StagedGlobalNetworkPolicy';
        evaluator.upsertPolicy({
          ...target,
          kind,
          staged: true,
          stagedAction: pick(['Set', 'Delete'] as const),
          selector: `app == '${pick(APPS)}'`,
        });
      } else evaluator.upsertPolicy({ ...target, ingress: [rule()] });
    } else if (roll === 6 && policies.length > 0) {
      const target = pick(policies);
      evaluator.upsertPolicy({ ...target, order: int(5) * 10, selector: `app == '${pick(APPS)}'` });
    } else {
      evaluator.upsertPolicies([policy(100 + step), policy(200 + step)]);
    }
  };

  return { state, flows, change };
}

/** The verdict of one scope as the step-by-step walk of `explain` gives it (no tables, no caches). */
function walked(evaluator: Evaluator, query: FlowQuery, scope: Scope) {
  const explained = evaluator.explain(query, scope);
  if (!explained.ok) return explained.error.code;
  const side = (direction: string) => {
    const found = explained.value.sides.find((s) => s.direction === direction);
    return found && { action: found.action, hits: found.hits };
  };
  return { action: explained.value.action, egress: side('Egress'), ingress: side('Ingress') };
}

function scopeOf(verdict: FlowVerdict, scope: Scope) {
  const found = verdict[scope];
  return found && { action: found.action, egress: found.egress, ingress: found.ingress };
}

describe('incremental updates match a fresh compile', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: 30 random pod and policy changes, verdicts in all three scopes`, () => {
      const { state, flows, change } = scenario(seed);
      const live = createEvaluator(state);
      let compared = 0;
      for (let step = 0; step < 30; step++) {
        const queries = flows(live);
        // Warm the live evaluator's memos and verdict cache before the change.
        for (const query of queries) live.evaluate(query, { whatIf: true });
        change(live, step);
        const fresh = createEvaluator(live.state);
        for (const query of queries) {
          const expected = fresh.evaluate(query, { whatIf: true });
          expect(live.evaluate(query, { whatIf: true }), `step ${step}: ${JSON.stringify(query)}`).toEqual(expected);
          expect(live.evaluate(query)).toEqual(fresh.evaluate(query));
          // Decision tables and caches answer exactly as the plain walk.
          const result = live.evaluate(query, { whatIf: true });
          for (const scope of ['enforced', 'pending', 'whatIf'] as const)
            expect(result.ok ? scopeOf(result.value, scope) : result.error.code, `${scope} step ${step}`).toEqual(
              walked(fresh, query, scope),
            );
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(600);
    });
  }
});

describe('selection identities (endpoints that agree on every selected label share policy lists)', () => {
  const base = (namespace: string, name: string, ip: string, labels: Record<string, string>): Pod => ({
    namespace,
    name,
    labels,
    ips: [ip],
    serviceAccount: 'default',
    ports: [],
  });
  const denyFrom = (name: string, selector: string): PolicySpec => ({
    kind: 'NetworkPolicy',
    name,
    namespace: 'shop',
    tier: 'default',
    staged: false,
    selector,
    types: ['Ingress'],
    ingress: [{ action: 'Deny', source: {}, destination: {}, path: 'spec.ingress[0]' }],
    egress: [],
    skipForWorkloads: false,
    original: {},
  });
  const state = (): ClusterState => ({
    namespaces: [{ name: 'shop', labels: {} }],
    pods: [base('shop', 'client', '10.0.0.1', { app: 'client' }), base('shop', 'db-1', '10.0.0.2', { app: 'db' })],
    serviceAccounts: [],
    services: [],
    endpointSlices: [],
    tiers: [{ name: 'default', order: 1000, defaultAction: 'Deny' }],
    networkSets: [],
    hostEndpoints: [],
    policies: [denyFrom('other', "app == 'other'")],
  });
  const toPod = (name: string): FlowQuery => ({
    source: { namespace: 'shop', name: 'client' },
    destination: { namespace: 'shop', name },
    protocol: 'TCP',
    destPort: 5432,
  });

  it('a policy changed while no endpoint holds an identity still reaches the next endpoint of it', () => {
    const live = createEvaluator(state());
    expect(live.evaluate(toPod('db-1'))).toMatchObject({ ok: true, value: { enforced: { action: 'Allow' } } });
    live.removePod('shop', 'db-1');
    live.upsertPolicy(denyFrom('db', "app == 'db'"));
    live.upsertPod(base('shop', 'db-2', '10.0.0.3', { app: 'db' }));
    const verdict = live.evaluate(toPod('db-2'));
    expect(verdict).toMatchObject({ ok: true, value: { enforced: { action: 'Deny' } } });
    expect(verdict).toEqual(createEvaluator(live.state).evaluate(toPod('db-2')));
  });

  it('a selector on a label no selector read before splits endpoints that shared an identity', () => {
    const live = createEvaluator(state());
    live.upsertPod(base('shop', 'db-2', '10.0.0.3', { app: 'db', role: 'primary' }));
    // db-1 and db-2 agree on `app`, the only key read so far: one identity, both allowed.
    for (const name of ['db-1', 'db-2'])
      expect(live.evaluate(toPod(name))).toMatchObject({ ok: true, value: { enforced: { action: 'Allow' } } });
    live.upsertPolicy(denyFrom('primary', "role == 'primary'"));
    expect(live.evaluate(toPod('db-1'))).toMatchObject({ ok: true, value: { enforced: { action: 'Allow' } } });
    expect(live.evaluate(toPod('db-2'))).toMatchObject({ ok: true, value: { enforced: { action: 'Deny' } } });
    const fresh = createEvaluator(live.state);
    for (const name of ['db-1', 'db-2']) expect(live.evaluate(toPod(name))).toEqual(fresh.evaluate(toPod(name)));
  });
});
