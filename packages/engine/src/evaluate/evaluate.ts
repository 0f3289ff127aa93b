// Stage 2, evaluate: a flow's verdict in every scope over a compiled cluster (reference §5, §9),
// with verdicts memoized by both ends' identities and protocol/port.

import type { Direction } from '../model.ts';
import { err, ok, type Result } from '../result.ts';
import type { IpIdentity } from './cluster-index.ts';
import { type CompiledCluster, epochOf } from './compile.ts';
import { decide, type ScopePair, type SideDecision } from './decide.ts';
import type { Entity } from './entities.ts';
import { WHAT_IF } from './policies.ts';
import { checkService, endpointInfo, factsOf, resolvePair } from './resolve.ts';
import type { FlowFacts } from './rules.ts';
import type { EvaluateError, FlowQuery, FlowVerdict, ScopeVerdict, SideVerdict } from './types.ts';
import type { VerdictResult } from './verdict-cache.ts';
import { walk } from './walk.ts';

/** The verdict of one flow: enforced and pending, and what-if when asked for. */
export function evaluateFlow(
  cluster: CompiledCluster,
  query: FlowQuery,
  options?: { whatIf?: boolean },
): Result<FlowVerdict, EvaluateError> {
  const protocol = checkService(query.protocol, query.destPort);
  if (typeof protocol !== 'number') return err(protocol);
  const pair = resolvePair(cluster, query.source, query.destination);
  if (pair.error !== undefined) return err(pair.error);
  return evaluateResolved(
    cluster,
    pair.src,
    pair.dst,
    protocol,
    query.destPort,
    query.sourcePort,
    query.icmp,
    options?.whatIf === true,
  );
}

/**
 * evaluateFlow for ends given as interned ids (EndpointIds): the same verdicts and errors. Ends
 * that resolve to their primary addresses of one family go straight to the cache; anything else
 * (an end that does not resolve, a dual-stack pair, an id never given) takes the reference path.
 */
export function evaluateIds(
  cluster: CompiledCluster,
  source: number,
  destination: number,
  protocol: string | number,
  destPort: number,
  options?: { whatIf?: boolean },
): Result<FlowVerdict, EvaluateError> {
  const number = checkService(protocol, destPort);
  if (typeof number !== 'number') return err(number);
  const ids = cluster.endpointIds;
  const src = ids.identity(cluster, source);
  const dst = src && ids.identity(cluster, destination);
  if (dst !== undefined && src !== undefined && src.family === dst.family)
    return evaluateResolved(cluster, src, dst, number, destPort, undefined, undefined, options?.whatIf === true);
  const sourceRef = ids.ref(source);
  if (sourceRef === undefined) return err(unknownId(source, 'source'));
  const destinationRef = ids.ref(destination);
  if (destinationRef === undefined) return err(unknownId(destination, 'destination'));
  return evaluateFlow(cluster, { source: sourceRef, destination: destinationRef, protocol, destPort }, options);
}

function unknownId(id: number, path: string): EvaluateError {
  return { code: 'unknown-endpoint', message: `${String(id)} is not an endpoint id of this evaluator`, path };
}

/**
 * The verdict of a flow between two resolved ends (same IP family). Without a source port or
 * ICMP fields a verdict depends only on the two ends, protocol and port, and is cached.
 */
export function evaluateResolved(
  cluster: CompiledCluster,
  src: IpIdentity,
  dst: IpIdentity,
  protocol: number,
  destPort: number,
  sourcePort: number | undefined,
  icmp: FlowQuery['icmp'],
  whatIf: boolean,
): VerdictResult {
  if (sourcePort !== undefined || icmp !== undefined)
    return ok(evaluateFacts(cluster, factsOf(src, dst, protocol, destPort, sourcePort, icmp), whatIf));
  // Protocol (8 bits), port (16 bits) and what-if (1 bit) in one small integer.
  const service = protocol * 131072 + destPort * 2 + (whatIf ? 1 : 0);
  const srcEpoch = epochOf(cluster, src);
  const dstEpoch = epochOf(cluster, dst);
  const cached = cluster.verdicts.get(src, dst, service, srcEpoch, dstEpoch);
  if (cached !== undefined) return cached;
  const result = ok(evaluateFacts(cluster, factsOf(src, dst, protocol, destPort, undefined, undefined), whatIf));
  cluster.verdicts.set(src, dst, service, srcEpoch, dstEpoch, result);
  return result;
}

function evaluateFacts(cluster: CompiledCluster, facts: FlowFacts, whatIf: boolean): FlowVerdict {
  const src = facts.src.owner?.isEndpoint ? facts.src.owner : undefined;
  const dst = facts.dst.owner?.isEndpoint ? facts.dst.owner : undefined;
  const egress = src && decide(cluster, src, 'Egress', facts.src, facts.dst, facts);
  const ingress = dst && decide(cluster, dst, 'Ingress', facts.dst, facts.src, facts);
  const scopes = scopesOf(egress, ingress);
  const verdict: FlowVerdict = {
    source: endpointInfo(facts.src),
    destination: endpointInfo(facts.dst),
    protocol: facts.protocol,
    enforced: scopes.enforced,
    pending: scopes.pending,
  };
  if (whatIf) {
    const uniform = (!egress || egress.uniform) && (!ingress || ingress.uniform);
    verdict.whatIf = uniform
      ? scopes.enforced
      : combine(whatIfSide(cluster, src, 'Egress', egress, facts), whatIfSide(cluster, dst, 'Ingress', ingress, facts));
  }
  return verdict;
}

/** The enforced and pending scopes of a flow's side decisions; shared per decision when there is one side. */
function scopesOf(egress: SideDecision | undefined, ingress: SideDecision | undefined): ScopePair {
  if (egress && ingress) return pairOf(egress, ingress);
  const side = egress ?? ingress;
  if (!side) return NO_SIDES;
  side.alone ??= pairOf(egress, ingress);
  return side.alone;
}

const NO_SIDES: ScopePair = pairOf(undefined, undefined);

function pairOf(egress: SideDecision | undefined, ingress: SideDecision | undefined): ScopePair {
  const enforced = combined(
    egress?.enforcedDenies === true || ingress?.enforcedDenies === true,
    egress?.enforced,
    ingress?.enforced,
  );
  const samePending =
    (!egress || egress.pending === egress.enforced) && (!ingress || ingress.pending === ingress.enforced);
  if (samePending) return { enforced, pending: enforced };
  const pending = combined(
    egress?.pendingDenies === true || ingress?.pendingDenies === true,
    egress?.pending,
    ingress?.pending,
  );
  return { enforced, pending };
}

function combined(denies: boolean, egress: SideVerdict | undefined, ingress: SideVerdict | undefined): ScopeVerdict {
  const verdict: ScopeVerdict = { action: denies ? 'Deny' : 'Allow' };
  if (egress) verdict.egress = egress;
  if (ingress) verdict.ingress = ingress;
  return verdict;
}

/** One side in the what-if scope: its enforced outcome when every scope walks alike, else its own walk. */
function whatIfSide(
  cluster: CompiledCluster,
  entity: Entity | undefined,
  direction: Direction,
  decision: SideDecision | undefined,
  facts: FlowFacts,
): SideVerdict | undefined {
  if (!entity || !decision) return undefined;
  if (decision.uniform) return decision.enforced;
  const walked = walk(cluster, entity, direction, facts, WHAT_IF);
  return { action: walked.action, hits: walked.hits };
}

function combine(egress: SideVerdict | undefined, ingress: SideVerdict | undefined): ScopeVerdict {
  const verdict: ScopeVerdict = {
    action: egress?.action === 'Deny' || ingress?.action === 'Deny' ? 'Deny' : 'Allow',
  };
  if (egress) verdict.egress = egress;
  if (ingress) verdict.ingress = ingress;
  return verdict;
}
