// FlowCollector.Connect (calico-observability §3.10): Felix's pushes, one FlowReceipt per FlowUpdate,
// sent only once the flow is stored (or recognised as a resend).
//
// Group commit: updates from every stream wait in one queue as raw bytes; a batch of them is
// decoded in one pass, deduplicated, handed to ingest in one call, and all their receipts go out
// after that one commit. Batches grow with load, so 450 stop-and-wait nodes cost one store commit
// per round, not 450.
//
// Backpressure: while a batch is being stored the next one gathers. When too many updates wait
// (or one stream has too many unanswered) the streams stop being read; HTTP/2 flow control then
// holds the senders, and their receipts come later. Nothing is dropped for being slow. A drop happens
// only when ingest refuses a batch (the store failed, or its queue stayed full, both counted in
// `verdict_ingest_dropped_total` and logged by the pipeline): those flows get no receipt, and
// their streams end with UNAVAILABLE so that Felix reconnects and resends them from its cache.
import * as grpc from '@grpc/grpc-js';
import type { Flow } from '@verdict/flows';
import { describeIssue, flowFromProto, type PbFlowUpdate } from './codec.ts';
import { type Dedup, FlowIdentity } from './dedup.ts';
import { decodeFlowUpdate } from './flow-update.ts';
import { loadGoldmaneGrpc } from './proto.ts';
import type { GoldmaneLog, GoldmaneObserver, GoldmaneServiceOptions } from './server.ts';

export interface CollectorCounts {
  received: number;
  duplicates: number;
  dropped: number;
  rejected: number;
}

interface CollectorOptions {
  ingest: GoldmaneServiceOptions['ingest'];
  log: GoldmaneLog;
  dedup: Dedup;
  counts: CollectorCounts;
  internal: (what: string, e: unknown) => Partial<grpc.StatusObject>;
  maxBatch: number;
  maxWaiting: number;
  maxStreamInFlight: number;
  observer?: GoldmaneObserver;
}

/** One Connect call. */
interface Stream {
  call: grpc.ServerDuplexStream<Buffer, unknown>;
  peer: string;
  /** The peer's hash, part of every dedup identity of the stream. */
  peerLo: number;
  peerHi: number;
  /** Updates received and not yet answered. */
  unanswered: number;
  halfClosed: boolean;
  /** Set at an invalid update: earlier ones are still answered, nothing after it is read. */
  failing: boolean;
  /** Set once the call has ended (status sent or cancelled); nothing more is written. */
  finished: boolean;
  paused: boolean;
}

const RECEIPT = Buffer.alloc(0);
const RESEND = -1;
const SKIP = -2;
const INVALID = -3;

/** The FlowCollector definition with Connect's updates kept as bytes (decoded in batches) and receipts pre-encoded. */
export function rawUpdates(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const connect = definition.Connect as grpc.MethodDefinition<unknown, unknown>;
  return {
    ...definition,
    Connect: {
      ...connect,
      requestDeserialize: (bytes: Buffer) => bytes,
      // FlowReceipt has no fields: every receipt is the empty message.
      responseSerialize: () => RECEIPT,
    },
  };
}

/** The general decoder: proto-loader's, then the codec's validation; it names what is wrong. */
function slowDecode(
  deserialize: (bytes: Buffer) => unknown,
  bytes: Buffer,
): { flow: Flow; keyBytes: Buffer } | Partial<grpc.StatusObject> {
  let message: PbFlowUpdate;
  try {
    message = deserialize(bytes) as PbFlowUpdate;
  } catch (e) {
    return {
      code: grpc.status.INVALID_ARGUMENT,
      details: `malformed FlowUpdate: cannot decode protobuf (${e instanceof Error ? e.message : String(e)})`,
    };
  }
  const decoded = flowFromProto(message.flow);
  if (!decoded.ok)
    return { code: grpc.status.INVALID_ARGUMENT, details: `invalid FlowUpdate: ${describeIssue(decoded.error)}` };
  return { flow: decoded.value, keyBytes: Buffer.from(JSON.stringify(decoded.value.key)) };
}

export interface Collector {
  implementation: grpc.UntypedServiceImplementation;
  stats(): { collectors: number; waiting: number; peakWaiting: number; pauses: number };
  /** Ends every open Connect call with UNAVAILABLE. */
  close(): void;
}

export function createCollector(options: CollectorOptions): Collector {
  const { ingest, log, dedup, counts, maxBatch, maxWaiting, maxStreamInFlight, observer } = options;
  const deserialize = loadGoldmaneGrpc().FlowCollector.service.Connect?.requestDeserialize as (b: Buffer) => unknown;
  const identity = new FlowIdentity();
  const open = new Set<Stream>();
  const paused = new Set<Stream>();
  // The waiting updates, in arrival order: parallel arrays, consumed from `head`.
  let streams: Stream[] = [];
  let updates: Buffer[] = [];
  let head = 0;
  let scheduled = false;
  let peakWaiting = 0;
  let pauses = 0;
  const waiting = () => updates.length - head;

  const finish = (s: Stream, failure?: Partial<grpc.StatusObject>) => {
    if (s.finished) return;
    s.finished = true;
    open.delete(s);
    paused.delete(s);
    observer?.streamClosed('goldmane-collector');
    if (failure === undefined) s.call.end();
    else s.call.emit('error', failure);
  };
  /** Ends a stream without receipts for what it has not been answered for. */
  const fail = (s: Stream, status: Partial<grpc.StatusObject>) => {
    if (s.finished) return;
    log.warn(`goldmane: FlowCollector stream from ${s.peer} ended: ${status.details}`);
    finish(s, status);
  };
  const pause = (s: Stream) => {
    if (s.paused || s.finished) return;
    s.paused = true;
    paused.add(s);
    pauses++;
    s.call.pause();
  };
  const resumeWhatHasRoom = () => {
    if (paused.size === 0 || waiting() > maxWaiting / 2) return;
    for (const s of paused) {
      if (s.unanswered > maxStreamInFlight / 2) continue;
      s.paused = false;
      paused.delete(s);
      s.call.resume();
    }
  };

  async function run(): Promise<void> {
    while (waiting() > 0) {
      const end = Math.min(updates.length, head + maxBatch);
      const batchStreams = streams.slice(head, end);
      const batchUpdates = updates.slice(head, end);
      head = end;
      if (head === updates.length || head > 50_000) {
        streams = streams.slice(head);
        updates = updates.slice(head);
        head = 0;
      }
      resumeWhatHasRoom();
      await commit(batchStreams, batchUpdates);
    }
    scheduled = false;
  }

  /** Decodes, deduplicates and ingests one batch, then answers each update of it in order. */
  async function commit(batchStreams: Stream[], batchUpdates: Buffer[]): Promise<void> {
    const size = batchStreams.length;
    // Per update: the index of its flow in `flows`, or RESEND (answered without ingest), SKIP (its
    // stream has ended or failed before it), INVALID (its stream fails there).
    const slot = new Int32Array(size);
    let invalid: Map<number, Partial<grpc.StatusObject>> | undefined;
    const flows: Flow[] = [];
    // The dedup identity of flows[i] is (identities[2i], identities[2i + 1]).
    const identities = new Int32Array(2 * size);
    for (let i = 0; i < size; i++) {
      const s = batchStreams[i] as Stream;
      if (s.finished || s.failing) {
        slot[i] = SKIP;
        continue;
      }
      const bytes = batchUpdates[i] as Buffer;
      // The general path keys dedup on the key's JSON instead of its bytes: a resend of the same
      // bytes takes the same path, so it is recognised all the same.
      const decoded = decodeFlowUpdate(bytes) ?? slowDecode(deserialize, bytes);
      if (!('flow' in decoded)) {
        slot[i] = INVALID;
        s.failing = true;
        (invalid ??= new Map()).set(i, decoded);
        continue;
      }
      const { flow, keyBytes } = decoded;
      // Goldmane's dedup identity: the key, start and end time, and the peer's ip:port.
      identity
        .bytes(keyBytes, 0, keyBytes.length)
        .number(flow.startTime)
        .number(flow.endTime)
        .pair(s.peerLo, s.peerHi)
        .finish();
      if (!dedup.add(identity.lo, identity.hi)) {
        counts.duplicates++;
        observer?.deduplicated(1);
        slot[i] = RESEND;
        continue;
      }
      identities[2 * flows.length] = identity.lo;
      identities[2 * flows.length + 1] = identity.hi;
      slot[i] = flows.length;
      flows.push(flow);
    }
    const forget = (at: number) => dedup.delete(identities[2 * at] as number, identities[2 * at + 1] as number);

    let rejected: Set<number> | undefined;
    let reasons: Map<number, string> | undefined;
    let refused: Partial<grpc.StatusObject> | undefined;
    if (flows.length > 0) {
      try {
        const outcome = await ingest(flows);
        if (outcome !== undefined && outcome.rejectedAt.length > 0) {
          rejected = new Set(outcome.rejectedAt);
          reasons = new Map(outcome.errors.map((e) => [e.index, e.message]));
          for (const at of outcome.rejectedAt) forget(at);
        }
      } catch (e) {
        for (let at = 0; at < flows.length; at++) forget(at);
        const name = e instanceof Error ? e.name : '';
        refused =
          name === 'StoreUnavailable'
            ? { code: grpc.status.UNAVAILABLE, details: `flows not stored: ${(e as Error).message}` }
            : name === 'IngestOverloaded'
              ? { code: grpc.status.UNAVAILABLE, details: `flows not stored, resend: ${(e as Error).message}` }
              : options.internal('ingest', e);
      }
    }

    // Answer in arrival order: a stream's receipts stop at its first flow that was not stored.
    for (let i = 0; i < size; i++) {
      const s = batchStreams[i] as Stream;
      const at = slot[i] as number;
      if (at === SKIP || s.finished) continue;
      if (at === INVALID) {
        fail(s, invalid?.get(i) ?? { code: grpc.status.INVALID_ARGUMENT });
        continue;
      }
      if (at >= 0 && refused !== undefined) {
        fail(s, refused);
        continue;
      }
      if (at >= 0 && rejected?.has(at)) {
        counts.rejected++;
        fail(s, {
          code: grpc.status.OUT_OF_RANGE,
          details: `flow rejected: ${reasons?.get(at) ?? 'not accepted by the store'}`,
        });
        continue;
      }
      s.unanswered--;
      s.call.write(RECEIPT);
      if (s.halfClosed && s.unanswered === 0) finish(s);
    }
    resumeWhatHasRoom();
  }

  const implementation: grpc.UntypedServiceImplementation = {
    Connect(call: grpc.ServerDuplexStream<Buffer, unknown>) {
      const peer = call.getPeer();
      const peerBytes = Buffer.from(peer);
      identity.bytes(peerBytes, 0, peerBytes.length).finish();
      const s: Stream = {
        call,
        peer,
        peerLo: identity.lo,
        peerHi: identity.hi,
        unanswered: 0,
        halfClosed: false,
        failing: false,
        finished: false,
        paused: false,
      };
      open.add(s);
      observer?.streamOpened('goldmane-collector');
      // A stream that opens while the waiting room is full starts paused, like the ones already open.
      if (waiting() >= maxWaiting) pause(s);
      call.on('data', (bytes: Buffer) => {
        if (s.finished || s.failing) return;
        counts.received++;
        s.unanswered++;
        streams.push(s);
        updates.push(bytes);
        const now = waiting();
        if (now > peakWaiting) peakWaiting = now;
        if (now >= maxWaiting) for (const other of open) pause(other);
        else if (s.unanswered >= maxStreamInFlight) pause(s);
        if (!scheduled) {
          scheduled = true;
          // Let the other streams' updates from the same I/O turn join the batch.
          setImmediate(() => void run());
        }
      });
      call.on('end', () => {
        s.halfClosed = true;
        if (s.unanswered === 0) finish(s);
      });
      call.on('cancelled', () => {
        if (s.finished) return;
        s.finished = true;
        open.delete(s);
        paused.delete(s);
        observer?.streamClosed('goldmane-collector');
      });
      call.on('error', () => {});
    },
  };

  return {
    implementation,
    stats: () => ({ collectors: open.size, waiting: waiting(), peakWaiting, pauses }),
    close() {
      for (const s of [...open]) finish(s, { code: grpc.status.UNAVAILABLE, details: 'server shutting down' });
    },
  };
}
