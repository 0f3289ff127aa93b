// A unified diff (as the change log stores it) split into hunks of typed lines for display.

export type DiffLineKind = 'added' | 'removed' | 'context';

export interface DiffLine {
  kind: DiffLineKind;
  /** The line without its +, - or space prefix. */
  text: string;
}

export interface DiffHunk {
  /** The `@@ -a,b +c,d @@` line. */
  header: string;
  lines: DiffLine[];
}

/** Hunks of a unified diff; file headers (`===`, `---`, `+++`, `Index:`) and "\ No newline" notes are dropped. */
export function parseUnifiedDiff(text: string): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let hunk: DiffHunk | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) {
      hunk = { header: line, lines: [] };
      hunks.push(hunk);
      continue;
    }
    if (!hunk || line.startsWith('\\')) continue;
    const prefix = line[0];
    if (prefix === '+') hunk.lines.push({ kind: 'added', text: line.slice(1) });
    else if (prefix === '-') hunk.lines.push({ kind: 'removed', text: line.slice(1) });
    else if (prefix === ' ') hunk.lines.push({ kind: 'context', text: line.slice(1) });
  }
  return hunks;
}

/** How many lines the diff adds and removes. */
export function diffStat(hunks: readonly DiffHunk[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const h of hunks)
    for (const l of h.lines) {
      if (l.kind === 'added') added++;
      else if (l.kind === 'removed') removed++;
    }
  return { added, removed };
}
