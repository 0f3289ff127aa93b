// Promotion: the enforced YAML a user would apply for a change set, as Calico promotes staged
// policies (StagedNetworkPolicy → NetworkPolicy, StagedGlobalNetworkPolicy → GlobalNetworkPolicy,
// StagedKubernetesNetworkPolicy → networking.k8s.io/v1 NetworkPolicy; stagedAction dropped;
// Delete → a deletion).
import { apiVersionOf, enforcedKindOf, type PolicyKind, type PolicySpec, policyKindInfo } from '@verdict/engine';
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

/** How a kind is written and deleted: apiVersion, manifest kind, kubectl resource. */
function written(kind: PolicyKind): { apiVersion: string; kind: string; resource: string } {
  const info = policyKindInfo(kind);
  return { apiVersion: apiVersionOf(kind), kind: info.manifestKind, resource: `${info.plural}.${info.group}` };
}

/** Server-managed metadata that must not be applied back. */
const MANAGED_METADATA = ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields', 'selfLink'];

/** The YAML to apply and the deletions to run for a change set; the policies' own order is kept. */
export function promote(changeSet: ChangeSet): Promotion {
  const documents: unknown[] = [];
  const deletions: PromotedDeletion[] = [];
  for (const spec of changeSet.policies) {
    const target = enforcedKindOf(spec.kind);
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
  const { apiVersion, kind: manifestKind } = written(kind);
  const out: Record<string, unknown> = { apiVersion, kind: manifestKind, metadata };
  if (Object.keys(specBody).length > 0 || original.spec !== undefined) out.spec = specBody;
  return out;
}

function deletion(kind: PolicyKind, namespace: string | undefined, name: string): PromotedDeletion {
  const w = written(kind);
  const out: PromotedDeletion = {
    apiVersion: w.apiVersion,
    kind: w.kind,
    name,
    command: `kubectl delete ${w.resource} ${name}${namespace === undefined ? '' : ` -n ${namespace}`}`,
  };
  if (namespace !== undefined) out.namespace = namespace;
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
