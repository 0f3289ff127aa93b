// Named builders and helpers for the server's protocol tests.
import type { PolicyHit } from '@verdict/engine';
import type { Flow, FlowKey, FlowStore, Subscription } from '@verdict/flows';
import { isNetworkName } from '@verdict/flows';

/** A 15 s bucket boundary (2025-08-22T10:15:00Z). */
export const T0 = 1_755_857_700;

export const silentLog = { info() {}, warn() {}, error() {} };

/** A mutable clock in Unix seconds. */
export function testClock(start = T0 + 1) {
  let t = start;
  return {
    now: () => t,
    set(v: number) {
      t = v;
    },
  };
}

/** `kns.shop` profile allow: what a pod with no policies gets. */
export const profileAllow: PolicyHit = {
  kind: 'Profile',
  namespace: '',
  name: 'kns.shop',
  tier: '',
  action: 'Allow',
  policyIndex: 0,
  ruleIndex: 0,
};

/** Pending deny at the end of tier `security`, brought into play by staged `shop/lockdown`. */
export const stagedLockdownDeny: PolicyHit = {
  kind: 'EndOfTier',
  namespace: '',
  name: '',
  tier: 'security',
  action: 'Deny',
  policyIndex: 0,
  ruleIndex: -1,
  trigger: { kind: 'StagedNetworkPolicy', namespace: 'shop', name: 'lockdown', tier: 'security' },
};

type Endpoint = `${string}/${string}`;

/**
 * A Felix-style flow from `ns/name` to `ns/name` (use `-/pub` for the public network), with the §8
 * example's counters and traces unless overridden.
 */
export function flowBetween(src: Endpoint, dst: Endpoint, key: Partial<FlowKey> = {}, rest: Partial<Flow> = {}): Flow {
  const [sns = '', sname = ''] = src.split('/');
  const [dns = '', dname = ''] = dst.split('/');
  return {
    key: {
      sourceName: sname,
      sourceNamespace: sns,
      sourceType: isNetworkName(sname) ? 'Network' : 'WorkloadEndpoint',
      destName: dname,
      destNamespace: dns,
      destType: isNetworkName(dname) ? 'Network' : 'WorkloadEndpoint',
      destPort: 8080,
      destServiceName: '-',
      destServiceNamespace: '-',
      destServicePortName: '-',
      destServicePort: 0,
      proto: 'tcp',
      reporter: 'Dst',
      action: 'Allow',
      policies: { enforced: [profileAllow], pending: [stagedLockdownDeny] },
      ...key,
    },
    startTime: T0,
    endTime: T0,
    sourceLabels: ['app=frontend', 'tier=web'],
    destLabels: ['app=checkout'],
    packetsIn: 30,
    packetsOut: 28,
    bytesIn: 4200,
    bytesOut: 12800,
    numConnectionsStarted: 1,
    numConnectionsCompleted: 0,
    numConnectionsLive: 1,
    ...rest,
  };
}

/** Wraps a store so tests can see how many subscriptions are open. */
export function trackSubscriptions<S extends FlowStore>(store: S): { store: FlowStore; open: () => number } {
  let open = 0;
  const tracked: FlowStore = {
    kind: store.kind,
    ingest: (f) => store.ingest(f),
    list: (q) => store.list(q),
    get: (id) => store.get(id),
    hints: (q) => store.hints(q),
    stats: () => store.stats(),
    close: () => store.close(),
    subscribe(from, filter, onFlow): Subscription {
      const sub = store.subscribe(from, filter, onFlow);
      open++;
      let closed = false;
      return {
        close() {
          if (!closed) open--;
          closed = true;
          sub.close();
        },
      };
    },
  };
  return { store: tracked, open: () => open };
}

/** Resolves once `check` holds, polling every few milliseconds. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
