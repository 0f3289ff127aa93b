import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { egressResponseSchema, errorBodySchema } from '@verdict/api';
import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { createMemoryStore, enrichRawFlow, type Flow } from '@verdict/flows';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityGuard } from '../http/guard.ts';
import { createInsightsRoutes } from '../insights/index.ts';
import { DnsAnswers } from './answers.ts';
import { createDnsRoutes } from './routes.ts';

const START = 1_767_225_600;
const NOW = START + 600;
const LIMITS = { maxBytes: 4096, maxLineBytes: 512, maxAddresses: 8 };

let base = '';
let host = '';
let answers: DnsAnswers;
let close = () => {};

/** The demo's ten minutes of traffic in a memory store; the DNS and egress routes behind the real guard, on loopback. */
beforeAll(async () => {
  const { state } = loadResources(demoClusterFiles());
  const evaluator = createEvaluator(state);
  const store = createMemoryStore({ now: () => NOW, autoRollover: false });
  const flows: Flow[] = [];
  for (const raw of createTrafficGenerator({ cluster: state, seed: 5, now: START }).next(NOW)) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (enriched.ok) flows.push(...enriched.flows);
  }
  await store.ingest(flows);
  answers = new DnsAnswers({ retentionSeconds: 86_400 });
  const app = new Hono();
  app.use('*', securityGuard({ allowedHosts: [] }));
  app.route('/api/v1', createDnsRoutes({ answers, limits: LIMITS, log: { error() {} } }));
  app.route(
    '/api/v1',
    createInsightsRoutes({
      store,
      evaluator: () => evaluator,
      now: () => NOW,
      dns: () => answers.byName(),
      log: { error() {} },
    }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  close = () => server.close();
});
afterAll(() => close());

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/v1/dns`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-ndjson', ...headers },
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);

const pairsHeld = async () => ((await (await fetch(`${base}/api/v1/dns`)).json()) as { pairs: number }).pairs;

async function expectError(res: Response, status: number, code: string, message: RegExp) {
  expect(res.status).toBe(status);
  const body = errorBodySchema.parse(await res.json());
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(message);
  return body.error;
}

describe('POST /api/v1/dns, then GET /api/v1/egress', () => {
  it('names external destinations by domain, and the proposal names them as the dialect allows', async () => {
    const res = await post(
      '{"name": "Exfil.Example.NET.", "addresses": ["203.0.113.66"]}\n{"name": "unused.example.org", "addresses": ["2001:DB8::1", "198.51.100.7"]}\n',
    );
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { imported: { pairs: number; names: number }; held: { pairs: number } };
    expect(reply.imported).toMatchObject({ pairs: 3, names: 2 });
    const egress = egressResponseSchema.parse(await (await fetch(`${base}/api/v1/egress?namespace=shop`)).json());
    const exfil = egress.workloads.flatMap((w) => w.destinations).find((d) => d.network === '203.0.113.66/32');
    expect(exfil?.domains).toEqual(['exfil.example.net']);
    // Open-source Calico: NetworkSets hold addresses only, the domain is a comment beside them.
    expect(egress.proposal.yaml).not.toContain('allowedEgressDomains');
    expect(egress.proposal.yaml).toContain('the addresses of exfil.example.net');
    const enterprise = egressResponseSchema.parse(
      await (await fetch(`${base}/api/v1/egress?namespace=shop&dialect=calico-enterprise`)).json(),
    );
    expect(enterprise.proposal.yaml).toMatch(/allowedEgressDomains:\s+- exfil\.example\.net/);
    await expectError(
      await fetch(`${base}/api/v1/egress?namespace=shop&dialect=cilium`),
      400,
      'invalid-parameter',
      /dialect: expected one of calico, calico-enterprise/,
    );
  });
});

describe('hostile DNS imports store nothing and say what and where', () => {
  it('malformed lines: every bad line is named with its field, and no line of the body is stored', async () => {
    const before = await pairsHeld();
    const body = [
      '{"name": "ok.example.com", "addresses": ["192.0.2.1"]}',
      '{"name": "ok.example.com", "addresses": ["192.0.2.300"]}',
      'not json',
      '["an", "array"]',
      '{"name": "bad name!", "addresses": ["192.0.2.2"]}',
      '{"name": "x.example.com", "addresses": []}',
      `{"name": "${'a'.repeat(64)}.example.com", "addresses": ["192.0.2.3"]}`,
      '{"name": "many.example.com", "addresses": ["192.0.2.1","192.0.2.2","192.0.2.3","192.0.2.4","192.0.2.5","192.0.2.6","192.0.2.7","192.0.2.8","192.0.2.9"]}',
      '{"name": "deep.example.com", "addresses": [[[[[["192.0.2.1"]]]]]]}',
    ].join('\n');
    const error = await expectError(await post(body), 400, 'invalid-dns-answers', /8 of 9 lines are not DNS answers/);
    expect(error.path).toBe('line 2.addresses[0]');
    for (const part of [
      'line 2: addresses[0]: expected an IPv4 or IPv6 address, got "192.0.2.300"',
      'line 3: invalid JSON',
      'line 4: expected an object',
      'line 5: name: expected a DNS name',
      'line 6: addresses: expected a non-empty list',
      'line 7: name:',
      'line 8: addresses: 9 addresses; at most 8 per answer',
      'line 9: addresses[0]: expected an IPv4 or IPv6 address',
    ]) {
      expect(error.message).toContain(part);
    }
    expect(await pairsHeld()).toBe(before);
    await expectError(await post(''), 400, 'invalid-dns-answers', /body: no answers/);
  });

  it('oversized: a body over the limit (declared or chunked) and a line over the limit are refused whole', async () => {
    const before = await pairsHeld();
    const line = (i: number) => `{"name": "n${i}.example.com", "addresses": ["192.0.2.${i % 250}"]}`;
    const big = Array.from({ length: 200 }, (_, i) => line(i)).join('\n');
    await expectError(await post(big), 413, 'too-large', /body: over 4096 bytes; nothing was stored/);
    // Chunked, without a Content-Length: counted as it arrives.
    const encoder = new TextEncoder();
    const chunks = Array.from({ length: 200 }, (_, i) => encoder.encode(`${line(i)}\n`));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    await expectError(await post(stream), 413, 'too-large', /over 4096 bytes/);
    const long = `{"name": "long.example.com", "addresses": [${Array.from({ length: 60 }, () => '"192.0.2.1"').join(',')}]}`;
    await expectError(await post(`${line(1)}\n${long}\n`), 413, 'line-too-long', /line 2: over 512 bytes/);
    expect(await pairsHeld()).toBe(before);
  });

  it('foreign origin: another site, a form body type or a plain-text body cannot import', async () => {
    const before = await pairsHeld();
    const line = '{"name": "csrf.example.com", "addresses": ["192.0.2.9"]}';
    await expectError(await post(line, { origin: 'http://evil.example' }), 403, 'cross-site', /origin/);
    await expectError(await post(line, { 'sec-fetch-site': 'cross-site' }), 403, 'cross-site', /another site/);
    await expectError(
      await post(line, { 'content-type': 'text/plain' }),
      415,
      'unsupported-media-type',
      /content-type/,
    );
    await expectError(
      await post(line, { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported-media-type',
      /content-type/,
    );
    // The same request from this server's own page is taken.
    expect((await post(line, { origin: base, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect(await pairsHeld()).toBe(before + 1);
  });

  it('concurrent: parallel imports are each stored whole, and a bad one among them stores nothing', async () => {
    const before = await pairsHeld();
    const posts = Array.from({ length: 24 }, (_, i) =>
      post(
        i === 7
          ? '{"name": "bad.example.com", "addresses": ["nope"]}'
          : `{"name": "c${i}.example.com", "addresses": ["198.51.100.${i}", "198.51.100.${100 + i}"]}`,
      ),
    );
    const replies = await Promise.all(posts);
    expect(replies.map((r) => r.status)).toEqual(replies.map((_, i) => (i === 7 ? 400 : 200)));
    expect(await pairsHeld()).toBe(before + 23 * 2);
    const names = answers.byName();
    expect(names.get('c3.example.com')?.sort()).toEqual(['198.51.100.103', '198.51.100.3']);
    expect(names.has('bad.example.com')).toBe(false);
  });
});

describe('DnsAnswers: retention, bounds and the file', () => {
  let folder = '';
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'verdict-dns-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('forgets answers older than the retention, refreshes re-imported ones, and drops the oldest beyond the bound', () => {
    let now = 1000;
    const table = new DnsAnswers({ retentionSeconds: 100, maxPairs: 3, now: () => now });
    table.import([{ name: 'a.example', addresses: ['192.0.2.1'] }]);
    now = 1050;
    table.import([{ name: 'b.example', addresses: ['192.0.2.2'] }]);
    now = 1090;
    table.import([{ name: 'a.example', addresses: ['192.0.2.1'] }]);
    now = 1160;
    // b (imported at 1050) is past retention; a was refreshed at 1090.
    expect([...table.byName().keys()]).toEqual(['a.example']);
    const result = table.import([{ name: 'c.example', addresses: ['192.0.2.3', '192.0.2.4', '192.0.2.5'] }]);
    expect(result).toEqual({ pairs: 3, names: 1, evicted: 1 });
    expect(table.summary()).toMatchObject({ names: 1, pairs: 3, oldest: 1160, newest: 1160 });
  });

  it('writes every import through to its file and reads it back; a damaged file starts empty with a warning', () => {
    const file = join(folder, 'dns-answers.json');
    let now = 5000;
    const first = new DnsAnswers({ retentionSeconds: 3600, file, now: () => now });
    first.import([{ name: 'kept.example', addresses: ['203.0.113.5', '2001:db8::5'] }]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1 });
    now = 6000;
    const second = new DnsAnswers({ retentionSeconds: 3600, file, now: () => now });
    expect(second.byName().get('kept.example')).toEqual(['203.0.113.5', '2001:db8::5']);
    // Past retention when read back: gone.
    now = 9000;
    expect(new DnsAnswers({ retentionSeconds: 3600, file, now: () => now }).summary().pairs).toBe(0);
    writeFileSync(file, '{"version": 1, "pairs": [');
    const warnings: string[] = [];
    const damaged = new DnsAnswers({ retentionSeconds: 3600, file, now: () => now, warn: (m) => warnings.push(m) });
    expect(damaged.summary().pairs).toBe(0);
    expect(warnings[0]).toMatch(/DNS answers not read from .*dns-answers\.json: .*starting empty/);
  });

  it('an import that cannot be written is refused and leaves the table as it was', () => {
    const table = new DnsAnswers({ retentionSeconds: 3600, file: join(folder, 'missing', 'dns.json') });
    expect(() => table.import([{ name: 'x.example', addresses: ['192.0.2.1'] }])).toThrow(/ENOENT/);
    expect(table.summary().pairs).toBe(0);
  });
});
