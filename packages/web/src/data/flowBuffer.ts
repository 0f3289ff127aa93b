// The live flow buffer: a pure reducer over batches of streamed flows (newest first, bounded, deduped).
import type { ApiFlow } from '../api/types.ts';

/** Stable row key: one flow key (id) in one aggregation bucket (startTime). */
export function flowKey(f: Pick<ApiFlow, 'id' | 'startTime'>): string {
  return `${f.id}:${f.startTime}`;
}

export const DEFAULT_MAX_ROWS = 20_000;

export interface FlowBufferState {
  /** Newest first by startTime, at most maxRows, unique by flowKey. */
  rows: readonly ApiFlow[];
  /** Flows received while paused, applied on resume (same bounds and dedupe). */
  held: readonly ApiFlow[];
  paused: boolean;
  maxRows: number;
  /** Rows added by the last applied batch (not updates of existing rows). */
  lastAdded: number;
  /** Rows evicted so far because the buffer was full. */
  evicted: number;
  /** Total flows received since the last reset. */
  received: number;
}

export type FlowBufferAction =
  | { type: 'batch'; flows: readonly ApiFlow[] }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' };

export function initialFlowBuffer(maxRows = DEFAULT_MAX_ROWS): FlowBufferState {
  return { rows: [], held: [], paused: false, maxRows, lastAdded: 0, evicted: 0, received: 0 };
}

const byStartDesc = (a: ApiFlow, b: ApiFlow) => b.startTime - a.startTime || b.id - a.id;

interface Merge {
  rows: ApiFlow[];
  added: number;
  evicted: number;
}

/** Merges `incoming` into `rows` (newest first): updates replace rows with the same key in place, new rows are inserted by startTime, the oldest beyond `max` are dropped. */
export function mergeFlows(rows: readonly ApiFlow[], incoming: readonly ApiFlow[], max: number): Merge {
  if (incoming.length === 0) return { rows: rows as ApiFlow[], added: 0, evicted: 0 };
  // Last write wins within the batch.
  const latest = new Map<string, ApiFlow>();
  for (const f of incoming) latest.set(flowKey(f), f);
  let out: ApiFlow[] | null = null;
  for (let i = 0; i < rows.length && latest.size > 0; i++) {
    const k = flowKey(rows[i]!);
    const update = latest.get(k);
    if (update) {
      out ??= rows.slice();
      out[i] = update;
      latest.delete(k);
    }
  }
  const base = out ?? (rows as ApiFlow[]);
  const fresh = [...latest.values()].sort(byStartDesc);
  let merged: ApiFlow[];
  if (fresh.length === 0) merged = base;
  else if (base.length === 0 || byStartDesc(fresh[fresh.length - 1]!, base[0]!) <= 0) {
    // Common case: everything new is at least as new as the current head.
    merged = fresh.concat(base);
  } else {
    merged = base.concat(fresh).sort(byStartDesc);
  }
  const evicted = Math.max(0, merged.length - max);
  if (evicted > 0) merged = merged.slice(0, max);
  return { rows: merged, added: fresh.length, evicted };
}

export function flowBufferReducer(state: FlowBufferState, action: FlowBufferAction): FlowBufferState {
  switch (action.type) {
    case 'batch': {
      if (action.flows.length === 0) return state;
      const received = state.received + action.flows.length;
      if (state.paused) {
        const held = mergeFlows(state.held, action.flows, state.maxRows);
        return { ...state, held: held.rows, received };
      }
      const m = mergeFlows(state.rows, action.flows, state.maxRows);
      return { ...state, rows: m.rows, lastAdded: m.added, evicted: state.evicted + m.evicted, received };
    }
    case 'pause':
      return state.paused ? state : { ...state, paused: true, lastAdded: 0 };
    case 'resume': {
      if (!state.paused) return state;
      const m = mergeFlows(state.rows, state.held, state.maxRows);
      return {
        ...state,
        paused: false,
        held: [],
        rows: m.rows,
        lastAdded: m.added,
        evicted: state.evicted + m.evicted,
      };
    }
    case 'reset':
      return { ...initialFlowBuffer(state.maxRows), paused: state.paused };
  }
}

/** Where a reconnect should resume from: the newest row's end, or `fallback` when empty. At most an hour back. */
export function resumeStart(rows: readonly ApiFlow[], fallback: number, nowSec: number): number {
  const newest = rows[0];
  if (!newest) return fallback;
  return Math.max(newest.endTime, nowSec - 3600);
}
