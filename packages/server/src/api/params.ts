// Query parameters of /api/v1, read strictly: a bad value is a 400 naming the parameter and what
// it expects.

import {
  GRAPH_GROUPINGS,
  type GraphGrouping,
  MAX_GRAPH_LIMIT,
  POLICY_STATS_GROUPINGS,
  type PolicyStatsGrouping,
  SORT_FIELDS,
  UNSUPPORTED_SORT_FIELDS,
} from '@verdict/api';
import type { FlowFilter, ListQuery, SortBy, TimeRange } from '@verdict/flows';
import { normalizeRange } from '@verdict/flows';
import type { Context } from 'hono';
import { badRequest, invalidInput } from './errors.ts';
import { type ApiFilter, parseFilters } from './filters.ts';

const SORTS = SORT_FIELDS;
const GROUPS: readonly GraphGrouping[] = GRAPH_GROUPINGS;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 10_000;

export function integer(c: Context, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const n = /^[-+]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const expected =
      min === Number.MIN_SAFE_INTEGER
        ? 'an integer (Unix seconds, 0, or negative seconds relative to now)'
        : `an integer ${min}-${max}`;
    throw badRequest('invalid-parameter', `${name}: expected ${expected}, got ${JSON.stringify(raw)}`, name);
  }
  return n;
}

/** `start` / `end` with Goldmane's conventions: 0 = beginning of history / now, negative = relative to now. */
export function timeRange(c: Context, now: number): TimeRange {
  const range = normalizeRange({ gte: integer(c, 'start') ?? 0, lt: integer(c, 'end') ?? 0 }, now);
  if (!range.ok) {
    const { gte, lt } = { gte: integer(c, 'start') ?? 0, lt: integer(c, 'end') ?? 0 };
    throw badRequest('invalid-range', `start (${gte}) must be before end (${lt}) once resolved against now`, 'start');
  }
  return range.value;
}

/** `start` of a stream: 0 = live only, negative = relative to now, positive = absolute. */
export function streamStart(c: Context, now: number): number {
  const start = integer(c, 'start') ?? 0;
  if (start === 0) return 0;
  return start < 0 ? Math.max(1, now + start) : start;
}

export function filters(c: Context): ApiFilter {
  const parsed = parseFilters(c.req.query('filters'));
  if (!parsed.ok) throw invalidInput('invalid-filter', parsed.error);
  return parsed.value;
}

export function storeFilter(f: ApiFilter): FlowFilter | undefined {
  return Object.keys(f.flow).length > 0 ? f.flow : undefined;
}

export function sortBy(c: Context): SortBy | undefined {
  const raw = c.req.query('sort');
  if (raw === undefined || raw === '') return undefined;
  const found = SORTS.find((s) => s === raw);
  if (found === undefined) {
    const unsupported = UNSUPPORTED_SORT_FIELDS.some((s) => s === raw);
    throw badRequest(
      unsupported ? 'unsupported-sort' : 'invalid-parameter',
      `sort: ${unsupported ? 'unsupported sort order' : 'unknown sort order'} ${JSON.stringify(raw)}; expected one of ${SORTS.join(', ')}`,
      'sort',
    );
  }
  return found;
}

export function page(c: Context): Required<Pick<ListQuery, 'page' | 'pageSize'>> {
  return {
    page: integer(c, 'page', 0) ?? 0,
    pageSize: integer(c, 'pageSize', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE,
  };
}

export function group(c: Context): GraphGrouping {
  const raw = c.req.query('group');
  if (raw === undefined || raw === '') return 'workload';
  const found = GROUPS.find((g) => g === raw);
  if (found === undefined)
    throw badRequest(
      'invalid-parameter',
      `group: expected one of ${GROUPS.join(', ')}, got ${JSON.stringify(raw)}`,
      'group',
    );
  return found;
}

/** `limit` of GET /graph: at most this many nodes; 0 or absent = all. */
export function graphLimit(c: Context): number {
  return integer(c, 'limit', 0, MAX_GRAPH_LIMIT) ?? 0;
}

/** `focus` of GET /graph: a namespace to show as its workloads; absent or empty = none. */
export function focus(c: Context): string | null {
  const raw = c.req.query('focus');
  return raw === undefined || raw === '' ? null : raw;
}

/** `groupBy` of GET /policy-stats: `cluster`, or absent for counts across clusters. */
export function statsGrouping(c: Context): PolicyStatsGrouping | undefined {
  const raw = c.req.query('groupBy');
  if (raw === undefined || raw === '') return undefined;
  const found = POLICY_STATS_GROUPINGS.find((g) => g === raw);
  if (found === undefined)
    throw badRequest(
      'invalid-parameter',
      `groupBy: expected one of ${POLICY_STATS_GROUPINGS.join(', ')}, got ${JSON.stringify(raw)}`,
      'groupBy',
    );
  return found;
}
