// Policy and rule statistics (calico-observability §3.9), computed over one-bucket windows.
import type { PolicyHit } from '@verdict/engine';
import { hitMatches } from './filter.ts';
import type { Flow } from './model.ts';
import type { PolicyMatch, TimeRange } from './store.ts';

export type StatisticType = 'PacketCount' | 'ByteCount' | 'LiveConnectionCount';
export type StatisticsGroupBy = 'Policy' | 'PolicyRule';
export type RuleDirection = 'Any' | 'Ingress' | 'Egress';

export interface StatisticsQuery {
  range: TimeRange;
  type: StatisticType;
  groupBy: StatisticsGroupBy;
  /** Only policies (identity as grouped: the trigger for EndOfTier) matching this. */
  policyMatch?: PolicyMatch;
  /** One entry per bucket in which the group had data, with `x` holding the bucket starts. */
  timeSeries?: boolean;
}

export interface StatisticsResult {
  /** For `Policy` grouping `action`, `policyIndex` and `ruleIndex` are unset (Allow, 0, 0). */
  policy: PolicyHit;
  direction: RuleDirection;
  groupBy: StatisticsGroupBy;
  type: StatisticType;
  allowedIn: number[];
  allowedOut: number[];
  deniedIn: number[];
  deniedOut: number[];
  passedIn: number[];
  passedOut: number[];
  x: number[];
}

interface Group {
  policy: PolicyHit;
  direction: RuleDirection;
  sortKey: string;
  /** bucket start → [allowedIn, allowedOut, deniedIn, deniedOut, passedIn, passedOut] */
  buckets: Map<number, number[]>;
}

const ACTION_SLOT = { Allow: 0, Deny: 2, Pass: 4 } as const;

export function identity(h: PolicyHit): { kind: PolicyHit['kind']; namespace: string; name: string; tier: string } {
  return h.kind === 'EndOfTier' && h.trigger ? h.trigger : h;
}

/** Goldmane's PolicyHit string form, the sort order of the results. */
export function hitString(h: PolicyHit): string {
  const ns = h.namespace ? `${h.namespace}/` : '';
  return `${h.tier}|${h.kind}:${ns}${h.name}|${h.action.toLowerCase()}|${h.ruleIndex}`;
}

/**
 * Sums the windows (one bucket each, of any level's width) in `query.range` (start >= gte and end <= lt) by policy or by rule. Each
 * window counts once per distinct policy of its enforced + pending traces (first hit wins the action)
 * and once per distinct (policy, action, rule index, direction). Rules use the hit's real
 * `ruleIndex` (Goldmane fills it from `policy_index`, a bug we do not copy). Packets and bytes go to
 * in/out as counted; live connections go to `*In` for ingress (reporter Dst), `*Out` for egress.
 */
export function computeStatistics(windows: Iterable<Flow>, query: StatisticsQuery): StatisticsResult[] {
  const groups = new Map<string, Group>();
  const { gte, lt } = query.range;
  for (const w of windows) {
    // Windows are 15 s, or a roll-up level's width when a store reads a rolled-up range.
    const bucket = w.startTime;
    if (bucket < gte || w.endTime > lt) continue;
    const k = w.key;
    const ingress = k.reporter === 'Dst';
    let vin: number;
    let vout: number;
    if (query.type === 'PacketCount') [vin, vout] = [w.packetsIn, w.packetsOut];
    else if (query.type === 'ByteCount') [vin, vout] = [w.bytesIn, w.bytesOut];
    else [vin, vout] = ingress ? [w.numConnectionsLive, 0] : [0, w.numConnectionsLive];
    const seen = new Set<string>();
    for (const hits of [k.policies.enforced, k.policies.pending]) {
      for (const h of hits) {
        const id = identity(h);
        let policy: PolicyHit;
        let direction: RuleDirection;
        if (query.groupBy === 'Policy') {
          policy = {
            kind: id.kind,
            namespace: id.namespace,
            name: id.name,
            tier: id.tier,
            action: h.action,
            policyIndex: 0,
            ruleIndex: 0,
          };
          direction = 'Any';
        } else {
          policy = { ...id, action: h.action, policyIndex: 0, ruleIndex: h.ruleIndex };
          direction = ingress ? 'Ingress' : 'Egress';
        }
        if (query.policyMatch && !hitMatches(query.policyMatch, policy)) continue;
        const groupKey =
          query.groupBy === 'Policy'
            ? `${id.kind}\0${id.namespace}\0${id.name}\0${id.tier}`
            : `${id.kind}\0${id.namespace}\0${id.name}\0${id.tier}\0${h.action}\0${h.ruleIndex}\0${direction}`;
        if (seen.has(groupKey)) continue;
        seen.add(groupKey);
        let g = groups.get(groupKey);
        if (!g) {
          const shown = query.groupBy === 'Policy' ? { ...policy, action: 'Allow' as const } : policy;
          g = { policy: shown, direction, sortKey: hitString(shown), buckets: new Map() };
          groups.set(groupKey, g);
        }
        let c = g.buckets.get(bucket);
        if (!c) g.buckets.set(bucket, (c = [0, 0, 0, 0, 0, 0]));
        const slot = ACTION_SLOT[h.action];
        c[slot]! += vin;
        c[slot + 1]! += vout;
      }
    }
  }
  const out: StatisticsResult[] = [];
  for (const g of [...groups.values()].sort(
    (a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0) || a.direction.localeCompare(b.direction),
  )) {
    const r: StatisticsResult = {
      policy: g.policy,
      direction: g.direction,
      groupBy: query.groupBy,
      type: query.type,
      allowedIn: [],
      allowedOut: [],
      deniedIn: [],
      deniedOut: [],
      passedIn: [],
      passedOut: [],
      x: [],
    };
    const arrays = [r.allowedIn, r.allowedOut, r.deniedIn, r.deniedOut, r.passedIn, r.passedOut];
    if (query.timeSeries) {
      for (const b of [...g.buckets.keys()].sort((a, b) => a - b)) {
        r.x.push(b);
        const c = g.buckets.get(b)!;
        for (let i = 0; i < 6; i++) arrays[i]!.push(c[i]!);
      }
    } else {
      const total = [0, 0, 0, 0, 0, 0];
      for (const c of g.buckets.values()) for (let i = 0; i < 6; i++) total[i]! += c[i]!;
      for (let i = 0; i < 6; i++) arrays[i]!.push(total[i]!);
    }
    out.push(r);
  }
  return out;
}
