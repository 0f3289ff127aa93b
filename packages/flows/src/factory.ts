// One door to every back-end.
import { createMemoryStore } from './memory.ts';
import { createSqliteStore } from './sqlite.ts';
import type { StoreOptions, VerdictFlowStore } from './types.ts';

export type StoreConfig =
  | ({ kind: 'memory' } & StoreOptions)
  | ({ kind: 'sqlite'; path: string; retentionDays?: number } & StoreOptions);

/** Creates the configured store. */
export function createStore(config: StoreConfig): VerdictFlowStore {
  if (config.kind === 'memory') {
    const { kind: _, ...options } = config;
    return createMemoryStore(options);
  }
  const { kind: _, ...options } = config;
  return createSqliteStore(options);
}
