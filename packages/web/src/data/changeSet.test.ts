import { describe, expect, it } from 'vitest';
import {
  annotate,
  DEFAULT_REHEARSE_START,
  decodeDraft,
  decodeStaged,
  encodeDraft,
  encodeStaged,
  issuePosition,
  parseRangeStart,
  sortIssues,
} from './changeSet.ts';
import { issueAt } from './fixtures.ts';

describe('annotate: issues → editor lines', () => {
  it('puts each issue on its line, with its field path', () => {
    const { byLine, unpositioned } = annotate(
      [issueAt(8, 'invalid selector', { path: 'spec.selector' }), issueAt(2, 'unknown kind')],
      10,
    );
    expect([...byLine.keys()].sort()).toEqual([2, 8]);
    expect(byLine.get(8)).toEqual({ severity: 'error', messages: ['spec.selector: invalid selector'] });
    expect(unpositioned).toEqual([]);
  });

  it('joins issues on one line; an error outranks a warning; duplicates collapse', () => {
    const { byLine } = annotate(
      [issueAt(3, 'tier is not defined', { severity: 'warning' }), issueAt(3, 'bad port'), issueAt(3, 'bad port')],
      5,
    );
    expect(byLine.get(3)).toEqual({ severity: 'error', messages: ['bad port', 'tier is not defined'] });
  });

  it('keeps issues without a usable line apart (line 0, past the end)', () => {
    const { byLine, unpositioned } = annotate([issueAt(0, 'no policy'), issueAt(12, 'after the end')], 4);
    expect(byLine.size).toBe(0);
    expect(unpositioned.map((i) => i.message)).toEqual(['no policy', 'after the end']);
  });
});

describe('issue helpers', () => {
  it('sorts errors first, then by line and column', () => {
    const sorted = sortIssues([
      issueAt(1, 'w', { severity: 'warning' }),
      issueAt(5, 'b', { column: 3 }),
      issueAt(5, 'a', { column: 1 }),
      issueAt(2, 'c'),
    ]);
    expect(sorted.map((i) => i.message)).toEqual(['c', 'a', 'b', 'w']);
  });

  it('describes positions for the issue list', () => {
    expect(issuePosition(issueAt(8, 'x', { column: 19 }))).toBe('line 8, column 19');
    expect(issuePosition(issueAt(8, 'x'))).toBe('line 8');
    expect(issuePosition(issueAt(0, 'x'))).toBe('');
  });
});

describe('time range in the URL', () => {
  it('accepts only the offered ranges', () => {
    expect(parseRangeStart('?start=-900')).toBe(-900);
    expect(parseRangeStart('?start=-604800')).toBe(-604_800);
    expect(parseRangeStart('?start=-5')).toBe(DEFAULT_REHEARSE_START);
    expect(parseRangeStart('?start=abc')).toBe(DEFAULT_REHEARSE_START);
    expect(parseRangeStart('')).toBe(DEFAULT_REHEARSE_START);
  });
});

describe('sessionStorage codecs', () => {
  it('round-trips the editor draft, with its origin', () => {
    const draft = { changeSet: 'kind: StagedNetworkPolicy\n', origin: 'the recommendation for shop (calico)' };
    expect(decodeDraft(encodeDraft(draft))).toEqual(draft);
    expect(decodeDraft(encodeDraft({ changeSet: '' }))).toEqual({ changeSet: '' });
  });

  it('reads anything else as "no draft"', () => {
    for (const raw of [null, '', 'not json', '"text"', '{"v":2,"changeSet":"x"}', '{"v":1,"changeSet":3}']) {
      expect(decodeDraft(raw)).toBeNull();
    }
  });

  it('round-trips staged policies and drops malformed entries', () => {
    const staged = [{ kind: 'StagedNetworkPolicy', namespace: 'shop', name: 'verdict-cart' }];
    expect(decodeStaged(encodeStaged(staged))).toEqual(staged);
    expect(decodeStaged('{"v":1,"policies":[{"kind":"X"},null,{"kind":"K","namespace":"","name":"n"}]}')).toEqual([
      { kind: 'K', namespace: '', name: 'n' },
    ]);
    expect(decodeStaged('nope')).toEqual([]);
    expect(decodeStaged(null)).toEqual([]);
  });
});
