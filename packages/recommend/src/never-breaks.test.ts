// Property: a recommendation never denies an observed allowed flow. Random small clusters (pods in
// 10.1.0.0/16, some namespaces default-deny), random traffic between pods and external addresses
// (public, private outside the cluster, and private non-pod addresses inside the pods' /16), some
// flows without address sets (as Goldmane reports them); the drafts of every namespace, enforced
// alone, must allow every flow that is allowed today, addresses included.
import { createEvaluator, type FlowQuery, loadResources } from '@verdict/engine';
import { enrichRawFlow, type Flow, type RawFlow } from '@verdict/flows';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recommendationWorld } from './coverage.ts';
import type { Dialect } from './model.ts';
import { recommend } from './recommend.ts';

/** Fixed so that a failure reproduces; `numRuns` bounds the time. */
export const PROPERTY_SEED = 20_261_206;
export const PROPERTY_RUNS = 60;

interface World {
  namespaces: { name: string; defaultDeny: boolean }[];
  pods: { namespace: string; app: string; ip: string }[];
  calls: { from: number | string; to: number | string; port: number; udp: boolean; addresses: boolean }[];
  dialect: Dialect;
}

const EXTERNAL: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom(203, 198, 8, 52), fc.nat(255), fc.nat(255))
    .map(([a, b, c]) => `${a}.${b}.${c}.${((b * 7 + c) % 254) + 1}`),
  fc
    .tuple(fc.constantFrom('192.168', '172.20', '10.9'), fc.nat(255), fc.integer({ min: 1, max: 254 }))
    .map(([p, c, d]) => `${p}.${c}.${d}`),
  // Private but not a pod, inside the pods' /16 (the addresses the old fallback excluded).
  fc.tuple(fc.integer({ min: 200, max: 250 }), fc.integer({ min: 1, max: 254 })).map(([c, d]) => `10.1.${c}.${d}`),
);

const world: fc.Arbitrary<World> = fc
  .record({
    namespaces: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
    pods: fc.array(fc.record({ ns: fc.nat(2), app: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 6 }),
    dialect: fc.constantFrom<Dialect>('k8s', 'calico'),
  })
  .chain(({ namespaces, pods, dialect }) => {
    const nsList = namespaces.map((defaultDeny, i) => ({ name: `ns${i}`, defaultDeny }));
    const podList = pods.map((p, i) => ({
      namespace: nsList[p.ns % nsList.length]?.name ?? 'ns0',
      app: `app${p.app}`,
      ip: `10.1.${Math.floor(i / 200)}.${(i % 200) + 10}`,
    }));
    const end = fc.oneof(fc.integer({ min: 0, max: podList.length - 1 }), EXTERNAL);
    const call = fc.record({
      from: end,
      to: end,
      port: fc.constantFrom(53, 80, 443, 5432, 8080),
      udp: fc.boolean(),
      addresses: fc.boolean(),
    });
    return fc.array(call, { minLength: 1, maxLength: 25 }).map((calls) => ({
      namespaces: nsList,
      pods: podList,
      calls: calls.filter((c) => typeof c.from === 'number' || typeof c.to === 'number'),
      dialect,
    }));
  });

function manifests(w: World): string {
  const docs: string[] = [];
  for (const ns of w.namespaces) {
    docs.push(
      `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns.name}, labels: { kubernetes.io/metadata.name: ${ns.name} } }\n`,
    );
    if (ns.defaultDeny) {
      // Default-deny with traffic inside the namespace and to external networks allowed.
      docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: baseline, namespace: ${ns.name} }
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{ from: [{ podSelector: {} }, { ipBlock: { cidr: 0.0.0.0/0 } }] }]
  egress: [{ to: [{ podSelector: {} }, { ipBlock: { cidr: 0.0.0.0/0 } }] }]
`);
    }
  }
  w.pods.forEach((p, i) => {
    docs.push(`apiVersion: v1
kind: Pod
metadata: { name: ${p.app}-${i}, namespace: ${p.namespace}, labels: { app: ${p.app} } }
spec: { containers: [{ name: main }] }
status: { podIP: ${p.ip}, podIPs: [{ ip: ${p.ip} }] }
`);
  });
  return docs.join('---\n');
}

const T = 1_767_225_600;

function endRef(w: World, end: number | string) {
  if (typeof end === 'string') return { ip: end };
  const pod = w.pods[end];
  return pod ? { ip: pod.ip } : { ip: '10.1.0.10' };
}

/** Checks one world; returns the flows the drafts break, as text. */
function broken(w: World): string[] {
  const { state, issues } = loadResources([{ file: 'world.yaml', text: manifests(w) }]);
  if (issues.some((i) => i.severity === 'error')) throw new Error(issues.map((i) => i.message).join('; '));
  const today = createEvaluator(state);
  const flows: Flow[] = [];
  const allowed: FlowQuery[] = [];
  w.calls.forEach((c, i) => {
    const raw: RawFlow = {
      source: endRef(w, c.from),
      destination: endRef(w, c.to),
      destPort: c.port,
      protocol: c.udp ? 'UDP' : 'TCP',
      startTime: T + i,
      connectionsStarted: 1,
    };
    const enriched = enrichRawFlow(today, raw);
    if (!enriched.ok) return;
    for (const flow of enriched.flows) {
      if (c.addresses) flows.push(flow);
      else {
        const { sourceIps: _s, destIps: _d, ...bare } = flow;
        flows.push(bare);
      }
    }
    if (enriched.verdict.enforced.action === 'Allow') {
      allowed.push({
        source: raw.source,
        destination: raw.destination,
        protocol: raw.protocol,
        destPort: raw.destPort,
      });
    }
  });
  const objects: unknown[] = [];
  for (const ns of w.namespaces) {
    const result = recommend({ state, flows, scope: { namespace: ns.name }, dialect: w.dialect });
    if (!result.ok) throw new Error(result.error.message);
    objects.push(...result.value.policies.map((p) => p.object));
  }
  const drafted = recommendationWorld(state, objects, 'default');
  expect(drafted.issues).toEqual([]);
  const after = createEvaluator(drafted.state);
  return allowed.flatMap((q) => {
    const result = after.evaluate(q);
    if (result.ok && result.value.enforced.action === 'Allow') return [];
    return [`${JSON.stringify(q.source)} → ${JSON.stringify(q.destination)}:${q.destPort}/${q.protocol}`];
  });
}

describe('recommendations never break an observed allowed flow', () => {
  it(`holds over ${PROPERTY_RUNS} random clusters and their traffic (seed ${PROPERTY_SEED})`, () => {
    fc.assert(
      fc.property(world, (w) => {
        expect(broken(w)).toEqual([]);
      }),
      { seed: PROPERTY_SEED, numRuns: PROPERTY_RUNS },
    );
  });

  it('keeps a private non-pod address inside the pods’ /16 when flows carry no addresses (the reported case)', () => {
    const w: World = {
      namespaces: [{ name: 'ns0', defaultDeny: false }],
      pods: [{ namespace: 'ns0', app: 'app0', ip: '10.1.0.10' }],
      calls: [{ from: 0, to: '10.1.200.7', port: 5432, udp: false, addresses: false }],
      dialect: 'calico',
    };
    expect(broken(w)).toEqual([]);
  });
});
