// Flows the server's stream could not send to this page (it fell behind): `event: gap` carries how
// many and the time span, which the page can load from the list API instead.

/** One `event: gap` payload, as the server sends it. */
export interface StreamGap {
  missed: number;
  /** Unix seconds: the missed flows start at or after `startTimeGte` and end by `startTimeLt`. */
  startTimeGte: number;
  startTimeLt: number;
}

/** A gap event's data, or null when it is not one. */
export function parseStreamGap(data: string): StreamGap | null {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { missed, startTimeGte, startTimeLt } = v as Record<string, unknown>;
  const int = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n);
  if (!int(missed) || missed <= 0 || !int(startTimeGte) || !int(startTimeLt) || startTimeLt < startTimeGte) return null;
  return { missed, startTimeGte, startTimeLt };
}

/** Gaps not loaded yet add up: their counts, and the span covering both. */
export function mergeGaps(a: StreamGap | null, b: StreamGap): StreamGap {
  if (!a) return b;
  return {
    missed: a.missed + b.missed,
    startTimeGte: Math.min(a.startTimeGte, b.startTimeGte),
    startTimeLt: Math.max(a.startTimeLt, b.startTimeLt),
  };
}
