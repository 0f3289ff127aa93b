// The one ingest path: raw flows are enriched and evaluated, flows with Calico traces pass as they
// are; both wait in one bounded queue drained by a single writer into the store.
import type { Evaluator } from '@verdict/engine';
import { enrichRawFlow, type Flow, type FlowStore, groupRawFlows, type RawFlow, type TimeRange } from '@verdict/flows';
import { type StoreHealth, StoreUnavailable } from '../health/store-health.ts';
import type { Logger } from '../log.ts';

/** Why a submitted flow was not stored; never acknowledged as stored. */
/** Why a flow was not stored: its start time, an endpoint that does not resolve, or no cluster endpoint on either side. */
export type RejectCode = 'out-of-range' | 'unresolved' | 'not-in-cluster';

export interface IngestReport {
  /** Flow records stored (a raw flow gives one per reporting side). */
  stored: number;
  /** Submitted flows not stored (out of the accepted time range, or unresolvable), with the first few reasons. */
  rejected: number;
  errors: { index: number; code: RejectCode; message: string }[];
  /** Index of every rejected submission, in order. */
  rejectedAt: number[];
}

export interface IngestCounters {
  received: number;
  stored: number;
  rejected: number;
  dropped: number;
}

export interface IngestPipeline {
  /** Evaluates raw flows against the current cluster and stores them; resolves once they are durable. */
  submitRaw(flows: readonly RawFlow[], source: string): Promise<IngestReport>;
  /** Stores flows that carry their own traces (Felix's); resolves once the accepted ones are durable. */
  submitFlows(flows: readonly Flow[], source: string): Promise<IngestReport>;
  counters(): Readonly<Record<string, IngestCounters>>;
  /** Flows waiting to be written. */
  queueDepth(): number;
  /** Waits for everything queued to be written. */
  drain(): Promise<void>;
}

export interface PipelineOptions {
  store: FlowStore;
  evaluator: () => Evaluator;
  log: Logger;
  /** Flows waiting to be written before submitters must wait. */
  queueLimit?: number;
  /** How long a submitter waits for room before its flows are dropped (and counted). */
  waitMs?: number;
  /**
   * Start times the store keeps now (see `VerdictFlowStore.acceptedStarts`); flows outside are
   * rejected in the report, never queued. Absent: every start time is queued.
   */
  acceptedStarts?: () => TimeRange;
  /**
   * Store health: while it reports a fault every submission is refused with StoreUnavailable,
   * except one probe write every few seconds so that a freed disk is noticed; write failures are
   * reported to it and come back to submitters as StoreUnavailable naming the cause.
   */
  health?: StoreHealth;
  /** Called for every drop or rejection, for metrics. */
  onDrop?: (source: string, reason: string, count: number) => void;
  onStored?: (source: string, count: number) => void;
}

/** Thrown to a submitter when the queue stayed full: nothing of that batch was stored. */
export class IngestOverloaded extends Error {
  override readonly name = 'IngestOverloaded';
}

interface Pending {
  flows: readonly Flow[];
  /** Submitted flows these stand for (raw flows summed before enrichment count each). */
  records: number;
  source: string;
  done: (error?: Error) => void;
}

const MAX_ERRORS = 20;
/** While the store is faulty, how often one write is let through to see whether it recovered. */
const PROBE_MS = 2_000;

export function createIngestPipeline(options: PipelineOptions): IngestPipeline {
  const { store, log } = options;
  const queueLimit = options.queueLimit ?? 50_000;
  const waitMs = options.waitMs ?? 5_000;
  const queue: Pending[] = [];
  let queued = 0;
  let writing: Promise<void> | undefined;
  let roomWaiters: (() => void)[] = [];
  const counters: Record<string, IngestCounters> = {};
  const countersOf = (source: string) => (counters[source] ??= { received: 0, stored: 0, rejected: 0, dropped: 0 });

  async function writeLoop(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      const flows = batch.flatMap((pending) => pending.flows);
      try {
        await store.ingest(flows);
        options.health?.succeeded();
        for (const pending of batch) {
          countersOf(pending.source).stored += pending.records;
          options.onStored?.(pending.source, pending.records);
          pending.done();
        }
      } catch (error) {
        const fault = options.health?.failed(error);
        log.error('store write failed', { error: fault?.message ?? (error as Error).message, flows: flows.length });
        for (const pending of batch) {
          countersOf(pending.source).dropped += pending.records;
          options.onDrop?.(pending.source, fault ? fault.code : 'store-error', pending.records);
          pending.done(fault ? new StoreUnavailable(fault) : (error as Error));
        }
      }
      queued -= flows.length;
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const wake of waiters) wake();
    }
    writing = undefined;
  }

  /** Waits until `count` more flows fit the queue; `records` is what a drop counts. */
  async function waitForRoom(count: number, source: string, records = count): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (queued > 0 && queued + count > queueLimit) {
      const left = deadline - Date.now();
      if (left <= 0) {
        countersOf(source).dropped += records;
        options.onDrop?.(source, 'queue-full', records);
        log.warn('ingest queue full: flows dropped', { source, flows: records, queued, limit: queueLimit });
        throw new IngestOverloaded(
          `ingest queue full (${queued} flows waiting): ${records} flows from ${source} dropped`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        roomWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  let lastProbe = 0;
  /** Refuses submissions while the store is faulty, letting one through every PROBE_MS to notice recovery. */
  function checkHealth(source: string, count: number): void {
    const fault = options.health?.fault();
    if (fault === undefined) return;
    if (fault.code !== 'corrupt' && Date.now() - lastProbe >= PROBE_MS) {
      lastProbe = Date.now();
      return;
    }
    countersOf(source).dropped += count;
    options.onDrop?.(source, fault.code, count);
    throw new StoreUnavailable(fault);
  }

  function enqueue(flows: readonly Flow[], source: string, records = flows.length): Promise<void> {
    if (flows.length === 0) return Promise.resolve();
    queued += flows.length;
    const stored = new Promise<void>((resolve, reject) =>
      queue.push({ flows, records, source, done: (error) => (error ? reject(error) : resolve()) }),
    );
    writing ??= writeLoop();
    return stored;
  }

  /**
   * A predicate keeping items whose start time the store would keep; each item it refuses is
   * reported (by its index) as out of range. Items must be tested in index order.
   */
  function rangeCheck<T>(startOf: (item: T) => number, report: IngestReport): (item: T, index: number) => boolean {
    const range = options.acceptedStarts?.();
    if (range === undefined) return () => true;
    return (item, index) => {
      const start = startOf(item);
      // Compared by bucket, as the store does: a flow is kept when its 15 s bucket is.
      const bucket = start - (((start % 15) + 15) % 15);
      if (bucket >= range.gte && bucket < range.lt) return true;
      report.rejected++;
      report.rejectedAt.push(index);
      if (report.errors.length < MAX_ERRORS) {
        report.errors.push({
          index,
          code: 'out-of-range',
          message: `startTime: ${start} is outside the accepted range [${range.gte}, ${range.lt}) (retention behind, clock skew ahead); check the sender's clock`,
        });
      }
      return false;
    };
  }

  function countRejected(source: string, report: IngestReport, code: RejectCode, before: number): void {
    countDropped(source, code, report.rejected - before, report.errors[0]?.message);
  }

  function countDropped(source: string, code: RejectCode, n: number, first: string | undefined): void {
    if (n === 0) return;
    countersOf(source).rejected += n;
    options.onDrop?.(source, code, n);
    log.warn('flows rejected', { source, reason: code, rejected: n, first });
  }

  return {
    async submitRaw(raws, source) {
      countersOf(source).received += raws.length;
      const report: IngestReport = { stored: 0, rejected: 0, errors: [], rejectedAt: [] };
      const keep = rangeCheck<RawFlow>((raw) => raw.startTime, report);
      // Raw flows enrichment cannot tell apart are summed first: one evaluation per distinct
      // observation and bucket, not per record.
      const groups = groupRawFlows(raws, keep);
      countRejected(source, report, 'out-of-range', 0);
      const evaluator = options.evaluator();
      const flows: Flow[] = [];
      let records = 0;
      const rejected: Record<'unresolved' | 'not-in-cluster', number> = { unresolved: 0, 'not-in-cluster': 0 };
      const reject = (group: number, code: 'unresolved' | 'not-in-cluster', message: string) => {
        for (const index of groups.members(group)) {
          rejected[code]++;
          report.rejected++;
          report.rejectedAt.push(index);
          // All kept here, the first MAX_ERRORS by index after the sort below.
          report.errors.push({ index, code, message });
        }
      };
      for (let g = 0; g < groups.flows.length; g++) {
        const enriched = enrichRawFlow(evaluator, groups.flows[g]!);
        if (!enriched.ok) reject(g, 'unresolved', `${enriched.error.path}: ${enriched.error.message}`);
        else if (enriched.flows.length === 0) {
          // Neither side is a workload or host endpoint: no node would report it, nothing to record.
          reject(
            g,
            'not-in-cluster',
            'source, destination: neither address is an endpoint of the cluster, so no node would report this flow',
          );
        } else {
          for (const flow of enriched.flows) flows.push(flow);
          records += enriched.flows.length * groups.sizes[g]!;
        }
      }
      for (const code of ['unresolved', 'not-in-cluster'] as const)
        countDropped(source, code, rejected[code], report.errors.find((e) => e.code === code)?.message);
      report.rejectedAt.sort((a, b) => a - b);
      report.errors.sort((a, b) => a.index - b.index);
      if (report.errors.length > MAX_ERRORS) report.errors.length = MAX_ERRORS;
      if (flows.length > 0) checkHealth(source, records);
      await waitForRoom(flows.length, source, records);
      await enqueue(flows, source, records);
      report.stored = records;
      return report;
    },

    async submitFlows(flows, source) {
      countersOf(source).received += flows.length;
      const report: IngestReport = { stored: 0, rejected: 0, errors: [], rejectedAt: [] };
      const kept = flows.filter(rangeCheck<Flow>((f) => f.startTime, report));
      countRejected(source, report, 'out-of-range', 0);
      if (kept.length > 0) checkHealth(source, kept.length);
      await waitForRoom(kept.length, source);
      await enqueue(kept, source);
      report.stored = kept.length;
      return report;
    },

    counters: () => counters,
    queueDepth: () => queued,

    async drain() {
      while (writing) await writing;
    },
  };
}
