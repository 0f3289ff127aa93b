// Keeps the rows the user is looking at in place while rows are inserted above them (fixed row height).

export interface ScrollAnchor {
  /** Key of the first row at least partly visible. */
  key: string;
  /** scrollTop minus that row's top. */
  offset: number;
}

export function captureAnchor(scrollTop: number, rowHeight: number, keys: readonly string[]): ScrollAnchor | null {
  if (scrollTop <= 0 || keys.length === 0) return null;
  const index = Math.min(keys.length - 1, Math.floor(scrollTop / rowHeight));
  return { key: keys[index]!, offset: scrollTop - index * rowHeight };
}

/** The scrollTop that puts the anchored row back where it was, or null to leave scrolling alone (at the top we follow new rows, like a live tail). */
export function anchoredScrollTop(
  anchor: ScrollAnchor | null,
  rowHeight: number,
  indexOf: (key: string) => number | undefined,
): number | null {
  if (!anchor) return null;
  const index = indexOf(anchor.key);
  if (index === undefined) return null;
  return index * rowHeight + anchor.offset;
}
