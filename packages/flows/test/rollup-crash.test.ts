// Kills a process with SIGKILL in the middle of SQLite roll-ups, again and again, and checks after
// every kill that the store still answers every counter exactly: nothing lost, nothing doubled.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flowBetween, T0 } from '../src/fixtures.ts';
import type { Flow } from '../src/model.ts';
import { createSqliteStore } from '../src/sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'verdict-rollup-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const child = join(import.meta.dirname, 'rollup-child.ts');

/** Runs the roll-up child; kills it `killAfterMs` after it starts rolling. Resolves with its last words. */
function rollInChild(path: string, now: number, killAfterMs: number): Promise<{ killed: boolean; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, path, String(now)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (timer === undefined && out.includes('rolling')) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    });
    p.on('error', reject);
    p.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', out });
    });
  });
}

describe('SQLite roll-ups under kill -9', () => {
  it('a kill at any point of the roll-up loses nothing and doubles nothing', async () => {
    const path = join(dir, 'flows.db');
    // A day of 20 keys, one window each per 15 s, ingested through the store as a day ago.
    const start = T0 - 86_400;
    const seed = createSqliteStore({ path, now: () => T0, autoRollover: false });
    let total = 0;
    let batch: Flow[] = [];
    for (let t = start; t < T0 - 60; t += 15) {
      for (let k = 0; k < 20; k++) {
        const packetsIn = 1 + ((t / 15 + k) % 11);
        total += packetsIn;
        batch.push(flowBetween(`ns-${k % 4}/src-${k}`, `ns-${k % 3}/dst`, { startTime: t, packetsIn }));
      }
      if (batch.length >= 4000) {
        await seed.ingest(batch);
        batch = [];
      }
    }
    await seed.ingest(batch);
    await seed.close();

    const totalNow = async () => {
      const s = createSqliteStore({ path, now: () => T0, autoRollover: false });
      try {
        const r = await s.list({ range: { gte: start, lt: T0 }, pageSize: 0 });
        return { packets: r.flows.reduce((a, f) => a + f.flow.packetsIn, 0), keys: r.totalResults };
      } finally {
        await s.close();
      }
    };
    expect(await totalNow()).toEqual({ packets: total, keys: 20 });
    let kills = 0;
    for (const ms of [40, 150, 90, 300, 20, 600, 250, 70]) {
      const r = await rollInChild(path, T0, ms);
      if (r.killed) kills++;
      expect(await totalNow()).toEqual({ packets: total, keys: 20 });
      if (!r.killed) break;
    }
    // The roll-up is long enough that at least one kill came in its middle.
    expect(kills).toBeGreaterThan(0);
    const finished = await rollInChild(path, T0, 60_000);
    expect(finished.out).toMatch(/done \d+/);
    expect(await totalNow()).toEqual({ packets: total, keys: 20 });
    // And the roll-up really happened: the day is now answered at 5 min, 15 s windows kept for an hour only.
    const s = createSqliteStore({ path, now: () => T0, autoRollover: false });
    const r = await s.list({ range: { gte: start, lt: T0 - 3600 }, pageSize: 0 });
    expect(r.resolution).toBe(300);
    await s.close();
  }, 120_000);
});
