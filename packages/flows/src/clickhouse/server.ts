// A throwaway clickhouse-server for tests and benchmarks: loopback only, free ports, data under a
// temporary folder, stopped (and restartable on the same data) by the caller.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalClickHouse {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  /** Kills the server (SIGKILL: no clean shutdown) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same data and port. */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/** `$CLICKHOUSE_SERVER`, or where Debian's package puts it. */
function binary(): string {
  const given = process.env.CLICKHOUSE_SERVER;
  if (given) return given;
  return (
    ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'].find((p) => existsSync(p)) ?? 'clickhouse-server'
  );
}
const CONFIG = process.env.CLICKHOUSE_CONFIG ?? '/etc/clickhouse-server/config.xml';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/?query=SELECT%201`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`clickhouse-server did not answer on ${url} within ${timeoutMs} ms`);
}

/** Starts clickhouse-server with its data in a fresh temporary folder (or `dir`). */
export async function startLocalClickHouse(
  options: { dir?: string; timeoutMs?: number } = {},
): Promise<LocalClickHouse> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'verdict-clickhouse-'));
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const [http, tcp, interserver] = [await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${http}`;
  const args = [
    `--config-file=${CONFIG}`,
    '--',
    `--path=${dir}/`,
    `--tmp_path=${dir}/tmp/`,
    `--user_files_path=${dir}/user_files/`,
    `--format_schema_path=${dir}/format_schemas/`,
    `--http_port=${http}`,
    `--tcp_port=${tcp}`,
    `--interserver_http_port=${interserver}`,
    `--logger.log=${dir}/server.log`,
    `--logger.errorlog=${dir}/server.err.log`,
    '--logger.level=warning',
    '--listen_host=127.0.0.1',
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(binary(), args, { cwd: dir, stdio: 'ignore' });
    child.on('error', () => {});
    await waitUntilUp(url, child, options.timeoutMs ?? 30_000);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url,
    dir,
    kill,
    restart: launch,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
