// Goldmane-compatible gRPC services (calico-observability §2, §3): Flows and Statistics read from a
// FlowStore, FlowCollector hands Felix's pushes to the ingest pipeline.
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Flow, FlowResult, FlowStore, StatisticsQuery, StatisticsResult, Subscription } from '@verdict/flows';
import { BUCKET_SECONDS, computeStatistics, isFlowStoreError } from '@verdict/flows';
import {
  describeIssue,
  flowFromProto,
  flowResultToProto,
  hintsQueryFromProto,
  hintsResultToProto,
  listQueryFromProto,
  listResultToProto,
  type PbFilterHintsRequest,
  type PbFlowListRequest,
  type PbFlowStreamRequest,
  type PbFlowUpdate,
  type PbStatisticsRequest,
  statisticsQueryFromProto,
  statisticsResultToProto,
  streamQueryFromProto,
} from './codec.ts';
import { loadGoldmaneGrpc } from './proto.ts';

export type GoldmaneLog = Pick<Console, 'info' | 'warn' | 'error'>;

export interface GoldmaneServiceOptions {
  store: FlowStore;
  /**
   * Enrich and store Felix's flows; a FlowReceipt is sent only once this resolves, and never for a
   * flow it reports rejected (that ends the Connect stream with OUT_OF_RANGE naming the reason).
   */
  ingest: (flows: Flow[]) => Promise<IngestOutcome | undefined>;
  log?: GoldmaneLog;
  /** Concurrent Flows.Stream calls before RESOURCE_EXHAUSTED; Goldmane uses 100. */
  maxStreams?: number;
  /** How long a (FlowKey, start, end, peer) tuple is remembered for dedup; Goldmane uses 300 s. */
  dedupSeconds?: number;
  /** Largest batch handed to `ingest`; Goldmane's loop takes 1000. */
  maxBatch?: number;
  /** How long a Stream client may take nothing before its waiting messages are dropped (Goldmane: 60 s). */
  streamWaitMs?: number;
  /** Messages that may wait per Stream call (a backfill of many keys); beyond it they are dropped. */
  maxStreamWaiting?: number;
  /** Clock in Unix seconds (defaults to the wall clock); relative times and dedup expiry use it. */
  now?: () => number;
  /** Told of stream clients coming and going (`goldmane` Flows.Stream, `goldmane-collector` FlowCollector.Connect), repeats and flows a slow Stream client missed; for metrics. */
  observer?: GoldmaneObserver;
}

export interface GoldmaneObserver {
  streamOpened(api: string): void;
  streamClosed(api: string): void;
  streamDropped(api: string, count: number): void;
  /** Flows recognised as repeats of one already received on the connection (not stored again). */
  deduplicated(count: number): void;
}

/** Flows of a batch that were not stored: their positions, and reasons for the first few. */
export interface IngestOutcome {
  rejectedAt: readonly number[];
  errors: readonly { index: number; message: string }[];
}

/** A flow the ingest refused (out of the accepted time range): no receipt is sent for it. */
class FlowRejected extends Error {
  override readonly name = 'FlowRejected';
}

export interface GoldmaneServiceEntry {
  name: 'Flows' | 'FlowCollector' | 'Statistics';
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

export interface GoldmaneService {
  readonly services: readonly GoldmaneServiceEntry[];
  /** Registers Flows, FlowCollector and Statistics on `server`. */
  addTo(server: grpc.Server): void;
  /** Counters for metrics and health. */
  stats(): {
    streams: number;
    collectors: number;
    received: number;
    duplicates: number;
    dropped: number;
    rejected: number;
  };
  /** Ends open Stream and Connect calls with UNAVAILABLE and forgets the dedup cache. */
  close(): void;
}

/** A request the deserializer could not decode; handlers answer it with INVALID_ARGUMENT. */
class Malformed {
  constructor(readonly reason: string) {}
}

/**
 * Builds the Goldmane services over a store and an ingest function.
 *
 * @example
 * const goldmane = createGoldmaneService({ store, ingest: (flows) => pipeline.ingest(flows) });
 * const server = new grpc.Server();
 * goldmane.addTo(server);
 */
export function createGoldmaneService(options: GoldmaneServiceOptions): GoldmaneService {
  const { store, ingest } = options;
  const log = options.log ?? console;
  const maxStreams = options.maxStreams ?? 100;
  const dedupSeconds = options.dedupSeconds ?? 300;
  const streamWaitMs = options.streamWaitMs ?? 60_000;
  const maxWaiting = options.maxStreamWaiting ?? 1_000_000;
  const clock = options.now ?? (() => Date.now() / 1000);
  const nowSeconds = () => Math.floor(clock());
  const batcher = createBatcher(ingest, options.maxBatch ?? 1000);
  const dedup = createDedup(dedupSeconds, clock);
  const openStreams = new Set<() => void>();
  const openCollectors = new Set<() => void>();
  const counts = { received: 0, duplicates: 0, dropped: 0, rejected: 0 };

  const internal = (what: string, e: unknown): Partial<grpc.StatusObject> => {
    log.error(`goldmane: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    return { code: grpc.status.INTERNAL, details: `${what} failed` };
  };
  // A store rejects bad queries with FlowStoreError; those are the client's fault, like Goldmane's plain errors.
  const storeFailure = (what: string, e: unknown): Partial<grpc.StatusObject> => {
    if (!isFlowStoreError(e)) return internal(what, e);
    return e.code === 'closed' ? { code: grpc.status.UNAVAILABLE, details: e.message } : unknown(e.message);
  };
  const malformed = (what: string, m: Malformed): Partial<grpc.StatusObject> => ({
    code: grpc.status.INVALID_ARGUMENT,
    details: `malformed ${what}: ${m.reason}`,
  });
  // Goldmane returns plain Go errors for validation, which reach clients as UNKNOWN.
  const unknown = (details: string): Partial<grpc.StatusObject> => ({ code: grpc.status.UNKNOWN, details });

  const flows: grpc.UntypedServiceImplementation = {
    List(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const req = call.request;
      if (req instanceof Malformed) return callback(malformed('FlowListRequest', req));
      const query = listQueryFromProto(req as PbFlowListRequest, nowSeconds());
      if (!query.ok) return callback(unknown(query.error));
      store.list(query.value).then(
        (result) => callback(null, listResultToProto(result)),
        (e: unknown) => callback(storeFailure('List', e)),
      );
    },

    FilterHints(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const req = call.request;
      if (req instanceof Malformed) return callback(malformed('FilterHintsRequest', req));
      const query = hintsQueryFromProto(req as PbFilterHintsRequest, nowSeconds());
      if (!query.ok) return callback(unknown(query.error));
      store.hints(query.value).then(
        (result) => callback(null, hintsResultToProto(result)),
        (e: unknown) => callback(storeFailure('FilterHints', e)),
      );
    },

    Stream(call: grpc.ServerWritableStream<unknown, unknown>) {
      const req = call.request;
      if (req instanceof Malformed) return void call.emit('error', malformed('FlowStreamRequest', req));
      const query = streamQueryFromProto(req as PbFlowStreamRequest, nowSeconds());
      if (!query.ok) return void call.emit('error', unknown(query.error));
      if (openStreams.size >= maxStreams) {
        return void call.emit('error', {
          code: grpc.status.RESOURCE_EXHAUSTED,
          details: 'max number of streams reached, try again later',
        });
      }
      let closed = false;
      // Like Goldmane, a client that does not keep up is waited for (up to streamWaitMs) and then
      // loses the messages it has not taken, rather than stalling the server. A backfill can be far
      // larger than the stream's buffer, so messages beyond it wait here until the client drains.
      const waiting: FlowResult[] = [];
      let stalledSince = 0;
      const pump = () => {
        let wrote = false;
        while (waiting.length > 0 && !call.writableNeedDrain) {
          call.write(flowResultToProto(waiting.shift() as FlowResult));
          wrote = true;
        }
        // The wait is counted from the client's last progress.
        if (waiting.length === 0) stalledSince = 0;
        else if (wrote || stalledSince === 0) stalledSince = Date.now();
      };
      const onFlow = (result: FlowResult) => {
        if (closed) return;
        if (stalledSince !== 0 && Date.now() - stalledSince > streamWaitMs) {
          counts.dropped += waiting.length + 1;
          options.observer?.streamDropped('goldmane', waiting.length + 1);
          waiting.length = 0;
          stalledSince = 0;
          return;
        }
        if (waiting.length >= maxWaiting) {
          counts.dropped++;
          options.observer?.streamDropped('goldmane', 1);
          return;
        }
        waiting.push(result);
        pump();
      };
      call.on('drain', pump);
      let subscription: Subscription;
      try {
        subscription = store.subscribe(query.value.fromTime, query.value.filter, onFlow);
      } catch (e) {
        return void call.emit('error', storeFailure('Stream', e));
      }
      const stop = () => {
        if (closed) return;
        closed = true;
        waiting.length = 0;
        openStreams.delete(shutdown);
        subscription.close();
        options.observer?.streamClosed('goldmane');
      };
      const shutdown = () => {
        stop();
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'server shutting down' });
      };
      openStreams.add(shutdown);
      options.observer?.streamOpened('goldmane');
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('finish', stop);
    },
  };

  const statistics: grpc.UntypedServiceImplementation = {
    List(call: grpc.ServerWritableStream<unknown, unknown>) {
      const req = call.request;
      if (req instanceof Malformed) return void call.emit('error', malformed('StatisticsRequest', req));
      const query = statisticsQueryFromProto(req as PbStatisticsRequest, nowSeconds());
      if (!query.ok) return void call.emit('error', unknown(query.error));
      statisticsOf(store, query.value).then(
        (rows) => {
          if (rows.length === 0) {
            // Goldmane sends one empty result before NOT_FOUND so proxies never see a trailers-only response.
            call.write({});
            call.emit('error', { code: grpc.status.NOT_FOUND, details: 'no statistics found for the request' });
            return;
          }
          for (const row of rows) call.write(statisticsResultToProto(row));
          call.end();
        },
        (e: unknown) => call.emit('error', storeFailure('Statistics.List', e)),
      );
    },
  };

  const collector: grpc.UntypedServiceImplementation = {
    Connect(call: grpc.ServerDuplexStream<unknown, unknown>) {
      const peer = call.getPeer();
      // Receipts go out in arrival order, each once its flow is ingested (or recognised as a duplicate).
      const pending: { done: boolean }[] = [];
      let failure: Partial<grpc.StatusObject> | undefined;
      let halfClosed = false;
      let finished = false;

      const finish = () => {
        if (finished) return;
        finished = true;
        openCollectors.delete(shutdown);
        uncount();
        if (failure === undefined) call.end();
        else call.emit('error', failure);
      };
      const drain = () => {
        while (pending[0]?.done) {
          pending.shift();
          if (!finished) call.write({});
        }
        if (pending.length === 0 && (halfClosed || failure !== undefined)) finish();
      };
      const fail = (status: Partial<grpc.StatusObject>, now = false) => {
        if (failure !== undefined) return;
        failure = status;
        log.warn(`goldmane: FlowCollector stream from ${peer} ended: ${status.details}`);
        if (now) pending.length = 0;
        drain();
      };
      const shutdown = () => fail({ code: grpc.status.UNAVAILABLE, details: 'server shutting down' }, true);
      openCollectors.add(shutdown);
      options.observer?.streamOpened('goldmane-collector');
      let counted = true;
      const uncount = () => {
        if (counted) options.observer?.streamClosed('goldmane-collector');
        counted = false;
      };

      call.on('data', (msg: unknown) => {
        if (failure !== undefined || finished) return;
        if (msg instanceof Malformed) return fail(malformed('FlowUpdate', msg));
        const decoded = flowFromProto((msg as PbFlowUpdate).flow);
        if (!decoded.ok) {
          return fail({
            code: grpc.status.INVALID_ARGUMENT,
            details: `invalid FlowUpdate: ${describeIssue(decoded.error)}`,
          });
        }
        counts.received++;
        const flow = decoded.value;
        const entry = { done: false };
        pending.push(entry);
        const key = dedupKey(flow, peer);
        if (!dedup.add(key)) {
          counts.duplicates++;
          options.observer?.deduplicated(1);
          entry.done = true;
          return drain();
        }
        batcher.add(flow).then(
          () => {
            entry.done = true;
            drain();
          },
          (e: unknown) => {
            dedup.delete(key);
            if (e instanceof Error && e.name === 'StoreUnavailable') {
              return fail({ code: grpc.status.UNAVAILABLE, details: `flows not stored: ${e.message}` }, true);
            }
            if (!(e instanceof FlowRejected)) return fail(internal('ingest', e), true);
            // Receipts already due still go out; this flow and everything after it get none.
            counts.rejected++;
            const at = pending.indexOf(entry);
            if (at >= 0) pending.length = at;
            fail({ code: grpc.status.OUT_OF_RANGE, details: `flow rejected: ${e.message}` });
          },
        );
      });
      call.on('end', () => {
        halfClosed = true;
        drain();
      });
      call.on('cancelled', () => {
        finished = true;
        openCollectors.delete(shutdown);
        uncount();
      });
    },
  };

  const { Flows, FlowCollector, Statistics } = loadGoldmaneGrpc();
  const services: GoldmaneServiceEntry[] = [
    { name: 'Flows', definition: tolerant(Flows.service), implementation: flows },
    { name: 'FlowCollector', definition: tolerant(FlowCollector.service), implementation: collector },
    { name: 'Statistics', definition: tolerant(Statistics.service), implementation: statistics },
  ];

  return {
    services,
    addTo(server) {
      for (const s of services) server.addService(s.definition, s.implementation);
    },
    stats: () => ({ streams: openStreams.size, collectors: openCollectors.size, ...counts }),
    close() {
      for (const stop of [...openStreams, ...openCollectors]) stop();
      dedup.clear();
    },
  };
}

/** Wraps each request deserializer so undecodable bytes reach the handler as `Malformed` instead of INTERNAL. */
function tolerant(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (e) {
          return new Malformed(`cannot decode protobuf (${e instanceof Error ? e.message : String(e)})`);
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

const MAX_STATISTICS_BUCKETS = 5760;

/**
 * The store's own statistics when it has them (Verdict's stores do); otherwise one-bucket windows
 * gathered with a List per 15 s bucket, at most a day of them (the most recent).
 */
async function statisticsOf(store: FlowStore, query: StatisticsQuery): Promise<StatisticsResult[]> {
  const own = (store as Partial<{ statistics(q: StatisticsQuery): Promise<StatisticsResult[]> }>).statistics;
  if (typeof own === 'function') return own.call(store, query);
  const { gte, lt } = query.range;
  const all = await store.list({ range: query.range, pageSize: 0 });
  if (all.flows.length === 0) return [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const { flow } of all.flows) {
    first = Math.min(first, flow.startTime);
    last = Math.max(last, flow.endTime);
  }
  const step = BUCKET_SECONDS;
  const end = Math.min(lt, last);
  const start = Math.max(gte, Math.floor(first / step) * step, end - MAX_STATISTICS_BUCKETS * step);
  const windows: Flow[] = [];
  for (let t = start; t + step <= end; t += step) {
    const bucket = await store.list({ range: { gte: t, lt: t + step }, pageSize: 0 });
    for (const r of bucket.flows) windows.push(r.flow);
  }
  return computeStatistics(windows, query);
}

function dedupKey(flow: Flow, peer: string): string {
  return createHash('sha1')
    .update(JSON.stringify([flow.key, flow.startTime, flow.endTime, peer]))
    .digest('base64');
}

interface Dedup {
  /** False when the key was seen within the expiry window. */
  add(key: string): boolean;
  delete(key: string): void;
  clear(): void;
}

/** Insertion-ordered expiry: entries expire in the order they were added, so sweeping stops at the first live one. */
function createDedup(ttlSeconds: number, clock: () => number): Dedup {
  const expiries = new Map<string, number>();
  const sweep = (now: number) => {
    for (const [key, expiry] of expiries) {
      if (expiry > now) break;
      expiries.delete(key);
    }
  };
  return {
    add(key) {
      const now = clock();
      sweep(now);
      if (expiries.has(key)) return false;
      expiries.set(key, now + ttlSeconds);
      return true;
    },
    delete: (key) => void expiries.delete(key),
    clear: () => expiries.clear(),
  };
}

interface Batcher {
  add(flow: Flow): Promise<void>;
}

/**
 * Group commit: flows from every Connect stream that arrive while a batch is being ingested form the
 * next batch, so one slow ingest never serialises the nodes behind it and batches grow with load.
 */
function createBatcher(ingest: GoldmaneServiceOptions['ingest'], maxBatch: number): Batcher {
  let queue: { flow: Flow; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let running = false;
  const run = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const outcome = await ingest(batch.map((b) => b.flow));
        const rejected = new Set(outcome?.rejectedAt ?? []);
        const reasons = new Map(outcome?.errors.map((e) => [e.index, e.message]) ?? []);
        batch.forEach((b, i) => {
          if (rejected.has(i)) b.reject(new FlowRejected(reasons.get(i) ?? 'not accepted by the store'));
          else b.resolve();
        });
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    running = false;
  };
  return {
    add(flow) {
      return new Promise((resolve, reject) => {
        queue.push({ flow, resolve, reject });
        if (!running) {
          running = true;
          // Let the other streams' messages from the same I/O turn join the batch.
          setImmediate(run);
        }
      });
    },
  };
}
