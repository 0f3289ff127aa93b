// SQL for the ClickHouse store. Everything here runs on Debian's clickhouse-server 18.16 and on
// current releases. Features avoided for 18.16, and why:
//
// - Query parameters (`{name:Type}`, 19.11+): values are inlined as literals quoted by `literal()`.
// - `SETTINGS` after a SELECT (19.x) and unknown settings: settings travel as HTTP parameters only.
// - Table TTL (19.6+): retention drops whole day partitions on a timer; TTL is added where the
//   server's version has it (see `supportsTtl`).
// - `insert_deduplication_token` (22.2+) and deduplication on non-replicated tables (20.x): a batch
//   carries an id and row numbers; a retried batch first asks which of its rows arrived and sends the
//   others, and the tables are ReplacingMergeTree on (batch, row) so a stray duplicate is merged away.
// - LowCardinality, column codecs, IPv4/IPv6 column types, `IPv4CIDRToRange` (19.x): plain String and
//   array columns; CIDR tests are written with `IPv4StringToNum` and bit masks, IPv6 with hex prefixes.
// - Window functions (21.x): totals come from a second `uniqExact` query.
// - `groupUniqArray(N)` with a size parameter: `groupUniqArrayArray` then a slice.
// - `ADD COLUMN IF NOT EXISTS` and `CREATE ... ON CLUSTER` with replicated engines: migrations only
//   create tables `IF NOT EXISTS`, so running them twice or from several replicas at once is harmless.
// - Nullable columns (slow in 18.16): empty strings and empty arrays stand for "none".
import { type Cidr, parseCidr } from '@verdict/engine';
import type { FlowFilter, StringMatch } from '../store.ts';

/** A ClickHouse string literal. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A non-negative integer literal; anything else is a programming error. */
export function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

const list = (values: readonly string[]) => values.map(literal).join(', ');

const NAME_ALIASES: Record<string, string[]> = { 'PUBLIC NETWORK': ['pub'], 'PRIVATE NETWORK': ['pvt'] };
const NAMESPACE_ALIASES: Record<string, string[]> = { Global: ['-', ''] };

/** Exact values (with their aliases) in one IN list; OR over the fuzzy ones, which ClickHouse keeps flat. */
function stringMatches(column: string, matches: readonly StringMatch[], aliases: Record<string, string[]>): string {
  const exact: string[] = [];
  const ors: string[] = [];
  for (const m of matches) {
    if (m.type === 'Fuzzy') {
      ors.push(`position(${column}, ${literal(m.value)}) > 0`);
      for (const [display, names] of Object.entries(aliases)) if (display.includes(m.value)) exact.push(...names);
    } else exact.push(m.value, ...(aliases[m.value] ?? []));
  }
  if (exact.length > 0) ors.unshift(`${column} IN (${list(exact)})`);
  return `(${ors.join(' OR ')})`;
}

/** An optional StringMatch inside a PolicyMatch: empty value means any. */
function optional(column: string, m: StringMatch | undefined): string | undefined {
  if (!m || m.value === '') return undefined;
  return m.type === 'Fuzzy' ? `position(${column}, ${literal(m.value)}) > 0` : `${column} = ${literal(m.value)}`;
}

/** `x` (an address as text) lies in the CIDR. */
export function cidrTest(x: string, c: Cidr): string {
  if (c.family === 4) {
    const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
    return `(position(${x}, ':') = 0 AND bitAnd(IPv4StringToNum(${x}), ${mask}) = ${c.network} AND IPv4StringToNum(${x}) != 0 OR ${x} = '0.0.0.0' AND ${c.network} = 0)`;
  }
  const hex = c.network.toString(16).padStart(32, '0').toUpperCase();
  const whole = Math.floor(c.prefix / 4);
  const rest = c.prefix % 4;
  const h = `hex(IPv6StringToNum(${x}))`;
  const head = whole === 0 ? '1' : `substring(${h}, 1, ${whole}) = ${literal(hex.slice(0, whole))}`;
  if (rest === 0) return `(position(${x}, ':') > 0 AND ${head})`;
  const nibble = Number.parseInt(hex[whole]!, 16);
  const width = 1 << (4 - rest);
  const allowed = Array.from({ length: width }, (_, i) => (nibble + i).toString(16).toUpperCase());
  return `(position(${x}, ':') > 0 AND ${head} AND substring(${h}, ${whole + 1}, 1) IN (${list(allowed)}))`;
}

function cidrCondition(column: string, texts: readonly string[]): string {
  const tests = texts.map((t) => cidrTest('ip', parseCidr(t)!));
  return `arrayExists(ip -> ${tests.join(' OR ')}, ${column})`;
}

export interface FilterSql {
  /** Conditions on `flow_windows` rows. */
  windows: string[];
  /** Conditions on `flow_keys` rows; the caller wraps them in `key_id IN (SELECT id FROM flow_keys …)`. */
  keys: string[];
  /** The label selectors, which Verdict evaluates itself on the merged labels. */
  needsLabels: boolean;
}

/**
 * Translates a filter that already compiled (so its CIDRs and selectors are valid) to SQL. Key fields
 * are denormalised into `flow_windows` so the common filters use its sort order.
 */
export function filterSql(filter: FlowFilter | undefined): FilterSql {
  const out: FilterSql = { windows: [], keys: [], needsLabels: false };
  if (!filter) return out;
  const w = out.windows;
  if (filter.clusters?.length) w.push(`cluster IN (${list(filter.clusters)})`);
  if (filter.sourceNames?.length) w.push(stringMatches('source_name', filter.sourceNames, NAME_ALIASES));
  if (filter.destNames?.length) w.push(stringMatches('dest_name', filter.destNames, NAME_ALIASES));
  if (filter.sourceNamespaces?.length)
    w.push(stringMatches('source_namespace', filter.sourceNamespaces, NAMESPACE_ALIASES));
  if (filter.destNamespaces?.length) w.push(stringMatches('dest_namespace', filter.destNamespaces, NAMESPACE_ALIASES));
  if (filter.protocols?.length) w.push(stringMatches('proto', filter.protocols, {}));
  if (filter.destPorts?.length) w.push(`dest_port IN (${filter.destPorts.map(int).join(', ')})`);
  if (filter.destPortRanges?.length)
    w.push(`(${filter.destPortRanges.map((r) => `dest_port BETWEEN ${int(r.min)} AND ${int(r.max)}`).join(' OR ')})`);
  if (filter.actions?.length) w.push(`action IN (${list(filter.actions)})`);
  if (filter.reporter !== undefined) w.push(`reporter = ${literal(filter.reporter)}`);
  if (filter.pendingDiffers) w.push(`pending_verdict != '' AND pending_verdict != action`);
  if (filter.sourceCidrs?.length) w.push(cidrCondition('source_ips', filter.sourceCidrs));
  if (filter.destCidrs?.length) w.push(cidrCondition('dest_ips', filter.destCidrs));
  if (filter.pendingActions?.length) out.keys.push(`hasAny(pending_actions, [${list(filter.pendingActions)}])`);
  if (filter.policies?.length) {
    const ors = filter.policies.map((m) => {
      const parts = [
        m.kind === undefined ? undefined : `k = ${literal(m.kind)}`,
        m.action === undefined ? undefined : `a = ${literal(m.action)}`,
        optional('t', m.tier),
        optional('ns', m.namespace),
        optional('n', m.name),
      ].filter((p): p is string => p !== undefined);
      return parts.length === 0 ? '1' : parts.join(' AND ');
    });
    out.keys.push(
      `arrayExists((k, t, ns, n, a) -> ${ors.map((o) => `(${o})`).join(' OR ')}, hit_kind, hit_tier, hit_namespace, hit_name, hit_action)`,
    );
  }
  out.needsLabels = filter.sourceSelector !== undefined || filter.destSelector !== undefined;
  return out;
}
