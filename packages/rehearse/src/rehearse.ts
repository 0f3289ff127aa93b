// Rehearsal: the impact of a change set over stored flows. Only flows whose reporting endpoint is
// selected (in the reporter's direction) by a changed policy, old or new version, are re-evaluated;
// a stored flow is per reporter, so `Src` compares the source's egress side and `Dst` the
// destination's ingress side, before and after.
import {
  type ClusterState,
  createEvaluator,
  type Direction,
  type Evaluator,
  type FlowVerdict,
  type HitKind,
  hitKindOf,
  type PolicyHit,
  type PolicySpec,
  parseSelector,
  policyKindInfo,
  type RuleSpec,
  type Selector,
  type SideVerdict,
} from '@verdict/engine';
import type {
  FlowKey,
  FlowResult,
  FlowStore,
  ListQuery,
  ReportingEndpoint,
  TimeRange,
  VerdictFlowStore,
} from '@verdict/flows';
import { representativeQuery } from '@verdict/flows';
import { applyChangeSet, changeEdits, promoteSpec } from './apply.ts';
import type { ChangeSet } from './changeset.ts';

export const SEMANTICS =
  "Evaluated with Verdict's what-if scope applied to the change set: a staged Set replaces and a staged Delete removes the same-named enforced policy (Calico's own pending verdict does not), other policies are applied as written, and the result is compared with today's enforced verdict. Staged policies already in the cluster stay staged. Each stored flow is re-evaluated for a representative endpoint of its aggregated workload in the current cluster.";

export interface PolicyRef {
  kind: HitKind;
  namespace: string;
  name: string;
  tier: string;
}

/** The hit that decided a side: a policy rule, the end of a tier (with the policy that selected the endpoint) or a profile. */
export interface Decision {
  kind: HitKind;
  namespace: string;
  name: string;
  tier: string;
  action: 'Allow' | 'Deny' | 'Pass';
  ruleIndex: number;
  /** For end of tier: the policy that selected the endpoint. */
  trigger?: PolicyRef;
}

export interface ExampleFlow {
  flow: {
    id: number;
    sourceNamespace: string;
    sourceName: string;
    destNamespace: string;
    destName: string;
    destPort: number;
    proto: string;
    reporter: 'Src' | 'Dst';
    startTime: number;
    endTime: number;
  };
  before: readonly PolicyHit[];
  after: readonly PolicyHit[];
}

export interface ImpactGroup {
  /** The reporting endpoint, whose verdict changed. */
  namespace: string;
  workload: string;
  /** The other end of the flows, `namespace/name` ("-/name" when not namespaced), at most 20. */
  peers: string[];
  port: number;
  proto: string;
  direction: Direction;
  decidedBy: Decision;
  previouslyDecidedBy: Decision;
  /** Aggregated flow records. */
  flows: number;
  connections: number;
  firstSeen: number;
  lastSeen: number;
  examples: ExampleFlow[];
}

export interface UnexercisedRule {
  /** `Kind namespace/name` or `Kind name`, as the policy would be enforced. */
  policy: string;
  direction: Direction;
  ruleIndex: number;
  /** Field path of the rule in the resource as written. */
  path: string;
}

export interface ImpactTotals {
  flowsConsidered: number;
  flowsReevaluated: number;
  /** Re-evaluated flows whose endpoints are no longer in the cluster. */
  flowsUnresolved: number;
  newlyDenied: number;
  newlyAllowed: number;
  decidedDifferently: number;
  acceptedBreakages: number;
}

export interface ImpactReport {
  semantics: string;
  range: TimeRange | null;
  changeSet: { policies: string[]; deletions: string[] };
  totals: ImpactTotals;
  newlyDenied: ImpactGroup[];
  newlyAllowed: ImpactGroup[];
  decidedDifferently: ImpactGroup[];
  /** Newly denied flows matched by an `allowBreaking` selector. */
  acceptedBreakages: ImpactGroup[];
  unexercisedRules: UnexercisedRule[];
  warnings: string[];
}

export interface Progress {
  done: number;
  /** Undefined while the flow source has not said how many flows it holds. */
  total: number | undefined;
}

export interface RehearseOptions {
  flows: Iterable<FlowResult> | AsyncIterable<FlowResult>;
  /** How many flows `flows` holds, for progress. */
  total?: number;
  /** Today's cluster. */
  before: Evaluator;
  /** The cluster after the change; default: `applyChangeSet(before.state, changeSet)` compiled. */
  after?: Evaluator;
  changeSet: ChangeSet;
  range?: TimeRange;
  /** Calico selectors over a flow's source or destination labels: newly denied flows they match are accepted. */
  allowBreaking?: readonly string[];
  onProgress?: (progress: Progress) => void;
  /** Pre-computed `touchedEndpoints` (the store path computes it to narrow the query). */
  touched?: Touched;
}

export interface InvalidSelector {
  code: 'invalid-selector';
  message: string;
  /** `allowBreaking[i]`. */
  path: string;
}

const EXAMPLES = 3;
const PEERS = 20;
const PROGRESS_EVERY = 20_000;

// ---------------------------------------------------------------------------------------------
// Which endpoints a change can touch

/** Reporting endpoints (`type\0namespace\0aggregatedName`) per direction, and their namespaces. */
export interface Touched {
  Egress: ReadonlySet<string>;
  Ingress: ReadonlySet<string>;
  namespaces: Readonly<Record<Direction, ReadonlySet<string>>>;
}

const endpointKey = (type: string, namespace: string, name: string) => `${type}\0${namespace}\0${name}`;

/**
 * Every endpoint that a changed policy (old or new version) selects, per direction: a probe
 * evaluator holds only those policies, each reduced to one deny-all rule per direction, so any
 * hit other than a profile means "selected". The engine's own selector scoping decides.
 */
export function touchedEndpoints(state: ClusterState, changeSet: ChangeSet): Touched {
  const changed: PolicySpec[] = [];
  for (const edit of changeEdits(state, changeSet)) {
    if (edit.from) changed.push(edit.from);
    if (edit.op === 'upsert') changed.push(edit.spec);
  }
  // A namespaced policy selects endpoints of its own namespace only: when every changed policy is
  // namespaced, only the pods of those namespaces are probed (and no host endpoint).
  const scope = changed.every((s) => policyKindInfo(s.kind).scope === 'Namespaced' && s.namespace !== undefined)
    ? new Set(changed.map((s) => s.namespace))
    : undefined;
  const pods = scope ? state.pods.filter((p) => scope.has(p.namespace)) : state.pods;
  const hostEndpoints = scope ? [] : state.hostEndpoints;
  const probe = createEvaluator({
    ...state,
    pods,
    hostEndpoints,
    policies: changed.map((spec, i) => {
      const enforced = promoteSpec(spec);
      const denyAll = (direction: Direction): RuleSpec[] =>
        enforced.types.includes(direction) ? [{ action: 'Deny', source: {}, destination: {}, path: '' }] : [];
      return { ...enforced, name: `probe-${i}`, ingress: denyAll('Ingress'), egress: denyAll('Egress') };
    }),
  });
  const touched = { Egress: new Set<string>(), Ingress: new Set<string>() };
  const namespaces = { Egress: new Set<string>(), Ingress: new Set<string>() };
  if (changed.length === 0) return { ...touched, namespaces };
  const selected = (side: SideVerdict | undefined) => side !== undefined && side.hits[0]?.kind !== 'Profile';
  const visit = (verdict: FlowVerdict) => {
    const info = verdict.source;
    const key = endpointKey(info.type, info.namespace, info.aggregatedName);
    if (selected(verdict.enforced.egress)) {
      touched.Egress.add(key);
      namespaces.Egress.add(info.namespace);
    }
    if (selected(verdict.enforced.ingress)) {
      touched.Ingress.add(key);
      namespaces.Ingress.add(info.namespace);
    }
  };
  for (const pod of pods) {
    if (pod.ips.length === 0) continue;
    const ref = { namespace: pod.namespace, name: pod.name };
    const result = probe.evaluate({ source: ref, destination: ref, protocol: 6, destPort: 1 });
    if (result.ok) visit(result.value);
  }
  for (const hep of hostEndpoints) {
    const ref = { hostEndpoint: hep.name };
    const result = probe.evaluate({ source: ref, destination: ref, protocol: 6, destPort: 1 });
    if (result.ok) visit(result.value);
  }
  return { ...touched, namespaces };
}

// ---------------------------------------------------------------------------------------------
// The rehearsal

type Outcome =
  | { kind: 'unresolved' }
  | { kind: 'same' }
  | {
      kind: 'newlyDenied' | 'newlyAllowed' | 'decidedDifferently';
      before: SideVerdict;
      after: SideVerdict;
      decidedBy: Decision;
      previouslyDecidedBy: Decision;
    };

interface GroupAcc {
  group: ImpactGroup;
  peers: Set<string>;
}

/** The impact of `changeSet` on `flows`. Fails only on an invalid `allowBreaking` selector. */
export async function rehearse(
  options: RehearseOptions,
): Promise<{ ok: true; value: ImpactReport } | { ok: false; error: InvalidSelector }> {
  const allow: Selector[] = [];
  for (const [i, text] of (options.allowBreaking ?? []).entries()) {
    const parsed = parseSelector(text);
    if (!parsed.ok) {
      return {
        ok: false,
        error: {
          code: 'invalid-selector',
          message: `allowBreaking[${i}] ${JSON.stringify(text)}: ${parsed.error.message}`,
          path: `allowBreaking[${i}]`,
        },
      };
    }
    allow.push(parsed.value);
  }
  const { before, changeSet } = options;
  const after = options.after ?? createEvaluator(applyChangeSet(before.state, changeSet));
  const touched = options.touched ?? touchedEndpoints(before.state, changeSet);
  const warnings = deletionWarnings(before.state, changeSet);

  const outcomes = new Map<string, Outcome>();
  const groups = {
    newlyDenied: new Map<string, GroupAcc>(),
    newlyAllowed: new Map<string, GroupAcc>(),
    decidedDifferently: new Map<string, GroupAcc>(),
    acceptedBreakages: new Map<string, GroupAcc>(),
  };
  const exercised = new Set<string>();
  const totals: ImpactTotals = {
    flowsConsidered: 0,
    flowsReevaluated: 0,
    flowsUnresolved: 0,
    newlyDenied: 0,
    newlyAllowed: 0,
    decidedDifferently: 0,
    acceptedBreakages: 0,
  };

  const outcomeOf = (key: FlowKey, direction: Direction, addresses: readonly [string, string]): Outcome => {
    const resolved = representativeQuery(before, key);
    if (!resolved.ok) return { kind: 'unresolved' };
    // A network end is tried at an address the flow was seen with, when it carries one.
    if (addresses[0]) resolved.value.source = { ip: addresses[0] };
    if (addresses[1]) resolved.value.destination = { ip: addresses[1] };
    const b = before.evaluate(resolved.value);
    const a = after.evaluate(resolved.value);
    if (!b.ok || !a.ok) return { kind: 'unresolved' };
    const side = direction === 'Egress' ? 'egress' : 'ingress';
    const beforeSide = b.value.enforced[side];
    const afterSide = a.value.enforced[side];
    if (!beforeSide || !afterSide) return { kind: 'unresolved' };
    for (const hit of afterSide.hits) {
      if (hit.ruleIndex >= 0) exercised.add(ruleKey(hit.kind, hit.namespace, hit.name, direction, hit.ruleIndex));
    }
    const decidedBy = decision(afterSide);
    const previouslyDecidedBy = decision(beforeSide);
    const found = { before: beforeSide, after: afterSide, decidedBy, previouslyDecidedBy };
    // The flow's fate is both sides together: a side that flips while the other side denies
    // before and after changes which policy decides, not whether the flow gets through.
    const flowBefore = b.value.enforced.action;
    const flowAfter = a.value.enforced.action;
    if (flowBefore === 'Allow' && afterSide.action === 'Deny') return { kind: 'newlyDenied', ...found };
    if (flowAfter === 'Allow' && beforeSide.action === 'Deny') return { kind: 'newlyAllowed', ...found };
    if (decisionId(decidedBy) !== decisionId(previouslyDecidedBy)) return { kind: 'decidedDifferently', ...found };
    return { kind: 'same' };
  };

  const visit = (result: FlowResult) => {
    totals.flowsConsidered++;
    const k = result.flow.key;
    const direction: Direction = k.reporter === 'Src' ? 'Egress' : 'Ingress';
    // Cheap namespace test first: most flows of a large cluster are outside the change.
    if (!touched.namespaces[direction].has(direction === 'Egress' ? k.sourceNamespace : k.destNamespace)) return;
    const self =
      direction === 'Egress'
        ? endpointKey(k.sourceType, k.sourceNamespace, k.sourceName)
        : endpointKey(k.destType, k.destNamespace, k.destName);
    if (!touched[direction].has(self)) return;
    totals.flowsReevaluated++;
    const addresses = [
      k.sourceType === 'Network' ? (result.flow.sourceIps?.ips[0] ?? '') : '',
      k.destType === 'Network' ? (result.flow.destIps?.ips[0] ?? '') : '',
    ] as const;
    const memo = `${self}\0${direction === 'Egress' ? endpointKey(k.destType, k.destNamespace, k.destName) : endpointKey(k.sourceType, k.sourceNamespace, k.sourceName)}\0${k.proto}\0${k.destPort}\0${direction}\0${addresses.join('\0')}`;
    let outcome = outcomes.get(memo);
    if (!outcome) {
      outcome = outcomeOf(k, direction, addresses);
      outcomes.set(memo, outcome);
    }
    if (outcome.kind === 'unresolved') {
      totals.flowsUnresolved++;
      return;
    }
    if (outcome.kind === 'same') return;
    let kind: keyof typeof groups = outcome.kind;
    if (kind === 'newlyDenied' && allow.length > 0 && accepted(result, allow)) kind = 'acceptedBreakages';
    totals[kind]++;
    addToGroup(groups[kind], result, direction, outcome);
  };

  const progress = (done: number) => options.onProgress?.({ done, total: options.total });
  let done = 0;
  const tick = async () => {
    if (++done % PROGRESS_EVERY === 0) {
      progress(done);
      // Let the event loop breathe (HTTP progress polls, other requests).
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  if (Symbol.asyncIterator in options.flows) {
    for await (const result of options.flows) {
      visit(result);
      await tick();
    }
  } else {
    for (const result of options.flows) {
      visit(result);
      if (++done % PROGRESS_EVERY === 0) {
        progress(done);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  // At the end the source has said how many flows it held.
  options.onProgress?.({ done, total: options.total ?? done });

  const finish = (map: Map<string, GroupAcc>) =>
    [...map.values()]
      .map(({ group, peers }) => ({ ...group, peers: [...peers].sort().slice(0, PEERS) }))
      .sort(
        (a, b) =>
          b.flows - a.flows ||
          compare(a.namespace, b.namespace) ||
          compare(a.workload, b.workload) ||
          a.port - b.port ||
          compare(a.direction, b.direction),
      );
  return {
    ok: true,
    value: {
      semantics: SEMANTICS,
      range: options.range ?? null,
      changeSet: describeChangeSet(changeSet),
      totals,
      newlyDenied: finish(groups.newlyDenied),
      newlyAllowed: finish(groups.newlyAllowed),
      decidedDifferently: finish(groups.decidedDifferently),
      acceptedBreakages: finish(groups.acceptedBreakages),
      unexercisedRules: unexercisedRules(changeSet, exercised),
      warnings,
    },
  };
}

/**
 * Rehearses over a store's flows in `range`: the flows reported by an endpoint the change touches
 * (so `flowsConsidered` counts those), streamed from the store. A store that offers `reportedBy`
 * selects and aggregates them itself; any other is asked per reporter for the touched namespaces.
 */
export async function rehearseStore(
  options: Omit<RehearseOptions, 'flows' | 'total' | 'range' | 'touched'> & {
    store: FlowStore & Pick<VerdictFlowStore, 'reportedBy'>;
    range: TimeRange;
  },
): Promise<{ ok: true; value: ImpactReport } | { ok: false; error: InvalidSelector }> {
  const touched = touchedEndpoints(options.before.state, options.changeSet);
  const { store, ...rest } = options;
  return rehearse({ ...rest, flows: touchedFlows(store, options.range, touched), touched });
}

/** The flows of `range` reported by a touched endpoint, `Src` ones first, each in `list`'s order. */
async function* touchedFlows(
  store: FlowStore & Pick<VerdictFlowStore, 'reportedBy'>,
  range: TimeRange,
  touched: Touched,
): AsyncIterable<FlowResult> {
  const refs = (keys: ReadonlySet<string>): ReportingEndpoint[] =>
    [...keys].map((key) => {
      const [type, namespace, name] = key.split('\0') as [ReportingEndpoint['type'], string, string];
      return { type, namespace, name };
    });
  if (store.reportedBy) {
    yield* store.reportedBy({ range, sources: refs(touched.Egress), destinations: refs(touched.Ingress) });
    return;
  }
  for (const [reporter, direction, field] of [
    ['Src', 'Egress', 'sourceNamespaces'],
    ['Dst', 'Ingress', 'destNamespaces'],
  ] as const) {
    const namespaces = touched.namespaces[direction];
    if (namespaces.size === 0) continue;
    const query: ListQuery = {
      range,
      pageSize: 0,
      filter: {
        reporter,
        // Past a few hundred namespaces a filter costs more than it saves.
        ...(namespaces.size <= 500
          ? { [field]: [...namespaces].sort().map((value) => ({ value, type: 'Exact' as const })) }
          : {}),
      },
    };
    for (const result of (await store.list(query)).flows) {
      const k = result.flow.key;
      const self =
        reporter === 'Src'
          ? endpointKey(k.sourceType, k.sourceNamespace, k.sourceName)
          : endpointKey(k.destType, k.destNamespace, k.destName);
      if (touched[direction].has(self)) yield result;
    }
  }
}

function addToGroup(
  map: Map<string, GroupAcc>,
  result: FlowResult,
  direction: Direction,
  outcome: Extract<Outcome, { before: SideVerdict }>,
): void {
  const { flow } = result;
  const k = flow.key;
  const self = direction === 'Egress' ? [k.sourceNamespace, k.sourceName] : [k.destNamespace, k.destName];
  const peer = direction === 'Egress' ? `${k.destNamespace}/${k.destName}` : `${k.sourceNamespace}/${k.sourceName}`;
  const [namespace = '', workload = ''] = self;
  const key = `${namespace}\0${workload}\0${k.destPort}\0${k.proto}\0${direction}\0${decisionId(outcome.decidedBy)}`;
  let acc = map.get(key);
  if (!acc) {
    acc = {
      group: {
        namespace,
        workload,
        peers: [],
        port: k.destPort,
        proto: k.proto,
        direction,
        decidedBy: outcome.decidedBy,
        previouslyDecidedBy: outcome.previouslyDecidedBy,
        flows: 0,
        connections: 0,
        firstSeen: flow.startTime,
        lastSeen: flow.endTime,
        examples: [],
      },
      peers: new Set(),
    };
    map.set(key, acc);
  }
  const g = acc.group;
  g.flows++;
  g.connections += flow.numConnectionsStarted;
  g.firstSeen = Math.min(g.firstSeen, flow.startTime);
  g.lastSeen = Math.max(g.lastSeen, flow.endTime);
  if (acc.peers.size < PEERS) acc.peers.add(peer);
  if (g.examples.length < EXAMPLES && !g.examples.some((e) => samePair(e.flow, k))) {
    g.examples.push({
      flow: {
        id: result.id,
        sourceNamespace: k.sourceNamespace,
        sourceName: k.sourceName,
        destNamespace: k.destNamespace,
        destName: k.destName,
        destPort: k.destPort,
        proto: k.proto,
        reporter: k.reporter,
        startTime: flow.startTime,
        endTime: flow.endTime,
      },
      before: outcome.before.hits,
      after: outcome.after.hits,
    });
  }
}

const samePair = (e: ExampleFlow['flow'], k: FlowKey) =>
  e.sourceNamespace === k.sourceNamespace &&
  e.sourceName === k.sourceName &&
  e.destNamespace === k.destNamespace &&
  e.destName === k.destName;

function accepted(result: FlowResult, selectors: readonly Selector[]): boolean {
  const source = labelMap(result.flow.sourceLabels);
  const dest = labelMap(result.flow.destLabels);
  return selectors.some((s) => s.matches(source) || s.matches(dest));
}

function labelMap(labels: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const label of labels) {
    const eq = label.indexOf('=');
    if (eq > 0) map.set(label.slice(0, eq), label.slice(eq + 1));
  }
  return map;
}

/** The deciding hit of a side: the last one (the walk stops at it). */
function decision(side: SideVerdict): Decision {
  const hit = side.hits[side.hits.length - 1];
  if (!hit) return { kind: 'Profile', namespace: '', name: '', tier: '', action: side.action, ruleIndex: -1 };
  const out: Decision = {
    kind: hit.kind,
    namespace: hit.namespace,
    name: hit.name,
    tier: hit.tier,
    action: hit.action,
    ruleIndex: hit.ruleIndex,
  };
  if (hit.trigger) out.trigger = { ...hit.trigger };
  return out;
}

/** The deciding policy: a rule's policy, or the policy that selected the endpoint for an end of tier. */
function decisionId(d: Decision): string {
  const p = d.kind === 'EndOfTier' && d.trigger ? d.trigger : d;
  return `${d.kind === 'EndOfTier' ? 'eot:' : ''}${p.kind}/${p.namespace}/${p.name}/${p.tier}`;
}

const ruleKey = (kind: HitKind, namespace: string, name: string, direction: Direction, index: number) =>
  `${kind}\0${namespace}\0${name}\0${direction}\0${index}`;

function unexercisedRules(changeSet: ChangeSet, exercised: ReadonlySet<string>): UnexercisedRule[] {
  const out: UnexercisedRule[] = [];
  for (const staged of changeSet.policies) {
    if (staged.staged && staged.stagedAction === 'Delete') continue;
    const spec = promoteSpec(staged);
    const kind = hitKindOf(spec.kind);
    for (const direction of ['Ingress', 'Egress'] as const) {
      if (!spec.types.includes(direction)) continue;
      const rules = direction === 'Ingress' ? spec.ingress : spec.egress;
      rules.forEach((rule, i) => {
        if (rule.action === 'Log') return;
        if (exercised.has(ruleKey(kind, spec.namespace ?? '', spec.name, direction, i))) return;
        out.push({ policy: policyLabel(spec), direction, ruleIndex: i, path: rule.path });
      });
    }
  }
  return out;
}

const policyLabel = (p: { kind: string; namespace?: string | undefined; name: string }) =>
  `${p.kind} ${p.namespace === undefined ? '' : `${p.namespace}/`}${p.name}`;

function describeChangeSet(changeSet: ChangeSet): ImpactReport['changeSet'] {
  return {
    policies: changeSet.policies.map(
      (p) => `${policyLabel(p)}${p.staged ? ` (stagedAction ${p.stagedAction ?? 'Set'})` : ''}`,
    ),
    deletions: changeSet.deletions.map(policyLabel),
  };
}

function deletionWarnings(state: ClusterState, changeSet: ChangeSet): string[] {
  const warnings: string[] = [];
  for (const edit of changeEdits(state, changeSet)) {
    if (edit.op === 'delete' && !edit.from) {
      warnings.push(`${policyLabel(edit)} is not in the cluster: deleting it changes nothing`);
    }
  }
  return warnings;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
