// `verdict serve` configuration: defaults, then a config file, then VERDICT_* environment variables,
// then flags. Every bad value is reported with where it came from and what was expected.
import { CALICO_VERSIONS, type CalicoVersion, type IssueCode, yamlTooDeep } from '@verdict/engine';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { LogLevel } from './log.ts';

export interface ServeConfig {
  /** Manifest files or folders; empty = the embedded demo cluster. */
  cluster: string[];
  store: 'memory' | 'sqlite' | 'clickhouse';
  dataDir: string;
  /** `http://host:8123`; required with the clickhouse store. */
  clickhouseUrl?: string;
  clickhouseDatabase: string;
  clickhouseUser?: string;
  /** File holding the ClickHouse password (kept out of flags and the environment). */
  clickhousePasswordFile?: string;
  /** Local disk buffer for flows while ClickHouse is unreachable, in MiB. */
  clickhouseBufferMb: number;
  /** The name flows of this Verdict carry in a shared store. */
  clusterName: string;
  /** SQLite file; defaults to `<dataDir>/verdict.db`. */
  db: string;
  retentionDays: number;
  httpHost: string;
  httpPort: number;
  grpcHost: string;
  /** 0 picks a free port; -1 turns the gRPC server off. */
  grpcPort: number;
  /** PEM files for gRPC TLS (as Felix expects of Goldmane); with `grpcTlsCa`, clients must present a certificate signed by it. */
  grpcTlsCert?: string;
  grpcTlsKey?: string;
  grpcTlsCa?: string;
  /** Seconds between re-reads of the gRPC TLS files: a rotated Secret reaches new connections, open streams stay. */
  grpcTlsReload: number;
  /** Generate the demo cluster's traffic (default: on when no cluster is given). */
  demoTraffic: boolean;
  cors: string[];
  logLevel: LogLevel;
  /** Directory of the built web UI. */
  webDir: string;
  /** How far ahead of this clock a flow may start (senders' clock skew), in seconds. */
  maxClockSkew: number;
  /** Flows queued per flow-stream client (SSE) before further ones are dropped and announced as a gap; absent: 20,000 on /api/v1, 10,000 on /whisker-backend. */
  streamBuffer?: number;
  /** Host header names the HTTP server answers to (DNS rebinding defence); loopback names are always allowed. */
  allowedHosts: string[];
  /** File of bearer tokens, one `<token> [read|write] [name]` per line; re-read when it changes. */
  authTokenFile?: string;
  /** The header an authenticating proxy puts the signed-in user in (`X-Forwarded-User`); trusted when set. */
  trustProxyUserHeader?: string;
  /** The proxy's header of the user's groups, comma-separated (with `trustProxyUserHeader`). */
  trustProxyGroupsHeader: string;
  /** Proxy users that hold the write role. */
  writeUsers: string[];
  /** Proxy groups whose members hold the write role. */
  writeGroups: string[];
  /** With an auth mode: writes are refused unless set, and then need the write role. Open loopback always allows them. */
  allowWrites: boolean;
  /** PEM files: serve the HTTP API over HTTPS. */
  httpTlsCert?: string;
  httpTlsKey?: string;
  /** The Calico release whose behaviour to reproduce. */
  /** Absent: detected from a live cluster, else the newest. */
  calicoVersion?: CalicoVersion;
  /** Follow a live cluster with this kubeconfig; '' = $KUBECONFIG, ~/.kube/config or in-cluster. Excludes `cluster`. */
  kubeconfig?: string;
  /** The kubeconfig context to use (default: its current context). */
  kubeContext?: string;
  /** Follow the cluster Verdict runs in, with its service account. Excludes `cluster`. */
  inCluster?: boolean;
  /** `host:port` of a Goldmane to tail (Flows.Stream) instead of, or besides, Felix pushing to Verdict. */
  goldmane?: string;
  /** PEM files for mutual TLS to Goldmane: the CA that signed its certificate, and Verdict's client certificate and key. */
  goldmaneCa?: string;
  goldmaneCert?: string;
  goldmaneKey?: string;
  /** The name Goldmane's certificate is checked against (default: the host of `goldmane`). */
  goldmaneServerName?: string;
}

/** A coded configuration issue naming the flag, environment variable or file key it is about. */
export interface ConfigError {
  code: IssueCode;
  /** `--http-port`, `VERDICT_HTTP_PORT` or `verdict.yaml: httpPort`. */
  where: string;
  message: string;
}

type Raw = Record<string, unknown>;

interface Field {
  flag: string;
  env: string;
  /** One line for `verdict serve --help`. */
  help: string;
  /** Reads the value (strings from flags and the environment, any JSON type from the file); its error message says what is expected. */
  read: z.ZodType;
}

const expecting = (what: string) => ({ error: () => what });

const text = z.string(expecting('a non-empty string')).min(1, expecting('a non-empty string'));
const list = z.union(
  [z.array(z.string()), z.string().transform((value) => value.split(',').filter(Boolean))],
  expecting('a list of strings'),
);
const integer = (min: number, max: number, what: string) =>
  z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^-?\d+$/)
          .transform(Number),
      ],
      expecting(what),
    )
    .pipe(z.int(expecting(what)).min(min, expecting(what)).max(max, expecting(what)));
const oneOf = <const T extends readonly [string, ...string[]]>(...values: T) =>
  z.enum(values, expecting(values.join(' or ')));
const boolean = z.union(
  [z.boolean(), z.enum(['true', '1']).transform(() => true), z.enum(['false', '0']).transform(() => false)],
  expecting('true or false'),
);
const matching = (pattern: RegExp, what: string) => z.string(expecting(what)).regex(pattern, expecting(what));

/** A flag whose value is optional: given alone it means '' (the default). */
const optionalText = z.union([z.literal(true).transform(() => ''), z.string()], expecting('a non-empty string'));

const FIELDS: Readonly<Record<keyof ServeConfig, Field>> = {
  cluster: {
    flag: '--cluster',
    env: 'VERDICT_CLUSTER',
    help: 'manifest files or folders of the cluster (none: the embedded demo). Not with --kubeconfig',
    read: list,
  },
  store: {
    flag: '--store',
    env: 'VERDICT_STORE',
    help: 'where flows are kept: sqlite, memory or clickhouse',
    read: oneOf('memory', 'sqlite', 'clickhouse'),
  },
  clickhouseUrl: {
    flag: '--clickhouse-url',
    env: 'VERDICT_CLICKHOUSE_URL',
    help: 'ClickHouse HTTP address for --store clickhouse, e.g. http://clickhouse:8123',
    read: matching(/^https?:\/\/[^\s/]+/, 'an http(s):// URL'),
  },
  clickhouseDatabase: {
    flag: '--clickhouse-database',
    env: 'VERDICT_CLICKHOUSE_DATABASE',
    help: 'ClickHouse database (created when missing)',
    read: matching(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a database name of letters, digits and _'),
  },
  clickhouseUser: { flag: '--clickhouse-user', env: 'VERDICT_CLICKHOUSE_USER', help: 'ClickHouse user', read: text },
  clickhousePasswordFile: {
    flag: '--clickhouse-password-file',
    env: 'VERDICT_CLICKHOUSE_PASSWORD_FILE',
    help: 'file holding the ClickHouse password',
    read: text,
  },
  clickhouseBufferMb: {
    flag: '--clickhouse-buffer-mb',
    env: 'VERDICT_CLICKHOUSE_BUFFER_MB',
    help: 'local disk buffer while ClickHouse is unreachable, MiB (beyond it senders must wait)',
    read: integer(1, 1_048_576, 'a whole number of MiB, 1-1048576'),
  },
  clusterName: {
    flag: '--cluster-name',
    env: 'VERDICT_CLUSTER_NAME',
    help: 'name of this Kubernetes cluster: the `cluster` of its flows in the API, and its rows in a shared ClickHouse store',
    read: text,
  },
  dataDir: { flag: '--data-dir', env: 'VERDICT_DATA_DIR', help: 'folder for the SQLite store', read: text },
  db: { flag: '--db', env: 'VERDICT_DB', help: 'SQLite file (default: <data-dir>/verdict.db)', read: text },
  retentionDays: {
    flag: '--retention-days',
    env: 'VERDICT_RETENTION_DAYS',
    help: 'days of flows to keep',
    read: integer(1, 3650, 'a whole number of days, 1-3650'),
  },
  httpHost: {
    flag: '--http-host',
    env: 'VERDICT_HTTP_HOST',
    help: 'address of the HTTP server (UI, APIs, metrics); any other than loopback needs --auth-token-file or --trust-proxy-user-header',
    read: text,
  },
  httpPort: {
    flag: '--http-port',
    env: 'VERDICT_HTTP_PORT',
    help: 'port of the HTTP server (0: a free port)',
    read: integer(0, 65535, 'a port number 0-65535'),
  },
  grpcHost: {
    flag: '--grpc-host',
    env: 'VERDICT_GRPC_HOST',
    help: 'address of the Goldmane gRPC server; any other than loopback needs mutual TLS (--grpc-tls-ca)',
    read: text,
  },
  grpcPort: {
    flag: '--grpc-port',
    env: 'VERDICT_GRPC_PORT',
    help: 'port of the Goldmane gRPC server (0: a free port, -1: off)',
    read: integer(-1, 65535, 'a port number 0-65535, or -1 for off'),
  },
  grpcTlsCert: {
    flag: '--grpc-tls-cert',
    env: 'VERDICT_GRPC_TLS_CERT',
    help: 'PEM certificate for gRPC TLS',
    read: text,
  },
  grpcTlsKey: { flag: '--grpc-tls-key', env: 'VERDICT_GRPC_TLS_KEY', help: 'PEM key of --grpc-tls-cert', read: text },
  grpcTlsCa: {
    flag: '--grpc-tls-ca',
    env: 'VERDICT_GRPC_TLS_CA',
    help: 'PEM CA: clients must present a certificate it signed (mutual TLS, as Felix expects)',
    read: text,
  },
  grpcTlsReload: {
    flag: '--grpc-tls-reload',
    env: 'VERDICT_GRPC_TLS_RELOAD',
    help: 'seconds between re-reads of the gRPC TLS files (a rotated Secret reaches new connections; open streams stay)',
    read: integer(1, 86_400, 'a whole number of seconds, 1-86400'),
  },
  demoTraffic: {
    flag: '--demo-traffic',
    env: 'VERDICT_DEMO_TRAFFIC',
    help: 'generate demo traffic (default: on when no cluster is given)',
    read: boolean,
  },
  cors: {
    flag: '--cors',
    env: 'VERDICT_CORS',
    help: 'origin allowed to call /whisker-backend from a browser',
    read: list,
  },
  logLevel: {
    flag: '--log-level',
    env: 'VERDICT_LOG_LEVEL',
    help: 'debug, info, warn or error (JSON logs on stderr)',
    read: oneOf('debug', 'info', 'warn', 'error'),
  },
  webDir: { flag: '--web-dir', env: 'VERDICT_WEB_DIR', help: 'folder of the built web UI', read: text },
  maxClockSkew: {
    flag: '--max-clock-skew',
    env: 'VERDICT_MAX_CLOCK_SKEW',
    help: 'seconds a flow may start ahead of this clock (later ones are rejected, not stored)',
    read: integer(0, 86_400, 'a whole number of seconds, 0-86400'),
  },
  streamBuffer: {
    flag: '--stream-buffer',
    env: 'VERDICT_STREAM_BUFFER',
    help: 'flows queued per stream client before a slow one gets a gap event instead (default 20000; Whisker 10000)',
    read: integer(1, 1_000_000, 'a whole number of flows, 1-1000000'),
  },
  allowedHosts: {
    flag: '--allowed-host',
    env: 'VERDICT_ALLOWED_HOSTS',
    help: 'Host header name the HTTP server answers to, besides the loopback names',
    read: list,
  },
  authTokenFile: {
    flag: '--auth-token-file',
    env: 'VERDICT_AUTH_TOKEN_FILE',
    help: 'file of bearer tokens, one "<token> <read|write> [name]" per line (tokens of 16+ characters, # comments), re-read when it changes; browsers sign in at /signin. One of the two auth modes required off loopback',
    read: text,
  },
  trustProxyUserHeader: {
    flag: '--trust-proxy-user-header',
    env: 'VERDICT_TRUST_PROXY_USER_HEADER',
    help: 'header with the user signed in by an authenticating proxy in front (oauth2-proxy: X-Forwarded-User or X-Auth-Request-User); only that proxy may reach Verdict. One of the two auth modes required off loopback',
    read: matching(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name'),
  },
  trustProxyGroupsHeader: {
    flag: '--trust-proxy-groups-header',
    env: 'VERDICT_TRUST_PROXY_GROUPS_HEADER',
    help: "header with the proxy user's groups, comma-separated (oauth2-proxy: X-Forwarded-Groups or X-Auth-Request-Groups)",
    read: matching(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name'),
  },
  writeUsers: {
    flag: '--write-users',
    env: 'VERDICT_WRITE_USERS',
    help: 'proxy users (comma-separated) that hold the write role',
    read: list,
  },
  writeGroups: {
    flag: '--write-groups',
    env: 'VERDICT_WRITE_GROUPS',
    help: 'proxy groups (comma-separated) whose members hold the write role',
    read: list,
  },
  allowWrites: {
    flag: '--allow-writes',
    env: 'VERDICT_ALLOW_WRITES',
    help: 'with an auth mode, allow ingest, policy changes and promote to callers with the write role (otherwise 403); open loopback always allows them',
    read: boolean,
  },
  httpTlsCert: {
    flag: '--http-tls-cert',
    env: 'VERDICT_HTTP_TLS_CERT',
    help: 'PEM certificate: serve HTTP over TLS',
    read: text,
  },
  httpTlsKey: { flag: '--http-tls-key', env: 'VERDICT_HTTP_TLS_KEY', help: 'PEM key of --http-tls-cert', read: text },
  calicoVersion: {
    flag: '--calico-version',
    env: 'VERDICT_CALICO_VERSION',
    help: "Calico release to reproduce: 3.30, 3.31 (ANP/BANP), 3.32 or 3.33 (ClusterNetworkPolicy); default: a live cluster's own (ClusterInformation), else 3.33",
    read: oneOf(...CALICO_VERSIONS),
  },
  kubeconfig: {
    flag: '--kubeconfig',
    env: 'VERDICT_KUBECONFIG',
    help: 'follow a live cluster (list+watch); without a file: $KUBECONFIG, ~/.kube/config or in-cluster. Not with --cluster',
    read: optionalText,
  },
  kubeContext: {
    flag: '--context',
    env: 'VERDICT_KUBE_CONTEXT',
    help: 'kubeconfig context to follow (default: the current one)',
    read: text,
  },
  inCluster: {
    flag: '--in-cluster',
    env: 'VERDICT_IN_CLUSTER',
    help: 'follow the cluster Verdict runs in, with its service account. Not with --cluster',
    read: boolean,
  },
  goldmane: {
    flag: '--goldmane',
    env: 'VERDICT_GOLDMANE',
    help: 'tail this Goldmane (host:port, e.g. goldmane.calico-system.svc:7443): its last hour, then live; resumes where it stopped after a restart. Not with --demo-traffic',
    read: matching(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port'),
  },
  goldmaneCa: {
    flag: '--goldmane-ca',
    env: 'VERDICT_GOLDMANE_CA',
    help: "PEM CA that signed Goldmane's certificate (tigera-ca-bundle); with it, Verdict talks TLS to Goldmane",
    read: text,
  },
  goldmaneCert: {
    flag: '--goldmane-cert',
    env: 'VERDICT_GOLDMANE_CERT',
    help: 'PEM client certificate Verdict shows Goldmane (mutual TLS); needs --goldmane-key and --goldmane-ca',
    read: text,
  },
  goldmaneKey: { flag: '--goldmane-key', env: 'VERDICT_GOLDMANE_KEY', help: 'PEM key of --goldmane-cert', read: text },
  goldmaneServerName: {
    flag: '--goldmane-server-name',
    env: 'VERDICT_GOLDMANE_SERVER_NAME',
    help: "name Goldmane's certificate must carry (default: the host of --goldmane; Calico's is goldmane.calico-system.svc)",
    read: text,
  },
};

const DEFAULTS = {
  cluster: [],
  store: 'sqlite',
  dataDir: '.verdict',
  clickhouseDatabase: 'verdict',
  clickhouseBufferMb: 1024,
  clusterName: 'default',
  retentionDays: 7,
  httpHost: '127.0.0.1',
  httpPort: 8080,
  grpcHost: '127.0.0.1',
  grpcPort: 7443,
  grpcTlsReload: 30,
  cors: [],
  logLevel: 'info',
  maxClockSkew: 30,
  allowedHosts: [],
  trustProxyGroupsHeader: 'X-Forwarded-Groups',
  writeUsers: [],
  writeGroups: [],
  allowWrites: false,
} as const;

const BOOLEAN_FIELDS: ReadonlySet<string> = new Set(['demoTraffic', 'allowWrites', 'inCluster']);

/** A flag of `verdict serve`, as the CLI declares it; values are checked by `resolveConfig`. */
export interface ServeFlag {
  type: 'string' | 'boolean';
  multiple?: true;
  help: string;
  env: string;
  /** The default as shown in help; the value itself is applied by `resolveConfig`. */
  default?: string;
  /** The value may be left out (`--kubeconfig` alone). */
  optionalValue?: true;
}

/** The flags (without `--`) accepted by `verdict serve`. */
export const SERVE_FLAGS: Readonly<Record<string, ServeFlag>> = Object.fromEntries(
  Object.entries(FIELDS).map(([key, field]) => {
    const fallback = (DEFAULTS as Readonly<Record<string, unknown>>)[key];
    const shown = Array.isArray(fallback) ? undefined : fallback;
    return [
      field.flag.slice(2),
      {
        type: BOOLEAN_FIELDS.has(key) ? 'boolean' : 'string',
        ...(key === 'cluster' ||
        key === 'cors' ||
        key === 'allowedHosts' ||
        key === 'writeUsers' ||
        key === 'writeGroups'
          ? { multiple: true }
          : {}),
        ...(key === 'kubeconfig' ? { optionalValue: true } : {}),
        help: field.help,
        env: field.env,
        ...(shown === undefined ? {} : { default: String(shown) }),
      },
    ];
  }),
);

/**
 * Resolves the configuration. `file` is the parsed config file's text (YAML or JSON) with its name;
 * `flags` are parseArgs values keyed by flag name without `--`.
 */
export function resolveConfig(
  flags: Raw,
  env: Readonly<Record<string, string | undefined>>,
  file?: { name: string; text: string },
  defaultWebDir = 'packages/web/dist',
): { ok: true; config: ServeConfig } | { ok: false; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const values: Raw = { ...DEFAULTS, webDir: defaultWebDir };
  const apply = (key: keyof ServeConfig, value: unknown, where: string) => {
    if (value === undefined) return;
    const read = FIELDS[key].read.safeParse(value);
    if (!read.success) {
      const expected = read.error.issues[0]?.message ?? 'a valid value';
      errors.push({ code: 'invalid-value', where, message: `expected ${expected}, got ${JSON.stringify(value)}` });
    } else values[key] = read.data;
  };

  if (file) {
    let parsed: unknown;
    const deep = yamlTooDeep(file.text);
    try {
      if (deep) throw new Error(deep.message);
      parsed = parseYaml(file.text, { maxAliasCount: 100 });
    } catch (error) {
      errors.push({
        code: 'yaml-syntax',
        where: file.name,
        message: `not valid YAML or JSON: ${(error as Error).message}`,
      });
    }
    if (parsed !== undefined && parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      errors.push({
        code: 'not-an-object',
        where: file.name,
        message: 'expected a mapping of settings such as "httpPort: 8080"',
      });
    } else if (parsed) {
      for (const [key, value] of Object.entries(parsed as Raw)) {
        if (!(key in FIELDS)) {
          errors.push({
            code: 'unknown-field',
            where: `${file.name}: ${key}`,
            message: `unknown setting; known settings are ${Object.keys(FIELDS).join(', ')}`,
          });
        } else apply(key as keyof ServeConfig, value, `${file.name}: ${key}`);
      }
    }
  }
  for (const [key, field] of Object.entries(FIELDS) as [keyof ServeConfig, Field][])
    apply(key, env[field.env], field.env);
  for (const [key, field] of Object.entries(FIELDS) as [keyof ServeConfig, Field][]) {
    const value = flags[field.flag.slice(2)];
    apply(key, Array.isArray(value) && value.length === 0 ? undefined : value, field.flag);
  }
  if ((values.grpcTlsCert === undefined) !== (values.grpcTlsKey === undefined)) {
    errors.push({
      code: 'missing-field',
      where: '--grpc-tls-cert / --grpc-tls-key',
      message: 'give both the certificate and its key, or neither',
    });
  }
  if ((values.httpTlsCert === undefined) !== (values.httpTlsKey === undefined)) {
    errors.push({
      code: 'missing-field',
      where: '--http-tls-cert / --http-tls-key',
      message: 'give both the certificate and its key, or neither',
    });
  }
  if (values.grpcTlsCa !== undefined && values.grpcTlsCert === undefined) {
    errors.push({
      code: 'missing-field',
      where: '--grpc-tls-ca',
      message: 'client certificates need TLS: give --grpc-tls-cert and --grpc-tls-key too',
    });
  }
  const live = values.kubeconfig !== undefined || values.inCluster === true;
  if (live && (values.cluster as string[]).length > 0) {
    errors.push({
      code: 'invalid-value',
      where: '--cluster / --kubeconfig',
      message:
        'exclusive: --cluster reads manifest files, --kubeconfig and --in-cluster follow a live cluster; give one',
    });
  }
  if (values.kubeContext !== undefined && values.kubeconfig === undefined) {
    errors.push({
      code: 'missing-field',
      where: '--context',
      message: 'a context needs --kubeconfig (with or without a file)',
    });
  }
  if (
    values.trustProxyUserHeader === undefined &&
    ((values.writeUsers as string[]).length > 0 || (values.writeGroups as string[]).length > 0)
  ) {
    errors.push({
      code: 'missing-field',
      where: '--write-users / --write-groups',
      message: 'these name users of an authenticating proxy: give --trust-proxy-user-header too',
    });
  }
  errors.push(...goldmaneErrors(values));
  if (values.store === 'clickhouse' && values.clickhouseUrl === undefined) {
    errors.push({
      code: 'missing-field',
      where: '--store clickhouse',
      message: 'give the server with --clickhouse-url http://host:8123',
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const cluster = values.cluster as string[];
  const dataDir = values.dataDir as string;
  return {
    ok: true,
    config: {
      ...(values as Omit<ServeConfig, 'db' | 'demoTraffic'>),
      db: (values.db as string | undefined) ?? `${dataDir}/verdict.db`,
      demoTraffic:
        (values.demoTraffic as boolean | undefined) ?? (cluster.length === 0 && !live && values.goldmane === undefined),
    },
  };
}

/** The tail-Goldmane rules: TLS settings need --goldmane, a client certificate needs its key and the CA, no demo traffic beside it. */
function goldmaneErrors(values: Raw): ConfigError[] {
  const errors: ConfigError[] = [];
  const tls = ['goldmaneCa', 'goldmaneCert', 'goldmaneKey', 'goldmaneServerName'] as const;
  if (values.goldmane === undefined) {
    for (const key of tls)
      if (values[key] !== undefined)
        errors.push({ code: 'missing-field', where: FIELDS[key].flag, message: 'only used with --goldmane host:port' });
    return errors;
  }
  if ((values.goldmaneCert === undefined) !== (values.goldmaneKey === undefined))
    errors.push({
      code: 'missing-field',
      where: '--goldmane-cert / --goldmane-key',
      message: 'give both the client certificate and its key, or neither',
    });
  if (values.goldmaneCert !== undefined && values.goldmaneCa === undefined)
    errors.push({
      code: 'missing-field',
      where: '--goldmane-ca',
      message: "a client certificate is only sent over TLS: give the CA that signed Goldmane's certificate",
    });
  if (values.goldmaneServerName !== undefined && values.goldmaneCa === undefined)
    errors.push({
      code: 'missing-field',
      where: '--goldmane-server-name',
      message: 'only used with TLS (--goldmane-ca)',
    });
  if (values.demoTraffic === true)
    errors.push({
      code: 'invalid-value',
      where: '--goldmane / --demo-traffic',
      message: 'exclusive: flows come from Goldmane or from the demo generator, not both',
    });
  return errors;
}
