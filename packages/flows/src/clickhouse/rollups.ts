// Roll-ups of the ClickHouse store: the 1 min and 5 min levels of ROLLUP_LEVELS in `flow_rollups`,
// computed by Verdict as the 15 s windows settle, and the SQL that reads a range from the levels
// `planRange` picks.
//
// Exactness. Every 15 s row carries the id of its ingest batch. A fold adds to one level the rows of
// some (coarse bucket, batch) pairs that the level does not hold yet: it first records the pairs in
// the ledger `rollup_folds` under a fresh fold id (state 0), then writes one coarse row per (bucket,
// key, label sets) tagged with that id, then marks the fold written (state 1). So
//  - a pair is folded at most once: the ledger names it before any coarse row of it exists, and the
//    next fold of the bucket leaves out what the ledger names;
//  - a crash between the steps leaves a fold in state 0; it is finished before anything else runs
//    (`repair`), by writing the coarse rows its pairs give that are not yet there (their 15 s rows do
//    not change: a fold takes only settled batches, see below);
//  - a batch is folded only once settled: acknowledged by ClickHouse, or (after an unknown outcome)
//    verified row by row and completed from the spool. Until then its id is in `unsettled` and no
//    fold takes it; settling it runs in the same queue as the folds and folds it into every level
//    that already passed its buckets (a late batch), before its sender is acknowledged. A batch
//    retried or replayed after an outage is therefore folded exactly once, with all its rows.
// Folds of one cluster run in its Verdict, one at a time (the store already assumes one Verdict per
// cluster: it numbers that cluster's keys); Verdicts of other clusters fold only their own rows.
import { randomBytes } from 'node:crypto';
import {
  type LevelCoverage,
  levelBucketStart,
  planRange,
  type RangePlan,
  type RangeSegment,
  ROLLUP_LEVELS,
  ROLLUP_SETTLE_SECONDS,
} from '../rollup.ts';
import type { TimeRange } from '../store.ts';
import { BUCKET_SECONDS } from '../time.ts';
import { WINDOW_COLUMNS } from './rows.ts';
import { int, literal } from './sql.ts';

/** Columns shared by `flow_windows` and `flow_rollups` that reads use (every level answers the same SQL). */
export const LEVEL_COLUMNS = WINDOW_COLUMNS.filter((column) => column !== 'batch' && column !== 'seq');

const COUNTER_COLUMNS = LEVEL_COLUMNS.slice(18);

export interface RollupClient {
  rows<T>(query: string): Promise<T[]>;
  command(query: string): Promise<void>;
  insert(table: string, values: readonly Record<string, unknown>[]): Promise<void>;
}

export interface RollupOptions {
  client: RollupClient;
  cluster: string;
  now(): number;
  retentionSeconds: number;
  /**
   * A day of 15 s windows is dropped only once ClickHouse has written none of its parts for this
   * long (its server clock), so a late batch written into it is folded before the day goes; default 1 h.
   */
  fineDropQuietSeconds?: number;
}

/** `rollup_levels` rows of this name hold, per level, what all clusters share: for 15 s, the end of the last day dropped. */
const ALL_CLUSTERS = '';

/** The coarse levels (index into ROLLUP_LEVELS, 1 and up). */
const COARSE = ROLLUP_LEVELS.map((_, l) => l).slice(1);
/** Coarse buckets a fold takes at most, and (bucket, batch) pairs. */
const FOLD_SECONDS = 3600;
const FOLD_PAIRS = 20_000;
/** A coarse level's day partition is dropped this long after its keep time passed (clock skew between Verdicts). */
const DROP_MARGIN_SECONDS = 3600;

const dayStart = (t: number) => Math.floor(t / 86_400) * 86_400;
/** Unix seconds of the start of a `toYYYYMMDD` day. */
const dayOf = (day: number) => Date.UTC(Math.floor(day / 10_000), (Math.floor(day / 100) % 100) - 1, day % 100) / 1000;
const yyyymmdd = (t: number) => Number(new Date(t * 1000).toISOString().slice(0, 10).replace(/-/g, ''));

/**
 * The buckets each level holds completely for every cluster in `done` (the least `done_until` of a
 * level over the clusters); the 15 s level from `fineFrom` (the end of the last day dropped), a
 * coarse level that drops old days from the day its keep time falls in.
 */
export function levelCoverage(done: readonly number[], now: number, fineFrom = 0): LevelCoverage[] {
  return ROLLUP_LEVELS.map((level, l) => {
    if (l === 0) return { from: fineFrom, until: Number.POSITIVE_INFINITY };
    const from = level.keepSeconds === undefined ? 0 : dayStart(now - level.keepSeconds);
    return { from, until: Math.max(from, done[l] ?? 0) };
  });
}

/**
 * A range read as rows of the shape of `flow_windows` plus `width`: one arm per segment of the plan,
 * each with the conditions inside (18.16 does not push WHERE into a UNION), in PREWHERE when given.
 */
export function levelSource(plan: RangePlan, conditions: readonly string[], prewhere: readonly string[] = []): string {
  const arm = (s: RangeSegment | undefined) => {
    const table = s === undefined || s.level === 0 ? 'flow_windows' : 'flow_rollups';
    const width = s === undefined || s.level === 0 ? `toUInt32(${BUCKET_SECONDS})` : 'width';
    const bounds = s === undefined ? ['0'] : [`bucket >= ${int(Math.ceil(s.gte))}`, `bucket < ${int(Math.ceil(s.lt))}`];
    if (s !== undefined && s.level > 0) bounds.unshift(`width = ${int(s.seconds)}`);
    const pre = prewhere.length > 0 ? ` PREWHERE ${prewhere.join(' AND ')}` : '';
    return `SELECT ${LEVEL_COLUMNS.join(', ')}, ${width} AS width FROM ${table}${pre} WHERE ${[...bounds, ...conditions].join(' AND ')}`;
  };
  const arms = plan.segments.length === 0 ? [arm(undefined)] : plan.segments.map(arm);
  return `(${arms.join(' UNION ALL ')})`;
}

export interface Rollups {
  /** Batch ids not to fold yet: in flight, or waiting in the spool after an unknown outcome. */
  readonly unsettled: Set<number>;
  /** Loads the levels' progress and finishes folds a crash interrupted. */
  start(): Promise<void>;
  /** A batch whose rows are all in ClickHouse: foldable now; folded at once into levels past its buckets. */
  settle(batch: number, minBucket: number, maxBucket: number): Promise<void>;
  /** Folds every coarse bucket whose 15 s windows have settled; returns how many folds ran. */
  rollUp(): Promise<number>;
  /** How `range` is read: the coarsest level holding it completely for every cluster. */
  plan(range: TimeRange): Promise<RangePlan>;
  /** Drops the day partitions of each level past its keep time (the 15 s ones once folded); returns how many. */
  prune(): Promise<number>;
  /** Per coarse level of this cluster, the bucket starts it has folded completely below. */
  readonly done: readonly number[];
}

export function createRollups(options: RollupOptions): Rollups {
  const { client, cluster } = options;
  const c = literal(cluster);
  const done: number[] = ROLLUP_LEVELS.map(() => 0);
  let version = 0;
  /** Folds and settles, one at a time. */
  let queue: Promise<unknown> = Promise.resolve();
  /** Set when a fold failed part way: its ledger entry may be in state 0, to be finished first. */
  let interrupted = false;
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      if (interrupted) {
        await repair();
        interrupted = false;
      }
      try {
        return await task();
      } catch (e) {
        interrupted = true;
        throw e;
      }
    });
    queue = run.catch(() => {});
    return run;
  };
  const unsettled = new Set<number>();
  const excluded = () => (unsettled.size > 0 ? ` AND batch NOT IN (${[...unsettled].map(int).join(', ')})` : '');

  /** The coarse rows of the given (bucket, batch) pairs of one level, leaving out those fold `id` already wrote. */
  function foldSql(
    width: number,
    id: number,
    pairs: readonly (readonly [number, number])[],
    missingOnly: boolean,
  ): string {
    const lo = Math.min(...pairs.map((p) => p[0]));
    const hi = Math.max(...pairs.map((p) => p[0])) + width;
    const b = `toUInt32(intDiv(bucket, ${int(width)}) * ${int(width)})`;
    const tuples = pairs.map(([bucket, batch]) => `(${int(bucket)}, ${int(batch)})`).join(', ');
    const any = (col: string) => `any(${col})`;
    return `INSERT INTO flow_rollups (cluster, width, bucket, key_id, fold, ${LEVEL_COLUMNS.slice(3).join(', ')})
      SELECT cluster, toUInt32(${int(width)}), coarse, key_id, toUInt64(${int(id)}),
        ${['source_namespace', 'dest_namespace', 'action', 'source_name', 'dest_name', 'dest_port', 'proto', 'reporter', 'pending_verdict'].map(any).join(', ')},
        source_labels, dest_labels,
        arraySort(groupUniqArrayArray(source_ips)), toUInt32(sum(source_ips_beyond)),
        arraySort(groupUniqArrayArray(dest_ips)), toUInt32(sum(dest_ips_beyond)),
        ${COUNTER_COLUMNS.map((col) => `sum(${col})`).join(', ')}
      FROM (
        SELECT *, ${b} AS coarse FROM flow_windows
        WHERE cluster = ${c} AND bucket >= ${int(lo)} AND bucket < ${int(hi)} AND (${b}, batch) IN (${tuples})
        LIMIT 1 BY batch, seq
      )
      GROUP BY cluster, coarse, key_id, source_labels, dest_labels${
        missingOnly
          ? ` HAVING (coarse, key_id, source_labels, dest_labels) NOT IN (SELECT bucket, key_id, source_labels, dest_labels
              FROM flow_rollups WHERE cluster = ${c} AND width = ${int(width)} AND fold = ${int(id)})`
          : ''
      }`;
  }

  async function ledger(width: number, id: number, pairs: readonly (readonly [number, number])[], state: number) {
    const per = new Map<number, number[]>();
    for (const [bucket, batch] of pairs) {
      let list = per.get(bucket);
      if (!list) per.set(bucket, (list = []));
      list.push(batch);
    }
    await client.insert(
      'rollup_folds',
      [...per].map(([bucket, batches]) => ({ cluster, width, bucket, fold: id, batches, state })),
    );
  }

  /**
   * Folds into `level` the settled (bucket, batch) pairs of the coarse buckets in `[lo, hi)` that it
   * does not hold yet. Returns whether there were any.
   */
  async function fold(level: number, lo: number, hi: number): Promise<boolean> {
    const width = ROLLUP_LEVELS[level]!.seconds;
    const b = `intDiv(bucket, ${int(width)}) * ${int(width)}`;
    const found = await client.rows<{ b: number | string; batches: (number | string)[] }>(
      `SELECT ${b} AS b, groupUniqArray(batch) AS batches FROM flow_windows
       WHERE cluster = ${c} AND bucket >= ${int(lo)} AND bucket < ${int(hi)}${excluded()} GROUP BY b`,
    );
    if (found.length === 0) return false;
    const held = await client.rows<{ bucket: number | string; batches: (number | string)[] }>(
      `SELECT bucket, groupUniqArrayArray(batches) AS batches FROM rollup_folds
       WHERE cluster = ${c} AND width = ${int(width)} AND bucket >= ${int(lo)} AND bucket < ${int(hi)} GROUP BY bucket`,
    );
    const have = new Map(held.map((r) => [Number(r.bucket), new Set(r.batches.map(Number))]));
    const pairs: [number, number][] = [];
    for (const r of found) {
      const bucket = Number(r.b);
      const old = have.get(bucket);
      for (const batch of r.batches.map(Number)) if (!old?.has(batch)) pairs.push([bucket, batch]);
    }
    if (pairs.length === 0) return false;
    for (let i = 0; i < pairs.length; i += FOLD_PAIRS) {
      const part = pairs.slice(i, i + FOLD_PAIRS);
      const id = randomBytes(6).readUIntBE(0, 6);
      await ledger(width, id, part, 0);
      await client.command(foldSql(width, id, part, false));
      await ledger(width, id, part, 1);
    }
    return true;
  }

  /** Finishes the folds of this cluster left in state 0 by a crash: writes the coarse rows they lack. */
  async function repair(): Promise<void> {
    const open = await client.rows<{ width: number | string; fold: number | string }>(
      `SELECT width, fold FROM rollup_folds WHERE cluster = ${c} GROUP BY width, fold HAVING max(state) = 0`,
    );
    for (const r of open) {
      const width = Number(r.width);
      const id = Number(r.fold);
      const entries = await client.rows<{ bucket: number | string; batches: (number | string)[] }>(
        `SELECT bucket, groupUniqArrayArray(batches) AS batches FROM rollup_folds
         WHERE cluster = ${c} AND width = ${int(width)} AND fold = ${int(id)} GROUP BY bucket`,
      );
      const pairs = entries.flatMap((e) => e.batches.map((batch) => [Number(e.bucket), Number(batch)] as const));
      if (pairs.length > 0) await client.command(foldSql(width, id, pairs, true));
      await ledger(width, id, pairs, 1);
    }
  }

  async function setDone(level: number, until: number): Promise<void> {
    await client.insert('rollup_levels', [
      { cluster, width: ROLLUP_LEVELS[level]!.seconds, done_until: until, version: ++version },
    ]);
    done[level] = until;
  }

  /** One fold of `level`'s next due buckets (at most FOLD_SECONDS of them); false when none is due. */
  async function step(level: number): Promise<boolean> {
    const width = ROLLUP_LEVELS[level]!.seconds;
    const due = levelBucketStart(options.now() - ROLLUP_SETTLE_SECONDS, width);
    const from = done[level]!;
    if (from >= due) return false;
    // Skip to the first bucket holding windows, so an empty history costs one query.
    const first = await client.rows<{ m: number | string; n: number | string }>(
      `SELECT min(bucket) AS m, count() AS n FROM flow_windows WHERE cluster = ${c} AND bucket >= ${int(from)} AND bucket < ${int(due)}`,
    );
    if (Number(first[0]?.n ?? 0) === 0) {
      await setDone(level, due);
      return true;
    }
    const lo = Math.max(from, levelBucketStart(Number(first[0]!.m), width));
    const hi = Math.min(due, levelBucketStart(lo + FOLD_SECONDS, width));
    await fold(level, lo, Math.max(hi, lo + width));
    await setDone(level, Math.max(hi, lo + width));
    return true;
  }

  /**
   * Per level, the least `done_until` over the clusters (0 unless every cluster that ever wrote has
   * folded some of it), and the end of the last day of 15 s windows dropped.
   */
  async function shared(): Promise<{ least: number[]; fineFrom: number }> {
    const found = await client.rows<{ width: number | string; until: number | string; n: number | string }>(
      `SELECT width, min(until) AS until, count() AS n FROM (
         SELECT cluster, width, argMax(done_until, version) AS until FROM rollup_levels
         WHERE cluster != ${literal(ALL_CLUSTERS)} GROUP BY cluster, width
       ) GROUP BY width`,
    );
    const clusters = Number(
      (await client.rows<{ n: number | string }>('SELECT uniqExact(name) AS n FROM clusters'))[0]?.n ?? 0,
    );
    const least = ROLLUP_LEVELS.map((level) => {
      const r = found.find((x) => Number(x.width) === level.seconds);
      return r && Number(r.n) >= clusters ? Number(r.until) : 0;
    });
    const fine = await client.rows<{ from: number | string }>(
      `SELECT max(done_until) AS from FROM rollup_levels WHERE cluster = ${literal(ALL_CLUSTERS)} AND width = ${int(BUCKET_SECONDS)}`,
    );
    return { least, fineFrom: Number(fine[0]?.from ?? 0) };
  }

  /**
   * Drops the days of 15 s windows past the 15 s level's keep time that every cluster has folded
   * into every coarse level, and that ClickHouse has not written to for `fineDropQuietSeconds`.
   * The new start of the 15 s level is recorded before any day goes, so no read counts on a dropped day.
   */
  async function pruneFine(): Promise<number> {
    const { least } = await shared();
    const folded = Math.min(...COARSE.map((l) => least[l]!));
    const kept = options.now() - (ROLLUP_LEVELS[0]!.keepSeconds ?? options.retentionSeconds) - DROP_MARGIN_SECONDS;
    const quiet = options.fineDropQuietSeconds ?? 3600;
    const days = await client.rows<{ partition: string; quiet: number | string }>(
      `SELECT partition, max(modification_time) <= now() - ${int(quiet)} AS quiet FROM system.parts
       WHERE database = currentDatabase() AND table = 'flow_windows' AND active GROUP BY partition`,
    );
    const droppable = days
      .map((d) => ({ day: Number(d.partition.replace(/'/g, '')), quiet: Number(d.quiet) === 1 }))
      .filter((d) => {
        if (!Number.isInteger(d.day) || !d.quiet) return false;
        const end = dayOf(d.day) + 86_400;
        return end <= folded && end <= kept;
      });
    if (droppable.length === 0) return 0;
    const end = Math.max(...droppable.map((d) => dayOf(d.day) + 86_400));
    await client.insert('rollup_levels', [
      { cluster: ALL_CLUSTERS, width: BUCKET_SECONDS, done_until: end, version: Date.now() },
    ]);
    for (const d of droppable) await client.command(`ALTER TABLE flow_windows DROP PARTITION ${int(d.day)}`);
    return droppable.length;
  }

  let started: Promise<void> | undefined;
  const rollups: Rollups = {
    unsettled,
    done,
    start() {
      started ??= serial(async () => {
        const levels = await client.rows<{ width: number | string; until: number | string; v: number | string }>(
          `SELECT width, argMax(done_until, version) AS until, max(version) AS v FROM rollup_levels
           WHERE cluster = ${c} GROUP BY width`,
        );
        for (const r of levels) {
          const l = ROLLUP_LEVELS.findIndex((level) => level.seconds === Number(r.width));
          if (l > 0) done[l] = Number(r.until);
          version = Math.max(version, Number(r.v));
        }
        await repair();
      });
      started.catch(() => {
        started = undefined;
      });
      return started;
    },
    settle(batch, minBucket, maxBucket) {
      return serial(async () => {
        unsettled.delete(batch);
        for (const l of COARSE) {
          const width = ROLLUP_LEVELS[l]!.seconds;
          const lo = levelBucketStart(minBucket, width);
          const hi = Math.min(done[l]!, levelBucketStart(maxBucket, width) + width);
          if (lo < hi) await fold(l, lo, hi);
        }
      });
    },
    async rollUp() {
      await rollups.start();
      let n = 0;
      for (const l of COARSE) while (await serial(() => step(l))) n++;
      return n;
    },
    async plan(range) {
      await rollups.start();
      const { least, fineFrom } = await shared();
      return planRange(range, levelCoverage(least, options.now(), fineFrom));
    },
    async prune() {
      await rollups.start();
      const parts = await client.rows<{ partition: string }>(
        `SELECT DISTINCT partition FROM system.parts WHERE database = currentDatabase() AND table = 'flow_rollups' AND active`,
      );
      let n = await pruneFine();
      for (const p of parts) {
        const m = /^\((\d+),\s*(\d+)\)$/.exec(p.partition);
        if (!m) continue;
        const width = Number(m[1]);
        const level = ROLLUP_LEVELS.find((l) => l.seconds === width);
        const keep = level?.keepSeconds ?? options.retentionSeconds;
        const cutoff = yyyymmdd(dayStart(options.now() - keep - DROP_MARGIN_SECONDS));
        if (Number(m[2]) < cutoff) {
          await client.command(`ALTER TABLE flow_rollups DROP PARTITION (${int(width)}, ${int(Number(m[2]))})`);
          n++;
        }
      }
      return n;
    },
  };
  return rollups;
}
