import { describe, expect, it } from 'vitest';
import {
  COLUMN_IDS,
  DEFAULT_COLUMN_PREFS,
  moveColumn,
  parseColumnPrefs,
  serializeColumnPrefs,
  toggleColumn,
} from './columns.ts';
import { formatIps } from './format.ts';

describe('columns > prefs', () => {
  it('round-trips through storage', () => {
    const p = toggleColumn(moveColumn(DEFAULT_COLUMN_PREFS, 'destName', -1), 'reporter');
    expect(parseColumnPrefs(serializeColumnPrefs(p))).toEqual(p);
  });

  it('falls back to defaults on garbage and keeps every column', () => {
    expect(parseColumnPrefs('{oops')).toEqual(DEFAULT_COLUMN_PREFS);
    const p = parseColumnPrefs(JSON.stringify({ order: ['destPort', 'nope'], hidden: ['nope'] }));
    expect(p.order[0]).toBe('destPort');
    expect(new Set(p.order)).toEqual(new Set(COLUMN_IDS));
    expect(p.hidden).not.toContain('nope');
  });

  it('moves within bounds only', () => {
    expect(moveColumn(DEFAULT_COLUMN_PREFS, COLUMN_IDS[0], -1)).toBe(DEFAULT_COLUMN_PREFS);
  });
});

describe('formatIps', () => {
  it('shows the first addresses and counts the rest, listed or beyond the kept set', () => {
    expect(formatIps([], 0)).toBe('');
    expect(formatIps(['10.0.0.1'], 0)).toBe('10.0.0.1');
    expect(formatIps(['10.0.0.1', '10.0.0.2', '10.0.0.3'], 0)).toBe('10.0.0.1, 10.0.0.2 +1');
    expect(formatIps(['10.0.0.1', '10.0.0.2'], 40)).toBe('10.0.0.1, 10.0.0.2 +40');
  });
});
