import { readableDiff } from '@verdict/cluster';
import { describe, expect, it } from 'vitest';
import { diffStat, parseUnifiedDiff } from './diff.ts';

const blockList = (nets: string[]) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'GlobalNetworkPolicy',
  metadata: { name: 'security.block-known-bad' },
  spec: { tier: 'security', order: 30, egress: [{ action: 'Deny', destination: { nets } }] },
});

describe('diff > parseUnifiedDiff', () => {
  it('types the lines of a change-log diff and drops the file headers', () => {
    const text = readableDiff(
      'GlobalNetworkPolicy security.block-known-bad',
      blockList(['198.51.100.0/24']),
      blockList(['198.51.100.0/24', '203.0.113.0/24']),
    );
    const hunks = parseUnifiedDiff(text);
    expect(hunks).toHaveLength(1);
    expect(hunks[0]?.header).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/);
    const lines = hunks[0]?.lines ?? [];
    expect(lines.filter((l) => l.kind === 'added').map((l) => l.text.trim())).toEqual(['- 203.0.113.0/24']);
    expect(lines.filter((l) => l.kind === 'removed')).toEqual([]);
    expect(lines.some((l) => l.kind === 'context' && l.text.includes('198.51.100.0/24'))).toBe(true);
    expect(lines.some((l) => /before|after/.test(l.text))).toBe(false);
    expect(diffStat(hunks)).toEqual({ added: 1, removed: 0 });
  });

  it('shows a deletion as removed lines only', () => {
    const hunks = parseUnifiedDiff(readableDiff('x', blockList(['10.0.0.0/8']), null));
    const stat = diffStat(hunks);
    expect(stat.added).toBe(0);
    expect(stat.removed).toBeGreaterThan(5);
    expect(hunks.flatMap((h) => h.lines).every((l) => l.kind === 'removed')).toBe(true);
  });

  it('returns no hunks for text that is not a diff', () => {
    expect(parseUnifiedDiff('')).toEqual([]);
    expect(parseUnifiedDiff('+ not in a hunk\n- neither')).toEqual([]);
  });

  it('skips "no newline at end of file" notes', () => {
    const hunks = parseUnifiedDiff('@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n');
    expect(hunks[0]?.lines).toEqual([
      { kind: 'removed', text: 'a' },
      { kind: 'added', text: 'b' },
    ]);
  });
});
