// Browser-facing defences of the HTTP server, in one middleware: only the configured host names
// (DNS rebinding; health probes excepted), writes only with a JSON/YAML/NDJSON body type and never from another site
// (CSRF: a plain HTML form can send neither), and security headers on every response (a strict CSP
// without inline script, nosniff, no framing, no referrer).
import type { Context, MiddlewareHandler } from 'hono';

/** Host names always answered: the loopback names. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** Body types a write may carry: none of them can be sent by a form or a simple cross-site request. */
export const WRITE_CONTENT_TYPES: readonly string[] = [
  'application/json',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
];

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Editors and charts insert <style> elements; no script can run from a style.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Form body types: accepted only on `formPaths`, and only from this server's own pages. */
const FORM_CONTENT_TYPES: readonly string[] = ['application/x-www-form-urlencoded', ''];

export interface GuardOptions {
  /** Host names answered besides the loopback names (the server's own address is added by the caller). */
  allowedHosts: readonly string[];
  /** Paths answered whatever the Host header (the kubelet's probes ask by pod IP). */
  anyHostPaths?: readonly string[];
  /** Paths a same-origin HTML form may POST to (sign-in, sign-out): the request must say its origin. */
  formPaths?: readonly string[];
}

const error = (status: number, code: string, message: string) =>
  new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/** `host[:port]` → the host name, without brackets around IPv6 addresses. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return (bracketed[1] as string).toLowerCase();
  return host.replace(/:\d+$/, '').toLowerCase();
}

export function securityGuard(options: GuardOptions): MiddlewareHandler {
  const hosts = new Set([...LOOPBACK_HOSTS, ...options.allowedHosts.map((h) => h.toLowerCase())]);
  const anyHost = new Set(options.anyHostPaths ?? []);
  const formPaths = new Set(options.formPaths ?? []);
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (!hosts.has(hostName(host)) && !anyHost.has(c.req.path)) {
      return error(
        421,
        'invalid-host',
        `Host ${JSON.stringify(host)} is not served here; add it with --allowed-host if this name is meant to reach Verdict`,
      );
    }
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      const site = c.req.header('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin' && site !== 'none') {
        return error(403, 'cross-site', `a ${method} from another site (Sec-Fetch-Site: ${site}) is refused`);
      }
      const origin = c.req.header('origin');
      if (origin !== undefined) {
        let originHost: string | undefined;
        try {
          originHost = new URL(origin).host;
        } catch {
          originHost = undefined;
        }
        if (originHost === undefined || originHost.toLowerCase() !== host.toLowerCase()) {
          return error(
            403,
            'cross-site',
            `a ${method} from origin ${origin} is refused; writes come from this server's own pages`,
          );
        }
      }
      const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (formPaths.has(c.req.path) && FORM_CONTENT_TYPES.includes(type)) {
        // Browsers send Origin or Sec-Fetch-Site with every form POST; checked above to be this server.
        if (origin === undefined && site === undefined)
          return error(403, 'cross-site', `a form ${method} must come from this server's own page (no Origin header)`);
        await next();
        return secure(c);
      }
      const hasBody = method !== 'DELETE' || (c.req.header('content-length') ?? '0') !== '0';
      if (hasBody && !WRITE_CONTENT_TYPES.includes(type)) {
        return error(
          415,
          'unsupported-media-type',
          `content-type: expected one of ${WRITE_CONTENT_TYPES.join(', ')}, got ${JSON.stringify(type || 'none')}`,
        );
      }
    }
    await next();
    return secure(c);
  };
}

/** The security headers, on every response. */
function secure(c: Context): undefined {
  c.res.headers.set('x-content-type-options', 'nosniff');
  // A page may ask for same-origin instead: under no-referrer Chromium sends its form POSTs with `Origin: null`.
  if (c.res.headers.get('referrer-policy') !== 'same-origin') c.res.headers.set('referrer-policy', 'no-referrer');
  c.res.headers.set('x-frame-options', 'DENY');
  if ((c.res.headers.get('content-type') ?? '').startsWith('text/html')) {
    c.res.headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
  }
  return undefined;
}
