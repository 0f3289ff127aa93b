// Follows a live cluster: discovery picks where each watched kind is served from, then one
// list+watch informer per kind (the official client's) feeds the mirror. The client's informer
// relists on 410 Gone and resumes a closed watch from its resourceVersion itself; when a watch or
// list fails otherwise it stops, so it is restarted here with backoff.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { type Informer, KubeConfig, type KubernetesObject, makeInformer } from '@kubernetes/client-node';
import { type CalicoVersion, calicoVersionOfRelease, DEFAULT_CALICO_VERSION, type Evaluator } from '@verdict/engine';
import type { PolicyChangeInput } from '@verdict/flows';
import { changeIdentity, type ListedResources } from './changelog.ts';
import {
  CLUSTER_INFORMATION,
  collectionPath,
  groupVersionPath,
  type KindSource,
  kindKey,
  sourceApiVersion,
  WATCHED_KINDS,
  type WatchedKind,
} from './kinds.ts';
import { createClusterMirror, type MirrorBatch } from './mirror.ts';
import { changeKindOf, type KubeObject, type WatchEventType } from './reduce.ts';

export type KindState = 'absent' | 'listing' | 'synced' | 'retrying';

export interface KindStatus {
  /** `Pod`, `NetworkPolicy.networking.k8s.io`, `GlobalNetworkPolicy.projectcalico.org`. */
  kind: string;
  /** Where it is read from; null when absent. */
  apiVersion: string | null;
  state: KindState;
  objects: number;
  events: number;
  relists: number;
  /** Unix milliseconds of the last event; null before the first. */
  lastEventTime: number | null;
  /** The last failure while retrying, or why the kind is absent. */
  message?: string;
}

export interface ClusterStatus {
  source: 'kubernetes';
  /** The API server's address. */
  server: string;
  /** True once every present kind has synced (listed and applied) at least once. */
  ready: boolean;
  kinds: KindStatus[];
  /** One line per absent kind or kind in trouble, for /readyz and the UI header. */
  warnings: string[];
  /** Milliseconds from an event's arrival to the engine having it, for the last batch. */
  lagMs: number;
  calico: CalicoMode;
}

/** Where the reproduced Calico release came from: the flag, ClusterInformation, the admin API served, or the default. */
export type CalicoVersionOrigin = 'flag' | 'cluster' | 'admin-api' | 'default';

export interface CalicoMode {
  version: CalicoVersion;
  from: CalicoVersionOrigin;
  /** The release as ClusterInformation reports it (`v3.32.1`), when read. */
  release?: string;
}

export interface LiveClusterOptions {
  kubeConfig: KubeConfig;
  kinds?: readonly WatchedKind[];
  /** Receives change-log entries for policies, tiers and network sets, in order. */
  onChanges?: (changes: PolicyChangeInput[]) => void;
  /** Called after every applied batch, for metrics. */
  onBatch?: (batch: MirrorBatch) => void;
  /** Called once, when every present kind has first synced: what the lists showed, for the change log. */
  onFirstSync?: (listed: ListedResources) => void;
  /** Called for every watch event (list items count as ADDED), with the kind's key, for metrics. */
  onEvent?: (kind: string, type: WatchEventType) => void;
  log?: { info(message: string, fields?: object): void; warn(message: string, fields?: object): void };
  /** The Calico release reproduced; when absent, detected (ClusterInformation, else the admin API served), else the newest. */
  calicoVersion?: CalicoVersion;
  /** First and largest retry delay after a failed list or watch; default 500 ms and 30 s. */
  retryMs?: { min: number; max: number };
}

export interface LiveCluster {
  evaluator(): Evaluator;
  status(): ClusterStatus;
  /** Resolves when every present kind has synced. */
  synced(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by startLiveCluster when the API server cannot be reached or refuses discovery. */
export class ClusterUnreachable extends Error {
  override readonly name = 'ClusterUnreachable';
}

/** Loads a kubeconfig: the file given (else KUBECONFIG, ~/.kube/config, or the in-cluster service account), then the context. */
export function loadKubeConfig(options: { file?: string; context?: string; inCluster?: boolean }): KubeConfig {
  const config = new KubeConfig();
  if (options.inCluster) config.loadFromCluster();
  else if (options.file) config.loadFromFile(options.file);
  else config.loadFromDefault();
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new Error(`context "${options.context}" is not in the kubeconfig (it has: ${known.join(', ') || 'none'})`);
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentCluster()) throw new Error('the kubeconfig names no current cluster');
  return config;
}

const LIST_PAGE = 500;

/** A GET through the kubeconfig's TLS and credentials; the body parsed as JSON. */
async function getJson(config: KubeConfig, path: string): Promise<{ status: number; body: unknown }> {
  const server = config.getCurrentCluster()?.server ?? '';
  const url = new URL(server.replace(/\/$/, '') + path);
  const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
  await config.applyToHTTPSOptions(options);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${path}: no answer in 30 s`)));
    req.end();
  });
}

interface ApiResourceList {
  resources?: { name?: string; kind?: string }[];
}

/** Which source serves each kind, by discovery; a kind none serves is absent. */
async function discover(config: KubeConfig, kinds: readonly WatchedKind[]): Promise<Map<WatchedKind, KindSource>> {
  const found = new Map<WatchedKind, KindSource>();
  const resourceLists = new Map<string, Set<string> | undefined>();
  const resourcesOf = async (source: KindSource) => {
    const key = sourceApiVersion(source);
    if (!resourceLists.has(key)) {
      const { status, body } = await getJson(config, groupVersionPath(source));
      if (status === 401 || status === 403)
        throw new ClusterUnreachable(
          `discovery of ${key} was refused (HTTP ${status}); check the kubeconfig's credentials`,
        );
      const names =
        status === 200 ? new Set(((body as ApiResourceList).resources ?? []).map((r) => r.name ?? '')) : undefined;
      resourceLists.set(key, names);
    }
    return resourceLists.get(key);
  };
  for (const watched of kinds) {
    for (const source of watched.sources) {
      if ((await resourcesOf(source))?.has(watched.plural)) {
        found.set(watched, source);
        break;
      }
    }
  }
  return found;
}

/**
 * The release to reproduce: the one stated; else ClusterInformation's `spec.calicoVersion`; else,
 * when the v1alpha1 admin policies are served, 3.31 (the last release enforcing them); else the newest.
 */
async function calicoModeOf(
  config: KubeConfig,
  sources: ReadonlyMap<WatchedKind, KindSource>,
  stated: CalicoVersion | undefined,
): Promise<CalicoMode> {
  if (stated) return { version: stated, from: 'flag' };
  for (const source of CLUSTER_INFORMATION.sources) {
    const path = `${collectionPath(CLUSTER_INFORMATION, source)}/${CLUSTER_INFORMATION.name}`;
    const release = await getJson(config, path).then(
      ({ status, body }) => (status === 200 ? (body as ClusterInformation)?.spec?.calicoVersion : undefined),
      () => undefined,
    );
    const version = typeof release === 'string' ? calicoVersionOfRelease(release) : undefined;
    if (version && typeof release === 'string') return { version, from: 'cluster', release };
  }
  const admin = [...sources.values()].some((s) => s.group === 'policy.networking.k8s.io' && s.version === 'v1alpha1');
  return admin ? { version: '3.31', from: 'admin-api' } : { version: DEFAULT_CALICO_VERSION, from: 'default' };
}

interface ClusterInformation {
  spec?: { calicoVersion?: unknown };
}

interface KindRuntime {
  watched: WatchedKind;
  source: KindSource | undefined;
  informer: Informer<KubernetesObject> | undefined;
  state: KindState;
  events: number;
  lists: number;
  lastEventTime: number | null;
  message: string | undefined;
  retryDelay: number;
  retryTimer: NodeJS.Timeout | undefined;
}

/** Starts following the cluster; resolves once discovery is done (not when synced: see `synced()`). */
export async function startLiveCluster(options: LiveClusterOptions): Promise<LiveCluster> {
  const { kubeConfig: config } = options;
  const kinds = options.kinds ?? WATCHED_KINDS;
  const retry = options.retryMs ?? { min: 500, max: 30_000 };
  const server = config.getCurrentCluster()?.server ?? '';
  let sources: Map<WatchedKind, KindSource>;
  try {
    sources = await discover(config, kinds);
  } catch (error) {
    if (error instanceof ClusterUnreachable) throw error;
    throw new ClusterUnreachable(`cannot reach the API server at ${server}: ${(error as Error).message}`);
  }
  const calico = await calicoModeOf(config, sources, options.calicoVersion);
  if (calico.from !== 'flag') options.log?.info('Calico release detected', { ...calico });
  const mirror = createClusterMirror({ calicoVersion: calico.version });
  let closed = false;
  let lagMs = 0;
  const waiters: (() => void)[] = [];
  let flushScheduled = false;
  /** Change-log identities of the policies, tiers and network sets currently held. */
  const present = new Set<string>();

  const runtimes: KindRuntime[] = kinds.map((watched) => ({
    watched,
    source: sources.get(watched),
    informer: undefined,
    state: sources.has(watched) ? 'listing' : 'absent',
    events: 0,
    lists: 0,
    lastEventTime: null,
    message: sources.has(watched)
      ? undefined
      : `not served by the API server (looked in ${watched.sources.map(sourceApiVersion).join(', ')})`,
    retryDelay: retry.min,
    retryTimer: undefined,
  }));

  const isReady = () =>
    runtimes.every((r) => r.state === 'absent' || r.lists > 0) && !runtimes.some((r) => r.state === 'listing');

  function flush(): void {
    flushScheduled = false;
    if (closed || mirror.pending === 0) return;
    const batch = mirror.flush();
    lagMs = batch.lag;
    for (const { object, issue } of batch.issues)
      options.log?.warn('cluster object not used', {
        object,
        code: issue.code,
        path: issue.path,
        message: issue.message,
      });
    for (const change of batch.changes) {
      if (change.op === 'deleted') present.delete(changeIdentity(change));
      else present.add(changeIdentity(change));
    }
    if (batch.changes.length > 0) options.onChanges?.(batch.changes);
    options.onBatch?.(batch);
  }
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  };
  let firstSync = true;
  const checkReady = () => {
    if (!isReady()) return;
    if (firstSync) {
      firstSync = false;
      const kinds = new Set(runtimes.filter((r) => r.state === 'synced').map((r) => changeKindOf(r.watched)));
      options.onFirstSync?.({ kinds, present: new Set(present), time: Date.now() });
    }
    for (const resolve of waiters.splice(0)) resolve();
  };

  function start(runtime: KindRuntime): void {
    const { watched, source } = runtime;
    if (!source) return;
    const apiVersion = sourceApiVersion(source);
    const path = collectionPath(watched, source);
    const list = async () => {
      const items: KubernetesObject[] = [];
      let token: string | undefined;
      let resourceVersion = '';
      do {
        const query = `?limit=${LIST_PAGE}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
        const { status, body } = await getJson(config, path + query);
        if (status !== 200) {
          const error = new Error(`list ${path}: HTTP ${status}`) as Error & { statusCode: number };
          error.statusCode = status;
          throw error;
        }
        const page = body as { items?: KubernetesObject[]; metadata?: { resourceVersion?: string; continue?: string } };
        items.push(...(page.items ?? []));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        token = page.metadata?.continue || undefined;
      } while (token);
      runtime.lists++;
      // The informer applies the items right after this resolves; the kind is synced once they are flushed.
      setImmediate(() => {
        flush();
        if (runtime.state !== 'synced')
          options.log?.info('cluster kind synced', { kind: kindKey(watched), objects: items.length });
        runtime.state = 'synced';
        runtime.message = undefined;
        runtime.retryDelay = retry.min;
        checkReady();
      });
      return { apiVersion, kind: `${watched.kind}List`, items, metadata: { resourceVersion } };
    };
    // Bookmarks are asked for in the path: the client adds watch and resourceVersion to it.
    const informer = makeInformer(config, `${path}?allowWatchBookmarks=true`, list);
    const onEvent = (type: WatchEventType) => (object: KubernetesObject) => {
      runtime.events++;
      runtime.lastEventTime = Date.now();
      options.onEvent?.(kindKey(watched), type);
      mirror.push(watched, apiVersion, { type, object: object as KubeObject });
      scheduleFlush();
    };
    informer.on('add', onEvent('ADDED'));
    informer.on('update', onEvent('MODIFIED'));
    informer.on('delete', onEvent('DELETED'));
    informer.on('error', (error?: unknown) => {
      if (closed) return;
      const message = error instanceof Error ? error.message : String(error);
      runtime.message = message;
      if (runtime.state === 'synced') runtime.state = 'retrying';
      const delay = runtime.retryDelay;
      runtime.retryDelay = Math.min(retry.max, runtime.retryDelay * 2);
      options.log?.warn('cluster watch failed; retrying', { kind: kindKey(watched), message, retryInMs: delay });
      runtime.retryTimer = setTimeout(() => {
        runtime.retryTimer = undefined;
        if (!closed) void informer.start().catch(() => {});
      }, delay);
    });
    runtime.informer = informer;
    void informer.start().catch(() => {});
  }

  for (const runtime of runtimes) start(runtime);
  for (const runtime of runtimes)
    if (runtime.state === 'absent')
      options.log?.warn('cluster kind absent', { kind: kindKey(runtime.watched), message: runtime.message });

  return {
    evaluator: () => mirror.evaluator(),
    status() {
      const counts = mirror.counts();
      const kindsStatus = runtimes.map(
        (r): KindStatus => ({
          kind: kindKey(r.watched),
          apiVersion: r.source ? sourceApiVersion(r.source) : null,
          state: r.state,
          objects: counts[kindKey(r.watched)] ?? 0,
          events: r.events,
          relists: Math.max(0, r.lists - 1),
          lastEventTime: r.lastEventTime,
          ...(r.message ? { message: r.message } : {}),
        }),
      );
      return {
        source: 'kubernetes',
        server,
        ready: isReady(),
        kinds: kindsStatus,
        warnings: kindsStatus
          .filter((k) => k.state === 'absent' || k.state === 'retrying' || (k.state === 'listing' && k.message))
          .map((k) => `${k.kind}: ${k.state === 'absent' ? '' : `${k.state}: `}${k.message ?? ''}`),
        lagMs,
        calico,
      };
    },
    synced() {
      if (isReady()) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      closed = true;
      for (const runtime of runtimes) {
        if (runtime.retryTimer) clearTimeout(runtime.retryTimer);
        await runtime.informer?.stop();
      }
      // The client's stop() cannot abort a watch whose response has not arrived yet; stop again after it has.
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const runtime of runtimes) await runtime.informer?.stop();
    },
  };
}
