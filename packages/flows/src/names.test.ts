import { describe, expect, it } from 'vitest';
import {
  displayName,
  displayNamespace,
  isNetworkName,
  NAME_DISPLAY,
  NAMESPACE_DISPLAY,
  storedValues,
} from './names.ts';

describe('endpoint display names', () => {
  it('shows the public and private networks and the missing namespace as Whisker does', () => {
    expect([displayName('pub'), displayName('pvt'), displayName('web-*')]).toEqual([
      'PUBLIC NETWORK',
      'PRIVATE NETWORK',
      'web-*',
    ]);
    expect([displayNamespace('-'), displayNamespace(''), displayNamespace('shop')]).toEqual([
      'Global',
      'Global',
      'shop',
    ]);
    expect([isNetworkName('pub'), isNetworkName('pvt'), isNetworkName('PUBLIC NETWORK')]).toEqual([true, true, false]);
  });

  it('inverts display forms to every stored value behind them', () => {
    expect(storedValues(NAME_DISPLAY)).toEqual({ 'PUBLIC NETWORK': ['pub'], 'PRIVATE NETWORK': ['pvt'] });
    expect(storedValues(NAMESPACE_DISPLAY)).toEqual({ Global: ['-', ''] });
  });
});
