// One door to every back-end.
import { type ClickHouseStoreOptions, createClickHouseStore } from './clickhouse/store.ts';
import { createMemoryStore } from './memory.ts';
import { createSqliteStore } from './sqlite.ts';
import type { StoreOptions, VerdictFlowStore } from './types.ts';

export type StoreConfig =
  | ({ kind: 'memory' } & StoreOptions)
  | ({ kind: 'sqlite'; path: string; retentionDays?: number } & StoreOptions)
  | ({ kind: 'clickhouse' } & ClickHouseStoreOptions);

/** Creates the configured store. */
export function createStore(config: StoreConfig): VerdictFlowStore {
  if (config.kind === 'memory') {
    const { kind: _, ...options } = config;
    return createMemoryStore(options);
  }
  if (config.kind === 'clickhouse') {
    const { kind: _, ...options } = config;
    return createClickHouseStore(options);
  }
  const { kind: _, ...options } = config;
  return createSqliteStore(options);
}
