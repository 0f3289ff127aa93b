import { describe, expect, it } from 'vitest';
import { hit } from './fixtures.ts';
import { hitRow } from './policyHits.ts';

describe('policyHits > Whisker rendering', () => {
  it('shows a policy hit as is', () => {
    expect(hitRow(hit({ policyIndex: 1, ruleIndex: 2 }))).toMatchObject({
      kind: 'CalicoNetworkPolicy',
      name: 'allow-web',
      policyIndex: '1',
      ruleIndex: '2',
      triggeredBy: '',
    });
  });

  it('re-labels Profile as EndOfTier / default with blank name and indexes', () => {
    expect(hitRow(hit({ kind: 'Profile', name: 'kns.shop', tier: '__PROFILE__' }))).toMatchObject({
      kind: 'EndOfTier',
      tier: 'default',
      name: '',
      namespace: '',
      policyIndex: '',
      ruleIndex: '',
    });
  });

  it('blanks EndOfTier indexes and names the trigger', () => {
    const row = hitRow(
      hit({
        kind: 'EndOfTier',
        action: 'Deny',
        ruleIndex: -1,
        trigger: { kind: 'StagedKubernetesNetworkPolicy', name: 'deny-all', namespace: 'shop', tier: 'default' },
      }),
    );
    expect(row).toMatchObject({ policyIndex: '', ruleIndex: '', triggeredBy: 'shop/deny-all', staged: true });
  });

  it('shows an empty action as Unspecified', () => {
    expect(hitRow(hit({ action: '' as 'Allow' })).action).toBe('Unspecified');
  });
});
