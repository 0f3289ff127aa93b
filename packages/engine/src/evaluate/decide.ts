// Stage 2, evaluate: per endpoint and direction, the tier walk folded into a decision table. A
// rule looks at the other end of a flow only through a few tests of its identity (selector
// membership, CIDR containment) and at the endpoint's own end through tests that are fixed for
// the endpoint. So for flows without a source port or ICMP fields, the walk's outcome depends only
// on the endpoint's policy list, its own test results, which peer tests the other end passes (its
// class), the IP family, the protocol and the destination port. A table holds the walk's outcome
// per key, computed once by the walk itself; endpoints with the same policy list and own test
// results share one table, and only the profile step at the end (which names the endpoint's
// namespace) is completed per endpoint. Evaluating such a flow is a few tests and one lookup.
import type { Direction, PolicyHit } from '../model.ts';
import type { IpIdentity } from './cluster-index.ts';
import { type CompiledCluster, type IdentityPolicies, policiesFor } from './compile.ts';
import type { Entity } from './entities.ts';
import { ENFORCED, PENDING } from './policies.ts';
import type { FlowFacts } from './rules.ts';
import type { SideVerdict } from './types.ts';
import { allowingProfile, profileHit, walk } from './walk.ts';

/** One side's outcome in both scopes; `pending` is `enforced` itself when they cannot differ. */
export interface SideDecision {
  readonly enforced: SideVerdict;
  readonly pending: SideVerdict;
  /** Every scope (what-if too) walks alike for this flow on this side. */
  readonly uniform: boolean;
}

/** A table entry: the outcome as walked for one endpoint, completed per allowing profile. */
interface SharedDecision {
  readonly first: SideDecision;
  /** Whether a scope's walk ended in the profiles (its last hit names the endpoint's profile). */
  readonly toProfile: boolean;
  /** By allowing profile name ('' for none): the outcome completed for endpoints with that profile. */
  readonly byProfile: Map<string, SideDecision>;
}

type PeerTest = (identity: IpIdentity) => boolean;

/**
 * Outcomes by peer class, then by family, protocol and port, for one policy list and own test
 * results. Two levels keep both keys small integers (a single key would exceed 2^31 and hash as a
 * heap number).
 */
export interface DecisionTable {
  readonly peerTests: readonly PeerTest[];
  readonly decisions: Map<number, Map<number, SharedDecision>>;
  /** Entries in all of `decisions`. */
  size: number;
}

/**
 * What one identity's rules in one direction test, scanned once per identity: the tests of the
 * peer (a class bit each), the tests of the endpoint's own address (its table's key), whether its
 * named ports matter, and its policy list; `usable` false when the rules need the full walk.
 */
export interface TableScan {
  readonly usable: boolean;
  readonly shareable: boolean;
  readonly peerTests: readonly PeerTest[];
  readonly ownTests: readonly PeerTest[];
  readonly ownPorts: boolean;
  readonly policyKey: string;
}

/** An endpoint's entry into a table, and the profile that completes its outcomes. */
export interface EndpointTable {
  readonly table: DecisionTable;
  readonly profile: string;
}

/** A peer class is a bit per peer test. */
const MAX_TESTS = 30;
const IPV6_BIT = 2 ** 24;
/** A table with more keys than this is emptied and refilled. */
const TABLE_LIMIT = 8192;
/** Shared tables kept before all are dropped (tables of replaced policies are never used again). */
const SHARED_LIMIT = 20_000;

/** The walk's outcome for one side of a flow, from the endpoint's table when the flow allows it. */
export function decide(
  cluster: CompiledCluster,
  entity: Entity,
  direction: Direction,
  own: IpIdentity,
  peer: IpIdentity,
  facts: FlowFacts,
): SideDecision {
  const entry = facts.srcPort === undefined && facts.icmp === undefined ? tableFor(cluster, entity, direction) : null;
  if (!entry || own !== cluster.index.primaryIdentity(entity)) return walkBoth(cluster, entity, direction, facts);
  const { peerTests, decisions } = entry.table;
  let bits = 0;
  for (let i = 0; i < peerTests.length; i++) if ((peerTests[i] as PeerTest)(peer)) bits |= 1 << i;
  const key = (facts.family === 6 ? IPV6_BIT : 0) | (facts.protocol << 16) | facts.dstPort;
  let byPort = decisions.get(bits);
  const shared = byPort?.get(key);
  if (!shared) {
    const decision = walkBoth(cluster, entity, direction, facts);
    const table = entry.table;
    if (table.size >= TABLE_LIMIT) {
      decisions.clear();
      table.size = 0;
      byPort = undefined;
    }
    if (!byPort) decisions.set(bits, (byPort = new Map()));
    const toProfile = endsInProfile(decision.enforced) || endsInProfile(decision.pending);
    byPort.set(key, { first: decision, toProfile, byProfile: new Map([[entry.profile, decision]]) });
    table.size++;
    return decision;
  }
  if (!shared.toProfile) return shared.first;
  let completed = shared.byProfile.get(entry.profile);
  if (!completed) {
    completed = withProfile(shared.first, entity);
    shared.byProfile.set(entry.profile, completed);
  }
  return completed;
}

/** The walk in the enforced scope, and in the pending scope only when the two can differ. */
export function walkBoth(
  cluster: CompiledCluster,
  entity: Entity,
  direction: Direction,
  facts: FlowFacts,
): SideDecision {
  const enforcedWalk = walk(cluster, entity, direction, facts, ENFORCED);
  const enforced: SideVerdict = { action: enforcedWalk.action, hits: enforcedWalk.hits };
  const uniform = policiesFor(cluster, entity).uniform[direction] && !enforcedWalk.triggersDiffer;
  if (uniform) return { enforced, pending: enforced, uniform };
  const pendingWalk = walk(cluster, entity, direction, facts, PENDING);
  return { enforced, pending: { action: pendingWalk.action, hits: pendingWalk.hits }, uniform };
}

const endsInProfile = (side: SideVerdict) => side.hits[side.hits.length - 1]?.kind === 'Profile';

/** Another endpoint's outcome for the same walk: the same hits, its own profile step. */
function withProfile(decision: SideDecision, entity: Entity): SideDecision {
  const profile = allowingProfile(entity);
  const complete = (side: SideVerdict): SideVerdict => {
    if (!endsInProfile(side)) return side;
    const hits: PolicyHit[] = side.hits.slice(0, -1);
    hits.push(profileHit(profile, hits.length));
    return { action: profile ? 'Allow' : 'Deny', hits };
  };
  const enforced = complete(decision.enforced);
  const pending = decision.pending === decision.enforced ? enforced : complete(decision.pending);
  return { enforced, pending, uniform: decision.uniform };
}

/** The endpoint's entry into its direction's table, found on first use; null when its rules need the walk. */
function tableFor(cluster: CompiledCluster, entity: Entity, direction: Direction): EndpointTable | null {
  const policies = policiesFor(cluster, entity);
  const tables = policies.tables;
  const known = tables[direction];
  if (known !== undefined) return known;
  const own = cluster.index.primaryIdentity(entity);
  const scan = (policies.scans[direction] ??= scanRules(policies, direction));
  let entry: EndpointTable | null = null;
  if (scan.usable && own !== undefined) {
    const profile = allowingProfile(entity) ?? '';
    const fresh = (): DecisionTable => ({ peerTests: scan.peerTests, decisions: new Map(), size: 0 });
    if (!scan.shareable) entry = { table: fresh(), profile };
    else {
      let ownBits = '';
      for (const test of scan.ownTests) ownBits += test(own) ? '1' : '0';
      const ports = scan.ownPorts ? namedPortsKey(entity) : '';
      const key = `${direction}|${ownBits}|${ports}|${scan.policyKey}`;
      let table = cluster.decisionTables.get(key);
      if (!table) {
        if (cluster.decisionTables.size >= SHARED_LIMIT) cluster.decisionTables.clear();
        table = fresh();
        cluster.decisionTables.set(key, table);
      }
      entry = { table, profile };
    }
  }
  tables[direction] = entry;
  return entry;
}

/** What the rules of one identity's policies in one direction test of either end. */
function scanRules(policies: IdentityPolicies, direction: Direction): TableScan {
  const peerSide = direction === 'Ingress' ? 'source' : 'destination';
  const peerTests = new Map<unknown, PeerTest>();
  const ownTests = new Map<unknown, PeerTest>();
  let shareable = true;
  let ownPorts = false;
  let usable = true;
  const policyKeys: string[] = [];
  scan: for (const group of policies[direction])
    for (const policy of group.policies) {
      policyKeys.push(`${policy.serial}.${policy.scopes}`);
      for (const rule of (direction === 'Ingress' ? policy.ingress : policy.egress) ?? [])
        for (const clause of rule.clauses) {
          const test = clause.sideTest;
          if (test === undefined) continue;
          if (clause.side !== peerSide) {
            // The endpoint's own end: its named ports go into the key; services name its address.
            if (test === 'opaque') shareable = false;
            else if (test === 'named-ports') ownPorts = true;
            else if (!ownTests.has(test.key)) ownTests.set(test.key, test.test);
            continue;
          }
          if (typeof test === 'object' && peerTests.has(test.key)) continue;
          if (typeof test !== 'object' || peerTests.size >= MAX_TESTS) {
            usable = false;
            break scan;
          }
          peerTests.set(test.key, test.test);
        }
    }
  return {
    usable,
    shareable,
    peerTests: [...peerTests.values()],
    ownTests: [...ownTests.values()],
    ownPorts,
    policyKey: policyKeys.join(','),
  };
}

function namedPortsKey(entity: Entity): string {
  return [...entity.namedPorts]
    .map(([name, ports]) => `${name}=${ports.map((port) => `${port.protocol}/${port.port}`).join('+')}`)
    .sort()
    .join(' ');
}
