// @verdict/engine: Calico selectors, policy resources, compile and evaluate. No I/O.
export type * from './evaluate/index.ts';
export {
  compileCluster,
  createEvaluator,
  effectiveSelector,
  evaluateFlow,
  explainBothScopes,
  explainFlow,
  lineRange,
  policyId,
  policyYaml,
  removePod,
  removePolicy,
  specId,
  upsertPod,
  upsertPolicies,
} from './evaluate/index.ts';
export type { WhiskerPolicyHit } from './hits/json.ts';
export { hitToWhiskerJson } from './hits/json.ts';
export type { PolicyStringError } from './hits/strings.ts';
export { formatPolicyHit, parsePolicyHitString } from './hits/strings.ts';
export type { CalicoVersion, PolicyKind, PolicyKindInfo } from './kinds.ts';
export {
  apiVersionOf,
  CALICO_VERSIONS,
  calicoVersionOfRelease,
  DEFAULT_CALICO_VERSION,
  enforcedKindOf,
  hitKindOf,
  hitKindsIn,
  isCalicoVersion,
  isEnforcedIn,
  isGlobalKind,
  isPolicyKind,
  POLICY_KINDS,
  POLICY_MANIFEST_KINDS,
  policyKindInfo,
  policyKindOfHit,
  policyKindOfManifest,
} from './kinds.ts';
export type * from './model.ts';
export { HIT_KINDS } from './model.ts';
export type { Cidr, Ip, IpFamily } from './net/ip.ts';
export {
  cidrContains,
  formatCidr,
  formatIp,
  isPrivateIpv4,
  parseCidr,
  parseIp,
  parseIpv4,
  sampleAddresses,
} from './net/ip.ts';
export { goldmaneProtocol, protocolName, protocolNumber } from './net/protocol.ts';
export type { LoadOptions, LoadResult, SourceText, TooDeep } from './resources/index.ts';
export {
  BUILTIN_TIERS,
  CNP_TIERS,
  emptyClusterState,
  loadObjects,
  loadResources,
  mergeStates,
  YAML_DEPTH_LIMIT,
  yamlTooDeep,
} from './resources/index.ts';
export type { Result } from './result.ts';
export { err, ok } from './result.ts';
export type { LabelMap, Selector, SelectorError } from './selector/index.ts';
export { parseSelector } from './selector/index.ts';
