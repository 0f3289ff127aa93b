// SQL for the ClickHouse store. Everything here runs on Debian's clickhouse-server 18.16 and on
// current releases. Features avoided for 18.16, and why:
//
// - Query parameters (`{name:Type}`, 19.11+): values are inlined as literals quoted by `literal()`;
//   long lists (a rehearsal's endpoints) go into a session's temporary table, which both releases have.
// - Data skipping indices (`INDEX … TYPE minmax/set`, 19.x; 18.16 rejects the syntax): filters off the
//   sort key's prefix read their columns in PREWHERE instead.
// - `SETTINGS` after a SELECT (19.x) and unknown settings: settings travel as HTTP parameters only.
// - Table TTL (19.6+): retention drops whole day partitions on a timer; TTL is added where the
//   server's version has it (see `supportsTtl`).
// - `insert_deduplication_token` (22.2+) and deduplication on non-replicated tables (20.x): a batch
//   carries an id and row numbers; a retried batch first asks which of its rows arrived and sends the
//   others, and the tables are ReplacingMergeTree on (batch, row) so a stray duplicate is merged away.
// - LowCardinality (experimental in 18.16, behind `allow_experimental_low_cardinality_type`): the
//   columns with a fixed set of values (`action`, `pending_verdict`, `reporter` of `flow_windows`) are
//   Enum8, which both releases have; the others (names, namespaces, protocol) stay String. A filter
//   value an enum lacks is left out of the SQL (ClickHouse would reject it), so it matches nothing.
// - Adaptive index granularity (`index_granularity_bytes`, 19.6) and `ALTER … MODIFY SETTING` (19.x):
//   `flow_windows` has a fixed 1,024-row granule set when the table is made; a part's granularity
//   is fixed in 18.16, so parts are never attached across tables of different granularity (the v3
//   migration copies rows with `INSERT … SELECT` instead). Changing the type of a sort key column
//   is refused too, so that migration makes a new table.
// - Column codecs, IPv4/IPv6 column types, `IPv4CIDRToRange` (19.x): plain String and
//   array columns; CIDR tests are written with `IPv4StringToNum` and bit masks, IPv6 with hex prefixes.
// - Window functions (21.x): totals come from a second `uniqExact` query.
// - `groupUniqArray(N)` with a size parameter: `groupUniqArrayArray` then a slice.
// - `ADD COLUMN IF NOT EXISTS` and `CREATE ... ON CLUSTER` with replicated engines: migrations only
//   create tables `IF NOT EXISTS`, so running them twice or from several replicas at once is harmless.
// - Nullable columns (slow in 18.16): empty strings and empty arrays stand for "none".
// - `SimpleAggregateFunction` (19.8+), and materialized views into a Summing/AggregatingMergeTree,
//   which merge rows across batches so a retried one could no longer be checked: the 1 min and 5 min
//   roll-ups are folds Verdict runs (`INSERT … SELECT` per coarse bucket, recorded in a ledger first;
//   see rollups.ts), and each level's retention drops (width, day) partitions, as TTL would per level.
// - JSON functions (`JSONExtract*`, 19.x): folds read the key text (a JSON array) with `splitByString`
//   and `extract` (re2), which both releases have.
// - `alias.column` names across `JOIN … USING` and aliases equal to a column name (18.16 resolves
//   the column to the aggregate in WHERE): queries use plain, distinct aliases (`from_cluster`, `f_*`).
//   Joined subqueries still get an alias (`) AS name`), which current releases require
//   (`joined_subquery_requires_alias`, 20.x+) and 18.16 accepts.
// - Text that is not an address given to `IPv4StringToNum`/`IPv6StringToNum`: 18.16 returns zeros,
//   current releases throw (and do not short-circuit inside a lambda), so each is fed a valid
//   address of its family in place of the other family's.
// - Checked on a current release: `clickhouse-current.test.ts` runs the store contract on the
//   embedded ClickHouse of the `chdb` package (26.x) through a small HTTP bridge.
// - `groupArrayIntersect` (24.x): a key whose label set changed within the queried range has its
//   selectors evaluated by Verdict on the intersection; every other key is decided in SQL.
import { type Cidr, parseCidr, parseSelector, type Selector } from '@verdict/engine';

type SelectorNode = Selector['ast'];

import type { FlowFilter, StringMatch } from '../store.ts';

/**
 * Enum8 codes of the low-cardinality columns of `flow_windows` whose values are fixed (the RowBinary
 * encoder writes these numbers). `action` and `pending_verdict` share one type so they compare.
 */
export const VERDICT_CODES = { '': 0, Allow: 1, Deny: 2, Pass: 3 } as const;
export const REPORTER_CODES = { Src: 1, Dst: 2 } as const;

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

/** An Enum8 column among values: ClickHouse rejects a name the enum lacks, which matches nothing. */
function enumIn(column: string, values: readonly string[], codes: Record<string, number>): string {
  const known = values.filter((v) => v !== '' && Object.hasOwn(codes, v));
  return known.length === 0 ? '0' : `${column} IN (${list(known)})`;
}

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
    const v4 = `IPv4StringToNum(if(position(${x}, ':') = 0, ${x}, '0.0.0.0'))`;
    return `(position(${x}, ':') = 0 AND bitAnd(${v4}, ${mask}) = ${c.network} AND ${v4} != 0 OR ${x} = '0.0.0.0' AND ${c.network} = 0)`;
  }
  const hex = c.network.toString(16).padStart(32, '0').toUpperCase();
  const whole = Math.floor(c.prefix / 4);
  const rest = c.prefix % 4;
  const h = `hex(IPv6StringToNum(if(position(${x}, ':') > 0, ${x}, '::')))`;
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
  /** The label selectors, which apply to the labels merged across a key's windows. */
  needsLabels: boolean;
  /** The selectors as conditions on a `label_sets` row's `labels`, with whether they match no labels. */
  labels: LabelSql[];
}

export interface LabelSql {
  /** `source_labels` or `dest_labels`. */
  column: string;
  /** A condition on `labels` (an interned set's `k=v` strings). */
  sql: string;
  /** Whether the selector matches an endpoint without labels (set 0). */
  matchesNone: boolean;
}

/** Labels as stored are `k=v`, or `k` for an empty value (see `labelMap`). */
const labelIs = (key: string) => `(l = ${literal(key)} OR startsWith(l, ${literal(`${key}=`)}))`;
const labelValue = (key: string) => `substring(l, ${int(key.length + 2)})`;
const labelsNamed = (key: string, value: string) => (value === '' ? [`${key}=`, key] : [`${key}=${value}`]);

/**
 * A Calico selector as a condition on an array of `k=v` labels, with the semantics of the engine's
 * compiled matcher (an absent label is "not equal" and "not in"; `all()` and `global()` match).
 */
export function selectorSql(node: SelectorNode): string {
  switch (node.kind) {
    case 'all':
    case 'global':
      return '1';
    case 'has':
      return `arrayExists(l -> ${labelIs(node.key)}, labels)`;
    case 'eq':
      return `hasAny(labels, [${list(labelsNamed(node.key, node.value))}])`;
    case 'neq':
      return `NOT hasAny(labels, [${list(labelsNamed(node.key, node.value))}])`;
    case 'contains':
      return `arrayExists(l -> ${labelIs(node.key)} AND position(${labelValue(node.key)}, ${literal(node.value)}) > 0, labels)`;
    case 'startsWith':
      return node.value === ''
        ? `arrayExists(l -> ${labelIs(node.key)}, labels)`
        : `arrayExists(l -> startsWith(l, ${literal(`${node.key}=${node.value}`)}), labels)`;
    case 'endsWith':
      return `arrayExists(l -> ${labelIs(node.key)} AND endsWith(${labelValue(node.key)}, ${literal(node.value)}), labels)`;
    case 'in':
      return `hasAny(labels, [${list(node.values.flatMap((v) => labelsNamed(node.key, v)))}])`;
    case 'notIn':
      return `NOT hasAny(labels, [${list(node.values.flatMap((v) => labelsNamed(node.key, v)))}])`;
    case 'not':
      return `NOT (${selectorSql(node.operand)})`;
    case 'and':
    case 'or':
      return `(${node.operands.map((o) => `(${selectorSql(o)})`).join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
  }
}

function labelSql(column: string, text: string | undefined): LabelSql[] {
  if (text === undefined) return [];
  const parsed = parseSelector(text);
  if (!parsed.ok) return [];
  return [{ column, sql: selectorSql(parsed.value.ast), matchesNone: parsed.value.matches(new Map()) }];
}

/**
 * Translates a filter that already compiled (so its CIDRs and selectors are valid) to SQL. Key fields
 * are denormalised into `flow_windows` so the common filters use its sort order.
 */
export function filterSql(filter: FlowFilter | undefined): FilterSql {
  const out: FilterSql = { windows: [], keys: [], needsLabels: false, labels: [] };
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
  if (filter.actions?.length) w.push(enumIn('action', filter.actions, VERDICT_CODES));
  if (filter.reporter !== undefined) w.push(enumIn('reporter', [filter.reporter], REPORTER_CODES));
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
  out.labels = [...labelSql('source_labels', filter.sourceSelector), ...labelSql('dest_labels', filter.destSelector)];
  return out;
}
