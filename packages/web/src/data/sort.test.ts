import { describe, expect, it } from 'vitest';
import { deniedCrossNamespace, flowBetween, webToApi } from './fixtures.ts';
import { DEFAULT_SORT, decidingPolicyName, flowComparator, matchesQuickSearch, sortFlows } from './sort.ts';

describe('sort > comparators', () => {
  it('default sort (start time desc) returns the buffer as is', () => {
    const rows = [webToApi({ startTime: 3 }), webToApi({ startTime: 1 })];
    expect(sortFlows(rows, DEFAULT_SORT)).toBe(rows);
  });

  it('sorts strings naturally and keeps start time desc as the secondary key', () => {
    const a1 = flowBetween('ns/a', 'ns/pod-10', { startTime: 1 });
    const a2 = flowBetween('ns/a', 'ns/pod-10', { startTime: 2 });
    const b = flowBetween('ns/a', 'ns/pod-9', { startTime: 0 });
    const sorted = sortFlows([a1, b, a2], { column: 'destName', dir: 'asc' });
    expect(sorted).toEqual([b, a2, a1]);
  });

  it('sorts numbers numerically in both directions', () => {
    const p = (destPort: number) => webToApi({ destPort });
    const rows = [p(443), p(53), p(8080)];
    expect(sortFlows(rows, { column: 'destPort', dir: 'asc' }).map((r) => r.destPort)).toEqual([53, 443, 8080]);
    expect(sortFlows(rows, { column: 'destPort', dir: 'desc' }).map((r) => r.destPort)).toEqual([8080, 443, 53]);
  });

  it('is a total order (ties broken by id)', () => {
    const x = webToApi({ startTime: 5 });
    const y = webToApi({ startTime: 5 });
    const cmp = flowComparator({ column: 'proto', dir: 'asc' });
    expect(Math.sign(cmp(x, y))).toBe(-Math.sign(cmp(y, x)));
    expect(cmp(x, y)).not.toBe(0);
  });

  it('does not mutate its input', () => {
    const rows = [webToApi({ destPort: 2 }), webToApi({ destPort: 1 })];
    const copy = rows.slice();
    sortFlows(rows, { column: 'destPort', dir: 'asc' });
    expect(rows).toEqual(copy);
  });
});

describe('sort > helpers', () => {
  it('names the deciding policy, falling back to the end-of-tier owner', () => {
    expect(decidingPolicyName(webToApi())).toBe('allow-web');
    expect(decidingPolicyName(deniedCrossNamespace())).toBe('ledger-ingress');
  });

  it('quick search matches names, labels and policies case-insensitively', () => {
    const f = deniedCrossNamespace();
    expect(matchesQuickSearch(f, 'LEDGER')).toBe(true);
    expect(matchesQuickSearch(f, 'app=web')).toBe(true);
    expect(matchesQuickSearch(f, 'nothing-like-it')).toBe(false);
    expect(matchesQuickSearch(f, '')).toBe(true);
  });
});
