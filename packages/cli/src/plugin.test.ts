// `kubectl verdict` with the real kubectl against the Kubernetes API emulator over HTTPS with a bearer
// token (kubectl sends tokens only over TLS), with a certificate made by openssl for the test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The emulator is the cluster package's test server; the plugin is tested against the same one.
import { type ApiEmulator, startApiEmulator } from '../../cluster/test/emulator.ts';
import { runPlugin } from './plugin.ts';
import type { Io } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubectl-verdict-'));
const kubeconfig = join(dir, 'kubeconfig');
let api: ApiEmulator;

const pod = (namespace: string, name: string, app: string, ip: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, labels: { app } },
  spec: { nodeName: 'node-1', containers: [{ name: app, image: app, ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
});

beforeAll(async () => {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'tls.key'),
      '-out',
      join(dir, 'tls.crt'),
    ]),
    { stdio: 'ignore' },
  );
  const tls = { cert: readFileSync(join(dir, 'tls.crt'), 'utf8'), key: readFileSync(join(dir, 'tls.key'), 'utf8') };
  api = await startApiEmulator({
    tls,
    resources: [
      { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
      { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
      { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
      { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
    ],
  });
  api.writeKubeconfig(kubeconfig, { context: 'emulated', ca: tls.cert });
  for (const name of ['shop', 'db']) api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  api.apply(pod('shop', 'web-1', 'web', '10.0.1.10'));
  api.apply(pod('db', 'postgres-0', 'postgres', '10.0.2.10'));
  api.apply({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { namespace: 'db', name: 'postgres-from-api-only' },
    spec: {
      podSelector: { matchLabels: { app: 'postgres' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    },
  });
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function plugin(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdin: Readable.from([]),
    openFile: () => Readable.from([]),
  };
  return { code: await runPlugin(args, io), stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('kubectl verdict', () => {
  it('trace reads the cluster through kubectl (the kubeconfig given) and explains the flow', async () => {
    const result = await plugin([
      'trace',
      '--kubeconfig',
      kubeconfig,
      '--from',
      'shop/web-1',
      '--to',
      'db/postgres-0',
      '--port',
      '5432',
    ]);
    expect(result.stdout).toContain('Enforced: DENY');
    expect(result.stdout).toContain('postgres-from-api-only');
    expect(result.code).toBe(0);
    // Kinds the API server does not serve are named, not fatal.
    expect(result.stderr).toMatch(/globalnetworkpolicies\.projectcalico\.org: not served/);
    expect(api.requests.get('GET /api/v1/pods')).toBeGreaterThan(0);
  });

  it('open says clearly when the port-forward cannot be made, exit 2', async () => {
    const result = await plugin(['open', '--kubeconfig', kubeconfig, '--verdict-namespace', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('kubectl port-forward to svc/verdict in namespace nowhere failed');
    expect(result.stderr).toContain('verdict install | kubectl apply -f -');
  });

  it('with no command: the plugin help and exit 2; a missing option value is exit 2', async () => {
    const none = await plugin([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: kubectl verdict <command> [options]');
    expect((await plugin(['trace', '--context'])).code).toBe(2);
  });
});
