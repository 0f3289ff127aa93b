// Writes change-log entries to a store in order. An `added` entry is checked against the log first:
// after a restart the initial list shows every policy again, and only what changed while Verdict
// was not watching is new (an unchanged resourceVersion is skipped, a different one is a change).
import type { PolicyChange, PolicyChangeInput, VerdictFlowStore } from '@verdict/flows';
import { readableDiff } from './reduce.ts';

export interface ChangeRecorder {
  record(changes: readonly PolicyChangeInput[]): void;
  /** Resolves when everything recorded so far is stored. */
  settled(): Promise<void>;
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
    settled: () => chain,
  };
}
