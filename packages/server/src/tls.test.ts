// Goldmane gRPC over mutual TLS, as Felix connects to it, and the HTTP API over TLS, as Calico 3.33's
// Whisker proxy expects it: certificates made with openssl.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from '../test/certs.ts';
import { resolveConfig } from './config.ts';
import { loadGoldmaneGrpc } from './goldmane/index.ts';
import { silentLogger } from './log.ts';
import { type RunningVerdict, startVerdict } from './serve.ts';

const dir = mkdtempSync(join(tmpdir(), 'verdict-tls-'));
const file = (name: string) => join(dir, name);

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  makeCa(dir);
  makeLeaf(dir, 'server', ['IP:127.0.0.1', 'DNS:localhost']);
  makeLeaf(dir, 'client');
}

type ListClient = grpc.Client & {
  list(request: object, callback: (error: grpc.ServiceError | null, result?: { flows: unknown[] }) => void): void;
};

describe('Goldmane gRPC with mutual TLS', () => {
  let verdict: RunningVerdict;
  beforeAll(async () => {
    makeCertificates();
    const resolved = resolveConfig(
      {
        store: 'memory',
        'http-port': '0',
        'grpc-port': '0',
        'grpc-tls-cert': file('server.crt'),
        'grpc-tls-key': file('server.key'),
        'grpc-tls-ca': file('ca.crt'),
        'http-tls-cert': file('server.crt'),
        'http-tls-key': file('server.key'),
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

  const list = (credentials: grpc.ChannelCredentials) =>
    new Promise<{ flows: unknown[] } | grpc.ServiceError>((resolve) => {
      const { Flows } = loadGoldmaneGrpc();
      const client = new Flows(verdict.grpcAddress ?? '', credentials) as unknown as ListClient;
      client.list({}, (error, result) => {
        client.close();
        resolve(error ?? result ?? { flows: [] });
      });
    });

  it('answers a client that presents a certificate signed by the CA', async () => {
    const ca = readFileSync(file('ca.crt'));
    const result = await list(
      grpc.credentials.createSsl(ca, readFileSync(file('client.key')), readFileSync(file('client.crt'))),
    );
    expect(result).toEqual({ meta: expect.anything(), flows: [] });
  });

  it('refuses a client without a certificate, and a plaintext client', async () => {
    const ca = readFileSync(file('ca.crt'));
    expect(await list(grpc.credentials.createSsl(ca))).toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(await list(grpc.credentials.createInsecure())).toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('serves the HTTP API over TLS with the configured certificate, and not in plaintext', async () => {
    expect(verdict.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(file('ca.crt'));
    const status = await new Promise<number>((resolve, reject) =>
      httpsGet(`${verdict.httpUrl}/livez`, { ca }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject),
    );
    expect(status).toBe(200);
    const plain = await new Promise<number | string>((resolve) =>
      httpGet(`${verdict.httpUrl.replace('https:', 'http:')}/livez`, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', (error) => resolve(error.message)),
    );
    expect(plain).not.toBe(200);
  });

  it('refuses half a TLS configuration with a clear message', () => {
    const resolved = resolveConfig({ 'grpc-tls-cert': file('server.crt') }, {});
    expect(resolved.ok ? [] : resolved.errors.map((error) => error.message)).toEqual([
      'give both the certificate and its key, or neither',
    ]);
  });
});
