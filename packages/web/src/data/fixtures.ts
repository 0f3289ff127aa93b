// Named fixtures and builders for the data-layer tests.
import type { ApiFlow, ApiPolicyHit } from '../api/types.ts';

let nextId = 1;

export function hit(over: Partial<ApiPolicyHit> = {}): ApiPolicyHit {
  return {
    kind: 'CalicoNetworkPolicy',
    name: 'allow-web',
    namespace: 'shop',
    tier: 'default',
    action: 'Allow',
    policyIndex: 0,
    ruleIndex: 0,
    trigger: null,
    ...over,
  };
}

/** A flow from `src` to `dst` ("namespace/name"), allowed both enforced and pending. */
export function flowBetween(src: string, dst: string, over: Partial<ApiFlow> = {}): ApiFlow {
  const [sns = '', sname = ''] = src.split('/');
  const [dns = '', dname = ''] = dst.split('/');
  return {
    id: nextId++,
    startTime: 1_700_000_000,
    endTime: 1_700_000_015,
    sourceName: sname,
    sourceNamespace: sns,
    sourceType: 'WorkloadEndpoint',
    destName: dname,
    destNamespace: dns,
    destType: 'WorkloadEndpoint',
    destPort: 8080,
    destServiceName: '-',
    destServiceNamespace: '-',
    destServicePortName: '-',
    destServicePort: 0,
    proto: 'tcp',
    reporter: 'Src',
    action: 'Allow',
    pendingAction: 'Allow',
    sourceLabels: ['app=web'],
    destLabels: ['app=api'],
    packetsIn: 10,
    packetsOut: 12,
    bytesIn: 1000,
    bytesOut: 1200,
    numConnectionsStarted: 1,
    numConnectionsCompleted: 1,
    numConnectionsLive: 0,
    policies: { enforced: [hit()], pending: [hit()] },
    ...over,
  };
}

export const webToApi = (over: Partial<ApiFlow> = {}) => flowBetween('shop/web', 'shop/api', over);

export const deniedCrossNamespace = (over: Partial<ApiFlow> = {}) =>
  flowBetween('shop/web', 'billing/ledger', {
    action: 'Deny',
    pendingAction: 'Deny',
    policies: {
      enforced: [
        hit({ kind: 'EndOfTier', name: 'ledger-ingress', namespace: 'billing', action: 'Deny', ruleIndex: -1 }),
      ],
      pending: [],
    },
    ...over,
  });

/** `n` flows of one key each, one second apart, the newest last. */
export function flowsAt(startTimes: readonly number[]): ApiFlow[] {
  return startTimes.map((t) => webToApi({ startTime: t, endTime: t + 15 }));
}
