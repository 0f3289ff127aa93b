// DNS answers imported over HTTP (query name → addresses), kept for the flow retention so the Egress
// page and GET /api/v1/egress can name external destinations by domain. Bounded in size; with a
// file, every import is written through (atomically) before it is acknowledged, and read back at start.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/** One imported answer: a query name and the addresses it resolved to (already validated and normalised). */
export interface DnsAnswer {
  name: string;
  addresses: readonly string[];
}

export interface DnsAnswersOptions {
  /** How long an answer is kept after its last import. */
  retentionSeconds: number;
  /** Most name/address pairs kept; the least recently imported go first (default 100,000). */
  maxPairs?: number;
  /** Where answers survive a restart; none for a memory store. */
  file?: string;
  /** Clock in Unix seconds. */
  now?: () => number;
  /** Told when the file cannot be read back (the table then starts empty). */
  warn?: (message: string) => void;
}

export interface DnsImportResult {
  /** Pairs of this import (new or refreshed). */
  pairs: number;
  names: number;
  /** Pairs dropped to stay within `maxPairs`. */
  evicted: number;
}

export interface DnsSummary {
  names: number;
  pairs: number;
  /** Unix seconds of the oldest and newest import held; null when empty. */
  oldest: number | null;
  newest: number | null;
  retentionSeconds: number;
  maxPairs: number;
}

export const DEFAULT_MAX_DNS_PAIRS = 100_000;
/** The file beside the flow store. */
export const DNS_ANSWERS_FILE = 'dns-answers.json';

/** `name\0address` → Unix seconds of its last import; a Map iterates oldest import first when refreshed entries are re-inserted. */
type Pairs = Map<string, number>;

export class DnsAnswers {
  private pairs: Pairs = new Map();
  private readonly retention: number;
  private readonly maxPairs: number;
  private readonly now: () => number;

  constructor(private readonly options: DnsAnswersOptions) {
    this.retention = options.retentionSeconds;
    this.maxPairs = options.maxPairs ?? DEFAULT_MAX_DNS_PAIRS;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    if (options.file) this.pairs = readFile(options.file, options.warn);
    this.expire();
  }

  /**
   * Adds the answers as one step (a concurrent import never sees half of another): refreshed pairs
   * move to the newest end, the oldest beyond `maxPairs` are dropped, and the file is written
   * before this returns. Throws when the file cannot be written; the table is then unchanged.
   */
  import(answers: readonly DnsAnswer[]): DnsImportResult {
    const now = this.now();
    const next: Pairs = new Map(this.pairs);
    const names = new Set<string>();
    let pairs = 0;
    for (const a of answers) {
      names.add(a.name);
      for (const address of a.addresses) {
        const key = `${a.name}\0${address}`;
        next.delete(key);
        next.set(key, now);
        pairs++;
      }
    }
    let evicted = 0;
    for (const key of next.keys()) {
      if (next.size <= this.maxPairs) break;
      next.delete(key);
      evicted++;
    }
    if (this.options.file) writeFile(this.options.file, next);
    this.pairs = next;
    this.expire();
    return { pairs, names: names.size, evicted };
  }

  /** Query name → addresses, answers past retention left out. */
  byName(): Map<string, string[]> {
    this.expire();
    const out = new Map<string, string[]>();
    for (const key of this.pairs.keys()) {
      const cut = key.indexOf('\0');
      const name = key.slice(0, cut);
      const list = out.get(name);
      if (list) list.push(key.slice(cut + 1));
      else out.set(name, [key.slice(cut + 1)]);
    }
    return out;
  }

  summary(): DnsSummary {
    this.expire();
    let oldest: number | null = null;
    let newest: number | null = null;
    const names = new Set<string>();
    for (const [key, time] of this.pairs) {
      names.add(key.slice(0, key.indexOf('\0')));
      oldest = oldest === null ? time : Math.min(oldest, time);
      newest = newest === null ? time : Math.max(newest, time);
    }
    return {
      names: names.size,
      pairs: this.pairs.size,
      oldest,
      newest,
      retentionSeconds: this.retention,
      maxPairs: this.maxPairs,
    };
  }

  /** Drops answers imported longer ago than the retention (oldest first, so it stops at the first kept one). */
  private expire(): void {
    const cutoff = this.now() - this.retention;
    for (const [key, time] of this.pairs) {
      if (time >= cutoff) break;
      this.pairs.delete(key);
    }
  }
}

/** The file: `{"version":1,"pairs":[[name, address, time], …]}`, oldest import first. */
function writeFile(path: string, pairs: Pairs): void {
  const rows: [string, string, number][] = [];
  for (const [key, time] of pairs) {
    const cut = key.indexOf('\0');
    rows.push([key.slice(0, cut), key.slice(cut + 1), time]);
  }
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify({ version: 1, pairs: rows }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

function readFile(path: string, warn?: (message: string) => void): Pairs {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      warn?.(`DNS answers not read from ${path}: ${(error as Error).message}`);
    return new Map();
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; pairs?: unknown };
    if (parsed.version !== 1 || !Array.isArray(parsed.pairs)) throw new Error('not a DNS answers file of version 1');
    const rows = parsed.pairs.filter(
      (r): r is [string, string, number] =>
        Array.isArray(r) && typeof r[0] === 'string' && typeof r[1] === 'string' && Number.isFinite(r[2]),
    );
    rows.sort((a, b) => a[2] - b[2]);
    return new Map(rows.map(([name, address, time]) => [`${name}\0${address}`, time]));
  } catch (error) {
    warn?.(`DNS answers not read from ${path}: ${(error as Error).message}; starting empty`);
    return new Map();
  }
}
