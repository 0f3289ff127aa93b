// The cluster as if a change set were enforced, and the policies a change can touch.
import { type ClusterState, enforcedKindOf, type PolicyKind, type PolicySpec, policyId, specId } from '@verdict/engine';
import type { ChangeSet } from './changeset.ts';

/** What the change does to one policy identity. */
export type PolicyEdit =
  | { op: 'upsert'; spec: PolicySpec; from: PolicySpec | undefined }
  | { op: 'delete'; kind: PolicyKind; namespace: string | undefined; name: string; from: PolicySpec | undefined };

/** A staged Set/Learn/Ignore policy as the enforced policy it would become. */
export function promoteSpec(spec: PolicySpec): PolicySpec {
  const kind = enforcedKindOf(spec.kind);
  if (!kind) return spec;
  const { stagedAction: _, ...rest } = spec;
  return { ...rest, kind, staged: false };
}

/**
 * The edits a change set makes to `state`, in order: staged Set policies promoted (replacing the
 * same-named enforced policy), staged Delete and explicit deletions removing it, other policies
 * upserted as written.
 */
export function changeEdits(state: ClusterState, changeSet: ChangeSet): PolicyEdit[] {
  const byId = new Map(state.policies.map((p) => [specId(p), p]));
  const edits: PolicyEdit[] = [];
  const remove = (kind: PolicyKind, namespace: string | undefined, name: string) => {
    edits.push({ op: 'delete', kind, namespace, name, from: byId.get(policyId(kind, namespace, name)) });
  };
  for (const spec of changeSet.policies) {
    if (spec.staged && spec.stagedAction === 'Delete') {
      remove(enforcedKindOf(spec.kind) ?? spec.kind, spec.namespace, spec.name);
      continue;
    }
    const promoted = promoteSpec(spec);
    edits.push({ op: 'upsert', spec: promoted, from: byId.get(specId(promoted)) });
  }
  for (const deletion of changeSet.deletions) remove(deletion.kind, deletion.namespace, deletion.name);
  return edits;
}

/**
 * The cluster as if the change were enforced. This is the engine's what-if semantics applied to
 * the change set only: staged policies already in the cluster stay staged.
 */
export function applyChangeSet(state: ClusterState, changeSet: ChangeSet): ClusterState {
  const policies = new Map(state.policies.map((p) => [specId(p), p]));
  for (const edit of changeEdits(state, changeSet)) {
    if (edit.op === 'upsert') policies.set(specId(edit.spec), edit.spec);
    else policies.delete(policyId(edit.kind, edit.namespace, edit.name));
  }
  return { ...state, policies: [...policies.values()] };
}
