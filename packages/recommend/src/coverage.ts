// Coverage: the draft checked with the engine. The recommended policies alone (every other policy
// removed, staged ones enforced) must allow each observed allowed connection; unobserved workload
// paths that today's policy allows and the draft denies are the paths it closes.
import {
  BUILTIN_TIERS,
  type ClusterState,
  type EndpointRef,
  type Evaluator,
  type FlowQuery,
  loadObjects,
  sampleAddresses,
} from '@verdict/engine';
import type { ClosedPath, Coverage } from './model.ts';
import type { ClusterView, Connection, End, Workload } from './observe.ts';
import { workloadKey } from './observe.ts';

/** Addresses tried for `pub` / `pvt` ends whose addresses the flows did not carry. */
const SAMPLE_IPS: Readonly<Record<string, string>> = { pub: '203.0.113.10', pvt: '10.255.255.254' };
const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

/** The policy object as the engine should enforce it: a staged Calico policy becomes its enforced kind. */
export function enforcedForm(object: unknown): unknown {
  const o = object as { kind?: string; spec?: Record<string, unknown> };
  if (o.kind !== 'StagedNetworkPolicy' || !o.spec) return object;
  const { stagedAction: _, ...spec } = o.spec;
  return { ...o, kind: 'NetworkPolicy', spec };
}

/** The cluster with only the recommended policies, enforced. Issues are the loader's, for tests and notes. */
export function recommendationWorld(state: ClusterState, objects: readonly unknown[], tier: string) {
  const known = state.tiers.find((t) => t.name === tier);
  const tierObject = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'Tier',
    metadata: { name: tier },
    spec: { order: known?.order ?? 100, defaultAction: known?.defaultAction ?? 'Deny' },
  };
  const builtin = BUILTIN_TIERS.some((t) => t.name === tier);
  const loaded = loadObjects([...(builtin ? [] : [tierObject]), ...objects.map(enforcedForm)], '<recommendation>');
  const tiers = known ? state.tiers : [...state.tiers, ...loaded.state.tiers.filter((t) => t.name === tier)];
  return { state: { ...state, tiers, policies: loaded.state.policies }, issues: loaded.issues };
}

function refs(view: ClusterView, end: End, ips: ReadonlySet<string>): EndpointRef[] {
  switch (end.type) {
    case 'WorkloadEndpoint': {
      const w = view.workloads.get(workloadKey(end.namespace, end.name));
      return (w?.pods ?? []).slice(0, 2).map((p) => ({ namespace: p.namespace, name: p.name }));
    }
    case 'HostEndpoint': {
      const hep = view.nodes.get(end.name);
      return hep ? [{ hostEndpoint: hep.name }] : [];
    }
    case 'NetworkSet': {
      const set = view.networkSets.find((s) => s.name === end.name && (s.namespace ?? '-') === end.namespace);
      const ip = set?.nets.flatMap(sampleAddresses)[0];
      return ip ? [{ ip }] : [];
    }
    case 'Network': {
      const known = [...ips].slice(0, 2);
      const sample = SAMPLE_IPS[end.name];
      return known.length > 0 ? known.map((ip) => ({ ip })) : sample ? [{ ip: sample }] : [];
    }
  }
}

function allows(evaluator: Evaluator, query: FlowQuery): boolean | undefined {
  const result = evaluator.evaluate(query);
  return result.ok ? result.value.enforced.action === 'Allow' : undefined;
}

export interface CoverageInput {
  view: ClusterView;
  /** Today's cluster, with its policies. */
  current: Evaluator;
  recommended: Evaluator;
  scope: readonly Workload[];
  /** Allowed connections touching the scope. */
  allowed: readonly Connection[];
  sampleSize: number;
}

export function computeCoverage(input: CoverageInput): Coverage {
  const { view, recommended } = input;
  let allowedByRecommendation = 0;
  let unresolved = 0;
  const observedPaths = new Set<string>();
  for (const c of input.allowed) {
    observedPaths.add(
      `${c.source.namespace}/${c.source.name}>${c.destination.namespace}/${c.destination.name}:${c.destPort}/${c.proto}`,
    );
    const sources = refs(view, c.source, c.sourceIPs);
    const destinations = refs(view, c.destination, c.destIPs);
    if (sources.length === 0 || destinations.length === 0) {
      unresolved++;
      continue;
    }
    const verdicts = sources.flatMap((source) =>
      destinations.map((destination) =>
        allows(recommended, { source, destination, protocol: c.proto, destPort: c.destPort }),
      ),
    );
    if (verdicts.every((v) => v === true)) allowedByRecommendation++;
    else if (verdicts.some((v) => v === undefined)) unresolved++;
  }
  const closed = closedPaths(input, observedPaths);
  const step = Math.max(1, Math.ceil(closed.length / input.sampleSize));
  return {
    observedAllowed: input.allowed.length,
    allowedByRecommendation,
    unresolved,
    closedPaths: closed.filter((_, i) => i % step === 0).slice(0, input.sampleSize),
    closedPathsTotal: closed.length,
  };
}

/** Unobserved workload → port paths into and out of the scope that today's policy allows and the draft denies. */
function closedPaths(input: CoverageInput, observed: ReadonlySet<string>): ClosedPath[] {
  const { view, current, recommended } = input;
  const inScope = new Set(input.scope);
  const everyone = [...view.workloads.values()];
  const out: ClosedPath[] = [];
  const check = (from: Workload, to: Workload) => {
    const source = from.pods[0];
    const destination = to.pods[0];
    if (!source || !destination || source === destination) return;
    const ports = new Map<string, { protocol: string; port: number }>();
    for (const p of destination.ports) {
      const protocol = PROTOCOL_NAMES[p.protocol];
      if (protocol) ports.set(`${protocol}/${p.port}`, { protocol, port: p.port });
    }
    for (const { protocol, port } of ports.values()) {
      const path = `${from.namespace}/${from.aggregatedName}>${to.namespace}/${to.aggregatedName}:${port}/${protocol.toLowerCase()}`;
      if (observed.has(path)) continue;
      const query: FlowQuery = {
        source: { namespace: source.namespace, name: source.name },
        destination: { namespace: destination.namespace, name: destination.name },
        protocol,
        destPort: port,
      };
      if (allows(current, query) === true && allows(recommended, query) === false) {
        out.push({
          from: `${from.namespace}/${from.name}`,
          to: `${to.namespace}/${to.name}`,
          port: `${protocol} ${port}`,
        });
      }
    }
  };
  for (const to of input.scope) for (const from of everyone) check(from, to);
  for (const from of input.scope) for (const to of everyone) if (!inScope.has(to)) check(from, to);
  return out;
}
