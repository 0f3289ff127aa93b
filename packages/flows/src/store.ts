// The store interface every back-end (memory, SQLite, ClickHouse) implements.
import type { HitKind } from '@verdict/engine';
import type { Flow, FlowAction, FlowResult, Reporter } from './model.ts';

export type MatchType = 'Exact' | 'Fuzzy';
export interface StringMatch {
  value: string;
  type: MatchType;
}

export interface PolicyMatch {
  kind?: HitKind;
  tier?: StringMatch;
  namespace?: StringMatch;
  name?: StringMatch;
  action?: FlowAction;
}

/**
 * Goldmane's Filter (calico-observability §3.5): each list is OR within itself, fields are AND-ed,
 * an absent or empty list means "any". The `verdict*` fields are Verdict's richer filters.
 */
export interface FlowFilter {
  sourceNames?: readonly StringMatch[];
  sourceNamespaces?: readonly StringMatch[];
  destNames?: readonly StringMatch[];
  destNamespaces?: readonly StringMatch[];
  protocols?: readonly StringMatch[];
  destPorts?: readonly number[];
  actions?: readonly FlowAction[];
  /** Goldmane semantics: any pending hit has one of these actions. */
  pendingActions?: readonly FlowAction[];
  reporter?: Reporter;
  policies?: readonly PolicyMatch[];
  /** Calico selector over source / destination labels. */
  sourceSelector?: string;
  destSelector?: string;
  /** Port ranges, inclusive. */
  destPortRanges?: readonly { min: number; max: number }[];
  /** Only flows whose pending verdict differs from the enforced action. */
  pendingDiffers?: boolean;
  /**
   * CIDRs (or bare addresses) the flow's recorded source / destination addresses are matched against:
   * a flow matches when one kept address lies in one of them. Flows without recorded addresses never match.
   */
  sourceCidrs?: readonly string[];
  destCidrs?: readonly string[];
  /**
   * Names of the Kubernetes clusters (`--cluster-name`) whose flows to keep, exact. A memory or SQLite
   * store holds one cluster, so it keeps all or nothing; ClickHouse may hold many.
   */
  clusters?: readonly string[];
}

/** `DestType` and `SourceType` exist on the wire but are rejected with `unsupported sort order`. */
export type SortBy =
  | 'Time'
  | 'DestName'
  | 'DestNamespace'
  | 'SourceName'
  | 'SourceNamespace'
  | 'DestType'
  | 'SourceType';

/** Absolute Unix seconds, already normalised from Goldmane's relative/zero conventions. */
export interface TimeRange {
  gte: number;
  lt: number;
}

export interface ListQuery {
  range: TimeRange;
  filter?: FlowFilter;
  sortBy?: SortBy;
  /** 0-based. */
  page?: number;
  /** 0 = everything. */
  pageSize?: number;
  /** Aborting it (client gone, time budget spent) stops the scan; the promise rejects with code `cancelled`. */
  signal?: AbortSignal;
}

export interface ListResult {
  totalPages: number;
  totalResults: number;
  flows: readonly FlowResult[];
  /**
   * Width in seconds of the coarsest roll-up level the answer was read from (ROLLUP_LEVELS): start
   * and end times are exact to it, counters are exact. Absent means 15 s.
   */
  resolution?: number;
}

export type HintType =
  | 'SourceName'
  | 'DestName'
  | 'SourceNamespace'
  | 'DestNamespace'
  | 'PolicyTier'
  | 'PolicyName'
  | 'PolicyKind'
  | 'PolicyNamespace';

export interface HintsQuery {
  type: HintType;
  range: TimeRange;
  filter?: FlowFilter;
  page?: number;
  pageSize?: number;
  signal?: AbortSignal;
}

export interface HintsResult {
  totalPages: number;
  totalResults: number;
  values: readonly string[];
}

export interface Subscription {
  close(): void;
}

/**
 * A flow store. `ingest` aggregates flows into 15 s buckets by key (Goldmane §3.3); once its
 * promise resolves the flows are durable as far as the back-end promises durability.
 */
export interface FlowStore {
  readonly kind: 'memory' | 'sqlite' | 'clickhouse';
  ingest(flows: readonly Flow[]): Promise<void>;
  list(query: ListQuery): Promise<ListResult>;
  /**
   * The flow with this id aggregated over the whole kept history (as `list` over every window would
   * give it), or undefined when no window of it is kept. A lookup by key, not a scan.
   */
  get(id: number): Promise<FlowResult | undefined>;
  hints(query: HintsQuery): Promise<HintsResult>;
  /**
   * Calls `onFlow` once per key per completed bucket (each result covers exactly one bucket),
   * first for the backfill from `fromTime` (0 = no backfill), oldest first, then live. A store with
   * roll-ups backfills what its 15 s level no longer holds from its coarser levels, one result per
   * key per bucket of that level.
   */
  subscribe(fromTime: number, filter: FlowFilter | undefined, onFlow: (flow: FlowResult) => void): Subscription;
  /** Approximate count of stored aggregated rows and bytes used, for metrics. */
  stats(): Promise<{ rows: number; bytes: number }>;
  close(): Promise<void>;
}
