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
import { type CompiledCluster, forgetDecisionTables, type IdentityPolicies, policiesFor } from './compile.ts';
import type { Entity } from './entities.ts';
import { ENFORCED, PENDING } from './policies.ts';
import type { FlowFacts } from './rules.ts';
import type { ScopeVerdict, SideVerdict } from './types.ts';
import { allowingProfile, profileHit, walk } from './walk.ts';

/** One side's outcome in both scopes; `pending` is `enforced` itself when they cannot differ. */
export interface SideDecision {
  readonly enforced: SideVerdict;
  readonly pending: SideVerdict;
  /** Every scope (what-if too) walks alike for this flow on this side. */
  readonly uniform: boolean;
  /** `enforced.action` and `pending.action` are Deny: read here without touching the verdicts. */
  readonly enforcedDenies: boolean;
  readonly pendingDenies: boolean;
  /** Memo (evaluate.ts): the flow's scopes when this is the only side. */
  alone?: ScopePair;
}

/** A flow's enforced and pending scopes, shared by every flow with the same side decisions. */
export interface ScopePair {
  readonly enforced: ScopeVerdict;
  readonly pending: ScopeVerdict;
}

export type PeerTest = (identity: IpIdentity) => boolean;

/**
 * Outcomes by peer class, then by family, protocol and port, for one policy list and own test
 * results, as walked for the first endpoint that needed each (its profile step included). Two
 * levels keep both keys small integers (a single key would exceed 2^31 and hash as a heap number).
 */
export interface DecisionTable {
  readonly peerTests: readonly PeerTest[];
  readonly decisions: Map<number, Map<number, SideDecision>>;
  /** Entries in all of `decisions`. */
  size: number;
  /** The same outcomes completed with each allowing profile ('' for none), by profile. */
  readonly byProfile: Map<string, ProfileTable>;
}

/**
 * A table's outcomes with one allowing profile's step at the end: what endpoints with that
 * profile read (`IpIdentity.tables`), so a flow's side is the peer tests and two lookups.
 */
export interface ProfileTable {
  /** Its entries are `CompiledCluster.sideDecisions` under (id, peer class, family/protocol/port). */
  readonly id: number;
  readonly shared: DecisionTable;
  readonly profile: string;
  readonly peerTests: readonly PeerTest[];
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

/** A peer class is a bit per peer test. */
const MAX_TESTS = 30;
const IPV6_BIT = 2 ** 24;
/** A table with more keys than this is emptied and refilled. */
const TABLE_LIMIT = 8192;
/** Shared tables kept before all are dropped (tables of replaced policies are never used again). */
const SHARED_LIMIT = 20_000;
/** Profile table ids are numbered from 1; at this many every table is dropped and numbering restarts. */
const TABLE_ID_LIMIT = 2 ** 30;

/** The walk's outcome for one side of a flow, from the endpoint's table when the flow allows it. */
export function decide(
  cluster: CompiledCluster,
  entity: Entity,
  direction: Direction,
  own: IpIdentity,
  peer: IpIdentity,
  facts: FlowFacts,
): SideDecision {
  if (facts.srcPort !== undefined || facts.icmp !== undefined) return walkBoth(cluster, entity, direction, facts);
  const egress = direction === 'Egress';
  // The table's id and peer tests are copied onto the address, which resolving the flow just read.
  let tableId = egress ? own.egressTableId : own.ingressTableId;
  if (tableId === 0) {
    const found = profileTableFor(cluster, entity, direction, own);
    tableId = found ? found.id : -1;
    if (egress) {
      own.egressTable = found;
      own.egressTableId = tableId;
      own.egressTests = found?.peerTests;
    } else {
      own.ingressTable = found;
      own.ingressTableId = tableId;
      own.ingressTests = found?.peerTests;
    }
  }
  if (tableId < 0) return walkBoth(cluster, entity, direction, facts);
  const peerTests = (egress ? own.egressTests : own.ingressTests) as readonly PeerTest[];
  let bits = 0;
  for (let i = 0; i < peerTests.length; i++) if ((peerTests[i] as PeerTest)(peer)) bits |= 1 << i;
  const key = (facts.family === 6 ? IPV6_BIT : 0) | (facts.protocol << 16) | facts.dstPort;
  const known = cluster.sideDecisions.get(tableId, bits, key);
  if (known !== undefined) return known;
  const table = (egress ? own.egressTable : own.ingressTable) as ProfileTable;
  const shared = table.shared;
  let first = shared.decisions.get(bits)?.get(key);
  if (first === undefined) {
    first = walkBoth(cluster, entity, direction, facts);
    if (shared.size >= TABLE_LIMIT) {
      shared.decisions.clear();
      shared.size = 0;
    }
    let byPort = shared.decisions.get(bits);
    if (byPort === undefined) shared.decisions.set(bits, (byPort = new Map()));
    byPort.set(key, first);
    shared.size++;
  }
  // The shared entry ends in the profile of the endpoint that walked it; complete it with ours.
  const decision = endsInProfile(first.enforced) || endsInProfile(first.pending) ? withProfile(first, entity) : first;
  cluster.sideDecisions.set(table.id, bits, key, decision);
  return decision;
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
  if (uniform) return sideDecision(enforced, enforced, uniform);
  const pendingWalk = walk(cluster, entity, direction, facts, PENDING);
  return sideDecision(enforced, { action: pendingWalk.action, hits: pendingWalk.hits }, uniform);
}

function sideDecision(enforced: SideVerdict, pending: SideVerdict, uniform: boolean): SideDecision {
  return {
    enforced,
    pending,
    uniform,
    enforcedDenies: enforced.action === 'Deny',
    pendingDenies: pending.action === 'Deny',
  };
}

const endsInProfile = (side: SideVerdict) => side.hits[side.hits.length - 1]?.kind === 'Profile';

/** The same outcome with this endpoint's profile step (the hits before it are shared). */
function withProfile(decision: SideDecision, entity: Entity): SideDecision {
  const profile = allowingProfile(entity);
  const enforced = completed(decision.enforced, profile);
  const pending = decision.pending === decision.enforced ? enforced : completed(decision.pending, profile);
  return sideDecision(enforced, pending, decision.uniform);
}

function completed(side: SideVerdict, profile: string | undefined): SideVerdict {
  if (!endsInProfile(side)) return side;
  const last = side.hits[side.hits.length - 1];
  if (last?.name === (profile ?? '__PROFILE__')) return side;
  const hits: PolicyHit[] = side.hits.slice(0, -1);
  hits.push(profileHit(profile, hits.length));
  return { action: profile ? 'Allow' : 'Deny', hits };
}

/**
 * The table an endpoint's own address reads in one direction, found on first use; null when its
 * rules need the full walk, or when `own` is not the endpoint's primary address.
 */
function profileTableFor(
  cluster: CompiledCluster,
  entity: Entity,
  direction: Direction,
  own: IpIdentity,
): ProfileTable | null {
  if (own !== cluster.index.primaryIdentity(entity)) return null;
  if (cluster.profileTables >= TABLE_ID_LIMIT) forgetDecisionTables(cluster);
  const policies = policiesFor(cluster, entity);
  const scan = (policies.scans[direction] ??= scanRules(policies, direction));
  if (!scan.usable) return null;
  let shared: DecisionTable | undefined;
  if (scan.shareable) {
    let ownBits = '';
    for (const test of scan.ownTests) ownBits += test(own) ? '1' : '0';
    const ports = scan.ownPorts ? namedPortsKey(entity) : '';
    const key = `${direction}|${ownBits}|${ports}|${scan.policyKey}`;
    shared = cluster.decisionTables.get(key);
    if (!shared) {
      if (cluster.decisionTables.size >= SHARED_LIMIT) cluster.decisionTables.clear();
      shared = newTable(scan.peerTests);
      cluster.decisionTables.set(key, shared);
    }
  } else shared = newTable(scan.peerTests);
  const profile = allowingProfile(entity) ?? '';
  let table = shared.byProfile.get(profile);
  if (!table) {
    table = { id: ++cluster.profileTables, shared, profile, peerTests: shared.peerTests };
    shared.byProfile.set(profile, table);
  }
  return table;
}

function newTable(peerTests: readonly PeerTest[]): DecisionTable {
  return { peerTests, decisions: new Map(), size: 0, byProfile: new Map() };
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
