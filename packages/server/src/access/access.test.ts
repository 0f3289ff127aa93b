// Access control over real sockets (issues #10.6 and #12 "Security"): the refusal to start off
// loopback without an auth mode, bearer tokens and their roles, the token file's reload, browser
// sessions, the proxy user header and `--allow-writes`.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOf, spawnServe, startQuiet, until } from '../../test/harness.ts';
import { silentLogger } from '../log.ts';
import { type RunningVerdict, startVerdict } from '../serve.ts';
import { parseTokenFile } from './tokens.ts';

const READ_TOKEN = 'r3ad-0123456789abcdef0123456789';
const WRITE_TOKEN = 'wr1te-0123456789abcdef012345678';
const TOKENS = `# role per token
${READ_TOKEN} read grafana
${WRITE_TOKEN} write alice
`;

const policy = (name: string) => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec: {selector: all(), types: [Ingress], ingress: [{action: Deny}]}`;

const YAML = { 'content-type': 'application/yaml' } as const;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verdict-access-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tokenFile(name: string, text = TOKENS): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('refusing to start off loopback without an auth mode', () => {
  it('HTTP on 0.0.0.0 without --auth-token-file or --trust-proxy-user-header names both flags', async () => {
    const config = configOf({ store: 'memory', 'http-host': '0.0.0.0', 'http-port': '0', 'grpc-port': '-1' });
    await expect(startVerdict(config, silentLogger)).rejects.toMatchObject({
      name: 'StartupError',
      message: expect.stringMatching(/^--http-host 0\.0\.0\.0 .*--auth-token-file.*--trust-proxy-user-header/),
    });
  });

  it('gRPC off loopback without mutual TLS names the TLS flags', async () => {
    const config = configOf({ store: 'memory', 'http-port': '0', 'grpc-host': '::', 'grpc-port': '0' });
    await expect(startVerdict(config, silentLogger)).rejects.toMatchObject({
      name: 'StartupError',
      message: expect.stringMatching(/^--grpc-host :: .*--grpc-tls-ca/),
    });
  });

  it('the CLI exits 2 with one line naming the flag to add', async () => {
    const served = spawnServe(['--store', 'memory', '--http-host', '0.0.0.0', '--http-port', '0', '--grpc-port=-1']);
    expect(await served.exited).toBe(2);
    const lines = served
      .output()
      .trim()
      .split('\n')
      .filter((line) => line.includes('--auth-token-file'));
    expect(lines).toHaveLength(1);
  }, 60_000);

  it('an unreadable or invalid token file stops start-up naming the file and line', async () => {
    const missing = configOf({
      store: 'memory',
      'http-port': '0',
      'grpc-port': '-1',
      'auth-token-file': join(dir, 'absent'),
    });
    await expect(startVerdict(missing, silentLogger)).rejects.toThrow(/--auth-token-file .*absent: cannot read/);
    const short = configOf({
      store: 'memory',
      'http-port': '0',
      'grpc-port': '-1',
      'auth-token-file': tokenFile('short', 'abc write\n'),
    });
    await expect(startVerdict(short, silentLogger)).rejects.toThrow(/short:1: a token must be at least 16/);
    const role = configOf({
      store: 'memory',
      'http-port': '0',
      'grpc-port': '-1',
      'auth-token-file': tokenFile('role', `# x\n${READ_TOKEN} admin\n`),
    });
    await expect(startVerdict(role, silentLogger)).rejects.toThrow(/role:2: expected the role read or write/);
  });

  it('0.0.0.0 with a token file starts, and still answers probes without one', async () => {
    const verdict = await startQuiet({ 'http-host': '0.0.0.0', 'auth-token-file': tokenFile('any') });
    try {
      const port = new URL(verdict.httpUrl).port;
      expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/tiers`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/tiers`, { headers: bearer(READ_TOKEN) })).status).toBe(200);
    } finally {
      await verdict.close();
    }
  });
});

describe('bearer tokens', () => {
  let verdict: RunningVerdict;
  let url: string;
  let path: string;
  beforeAll(async () => {
    path = tokenFile('tokens');
    verdict = await startQuiet({ 'auth-token-file': path, 'allow-writes': true });
    url = verdict.httpUrl;
  });
  afterAll(() => verdict?.close());

  it('no token: every API answers 401 unauthorized with a Bearer challenge; probes stay open', async () => {
    for (const route of ['/api/v1/flows', '/api/v1/flows/stream', '/whisker-backend/flows', '/metrics']) {
      const response = await fetch(url + route);
      expect(await errorOf(response)).toMatchObject({ status: 401, code: 'unauthorized' });
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="verdict"');
    }
    // Probes come from the kubelet by pod IP and without credentials.
    for (const route of ['/livez', '/readyz']) {
      expect((await fetch(url + route, { headers: { host: '10.1.2.3:8080' } })).status).toBe(200);
    }
  });

  it('a wrong token is 401 invalid_token, whatever its likeness to a real one', async () => {
    const nearMisses = [
      'nope-nope-nope-nope',
      READ_TOKEN.slice(0, -1),
      `${READ_TOKEN}x`,
      READ_TOKEN.toUpperCase(),
      `${READ_TOKEN.slice(0, -1)}X`,
      `x${WRITE_TOKEN.slice(1)}`,
    ];
    for (const token of nearMisses) {
      const response = await fetch(`${url}/api/v1/flows`, { headers: bearer(token) });
      expect(await errorOf(response)).toMatchObject({ status: 401, code: 'unauthorized' });
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    const basic = await fetch(`${url}/api/v1/flows`, {
      headers: { authorization: `Basic ${btoa(`u:${READ_TOKEN}`)}` },
    });
    expect(basic.status).toBe(401);
  });

  it('the token file is held as digests only, never the tokens', () => {
    const entries = parseTokenFile(TOKENS, 'tokens');
    expect(entries.map((e) => [e.role, e.name, e.digest.length])).toEqual([
      ['read', 'grafana', 32],
      ['write', 'alice', 32],
    ]);
    expect(JSON.stringify(entries)).not.toContain(READ_TOKEN);
  });

  it('a read token reads the APIs and whisker-backend, but a write is 403 forbidden and applies nothing', async () => {
    for (const route of ['/api/v1/flows', '/whisker-backend/flows?pageSize=1', '/metrics', '/api/v1/tiers']) {
      expect((await fetch(url + route, { headers: bearer(READ_TOKEN) })).status).toBe(200);
    }
    const applied = await fetch(`${url}/api/v1/policies`, {
      method: 'POST',
      headers: { ...YAML, ...bearer(READ_TOKEN) },
      body: policy('read-token-write'),
    });
    const refused = await errorOf(applied);
    expect(refused).toMatchObject({ status: 403, code: 'forbidden' });
    expect(refused.message).toContain('grafana has the read role');
    const ingest = await fetch(`${url}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...bearer(READ_TOKEN) },
      body: '{}',
    });
    expect(ingest.status).toBe(403);
    const promote = await fetch(`${url}/api/v1/promote`, {
      method: 'POST',
      headers: { ...YAML, ...bearer(READ_TOKEN) },
      body: policy('read-token-promote'),
    });
    expect(promote.status).toBe(403);
    expect(verdict.evaluator().policy('GlobalNetworkPolicy', undefined, 'read-token-write')).toBeUndefined();
    expect(verdict.evaluator().policy('GlobalNetworkPolicy', undefined, 'read-token-promote')).toBeUndefined();
  });

  it('a write token applies a policy', async () => {
    const applied = await fetch(`${url}/api/v1/policies`, {
      method: 'POST',
      headers: { ...YAML, ...bearer(WRITE_TOKEN) },
      body: policy('write-token-ok'),
    });
    expect(applied.status).toBe(200);
    expect(verdict.evaluator().policy('GlobalNetworkPolicy', undefined, 'write-token-ok')).toBeDefined();
  });

  it('an unauthenticated page load is sent to the sign-in page, which sets an HttpOnly SameSite=Strict session', async () => {
    const page = await fetch(`${url}/flows?x=1`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/signin?next=%2Fflows%3Fx%3D1');
    const form = await fetch(`${url}/signin?next=%2Fflows`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="next" value="/flows"');

    const wrong = await fetch(`${url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: new URLSearchParams({ token: 'not-the-token-at-all', next: '/flows' }),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That token is not valid');

    const signedIn = await fetch(`${url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: new URLSearchParams({ token: READ_TOKEN, next: '//evil.example/' }),
      redirect: 'manual',
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/');
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^verdict_session=[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict/);
    const session = { cookie: cookie.split(';')[0] as string };
    expect((await fetch(`${url}/api/v1/flows`, { headers: session })).status).toBe(200);
    // The session has the token's role: a read session cannot write.
    const write = await fetch(`${url}/api/v1/policies`, {
      method: 'POST',
      headers: { ...YAML, ...session },
      body: policy('read-session'),
    });
    expect(write.status).toBe(403);
    // A forged or signed-out session is nothing.
    expect((await fetch(`${url}/api/v1/flows`, { headers: { cookie: 'verdict_session=forged' } })).status).toBe(401);
    const out = await fetch(`${url}/signout`, {
      method: 'POST',
      headers: { ...session, origin: url },
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${url}/api/v1/flows`, { headers: session })).status).toBe(401);
  });

  it('a sign-in form from another site, or with no Origin, is refused', async () => {
    const cross = await fetch(`${url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: new URLSearchParams({ token: READ_TOKEN }),
      redirect: 'manual',
    });
    expect(await errorOf(cross)).toMatchObject({ status: 403, code: 'cross-site' });
    const bare = await fetch(`${url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: READ_TOKEN }),
      redirect: 'manual',
    });
    expect(bare.status).toBe(403);
  });

  it('scripts sign in with JSON too', async () => {
    const signedIn = await fetch(`${url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: WRITE_TOKEN }),
    });
    expect(await signedIn.json()).toEqual({ user: 'alice', role: 'write' });
    expect(signedIn.headers.get('set-cookie')).toContain('HttpOnly');
  });

  it('the file is re-read when it changes: a removed token stops working, with its sessions; a new one works', async () => {
    const signedIn = await fetch(`${url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: READ_TOKEN }),
    });
    const session = { cookie: (signedIn.headers.get('set-cookie') ?? '').split(';')[0] as string };
    const added = 'n3w-0123456789abcdef0123456789ab';
    // Replaced as a Kubernetes Secret update does: a new file moved over the old one.
    writeFileSync(`${path}.next`, `${WRITE_TOKEN} write alice\n${added} read carol\n`);
    renameSync(`${path}.next`, path);
    await until(
      async () => ((await fetch(`${url}/api/v1/tiers`, { headers: bearer(added) })).status === 200 ? true : undefined),
      10,
    );
    expect((await fetch(`${url}/api/v1/tiers`, { headers: bearer(READ_TOKEN) })).status).toBe(401);
    expect((await fetch(`${url}/api/v1/tiers`, { headers: session })).status).toBe(401);
    // A broken edit keeps the tokens in force rather than locking everyone out.
    writeFileSync(`${path}.next`, 'short read\n');
    renameSync(`${path}.next`, path);
    await new Promise((wake) => setTimeout(wake, 1200));
    expect((await fetch(`${url}/api/v1/tiers`, { headers: bearer(added) })).status).toBe(200);
  });
});

describe('writes off unless --allow-writes', () => {
  it('even a write token is refused with 403 naming --allow-writes', async () => {
    const verdict = await startQuiet({ 'auth-token-file': tokenFile('no-writes') });
    try {
      const applied = await fetch(`${verdict.httpUrl}/api/v1/policies`, {
        method: 'POST',
        headers: { ...YAML, ...bearer(WRITE_TOKEN) },
        body: policy('writes-off'),
      });
      const refused = await errorOf(applied);
      expect(refused).toMatchObject({ status: 403, code: 'forbidden' });
      expect(refused.message).toContain('--allow-writes');
      expect(verdict.evaluator().policy('GlobalNetworkPolicy', undefined, 'writes-off')).toBeUndefined();
      // A rehearsal changes nothing, so the read rule applies to it.
      const rehearsal = await fetch(`${verdict.httpUrl}/api/v1/rehearsals`, {
        method: 'POST',
        headers: { ...YAML, ...bearer(READ_TOKEN) },
        body: policy('what-if'),
      });
      expect(rehearsal.status).not.toBe(403);
      expect(rehearsal.status).not.toBe(401);
    } finally {
      await verdict.close();
    }
  });
});

describe('behind an authenticating proxy', () => {
  let verdict: RunningVerdict;
  beforeAll(async () => {
    verdict = await startQuiet({
      'trust-proxy-user-header': 'X-Auth-Request-User',
      'trust-proxy-groups-header': 'X-Auth-Request-Groups',
      'write-groups': ['platform,sre'],
      'write-users': ['bob'],
      'allow-writes': true,
    });
  });
  afterAll(() => verdict?.close());

  const post = (headers: Record<string, string>, name: string) =>
    fetch(`${verdict.httpUrl}/api/v1/policies`, {
      method: 'POST',
      headers: { ...YAML, ...headers },
      body: policy(name),
    });

  it('without the user header (a request that bypassed the proxy) is 401', async () => {
    const response = await fetch(`${verdict.httpUrl}/api/v1/flows`);
    const refused = await errorOf(response);
    expect(refused).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(refused.message).toContain('x-auth-request-user');
    // No sign-in page in proxy mode: the proxy signs people in.
    expect((await fetch(`${verdict.httpUrl}/signin`)).status).toBe(401);
  });

  it('a user reads; a write needs a write group or a write user', async () => {
    const carol = { 'x-auth-request-user': 'carol', 'x-auth-request-groups': 'dev,viewers' };
    expect((await fetch(`${verdict.httpUrl}/whisker-backend/flows?pageSize=1`, { headers: carol })).status).toBe(200);
    expect(await errorOf(await post(carol, 'by-carol'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await post({ 'x-auth-request-user': 'dana', 'x-auth-request-groups': 'dev, sre' }, 'by-dana')).status).toBe(
      200,
    );
    expect((await post({ 'x-auth-request-user': 'bob' }, 'by-bob')).status).toBe(200);
    // A proxy that passes its own Authorization header along does not get in the way.
    expect((await post({ 'x-auth-request-user': 'bob', authorization: 'Bearer id-token' }, 'by-bob-2')).status).toBe(
      200,
    );
    const applied = (name: string) => verdict.evaluator().policy('GlobalNetworkPolicy', undefined, name) !== undefined;
    expect([applied('by-carol'), applied('by-dana'), applied('by-bob')]).toEqual([false, true, true]);
  });
});
