// Writes change-log entries to a store in order. An `added` entry is checked against the log first:
// after a restart the initial list shows every policy again, and only what changed while Verdict
// was not watching is new (an unchanged resourceVersion is skipped, a different one is a change).
// Once the first list is complete, what the log last knew as present but the list did not show was
// deleted while Verdict was down.
import { CHANGE_QUERY_LIMIT, type PolicyChange, type PolicyChangeInput, type VerdictFlowStore } from '@verdict/flows';
import { readableDiff } from './reduce.ts';

export interface ChangeRecorder {
  record(changes: readonly PolicyChangeInput[]): void;
  /**
   * After the first complete list: logs as deleted every resource of a listed kind whose last entry
   * is not a delete and that the list did not show. Reads the newest CHANGE_QUERY_LIMIT entries of
   * the log; a resource whose last entry is older than those is not checked.
   */
  recordAbsent(listed: ListedResources): void;
  /** Resolves when everything recorded so far is stored. */
  settled(): Promise<void>;
}

/** What a complete list showed: the change-log kinds listed, and the identities (`changeIdentity`) present. */
export interface ListedResources {
  kinds: ReadonlySet<string>;
  present: ReadonlySet<string>;
  /** Unix milliseconds of the list. */
  time: number;
}

/** One resource in the change log, whatever happened to it. */
export function changeIdentity(change: Pick<PolicyChangeInput, 'kind' | 'namespace' | 'name'>): string {
  return `${change.kind}\u0000${change.namespace}\u0000${change.name}`;
}

/** Delete entries for what the log last knew as present and the list did not show. */
export function deletedWhileAway(log: readonly PolicyChange[], listed: ListedResources): PolicyChangeInput[] {
  const last = new Map<string, PolicyChange>();
  for (const change of log) last.set(changeIdentity(change), change);
  const deleted: PolicyChangeInput[] = [];
  for (const [identity, change] of last) {
    if (change.op === 'deleted' || !listed.kinds.has(change.kind) || listed.present.has(identity)) continue;
    const label = `${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}`;
    deleted.push({
      time: listed.time,
      op: 'deleted',
      kind: change.kind,
      namespace: change.namespace,
      name: change.name,
      resourceVersion: change.resourceVersion,
      source: 'relist',
      before: change.after,
      after: null,
      diff: readableDiff(label, change.after, null),
    });
  }
  return deleted;
}

type ChangeStore = Pick<VerdictFlowStore, 'changes' | 'recordChanges'>;

/** The entry to store given the last one logged for the same resource, or undefined when nothing changed. */
export function reconcileWithLog(
  change: PolicyChangeInput,
  last: PolicyChange | undefined,
): PolicyChangeInput | undefined {
  if (change.op !== 'added' || !last || last.op === 'deleted') return change;
  if (last.resourceVersion === change.resourceVersion) return undefined;
  const label = `${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}`;
  return {
    ...change,
    op: 'modified',
    before: last.after,
    diff: readableDiff(label, last.after, change.after),
  };
}

export function createChangeRecorder(store: ChangeStore, onError: (error: Error) => void = () => {}): ChangeRecorder {
  let chain: Promise<void> = Promise.resolve();
  return {
    record(changes) {
      chain = chain.then(async () => {
        try {
          const kept: PolicyChangeInput[] = [];
          for (const change of changes) {
            const last =
              change.op === 'added'
                ? (
                    await store.changes({ kind: change.kind, namespace: change.namespace, name: change.name, limit: 1 })
                  )[0]
                : undefined;
            const entry = reconcileWithLog(change, last);
            if (entry) kept.push(entry);
          }
          if (kept.length > 0) await store.recordChanges(kept);
        } catch (error) {
          onError(error as Error);
        }
      });
    },
    recordAbsent(listed) {
      chain = chain.then(async () => {
        try {
          const deleted = deletedWhileAway(await store.changes({ limit: CHANGE_QUERY_LIMIT }), listed);
          if (deleted.length > 0) await store.recordChanges(deleted);
        } catch (error) {
          onError(error as Error);
        }
      });
    },
    settled: () => chain,
  };
}
