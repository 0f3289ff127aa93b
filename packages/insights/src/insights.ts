// insights(): findings over a cluster and a window of its flows. Each analysis is a pure function of
// the cluster, its endpoint selection and the flows; docs/insights.md defines every finding type.
import { type ClusterState, type Direction, hitKindOf, type PolicyHit, type PolicySpec } from '@verdict/engine';
import { type FlowKey, pendingVerdict } from '@verdict/flows';
import { aggregateAddresses, recommend } from '@verdict/recommend';
import { deletionFix, dnsFix, type KeptPeer, keepPeersFix, withoutRuleFix } from './fixes.ts';
import { addressesOf, examples, type Indexed, indexed, sourceOf } from './flows.ts';
import { bests, type Folded, fold, recordsIn } from './fold.ts';
import {
  FINDING_TYPES,
  type Finding,
  type InsightsInput,
  type InsightsOptions,
  type InsightsReport,
  type PolicyEvidence,
  SEVERITIES,
  type Subject,
} from './model.ts';
import { type UnreachableRule, unreachableRules } from './reach.ts';
import { applying, type Selection, selectionOf } from './selection.ts';

type Options = Required<InsightsOptions>;

const DEFAULTS: Options = {
  tenantLabel: 'tenant',
  lateralWorkloads: 5,
  lateralNamespaces: 3,
  scanPortsPerPeer: 10,
  scanPortsTotal: 15,
  spikeWindow: 900,
  spikeMinimum: 10,
  examples: 5,
  draftedFixes: 25,
};

interface Context {
  state: ClusterState;
  selection: Selection;
  /** The window's records (the deny-spike pass needs their times; drafts are made from them). */
  flows: readonly Indexed[];
  /** The window's and the baseline's records folded by key: what every other pass reads. */
  window: readonly Folded[];
  baseline: readonly Folded[];
  options: Options;
  unreachable: UnreachableRule[];
  changes: NonNullable<InsightsInput['changes']>;
  /** Drafted policies per workload (`namespace\0aggregatedName`), computed once. */
  drafts: Map<string, string | null>;
}

/** How `insights` runs: for tests and the benchmark. */
export interface InsightsRun {
  /** False runs the passes over the records one by one instead of folded by key: the same findings, slower. */
  foldByKey?: boolean;
  /** Filled with the milliseconds each step took (selection, fold, then each finding type). */
  timings?: Map<string, number>;
}

/** Every finding of the cluster and window, most severe first. */
export function insights(input: InsightsInput, run: InsightsRun = {}): InsightsReport {
  const foldByKey = run.foldByKey ?? true;
  const timed = <T>(step: string, f: () => T): T => {
    const started = performance.now();
    const out = f();
    run.timings?.set(step, (run.timings.get(step) ?? 0) + performance.now() - started);
    return out;
  };
  const selection = timed('selection', () => selectionOf(input.state, input.evaluator));
  const flows = indexed(input.flows);
  const ctx: Context = {
    state: input.state,
    selection,
    flows,
    window: timed('fold', () => fold(flows, foldByKey)),
    baseline: timed('fold', () => fold(indexed(input.baseline ?? []), foldByKey)),
    options: { ...DEFAULTS, ...input.options },
    unreachable: timed('unreachable-rule', () => unreachableRules(input.state, selection)),
    changes: input.changes ?? [],
    drafts: new Map(),
  };
  const findings = [
    ...timed('policy-selects-nothing', () => selectsNothing(ctx)),
    ...timed('unreachable-rule', () => unreachable(ctx)),
    ...timed('unused-rule', () => unusedRules(ctx)),
    ...timed('staged-would-deny', () => stagedWouldDeny(ctx)),
    ...timed('dns-blocked', () => dnsBlocked(ctx)),
    ...timed('public-egress', () => publicEgress(ctx)),
    ...timed('lateral-movement', () => lateralMovement(ctx)),
    ...timed('port-scan', () => portScans(ctx)),
    ...timed('unprotected-workload', () => unprotected(ctx)),
    ...timed('deny-spike-after-change', () => denySpikes(ctx)),
  ];
  const severity = (f: Finding) => SEVERITIES.indexOf(f.severity);
  const type = (f: Finding) => FINDING_TYPES.indexOf(f.type);
  const subject = (f: Finding) => `${f.subject.namespace}/${f.subject.name}`;
  findings.sort(
    (a, b) =>
      severity(a) - severity(b) ||
      type(a) - type(b) ||
      (subject(a) < subject(b) ? -1 : subject(a) > subject(b) ? 1 : 0),
  );
  return { findings };
}

// ---------------------------------------------------------------------------------------------
// Naming

const policySubject = (spec: PolicySpec): Subject => ({
  kind: spec.kind,
  namespace: spec.namespace ?? '',
  name: spec.name,
});
const workloadSubject = (namespace: string, name: string): Subject => ({ kind: 'Workload', namespace, name });

function policyEvidence(
  spec: PolicySpec,
  rule?: { direction: Direction; index: number; path: string },
): PolicyEvidence {
  const out: PolicyEvidence = {
    kind: hitKindOf(spec.kind),
    namespace: spec.namespace ?? '',
    name: spec.name,
    tier: spec.tier,
  };
  if (rule) {
    out.direction = rule.direction;
    out.ruleIndex = rule.index;
    out.rulePath = rule.path;
  }
  return out;
}

const hitEvidence = (hit: PolicyHit): PolicyEvidence => {
  const ref = hit.kind === 'EndOfTier' && hit.trigger ? hit.trigger : hit;
  return { kind: ref.kind, namespace: ref.namespace, name: ref.name, tier: ref.tier };
};

const policyText = (spec: PolicySpec) =>
  `${spec.kind} ${spec.namespace === undefined ? '' : `${spec.namespace}/`}${spec.name}`;
/** `namespace/name`, Goldmane's `<owner>-*` shortened to the owner without its replica-set hash. */
const workloadText = (namespace: string, name: string) =>
  `${namespace ? `${namespace}/` : ''}${name.replace(/-[a-z0-9]{5,10}-\*$|-\*$/, '')}`;
const endpointKey = (namespace: string, name: string) => `${namespace}\0${name}`;
const isDeletion = (spec: PolicySpec) => spec.staged && spec.stagedAction === 'Delete';
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function uniqueBy<T>(list: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of list) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

// ---------------------------------------------------------------------------------------------
// From the compiled policies

function selectsNothing(ctx: Context): Finding[] {
  const pods = ctx.selection.endpoints.filter((e) => e.type === 'WorkloadEndpoint').length;
  const hosts = ctx.selection.endpoints.length - pods;
  return ctx.state.policies.flatMap((spec, i): Finding[] => {
    if ((ctx.selection.selectedCount[i] ?? 0) > 0 || isDeletion(spec)) return [];
    const scope =
      spec.namespace !== undefined
        ? ` in namespace ${spec.namespace}`
        : spec.namespaceSelector
          ? ` in namespaces matching ${spec.namespaceSelector}`
          : '';
    return [
      {
        type: 'policy-selects-nothing',
        severity: 'low',
        title: `${policyText(spec)} selects no endpoint`,
        subject: policySubject(spec),
        evidence: {
          flows: [],
          policies: [policyEvidence(spec)],
          explanation: `Its selector ${JSON.stringify(spec.selector || 'all()')}${scope}${spec.serviceAccountSelector ? ` with service accounts matching ${spec.serviceAccountSelector}` : ''} matches none of the cluster's ${plural(pods, 'pod')} and ${plural(hosts, 'host endpoint')}, so it decides nothing. A typo in a label or a workload that was renamed or removed is the usual cause.`,
        },
        fix: {
          summary: `Delete ${policyText(spec)}, or correct its selector to name the workloads it was written for.`,
          changeSet: deletionFix(spec),
        },
      },
    ];
  });
}

function rulesOf(spec: PolicySpec, direction: Direction) {
  return direction === 'Ingress' ? spec.ingress : spec.egress;
}

function unreachable(ctx: Context): Finding[] {
  // A Kubernetes rule expands to several rules with one path: report it when every expansion is unreachable.
  const groups = new Map<string, UnreachableRule[]>();
  for (const u of ctx.unreachable) {
    const spec = ctx.state.policies[u.policy];
    const rule = spec && rulesOf(spec, u.direction)[u.ruleIndex];
    if (!rule) continue;
    const key = `${u.policy}\0${u.direction}\0${rule.path}`;
    push(groups, key, u);
  }
  return [...groups.values()].flatMap((list): Finding[] => {
    const first = list[0] as UnreachableRule;
    const spec = ctx.state.policies[first.policy] as PolicySpec;
    const rules = rulesOf(spec, first.direction);
    const rule = rules[first.ruleIndex];
    if (!rule || rules.filter((r) => r.path === rule.path).length !== list.length || isDeletion(spec)) return [];
    return [
      {
        type: 'unreachable-rule',
        severity: rule.action === 'Deny' ? 'medium' : 'low',
        title: `${first.direction.toLowerCase()} rule ${rule.path} of ${policyText(spec)} can never match`,
        subject: policySubject(spec),
        evidence: {
          flows: [],
          policies: [policyEvidence(spec, { direction: first.direction, index: first.ruleIndex, path: rule.path })],
          explanation: `Every flow this ${rule.action} rule could match is decided before it is reached, for every endpoint the policy selects: ${[...new Set(list.map((u) => u.shadowedBy))].join('; ')}. ${rule.action === 'Deny' ? 'The deny it was written for never takes effect.' : 'It is dead weight that hides what the policy really does.'}`,
        },
        fix: {
          summary: `Remove ${rule.path} from ${policyText(spec)}${rule.action === 'Deny' ? ', or move it before the rule that takes its flows' : ''}.`,
          changeSet: withoutRuleFix(spec, rule.path),
        },
      },
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// From the window's flows

const directionOf = (k: FlowKey): Direction => (k.reporter === 'Src' ? 'Egress' : 'Ingress');
const reporterKey = (k: FlowKey) =>
  k.reporter === 'Src' ? endpointKey(k.sourceNamespace, k.sourceName) : endpointKey(k.destNamespace, k.destName);
/**
 * The rules some trace named, per hit kind, namespace, name and direction: nested maps of the hits'
 * own strings, so the per-flow pass allocates nothing (a million records name several million hits).
 */
class UsedRules {
  private readonly byKind = new Map<string, Map<string, Map<string, Set<number>>>>();
  /** Rule index and direction as one number. */
  private static slot = (direction: Direction, index: number) => index * 2 + (direction === 'Egress' ? 1 : 0);
  add(kind: string, namespace: string, name: string, direction: Direction, index: number): void {
    let byNamespace = this.byKind.get(kind);
    if (!byNamespace) this.byKind.set(kind, (byNamespace = new Map()));
    let byName = byNamespace.get(namespace);
    if (!byName) byNamespace.set(namespace, (byName = new Map()));
    let slots = byName.get(name);
    if (!slots) byName.set(name, (slots = new Set()));
    slots.add(UsedRules.slot(direction, index));
  }
  has(kind: string, namespace: string, name: string, direction: Direction, index: number): boolean {
    return this.byKind.get(kind)?.get(namespace)?.get(name)?.has(UsedRules.slot(direction, index)) ?? false;
  }
}

/** Counts per reporting endpoint (namespace, then Goldmane name), without a key string per record. */
function countByReporter(folds: readonly Folded[]): Record<Direction, Map<string, Map<string, number>>> {
  const out: Record<Direction, Map<string, Map<string, number>>> = { Ingress: new Map(), Egress: new Map() };
  for (const { first, records } of folds) {
    const k = first.flow.key;
    const src = k.reporter === 'Src';
    const byNamespace = out[src ? 'Egress' : 'Ingress'];
    const namespace = src ? k.sourceNamespace : k.destNamespace;
    const name = src ? k.sourceName : k.destName;
    let byName = byNamespace.get(namespace);
    if (!byName) byNamespace.set(namespace, (byName = new Map()));
    byName.set(name, (byName.get(name) ?? 0) + records);
  }
  return out;
}

function unusedRules(ctx: Context): Finding[] {
  if (ctx.window.length === 0) return [];
  const used = new UsedRules();
  for (const { first } of ctx.window) {
    const k = first.flow.key;
    const direction = directionOf(k);
    for (const h of k.policies.enforced) {
      if (h.ruleIndex >= 0) used.add(h.kind, h.namespace, h.name, direction, h.ruleIndex);
    }
    for (const h of k.policies.pending) {
      if (h.ruleIndex >= 0) used.add(h.kind, h.namespace, h.name, direction, h.ruleIndex);
    }
  }
  const counts = countByReporter(ctx.window);
  const active: Record<Direction, Map<number, number>> = { Ingress: new Map(), Egress: new Map() };
  for (const endpoint of ctx.selection.endpoints) {
    for (const direction of ['Ingress', 'Egress'] as const) {
      const records = counts[direction].get(endpoint.namespace)?.get(endpoint.aggregatedName);
      if (!records) continue;
      for (const p of applying(ctx.state, endpoint.policies, direction)) {
        active[direction].set(p, (active[direction].get(p) ?? 0) + records);
      }
    }
  }
  const unreachableKeys = new Set(ctx.unreachable.map((u) => `${u.policy}\0${u.direction}\0${u.ruleIndex}`));
  const out: Finding[] = [];
  for (const direction of ['Ingress', 'Egress'] as const) {
    for (const [p, records] of active[direction]) {
      const spec = ctx.state.policies[p] as PolicySpec;
      if (isDeletion(spec)) continue;
      const rules = rulesOf(spec, direction);
      const kind = hitKindOf(spec.kind);
      const byPath = new Map<string, number[]>();
      rules.forEach((rule, i) => {
        if (rule.action === 'Allow') byPath.set(rule.path, [...(byPath.get(rule.path) ?? []), i]);
      });
      for (const [path, indices] of byPath) {
        const hit = indices.some((i) => used.has(kind, spec.namespace ?? '', spec.name, direction, i));
        const dead = indices.every((i) => unreachableKeys.has(`${p}\0${direction}\0${i}`));
        if (hit || dead) continue;
        const index = indices[0] as number;
        out.push({
          type: 'unused-rule',
          severity: 'low',
          title: `${direction.toLowerCase()} allow rule ${path} of ${policyText(spec)} matched no flow in the window`,
          subject: policySubject(spec),
          evidence: {
            flows: [],
            policies: [policyEvidence(spec, { direction, index, path })],
            explanation: `The endpoints this policy selects reported ${plural(records, `${direction.toLowerCase()} flow record`)} in the window and no ${spec.staged ? 'pending' : 'enforced'} trace names this rule. An allow rule nobody uses is access waiting to be misused; check a longer window before removing it.`,
          },
          fix: {
            summary: `Remove ${path} from ${policyText(spec)} if no client needs it.`,
            changeSet: withoutRuleFix(spec, path),
          },
        });
      }
    }
  }
  return out;
}

const STAGED_KINDS = new Set(['StagedNetworkPolicy', 'StagedGlobalNetworkPolicy', 'StagedKubernetesNetworkPolicy']);

/** The staged policy that makes a pending trace deny: the deciding hit's policy, else the first staged hit. */
function stagedDenier(hits: readonly PolicyHit[]): PolicyHit | undefined {
  const refOf = (h: PolicyHit) => (h.kind === 'EndOfTier' && h.trigger ? { ...h, ...h.trigger } : h);
  const last = hits[hits.length - 1];
  if (last && STAGED_KINDS.has(refOf(last).kind)) return refOf(last);
  return hits.map(refOf).find((h) => STAGED_KINDS.has(h.kind));
}

function findSpec(state: ClusterState, ref: { kind: string; namespace: string; name: string }): PolicySpec | undefined {
  return state.policies.find(
    (s) => hitKindOf(s.kind) === ref.kind && (s.namespace ?? '') === ref.namespace && s.name === ref.name,
  );
}

function stagedWouldDeny(ctx: Context): Finding[] {
  const groups = new Map<string, { spec: PolicySpec; flows: Folded[] }>();
  for (const item of ctx.window) {
    const k = item.first.flow.key;
    if (k.action !== 'Allow' || pendingVerdict(k) !== 'Deny') continue;
    const denier = stagedDenier(k.policies.pending);
    const spec = denier && findSpec(ctx.state, denier);
    if (!spec) continue;
    const key = `${spec.kind}\0${spec.namespace ?? ''}\0${spec.name}`;
    const group = groups.get(key) ?? { spec, flows: [] };
    group.flows.push(item);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ spec, flows }) => {
    const connections = flows.reduce((n, f) => n + f.connections, 0);
    const peers = uniqueBy(
      flows
        .map(({ first: { flow } }): KeptPeer | undefined => {
          const k = flow.key;
          const direction = directionOf(k);
          const far =
            direction === 'Ingress'
              ? {
                  type: k.sourceType,
                  namespace: k.sourceNamespace,
                  labels: flow.sourceLabels,
                  ips: addressesOf(flow, 'source'),
                }
              : {
                  type: k.destType,
                  namespace: k.destNamespace,
                  labels: flow.destLabels,
                  ips: addressesOf(flow, 'dest'),
                };
          if (far.type === 'WorkloadEndpoint') {
            return {
              direction,
              peer: { namespace: far.namespace, labels: far.labels },
              protocol: k.proto,
              port: k.destPort,
            };
          }
          if (far.ips.length > 0)
            return { direction, peer: { nets: aggregateAddresses([...far.ips]) }, protocol: k.proto, port: k.destPort };
          return undefined;
        })
        .filter((p): p is KeptPeer => p !== undefined),
      (p) => JSON.stringify(p),
    );
    const pairs = uniqueBy(
      flows,
      ({ first: { flow } }) => `${sourceOf(flow.key)}>${flow.key.destName}:${flow.key.destPort}`,
    );
    return {
      type: 'staged-would-deny',
      severity: 'high',
      title: `enforcing ${policyText(spec)} would deny ${plural(pairs.length, 'connection path')} allowed today`,
      subject: policySubject(spec),
      evidence: {
        flows: examples(bests(flows), ctx.options.examples),
        policies: [policyEvidence(spec)],
        explanation: `${plural(recordsIn(flows), 'flow record')} (${plural(connections, 'connection')}) are allowed by today's enforced policy, and their pending trace, which evaluates staged policies as if enforced, ends in a deny from this staged policy.`,
      },
      fix: {
        summary:
          peers.length > 0
            ? `Allow the observed peers in ${policyText(spec)} before enforcing it (${plural(peers.length, 'rule')}), or confirm that this traffic must stop.`
            : `Decide for each path whether it must stop; the denied peers carry no addresses to allow.`,
        changeSet: peers.length > 0 ? keepPeersFix(spec, peers) : null,
      },
    };
  });
}

/** Cluster DNS: the kube-dns Service's pods (by its selector, else `k8s-app=kube-dns`) in kube-system. */
function dnsOf(state: ClusterState): { namespace: string; labels: Record<string, string>; names: Set<string> } {
  const service = state.services.find((s) => s.namespace === 'kube-system' && s.name === 'kube-dns');
  const labels = { ...(service?.selector ?? { 'k8s-app': 'kube-dns' }) };
  const names = new Set<string>();
  for (const pod of state.pods) {
    if (pod.namespace !== 'kube-system' || !Object.entries(labels).every(([k, v]) => pod.labels[k] === v)) continue;
    names.add(pod.name);
    if (pod.owner) names.add(`${pod.owner}-*`);
  }
  return { namespace: 'kube-system', labels, names };
}

function dnsBlocked(ctx: Context): Finding[] {
  const dns = dnsOf(ctx.state);
  const groups = new Map<string, Folded[]>();
  for (const item of ctx.window) {
    const k = item.first.flow.key;
    if (k.action !== 'Deny' || k.destPort !== 53) continue;
    const toService = k.destServiceNamespace === dns.namespace && k.destServiceName === 'kube-dns';
    const toPods = k.destNamespace === dns.namespace && dns.names.has(k.destName);
    if (!toService && !toPods) continue;
    const key = `${k.sourceType}\0${k.sourceNamespace}\0${k.sourceName}\0${k.reporter}`;
    push(groups, key, item);
  }
  return [...groups.values()].map((flows) => {
    const first = (flows[0] as Folded).first.flow;
    const k = first.key;
    const decider = k.policies.enforced[k.policies.enforced.length - 1];
    const direction = directionOf(k);
    const tier = decider?.tier || 'default';
    const orders = ctx.state.policies
      .filter((s) => s.tier === tier && s.order !== undefined)
      .map((s) => s.order as number);
    const order = orders.length > 0 ? Math.min(...orders) - 1 : 0;
    const denied = decider ? hitEvidence(decider) : undefined;
    const workload = k.sourceType === 'WorkloadEndpoint';
    return {
      type: 'dns-blocked',
      severity: 'high',
      title: `DNS queries from ${sourceOf(k)} are denied`,
      subject: workloadSubject(k.sourceNamespace === '-' ? '' : k.sourceNamespace, k.sourceName),
      evidence: {
        flows: examples(bests(flows), ctx.options.examples),
        policies: denied ? [denied] : [],
        explanation: `${plural(recordsIn(flows), 'flow record')} to the cluster DNS on port 53 were denied on the ${direction === 'Egress' ? "client's egress" : "DNS pods' ingress"} side${denied ? ` by ${denied.kind} ${denied.namespace ? `${denied.namespace}/` : ''}${denied.name} (tier ${denied.tier})` : ''}. Name resolution fails, so almost every connection of this workload fails with it — the usual sign of a default-deny without a DNS exception.`,
      },
      fix: workload
        ? {
            summary: `Allow DNS (UDP and TCP 53) ${direction === 'Egress' ? `from ${sourceOf(k)} to the kube-dns pods` : `into the kube-dns pods from ${sourceOf(k)}`}, in tier ${tier} before its other policies.`,
            changeSet: dnsFix({
              namespace: k.sourceNamespace,
              workload: k.sourceName,
              workloadLabels: first.sourceLabels,
              tier,
              order,
              direction,
              dnsNamespace: dns.namespace,
              dnsLabels: dns.labels,
            }),
          }
        : { summary: 'Allow DNS from this source to the kube-dns pods.', changeSet: null },
    };
  });
}

/** A drafted least-privilege policy for the workload (calico, staged), or null when none could be drafted. */
function draftFor(ctx: Context, namespace: string, aggregatedName: string): string | null {
  const key = endpointKey(namespace, aggregatedName);
  if (ctx.drafts.has(key)) return ctx.drafts.get(key) ?? null;
  // Each draft compiles the cluster twice (recommend checks its coverage with the engine): bounded
  // in count, and left to `verdict recommend` on clusters too large to draft inline.
  if (ctx.drafts.size >= ctx.options.draftedFixes || ctx.state.pods.length > MAX_DRAFT_PODS) return null;
  const flows = ctx.flows
    .filter(({ flow: { key: k } }) => k.sourceNamespace === namespace || k.destNamespace === namespace)
    .map((f) => ({ id: f.id, flow: f.flow }));
  const result = recommend({
    state: ctx.state,
    flows,
    scope: { namespace, workload: aggregatedName },
    dialect: 'calico',
  });
  const draft = result.ok ? result.value.policies.map((p) => p.yaml.trimEnd()).join('\n---\n') : '';
  ctx.drafts.set(key, draft ? `${draft}\n` : null);
  return ctx.drafts.get(key) ?? null;
}

/** Clusters with more pods than this get the `verdict recommend` command instead of inline drafts. */
export const MAX_DRAFT_PODS = 2000;

const draftCommand = (namespace: string, name: string) =>
  `verdict recommend --namespace ${namespace} --workload ${name.replace(/-\*$/, '')}`;

function publicEgress(ctx: Context): Finding[] {
  const destinations = (folds: readonly Folded[]) => {
    const out = new Map<string, Map<string, Folded[]>>();
    for (const item of folds) {
      const k = item.first.flow.key;
      if (k.destType !== 'Network' || k.destName !== 'pub' || k.action !== 'Allow' || k.reporter !== 'Src') continue;
      const workload = endpointKey(k.sourceNamespace, k.sourceName);
      const ips = addressesOf(item.first.flow, 'dest');
      const network =
        ips.length > 0 ? aggregateAddresses([...ips]).join(', ') : 'public internet (no addresses recorded)';
      const group = `${network} ${k.proto.toUpperCase()} ${k.destPort}`;
      const byGroup = out.get(workload) ?? new Map<string, Folded[]>();
      push(byGroup, group, item);
      out.set(workload, byGroup);
    }
    return out;
  };
  const current = destinations(ctx.window);
  const before = destinations(ctx.baseline);
  const compared = ctx.baseline.length > 0;
  return [...current].map(([workload, groups]) => {
    const [namespace = '', name = ''] = workload.split('\0');
    const known = before.get(workload);
    const lines = [...groups].map(([group, flows]) => {
      const isNew = compared && !known?.has(group);
      const connections = flows.reduce((n, f) => n + f.connections, 0);
      const bytes = flows.reduce((n, f) => n + f.bytes, 0);
      return {
        group,
        flows,
        isNew,
        text: `${group}: ${plural(connections, 'connection')}, ${bytes} bytes${isNew ? ' (new since the previous window)' : ''}`,
      };
    });
    const fresh = lines.filter((l) => l.isNew);
    const draft = draftFor(ctx, namespace, name);
    return {
      type: 'public-egress',
      severity: fresh.length > 0 ? 'high' : 'medium',
      title: `${workloadText(namespace, name)} sends to ${plural(groups.size, 'public destination')}${fresh.length > 0 ? `, ${fresh.length} new` : ''}`,
      subject: workloadSubject(namespace, name),
      evidence: {
        flows: examples(bests(lines.flatMap((l) => l.flows)), ctx.options.examples),
        policies: [],
        explanation: `Allowed connections to public addresses, by destination network and port: ${lines.map((l) => l.text).join('; ')}.${compared ? '' : ' No previous window was given, so nothing is marked new.'}`,
      },
      fix: {
        summary: draft
          ? `Stage the drafted policy for ${workloadText(namespace, name)}: egress only to the networks and ports it used, rehearsed before enforcing.`
          : `Draft a policy that allows only the observed destinations: ${draftCommand(namespace, name)}.`,
        changeSet: draft,
      },
    };
  });
}

function lateralMovement(ctx: Context): Finding[] {
  const tenants = new Map(ctx.state.namespaces.map((n) => [n.name, n.labels[ctx.options.tenantLabel]]));
  interface Reach {
    workloads: Set<string>;
    namespaces: Set<string>;
    allowedNamespaces: Set<string>;
  }
  const reachOf = (folds: readonly Folded[]) => {
    const out = new Map<string, Reach>();
    for (const { first } of folds) {
      const k = first.flow.key;
      if (k.sourceType !== 'WorkloadEndpoint' || k.destType !== 'WorkloadEndpoint') continue;
      const source = endpointKey(k.sourceNamespace, k.sourceName);
      const r = out.get(source) ?? { workloads: new Set(), namespaces: new Set(), allowedNamespaces: new Set() };
      r.workloads.add(endpointKey(k.destNamespace, k.destName));
      r.namespaces.add(k.destNamespace);
      if (k.action === 'Allow') r.allowedNamespaces.add(k.destNamespace);
      out.set(source, r);
    }
    return out;
  };
  const now = reachOf(ctx.window);
  const before = reachOf(ctx.baseline);
  const compared = ctx.baseline.length > 0;
  const bySource = new Map<string, Folded[]>();
  for (const item of ctx.window) {
    const k = item.first.flow.key;
    if (k.sourceType !== 'WorkloadEndpoint' || k.destType !== 'WorkloadEndpoint') continue;
    const key = endpointKey(k.sourceNamespace, k.sourceName);
    push(bySource, key, item);
  }
  const out: Finding[] = [];
  for (const [source, reach] of now) {
    const [namespace = '', name = ''] = source.split('\0');
    const flows = bySource.get(source) ?? [];
    const old = before.get(source);
    const reasons: string[] = [];
    const involved = new Set<Folded>();
    if (compared) {
      const newWorkloads = [...reach.workloads].filter((w) => !old?.workloads.has(w));
      const newNamespaces = [...reach.namespaces].filter((n) => n !== namespace && !old?.namespaces.has(n));
      if (
        newWorkloads.length >= ctx.options.lateralWorkloads ||
        newNamespaces.length >= ctx.options.lateralNamespaces
      ) {
        reasons.push(
          `reached ${plural(newWorkloads.length, 'workload')} in ${plural(newNamespaces.length, 'other namespace')} it did not reach in the previous window`,
        );
        const fresh = new Set(newWorkloads);
        for (const f of flows)
          if (fresh.has(endpointKey(f.first.flow.key.destNamespace, f.first.flow.key.destName))) involved.add(f);
      }
    }
    const ownTenant = tenants.get(namespace);
    const crossing = flows.filter((f) => {
      const other = tenants.get(f.first.flow.key.destNamespace);
      return ownTenant !== undefined && other !== undefined && other !== ownTenant;
    });
    if (crossing.length > 0) {
      const others = [...new Set(crossing.map((f) => tenants.get(f.first.flow.key.destNamespace)))];
      reasons.push(
        `crossed from tenant ${ownTenant} (label ${ctx.options.tenantLabel}) into tenant ${others.join(', ')}`,
      );
      for (const f of crossing) involved.add(f);
    }
    const everAllowed = new Set([...reach.allowedNamespaces, ...(old?.allowedNamespaces ?? [])]);
    const probes = flows.filter(({ first: { flow } }) => {
      const k = flow.key;
      return k.action === 'Deny' && k.destNamespace !== namespace && !everAllowed.has(k.destNamespace);
    });
    if (probes.length > 0) {
      const probed = [
        ...new Set(
          probes.map(({ first: { flow } }) => `${flow.key.destNamespace}/${flow.key.destName.replace(/-\*$/, '')}`),
        ),
      ];
      reasons.push(
        `tried ${probed.slice(0, 5).join(', ')}${probed.length > 5 ? ` and ${probed.length - 5} more` : ''} in namespaces it has no allowed traffic to, and was denied`,
      );
      for (const f of probes) involved.add(f);
    }
    if (reasons.length === 0) continue;
    const list = [...involved];
    const allowed = list.some((f) => f.first.flow.key.action === 'Allow');
    out.push({
      type: 'lateral-movement',
      severity: allowed ? 'high' : 'medium',
      title: `${workloadText(namespace, name)} reaches beyond its usual peers`,
      subject: workloadSubject(namespace, name),
      evidence: {
        flows: examples(bests(list), ctx.options.examples),
        policies: uniqueBy(
          list.flatMap(({ first: { flow } }) => {
            const last = flow.key.policies.enforced[flow.key.policies.enforced.length - 1];
            return last && last.kind !== 'Profile' ? [hitEvidence(last)] : [];
          }),
          (p) => JSON.stringify(p),
        ),
        explanation: `It ${reasons.join('; it ')}. ${allowed ? 'Some of these connections were allowed.' : 'Policy denied every attempt, but the source is behaving unlike itself.'}`,
      },
      fix: {
        summary: `Find out why ${workloadText(namespace, name)} makes these connections; if they are not legitimate, isolate it (${draftCommand(namespace, name)}) and treat the pod as compromised.`,
        changeSet: null,
      },
    });
  }
  return out;
}

function portScans(ctx: Context): Finding[] {
  interface Tries {
    ports: Map<string, Map<number, boolean>>;
    flows: Folded[];
  }
  const bySource = new Map<string, Tries>();
  for (const item of ctx.window) {
    const k = item.first.flow.key;
    if (k.sourceType !== 'WorkloadEndpoint' && k.sourceType !== 'HostEndpoint') continue;
    const source = `${k.sourceType}\0${k.sourceNamespace}\0${k.sourceName}`;
    const t: Tries = bySource.get(source) ?? { ports: new Map(), flows: [] };
    const peer = `${k.destNamespace}/${k.destName}`;
    const ports = t.ports.get(peer) ?? new Map<number, boolean>();
    ports.set(k.destPort, (ports.get(k.destPort) ?? false) || k.action === 'Deny');
    t.ports.set(peer, ports);
    t.flows.push(item);
    bySource.set(source, t);
  }
  const out: Finding[] = [];
  for (const [source, t] of bySource) {
    const [, namespace = '', name = ''] = source.split('\0');
    // Only peers where some port was denied count: a peer it always talks to is not being probed.
    const probed = [...t.ports.values()].filter((p) => [...p.values()].some(Boolean));
    if (probed.length === 0) continue;
    const perPeer = Math.max(...probed.map((p) => p.size));
    const all = new Map<number, boolean>();
    for (const p of probed) for (const [port, denied] of p) all.set(port, (all.get(port) ?? true) && denied);
    const tries = probed.reduce((n, p) => n + p.size, 0);
    const deniedTries = probed.reduce((n, p) => n + [...p.values()].filter(Boolean).length, 0);
    if (perPeer < ctx.options.scanPortsPerPeer && all.size < ctx.options.scanPortsTotal) continue;
    if (deniedTries * 2 < tries) continue;
    const open = [...new Set(probed.flatMap((p) => [...p].filter(([, denied]) => !denied).map(([port]) => port)))];
    const denied = t.flows.filter((f) => f.first.flow.key.action === 'Deny');
    out.push({
      type: 'port-scan',
      severity: open.length > 0 ? 'high' : 'medium',
      title: `${workloadText(namespace === '-' ? '' : namespace, name)} tried ${plural(all.size, 'port')} on ${plural(probed.length, 'peer')}, mostly denied`,
      subject: workloadSubject(namespace === '-' ? '' : namespace, name),
      evidence: {
        flows: examples(bests(denied.length > 0 ? denied : t.flows), ctx.options.examples),
        policies: [],
        explanation: `${deniedTries} of ${tries} peer/port pairs were denied; up to ${plural(perPeer, 'port')} on a single peer. Ports tried: ${[
          ...all.keys(),
        ]
          .sort((a, b) => a - b)
          .slice(0, 30)
          .join(
            ', ',
          )}${all.size > 30 ? ' …' : ''}.${open.length > 0 ? ` Allowed on: ${open.sort((a, b) => a - b).join(', ')}.` : ''}`,
      },
      fix: {
        summary: `Find out what runs in ${sourceOf((denied[0] ?? (t.flows[0] as Folded)).first.flow.key)}: a scanner inside the cluster is a compromised pod until shown otherwise.${open.length > 0 ? ' Close the ports it found open.' : ''}`,
        changeSet: null,
      },
    });
  }
  return out;
}

/** True when the side's enforced verdict came from the namespace profile: no policy decided it. */
const decidedByProfile = (k: FlowKey) => k.policies.enforced[k.policies.enforced.length - 1]?.kind === 'Profile';

function unprotected(ctx: Context): Finding[] {
  // Per workload and direction: its flow records as the reporting side, and how many a policy decided.
  const traffic: Record<Direction, Map<string, { flows: Folded[]; byPolicy: number }>> = {
    Ingress: new Map(),
    Egress: new Map(),
  };
  for (const item of ctx.window) {
    const k = item.first.flow.key;
    if ((k.reporter === 'Src' ? k.sourceType : k.destType) !== 'WorkloadEndpoint') continue;
    const direction = directionOf(k);
    const key = reporterKey(k);
    const entry = traffic[direction].get(key) ?? { flows: [], byPolicy: 0 };
    entry.flows.push(item);
    if (!decidedByProfile(k)) entry.byPolicy += item.records;
    traffic[direction].set(key, entry);
  }
  const known = new Set(
    ctx.selection.endpoints
      .filter((e) => e.type === 'WorkloadEndpoint')
      .map((e) => endpointKey(e.namespace, e.aggregatedName)),
  );
  const keys = new Set([...traffic.Ingress.keys(), ...traffic.Egress.keys()]);
  const out: Finding[] = [];
  for (const key of [...keys].sort()) {
    if (!known.has(key)) continue;
    const open = (['Ingress', 'Egress'] as const).filter((d) => {
      const entry = traffic[d].get(key);
      return entry !== undefined && entry.byPolicy === 0;
    });
    if (open.length === 0) continue;
    const [namespace = '', name = ''] = key.split('\0');
    const flows = open.flatMap((d) => traffic[d].get(key)?.flows ?? []);
    const draft = draftFor(ctx, namespace, name);
    const directions = open.map((d) => d.toLowerCase()).join(' and ');
    out.push({
      type: 'unprotected-workload',
      severity: 'medium',
      title: `${workloadText(namespace, name)} has traffic and no policy isolating its ${directions}`,
      subject: workloadSubject(namespace, name),
      evidence: {
        flows: examples(bests(flows), ctx.options.examples),
        policies: [],
        explanation: `All ${plural(recordsIn(flows), 'flow record')} it reported for ${directions} in the window were decided by the namespace profile: no policy rule or tier default decided any of them, so anything other policies do not deny reaches it${open.includes('Egress') ? ' or leaves it' : ''}.`,
      },
      fix: {
        summary: draft
          ? `Stage the drafted least-privilege policy for ${workloadText(namespace, name)} (every observed allowed flow kept), rehearse it, then enforce.`
          : `Draft one with ${draftCommand(namespace, name)}.`,
        changeSet: draft,
      },
    });
  }
  return out;
}

function denySpikes(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const window = ctx.options.spikeWindow;
  for (const change of ctx.changes) {
    const before = new Map<string, Indexed[]>();
    const after = new Map<string, Indexed[]>();
    // Workloads with any flow before the change: without one, a rise says nothing about the change.
    const seenBefore = new Set<string>();
    for (const item of ctx.flows) {
      const { flow } = item;
      if (flow.startTime < change.time && flow.startTime >= change.time - window) seenBefore.add(reporterKey(flow.key));
      if (flow.key.action !== 'Deny') continue;
      const side: Map<string, Indexed[]> | undefined =
        flow.startTime < change.time && flow.startTime >= change.time - window
          ? before
          : flow.startTime >= change.time && flow.startTime < change.time + window
            ? after
            : undefined;
      if (!side) continue;
      const key = reporterKey(flow.key);
      push(side, key, item);
    }
    const changed = `${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}`;
    for (const [key, flows] of after) {
      const earlier = before.get(key)?.length ?? 0;
      if (!seenBefore.has(key)) continue;
      if (flows.length < ctx.options.spikeMinimum || flows.length < 3 * Math.max(earlier, 1)) continue;
      const [namespace = '', name = ''] = key.split('\0');
      const named = flows.some(({ flow }) =>
        flow.key.policies.enforced.some((h) => {
          const ref = h.kind === 'EndOfTier' && h.trigger ? h.trigger : h;
          return ref.name === change.name && ref.namespace === (change.namespace ?? '');
        }),
      );
      const spec = findSpec(ctx.state, {
        kind: hitKindOf(change.kind),
        namespace: change.namespace ?? '',
        name: change.name,
      });
      out.push({
        type: 'deny-spike-after-change',
        severity: 'high',
        title: `denies of ${workloadText(namespace === '-' ? '' : namespace, name)} rose from ${earlier} to ${flows.length} after ${changed} was ${change.operation}`,
        subject: workloadSubject(namespace === '-' ? '' : namespace, name),
        evidence: {
          flows: examples(flows, ctx.options.examples),
          policies: spec ? [policyEvidence(spec)] : [],
          explanation: `${flows.length} denied flow records in the ${window / 60} minutes after the change at ${new Date(change.time * 1000).toISOString()}, against ${earlier} in the ${window / 60} minutes before.${named ? ' The changed policy decides some of them.' : ' The changed policy is not in their traces; it may have changed what other policies see (labels, order).'}`,
        },
        fix: {
          summary: `Rehearse the change against this traffic (verdict rehearse with the previous version of ${changed}) and revert it if the denied traffic is legitimate.`,
          changeSet: null,
        },
      });
    }
  }
  return out;
}
