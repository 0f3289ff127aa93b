// Regression tests for issue #12 "Security": CSRF, DNS rebinding and missing UI headers, against a
// running `verdict serve` over a real socket.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQuiet } from '../../test/harness.ts';
import type { RunningVerdict } from '../serve.ts';

/** A raw HTTP request, so that Host, Origin and Sec-Fetch-Site can be set as a browser would. */
function raw(
  url: string,
  method: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

const POLICY = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: csrf-probe}
spec: {selector: all(), types: [Ingress], ingress: [{action: Deny}]}`;

describe('#12 security: cross-site writes, DNS rebinding, UI headers', () => {
  let verdict: RunningVerdict;
  beforeAll(async () => {
    verdict = await startQuiet();
  });
  afterAll(() => verdict?.close());

  it('a form-encoded or text/plain POST (what a plain HTML form sends) is refused with 415 and applies nothing', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const reply = await raw(`${verdict.httpUrl}/api/v1/policies`, 'POST', { 'content-type': type }, POLICY);
      expect(reply.status).toBe(415);
      expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'unsupported-media-type' } });
    }
    expect(verdict.evaluator().policy('GlobalNetworkPolicy', undefined, 'csrf-probe')).toBeUndefined();
  });

  it('a write from another origin or marked cross-site is refused with 403 even with a JSON/YAML type', async () => {
    const fromEvil = await raw(
      `${verdict.httpUrl}/api/v1/policies`,
      'POST',
      { 'content-type': 'application/yaml', origin: 'http://evil.example' },
      POLICY,
    );
    expect(fromEvil.status).toBe(403);
    expect(JSON.parse(fromEvil.body)).toMatchObject({ error: { code: 'cross-site' } });
    const crossSite = await raw(
      `${verdict.httpUrl}/api/v1/ingest`,
      'POST',
      { 'content-type': 'application/x-ndjson', 'sec-fetch-site': 'cross-site' },
      '{}',
    );
    expect(crossSite.status).toBe(403);
    expect(verdict.evaluator().policy('GlobalNetworkPolicy', undefined, 'csrf-probe')).toBeUndefined();
  });

  it('a same-origin YAML write still works', async () => {
    const origin = verdict.httpUrl;
    const reply = await raw(
      `${verdict.httpUrl}/api/v1/policies`,
      'POST',
      { 'content-type': 'application/yaml', origin, 'sec-fetch-site': 'same-origin' },
      POLICY.replace('csrf-probe', 'same-origin-ok'),
    );
    expect(reply.status).toBe(200);
  });

  it('a request whose Host is not a configured name (DNS rebinding) is refused with 421', async () => {
    const reply = await raw(`${verdict.httpUrl}/whisker-backend/flows`, 'GET', { host: 'rebind.attacker.example' });
    expect(reply.status).toBe(421);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'invalid-host' } });
    const loopback = await raw(`${verdict.httpUrl}/livez`, 'GET', { host: 'localhost:1234' });
    expect(loopback.status).toBe(200);
  });

  it('--allowed-host adds a name', async () => {
    const other = await startQuiet({ 'allowed-host': ['verdict.internal'] });
    try {
      const reply = await raw(`${other.httpUrl}/livez`, 'GET', { host: 'verdict.internal:8080' });
      expect(reply.status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('every response has nosniff, no framing and no referrer; HTML has a CSP without inline script', async () => {
    const page = await raw(`${verdict.httpUrl}/`, 'GET', {});
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const api = await raw(`${verdict.httpUrl}/api/v1/tiers`, 'GET', {});
    expect(api.headers['x-content-type-options']).toBe('nosniff');
  });
});
