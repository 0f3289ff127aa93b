// How a policy hit is shown in a trace table, following Whisker (reference calico-observability §5.3, §6.3).
import type { ApiPolicyHit } from '../api/types.ts';

export interface HitRow {
  kind: string;
  namespace: string;
  name: string;
  tier: string;
  action: string;
  policyIndex: string;
  ruleIndex: string;
  /** `namespace/name` of the trigger, or ''. */
  triggeredBy: string;
  trigger: ApiPolicyHit['trigger'];
  staged: boolean;
}

export function isStagedKind(kind: string): boolean {
  return kind.startsWith('Staged');
}

/** Profile rows become "EndOfTier / default" with blank name and indexes; EndOfTier rows blank the indexes and name their trigger. */
export function hitRow(h: ApiPolicyHit): HitRow {
  const action = h.action || 'Unspecified';
  if (h.kind === 'Profile') {
    return {
      kind: 'EndOfTier',
      namespace: '',
      name: '',
      tier: 'default',
      action,
      policyIndex: '',
      ruleIndex: '',
      triggeredBy: '',
      trigger: null,
      staged: false,
    };
  }
  const t = h.trigger;
  const triggeredBy = t ? (t.namespace ? `${t.namespace}/${t.name}` : t.name) : '';
  if (h.kind === 'EndOfTier') {
    return {
      kind: h.kind,
      namespace: h.namespace,
      name: h.name,
      tier: h.tier,
      action,
      policyIndex: '',
      ruleIndex: '',
      triggeredBy,
      trigger: t,
      staged: t ? isStagedKind(t.kind) : false,
    };
  }
  return {
    kind: h.kind,
    namespace: h.namespace,
    name: h.name,
    tier: h.tier,
    action,
    policyIndex: String(h.policyIndex),
    ruleIndex: String(h.ruleIndex),
    triggeredBy,
    trigger: t,
    staged: isStagedKind(h.kind),
  };
}
