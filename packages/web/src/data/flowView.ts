// The flow-logs view (filters, time range, sort, search, selection) and its URL codec.
// URL names follow Whisker's (source_namespace, dest_port, staged_action, policy, …) so its links keep working.

import { FILTER_FIELDS } from '@verdict/api';
import type {
  HitAction,
  PolicyMatch,
  PortRange,
  Reporter,
  StringMatch,
  VerdictFilters,
  WhiskerFilters,
} from '../api/types.ts';
import { DEFAULT_SORT, isSortColumn, type SortState } from './sort.ts';

export interface FlowView {
  filters: VerdictFilters;
  /** Unix seconds, or negative seconds relative to now. */
  start: number;
  /** Unix seconds, or 0 = now (live). */
  end: number;
  /** Client-side quick search. */
  q: string;
  sort: SortState;
  /** flowKey of the row whose detail is open. */
  flow: string | null;
}

export const DEFAULT_START = -300;

export const DEFAULT_VIEW: FlowView = {
  filters: {},
  start: DEFAULT_START,
  end: 0,
  q: '',
  sort: DEFAULT_SORT,
  flow: null,
};

const ACTIONS: readonly HitAction[] = ['Allow', 'Deny', 'Pass'];
const isAction = (s: string): s is HitAction => (ACTIONS as readonly string[]).includes(s);

/** `~text` in the URL is a Fuzzy (substring) match, anything else Exact. */
function decodeMatch(s: string): StringMatch {
  return s.startsWith('~') ? { value: s.slice(1), type: 'Fuzzy' } : { value: s, type: 'Exact' };
}
function encodeMatch(m: StringMatch): string {
  return m.type === 'Fuzzy' ? `~${m.value}` : m.value;
}

function decodePolicies(raw: string): PolicyMatch[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const out: PolicyMatch[] = [];
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null) continue;
    const r = item as Record<string, unknown>;
    const p: PolicyMatch = {};
    if (typeof r.kind === 'string' && r.kind) p.kind = r.kind;
    for (const f of ['tier', 'namespace', 'name'] as const) {
      const v = r[f];
      if (typeof v === 'string' && v) p[f] = decodeMatch(v);
      else if (typeof v === 'object' && v !== null && typeof (v as StringMatch).value === 'string') {
        const m = v as StringMatch;
        p[f] = { value: m.value, type: m.type === 'Fuzzy' ? 'Fuzzy' : 'Exact' };
      }
    }
    if (typeof r.action === 'string' && isAction(r.action)) p.action = r.action;
    out.push(p);
  }
  return out.length ? out : undefined;
}

function encodePolicies(ps: readonly PolicyMatch[]): string {
  return JSON.stringify(
    ps.map((p) => {
      const o: Record<string, string> = {};
      if (p.kind) o.kind = p.kind;
      if (p.tier) o.tier = encodeMatch(p.tier);
      if (p.namespace) o.namespace = encodeMatch(p.namespace);
      if (p.name) o.name = encodeMatch(p.name);
      if (p.action) o.action = p.action;
      return o;
    }),
  );
}

export function parsePortRange(s: string): PortRange | null {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5}))?\s*$/.exec(s);
  if (!m) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min > 65535 || max > 65535 || min > max) return null;
  return { min, max };
}

export function formatPortRange(r: PortRange): string {
  return r.min === r.max ? String(r.min) : `${r.min}-${r.max}`;
}

/** Accepts IPv4 and IPv6 CIDRs (a bare address is allowed); does not check host bits. */
export function isCidr(s: string): boolean {
  const [addr, len, ...rest] = s.trim().split('/');
  if (rest.length || !addr) return false;
  if (addr.includes(':')) {
    if (!/^[0-9a-fA-F:.]+$/.test(addr) || (addr.match(/::/g)?.length ?? 0) > 1) return false;
    return len === undefined || (/^\d{1,3}$/.test(len) && Number(len) <= 128);
  }
  const parts = addr.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return false;
  return len === undefined || (/^\d{1,2}$/.test(len) && Number(len) <= 32);
}

const MATCH_LISTS = [
  ['source_namespace', 'sourceNamespaces'],
  ['source_name', 'sourceNames'],
  ['dest_namespace', 'destNamespaces'],
  ['dest_name', 'destNames'],
  ['protocol', 'protocols'],
] as const;

function parseNumber(s: string | null): number | null {
  if (s === null || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

export function parseFlowView(search: string): FlowView {
  const p = new URLSearchParams(search);
  const f: VerdictFilters = {};
  for (const [param, key] of MATCH_LISTS) {
    const vals = p.getAll(param).filter((v) => v !== '');
    if (vals.length) f[key] = vals.map(decodeMatch);
  }
  const ports = p
    .getAll('dest_port')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 0 && n <= 65535);
  if (ports.length) f.destPorts = ports;
  const actions = p.getAll('action').filter(isAction);
  if (actions.length) f.actions = actions;
  const pending = p.getAll('staged_action').filter(isAction);
  if (pending.length) f.pendingActions = pending;
  const reporter = p.get('reporter');
  if (reporter === 'Src' || reporter === 'Dst') f.reporter = reporter as Reporter;
  const policy = p.get('policy');
  if (policy) {
    const ps = decodePolicies(policy);
    if (ps) f.policies = ps;
  }
  const ss = p.get('source_selector');
  if (ss?.trim()) f.sourceSelector = ss;
  const ds = p.get('dest_selector');
  if (ds?.trim()) f.destSelector = ds;
  const ranges = p
    .getAll('port_range')
    .map(parsePortRange)
    .filter((r): r is PortRange => r !== null);
  if (ranges.length) f.destPortRanges = ranges;
  const sc = p.getAll('source_cidr').filter((c) => c !== '');
  if (sc.length) f.sourceCidrs = sc;
  const dc = p.getAll('dest_cidr').filter((c) => c !== '');
  if (dc.length) f.destCidrs = dc;
  if (p.get('pending_differs') === '1' || p.get('pending_differs') === 'true') f.pendingDiffers = true;

  let start = parseNumber(p.get('start'));
  if (start === null) {
    // Whisker compatibility: start_time is in minutes back from now (0 = now).
    const minutes = parseNumber(p.get('start_time'));
    start = minutes === null ? DEFAULT_START : -60 * Math.max(0, minutes);
  }
  const end = parseNumber(p.get('end')) ?? 0;

  let sort = DEFAULT_SORT;
  const [col, dir] = (p.get('sort') ?? '').split(':');
  if (col && isSortColumn(col)) sort = { column: col, dir: dir === 'asc' ? 'asc' : 'desc' };

  return { filters: f, start, end: Math.max(0, end), q: p.get('q') ?? '', sort, flow: p.get('flow') || null };
}

/** Builds the query string (without '?'); default values are left out so links stay short. */
export function formatFlowView(v: FlowView): string {
  const p = new URLSearchParams();
  const f = v.filters;
  for (const [param, key] of MATCH_LISTS) for (const m of f[key] ?? []) p.append(param, encodeMatch(m));
  for (const port of f.destPorts ?? []) p.append('dest_port', String(port));
  for (const r of f.destPortRanges ?? []) p.append('port_range', formatPortRange(r));
  for (const a of f.actions ?? []) p.append('action', a);
  for (const a of f.pendingActions ?? []) p.append('staged_action', a);
  if (f.reporter) p.set('reporter', f.reporter);
  if (f.policies?.length) p.set('policy', encodePolicies(f.policies));
  if (f.sourceSelector) p.set('source_selector', f.sourceSelector);
  if (f.destSelector) p.set('dest_selector', f.destSelector);
  for (const c of f.sourceCidrs ?? []) p.append('source_cidr', c);
  for (const c of f.destCidrs ?? []) p.append('dest_cidr', c);
  if (f.pendingDiffers) p.set('pending_differs', '1');
  if (v.start !== DEFAULT_START) p.set('start', String(v.start));
  if (v.end !== 0) p.set('end', String(v.end));
  if (v.q) p.set('q', v.q);
  if (v.sort.column !== DEFAULT_SORT.column || v.sort.dir !== DEFAULT_SORT.dir) {
    p.set('sort', `${v.sort.column}:${v.sort.dir}`);
  }
  if (v.flow) p.set('flow', v.flow);
  return p.toString();
}

/** A view with only `filters` set, for links from other pages ("flows this policy decided"). */
export function flowLogsHref(filters: VerdictFilters, extra: Partial<FlowView> = {}): string {
  const qs = formatFlowView({ ...DEFAULT_VIEW, ...extra, filters });
  return qs ? `/?${qs}` : '/';
}

export type FilterField = keyof VerdictFilters;

/** Maps a server error path ("filters.destSelector", "/destPorts/0", "destPortRanges[1].min") to the filter it names. */
export function filterFieldOfPath(path: string | undefined): FilterField | null {
  if (!path) return null;
  const parts = path
    .replace(/\[\d+\]/g, '')
    .split(/[./]/)
    .filter((s) => s && s !== 'filters' && !/^\d+$/.test(s));
  const head = parts[0];
  return head && (FILTER_FIELDS as readonly string[]).includes(head) ? (head as FilterField) : null;
}

/** The subset of the filters that whisker-backend understands (used for filter hints). */
export function toWhiskerFilters(f: VerdictFilters): WhiskerFilters {
  const w: WhiskerFilters = {};
  if (f.sourceNames?.length) w.source_names = f.sourceNames;
  if (f.sourceNamespaces?.length) w.source_namespaces = f.sourceNamespaces;
  if (f.destNames?.length) w.dest_names = f.destNames;
  if (f.destNamespaces?.length) w.dest_namespaces = f.destNamespaces;
  if (f.protocols?.length) w.protocols = f.protocols;
  if (f.destPorts?.length) w.dest_ports = f.destPorts.map((value) => ({ value, type: 'Exact' as const }));
  if (f.actions?.length) w.actions = f.actions;
  if (f.pendingActions?.length) w.pending_actions = f.pendingActions;
  if (f.reporter) w.reporter = f.reporter;
  if (f.policies?.length) w.policies = f.policies;
  return w;
}

/** Returns a copy of `f` with `key` set, or removed when `value` is undefined or an empty list. */
export function withFilter<K extends FilterField>(
  f: VerdictFilters,
  key: K,
  value: VerdictFilters[K] | undefined,
): VerdictFilters {
  const next: VerdictFilters = { ...f };
  if (value === undefined || (Array.isArray(value) && value.length === 0) || value === false || value === '') {
    delete next[key];
  } else {
    next[key] = value;
  }
  return next;
}

export function activeFilterCount(f: VerdictFilters): number {
  return Object.keys(f).length;
}
