import { describe, expect, it } from 'vitest';
import { anchoredScrollTop, captureAnchor } from './scrollAnchor.ts';

const H = 30;

describe('scrollAnchor', () => {
  it('follows new rows when the user is at the top', () => {
    expect(captureAnchor(0, H, ['a', 'b'])).toBeNull();
    expect(anchoredScrollTop(null, H, () => 0)).toBeNull();
  });

  it('keeps the first visible row in place when rows are prepended', () => {
    const before = ['a', 'b', 'c', 'd'];
    const anchor = captureAnchor(2 * H + 7, H, before);
    expect(anchor).toEqual({ key: 'c', offset: 7 });
    const after = ['x', 'y', 'z', ...before];
    const top = anchoredScrollTop(anchor, H, (k) => after.indexOf(k));
    expect(top).toBe(5 * H + 7);
  });

  it('leaves scrolling alone when the anchored row is gone', () => {
    const anchor = captureAnchor(H, H, ['a', 'b']);
    expect(anchoredScrollTop(anchor, H, () => undefined)).toBeNull();
  });
});
