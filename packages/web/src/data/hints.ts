// Filters for a filter-hints request (Whisker behaviour, reference calico-observability §5.3).
import type { HintType, VerdictFilters } from '../api/types.ts';

/** The filters sent with a hints request: the field being chosen is replaced by the search text. */
export function hintFilters(type: HintType, search: string, filters: VerdictFilters): VerdictFilters {
  const f: VerdictFilters = { ...filters };
  const fuzzy = search ? [{ value: search, type: 'Fuzzy' as const }] : undefined;
  const set = (k: 'sourceNames' | 'sourceNamespaces' | 'destNames' | 'destNamespaces') => {
    if (fuzzy) f[k] = fuzzy;
    else delete f[k];
  };
  switch (type) {
    case 'SourceName':
      set('sourceNames');
      break;
    case 'SourceNamespace':
      set('sourceNamespaces');
      break;
    case 'DestName':
      set('destNames');
      break;
    case 'DestNamespace':
      set('destNamespaces');
      break;
    case 'PolicyKind':
      delete f.policies;
      if (search) f.policies = [{ kind: search }];
      break;
    case 'PolicyTier':
      delete f.policies;
      if (search) f.policies = [{ tier: { value: search, type: 'Fuzzy' } }];
      break;
    case 'PolicyName':
      delete f.policies;
      if (search) f.policies = [{ name: { value: search, type: 'Fuzzy' } }];
      break;
    case 'PolicyNamespace':
      delete f.policies;
      if (search) f.policies = [{ namespace: { value: search, type: 'Fuzzy' } }];
      break;
  }
  return f;
}
