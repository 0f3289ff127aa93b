// Property tests over hostile input for the server's decoders (issue #12 fuzz suite): NDJSON ingest and
// rehearsal bodies over HTTP, Goldmane requests as raw protobuf bytes over gRPC, and whisker-backend
// and /api/v1 filters. Properties: no crash (the server keeps answering), no 500, every rejection
// coded. Seeded (FUZZ_SEED overrides) and bounded in runs and time.
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NDJSON, scannerLine, startQuiet } from '../test/harness.ts';
import { parseFilters as parseApiFilters } from './api/filters.ts';
import type { RunningVerdict } from './serve.ts';
import { parseFilters as parseWhiskerFilters } from './whisker/filters.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const runs = (numRuns: number) => ({ seed: SEED, numRuns, interruptAfterTimeLimit: 20_000 }) as const;
const isCoded = (code: unknown) => typeof code === 'string' && /^[a-z]+(-[a-z]+)*$/.test(code);
const now = Math.floor(Date.now() / 1000);

/** JSON text, sometimes cut short or with a character replaced. */
const damaged = (json: fc.Arbitrary<unknown>) =>
  fc.tuple(json, fc.nat(), fc.nat(3), fc.string({ unit: 'binary', maxLength: 2 })).map(([value, at, op, chars]) => {
    const text = JSON.stringify(value) ?? 'null';
    const i = at % (text.length + 1);
    if (op === 0) return text.slice(0, i);
    if (op === 1) return text.slice(0, i) + chars + text.slice(i + 1);
    return text;
  });

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'TCP', 'Allow', 'Deny', 'Src', '10.0.0.0/8'));
const anyJson = fc.jsonValue({ maxDepth: 3 });
const num = fc.oneof(
  fc.integer(),
  fc.constantFrom(-1, 0, 65_535, 65_536, 99_999, 1e300, -5, 1.5, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2),
);

const endpoint = fc.oneof(
  fc.record({ ip: fc.oneof(fc.ipV4(), fc.ipV6(), text) }),
  fc.record({ namespace: fc.constantFrom('shop', 'payments', '-', ''), name: text }),
  anyJson,
);
const rawFlow = fc.record(
  {
    source: endpoint,
    destination: endpoint,
    port: num,
    destPort: num,
    protocol: fc.oneof(text, num),
    startTime: fc.oneof(num, fc.constant(now - 60)),
    packetsIn: num,
    bytesIn: num,
    sourcePort: num,
  },
  { requiredKeys: ['source', 'destination'] },
);
const goldmaneFlow = fc.record(
  {
    Key: fc.dictionary(
      fc.constantFrom('source_name', 'dest_port', 'proto', 'reporter', 'action', 'policies', 'destType', 'bogus'),
      fc.oneof(anyJson, num, text),
    ),
    start_time: num,
    source_labels: fc.array(text, { maxLength: 3 }),
    packets_in: num,
  },
  { requiredKeys: ['Key'] },
);
const ndjsonLine = fc.oneof(
  rawFlow.map((f) => JSON.stringify(f)),
  goldmaneFlow.map((f) => JSON.stringify(f)),
  damaged(rawFlow),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constant(scannerLine(443, now - 60)),
);

const stringMatches = fc.array(
  fc.oneof(fc.record({ value: text, type: fc.constantFrom('Exact', 'Fuzzy', 'Regex', '') }), anyJson),
  { maxLength: 3 },
);
const filterKeys = [
  'sourceNames',
  'destNames',
  'destPorts',
  'destPortRanges',
  'actions',
  'policies',
  'sourceSelector',
  'sourceCidrs',
  'reporter',
  'pendingDiffers',
  'clusters',
  'source_names',
  'dest_ports',
  'pending_actions',
  'bogus',
];
const filterValue = fc.oneof(
  stringMatches,
  fc.array(num, { maxLength: 3 }),
  fc.array(fc.record({ min: num, max: num }), { maxLength: 2 }),
  fc.array(fc.record({ kind: text, name: fc.record({ value: text }), action: text }), { maxLength: 2 }),
  text,
  anyJson,
);
const filterText = fc.oneof(
  fc.dictionary(fc.constantFrom(...filterKeys), filterValue, { maxKeys: 4 }).map((f) => JSON.stringify(f)),
  damaged(fc.dictionary(fc.constantFrom(...filterKeys), filterValue, { maxKeys: 3 })),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

describe('fuzz: whisker-backend and /api/v1 filter decoding', () => {
  it('never throws; a rejection is a coded issue whose path starts at filters', () => {
    fc.assert(
      fc.property(filterText, (raw) => {
        for (const parsed of [parseApiFilters(raw), parseWhiskerFilters(raw)]) {
          if (parsed.ok) continue;
          expect(isCoded(parsed.error.code), parsed.error.code).toBe(true);
          expect(parsed.error.path.startsWith('filters')).toBe(true);
          expect(parsed.error.message.startsWith(parsed.error.path)).toBe(true);
        }
      }),
      runs(1000),
    );
  });
});

describe('fuzz over sockets', () => {
  let verdict: RunningVerdict;
  beforeAll(async () => {
    verdict = await startQuiet({ 'grpc-port': '0', 'grpc-host': '127.0.0.1' });
  });
  afterAll(() => verdict?.close());

  const alive = async () => expect((await fetch(`${verdict.httpUrl}/livez`)).status).toBe(200);

  it('NDJSON ingest: every line is stored or rejected with a coded reason naming its line; never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ndjsonLine, { minLength: 1, maxLength: 8 }), async (lines) => {
        const body = lines.join('\n');
        const response = await fetch(`${verdict.httpUrl}/api/v1/ingest`, { method: 'POST', headers: NDJSON, body });
        const reply = (await response.json()) as {
          stored?: number;
          rejected?: number;
          errors?: { line: number; code: string; message: string }[];
          error?: { code: string; message: string };
        };
        if (response.status !== 200) {
          expect(response.status).toBeLessThan(500);
          expect(isCoded(reply.error?.code)).toBe(true);
          return;
        }
        const nonBlank = body.split('\n').filter((l) => l.trim() !== '').length;
        expect(reply.errors?.length).toBe(reply.rejected);
        expect(reply.rejected).toBeLessThanOrEqual(nonBlank);
        for (const e of reply.errors ?? []) {
          expect(isCoded(e.code), e.code).toBe(true);
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      runs(150),
    );
    await alive();
  });

  it('Goldmane gRPC: random and damaged protobuf bytes get a status with details, never INTERNAL or a crash', async () => {
    const client = new grpc.Client(verdict.grpcAddress as string, grpc.credentials.createInsecure());
    const identity = (b: Buffer) => b;
    const call = (method: string, bytes: Uint8Array) =>
      new Promise<grpc.ServiceError | null>((done) =>
        client.makeUnaryRequest(method, identity, identity, Buffer.from(bytes), (e) => done(e)),
      );
    // A FlowListRequest with a filter holding one source name (fields 1-3 varints, 5 = filter message).
    const valid = Uint8Array.from([0x08, 0x00, 0x10, 0x00, 0x2a, 0x07, 0x0a, 0x05, 0x0a, 0x03, 0x77, 0x65, 0x62]);
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
        const copy = valid.slice();
        copy[i] = b;
        return copy;
      }),
    );
    const methods = fc.constantFrom('/goldmane.Flows/List', '/goldmane.Flows/FilterHints');
    try {
      await fc.assert(
        fc.asyncProperty(methods, bytes, async (method, b) => {
          const error = await call(method, b);
          if (error === null) return;
          expect([grpc.status.INVALID_ARGUMENT, grpc.status.UNKNOWN]).toContain(error.code);
          expect(error.details.length).toBeGreaterThan(0);
        }),
        runs(300),
      );
    } finally {
      client.close();
    }
    await alive();
  });

  it('rehearsal and promote input: 200/202 or a coded 400, never a 500', async () => {
    const changeSet = fc.oneof(
      fc.constantFrom(
        'apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec: {selector: all()}\n',
        'kind: PolicyDeletions\napiVersion: verdict.dev/v1\n',
        '[[[[',
        'a: &a [*a]',
      ),
      fc.string({ maxLength: 80 }),
      anyJson,
    );
    const body = fc.oneof(
      fc
        .record(
          { changeSet, start: num, end: num, allowBreaking: fc.oneof(fc.array(text, { maxLength: 2 }), anyJson) },
          { requiredKeys: ['changeSet'] },
        )
        .map((b) => JSON.stringify(b)),
      damaged(fc.record({ changeSet, start: num })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/rehearsals?wait=true', '/api/v1/promote'), body, async (path, b) => {
        const response = await fetch(`${verdict.httpUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: b,
        });
        const reply = (await response.json()) as { error?: { code: string } };
        expect(response.status, JSON.stringify(reply).slice(0, 300)).toBeLessThan(500);
        if (response.status >= 400) expect(isCoded(reply.error?.code)).toBe(true);
      }),
      runs(150),
    );
    await alive();
  });
});
