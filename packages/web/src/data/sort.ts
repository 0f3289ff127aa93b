// Client-side sort of flow rows. Ties fall back to start time (newest first), then id, so order is stable.
import type { ApiFlow } from '../api/types.ts';

export type SortDir = 'asc' | 'desc';
export interface SortState {
  column: SortColumn;
  dir: SortDir;
}

type Getter = (f: ApiFlow) => string | number;

export const SORT_GETTERS = {
  startTime: (f) => f.startTime,
  endTime: (f) => f.endTime,
  action: (f) => f.action,
  pendingAction: (f) => f.pendingAction,
  sourceNamespace: (f) => f.sourceNamespace,
  sourceName: (f) => f.sourceName,
  destNamespace: (f) => f.destNamespace,
  destName: (f) => f.destName,
  proto: (f) => f.proto,
  destPort: (f) => f.destPort,
  reporter: (f) => f.reporter,
  destService: (f) =>
    f.destServiceName && f.destServiceName !== '-' ? `${f.destServiceNamespace}/${f.destServiceName}` : '',
  packets: (f) => f.packetsIn + f.packetsOut,
  bytes: (f) => f.bytesIn + f.bytesOut,
  connections: (f) => f.numConnectionsStarted,
  policy: (f) => decidingPolicyName(f),
} satisfies Record<string, Getter>;

export type SortColumn = keyof typeof SORT_GETTERS;

export const DEFAULT_SORT: SortState = { column: 'startTime', dir: 'desc' };

export function isSortColumn(s: string): s is SortColumn {
  return Object.hasOwn(SORT_GETTERS, s);
}

/** The name of the last policy in the enforced trace (the one whose action stood), or ''. */
export function decidingPolicyName(f: ApiFlow): string {
  const hits = f.policies.enforced;
  const last = hits[hits.length - 1];
  if (!last) return '';
  return last.name || last.trigger?.name || last.kind;
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

export function flowComparator(sort: SortState): (a: ApiFlow, b: ApiFlow) => number {
  const get = SORT_GETTERS[sort.column];
  const sign = sort.dir === 'asc' ? 1 : -1;
  return (a, b) => {
    const primary = sign * compareValues(get(a), get(b));
    if (primary !== 0) return primary;
    return b.startTime - a.startTime || b.id - a.id;
  };
}

/** Returns `rows` itself when it is already in the requested order (the buffer keeps newest first). */
export function sortFlows(rows: readonly ApiFlow[], sort: SortState): readonly ApiFlow[] {
  if (sort.column === 'startTime' && sort.dir === 'desc') return rows;
  return rows.slice().sort(flowComparator(sort));
}

/** Lower-cased searchable text per flow, built once: a keystroke then costs one `includes` per row. */
const haystacks = new WeakMap<ApiFlow, string>();

function haystack(f: ApiFlow): string {
  let h = haystacks.get(f);
  if (h === undefined) {
    h = [
      f.sourceNamespace,
      f.sourceName,
      f.destNamespace,
      f.destName,
      f.destServiceName,
      f.proto,
      String(f.destPort),
      ...f.sourceLabels,
      ...f.destLabels,
      ...f.policies.enforced.map((hit) => hit.name),
      ...f.policies.pending.map((hit) => hit.name),
    ]
      .join('\n')
      .toLowerCase();
    haystacks.set(f, h);
  }
  return h;
}

/** Case-insensitive substring search over names, namespaces, labels, port, protocol and policies. */
export function matchesQuickSearch(f: ApiFlow, q: string): boolean {
  if (!q) return true;
  return haystack(f).includes(q.toLowerCase());
}
