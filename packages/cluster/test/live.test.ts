// The live-cluster watcher driven by the official client against the API emulator over HTTPS with
// a bearer token: verdicts and the change log follow pods, policies, dropped watches and compaction.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CalicoVersion, FlowQuery } from '@verdict/engine';
import { createMemoryStore, type PolicyChange } from '@verdict/flows';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterUnreachable, type LiveCluster, loadKubeConfig, startLiveCluster } from '../src/index.ts';
import { type ApiEmulator, startApiEmulator } from './emulator.ts';
import {
  adminDeny,
  allowOnly,
  CRDS_ONLY,
  clusterInformation,
  FULL_CLUSTER,
  globalDeny,
  NO_ADMIN_POLICIES,
  namespace,
  pod,
  servedResources,
} from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'verdict-cluster-'));
const file = (name: string) => join(dir, name);
let tls: { cert: string; key: string; ca: string };

beforeAll(() => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=emulator-ca',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
  );
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=emulator',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  );
  tls = {
    cert: readFileSync(file('server.crt'), 'utf8'),
    key: readFileSync(file('server.key'), 'utf8'),
    ca: readFileSync(file('ca.crt'), 'utf8'),
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls until `check` stops throwing; the deadline is generous and not what is tested. */
async function eventually(check: () => void | Promise<void>, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const shopFlow = (from: string, to = 'api'): FlowQuery => ({
  source: { namespace: 'shop', name: from },
  destination: { namespace: 'shop', name: to },
  protocol: 'TCP',
  destPort: 8080,
});

interface Harness {
  emulator: ApiEmulator;
  live: LiveCluster;
  changes: () => Promise<PolicyChange[]>;
  verdict: (query: FlowQuery) => string;
  close(): Promise<void>;
}

let open: Harness | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

/** An emulator serving `groups` with the shop namespace, three pods and one Kubernetes policy, followed live. */
async function followShop(
  groups: Parameters<typeof servedResources>[0],
  seed: (e: ApiEmulator) => void = () => {},
  calicoVersion?: CalicoVersion,
) {
  const emulator = await startApiEmulator({ resources: servedResources(groups), tls, bookmarkMs: 100 });
  emulator.apply(namespace('shop'));
  emulator.apply(pod('shop', 'web', '10.0.0.1', { app: 'web' }));
  emulator.apply(pod('shop', 'api', '10.0.0.2', { app: 'api' }));
  emulator.apply(pod('shop', 'other', '10.0.0.3', { app: 'other' }));
  emulator.apply(allowOnly('shop', 'api-from-web', 'api', 'web'));
  seed(emulator);
  emulator.writeKubeconfig(file('kubeconfig'), { ca: tls.ca });
  const store = createMemoryStore();
  const live = await startLiveCluster({
    kubeConfig: loadKubeConfig({ file: file('kubeconfig') }),
    onChanges: (changes) => void store.recordChanges(changes),
    retryMs: { min: 20, max: 200 },
    ...(calicoVersion ? { calicoVersion } : {}),
  });
  await live.synced();
  open = {
    emulator,
    live,
    changes: () => store.changes({}),
    verdict: (query) => {
      const result = live.evaluator().evaluate(query);
      return result.ok ? result.value.enforced.action : result.error.code;
    },
    async close() {
      await live.close();
      await emulator.close();
      await store.close();
    },
  };
  return open;
}

const kindStatus = (live: LiveCluster, kind: string) => live.status().kinds.find((k) => k.kind === kind);

describe('following a live cluster', () => {
  it('syncs every present kind before it is ready, with the initial policies in the change log', async () => {
    const { live, verdict, changes } = await followShop(FULL_CLUSTER);
    const status = live.status();
    expect(status.ready).toBe(true);
    expect(status.warnings).toEqual([]);
    expect(kindStatus(live, 'Pod')).toMatchObject({ state: 'synced', apiVersion: 'v1', objects: 3 });
    expect(kindStatus(live, 'GlobalNetworkPolicy.projectcalico.org')?.apiVersion).toBe('projectcalico.org/v3');
    expect(kindStatus(live, 'Pod')?.lastEventTime).toBeGreaterThan(0);
    expect(verdict(shopFlow('web'))).toBe('Allow');
    expect(verdict(shopFlow('other'))).toBe('Deny');
    expect((await changes()).map((c) => [c.op, c.kind, c.namespace, c.name])).toEqual([
      ['added', 'KubernetesNetworkPolicy', 'shop', 'api-from-web'],
    ]);
  });

  it('a pod created or relabelled changes verdicts without a relist', async () => {
    const { emulator, live, verdict } = await followShop(FULL_CLUSTER);
    expect(verdict(shopFlow('newbie'))).toBe('unknown-endpoint');
    emulator.apply(pod('shop', 'newbie', '10.0.0.4', { app: 'web' }));
    await eventually(() => expect(verdict(shopFlow('newbie'))).toBe('Allow'));
    emulator.apply(pod('shop', 'other', '10.0.0.3', { app: 'web' }));
    await eventually(() => expect(verdict(shopFlow('other'))).toBe('Allow'));
    emulator.remove('v1', 'Pod', 'shop', 'newbie');
    await eventually(() => expect(verdict(shopFlow('newbie'))).toBe('unknown-endpoint'));
    expect(kindStatus(live, 'Pod')).toMatchObject({ relists: 0, objects: 3 });
  });

  it('a policy added, changed and deleted changes verdicts and is logged with its diff', async () => {
    const { emulator, verdict, changes } = await followShop(FULL_CLUSTER);
    const deny = globalDeny('projectcalico.org/v3', 'deny-api', 'api');
    emulator.apply(deny);
    await eventually(() => expect(verdict(shopFlow('web'))).toBe('Deny'));
    emulator.apply({ ...deny, spec: { ...deny.spec, selector: "app == 'nothing'" } });
    await eventually(() => expect(verdict(shopFlow('web'))).toBe('Allow'));
    emulator.remove('projectcalico.org/v3', 'GlobalNetworkPolicy', undefined, 'deny-api');
    await eventually(async () => {
      const log = (await changes()).filter((c) => c.name === 'deny-api');
      expect(log.map((c) => c.op)).toEqual(['added', 'modified', 'deleted']);
    });
    const log = (await changes()).filter((c) => c.name === 'deny-api');
    expect(log.every((c) => c.kind === 'GlobalNetworkPolicy' && c.namespace === '')).toBe(true);
    expect(Number(log[1]!.resourceVersion)).toBeGreaterThan(Number(log[0]!.resourceVersion));
    expect(log[1]!.diff).toContain("-  selector: app == 'api'");
    expect(log[1]!.diff).toContain("+  selector: app == 'nothing'");
    expect(log[1]!.before).toMatchObject({ spec: { selector: "app == 'api'" } });
    expect(log[2]!.after).toBeNull();
    expect(verdict(shopFlow('web'))).toBe('Allow');
    expect(verdict(shopFlow('other'))).toBe('Deny');
  });

  it('a dropped watch resumes from its resourceVersion and misses nothing made meanwhile', async () => {
    const { emulator, live, verdict, changes } = await followShop(FULL_CLUSTER);
    const watchesBefore = emulator.watchRequests.length;
    emulator.dropWatches();
    emulator.apply(globalDeny('projectcalico.org/v3', 'deny-api', 'api'));
    await eventually(() => expect(verdict(shopFlow('web'))).toBe('Deny'));
    await eventually(async () => expect((await changes()).map((c) => c.name)).toContain('deny-api'));
    const resumed = emulator.watchRequests.slice(watchesBefore);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((w) => w.resourceVersion !== null && w.resourceVersion !== '' && w.bookmarks)).toBe(true);
    expect(live.status().kinds.every((k) => k.relists === 0)).toBe(true);
  });

  it('BOOKMARKs are asked for and a resumed watch starts from the bookmarked resourceVersion', async () => {
    const { emulator } = await followShop(FULL_CLUSTER);
    // A write of another kind moves the global resourceVersion past the last pod event.
    const moved = emulator.apply(namespace('elsewhere'));
    await eventually(() => expect(emulator.bookmarksSent).toBeGreaterThan(40));
    const watchesBefore = emulator.watchRequests.length;
    emulator.dropWatches();
    await eventually(() => {
      const pods = emulator.watchRequests.slice(watchesBefore).find((w) => w.path === '/api/v1/pods');
      expect(Number(pods?.resourceVersion)).toBeGreaterThanOrEqual(Number(moved.metadata?.resourceVersion));
    });
  });

  it('compaction forces a relist (410 Gone inside the watch) that also catches a delete made meanwhile', async () => {
    const { emulator, live, verdict, changes } = await followShop(FULL_CLUSTER, (e) =>
      e.apply(globalDeny('projectcalico.org/v3', 'deny-api', 'api')),
    );
    expect(verdict(shopFlow('web'))).toBe('Deny');
    emulator.dropWatches();
    emulator.remove('projectcalico.org/v3', 'GlobalNetworkPolicy', undefined, 'deny-api');
    emulator.apply(pod('shop', 'other', '10.0.0.3', { app: 'web' }));
    emulator.compact();
    await eventually(() => {
      expect(verdict(shopFlow('web'))).toBe('Allow');
      expect(verdict(shopFlow('other'))).toBe('Allow');
    });
    await eventually(async () =>
      expect((await changes()).filter((c) => c.name === 'deny-api').map((c) => c.op)).toEqual(['added', 'deleted']),
    );
    expect(kindStatus(live, 'GlobalNetworkPolicy.projectcalico.org')!.relists).toBeGreaterThan(0);
    expect(kindStatus(live, 'Pod')!.relists).toBeGreaterThan(0);
    // And an open watch told 410 relists too.
    const relists = kindStatus(live, 'Pod')!.relists;
    emulator.compact();
    await eventually(() => expect(kindStatus(live, 'Pod')!.relists).toBeGreaterThan(relists));
    emulator.apply(pod('shop', 'late', '10.0.0.9', { app: 'web' }));
    await eventually(() => expect(verdict(shopFlow('late'))).toBe('Allow'));
  });

  it('without the Calico API server, Calico kinds come from the crd.projectcalico.org CRDs', async () => {
    const { emulator, live, verdict, changes } = await followShop(CRDS_ONLY);
    expect(kindStatus(live, 'GlobalNetworkPolicy.projectcalico.org')).toMatchObject({
      apiVersion: 'crd.projectcalico.org/v1',
      state: 'synced',
    });
    emulator.apply(globalDeny('crd.projectcalico.org/v1', 'deny-api', 'api'));
    await eventually(() => expect(verdict(shopFlow('web'))).toBe('Deny'));
    await eventually(async () =>
      expect((await changes()).find((c) => c.name === 'deny-api')).toMatchObject({
        op: 'added',
        kind: 'GlobalNetworkPolicy',
      }),
    );
    expect(live.status().warnings).toEqual([
      expect.stringMatching(/^ClusterNetworkPolicy\.policy\.networking\.k8s\.io: not served/),
    ]);
  });

  it('without the AdminNetworkPolicy CRDs the absent kinds are warnings, not failures', async () => {
    const { emulator, live, verdict } = await followShop(NO_ADMIN_POLICIES);
    const status = live.status();
    expect(status.ready).toBe(true);
    expect(status.kinds.filter((k) => k.state === 'absent').map((k) => k.kind)).toEqual([
      'AdminNetworkPolicy.policy.networking.k8s.io',
      'BaselineAdminNetworkPolicy.policy.networking.k8s.io',
      'ClusterNetworkPolicy.policy.networking.k8s.io',
    ]);
    expect(status.warnings).toHaveLength(3);
    expect(() => emulator.apply(adminDeny('deny-api', 'api'))).toThrow(/does not serve/);
    emulator.apply(globalDeny('projectcalico.org/v3', 'deny-api', 'api'));
    await eventually(() => expect(verdict(shopFlow('web'))).toBe('Deny'));
  });

  it('AdminNetworkPolicy from the watch takes part in verdicts where the Calico release enforces it', async () => {
    const { emulator, verdict } = await followShop(FULL_CLUSTER, () => {}, '3.31');
    emulator.apply(adminDeny('deny-api', 'api'));
    await eventually(() => expect(verdict(shopFlow('web'))).toBe('Deny'));
  });

  it('reproduces the Calico release ClusterInformation names, read through the API server or the CRDs', async () => {
    const { emulator, live, verdict } = await followShop(FULL_CLUSTER, (e) =>
      e.apply(clusterInformation('projectcalico.org/v3', 'v3.31.2')),
    );
    expect(live.status().calico).toEqual({ version: '3.31', from: 'cluster', release: 'v3.31.2' });
    emulator.apply(adminDeny('deny-api', 'api'));
    await eventually(() => expect(verdict(shopFlow('web'))).toBe('Deny'));
    await open?.close();
    open = undefined;
    const crds = await followShop(CRDS_ONLY, (e) => e.apply(clusterInformation('crd.projectcalico.org/v1', 'v3.32.0')));
    expect(crds.live.status().calico).toEqual({ version: '3.32', from: 'cluster', release: 'v3.32.0' });
    // 3.32 no longer enforces AdminNetworkPolicy: loaded, but it decides nothing.
    crds.emulator.apply(adminDeny('deny-api', 'api'));
    await eventually(() =>
      expect(crds.live.status().kinds.find((k) => k.kind.startsWith('AdminNetworkPolicy'))?.objects).toBe(1),
    );
    expect(crds.verdict(shopFlow('web'))).toBe('Allow');
  });

  it('without ClusterInformation: 3.31 when the v1alpha1 admin API is served, else the newest; a stated release wins', async () => {
    const admin = await followShop(FULL_CLUSTER);
    expect(admin.live.status().calico).toEqual({ version: '3.31', from: 'admin-api' });
    await open?.close();
    const plain = await followShop(NO_ADMIN_POLICIES);
    expect(plain.live.status().calico).toEqual({ version: '3.33', from: 'default' });
    await open?.close();
    const stated = await followShop(
      FULL_CLUSTER,
      (e) => e.apply(clusterInformation('projectcalico.org/v3', 'v3.31.0')),
      '3.33',
    );
    expect(stated.live.status().calico).toEqual({ version: '3.33', from: 'flag' });
  });

  it('a wrong bearer token is a clear error before anything starts', async () => {
    const emulator = await startApiEmulator({ resources: servedResources(FULL_CLUSTER), tls, token: 'right' });
    try {
      emulator.writeKubeconfig(file('kubeconfig-wrong'), { ca: tls.ca });
      const text = readFileSync(file('kubeconfig-wrong'), 'utf8').replace('"token": "right"', '"token": "wrong"');
      writeFileSync(file('kubeconfig-wrong'), text);
      await expect(
        startLiveCluster({ kubeConfig: loadKubeConfig({ file: file('kubeconfig-wrong') }) }),
      ).rejects.toThrow(ClusterUnreachable);
      await expect(
        startLiveCluster({ kubeConfig: loadKubeConfig({ file: file('kubeconfig-wrong') }) }),
      ).rejects.toThrow(/HTTP 401/);
    } finally {
      await emulator.close();
    }
  });
});
