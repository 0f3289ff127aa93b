// Stage 2, evaluate: a flow's verdict in every scope over a compiled cluster (reference §5, §9),
// with verdicts memoized by both ends' identities and protocol/port.

import type { Direction } from '../model.ts';
import { ok, type Result } from '../result.ts';
import type { IpIdentity } from './cluster-index.ts';
import { type CachedVerdict, type CompiledCluster, epochOf, forgetVerdicts } from './compile.ts';
import { decide, type SideDecision } from './decide.ts';
import type { Entity } from './entities.ts';
import { WHAT_IF } from './policies.ts';
import { endpointInfo, factsOf, resolveEnds } from './resolve.ts';
import type { FlowFacts } from './rules.ts';
import type { EvaluateError, FlowQuery, FlowVerdict, ScopeVerdict, SideVerdict } from './types.ts';
import { walk } from './walk.ts';

const VERDICT_CACHE_LIMIT = 1_000_000;

/** The verdict of one flow: enforced and pending, and what-if when asked for. */
export function evaluateFlow(
  cluster: CompiledCluster,
  query: FlowQuery,
  options?: { whatIf?: boolean },
): Result<FlowVerdict, EvaluateError> {
  const ends = resolveEnds(cluster, query);
  if (!ends.ok) return ends;
  const { src, dst, protocol } = ends.value;
  // Without a source port or ICMP fields a verdict depends only on the two IPs, protocol and port.
  const cacheable = query.sourcePort === undefined && query.icmp === undefined;
  const service = ((protocol << 16) | query.destPort) * 2 + (options?.whatIf ? 1 : 0);
  const key = cacheable ? verdictKey(dst, service) : 0;
  const cached = cacheable ? src.verdicts?.get(key) : undefined;
  if (
    cached !== undefined &&
    cached.dst === dst &&
    cached.service === service &&
    cached.srcEpoch === epochOf(cluster, src) &&
    cached.dstEpoch === epochOf(cluster, dst)
  )
    return cached.result;
  const facts = factsOf(src, dst, protocol, query);
  const result = ok(evaluateFacts(cluster, facts, options?.whatIf === true));
  if (cacheable) rememberVerdict(cluster, src, dst, key, service, result);
  return result;
}

/**
 * A slot for the verdict among those of its source: 20 bits of the destination's serial and 10 of
 * a hash of protocol, port and what-if, so the key stays a small integer (a heap-number key costs
 * an allocation and a slower hash). Two flows may share a slot; the entry names its destination
 * and service, so a shared slot only costs a miss.
 */
function verdictKey(dst: IpIdentity, service: number): number {
  return ((dst.serial & 0xfffff) << 10) | ((service ^ (service >>> 10) ^ (service >>> 20)) & 0x3ff);
}

function evaluateFacts(cluster: CompiledCluster, facts: FlowFacts, whatIf: boolean): FlowVerdict {
  const src = facts.src.owner?.isEndpoint ? facts.src.owner : undefined;
  const dst = facts.dst.owner?.isEndpoint ? facts.dst.owner : undefined;
  const egress = src && decide(cluster, src, 'Egress', facts.src, facts.dst, facts);
  const ingress = dst && decide(cluster, dst, 'Ingress', facts.dst, facts.src, facts);
  const enforced = combine(egress?.enforced, ingress?.enforced);
  const uniform = (!egress || egress.uniform) && (!ingress || ingress.uniform);
  const samePending =
    (!egress || egress.pending === egress.enforced) && (!ingress || ingress.pending === ingress.enforced);
  const verdict: FlowVerdict = {
    source: endpointInfo(facts.src),
    destination: endpointInfo(facts.dst),
    protocol: facts.protocol,
    enforced,
    pending: samePending ? enforced : combine(egress?.pending, ingress?.pending),
  };
  if (whatIf) {
    const inWhatIf = (entity: Entity | undefined, direction: Direction, decision: SideDecision | undefined) => {
      if (!entity || !decision) return undefined;
      if (decision.uniform) return decision.enforced;
      const walked = walk(cluster, entity, direction, facts, WHAT_IF);
      return { action: walked.action, hits: walked.hits };
    };
    verdict.whatIf = uniform ? enforced : combine(inWhatIf(src, 'Egress', egress), inWhatIf(dst, 'Ingress', ingress));
  }
  return verdict;
}

function rememberVerdict(
  cluster: CompiledCluster,
  src: IpIdentity,
  dst: IpIdentity,
  key: number,
  service: number,
  result: { ok: true; value: FlowVerdict },
): void {
  if (++cluster.cachedVerdicts > VERDICT_CACHE_LIMIT) forgetVerdicts(cluster);
  if (src.verdicts === undefined) {
    src.verdicts = new Map();
    cluster.verdictSources.push(src);
  }
  const entry: CachedVerdict = {
    dst,
    service,
    srcEpoch: epochOf(cluster, src),
    dstEpoch: epochOf(cluster, dst),
    result,
  };
  src.verdicts.set(key, entry);
}

function combine(egress: SideVerdict | undefined, ingress: SideVerdict | undefined): ScopeVerdict {
  const verdict: ScopeVerdict = {
    action: egress?.action === 'Deny' || ingress?.action === 'Deny' ? 'Deny' : 'Allow',
  };
  if (egress) verdict.egress = egress;
  if (ingress) verdict.ingress = ingress;
  return verdict;
}
