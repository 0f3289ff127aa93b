// `verdict serve`: loads the cluster, opens the store, starts the ingest pipeline, the HTTP and gRPC
// servers and (for the demo) the traffic generator; stops them in reverse order.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { isIPv4 } from 'node:net';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { type ServerType, serve } from '@hono/node-server';
import {
  type ClusterSourceConfig,
  createChangeRecorder,
  readManifestFiles,
  startClusterSource,
} from '@verdict/cluster';
import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { type ClusterState, type Evaluator, type Issue, loadResources } from '@verdict/engine';
import {
  type ClickHouseFlowStore,
  createSqliteStore,
  createStore,
  type SqliteFlowStore,
  type StoreConfig,
  type VerdictFlowStore,
} from '@verdict/flows';
import { type AccessOptions, openTokenFile, type TokenFile, TokenFileError } from './access/index.ts';
import { createApp } from './app.ts';
import type { ServeConfig } from './config.ts';
import { DNS_ANSWERS_FILE, DnsAnswers } from './dns/index.ts';
import {
  createGoldmaneService,
  fileCursorStore,
  GOLDMANE_CURSOR_FILE,
  GOLDMANE_SERVER_OPTIONS,
  type GoldmaneTail,
  memoryCursorStore,
  startGoldmaneTail,
} from './goldmane/index.ts';
import { type ReloadingCredentials, reloadingServerCredentials } from './grpc-tls.ts';
import {
  classifyStorageError,
  corruptFault,
  createStoreHealth,
  type DataLock,
  lockDataFolder,
  StartupError,
  type StoreHealth,
} from './health/index.ts';
import { createIngestPipeline, type IngestPipeline } from './ingest/index.ts';
import type { Logger } from './log.ts';
import {
  createMetrics,
  registerClusterMetrics,
  registerGoldmaneCollectorMetrics,
  registerGoldmaneTailMetrics,
  registerStoreBufferMetrics,
} from './metrics/index.ts';

/** Request line and headers, in bytes (Node's default is 16 KiB). */
const HTTP_MAX_HEADER_BYTES = 64 * 1024;

export interface RunningVerdict {
  httpUrl: string;
  /** `host:port`, or undefined when gRPC is off. */
  grpcAddress: string | undefined;
  store: VerdictFlowStore;
  pipeline: IngestPipeline;
  evaluator: () => Evaluator;
  /** Manifest problems found while loading the cluster. */
  issues: readonly Issue[];
  /** Stops accepting, writes what is queued, closes streams and the store. */
  close(): Promise<void>;
}

/** How much demo history is generated at start so the UI has something to show at once. */
const DEMO_BACKFILL_SECONDS = 10 * 60;
const DEMO_TICK_MS = 5_000;

export function loadClusterState(config: ServeConfig): { state: ClusterState; issues: Issue[] } {
  const sources = config.cluster.length === 0 ? demoClusterFiles() : readManifestFiles(config.cluster);
  return loadResources(sources, config.calicoVersion ? { calicoVersion: config.calicoVersion } : {});
}

function sourceConfig(config: ServeConfig): ClusterSourceConfig {
  if (config.kubeconfig !== undefined || config.inCluster)
    return {
      kind: 'kubernetes',
      ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
      ...(config.kubeContext ? { context: config.kubeContext } : {}),
      ...(config.inCluster ? { inCluster: true } : {}),
    };
  return config.cluster.length === 0 ? { kind: 'demo' } : { kind: 'files', paths: config.cluster };
}

/** Whether `host` names this machine's loopback interface only. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name === '::1') return true;
  const v4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  return isIPv4(v4) && v4.startsWith('127.');
}

/**
 * Why this configuration must not start, or undefined: off loopback, HTTP needs an auth mode and gRPC
 * needs mutual TLS (Felix and whisker-backend present client certificates; they send no tokens).
 */
export function exposureProblem(config: ServeConfig): string | undefined {
  const authenticated = config.authTokenFile !== undefined || config.trustProxyUserHeader !== undefined;
  if (!isLoopbackHost(config.httpHost) && !authenticated)
    return `--http-host ${config.httpHost} is reachable from other machines, and nothing would check who calls: add --auth-token-file <file> (bearer tokens) or --trust-proxy-user-header X-Forwarded-User (behind an authenticating proxy), or serve on 127.0.0.1`;
  if (config.grpcPort >= 0 && !isLoopbackHost(config.grpcHost) && config.grpcTlsCa === undefined)
    return `--grpc-host ${config.grpcHost} is reachable from other machines, and anyone could push flows: add --grpc-tls-cert, --grpc-tls-key and --grpc-tls-ca (mutual TLS, as Felix connects to Goldmane), or serve gRPC on 127.0.0.1`;
  return undefined;
}

/** The access options of the HTTP server; an unreadable or invalid token file is a start-up failure. */
function accessOptions(config: ServeConfig, log: Logger): AccessOptions {
  let tokens: TokenFile | undefined;
  if (config.authTokenFile !== undefined) {
    try {
      tokens = openTokenFile(config.authTokenFile, {
        onReload: (count) => log.info('token file re-read', { file: config.authTokenFile, tokens: count }),
        onReloadError: (message) => log.warn('token file not re-read', { cause: message }),
      });
    } catch (e) {
      if (e instanceof TokenFileError) throw new StartupError(`--auth-token-file ${e.message}`);
      throw e;
    }
  }
  const split = (values: readonly string[]) =>
    values
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter(Boolean);
  return {
    ...(tokens ? { tokens } : {}),
    ...(config.trustProxyUserHeader !== undefined
      ? {
          proxy: {
            userHeader: config.trustProxyUserHeader.toLowerCase(),
            groupsHeader: config.trustProxyGroupsHeader.toLowerCase(),
            writeUsers: split(config.writeUsers),
            writeGroups: split(config.writeGroups),
          },
        }
      : {}),
    allowWrites: config.allowWrites,
    secureCookie: config.httpTlsCert !== undefined,
  };
}

export async function startVerdict(config: ServeConfig, log: Logger): Promise<RunningVerdict> {
  const problem = exposureProblem(config);
  if (problem) throw new StartupError(problem);
  const access = accessOptions(config, log);
  if (access.tokens || access.proxy)
    log.info('access control on', {
      mode: [access.tokens ? 'tokens' : '', access.proxy ? 'proxy' : ''].filter(Boolean).join('+'),
      writes: config.allowWrites ? 'write role' : 'off',
    });
  // TLS when a certificate is configured (mutual when a client CA is too), plaintext otherwise; checked before anything starts.
  const grpcTls: ReloadingCredentials | undefined =
    config.grpcPort >= 0 && config.grpcTlsCert && config.grpcTlsKey
      ? await reloadingServerCredentials(
          {
            cert: config.grpcTlsCert,
            key: config.grpcTlsKey,
            ...(config.grpcTlsCa ? { ca: config.grpcTlsCa } : {}),
            reloadSeconds: config.grpcTlsReload,
          },
          ({ ok, message }) => (ok ? log.info(message) : log.error(message)),
        )
      : undefined;
  const { store, lock, health } = openStore(config, log);
  if (store.kind === 'clickhouse') {
    log.info('opening the ClickHouse store', { url: config.clickhouseUrl, database: config.clickhouseDatabase });
    await (store as ClickHouseFlowStore).ready;
  }
  const metrics = createMetrics();
  if (store.kind === 'clickhouse') {
    const clickhouse = store as ClickHouseFlowStore;
    const limitBytes = config.clickhouseBufferMb * 2 ** 20;
    registerStoreBufferMetrics(metrics.registry, () => ({
      ...clickhouse.spooled,
      limitBytes,
      writable: clickhouse.writable,
    }));
  }
  const live = sourceConfig(config).kind === 'kubernetes';
  const watchMetrics = live ? registerClusterMetrics(metrics.registry, () => source.status()) : undefined;
  const recorder = createChangeRecorder(store, (error) =>
    log.warn('policy change not logged', { error: error.message }),
  );
  let source: Awaited<ReturnType<typeof startClusterSource>>;
  try {
    source = await startClusterSource(sourceConfig(config), {
      ...(config.calicoVersion ? { calicoVersion: config.calicoVersion } : {}),
      onChanges: (changes) => recorder.record(changes),
      onFirstSync: (listed) => recorder.recordAbsent(listed),
      ...(watchMetrics ? { onEvent: watchMetrics.watchEvent } : {}),
      log: {
        info: (message, fields) => log.info(message, { ...fields }),
        warn: (message, fields) => log.warn(message, { ...fields }),
      },
    });
  } catch (error) {
    lock?.release();
    await store.close();
    throw error;
  }
  const { issues } = source;
  const state = source.initial;
  const evaluator = () => source.evaluator();
  for (const issue of issues) {
    if (issue.severity === 'error' || issue.code === 'not-enforced' || issue.code === 'unsupported-peer')
      log.warn('manifest problem', { ...issue });
  }
  log.info('cluster loaded', {
    source:
      source.status().source === 'kubernetes'
        ? source.status().server
        : config.cluster.length
          ? config.cluster
          : 'embedded demo',
    namespaces: state.namespaces.length,
    pods: state.pods.length,
    policies: state.policies.length,
    errors: issues.filter((issue) => issue.severity === 'error').length,
  });
  const pipeline = createIngestPipeline({
    store,
    evaluator,
    log,
    acceptedStarts: () => store.acceptedStarts(),
    health,
    onDrop: (source, reason, count) => metrics.ingestDropped(source, reason, count),
    onStored: (source, count) => metrics.ingestStored(source, count),
  });
  let ready = false;
  // DNS answers live beside the SQLite file (or in the data folder for ClickHouse); a memory store keeps them in memory too.
  const dnsFolder =
    store.kind === 'sqlite' ? dirname(config.db) : store.kind === 'clickhouse' ? config.dataDir : undefined;
  if (dnsFolder !== undefined) mkdirSync(dnsFolder, { recursive: true });
  const dns = new DnsAnswers({
    retentionSeconds: config.retentionDays * 86_400,
    ...(dnsFolder !== undefined ? { file: join(dnsFolder, DNS_ANSWERS_FILE) } : {}),
    warn: (message) => log.warn(message),
  });
  const app = createApp({
    store,
    evaluator,
    dns,
    clusterStatus: () => source.status(),
    ...(config.goldmane !== undefined ? { goldmaneTail: () => tail?.status() } : {}),
    pipeline,
    metrics,
    log,
    cors: config.cors,
    webDir: config.webDir,
    ...(config.streamBuffer !== undefined ? { streamBuffer: config.streamBuffer } : {}),
    ready: () => ready,
    writable: () => store.kind !== 'clickhouse' || (store as ClickHouseFlowStore).writable,
    health,
    access,
    allowedHosts: [
      ...config.allowedHosts,
      ...(config.httpHost === '0.0.0.0' || config.httpHost === '::' ? [] : [config.httpHost]),
    ],
  });

  const http = await new Promise<ServerType>((resolve, reject) => {
    // Room in the request line for a filter at its size limit (FILTER_LIST_LIMIT entries), so that it
    // gets a 400 naming the limit rather than a bare 431.
    const maxHeaderSize = HTTP_MAX_HEADER_BYTES;
    const tls =
      config.httpTlsCert !== undefined && config.httpTlsKey !== undefined
        ? {
            createServer: createHttpsServer,
            serverOptions: {
              maxHeaderSize,
              cert: readStartupFile(config.httpTlsCert, '--http-tls-cert'),
              key: readStartupFile(config.httpTlsKey, '--http-tls-key'),
            },
          }
        : { serverOptions: { maxHeaderSize } };
    const server = serve({ fetch: app.fetch, hostname: config.httpHost, port: config.httpPort, ...tls }, () =>
      resolve(server),
    );
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new StartupError(
          `--http-port ${config.httpPort} on ${config.httpHost}: ${e.code === 'EADDRINUSE' ? 'the port is in use; stop what holds it or choose another --http-port' : e.message}`,
        ),
      ),
    );
  }).catch(async (e: unknown) => {
    lock?.release();
    await store.close();
    throw e;
  });
  const httpAddress = http.address();
  const httpPort = typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.httpPort;

  let grpcServer: grpc.Server | undefined;
  let grpcAddress: string | undefined;
  const goldmane = createGoldmaneService({
    store,
    ingest: (flows) => pipeline.submitFlows(flows, 'felix'),
    log: toConsole(log),
    observer: {
      streamOpened: (api) => metrics.streamOpened(api),
      streamClosed: (api) => metrics.streamClosed(api),
      streamDropped: (api, count) => metrics.streamDropped(api, count),
      deduplicated: (count) => metrics.deduplicated('felix', count),
    },
  });
  registerGoldmaneCollectorMetrics(metrics.registry, () => goldmane.stats());
  if (config.grpcPort >= 0) {
    grpcServer = new grpc.Server(GOLDMANE_SERVER_OPTIONS);
    goldmane.addTo(grpcServer);
    const server = grpcServer;
    const credentials = grpcTls?.credentials ?? grpc.ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${config.grpcHost}:${config.grpcPort}`, credentials, (error, bound) => {
        if (!error) return resolve(bound);
        grpcTls?.close();
        reject(error);
      }),
    );
    grpcAddress = `${config.grpcHost}:${port}`;
  }

  const tail = config.goldmane === undefined ? undefined : startTail(config, config.goldmane, pipeline, store, log);
  if (tail) registerGoldmaneTailMetrics(metrics.registry, tail.status);

  // Generated traffic over a live cluster (to try Verdict against the API emulator) waits for the first sync.
  if (config.demoTraffic && source.status().source === 'kubernetes') {
    const until = Date.now() + 30_000;
    while (!source.status().ready && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  }
  const stopDemo = config.demoTraffic ? await startDemoTraffic(source.evaluator().state, pipeline, log) : () => {};
  const refreshGauges = setInterval(() => {
    void store.stats().then((stats) => metrics.storeSize(stats.rows, stats.bytes));
  }, 15_000);
  refreshGauges.unref();
  ready = true;

  // Bound to every address: the URL to open names loopback (a browser asking for 0.0.0.0 would fail the Host check).
  const urlHost = config.httpHost === '0.0.0.0' ? '127.0.0.1' : config.httpHost === '::' ? '::1' : config.httpHost;
  const httpUrl = `${config.httpTlsCert !== undefined ? 'https' : 'http'}://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${httpPort}`;
  lock?.describe(httpUrl);
  log.info('verdict is serving', {
    ui: `${httpUrl}/`,
    grpc: grpcAddress ?? 'off',
    store: config.store === 'sqlite' ? config.db : config.store === 'clickhouse' ? config.clickhouseUrl : 'memory',
  });

  let closing: Promise<void> | undefined;
  return {
    httpUrl,
    grpcAddress,
    store,
    pipeline,
    evaluator,
    issues,
    close() {
      closing ??= (async () => {
        ready = false;
        stopDemo();
        await tail?.close();
        await source.close();
        await recorder.settled();
        clearInterval(refreshGauges);
        goldmane.close();
        await new Promise<void>((resolve) => (grpcServer ? grpcServer.tryShutdown(() => resolve()) : resolve()));
        grpcTls?.close();
        if ('closeAllConnections' in http) http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await pipeline.drain();
        await store.close();
        lock?.release();
        log.info('verdict stopped');
      })();
      return closing;
    },
  };
}

/**
 * Opens the configured store. For SQLite: takes the data folder's lock, opens the file (every
 * failure a StartupError naming the file and the fix) and runs SQLite's quick check; a damaged file
 * still starts, not ready and refusing writes, so the operator can read what to do on /readyz.
 */
function openStore(
  config: ServeConfig,
  log: Logger,
): { store: VerdictFlowStore; lock: DataLock | undefined; health: StoreHealth } {
  const skew = { maxClockSkewSeconds: config.maxClockSkew, cluster: config.clusterName };
  if (config.store === 'memory') {
    return { store: createStore({ kind: 'memory', ...skew }), lock: undefined, health: createStoreHealth('memory') };
  }
  if (config.store === 'clickhouse') {
    return {
      store: createStore({ ...clickhouseConfig(config, log), ...skew }),
      lock: undefined,
      health: createStoreHealth(config.clickhouseUrl ?? 'clickhouse'),
    };
  }
  const folder = dirname(config.db);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw new StartupError(
      `${folder}: cannot create the data folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give Verdict a writable --data-dir`,
    );
  }
  const lock = lockDataFolder(folder);
  let store: SqliteFlowStore;
  try {
    store = createSqliteStore({ path: config.db, retentionDays: config.retentionDays, ...skew });
  } catch (e) {
    lock.release();
    const fault = classifyStorageError(e, config.db);
    if (fault) throw new StartupError(fault.message);
    throw new StartupError(`${config.db}: cannot open the flow database (${(e as Error).message})`);
  }
  const health = createStoreHealth(config.db, () => store.quickCheck());
  try {
    const problems = store.quickCheck();
    if (problems.length > 0) health.set(corruptFault(config.db, problems[0] as string));
  } catch (e) {
    const fault = classifyStorageError(e, config.db);
    if (!fault) throw e;
    health.set(fault);
  }
  const fault = health.fault();
  if (fault) log.error('flow database is not usable: not ready, writes refused', { cause: fault.message });
  return { store, lock, health };
}

/** A certificate or key file named by a setting; unreadable is a start-up failure naming both. */
function readStartupFile(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new StartupError(`${setting}: cannot read ${path}`);
  }
}

/** Tails Goldmane into the pipeline; the cursor lives beside the SQLite file (or in the data folder for ClickHouse). */
function startTail(
  config: ServeConfig,
  target: string,
  pipeline: IngestPipeline,
  store: VerdictFlowStore,
  log: Logger,
): GoldmaneTail {
  const folder = store.kind === 'sqlite' ? dirname(config.db) : config.dataDir;
  if (store.kind === 'clickhouse') mkdirSync(folder, { recursive: true });
  const cursor =
    store.kind === 'memory'
      ? memoryCursorStore()
      : fileCursorStore(join(folder, GOLDMANE_CURSOR_FILE), target, (message) => log.warn(message));
  const tls =
    config.goldmaneCa === undefined
      ? undefined
      : {
          ca: config.goldmaneCa,
          ...(config.goldmaneCert ? { cert: config.goldmaneCert } : {}),
          ...(config.goldmaneKey ? { key: config.goldmaneKey } : {}),
          ...(config.goldmaneServerName ? { serverName: config.goldmaneServerName } : {}),
        };
  if (!tls) log.warn('tailing Goldmane without TLS; give --goldmane-ca (and a client certificate) for a real cluster');
  return startGoldmaneTail({
    target,
    ...(tls ? { tls } : {}),
    store: (flows) => pipeline.submitFlows(flows, 'goldmane'),
    cursor,
    log: { info: (m, f) => log.info(m, { ...f }), warn: (m, f) => log.warn(m, { ...f }) },
  });
}

/** Replays the last minutes of demo traffic, then keeps generating it every few seconds. */
async function startDemoTraffic(state: ClusterState, pipeline: IngestPipeline, log: Logger): Promise<() => void> {
  const now = () => Math.floor(Date.now() / 1000);
  const generator = createTrafficGenerator({ cluster: state, seed: now(), now: now() - DEMO_BACKFILL_SECONDS });
  const push = async () => {
    try {
      await pipeline.submitRaw(generator.next(now()), 'demo');
    } catch (error) {
      log.warn('demo traffic not stored', { error: (error as Error).message });
    }
  };
  await push();
  const timer = setInterval(() => void push(), DEMO_TICK_MS);
  return () => clearInterval(timer);
}

function toConsole(log: Logger): Pick<Console, 'info' | 'warn' | 'error'> {
  const text = (args: unknown[]) => args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ');
  return {
    info: (...args: unknown[]) => log.info(text(args)),
    warn: (...args: unknown[]) => log.warn(text(args)),
    error: (...args: unknown[]) => log.error(text(args)),
  };
}

function clickhouseConfig(config: ServeConfig, log: Logger): StoreConfig & { kind: 'clickhouse' } {
  const password = config.clickhousePasswordFile
    ? readFileSync(config.clickhousePasswordFile, 'utf8').replace(/\r?\n$/, '')
    : undefined;
  return {
    kind: 'clickhouse',
    url: config.clickhouseUrl ?? 'http://127.0.0.1:8123',
    database: config.clickhouseDatabase,
    cluster: config.clusterName,
    retentionDays: config.retentionDays,
    spoolDir: join(config.dataDir, 'clickhouse-buffer'),
    spoolLimitBytes: config.clickhouseBufferMb * 2 ** 20,
    ...(config.clickhouseUser === undefined ? {} : { username: config.clickhouseUser }),
    ...(password === undefined ? {} : { password }),
    onRetry: (error, attempt) => log.warn('ClickHouse not reachable yet', { attempt, error: error.message }),
  };
}
