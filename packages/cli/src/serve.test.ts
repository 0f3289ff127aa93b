import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { demoClusterFiles } from '@verdict/demo';
import { loadResources } from '@verdict/engine';
import { type RunningVerdict, resolveConfig, silentLogger, startVerdict } from '@verdict/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from './run.ts';

let server: RunningVerdict;
beforeAll(async () => {
  const resolved = resolveConfig({ store: 'memory', 'http-port': '0', 'grpc-port': '-1', 'demo-traffic': false }, {});
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  server = await startVerdict(resolved.config, silentLogger);
});
afterAll(() => server?.close());

async function verdict(args: string[], stdin: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdin: Readable.from([stdin]),
    openFile: () => Readable.from([stdin]),
  };
  return { code: await run(args, io), stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('verdict ingest', () => {
  it('sends NDJSON to a running server, stores the good lines and names the bad ones by line number', async () => {
    const lines = [
      JSON.stringify({ source: { ip: '198.51.100.20' }, destination: { ip: '10.0.0.11' }, protocol: 'TCP', port: 22 }),
      '{"source": {"ip": "198.51.100.20"}}',
      JSON.stringify({ source: { namespace: 'storefront', name: 'nope' }, destination: { ip: '10.0.0.11' }, port: 22 }),
    ];
    const result = await verdict(['ingest', '--server', server.httpUrl, '-'], lines.join('\n'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('3 lines read, 1 flow records stored, 2 lines rejected');
    expect(result.stderr.split('\n')).toEqual([
      expect.stringMatching(/^line 2: expected a Goldmane flow \(with "Key"\) or a raw flow/),
      expect.stringMatching(/^line 3: source: pod storefront\/nope is not in the cluster state/),
    ]);
    const stored = await server.store.stats();
    expect(stored.rows).toBe(1);
  });

  it('says when no server answers', async () => {
    const result = await verdict(['ingest', '--server', 'http://127.0.0.1:9', '-'], '{}');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});

describe('verdict egress and verdict coverage against a running server', () => {
  it('egress --server reads GET /api/v1/egress: destinations and the rehearsed lockdown', async () => {
    const pod = loadResources(demoClusterFiles()).state.pods.find(
      (p) => p.namespace === 'shop' && p.name.startsWith('recommendations'),
    );
    const exfil = JSON.stringify({
      source: { namespace: 'shop', name: pod?.name },
      destination: { ip: '203.0.113.66' },
      protocol: 'TCP',
      port: 4444,
    });
    await verdict(['ingest', '--server', server.httpUrl, '-'], exfil);
    const text = await verdict(['egress', '-n', 'shop', '--server', server.httpUrl, '--since', '1h'], '');
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('External destinations of namespace shop:');
    expect(text.stdout).toContain('203.0.113.66/32 TCP 4444: 1 flows');
    expect(text.stdout).toMatch(/Proposed lockdown rehearsed over \d+ flows/);
    const unknown = await verdict(['egress', '-n', 'nowhere', '--server', server.httpUrl], '');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('answered 404: namespace: nowhere is not in the cluster');
  });

  it('coverage --server reads GET /api/v1/coverage as text, JSON and the HTML report', async () => {
    const text = await verdict(['coverage', '--server', server.httpUrl], '');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Cluster: \d+% of \d+ workloads isolated for ingress/);
    const json = await verdict(['coverage', '--server', server.httpUrl, '-o', 'json'], '');
    expect(JSON.parse(json.stdout)).toMatchObject({ changeLog: true });
    const html = await verdict(['coverage', '--server', server.httpUrl, '-o', 'html'], '');
    expect(html.stdout).toMatch(/^<!doctype html>/);
    const both = await verdict(['coverage', '--server', server.httpUrl, '--flows', '-'], '');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --flows or --server, not both');
  });
});

describe('verdict serve', () => {
  it('accepts a negative number as a value: --grpc-port -1 turns gRPC off, and SIGTERM stops it with exit 0', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'packages/cli/src/main.ts',
        'serve',
        '--store',
        'memory',
        '--http-port',
        '0',
        '--grpc-port',
        '-1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Press Ctrl+C')) resolve();
      });
      child.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    expect(stdout).toMatch(/Goldmane gRPC: +off/);
    const url = /Open the UI: +(http:\/\/\S+)\//.exec(stdout)?.[1];
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a bad value is exit 2 naming the flag', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = {
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      stdin: Readable.from([]),
      openFile: () => Readable.from([]),
    };
    expect(await run(['serve', '--grpc-port', '-2'], io)).toBe(2);
    expect(err.join('\n')).toContain(
      'verdict serve: --grpc-port: expected a port number 0-65535, or -1 for off, got "-2"',
    );
  });
});
