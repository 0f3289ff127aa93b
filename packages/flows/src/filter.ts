// Goldmane filter semantics (calico-observability §3.5) plus Verdict's selector, port-range and
// pending-verdict filters. Compile once, evaluate per flow.
import { err, ok, type PolicyHit, parseSelector, type Result, type SelectorError } from '@verdict/engine';
import { ipSetInCidrs, parseCidrList } from './ips.ts';
import { pendingVerdict } from './key.ts';
import type { Flow, FlowKey, IpSet } from './model.ts';
import { NAME_DISPLAY, NAMESPACE_DISPLAY } from './names.ts';
import type { FlowFilter, PolicyMatch, StringMatch } from './store.ts';

export interface FilterError {
  message: string;
  /** Field path in the filter, e.g. `sourceSelector`. */
  path: string;
}

export type KeyPredicate = (key: FlowKey) => boolean;
export type LabelPredicate = (sourceLabels: readonly string[], destLabels: readonly string[]) => boolean;
export type IpPredicate = (sourceIps: IpSet | undefined, destIps: IpSet | undefined) => boolean;

/** A compiled filter split in the part that needs only the key and the part that needs labels. */
export interface CompiledFilter {
  key: KeyPredicate;
  /** Absent when the filter does not look at labels. */
  labels?: LabelPredicate;
  /** Absent when the filter does not look at addresses. */
  ips?: IpPredicate;
  flow: (f: Flow) => boolean;
}

function matchString(m: StringMatch, stored: string, alias: string | undefined): boolean {
  if (m.type === 'Fuzzy') return stored.includes(m.value) || alias?.includes(m.value) === true;
  return stored === m.value || alias === m.value;
}

function stringListMatcher(
  list: readonly StringMatch[] | undefined,
  aliases: Readonly<Record<string, string>> | undefined,
): ((stored: string) => boolean) | undefined {
  if (!list || list.length === 0) return undefined;
  return (stored) => {
    const alias = aliases ? aliases[stored] : undefined;
    for (const m of list) if (matchString(m, stored, alias)) return true;
    return false;
  };
}

/** Inside a PolicyMatch an empty StringMatch value means "any". */
function optionalString(m: StringMatch | undefined, stored: string): boolean {
  if (!m || m.value === '') return true;
  return m.type === 'Fuzzy' ? stored.includes(m.value) : stored === m.value;
}

/** Every set field of the PolicyMatch matches the hit; EndOfTier hits are compared on their own fields. */
export function hitMatches(m: PolicyMatch, h: PolicyHit): boolean {
  return (
    (m.kind === undefined || m.kind === h.kind) &&
    (m.action === undefined || m.action === h.action) &&
    optionalString(m.tier, h.tier) &&
    optionalString(m.namespace, h.namespace) &&
    optionalString(m.name, h.name)
  );
}

const labelMaps = new WeakMap<readonly string[], ReadonlyMap<string, string>>();

/** Parses `k=v` label strings into the map a selector matches against (cached per array). */
export function labelMap(labels: readonly string[]): ReadonlyMap<string, string> {
  const cached = labelMaps.get(labels);
  if (cached) return cached;
  const m = new Map<string, string>();
  labelMaps.set(labels, m);
  for (const l of labels) {
    const i = l.indexOf('=');
    if (i < 0) m.set(l, '');
    else m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}

function compileSelector(
  text: string | undefined,
  path: string,
): Result<((labels: readonly string[]) => boolean) | undefined, FilterError> {
  if (text === undefined) return ok(undefined);
  const parsed = parseSelector(text);
  if (!parsed.ok) {
    const e: SelectorError = parsed.error;
    return err({ message: `invalid selector ${JSON.stringify(text)} at column ${e.column}: ${e.message}`, path });
  }
  const selector = parsed.value;
  return ok((labels) => selector.matches(labelMap(labels)));
}

/**
 * Compiles a filter once. Each list is OR within itself, fields are AND-ed, an absent or empty list
 * means "any". A selector that does not parse is an error value, not an exception. `cluster` is the
 * one cluster the tested flows come from (a memory or SQLite store's); without it `clusters` is left
 * to the caller.
 */
export function compileFilterParts(
  filter: FlowFilter | undefined,
  cluster?: string,
): Result<CompiledFilter, FilterError> {
  const f = filter ?? {};
  const tests: KeyPredicate[] = [];
  if (cluster !== undefined && f.clusters && f.clusters.length > 0 && !f.clusters.includes(cluster))
    tests.push(() => false);
  const srcName = stringListMatcher(f.sourceNames, NAME_DISPLAY);
  if (srcName) tests.push((k) => srcName(k.sourceName));
  const srcNs = stringListMatcher(f.sourceNamespaces, NAMESPACE_DISPLAY);
  if (srcNs) tests.push((k) => srcNs(k.sourceNamespace));
  const dstName = stringListMatcher(f.destNames, NAME_DISPLAY);
  if (dstName) tests.push((k) => dstName(k.destName));
  const dstNs = stringListMatcher(f.destNamespaces, NAMESPACE_DISPLAY);
  if (dstNs) tests.push((k) => dstNs(k.destNamespace));
  const proto = stringListMatcher(f.protocols, undefined);
  if (proto) tests.push((k) => proto(k.proto));
  if (f.destPorts && f.destPorts.length > 0) {
    const ports = new Set(f.destPorts);
    tests.push((k) => ports.has(k.destPort));
  }
  if (f.destPortRanges && f.destPortRanges.length > 0) {
    const ranges = f.destPortRanges;
    tests.push((k) => ranges.some((r) => k.destPort >= r.min && k.destPort <= r.max));
  }
  if (f.actions && f.actions.length > 0) {
    const actions = new Set(f.actions);
    tests.push((k) => actions.has(k.action));
  }
  if (f.pendingActions && f.pendingActions.length > 0) {
    const actions = new Set<string>(f.pendingActions);
    tests.push((k) => k.policies.pending.some((h) => actions.has(h.action)));
  }
  if (f.reporter !== undefined) {
    const reporter = f.reporter;
    tests.push((k) => k.reporter === reporter);
  }
  if (f.policies && f.policies.length > 0) {
    const matches = f.policies;
    const anyHit = (hits: readonly PolicyHit[]) => hits.some((h) => matches.some((m) => hitMatches(m, h)));
    tests.push((k) => anyHit(k.policies.enforced) || anyHit(k.policies.pending));
  }
  if (f.pendingDiffers) {
    tests.push((k) => {
      const v = pendingVerdict(k);
      return v !== undefined && v !== k.action;
    });
  }
  const src = compileSelector(f.sourceSelector, 'sourceSelector');
  if (!src.ok) return src;
  const dst = compileSelector(f.destSelector, 'destSelector');
  if (!dst.ok) return dst;

  const srcCidrs = compileCidrs(f.sourceCidrs, 'sourceCidrs');
  if (!srcCidrs.ok) return srcCidrs;
  const dstCidrs = compileCidrs(f.destCidrs, 'destCidrs');
  if (!dstCidrs.ok) return dstCidrs;

  const key: KeyPredicate =
    tests.length === 0
      ? () => true
      : (k) => {
          for (const t of tests) if (!t(k)) return false;
          return true;
        };
  const srcSel = src.value;
  const dstSel = dst.value;
  const labels: LabelPredicate | undefined =
    srcSel || dstSel ? (s, d) => (!srcSel || srcSel(s)) && (!dstSel || dstSel(d)) : undefined;
  const srcIn = srcCidrs.value;
  const dstIn = dstCidrs.value;
  const ips: IpPredicate | undefined =
    srcIn || dstIn ? (s, d) => (!srcIn || srcIn(s)) && (!dstIn || dstIn(d)) : undefined;
  const flow = (fl: Flow) =>
    key(fl.key) && (!labels || labels(fl.sourceLabels, fl.destLabels)) && (!ips || ips(fl.sourceIps, fl.destIps));
  const compiled: CompiledFilter = { key, flow };
  if (labels) compiled.labels = labels;
  if (ips) compiled.ips = ips;
  return ok(compiled);
}

function compileCidrs(
  texts: readonly string[] | undefined,
  path: string,
): Result<((set: IpSet | undefined) => boolean) | undefined, FilterError> {
  if (!texts || texts.length === 0) return ok(undefined);
  const parsed = parseCidrList(texts);
  if (!parsed.ok) {
    const text = texts[parsed.index];
    return err({
      message: `expected a CIDR such as 10.0.0.0/8 or an IP address, got ${JSON.stringify(text)}`,
      path: `${path}[${parsed.index}]`,
    });
  }
  const cidrs = parsed.cidrs;
  return ok((set) => ipSetInCidrs(set, cidrs));
}

/** Compiles a filter to a predicate over flows; bad selectors give an error value. */
export function compileFilter(filter: FlowFilter | undefined): Result<(f: Flow) => boolean, FilterError> {
  const c = compileFilterParts(filter);
  return c.ok ? ok(c.value.flow) : c;
}

/** One-shot filter check. Throws on a filter that does not compile; prefer `compileFilter` for many flows. */
export function matchesFilter(flow: Flow, filter: FlowFilter | undefined): boolean {
  const c = compileFilterParts(filter);
  if (!c.ok) throw new Error(`${c.error.path}: ${c.error.message}`);
  return c.value.flow(flow);
}
