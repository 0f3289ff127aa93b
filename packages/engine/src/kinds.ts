// The catalogue of policy kinds: one record per kind, from which every list and map of kinds in
// every package is derived. Adding a kind is an entry here (a missing one is a compile error in
// every `Record<PolicyKind, …>`), its converter in `resources/`, and its tests.
import { HIT_KINDS, type HitKind } from './model.ts';

/** Verdict's internal policy kinds (manifest kinds, except Kubernetes' NetworkPolicy is `KubernetesNetworkPolicy`). */
export type PolicyKind =
  | 'NetworkPolicy'
  | 'GlobalNetworkPolicy'
  | 'StagedNetworkPolicy'
  | 'StagedGlobalNetworkPolicy'
  | 'StagedKubernetesNetworkPolicy'
  | 'KubernetesNetworkPolicy'
  | 'AdminNetworkPolicy'
  | 'BaselineAdminNetworkPolicy'
  | 'ClusterNetworkPolicy';

/** Calico releases whose behaviour Verdict reproduces; the newest is the default. */
export const CALICO_VERSIONS = ['3.30', '3.31', '3.32', '3.33'] as const;
export type CalicoVersion = (typeof CALICO_VERSIONS)[number];
export const DEFAULT_CALICO_VERSION: CalicoVersion = '3.33';

export const isCalicoVersion = (value: unknown): value is CalicoVersion =>
  (CALICO_VERSIONS as readonly unknown[]).includes(value);

/**
 * The mode reproducing a Calico release as ClusterInformation reports it (`v3.32.1`, `3.31`): its
 * minor version, an older release as the oldest mode, a newer one as the newest; undefined when the
 * text is not a version (`master`, a commit).
 */
export function calicoVersionOfRelease(release: string): CalicoVersion | undefined {
  const match = /^v?(\d+)\.(\d+)(?:[.-]|$)/.exec(release.trim());
  if (!match) return undefined;
  const minor = `${match[1]}.${match[2]}`;
  if (isCalicoVersion(minor)) return minor;
  const number = (v: string) => {
    const [major = 0, rest = 0] = v.split('.').map(Number);
    return major * 1000 + rest;
  };
  const oldest = CALICO_VERSIONS[0];
  return number(minor) < number(oldest) ? oldest : DEFAULT_CALICO_VERSION;
}

export interface PolicyKindInfo {
  kind: PolicyKind;
  /** `kind:` as written in manifests. */
  manifestKind: string;
  /** API group ("" for the core group) and version. */
  group: string;
  version: string;
  /** Resource plural, as in `kubectl get <plural>.<group>`. */
  plural: string;
  /** The Goldmane PolicyKind that flow logs name a policy of this kind by. */
  hitKind: HitKind;
  /** Short kind of the v3.32+ policy-hit string (`np:`, `knp:`, …). */
  shortKind: string;
  /** True for kinds that only take part in pending traces (reference §9). */
  staged: boolean;
  /** For a staged kind, the enforced kind it stands for; for an enforced kind, its staged form. */
  counterpart?: PolicyKind;
  scope: 'Global' | 'Namespaced';
  /** How people name the kind in prose and in the UI. */
  displayName: string;
  /** Calico's backend kind, used to break ties between policies of equal order (reference §4.1). */
  backendKind: string;
  /** Calico releases that enforce the kind (inclusive bounds); absent = every release. */
  enforcedIn?: { since?: CalicoVersion; until?: CalicoVersion };
  /**
   * The policy-hit name part Calico 3.30/3.31 wrote (calico-observability §6.2), with `{ns}`,
   * `{tier}` and `{name}` filled in; absent for kinds those releases do not know.
   */
  legacyName?: string;
}

const CALICO = { group: 'projectcalico.org', version: 'v3' } as const;
const K8S_NETWORKING = { group: 'networking.k8s.io', version: 'v1' } as const;
const ADMIN_V1ALPHA1 = { group: 'policy.networking.k8s.io', version: 'v1alpha1' } as const;
const ADMIN_V1ALPHA2 = { group: 'policy.networking.k8s.io', version: 'v1alpha2' } as const;

const CATALOGUE = {
  NetworkPolicy: {
    kind: 'NetworkPolicy',
    manifestKind: 'NetworkPolicy',
    ...CALICO,
    plural: 'networkpolicies',
    hitKind: 'CalicoNetworkPolicy',
    shortKind: 'np',
    staged: false,
    counterpart: 'StagedNetworkPolicy',
    scope: 'Namespaced',
    displayName: 'Calico NetworkPolicy',
    backendKind: 'NetworkPolicy',
    legacyName: '{ns}/{tier}.{name}',
  },
  GlobalNetworkPolicy: {
    kind: 'GlobalNetworkPolicy',
    manifestKind: 'GlobalNetworkPolicy',
    ...CALICO,
    plural: 'globalnetworkpolicies',
    hitKind: 'GlobalNetworkPolicy',
    shortKind: 'gnp',
    staged: false,
    counterpart: 'StagedGlobalNetworkPolicy',
    scope: 'Global',
    displayName: 'GlobalNetworkPolicy',
    backendKind: 'GlobalNetworkPolicy',
    legacyName: '{tier}.{name}',
  },
  StagedNetworkPolicy: {
    kind: 'StagedNetworkPolicy',
    manifestKind: 'StagedNetworkPolicy',
    ...CALICO,
    plural: 'stagednetworkpolicies',
    hitKind: 'StagedNetworkPolicy',
    shortKind: 'snp',
    staged: true,
    counterpart: 'NetworkPolicy',
    scope: 'Namespaced',
    displayName: 'StagedNetworkPolicy',
    backendKind: 'StagedNetworkPolicy',
    legacyName: '{ns}/{tier}.staged:{name}',
  },
  StagedGlobalNetworkPolicy: {
    kind: 'StagedGlobalNetworkPolicy',
    manifestKind: 'StagedGlobalNetworkPolicy',
    ...CALICO,
    plural: 'stagedglobalnetworkpolicies',
    hitKind: 'StagedGlobalNetworkPolicy',
    shortKind: 'sgnp',
    staged: true,
    counterpart: 'GlobalNetworkPolicy',
    scope: 'Global',
    displayName: 'StagedGlobalNetworkPolicy',
    backendKind: 'StagedGlobalNetworkPolicy',
    legacyName: '{tier}.staged:{name}',
  },
  StagedKubernetesNetworkPolicy: {
    kind: 'StagedKubernetesNetworkPolicy',
    manifestKind: 'StagedKubernetesNetworkPolicy',
    ...CALICO,
    plural: 'stagedkubernetesnetworkpolicies',
    hitKind: 'StagedKubernetesNetworkPolicy',
    shortKind: 'sknp',
    staged: true,
    counterpart: 'KubernetesNetworkPolicy',
    scope: 'Namespaced',
    displayName: 'StagedKubernetesNetworkPolicy',
    backendKind: 'StagedKubernetesNetworkPolicy',
    legacyName: '{ns}/staged:knp.default.{name}',
  },
  KubernetesNetworkPolicy: {
    kind: 'KubernetesNetworkPolicy',
    manifestKind: 'NetworkPolicy',
    ...K8S_NETWORKING,
    plural: 'networkpolicies',
    hitKind: 'NetworkPolicy',
    shortKind: 'knp',
    staged: false,
    counterpart: 'StagedKubernetesNetworkPolicy',
    scope: 'Namespaced',
    displayName: 'Kubernetes NetworkPolicy',
    backendKind: 'KubernetesNetworkPolicy',
    legacyName: '{ns}/knp.default.{name}',
  },
  AdminNetworkPolicy: {
    kind: 'AdminNetworkPolicy',
    manifestKind: 'AdminNetworkPolicy',
    ...ADMIN_V1ALPHA1,
    plural: 'adminnetworkpolicies',
    hitKind: 'AdminNetworkPolicy',
    shortKind: 'kanp',
    staged: false,
    scope: 'Global',
    displayName: 'AdminNetworkPolicy',
    backendKind: 'AdminNetworkPolicy',
    legacyName: 'kanp.adminnetworkpolicy.{name}',
    enforcedIn: { until: '3.31' },
  },
  BaselineAdminNetworkPolicy: {
    kind: 'BaselineAdminNetworkPolicy',
    manifestKind: 'BaselineAdminNetworkPolicy',
    ...ADMIN_V1ALPHA1,
    plural: 'baselineadminnetworkpolicies',
    hitKind: 'BaselineAdminNetworkPolicy',
    shortKind: 'kbanp',
    staged: false,
    scope: 'Global',
    displayName: 'BaselineAdminNetworkPolicy',
    backendKind: 'BaselineAdminNetworkPolicy',
    legacyName: 'kbanp.baselineadminnetworkpolicy.{name}',
    enforcedIn: { until: '3.31' },
  },
  ClusterNetworkPolicy: {
    kind: 'ClusterNetworkPolicy',
    manifestKind: 'ClusterNetworkPolicy',
    ...ADMIN_V1ALPHA2,
    plural: 'clusternetworkpolicies',
    hitKind: 'ClusterNetworkPolicy',
    shortKind: 'kcnp',
    staged: false,
    scope: 'Global',
    displayName: 'ClusterNetworkPolicy',
    backendKind: 'KubernetesClusterNetworkPolicy',
    enforcedIn: { since: '3.32' },
  },
} as const satisfies { readonly [K in PolicyKind]: PolicyKindInfo & { kind: K } };

/** Every policy kind, in catalogue order. */
export const POLICY_KINDS: readonly PolicyKind[] = Object.keys(CATALOGUE) as PolicyKind[];

export const policyKindInfo = (kind: PolicyKind): PolicyKindInfo => CATALOGUE[kind];

export const isPolicyKind = (value: string): value is PolicyKind => Object.hasOwn(CATALOGUE, value);

/** The Goldmane kind that flow logs name a policy of this kind by. */
export const hitKindOf = (kind: PolicyKind): HitKind => CATALOGUE[kind].hitKind;

const KIND_BY_HIT: ReadonlyMap<HitKind, PolicyKind> = new Map(POLICY_KINDS.map((k) => [CATALOGUE[k].hitKind, k]));

/** The policy kind a hit names; undefined for `Profile`, `EndOfTier` and kinds Verdict does not load. */
export const policyKindOfHit = (hitKind: HitKind): PolicyKind | undefined => KIND_BY_HIT.get(hitKind);

/** The enforced kind a staged kind stands in for; undefined for enforced kinds. */
export function enforcedKindOf(kind: PolicyKind): PolicyKind | undefined {
  const info: PolicyKindInfo = CATALOGUE[kind];
  return info.staged ? info.counterpart : undefined;
}

export const isGlobalKind = (kind: PolicyKind): boolean => CATALOGUE[kind].scope === 'Global';

/** `apiVersion` as written in manifests. */
export function apiVersionOf(kind: PolicyKind): string {
  const { group, version }: PolicyKindInfo = CATALOGUE[kind];
  return group === '' ? version : `${group}/${version}`;
}

/** The internal kind of a manifest's `kind` and `apiVersion`; undefined when it is not a policy kind. */
export function policyKindOfManifest(manifestKind: string, apiVersion: string): PolicyKind | undefined {
  return POLICY_KINDS.find((k) => CATALOGUE[k].manifestKind === manifestKind && apiVersionOf(k) === apiVersion);
}

/** Manifest `kind` values that name a policy kind (in some apiVersion). */
export const POLICY_MANIFEST_KINDS: ReadonlySet<string> = new Set(POLICY_KINDS.map((k) => CATALOGUE[k].manifestKind));

const versionRank = (v: CalicoVersion): number => CALICO_VERSIONS.indexOf(v);

/** Whether Calico `version` enforces policies of this kind (ANP/BANP up to 3.31, CNP from 3.32). */
export function isEnforcedIn(kind: PolicyKind, version: CalicoVersion): boolean {
  const range = (CATALOGUE[kind] as PolicyKindInfo).enforcedIn;
  if (!range) return true;
  const rank = versionRank(version);
  return (
    (range.since === undefined || rank >= versionRank(range.since)) &&
    (range.until === undefined || rank <= versionRank(range.until))
  );
}

/** Goldmane PolicyKinds that Calico `version` uses: 7/8 (ANP/BANP) up to 3.31, 11 (CNP) from 3.32. */
export function hitKindsIn(version: CalicoVersion): readonly HitKind[] {
  const absent = new Set<HitKind>(
    POLICY_KINDS.filter((k) => !isEnforcedIn(k, version)).map((k) => policyKindInfo(k).hitKind),
  );
  return HIT_KINDS.filter((kind) => !absent.has(kind));
}

/** Whether `version` writes policy-hit strings in the 3.30/3.31 form (calico-observability §6.2). */
export const writesLegacyHitStrings = (version: CalicoVersion): boolean => versionRank(version) <= versionRank('3.31');
