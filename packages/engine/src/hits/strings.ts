// Felix's policy-hit strings `<policyIndex>|<tier>|<namePart>|<action>|<ruleIndex>`
// (calico-observability §6): read the v3.30/v3.31 and the v3.32+ forms, write v3.32+.
import {
  type CalicoVersion,
  DEFAULT_CALICO_VERSION,
  isGlobalKind,
  POLICY_KINDS,
  policyKindInfo,
  policyKindOfHit,
  writesLegacyHitStrings,
} from '../kinds.ts';
import type { HitAction, HitKind, PolicyHit, PolicyHitRef } from '../model.ts';
import { err, ok, type Result } from '../result.ts';

export interface PolicyStringError {
  input: string;
  message: string;
}

/** Short kinds of hits that are not policies of a loaded kind. */
const OTHER_SHORT_KINDS = { Profile: 'pro', EndOfTier: 'eot' } as const;

/** Short kinds of the v3.32+ `<kind>:[<namespace>/]<name>` form; `kanp`/`kbanp` are Verdict's for v1alpha1 ANP/BANP. */
const SHORT_BY_KIND: ReadonlyMap<HitKind, string> = new Map<HitKind, string>([
  ...POLICY_KINDS.map((k) => [policyKindInfo(k).hitKind, policyKindInfo(k).shortKind] as const),
  ...Object.entries(OTHER_SHORT_KINDS).map(([hit, short]) => [hit as HitKind, short] as const),
]);

const KIND_BY_SHORT: ReadonlyMap<string, HitKind> = new Map([...SHORT_BY_KIND].map(([hit, short]) => [short, hit]));

const NAMESPACED: ReadonlySet<HitKind> = new Set(
  POLICY_KINDS.filter((k) => !isGlobalKind(k)).map((k) => policyKindInfo(k).hitKind),
);

const ACTIONS: Readonly<Record<string, HitAction>> = { allow: 'Allow', deny: 'Deny', pass: 'Pass' };

const PROFILE_TIER = '__PROFILE__';
/** Placeholders Felix emits for unmatched tiers or profiles; current upstream parsers reject them, we accept them. */
const PLACEHOLDERS: ReadonlySet<string> = new Set(['__NO_MATCH__', '__PROFILE__']);
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const isDnsName = (s: string): boolean => s.length <= 253 && DNS1123_SUBDOMAIN.test(s);

/**
 * Parses one Felix policy-hit string. Rule index -1 yields an `EndOfTier` hit whose `trigger` is the
 * policy named in the string; the `__PROFILE__` tier becomes `""`.
 *
 * @example
 * parsePolicyHitString('0|security|snp:shop/lockdown|deny|-1')
 * // ok: { kind: 'EndOfTier', tier: 'security', action: 'Deny', policyIndex: 0, ruleIndex: -1,
 * //       name: '', namespace: '', trigger: { kind: 'StagedNetworkPolicy', namespace: 'shop', name: 'lockdown', tier: 'security' } }
 */
export function parsePolicyHitString(input: string): Result<PolicyHit, PolicyStringError> {
  const fail = (message: string) => err({ input, message: `policy hit "${input}": ${message}` });
  const parts = input.split('|');
  if (parts.length !== 5) {
    return fail(`expected 5 fields <policyIndex>|<tier>|<name>|<action>|<ruleIndex>, got ${parts.length}`);
  }
  const [indexText, tier, namePart, actionText, ruleText] = parts as [string, string, string, string, string];
  if (!/^\d+$/.test(indexText)) return fail(`policy index "${indexText}" is not a non-negative integer`);
  if (!/^-?\d+$/.test(ruleText) || Number(ruleText) < -1) {
    return fail(`rule index "${ruleText}" is not an integer >= -1`);
  }
  const action = ACTIONS[actionText.toLowerCase()];
  if (action === undefined) return fail(`action "${actionText}" is not one of allow, deny, pass`);
  if (tier !== PROFILE_TIER && !isDnsName(tier)) return fail(`tier "${tier}" is not a DNS-1123 name`);

  const ref = parseNamePart(namePart, tier);
  if (typeof ref === 'string') return fail(ref);

  const policyIndex = Number(indexText);
  const ruleIndex = Number(ruleText);
  const hitTier = tier === PROFILE_TIER ? '' : tier;
  if (ref.kind === 'EndOfTier') {
    return ok({ kind: 'EndOfTier', namespace: '', name: '', tier: hitTier, action, policyIndex, ruleIndex });
  }
  if (ref.kind === 'Profile') {
    return ok({ kind: 'Profile', namespace: '', name: ref.name, tier: '', action, policyIndex, ruleIndex });
  }
  if (ruleIndex === -1) {
    const trigger: PolicyHitRef = { kind: ref.kind, namespace: ref.namespace, name: ref.name, tier: hitTier };
    return ok({ kind: 'EndOfTier', namespace: '', name: '', tier: hitTier, action, policyIndex, ruleIndex, trigger });
  }
  return ok({
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    tier: hitTier,
    action,
    policyIndex,
    ruleIndex,
  });
}

interface NameRef {
  kind: HitKind;
  namespace: string;
  name: string;
}

/** The policy named by the third field, or a message saying why it cannot be read. */
function parseNamePart(namePart: string, tier: string): NameRef | string {
  const colon = namePart.indexOf(':');
  const shortKind = colon > 0 ? KIND_BY_SHORT.get(namePart.slice(0, colon)) : undefined;
  return shortKind === undefined
    ? parseLegacyName(namePart, tier)
    : parseKindName(shortKind, namePart.slice(colon + 1));
}

/** v3.32+: `<kind>:[<namespace>/]<name>`. */
function parseKindName(kind: HitKind, rest: string): NameRef | string {
  if ((kind === 'Profile' || kind === 'EndOfTier') && PLACEHOLDERS.has(rest)) return { kind, namespace: '', name: '' };
  const slash = rest.indexOf('/');
  const namespace = slash >= 0 ? rest.slice(0, slash) : '';
  const name = slash >= 0 ? rest.slice(slash + 1) : rest;
  if (NAMESPACED.has(kind)) {
    if (slash < 0) return `${kind} "${rest}" needs <namespace>/<name>`;
    if (!isDnsName(namespace)) return `namespace "${namespace}" is not a DNS-1123 name`;
  } else if (slash >= 0) {
    return `${kind} "${rest}" is not namespaced; expected <name> without "/"`;
  }
  if (!isDnsName(name)) return `name "${name}" is not a DNS-1123 name`;
  return { kind, namespace, name };
}

/** v3.30/v3.31: the tier is embedded in the name and staged policies carry `staged:` (§6.2). */
function parseLegacyName(namePart: string, tier: string): NameRef | string {
  const named = (kind: HitKind, namespace: string, name: string): NameRef | string => {
    if (namespace !== '' && !isDnsName(namespace)) return `namespace "${namespace}" is not a DNS-1123 name`;
    if (!isDnsName(name)) return `name "${name}" is not a DNS-1123 name`;
    return { kind, namespace, name };
  };
  if (tier === PROFILE_TIER) {
    const prefix = `${PROFILE_TIER}.`;
    if (!namePart.startsWith(prefix)) return `profile "${namePart}" should start with "${prefix}"`;
    const name = namePart.slice(prefix.length);
    return PLACEHOLDERS.has(name) ? { kind: 'Profile', namespace: '', name: '' } : named('Profile', '', name);
  }
  if (namePart.startsWith('kanp.adminnetworkpolicy.')) {
    return named('AdminNetworkPolicy', '', namePart.slice('kanp.adminnetworkpolicy.'.length));
  }
  if (namePart.startsWith('kbanp.baselineadminnetworkpolicy.')) {
    return named('BaselineAdminNetworkPolicy', '', namePart.slice('kbanp.baselineadminnetworkpolicy.'.length));
  }
  const slash = namePart.indexOf('/');
  const tierDot = `${tier}.`;
  if (slash >= 0) {
    const namespace = namePart.slice(0, slash);
    const rest = namePart.slice(slash + 1);
    if (rest.startsWith('knp.default.')) return named('NetworkPolicy', namespace, rest.slice('knp.default.'.length));
    if (rest.startsWith('staged:knp.default.')) {
      return named('StagedKubernetesNetworkPolicy', namespace, rest.slice('staged:knp.default.'.length));
    }
    if (rest.startsWith(`${tierDot}staged:`)) {
      return named('StagedNetworkPolicy', namespace, rest.slice(`${tierDot}staged:`.length));
    }
    if (rest.startsWith(tierDot)) return named('CalicoNetworkPolicy', namespace, rest.slice(tierDot.length));
    return `name "${namePart}" has neither a known kind prefix (np:, gnp:, ...) nor the legacy <namespace>/${tierDot}<name> form`;
  }
  if (namePart.startsWith(`${tierDot}staged:`)) {
    return named('StagedGlobalNetworkPolicy', '', namePart.slice(`${tierDot}staged:`.length));
  }
  if (namePart.startsWith(tierDot)) return named('GlobalNetworkPolicy', '', namePart.slice(tierDot.length));
  return `name "${namePart}" has neither a known kind prefix (np:, gnp:, ...) nor the legacy ${tierDot}<name> form`;
}

/**
 * Writes a hit in the form Calico `version` writes (v3.32+ by default; v3.30/v3.31: §6.2). EndOfTier hits name their trigger (or `eot:__NO_MATCH__` without
 * one); profiles use the `__PROFILE__` tier.
 *
 * @example
 * formatPolicyHit({ kind: 'Profile', name: 'kns.shop', namespace: '', tier: '', action: 'Allow', policyIndex: 0, ruleIndex: 0 })
 * // '0|__PROFILE__|pro:kns.shop|allow|0'
 */
export function formatPolicyHit(hit: PolicyHit, version: CalicoVersion = DEFAULT_CALICO_VERSION): string {
  const action = hit.action.toLowerCase();
  const head = `${hit.policyIndex}|${hit.kind === 'Profile' ? PROFILE_TIER : hit.tier}`;
  const tail = `${action}|${hit.ruleIndex}`;
  const name = writesLegacyHitStrings(version) ? legacyName : kindName;
  if (hit.kind === 'EndOfTier') {
    const t = hit.trigger;
    return t === undefined ? `${head}|eot:__NO_MATCH__|${tail}` : `${head}|${name(t)}|${tail}`;
  }
  return `${head}|${name(hit)}|${tail}`;
}

/** The 3.30/3.31 name part from the catalogue's template; kinds those releases lack keep the new form. */
function legacyName(ref: PolicyHitRef): string {
  if (ref.kind === 'Profile') return `${PROFILE_TIER}.${ref.name === '' ? '__NO_MATCH__' : ref.name}`;
  const kind = policyKindOfHit(ref.kind);
  const template = kind && policyKindInfo(kind).legacyName;
  if (template === undefined) return kindName(ref);
  return template.replace('{ns}', ref.namespace).replace('{tier}', ref.tier).replace('{name}', ref.name);
}

function kindName(ref: PolicyHitRef): string {
  if (ref.name === '' && ref.kind === 'Profile') return 'pro:__NO_MATCH__';
  return `${SHORT_BY_KIND.get(ref.kind)}:${ref.namespace === '' ? '' : `${ref.namespace}/`}${ref.name}`;
}
