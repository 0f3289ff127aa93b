// The store surface Verdict's back-ends offer beyond the agreed FlowStore contract.
import type { ChangeQuery, PolicyChange, PolicyChangeInput } from './changes.ts';
import type { EndpointType, FlowKey, FlowResult } from './model.ts';
import type { StatisticsQuery, StatisticsResult } from './stats.ts';
import type { FlowFilter, FlowStore, TimeRange } from './store.ts';

/**
 * What an analysis keeps of a key: `graph` its endpoints and enforced / pending verdicts, `policies`
 * its reporter and traces.
 */
export type KeyFold = 'graph' | 'policies';

export interface CountKeysQuery {
  range: TimeRange;
  filter?: FlowFilter;
  fold: KeyFold;
  signal?: AbortSignal;
}

/** `count` keys of one cluster that the fold does not tell apart; `key` is one of them. */
export interface KeyCount {
  key: FlowKey;
  cluster: string;
  count: number;
}

/** A `countKeys` answer: the folded keys, and the time resolution in seconds of the level they were read at. */
export interface CountedKeys {
  keys: KeyCount[];
  resolution: number;
}

/** An endpoint as flow keys name it: its type, namespace ("-" when not namespaced) and aggregated name. */
export interface ReportingEndpoint {
  type: EndpointType;
  namespace: string;
  name: string;
}

export interface ReportedByQuery {
  range: TimeRange;
  /** Flows reported by their source (`Src`) when the source is one of these. */
  sources: readonly ReportingEndpoint[];
  /** Flows reported by their destination (`Dst`) when the destination is one of these. */
  destinations: readonly ReportingEndpoint[];
}

export interface VerdictFlowStore extends FlowStore {
  /** Policy / rule statistics over the stored windows (§3.9); `[]` when there is no data. */
  statistics(query: StatisticsQuery): Promise<StatisticsResult[]>;
  /** Rolls over once for every 15 s boundary passed up to `now` (default: the store's clock). */
  tick(now?: number): void;
  /** Flows dropped on ingest because their start time fell outside the kept history. */
  readonly dropped: number;
  /** Stores policy changes in the given order, numbered after every change already stored; kept as long as flows. */
  recordChanges(changes: readonly PolicyChangeInput[]): Promise<PolicyChange[]>;
  /** The newest `limit` matching changes, oldest first. */
  changes(query: ChangeQuery): Promise<PolicyChange[]>;
  /**
   * Start times `ingest` keeps right now: from the beginning of history to the clock plus the
   * accepted skew. Callers reject flows outside it themselves, so that nothing is acknowledged and
   * then dropped.
   */
  acceptedStarts(): TimeRange;
  /**
   * Computes every roll-up bucket due by the store's clock now (ROLLUP_LEVELS) and prunes what the
   * levels no longer need; resolves with the number of roll-up steps taken. Stores that answer at
   * 15 s only have no such method.
   */
  rollUp?(): Promise<number>;
  /**
   * The keys `list` would give for the range and filter, folded and counted by the store itself, so
   * that a graph or policy statistics over weeks of flows moves one row per fold, not one per key.
   * Offered by stores whose flows live in another process (ClickHouse); callers fall back to `list`.
   */
  countKeys?(query: CountKeysQuery): Promise<CountedKeys>;
  /**
   * The flows of the range reported by one of the given endpoints, exactly as `list` gives them
   * without paging (the `Src` ones first, then the `Dst` ones, each in `list`'s time order),
   * selected and aggregated by the store, so a rehearsal over weeks of flows moves only the keys it
   * re-evaluates, in chunks. Offered by stores whose flows live in another process (ClickHouse);
   * callers fall back to `list`.
   */
  reportedBy?(query: ReportedByQuery): AsyncIterable<FlowResult>;
}

export interface MemoryFlowStore extends VerdictFlowStore {
  readonly kind: 'memory';
  /** Advances exactly one bucket, whatever the clock says. */
  rollover(): void;
}

export interface SqliteFlowStore extends VerdictFlowStore {
  readonly kind: 'sqlite';
  /** Deletes buckets older than the retention now; returns the number of rows removed. */
  prune(): number;
  /** SQLite's `PRAGMA quick_check`: `[]` when the file is sound, otherwise what is wrong (first 20 problems). */
  quickCheck(): string[];
  rollUp(): Promise<number>;
  /** The last error of the background roll-up, if its latest attempt failed (it is retried at the next tick). */
  readonly maintenanceError: Error | undefined;
}

export interface StoreOptions {
  /** Clock in Unix seconds; defaults to the wall clock. */
  now?: () => number;
  /** Roll over on a timer aligned to 15 s boundaries; default true unless `now` is given. */
  autoRollover?: boolean;
  /** How far ahead of the clock a flow may start (a sender's clock skew); default 30 s. */
  maxClockSkewSeconds?: number;
  /** The Kubernetes cluster this Verdict reports (`--cluster-name`); default `default` (DEFAULT_CLUSTER). */
  cluster?: string;
}

/** The cluster name of a Verdict started without `--cluster-name`. */
export const DEFAULT_CLUSTER = 'default';
