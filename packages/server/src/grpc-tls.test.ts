// Certificate rotation on the Goldmane gRPC port (replace-Goldmane mode): the Secret's files change
// under a running Verdict; an open Felix stream keeps delivering, a new connection sees the new certificate.
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from '../test/certs.ts';
import { eventually, flowBetween } from '../test/fixtures.ts';
import { resolveConfig } from './config.ts';
import { flowToProto, loadGoldmaneGrpc } from './goldmane/index.ts';
import { silentLogger } from './log.ts';
import { type RunningVerdict, startVerdict } from './serve.ts';

const dir = mkdtempSync(join(tmpdir(), 'verdict-grpc-rotate-'));
const file = (name: string) => join(dir, name);

/** Puts `<name>.crt/.key` where the Secret is mounted, each replaced in one rename as the kubelet does. */
function mount(name: string): void {
  for (const suffix of ['crt', 'key']) {
    copyFileSync(file(`${name}.${suffix}`), file(`mounted.${suffix}.tmp`));
    renameSync(file(`mounted.${suffix}.tmp`), file(`tls.${suffix}`));
  }
}

/** The common name of the certificate a new TLS connection to `address` is shown. */
function servedName(address: string): Promise<string> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host,
        port,
        ca: [readPem('ca.crt')],
        cert: readPem('felix.crt'),
        key: readPem('felix.key'),
        ALPNProtocols: ['h2'],
        servername: 'localhost',
      },
      () => {
        const name = socket.getPeerCertificate().subject?.CN;
        socket.destroy();
        resolve(String(name));
      },
    );
    socket.on('error', reject);
  });
}

const readPem = (name: string) => readFileSync(file(name));

type Receipts = grpc.ClientDuplexStream<object, object>;

describe('gRPC certificate reload', () => {
  let verdict: RunningVerdict;
  beforeAll(async () => {
    makeCa(dir);
    for (const name of ['server-before', 'server-after']) makeLeaf(dir, name, ['IP:127.0.0.1', 'DNS:localhost']);
    makeLeaf(dir, 'felix');
    mount('server-before');
    const resolved = resolveConfig(
      {
        store: 'memory',
        'http-port': '0',
        'grpc-port': '0',
        'grpc-tls-cert': file('tls.crt'),
        'grpc-tls-key': file('tls.key'),
        'grpc-tls-ca': file('ca.crt'),
        'grpc-tls-reload': '1',
        'demo-traffic': false,
      },
      {},
    );
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    verdict = await startVerdict(resolved.config, silentLogger);
  });
  afterAll(async () => {
    await verdict?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a rotated certificate reaches new connections while an open Felix stream keeps delivering', async () => {
    const address = verdict.grpcAddress ?? '';
    expect(await servedName(address)).toBe('server-before');
    const { FlowCollector } = loadGoldmaneGrpc();
    const felix = new FlowCollector(
      address,
      grpc.credentials.createSsl(readPem('ca.crt'), readPem('felix.key'), readPem('felix.crt')),
    ) as unknown as grpc.Client & { connect(): Receipts };
    const stream = felix.connect();
    let receipts = 0;
    stream.on('data', () => receipts++);
    const errors: unknown[] = [];
    stream.on('error', (e) => errors.push(e));
    const now = Math.floor(Date.now() / 1000) - 20;
    const push = (port: number) =>
      stream.write({
        flow: flowToProto(
          flowBetween('shop/frontend-*', 'shop/checkout-*', { destPort: port }, { startTime: now, endTime: now + 5 }),
        ),
      });

    push(1);
    await eventually(() => receipts === 1, 10_000);
    mount('server-after');
    await eventually(async () => (await servedName(address)) === 'server-after', 15_000);
    push(2);
    await eventually(() => receipts === 2, 10_000);
    expect(errors).toEqual([]);
    stream.end();
    felix.close();
    await verdict.pipeline.drain();
    const stored = await verdict.store.list({ range: { gte: now - 60, lt: now + 60 }, pageSize: 0 });
    expect(stored.flows.map((r) => r.flow.key.destPort).sort()).toEqual([1, 2]);
  });

  it('refuses a key that does not belong to its certificate at start, naming both settings', async () => {
    const resolved = resolveConfig(
      {
        store: 'memory',
        'http-port': '0',
        'grpc-port': '0',
        'grpc-tls-cert': file('server-before.crt'),
        'grpc-tls-key': file('server-after.key'),
        'demo-traffic': false,
      },
      {},
    );
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
    await expect(startVerdict(resolved.config, silentLogger)).rejects.toThrow(
      /--grpc-tls-cert \/ --grpc-tls-key: .*server-before\.crt and .*server-after\.key do not make a key pair/,
    );
  });
});
