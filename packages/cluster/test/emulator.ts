// A small Kubernetes API server for tests and for trying `verdict serve --kubeconfig` locally: real
// HTTP(S) with bearer auth, discovery (absent groups answer 404), list with resourceVersion and
// limit/continue, and chunked watch streams with resume from a resourceVersion, BOOKMARKs, and
// `410 Gone` sent inside the watch as an ERROR event once history is compacted. Objects are kept
// in memory; create, replace and delete work over HTTP (kubectl create/replace/delete) and as calls.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface EmulatedResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown> & { name?: string; namespace?: string; resourceVersion?: string };
};

interface HistoryEntry {
  rv: number;
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}

interface Watcher {
  resource: string;
  namespace: string | undefined;
  res: ServerResponse;
  socket: Socket;
  bookmarks: NodeJS.Timeout | undefined;
}

export interface EmulatorOptions {
  resources: readonly EmulatedResource[];
  /** Required as `Authorization: Bearer <token>`; a random one when not given. */
  token?: string;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  port?: number;
  host?: string;
  /** How often watches that asked for them get a BOOKMARK; default 1 s. */
  bookmarkMs?: number;
}

export interface ApiEmulator {
  readonly url: string;
  readonly token: string;
  /** Creates or replaces an object (its apiVersion and kind name the resource); returns it with its new resourceVersion. */
  apply(object: Obj): Obj;
  /** Deletes an object; false when it did not exist. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  /** Cuts every open watch connection abruptly (socket destroyed, no final chunk). */
  dropWatches(): void;
  /** Forgets history up to now: watches resuming from an older resourceVersion get 410 Gone; open watches get it at once. */
  compact(): void;
  /** Open watch connections. */
  readonly watchCount: number;
  /** Requests served, by `METHOD path-without-query`. */
  readonly requests: ReadonlyMap<string, number>;
  /** Every watch opened: the collection path and its query parameters. */
  readonly watchRequests: readonly { path: string; resourceVersion: string | null; bookmarks: boolean }[];
  /** BOOKMARK events sent. */
  readonly bookmarksSent: number;
  /** Writes a kubeconfig for this server; `ca` is the PEM that signed the server's certificate. */
  writeKubeconfig(path: string, options?: { ca?: string; context?: string }): void;
  close(): Promise<void>;
}

const statusBody = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

export async function startApiEmulator(options: EmulatorOptions): Promise<ApiEmulator> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const resources = new Map<string, EmulatedResource>();
  const apiVersionOf = (r: EmulatedResource) => (r.group ? `${r.group}/${r.version}` : r.version);
  const resourceKey = (r: EmulatedResource) => `${apiVersionOf(r)}/${r.plural}`;
  for (const r of options.resources) resources.set(resourceKey(r), r);
  const byKind = (apiVersion: string, kind: string) =>
    [...resources.values()].find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);

  const store = new Map<string, Map<string, Obj>>();
  let history: HistoryEntry[] = [];
  let revision = 1;
  let compactedBelow = 0;
  const watchers = new Set<Watcher>();
  const snapshots = new Map<string, { items: Obj[]; rv: number }>();
  const requests = new Map<string, number>();
  const watchRequests: { path: string; resourceVersion: string | null; bookmarks: boolean }[] = [];
  let bookmarksSent = 0;

  const objectsOf = (key: string) => {
    let objects = store.get(key);
    if (!objects) store.set(key, (objects = new Map()));
    return objects;
  };
  const idOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

  function send(watcher: Watcher, event: unknown): void {
    watcher.res.write(`${JSON.stringify(event)}\n`);
  }

  function record(resource: EmulatedResource, type: HistoryEntry['type'], object: Obj): void {
    const key = resourceKey(resource);
    history.push({ rv: revision, resource: key, type, object });
    for (const watcher of watchers) {
      if (watcher.resource !== key) continue;
      if (watcher.namespace !== undefined && object.metadata?.namespace !== watcher.namespace) continue;
      send(watcher, { type, object });
    }
  }

  function write(resource: EmulatedResource, object: Obj): { object: Obj; created: boolean } {
    const metadata = { ...(object.metadata ?? {}) };
    const name = String(metadata.name ?? '');
    if (!resource.namespaced) delete metadata.namespace;
    else metadata.namespace ??= 'default';
    const objects = objectsOf(resourceKey(resource));
    const id = idOf(metadata.namespace as string | undefined, name);
    const previous = objects.get(id);
    revision++;
    const stored: Obj = {
      ...object,
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata: {
        ...metadata,
        uid: (previous?.metadata?.uid as string | undefined) ?? randomBytes(8).toString('hex'),
        creationTimestamp: (previous?.metadata?.creationTimestamp as string | undefined) ?? new Date().toISOString(),
        resourceVersion: String(revision),
        generation: Number(previous?.metadata?.generation ?? 0) + 1,
      },
    };
    objects.set(id, stored);
    record(resource, previous ? 'MODIFIED' : 'ADDED', stored);
    return { object: stored, created: !previous };
  }

  function remove(resource: EmulatedResource, namespace: string | undefined, name: string): Obj | undefined {
    const objects = objectsOf(resourceKey(resource));
    const id = idOf(resource.namespaced ? namespace : undefined, name);
    const previous = objects.get(id);
    if (!previous) return undefined;
    objects.delete(id);
    revision++;
    const gone = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(revision) } };
    record(resource, 'DELETED', gone);
    return gone;
  }

  /** `/api/v1[/namespaces/{ns}]/{plural}[/{name}]` or `/apis/{g}/{v}[/namespaces/{ns}]/{plural}[/{name}]`. */
  function route(path: string) {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group = '';
    let version: string | undefined;
    let rest: string[];
    if (parts[0] === 'api') {
      version = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === 'apis') {
      group = parts[1] ?? '';
      version = parts[2];
      rest = parts.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const resource = [...resources.values()].find(
      (r) => r.group === group && r.version === version && r.plural === rest[0],
    );
    return { group, version, namespace, resource, name: rest[1], depth: rest.length };
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function discovery(path: string, res: ServerResponse): boolean {
    const groups = new Map<string, Set<string>>();
    for (const r of resources.values()) {
      if (!groups.has(r.group)) groups.set(r.group, new Set());
      groups.get(r.group)?.add(r.version);
    }
    const resourceList = (group: string, version: string) => ({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: [...resources.values()]
        .filter((r) => r.group === group && r.version === version)
        .map((r) => ({
          name: r.plural,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'],
        })),
    });
    if (path === '/version') {
      json(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0-verdict-emulator', platform: 'linux/amd64' });
      return true;
    }
    if (path === '/api') {
      json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      return true;
    }
    if (path === '/api/v1') {
      json(res, 200, resourceList('', 'v1'));
      return true;
    }
    if (path === '/apis') {
      json(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups]
          .filter(([group]) => group !== '')
          .map(([name, versions]) => ({
            name,
            versions: [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version })),
            preferredVersion: { groupVersion: `${name}/${[...versions][0]}`, version: [...versions][0] },
          })),
      });
      return true;
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'apis' && parts.length === 2) {
      if (!groups.has(parts[1] ?? ''))
        json(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
      else
        json(res, 200, {
          kind: 'APIGroup',
          apiVersion: 'v1',
          name: parts[1],
          versions: [...(groups.get(parts[1] ?? '') ?? [])].map((version) => ({
            groupVersion: `${parts[1]}/${version}`,
            version,
          })),
        });
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      if (!groups.get(parts[1] ?? '')?.has(parts[2] ?? ''))
        json(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
      else json(res, 200, resourceList(parts[1] ?? '', parts[2] ?? ''));
      return true;
    }
    return false;
  }

  function list(
    resource: EmulatedResource,
    namespace: string | undefined,
    query: URLSearchParams,
    res: ServerResponse,
  ): void {
    const limit = Number(query.get('limit') ?? 0);
    const token = query.get('continue');
    let snapshot: { items: Obj[]; rv: number };
    let offset = 0;
    if (token) {
      const [id, from] = token.split(':');
      const found = snapshots.get(id ?? '');
      if (!found || found.rv < compactedBelow) {
        json(res, 410, statusBody(410, 'Expired', 'the provided continue parameter is too old'));
        return;
      }
      snapshot = found;
      offset = Number(from);
    } else {
      const items = [...objectsOf(resourceKey(resource)).values()].filter(
        (o) => namespace === undefined || o.metadata?.namespace === namespace,
      );
      snapshot = { items, rv: revision };
    }
    const end = limit > 0 ? Math.min(snapshot.items.length, offset + limit) : snapshot.items.length;
    let next = '';
    if (end < snapshot.items.length) {
      const id = token?.split(':')[0] ?? randomBytes(6).toString('hex');
      snapshots.set(id, snapshot);
      next = `${id}:${end}`;
    }
    json(res, 200, {
      kind: `${resource.kind}List`,
      apiVersion: apiVersionOf(resource),
      metadata: { resourceVersion: String(snapshot.rv), ...(next ? { continue: next } : {}) },
      items: snapshot.items.slice(offset, end),
    });
  }

  function watch(
    resource: EmulatedResource,
    namespace: string | undefined,
    query: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const key = resourceKey(resource);
    const from = query.get('resourceVersion');
    watchRequests.push({
      path: new URL(req.url ?? '/', 'http://emulator').pathname,
      resourceVersion: from,
      bookmarks: query.get('allowWatchBookmarks') === 'true',
    });
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const watcher: Watcher = { resource: key, namespace, res, socket: req.socket, bookmarks: undefined };
    const inNamespace = (o: Obj) => namespace === undefined || o.metadata?.namespace === namespace;
    if (from && from !== '0' && Number(from) < compactedBelow) {
      send(watcher, {
        type: 'ERROR',
        object: statusBody(410, 'Expired', `too old resource version: ${from} (${compactedBelow})`),
      });
      res.end();
      return;
    }
    if (!from || from === '0') {
      for (const object of objectsOf(key).values()) if (inNamespace(object)) send(watcher, { type: 'ADDED', object });
    } else {
      for (const entry of history)
        if (entry.rv > Number(from) && entry.resource === key && inNamespace(entry.object))
          send(watcher, { type: entry.type, object: entry.object });
    }
    watchers.add(watcher);
    if (query.get('allowWatchBookmarks') === 'true') {
      watcher.bookmarks = setInterval(() => {
        bookmarksSent++;
        send(watcher, {
          type: 'BOOKMARK',
          object: {
            kind: resource.kind,
            apiVersion: apiVersionOf(resource),
            metadata: { resourceVersion: String(revision) },
          },
        });
      }, options.bookmarkMs ?? 1000);
    }
    const forget = () => {
      if (watcher.bookmarks) clearInterval(watcher.bookmarks);
      watchers.delete(watcher);
    };
    res.on('close', forget);
    req.on('close', forget);
  }

  async function readBody(req: IncomingMessage): Promise<Obj | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    requests.set(`${method} ${url.pathname}`, (requests.get(`${method} ${url.pathname}`) ?? 0) + 1);
    if (req.headers.authorization !== `Bearer ${token}`) {
      json(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (method === 'GET' && discovery(url.pathname.replace(/\/$/, ''), res)) return;
    const target = route(url.pathname);
    if (!target?.resource) {
      json(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const { resource, namespace, name } = target;
    if (method === 'GET' && !name) {
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1')
        watch(resource, namespace, url.searchParams, req, res);
      else list(resource, namespace, url.searchParams, res);
      return;
    }
    if (method === 'GET' && name) {
      const found = objectsOf(resourceKey(resource)).get(idOf(resource.namespaced ? namespace : undefined, name));
      if (found) json(res, 200, found);
      else json(res, 404, statusBody(404, 'NotFound', `${resource.plural} "${name}" not found`));
      return;
    }
    if (method === 'DELETE' && name) {
      const gone = remove(resource, namespace, name);
      if (gone) json(res, 200, gone);
      else json(res, 404, statusBody(404, 'NotFound', `${resource.plural} "${name}" not found`));
      return;
    }
    if (method === 'POST' || method === 'PUT') {
      const body = await readBody(req);
      if (!body || typeof body.metadata?.name !== 'string') {
        json(res, 400, statusBody(400, 'BadRequest', 'expected a JSON object with metadata.name'));
        return;
      }
      const exists = objectsOf(resourceKey(resource)).has(
        idOf(resource.namespaced ? (namespace ?? body.metadata.namespace ?? 'default') : undefined, body.metadata.name),
      );
      if (method === 'POST' && exists) {
        json(res, 409, statusBody(409, 'AlreadyExists', `${resource.plural} "${body.metadata.name}" already exists`));
        return;
      }
      const { metadata, ...rest } = body;
      const written = write(resource, { ...rest, metadata: { ...metadata, ...(namespace ? { namespace } : {}) } });
      json(res, written.created ? 201 : 200, written.object);
      return;
    }
    json(res, 405, statusBody(405, 'MethodNotAllowed', `${method} is not supported here`));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, statusBody(500, 'InternalError', (error as Error).message));
      else res.destroy();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(listener);
  /** Every TCP connection, so close() ends them all (TLS sockets mid-handshake included). */
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    token,
    get watchCount() {
      return watchers.size;
    },
    requests,
    watchRequests,
    get bookmarksSent() {
      return bookmarksSent;
    },
    apply(object) {
      const resource = byKind(String(object.apiVersion), String(object.kind));
      if (!resource) throw new Error(`the emulator does not serve ${object.kind} in ${object.apiVersion}`);
      return write(resource, object).object;
    },
    remove(apiVersion, kind, namespace, name) {
      const resource = byKind(apiVersion, kind);
      if (!resource) throw new Error(`the emulator does not serve ${kind} in ${apiVersion}`);
      return remove(resource, namespace, name) !== undefined;
    },
    dropWatches() {
      for (const watcher of [...watchers]) {
        watchers.delete(watcher);
        if (watcher.bookmarks) clearInterval(watcher.bookmarks);
        watcher.socket.destroy();
      }
    },
    compact() {
      compactedBelow = revision + 1;
      history = [];
      snapshots.clear();
      // A write after compaction, so that every client's resourceVersion is older than what is kept.
      revision++;
      for (const watcher of [...watchers]) {
        watchers.delete(watcher);
        if (watcher.bookmarks) clearInterval(watcher.bookmarks);
        send(watcher, { type: 'ERROR', object: statusBody(410, 'Expired', 'too old resource version') });
        watcher.res.end();
      }
    },
    writeKubeconfig(path, { ca, context = 'emulator' } = {}) {
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'emulator',
            cluster: {
              server: url,
              // The client refuses plain HTTP unless verification is off; over HTTPS the CA is given.
              ...(ca
                ? { 'certificate-authority-data': Buffer.from(ca).toString('base64') }
                : { 'insecure-skip-tls-verify': true }),
            },
          },
        ],
        users: [{ name: 'emulator', user: { token } }],
        contexts: [{ name: context, context: { cluster: 'emulator', user: 'emulator' } }],
        'current-context': context,
      };
      writeFileSync(path, JSON.stringify(config, null, 2));
    },
    async close() {
      for (const watcher of [...watchers]) {
        if (watcher.bookmarks) clearInterval(watcher.bookmarks);
        watcher.socket.destroy();
      }
      watchers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
