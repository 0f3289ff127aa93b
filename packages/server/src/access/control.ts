// Who may read and who may write, for every HTTP request: the auth modes of `verdict serve` (bearer
// tokens with browser sessions, or an authenticating proxy's user header), the write role and
// `--allow-writes`. With no auth mode (the loopback default) everything stays open.
import { createHash, randomBytes } from 'node:crypto';
import { API_ERROR_STATUS, type ApiErrorCode } from '@verdict/api';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { signInPage } from './signin-page.ts';
import type { Role, TokenFile } from './tokens.ts';

/** Answered to anyone: the kubelet's probes carry no credentials. */
export const OPEN_PATHS: readonly string[] = ['/livez', '/readyz'];

/** Requests that change nothing although they are POSTs: a rehearsal is a what-if over recorded flows. */
const READ_POSTS: readonly string[] = ['/api/v1/rehearsals'];

export const SESSION_COOKIE = 'verdict_session';
/** How long a browser stays signed in; sessions live in memory, so a restart signs everyone out. */
export const SESSION_SECONDS = 12 * 60 * 60;
/** Sessions kept at most; the oldest is dropped first. */
const MAX_SESSIONS = 10_000;
/** The sign-in page's form must carry its Origin (checked by the guard), which no-referrer would blank. */
const SIGN_IN_HEADERS = { 'referrer-policy': 'same-origin', 'cache-control': 'no-store' };
/** A sign-in body is a token and a path; anything larger is refused unread. */
const MAX_SIGN_IN_BYTES = 4096;

export interface ProxyAuth {
  /** Lower-case header names. */
  userHeader: string;
  groupsHeader: string;
  writeUsers: readonly string[];
  writeGroups: readonly string[];
}

export interface AccessOptions {
  tokens?: TokenFile;
  proxy?: ProxyAuth;
  allowWrites: boolean;
  /** Mark the session cookie Secure (the server speaks HTTPS). */
  secureCookie: boolean;
}

export interface Caller {
  /** A token's name, the proxy's user, or `anonymous` when no auth mode is on. */
  user: string;
  role: Role;
  via: 'open' | 'token' | 'session' | 'proxy';
}

interface Session {
  tokenDigest: Buffer;
  expires: number;
}

const refuse = (code: ApiErrorCode, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { code, message } }), {
    status: API_ERROR_STATUS[code],
    headers: { 'content-type': 'application/json', ...headers },
  });

/** Whether the request changes something (and so needs `--allow-writes` and the write role). */
export function isWrite(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  return !READ_POSTS.includes(path);
}

/** A `next` target that stays on this server: a path, never `//host` or a scheme. */
function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && !value.startsWith('/signin') ? value : '/';
}

async function readSmallBody(request: Request): Promise<string | undefined> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_SIGN_IN_BYTES) return undefined;
  const reader = request.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_SIGN_IN_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The access middleware; mount it after the security guard and before every route. */
export function accessControl(options: AccessOptions): MiddlewareHandler {
  const { tokens, proxy } = options;
  if (!tokens && !proxy) return async (_c, next) => next();
  const sessions = new Map<string, Session>();
  const sessionKey = (value: string) => createHash('sha256').update(value).digest('hex');

  const fromSession = (c: Context): Caller | undefined => {
    const value = getCookie(c, SESSION_COOKIE);
    if (!value || !tokens) return undefined;
    const key = sessionKey(value);
    const session = sessions.get(key);
    if (!session) return undefined;
    // A token removed from the file (or past the session's life) ends its sessions; a role change applies at once.
    const entry = session.expires > Date.now() ? tokens.byDigest(session.tokenDigest) : undefined;
    if (!entry) {
      sessions.delete(key);
      return undefined;
    }
    return { user: entry.name, role: entry.role, via: 'session' };
  };

  const fromProxy = (c: Context): Caller | undefined => {
    if (!proxy) return undefined;
    const user = c.req.header(proxy.userHeader)?.trim();
    if (!user) return undefined;
    const groups = (c.req.header(proxy.groupsHeader) ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    const writer = proxy.writeUsers.includes(user) || groups.some((g) => proxy.writeGroups.includes(g));
    return { user, role: writer ? 'write' : 'read', via: 'proxy' };
  };

  const startSession = (c: Context, tokenDigest: Buffer) => {
    const value = randomBytes(32).toString('base64url');
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
    sessions.set(sessionKey(value), { tokenDigest, expires: Date.now() + SESSION_SECONDS * 1000 });
    setCookie(c, SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: SESSION_SECONDS,
      secure: options.secureCookie,
    });
  };

  /** `POST /signin`: a form (`token`, `next`) from the sign-in page, or JSON `{token}` from a script. */
  const signIn = async (c: Context): Promise<Response> => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    const text = await readSmallBody(c.req.raw);
    if (text === undefined) return refuse('too-large', `a sign-in body is at most ${MAX_SIGN_IN_BYTES} bytes`);
    let token = '';
    let next = '/';
    if (type === 'application/json') {
      try {
        const body = JSON.parse(text) as { token?: unknown };
        token = typeof body.token === 'string' ? body.token : '';
      } catch {
        return refuse('invalid-parameter', 'expected a JSON body {"token": "..."}');
      }
    } else {
      const form = new URLSearchParams(text);
      token = form.get('token') ?? '';
      next = localPath(form.get('next'));
    }
    const entry = tokens?.match(token);
    const form = type !== 'application/json';
    if (!entry) {
      return form
        ? c.html(signInPage({ next, error: 'That token is not valid. Check it and try again.' }), 401, SIGN_IN_HEADERS)
        : refuse('unauthorized', 'the token is not valid');
    }
    startSession(c, entry.digest);
    return form ? c.redirect(next, 303) : c.json({ user: entry.name, role: entry.role });
  };

  return async (c, next) => {
    const path = c.req.path;
    const method = c.req.method;
    if (OPEN_PATHS.includes(path) || method === 'OPTIONS') return next();
    if (tokens && path === '/signin') {
      if (method === 'GET') return c.html(signInPage({ next: localPath(c.req.query('next')) }), 200, SIGN_IN_HEADERS);
      if (method === 'POST') return signIn(c);
    }
    if (path === '/signout' && method === 'POST') {
      const value = getCookie(c, SESSION_COOKIE);
      if (value) sessions.delete(sessionKey(value));
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: options.secureCookie });
      return c.redirect(tokens ? '/signin' : '/', 303);
    }

    let caller: Caller | undefined;
    const authorization = tokens ? c.req.header('authorization') : undefined;
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const entry = bearer ? tokens?.match(bearer[1] as string) : undefined;
      // A proxy may pass its own Authorization header along; its user header then decides.
      caller = entry ? { user: entry.name, role: entry.role, via: 'token' } : fromProxy(c);
      if (!caller)
        return refuse('unauthorized', 'the bearer token is not valid (mistyped, or removed from --auth-token-file)', {
          'www-authenticate': 'Bearer realm="verdict", error="invalid_token"',
        });
    }
    caller ??= fromSession(c) ?? fromProxy(c);
    if (!caller) {
      const page = method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
      const api = /^\/(api|whisker-backend|metrics)(\/|$)/.test(path);
      if (tokens && page && !api) {
        const target = path + new URL(c.req.url).search;
        return c.redirect(`/signin?next=${encodeURIComponent(target)}`, 303);
      }
      return refuse(
        'unauthorized',
        tokens
          ? 'sign in: send "Authorization: Bearer <token>" (a token from --auth-token-file), or sign in at /signin'
          : `no ${proxy?.userHeader} header: reach Verdict through its authenticating proxy`,
        tokens ? { 'www-authenticate': 'Bearer realm="verdict"' } : {},
      );
    }
    if (isWrite(method, path)) {
      if (!options.allowWrites)
        return refuse(
          'forbidden',
          `${method} ${path} changes state, and writes are off on this server; start it with --allow-writes (callers then need the write role)`,
        );
      if (caller.role !== 'write')
        return refuse(
          'forbidden',
          `${caller.user} has the read role; ${method} ${path} needs the write role (a "write" token, or --write-users / --write-groups behind a proxy)`,
        );
    }
    return next();
  };
}
