// Promotion: the enforced YAML a user would apply for a change set, as Calico promotes staged
// policies (StagedNetworkPolicy → NetworkPolicy, StagedGlobalNetworkPolicy → GlobalNetworkPolicy,
// StagedKubernetesNetworkPolicy → networking.k8s.io/v1 NetworkPolicy; stagedAction dropped;
// Delete → a deletion).
import type { PolicyKind, PolicySpec } from '@verdict/engine';
import { stringify } from 'yaml';
import type { ChangeSet } from './changeset.ts';

export interface PromotedDeletion {
  apiVersion: string;
  /** The kind as written in manifests (`NetworkPolicy` for both Calico and Kubernetes ones). */
  kind: string;
  namespace?: string;
  name: string;
  /** The `kubectl delete` command that removes it. */
  command: string;
}

export interface Promotion {
  /** Multi-document YAML of every policy to apply; "" when the change only deletes. */
  yaml: string;
  deletions: PromotedDeletion[];
}

const CALICO = 'projectcalico.org/v3';
const K8S = 'networking.k8s.io/v1';
const ADMIN = 'policy.networking.k8s.io/v1alpha1';

/** How each kind is written and deleted: apiVersion, manifest kind, kubectl resource. */
const WRITTEN: Readonly<Record<PolicyKind, { apiVersion: string; kind: string; resource: string }>> = {
  NetworkPolicy: { apiVersion: CALICO, kind: 'NetworkPolicy', resource: 'networkpolicies.projectcalico.org' },
  GlobalNetworkPolicy: {
    apiVersion: CALICO,
    kind: 'GlobalNetworkPolicy',
    resource: 'globalnetworkpolicies.projectcalico.org',
  },
  KubernetesNetworkPolicy: { apiVersion: K8S, kind: 'NetworkPolicy', resource: 'networkpolicies.networking.k8s.io' },
  StagedNetworkPolicy: {
    apiVersion: CALICO,
    kind: 'StagedNetworkPolicy',
    resource: 'stagednetworkpolicies.projectcalico.org',
  },
  StagedGlobalNetworkPolicy: {
    apiVersion: CALICO,
    kind: 'StagedGlobalNetworkPolicy',
    resource: 'stagedglobalnetworkpolicies.projectcalico.org',
  },
  StagedKubernetesNetworkPolicy: {
    apiVersion: CALICO,
    kind: 'StagedKubernetesNetworkPolicy',
    resource: 'stagedkubernetesnetworkpolicies.projectcalico.org',
  },
  AdminNetworkPolicy: { apiVersion: ADMIN, kind: 'AdminNetworkPolicy', resource: 'adminnetworkpolicies' },
  BaselineAdminNetworkPolicy: {
    apiVersion: ADMIN,
    kind: 'BaselineAdminNetworkPolicy',
    resource: 'baselineadminnetworkpolicies',
  },
};

const PROMOTED: Partial<Readonly<Record<PolicyKind, PolicyKind>>> = {
  StagedNetworkPolicy: 'NetworkPolicy',
  StagedGlobalNetworkPolicy: 'GlobalNetworkPolicy',
  StagedKubernetesNetworkPolicy: 'KubernetesNetworkPolicy',
};

/** Server-managed metadata that must not be applied back. */
const MANAGED_METADATA = ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields', 'selfLink'];

/** The YAML to apply and the deletions to run for a change set; the policies' own order is kept. */
export function promote(changeSet: ChangeSet): Promotion {
  const documents: unknown[] = [];
  const deletions: PromotedDeletion[] = [];
  for (const spec of changeSet.policies) {
    const target = PROMOTED[spec.kind];
    if (spec.staged && spec.stagedAction === 'Delete') {
      deletions.push(deletion(target ?? spec.kind, spec.namespace, spec.name));
      continue;
    }
    documents.push(promotedResource(spec, target ?? spec.kind));
  }
  for (const d of changeSet.deletions) deletions.push(deletion(d.kind, d.namespace, d.name));
  const yaml = documents.map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n');
  return { yaml, deletions };
}

function promotedResource(spec: PolicySpec, kind: PolicyKind): Record<string, unknown> {
  const original = isRecord(spec.original) ? spec.original : {};
  const metadata: Record<string, unknown> = isRecord(original.metadata)
    ? { ...original.metadata }
    : { name: spec.name };
  for (const key of MANAGED_METADATA) delete metadata[key];
  const specBody = isRecord(original.spec) ? { ...original.spec } : {};
  delete specBody.stagedAction;
  const out: Record<string, unknown> = { apiVersion: WRITTEN[kind].apiVersion, kind: WRITTEN[kind].kind, metadata };
  if (Object.keys(specBody).length > 0 || original.spec !== undefined) out.spec = specBody;
  return out;
}

function deletion(kind: PolicyKind, namespace: string | undefined, name: string): PromotedDeletion {
  const written = WRITTEN[kind];
  const out: PromotedDeletion = {
    apiVersion: written.apiVersion,
    kind: written.kind,
    name,
    command: `kubectl delete ${written.resource} ${name}${namespace === undefined ? '' : ` -n ${namespace}`}`,
  };
  if (namespace !== undefined) out.namespace = namespace;
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
