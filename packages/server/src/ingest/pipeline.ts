// The one ingest path: raw flows are enriched and evaluated, flows with Calico traces pass as they
// are; both wait in one bounded queue drained by a single writer into the store.
import type { Evaluator } from '@verdict/engine';
import { enrichRawFlow, type Flow, type FlowStore, type RawFlow } from '@verdict/flows';
import type { Logger } from '../log.ts';

export interface IngestReport {
  /** Flow records stored (a raw flow gives one per reporting side). */
  stored: number;
  /** Raw flows that could not be resolved or evaluated, with the first few reasons. */
  rejected: number;
  errors: { index: number; message: string }[];
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
  /** Stores flows that carry their own traces (Felix's); resolves once they are durable. */
  submitFlows(flows: readonly Flow[], source: string): Promise<void>;
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
  source: string;
  done: (error?: Error) => void;
}

const MAX_ERRORS = 20;

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
        for (const pending of batch) {
          countersOf(pending.source).stored += pending.flows.length;
          options.onStored?.(pending.source, pending.flows.length);
          pending.done();
        }
      } catch (error) {
        log.error('store write failed', { error: (error as Error).message, flows: flows.length });
        for (const pending of batch) {
          countersOf(pending.source).dropped += pending.flows.length;
          options.onDrop?.(pending.source, 'store-error', pending.flows.length);
          pending.done(error as Error);
        }
      }
      queued -= flows.length;
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const wake of waiters) wake();
    }
    writing = undefined;
  }

  async function waitForRoom(count: number, source: string): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (queued > 0 && queued + count > queueLimit) {
      const left = deadline - Date.now();
      if (left <= 0) {
        countersOf(source).dropped += count;
        options.onDrop?.(source, 'queue-full', count);
        log.warn('ingest queue full: flows dropped', { source, flows: count, queued, limit: queueLimit });
        throw new IngestOverloaded(
          `ingest queue full (${queued} flows waiting): ${count} flows from ${source} dropped`,
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

  function enqueue(flows: readonly Flow[], source: string): Promise<void> {
    if (flows.length === 0) return Promise.resolve();
    queued += flows.length;
    const stored = new Promise<void>((resolve, reject) =>
      queue.push({ flows, source, done: (error) => (error ? reject(error) : resolve()) }),
    );
    writing ??= writeLoop();
    return stored;
  }

  return {
    async submitRaw(raws, source) {
      countersOf(source).received += raws.length;
      const evaluator = options.evaluator();
      const flows: Flow[] = [];
      const errors: IngestReport['errors'] = [];
      let rejected = 0;
      raws.forEach((raw, index) => {
        const enriched = enrichRawFlow(evaluator, raw);
        if (enriched.ok) flows.push(...enriched.flows);
        else {
          rejected++;
          if (errors.length < MAX_ERRORS)
            errors.push({ index, message: `${enriched.error.path}: ${enriched.error.message}` });
        }
      });
      if (rejected > 0) {
        countersOf(source).rejected += rejected;
        options.onDrop?.(source, 'unresolved', rejected);
        log.warn('raw flows rejected', { source, rejected, first: errors[0]?.message });
      }
      await waitForRoom(flows.length, source);
      await enqueue(flows, source);
      return { stored: flows.length, rejected, errors };
    },

    async submitFlows(flows, source) {
      countersOf(source).received += flows.length;
      await waitForRoom(flows.length, source);
      await enqueue(flows, source);
    },

    counters: () => counters,
    queueDepth: () => queued,

    async drain() {
      while (writing) await writing;
    },
  };
}
