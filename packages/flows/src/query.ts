// The parts of List and FilterHints that every back-end shares: errors, sorting, paging, hint values.
import type { FlowKey, FlowResult } from './model.ts';
import type { HintsQuery, HintsResult, HintType, ListQuery, ListResult, SortBy, TimeRange } from './store.ts';
import { BUCKET_SECONDS } from './time.ts';

export type FlowStoreErrorCode =
  | 'invalid-range'
  | 'invalid-filter'
  | 'unsupported-sort'
  | 'unsupported-filter-type'
  | 'cancelled'
  | 'closed';

/** The error a store's promise rejects with when the query, not the back-end, is at fault. */
export interface FlowStoreError extends Error {
  readonly code: FlowStoreErrorCode;
  /** Field path in the query, when known. */
  readonly path: string;
}

export function flowStoreError(code: FlowStoreErrorCode, message: string, path = ''): FlowStoreError {
  return Object.assign(new Error(message), { name: 'FlowStoreError', code, path });
}

export function isFlowStoreError(e: unknown): e is FlowStoreError {
  return e instanceof Error && e.name === 'FlowStoreError' && 'code' in e;
}

/** Rows a scan handles between looks at its abort signal and turns given back to the event loop. */
export const SCAN_CHUNK = 4096;

/** Throws `cancelled` (with the signal's reason as message) when the signal has fired. */
export function checkSignal(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  const message = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'query cancelled';
  throw Object.assign(flowStoreError('cancelled', message), { cause: reason });
}

/** Lets other work (health checks, ingest) run between chunks of a long scan. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function checkRange(range: TimeRange): void {
  if (range.gte >= range.lt) {
    throw flowStoreError('invalid-range', `startTimeGte (${range.gte}) must be less than startTimeLt (${range.lt})`);
  }
}

const SORT_FIELDS = {
  DestName: 'destName',
  DestNamespace: 'destNamespace',
  SourceName: 'sourceName',
  SourceNamespace: 'sourceNamespace',
} as const satisfies Partial<Record<SortBy, keyof FlowKey>>;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts in place: `Time` (default) newest `startTime` first, name sorts ascending; ties by id.
 * `DestType` and `SourceType` are rejected, as in Goldmane.
 */
export function sortResults(results: FlowResult[], sortBy: SortBy | undefined): FlowResult[] {
  if (sortBy === undefined || sortBy === 'Time') {
    return results.sort((a, b) => b.flow.startTime - a.flow.startTime || a.id - b.id);
  }
  if (!(sortBy in SORT_FIELDS)) throw flowStoreError('unsupported-sort', 'unsupported sort order', 'sortBy');
  const field = SORT_FIELDS[sortBy as keyof typeof SORT_FIELDS];
  return results.sort((a, b) => compareStrings(a.flow.key[field], b.flow.key[field]) || a.id - b.id);
}

export interface Page<T> {
  totalPages: number;
  totalResults: number;
  items: T[];
}

/**
 * 0-based paging; `pageSize` 0 returns everything (1 page, or 0 when empty). A page past the end
 * returns nothing and empty meta, as Goldmane does.
 */
export function paginate<T>(items: T[], page = 0, pageSize = 0): Page<T> {
  if (pageSize <= 0) return { totalPages: items.length > 0 ? 1 : 0, totalResults: items.length, items };
  const totalPages = Math.ceil(items.length / pageSize);
  if (page < 0 || page >= totalPages) return { totalPages: 0, totalResults: 0, items: [] };
  return { totalPages, totalResults: items.length, items: items.slice(page * pageSize, (page + 1) * pageSize) };
}

const HINT_TYPES: ReadonlySet<string> = new Set<HintType>([
  'SourceName',
  'DestName',
  'SourceNamespace',
  'DestNamespace',
  'PolicyTier',
  'PolicyName',
  'PolicyKind',
  'PolicyNamespace',
]);

export function checkHintType(type: string): void {
  if (!HINT_TYPES.has(type)) throw flowStoreError('unsupported-filter-type', 'unsupported filter type', 'type');
}

/**
 * Adds a key's hint values (§3.6): raw key fields for names and namespaces; for policy types every
 * enforced and pending hit except profiles, using the trigger's field for EndOfTier.
 */
export function collectHints(key: FlowKey, type: HintType, into: Set<string>): void {
  switch (type) {
    case 'SourceName':
      into.add(key.sourceName);
      return;
    case 'DestName':
      into.add(key.destName);
      return;
    case 'SourceNamespace':
      into.add(key.sourceNamespace);
      return;
    case 'DestNamespace':
      into.add(key.destNamespace);
      return;
    default:
      for (const hits of [key.policies.enforced, key.policies.pending]) {
        for (const h of hits) {
          if (h.kind === 'Profile') continue;
          const src = h.kind === 'EndOfTier' && h.trigger ? h.trigger : h;
          into.add(
            type === 'PolicyTier'
              ? src.tier
              : type === 'PolicyName'
                ? src.name
                : type === 'PolicyKind'
                  ? src.kind
                  : src.namespace,
          );
        }
      }
  }
}

/** Distinct values, plain string sort, paged. */
export function hintPage(values: Set<string>, page?: number, pageSize?: number): Page<string> {
  return paginate([...values].sort(), page, pageSize);
}

/** List semantics shared by the stores: sort, then page, over the flows that matched at `resolution` seconds. */
export function listOf(results: FlowResult[], q: ListQuery, resolution: number = BUCKET_SECONDS): ListResult {
  const p = paginate(sortResults(results, q.sortBy), q.page, q.pageSize);
  return { totalPages: p.totalPages, totalResults: p.totalResults, flows: p.items, resolution };
}

/** Hint semantics shared by the stores: distinct values of the matched flows, sorted and paged. */
export function hintsOf(results: Iterable<FlowResult>, q: HintsQuery): HintsResult {
  checkHintType(q.type);
  const values = new Set<string>();
  for (const r of results) collectHints(r.flow.key, q.type, values);
  const p = hintPage(values, q.page, q.pageSize);
  return { totalPages: p.totalPages, totalResults: p.totalResults, values: p.items };
}
