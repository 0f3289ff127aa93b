// How flows become ClickHouse rows: the per-key row with its policy columns and statistics groups,
// and window rows, as RowBinary (what ingest sends) or TabSeparated text (the bench's floor, and
// batches spooled by an earlier Verdict).
import type { PolicyHit } from '@verdict/engine';
import { COUNTERS, pendingVerdict } from '../key.ts';
import type { FlowKey, IpSet } from '../model.ts';
import { identity } from '../stats.ts';
import { RowBinaryWriter } from './rowbinary.ts';
import { REPORTER_CODES, VERDICT_CODES } from './sql.ts';

/** The columns of a `flow_keys` row that follow from the key's two traces and its direction alone. */
export interface TraceColumns {
  pending_actions: string[];
  hit_kind: string[];
  hit_tier: string[];
  hit_namespace: string[];
  hit_name: string[];
  hit_action: string[];
  hint_kind: string[];
  hint_tier: string[];
  hint_namespace: string[];
  hint_name: string[];
  stat_policy: string[];
  stat_policy_slot: number[];
  stat_rule: string[];
  stat_rule_slot: number[];
}

export interface KeyRow extends TraceColumns {
  cluster: string;
  id: number;
  key: string;
}

/** A statistics group as stored: [kind, namespace, name, tier, action, ruleIndex, direction]. */
export type StatGroup = [PolicyHit['kind'], string, string, string, PolicyHit['action'], number, string];

const SLOT = { Allow: 0, Deny: 2, Pass: 4 } as const;

/**
 * The groups a window of this key counts in (calico-observability §3.9), as `computeStatistics` forms
 * them: one per distinct policy (the first hit's action decides the slot) and one per distinct rule.
 */
function traceColumns(enforced: readonly PolicyHit[], pending: readonly PolicyHit[], direction: string): TraceColumns {
  const hits = [...enforced, ...pending];
  const row: TraceColumns = {
    pending_actions: pending.map((h) => h.action),
    hit_kind: hits.map((h) => h.kind),
    hit_tier: hits.map((h) => h.tier),
    hit_namespace: hits.map((h) => h.namespace),
    hit_name: hits.map((h) => h.name),
    hit_action: hits.map((h) => h.action),
    hint_kind: [],
    hint_tier: [],
    hint_namespace: [],
    hint_name: [],
    stat_policy: [],
    stat_policy_slot: [],
    stat_rule: [],
    stat_rule_slot: [],
  };
  const seenPolicy = new Set<string>();
  const seenRule = new Set<string>();
  for (const h of hits) {
    const id = identity(h);
    if (h.kind !== 'Profile') {
      const src = h.kind === 'EndOfTier' && h.trigger ? h.trigger : h;
      row.hint_kind.push(src.kind);
      row.hint_tier.push(src.tier);
      row.hint_namespace.push(src.namespace);
      row.hint_name.push(src.name);
    }
    const policy = JSON.stringify([id.kind, id.namespace, id.name, id.tier, 'Allow', 0, 'Any'] satisfies StatGroup);
    if (!seenPolicy.has(policy)) {
      seenPolicy.add(policy);
      row.stat_policy.push(policy);
      row.stat_policy_slot.push(SLOT[h.action]);
    }
    const rule = JSON.stringify([
      id.kind,
      id.namespace,
      id.name,
      id.tier,
      h.action,
      h.ruleIndex,
      direction,
    ] satisfies StatGroup);
    if (!seenRule.has(rule)) {
      seenRule.add(rule);
      row.stat_rule.push(rule);
      row.stat_rule_slot.push(SLOT[h.action]);
    }
  }
  return row;
}

/**
 * Trace columns and their RowBinary bytes per (enforced trace, pending trace, direction), by object:
 * the engine hands many keys the same trace arrays (50,000 keys of the bench share 4,322), and
 * traces are never changed once made.
 */
interface TracePart {
  columns: TraceColumns;
  bytes: Uint8Array;
}
const traceParts = new WeakMap<readonly PolicyHit[], WeakMap<readonly PolicyHit[], (TracePart | undefined)[]>>();
/** The bytes of a cached part, found by its first array (rows from the spool are encoded afresh). */
const traceBytes = new WeakMap<readonly string[], Uint8Array>();
const traceWriter = new RowBinaryWriter(4096);

function tracePart(k: FlowKey): TracePart {
  const { enforced, pending } = k.policies;
  let byPending = traceParts.get(enforced);
  if (!byPending) traceParts.set(enforced, (byPending = new WeakMap()));
  let parts = byPending.get(pending);
  if (!parts) byPending.set(pending, (parts = [undefined, undefined]));
  const ingress = k.reporter === 'Dst' ? 1 : 0;
  let part = parts[ingress];
  if (!part) {
    const columns = traceColumns(enforced, pending, ingress ? 'Ingress' : 'Egress');
    traceWriter.reset();
    encodeTraceColumns(traceWriter, columns);
    part = { columns, bytes: Uint8Array.prototype.slice.call(traceWriter.view()) };
    traceBytes.set(columns.pending_actions, part.bytes);
    parts[ingress] = part;
  }
  return part;
}

/** A key's `flow_keys` row; its trace columns are shared with other keys of the same traces (never change them). */
export function keyRow(cluster: string, id: number, keyString: string, k: FlowKey): KeyRow {
  return { cluster, id, key: keyString, ...tracePart(k).columns };
}

/** The `flow_keys` columns, in the order `encodeKeyRows` writes them. */
export const KEY_COLUMNS = [
  'cluster',
  'id',
  'key',
  'pending_actions',
  'hit_kind',
  'hit_tier',
  'hit_namespace',
  'hit_name',
  'hit_action',
  'hint_kind',
  'hint_tier',
  'hint_namespace',
  'hint_name',
  'stat_policy',
  'stat_policy_slot',
  'stat_rule',
  'stat_rule_slot',
] as const satisfies readonly (keyof KeyRow)[];

const slots = (w: RowBinaryWriter, values: readonly number[]) => {
  w.varUInt(values.length);
  for (const v of values) w.u8(v);
};

function encodeTraceColumns(w: RowBinaryWriter, r: TraceColumns): void {
  w.strings(r.pending_actions);
  w.strings(r.hit_kind);
  w.strings(r.hit_tier);
  w.strings(r.hit_namespace);
  w.strings(r.hit_name);
  w.strings(r.hit_action);
  w.strings(r.hint_kind);
  w.strings(r.hint_tier);
  w.strings(r.hint_namespace);
  w.strings(r.hint_name);
  w.strings(r.stat_policy);
  slots(w, r.stat_policy_slot);
  w.strings(r.stat_rule);
  slots(w, r.stat_rule_slot);
}

/** About the bytes `encodeKeyRows` writes for these rows (at least, when their traces were seen before). */
export function keyRowsBytes(rows: readonly KeyRow[]): number {
  let n = 0;
  for (const r of rows)
    n += 24 + 3 * (r.cluster.length + r.key.length) + (traceBytes.get(r.pending_actions)?.length ?? 512);
  return n;
}

/** Key rows as RowBinary rows of KEY_COLUMNS. */
export function encodeKeyRows(w: RowBinaryWriter, rows: readonly KeyRow[]): void {
  for (const r of rows) {
    w.string(r.cluster);
    w.u64(r.id);
    w.string(r.key);
    const bytes = traceBytes.get(r.pending_actions);
    if (bytes) w.bytes(bytes);
    else encodeTraceColumns(w, r);
  }
}

export interface WindowRow {
  bucket: number;
  keyId: number;
  seq: number;
  key: FlowKey;
  sourceLabels: number;
  destLabels: number;
  sourceIps: IpSet | undefined;
  destIps: IpSet | undefined;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  started: number;
  completed: number;
  live: number;
}

const tsv = (s: string) =>
  s.includes('\\') || s.includes('\t') || s.includes('\n')
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n')
    : s;
const SPECIAL = /[\\'\t\n]/;
const quoted = (s: string) =>
  SPECIAL.test(s)
    ? `'${s.replace(/\\/g, '\\\\\\\\').replace(/'/g, "\\\\'").replace(/\t/g, '\\t').replace(/\n/g, '\\n')}'`
    : `'${s}'`;
const array = (values: readonly string[]) => `[${values.map(quoted).join(',')}]`;

/** The columns of `flow_windows` in the order `windowsTsv` writes them. */
export const WINDOW_COLUMNS = [
  'cluster',
  'bucket',
  'key_id',
  'batch',
  'seq',
  'source_namespace',
  'dest_namespace',
  'action',
  'source_name',
  'dest_name',
  'dest_port',
  'proto',
  'reporter',
  'pending_verdict',
  'source_labels',
  'dest_labels',
  'source_ips',
  'source_ips_beyond',
  'dest_ips',
  'dest_ips_beyond',
  'packets_in',
  'packets_out',
  'bytes_in',
  'bytes_out',
  'connections_started',
  'connections_completed',
  'connections_live',
] as const;

/** Window rows as TabSeparated text, one line per row. */
export function windowsTsv(cluster: string, batch: number, rows: readonly WindowRow[]): string {
  const c = tsv(cluster);
  const parts: string[] = [];
  for (const r of rows) {
    const k = r.key;
    parts.push(
      `${c}\t${r.bucket}\t${r.keyId}\t${batch}\t${r.seq}\t${tsv(k.sourceNamespace)}\t${tsv(k.destNamespace)}\t${k.action}\t${tsv(k.sourceName)}\t${tsv(k.destName)}\t${k.destPort}\t${tsv(k.proto)}\t${k.reporter}\t${pendingVerdict(k) ?? ''}\t${r.sourceLabels}\t${r.destLabels}\t${r.sourceIps ? array(r.sourceIps.ips) : '[]'}\t${r.sourceIps?.beyond ?? 0}\t${r.destIps ? array(r.destIps.ips) : '[]'}\t${r.destIps?.beyond ?? 0}\t${r.packetsIn}\t${r.packetsOut}\t${r.bytesIn}\t${r.bytesOut}\t${r.started}\t${r.completed}\t${r.live}\n`,
    );
  }
  return parts.join('');
}

/** The schema version whose column types `encodeWindows` writes (Enum8 verdicts and reporter). */
export const WINDOW_LAYOUT = 3;

/**
 * `flow_windows` columns in the order the RowBinary rows carry them: first the columns that are the
 * same for every window of a key (encoded once per key, see `keyPrefix`), then the window's own.
 */
export const WINDOW_BINARY_COLUMNS = [
  'cluster',
  'key_id',
  'source_namespace',
  'dest_namespace',
  'action',
  'source_name',
  'dest_name',
  'dest_port',
  'proto',
  'reporter',
  'pending_verdict',
  'bucket',
  'batch',
  'seq',
  'source_labels',
  'dest_labels',
  'source_ips',
  'source_ips_beyond',
  'dest_ips',
  'dest_ips_beyond',
  'packets_in',
  'packets_out',
  'bytes_in',
  'bytes_out',
  'connections_started',
  'connections_completed',
  'connections_live',
] as const;

const prefixWriter = new RowBinaryWriter(1024);

const code = (codes: Record<string, number>, value: string, column: string): number => {
  const c = Object.hasOwn(codes, value) ? codes[value] : undefined;
  if (c === undefined || value === '')
    throw new Error(
      `flow key ${column} ${JSON.stringify(value)} is not one of ${Object.keys(codes)
        .filter((n) => n !== '')
        .join(', ')}`,
    );
  return c;
};

/** The RowBinary bytes of a key's constant columns (cluster … pending_verdict); the enums as their codes. */
export function keyPrefix(cluster: string, keyId: number, k: FlowKey): Uint8Array {
  const w = prefixWriter;
  w.reset();
  w.string(cluster);
  w.u64(keyId);
  w.string(k.sourceNamespace);
  w.string(k.destNamespace);
  w.u8(code(VERDICT_CODES, k.action, 'action'));
  w.string(k.sourceName);
  w.string(k.destName);
  w.u16(k.destPort);
  w.string(k.proto);
  w.u8(code(REPORTER_CODES, k.reporter, 'reporter'));
  const pending = pendingVerdict(k);
  w.u8(pending === undefined ? VERDICT_CODES[''] : code(VERDICT_CODES, pending, 'pending verdict'));
  return Uint8Array.prototype.slice.call(w.view());
}

/**
 * A batch's windows, column by column, pre-aggregated per (bucket, key): one set of arrays reused
 * batch after batch, so a flow that joins a window allocates nothing.
 */
export class WindowColumns {
  count = 0;
  bucket = new Float64Array(1024);
  keyId = new Float64Array(1024);
  sourceLabels = new Float64Array(1024);
  destLabels = new Float64Array(1024);
  counters = new Float64Array(1024 * COUNTERS);
  prefix: Uint8Array[] = [];
  sourceIps: (IpSet | undefined)[] = [];
  destIps: (IpSet | undefined)[] = [];
  /** (bucket, key) → row */
  readonly slots = new Map<number, number>();

  reset(): void {
    this.count = 0;
    this.slots.clear();
    this.prefix.length = 0;
    this.sourceIps.length = 0;
    this.destIps.length = 0;
  }

  /** Appends a row; the caller fills its counters at `row * COUNTERS`. */
  add(bucket: number, keyId: number, prefix: Uint8Array, sourceLabels: number, destLabels: number): number {
    const i = this.count++;
    if (i === this.bucket.length) this.grow();
    this.bucket[i] = bucket;
    this.keyId[i] = keyId;
    this.sourceLabels[i] = sourceLabels;
    this.destLabels[i] = destLabels;
    this.prefix.push(prefix);
    this.sourceIps.push(undefined);
    this.destIps.push(undefined);
    return i;
  }

  private grow(): void {
    const twice = (a: Float64Array) => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.bucket = twice(this.bucket);
    this.keyId = twice(this.keyId);
    this.sourceLabels = twice(this.sourceLabels);
    this.destLabels = twice(this.destLabels);
    this.counters = twice(this.counters);
  }
}

const ips = (w: RowBinaryWriter, set: IpSet | undefined) => {
  if (set) {
    w.strings(set.ips);
    w.u32(set.beyond);
  } else {
    w.u8(0);
    w.u32(0);
  }
};

/**
 * Writes the windows as RowBinary rows of WINDOW_BINARY_COLUMNS (`seq` = row number) and returns
 * where each row ends, so a retried batch can send only the rows that did not arrive.
 */
export function encodeWindows(w: RowBinaryWriter, batch: number, cols: WindowColumns): Uint32Array {
  const ends = new Uint32Array(cols.count);
  const c = cols.counters;
  for (let i = 0; i < cols.count; i++) {
    w.bytes(cols.prefix[i]!);
    w.u32(cols.bucket[i]!);
    w.u64(batch);
    w.u32(i);
    w.u64(cols.sourceLabels[i]!);
    w.u64(cols.destLabels[i]!);
    ips(w, cols.sourceIps[i]);
    ips(w, cols.destIps[i]);
    for (let j = i * COUNTERS, end = j + COUNTERS; j < end; j++) w.u64(c[j]!);
    ends[i] = w.length;
  }
  return ends;
}
