import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
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
