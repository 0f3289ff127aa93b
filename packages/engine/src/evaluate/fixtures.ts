// Builders for evaluator tests: small clusters written the way a reader thinks about them.

import { formatPolicyHit } from '../hits/strings.ts';
import type {
  ClusterState,
  EntitySpec,
  HostEndpoint,
  NetworkSet,
  Pod,
  PolicyHit,
  PolicySpec,
  RuleSpec,
  Tier,
} from '../model.ts';

export function cluster(parts: Partial<ClusterState>): ClusterState {
  const pods = parts.pods ?? [];
  const namespaces =
    parts.namespaces ??
    [...new Set(pods.map((pod) => pod.namespace))].map((name) => ({
      name,
      labels: { 'kubernetes.io/metadata.name': name },
    }));
  return {
    namespaces,
    pods,
    serviceAccounts: parts.serviceAccounts ?? [],
    services: parts.services ?? [],
    endpointSlices: parts.endpointSlices ?? [],
    tiers: [{ name: 'default', order: 1_000_000, defaultAction: 'Deny' }, ...(parts.tiers ?? [])],
    networkSets: parts.networkSets ?? [],
    hostEndpoints: parts.hostEndpoints ?? [],
    policies: parts.policies ?? [],
  };
}

export function pod(ref: string, ip: string, labels: Record<string, string> = {}, extra: Partial<Pod> = {}): Pod {
  const [namespace = 'default', name = ref] = ref.split('/');
  return { namespace, name, labels, ips: [ip], serviceAccount: 'default', ports: [], ...extra };
}

export function hostEndpoint(name: string, ip: string, labels: Record<string, string> = {}): HostEndpoint {
  return { name, node: name, labels, interfaceName: '*', expectedIPs: [ip], profiles: [], ports: [] };
}

export function globalNetworkSet(name: string, nets: string[], labels: Record<string, string>): NetworkSet {
  return { name, nets, labels };
}

export function tier(name: string, order?: number, defaultAction: 'Deny' | 'Pass' = 'Deny'): Tier {
  return order === undefined ? { name, defaultAction } : { name, order, defaultAction };
}

export function rule(action: RuleSpec['action'], fields: Partial<Omit<RuleSpec, 'action'>> = {}): RuleSpec {
  return { action, source: {}, destination: {}, path: 'spec.ingress[0]', ...fields };
}

export const from = (source: EntitySpec, fields: Partial<RuleSpec> = {}) => ({ source, ...fields });
export const to = (destination: EntitySpec, fields: Partial<RuleSpec> = {}) => ({ destination, ...fields });

type PolicyFields = Partial<Omit<PolicySpec, 'kind' | 'name'>>;

function policy(kind: PolicySpec['kind'], name: string, fields: PolicyFields): PolicySpec {
  const ingress = fields.ingress ?? [];
  const egress = fields.egress ?? [];
  const types =
    fields.types ??
    (egress.length && !ingress.length ? ['Egress'] : egress.length ? ['Ingress', 'Egress'] : ['Ingress']);
  return {
    kind,
    name,
    tier: 'default',
    selector: '',
    staged: kind.startsWith('Staged'),
    skipForWorkloads: false,
    original: {},
    ...fields,
    types,
    ingress,
    egress,
  };
}

export const globalPolicy = (name: string, fields: PolicyFields = {}) => policy('GlobalNetworkPolicy', name, fields);
export const stagedGlobalPolicy = (name: string, fields: PolicyFields = {}) =>
  policy('StagedGlobalNetworkPolicy', name, { stagedAction: 'Set', ...fields });
export const networkPolicy = (ref: string, fields: PolicyFields = {}) => {
  const [namespace = 'default', name = ref] = ref.split('/');
  return policy('NetworkPolicy', name, { namespace, ...fields });
};
export const stagedNetworkPolicy = (ref: string, fields: PolicyFields = {}) => {
  const [namespace = 'default', name = ref] = ref.split('/');
  return policy('StagedNetworkPolicy', name, { namespace, stagedAction: 'Set', ...fields });
};

/** Calico's 3.32+ string form of a hit, for compact assertions. */
export const hitString = (hit: PolicyHit): string => formatPolicyHit(hit);
