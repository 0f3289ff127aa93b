// The local disk buffer for batches ClickHouse has not acknowledged: one fsynced file per batch,
// replayed oldest first. A batch in the spool is durable: it survives a Verdict crash.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export interface SpooledBatch<T> {
  /** Order of arrival (file name). */
  seq: number;
  bytes: number;
  body: T;
}

export interface Spool<T> {
  /** Writes and fsyncs a batch; false when it would exceed the size limit (nothing written). */
  append(body: T): boolean;
  /** The oldest batch, or undefined when empty. */
  oldest(): SpooledBatch<T> | undefined;
  remove(batch: SpooledBatch<T>): void;
  all(): readonly SpooledBatch<T>[];
  readonly bytes: number;
  readonly count: number;
  readonly limitBytes: number;
}

/** Opens (creating) the spool in `dir`, loading what a previous run left. */
export function openSpool<T>(dir: string, limitBytes: number): Spool<T> {
  mkdirSync(dir, { recursive: true });
  const batches: SpooledBatch<T>[] = [];
  let bytes = 0;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.endsWith('.tmp')) {
      unlinkSync(path);
      continue;
    }
    if (!name.endsWith('.json')) continue;
    const size = statSync(path).size;
    batches.push({ seq: Number(name.slice(0, -5)), bytes: size, body: JSON.parse(readFileSync(path, 'utf8')) as T });
    bytes += size;
  }
  let next = (batches.at(-1)?.seq ?? 0) + 1;
  const fileOf = (seq: number) => join(dir, `${String(seq).padStart(12, '0')}.json`);
  const syncDir = () => {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
  return {
    append(body) {
      const text = JSON.stringify(body);
      const size = Buffer.byteLength(text);
      if (bytes + size > limitBytes) return false;
      const seq = next++;
      const final = fileOf(seq);
      const tmp = `${final}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, final);
      syncDir();
      batches.push({ seq, bytes: size, body });
      bytes += size;
      return true;
    },
    oldest: () => batches[0],
    remove(batch) {
      const i = batches.indexOf(batch);
      if (i < 0) return;
      batches.splice(i, 1);
      bytes -= batch.bytes;
      unlinkSync(fileOf(batch.seq));
    },
    all: () => batches,
    get bytes() {
      return bytes;
    },
    get count() {
      return batches.length;
    },
    limitBytes,
  };
}
