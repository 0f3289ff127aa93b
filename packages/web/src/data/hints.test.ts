import { describe, expect, it } from 'vitest';
import { hintFilters } from './hints.ts';

describe('hints > request filters', () => {
  const active = {
    sourceNamespaces: [{ value: 'shop', type: 'Exact' as const }],
    destPorts: [443],
    policies: [{ kind: 'NetworkPolicy' }],
  };

  it('replaces the chosen field by a Fuzzy match and keeps the others', () => {
    expect(hintFilters('SourceNamespace', 'sh', active)).toEqual({
      ...active,
      sourceNamespaces: [{ value: 'sh', type: 'Fuzzy' }],
    });
  });

  it('drops the chosen field when there is no search text', () => {
    expect(hintFilters('SourceNamespace', '', active)).toEqual({ destPorts: [443], policies: active.policies });
  });

  it('wraps policy sub-fields in policies[]', () => {
    expect(hintFilters('PolicyName', 'deny', active).policies).toEqual([{ name: { value: 'deny', type: 'Fuzzy' } }]);
    expect(hintFilters('PolicyKind', 'Staged', active).policies).toEqual([{ kind: 'Staged' }]);
  });
});
