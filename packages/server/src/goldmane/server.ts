import * as grpc from '@grpc/grpc-js';
import type { Flow, FlowResult, FlowStore, StatisticsQuery, StatisticsResult, Subscription } from '@verdict/flows';
import { BUCKET_SECONDS, computeStatistics, isFlowStoreError } from '@verdict/flows';
import {
  flowResultToProto,
  hintsQueryFromProto,
  hintsResultToProto,
  listQueryFromProto,
  listResultToProto,
  type PbFilterHintsRequest,
  type PbFlowListRequest,
  type PbFlowStreamRequest,
  type PbStatisticsRequest,
  statisticsQueryFromProto,
  statisticsResultToProto,
  streamQueryFromProto,
} from './codec.ts';
import { type CollectorCounts, createCollector, rawUpdates } from './collector.ts';
import { createDedup } from './dedup.ts';
import { loadGoldmaneGrpc } from './proto.ts';

export type GoldmaneLog = Pick<Console, 'info' | 'warn' | 'error'>;

/** grpc-js server options for the Goldmane services (`verdict serve` and bench/grpc's floor use the same). */
export const GOLDMANE_SERVER_OPTIONS: grpc.ServerOptions = {};

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
  /**
   * FlowUpdates (of all Connect streams) that may wait for the next batch; at this many every stream
   * stops being read until half have gone in, so senders are slowed by HTTP/2 flow control and
   * their receipts come later. Nothing is dropped for it.
   */
  maxCollectorWaiting?: number;
  /** Unanswered FlowUpdates one Connect stream may have before it stops being read (Felix has 1). */
  maxStreamInFlight?: number;
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
    /** FlowUpdates received and not yet in a batch handed to ingest. */
    waiting: number;
    /** The most that ever waited. */
    peakWaiting: number;
    /** Times a Connect stream stopped being read because the store was behind (backpressure). */
    pauses: number;
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
  const dedup = createDedup(dedupSeconds, clock);
  const openStreams = new Set<() => void>();
  const counts: CollectorCounts = { received: 0, duplicates: 0, dropped: 0, rejected: 0 };

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

  const collector = createCollector({
    ingest,
    log,
    dedup,
    counts,
    internal,
    maxBatch: options.maxBatch ?? 1000,
    maxWaiting: options.maxCollectorWaiting ?? 10_000,
    maxStreamInFlight: options.maxStreamInFlight ?? 1000,
    ...(options.observer ? { observer: options.observer } : {}),
  });

  const { Flows, FlowCollector, Statistics } = loadGoldmaneGrpc();
  const services: GoldmaneServiceEntry[] = [
    { name: 'Flows', definition: tolerant(Flows.service), implementation: flows },
    { name: 'FlowCollector', definition: rawUpdates(FlowCollector.service), implementation: collector.implementation },
    { name: 'Statistics', definition: tolerant(Statistics.service), implementation: statistics },
  ];

  return {
    services,
    addTo(server) {
      for (const s of services) server.addService(s.definition, s.implementation);
    },
    stats: () => ({ streams: openStreams.size, ...collector.stats(), ...counts }),
    close() {
      for (const stop of openStreams) stop();
      collector.close();
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
