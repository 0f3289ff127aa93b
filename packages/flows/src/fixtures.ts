// Named builders for tests and benchmarks (not part of the package's door).
import type { HitAction, HitKind, PolicyHit } from '@verdict/engine';
import type { Flow, FlowKey } from './model.ts';
import { isNetworkName } from './names.ts';

/** A bucket boundary (2025-08-22T10:55:00Z). */
export const T0 = 1_755_860_100;

/** A mutable test clock in Unix seconds. */
export function testClock(start = T0 + 1) {
  let t = start;
  return {
    now: () => t,
    set: (v: number) => {
      t = v;
    },
    advance: (s: number) => {
      t += s;
    },
  };
}

/**
 * A policy hit. `ref` is `tier/ns/name` for namespaced kinds, `tier/name` for global ones,
 * `name` for profiles.
 */
export function hit(
  kind: HitKind,
  ref: string,
  action: HitAction,
  more: Partial<Pick<PolicyHit, 'policyIndex' | 'ruleIndex' | 'trigger'>> = {},
): PolicyHit {
  const parts = ref.split('/');
  const [tier, namespace, name] =
    kind === 'Profile' ? ['', '', ref] : parts.length === 3 ? parts : [parts[0], '', parts[1] ?? ''];
  const h: PolicyHit = {
    kind,
    tier: tier ?? '',
    namespace: namespace ?? '',
    name: name ?? '',
    action,
    policyIndex: more.policyIndex ?? 0,
    ruleIndex: more.ruleIndex ?? 0,
  };
  if (more.trigger) h.trigger = more.trigger;
  return h;
}

/** An end-of-tier hit whose trigger is the given policy. */
export function endOfTier(trigger: PolicyHit, action: HitAction, policyIndex = 0): PolicyHit {
  return {
    kind: 'EndOfTier',
    tier: trigger.tier,
    namespace: '',
    name: '',
    action,
    policyIndex,
    ruleIndex: -1,
    trigger: { kind: trigger.kind, namespace: trigger.namespace, name: trigger.name, tier: trigger.tier },
  };
}

export type FlowOverrides = Partial<Omit<FlowKey, 'policies'>> &
  Partial<Omit<Flow, 'key'>> & { enforced?: readonly PolicyHit[]; pending?: readonly PolicyHit[] };

function endpoint(ref: string): { name: string; namespace: string; type: FlowKey['sourceType'] } {
  if (isNetworkName(ref)) return { name: ref, namespace: '-', type: 'Network' };
  const i = ref.indexOf('/');
  return i < 0
    ? { name: ref, namespace: '-', type: 'HostEndpoint' }
    : { name: ref.slice(i + 1), namespace: ref.slice(0, i), type: 'WorkloadEndpoint' };
}

/** A 1-packet flow from `src` to `dst` (`ns/name`, `pub`, `pvt`, or a bare host name) at `T0`. */
export function flowBetween(src: string, dst: string, o: FlowOverrides = {}): Flow {
  const s = endpoint(src);
  const d = endpoint(dst);
  const key: FlowKey = {
    sourceName: o.sourceName ?? s.name,
    sourceNamespace: o.sourceNamespace ?? s.namespace,
    sourceType: o.sourceType ?? s.type,
    destName: o.destName ?? d.name,
    destNamespace: o.destNamespace ?? d.namespace,
    destType: o.destType ?? d.type,
    destPort: o.destPort ?? 8080,
    destServiceName: o.destServiceName ?? '-',
    destServiceNamespace: o.destServiceNamespace ?? '-',
    destServicePortName: o.destServicePortName ?? '-',
    destServicePort: o.destServicePort ?? 0,
    proto: o.proto ?? 'tcp',
    reporter: o.reporter ?? 'Dst',
    action: o.action ?? 'Allow',
    policies: {
      enforced: o.enforced ?? [hit('Profile', `kns.${d.namespace}`, 'Allow')],
      pending: o.pending ?? [],
    },
  };
  const startTime = o.startTime ?? T0;
  const flow: Flow = {
    key,
    startTime,
    endTime: o.endTime ?? startTime,
    sourceLabels: o.sourceLabels ?? [`app=${s.name}`],
    destLabels: o.destLabels ?? [`app=${d.name}`],
    packetsIn: o.packetsIn ?? 1,
    packetsOut: o.packetsOut ?? 1,
    bytesIn: o.bytesIn ?? 100,
    bytesOut: o.bytesOut ?? 100,
    numConnectionsStarted: o.numConnectionsStarted ?? 1,
    numConnectionsCompleted: o.numConnectionsCompleted ?? 0,
    numConnectionsLive: o.numConnectionsLive ?? 1,
  };
  if (o.sourceIps) flow.sourceIps = o.sourceIps;
  if (o.destIps) flow.destIps = o.destIps;
  return flow;
}

/** An address set as stores keep it: the given addresses sorted, with `beyond` not kept. */
export function ipSet(ips: readonly string[], beyond = 0): { ips: readonly string[]; beyond: number } {
  return { ips: [...ips].sort(), beyond };
}
