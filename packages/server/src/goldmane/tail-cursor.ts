// Where a tail of Goldmane's Flows.Stream stands, so that nothing is taken twice across reconnects
// and restarts. Goldmane streams one message per flow key per 15 s bucket, buckets oldest first
// (calico-observability §3.7), so a bucket is complete once a newer one arrives: only the newest
// bucket's keys need remembering.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Flow } from '@verdict/flows';
import { bucketStart } from '@verdict/flows';
import { z } from 'zod';

export interface TailCursor {
  /** Start of the newest bucket taken from (Unix seconds); 0 before the first message. */
  readonly bucket: number;
  /** Digests of the flow keys taken from that bucket. */
  readonly keys: readonly string[];
}

export const EMPTY_CURSOR: TailCursor = { bucket: 0, keys: [] };

/** Admits each (bucket, key) once; everything from a bucket older than the newest one is already taken. */
export interface CursorTracker {
  /** True when the message is new and should be stored. */
  admit(flow: Flow): boolean;
  snapshot(): TailCursor;
}

export function trackCursor(from: TailCursor): CursorTracker {
  let bucket = from.bucket;
  let keys = new Set(from.keys);
  return {
    admit(flow) {
      const b = bucketStart(flow.startTime);
      if (b < bucket) return false;
      const key = keyDigest(flow);
      if (b > bucket) {
        bucket = b;
        keys = new Set([key]);
        return true;
      }
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    },
    snapshot: () => ({ bucket, keys: [...keys] }),
  };
}

/** A stable digest of a flow's key (not Goldmane's id, which changes when Goldmane restarts). */
export function keyDigest(flow: Flow): string {
  return createHash('sha1').update(JSON.stringify(flow.key)).digest('base64').slice(0, 22);
}

/**
 * The Stream request's `start_time_gte` for a cursor: the cursor's own bucket (it may be partly taken),
 * or `backfillSeconds` back (relative, so Goldmane's clock decides) when there is no cursor or it is
 * older than Goldmane keeps: Goldmane sends no backfill at all for a start before its history.
 */
export function resumeFrom(cursor: TailCursor, nowSeconds: number, backfillSeconds: number): number {
  if (cursor.bucket === 0 || nowSeconds - cursor.bucket > backfillSeconds) return -backfillSeconds;
  return cursor.bucket;
}

export interface CursorStore {
  load(): TailCursor;
  save(cursor: TailCursor): void;
}

export function memoryCursorStore(): CursorStore {
  let kept = EMPTY_CURSOR;
  return { load: () => kept, save: (cursor) => void (kept = cursor) };
}

const cursorFile = z.object({
  version: z.literal(1),
  target: z.string(),
  bucket: z.int().min(0),
  keys: z.array(z.string().max(64)).max(1_000_000),
});

/**
 * The cursor in a JSON file beside the flow store, replaced atomically (write, fsync, rename). A
 * file for another Goldmane, or one that does not parse, is ignored with `onProblem`: the tail then
 * starts from the backfill window.
 */
export function fileCursorStore(path: string, target: string, onProblem: (message: string) => void): CursorStore {
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') onProblem(`${path}: cannot read (${(e as Error).message})`);
        return EMPTY_CURSOR;
      }
      let parsed: z.infer<typeof cursorFile>;
      try {
        parsed = cursorFile.parse(JSON.parse(text));
      } catch (e) {
        onProblem(`${path}: not a Goldmane cursor (${(e as Error).message.slice(0, 200)}); starting from the backfill`);
        return EMPTY_CURSOR;
      }
      if (parsed.target !== target) {
        onProblem(`${path}: kept for Goldmane ${parsed.target}, not ${target}; starting from the backfill`);
        return EMPTY_CURSOR;
      }
      return { bucket: parsed.bucket, keys: parsed.keys };
    },
    save(cursor) {
      const temporary = `${path}.tmp`;
      const fd = openSync(temporary, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify({ version: 1, target, bucket: cursor.bucket, keys: cursor.keys }));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, path);
    },
  };
}
