// PolicyHit in the whisker-backend JSON shape (calico-observability §4.1): snake_case keys,
// every key present, a trigger as a full hit with action ActionUnspecified.
import type { PolicyHit, PolicyHitRef } from '../model.ts';

export interface WhiskerPolicyHit {
  kind: string;
  name: string;
  namespace: string;
  tier: string;
  action: string;
  policy_index: number;
  rule_index: number;
  trigger: WhiskerPolicyHit | null;
}

function triggerJson(trigger: PolicyHitRef): WhiskerPolicyHit {
  return { ...trigger, action: 'ActionUnspecified', policy_index: 0, rule_index: 0, trigger: null };
}

export function hitToWhiskerJson(hit: PolicyHit): WhiskerPolicyHit {
  return {
    kind: hit.kind,
    name: hit.name,
    namespace: hit.namespace,
    tier: hit.tier,
    action: hit.action,
    policy_index: hit.policyIndex,
    rule_index: hit.ruleIndex,
    trigger: hit.trigger ? triggerJson(hit.trigger) : null,
  };
}
