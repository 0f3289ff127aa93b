// Helpers for end-to-end tests over real sockets: free ports, polling, in-process and spawned servers.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { resolveConfig, type ServeConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { type RunningVerdict, startVerdict } from '../src/serve.ts';

export const ROOT = resolve(import.meta.dirname, '../../..');

export async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `probe` until it returns a value (errors count as not yet), for at most `seconds`. */
export async function until<T>(probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${seconds} s`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

export function configOf(flags: Record<string, unknown>): ServeConfig {
  const resolved = resolveConfig(flags, {});
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  return resolved.config;
}

/** `verdict serve` in this process on free ports, demo cluster, no demo traffic unless asked. */
export function startQuiet(flags: Record<string, unknown> = {}): Promise<RunningVerdict> {
  return startVerdict(
    configOf({ store: 'memory', 'http-port': '0', 'grpc-port': '-1', 'demo-traffic': false, ...flags }),
    silentLogger,
  );
}

export interface Spawned {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** Spawns `verdict serve <args>` (through tsx) and collects its output. */
export function spawnServe(args: readonly string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => text, exited };
}

/** Waits until `GET url/readyz` answers at all (any status). */
export async function listening(url: string, seconds = 60): Promise<void> {
  await until(async () => ((await fetch(`${url}/livez`)).ok ? true : undefined), seconds);
}

/** A raw flow line from an external scanner to a demo node: a key the demo never produces. */
export function scannerLine(port: number, startTime: number): string {
  return JSON.stringify({
    source: { ip: '198.51.100.77' },
    destination: { ip: '10.0.0.12' },
    protocol: 'TCP',
    port,
    startTime,
  });
}

export const NDJSON = { 'content-type': 'application/x-ndjson' } as const;
