// Tails an existing Goldmane: Flows.Stream with backfill from where the last run stopped, each
// (key, bucket) stored once, reconnecting with exponential backoff and full jitter.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Flow } from '@verdict/flows';
import { describeIssue, flowResultFromProto, type PbFlowResult, type PbFlowStreamRequest } from './codec.ts';
import { loadGoldmaneGrpc } from './proto.ts';
import { type CursorStore, resumeFrom, trackCursor } from './tail-cursor.ts';

/** The cursor's file name in the data folder. */
export const GOLDMANE_CURSOR_FILE = 'goldmane-cursor.json';

/** Seconds of history asked for when there is no usable cursor: Goldmane keeps 60 min and sends nothing for a start before that. */
export const GOLDMANE_BACKFILL_SECONDS = 59 * 60;

export type TailState = 'connecting' | 'streaming' | 'retrying' | 'stopped';

export interface TailStatus {
  target: string;
  state: TailState;
  /** ISO time of the last message, null before the first. */
  lastMessageTime: string | null;
  /** Messages received, stored (new), skipped as already stored, and undecodable. */
  received: number;
  stored: number;
  duplicates: number;
  malformed: number;
  /** Streams that ended and were opened again. */
  reconnects: number;
  /** Start of the newest bucket stored (ISO), null before the first. */
  resumeBucket: string | null;
  /** Why the last stream ended or could not start. */
  lastError?: string;
}

export interface GoldmaneTailOptions {
  /** `host:port`. */
  target: string;
  /** PEM files, re-read at every connect so rotated certificates are used. No `ca`: plaintext. */
  tls?: { ca: string; cert?: string; key?: string; serverName?: string };
  /** Stores flows; resolves once they are durable (the cursor is saved after it). */
  store: (flows: Flow[]) => Promise<unknown>;
  cursor: CursorStore;
  log: { info(message: string, fields?: object): void; warn(message: string, fields?: object): void };
  /** First and largest delay between attempts; default 1 s and 30 s. */
  backoffMs?: { min: number; max: number };
  backfillSeconds?: number;
  /** Flows per store call, and how long a partial batch waits; default 500 and 100 ms. */
  batch?: { size: number; waitMs: number };
  /** Clock in Unix seconds. */
  now?: () => number;
}

export interface GoldmaneTail {
  status(): TailStatus;
  /** Ends the stream, stores what was received and saves the cursor. */
  close(): Promise<void>;
}

/** Pause reading once this many received flows wait to be stored. */
const MAX_PENDING = 5_000;
/** A stream that lasted this long (or delivered) counts as a success: the backoff starts again from its minimum. */
const HEALTHY_MS = 30_000;

/** A TLS or file problem worth a clear log line instead of gRPC's generic one. */
class TailSetupError extends Error {
  override readonly name = 'TailSetupError';
}

export function startGoldmaneTail(options: GoldmaneTailOptions): GoldmaneTail {
  const { target, log } = options;
  const backoff = options.backoffMs ?? { min: 1_000, max: 30_000 };
  const backfillSeconds = options.backfillSeconds ?? GOLDMANE_BACKFILL_SECONDS;
  const batchSize = options.batch?.size ?? 500;
  const batchWaitMs = options.batch?.waitMs ?? 100;
  const now = options.now ?? (() => Date.now() / 1000);
  const { Flows } = loadGoldmaneGrpc();

  let durable = options.cursor.load();
  let state: TailState = 'connecting';
  let closed = false;
  let lastError: string | undefined;
  let lastMessage: number | null = null;
  const counts = { received: 0, stored: 0, duplicates: 0, malformed: 0, reconnects: 0 };
  let stopCurrent: (() => void) | undefined;
  let wake: (() => void) | undefined;

  const credentials = (): grpc.ChannelCredentials => {
    const tls = options.tls;
    if (!tls) return grpc.credentials.createInsecure();
    const read = (path: string, setting: string) => {
      try {
        return readFileSync(path);
      } catch (e) {
        throw new TailSetupError(`${setting}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    };
    return grpc.credentials.createSsl(
      read(tls.ca, '--goldmane-ca'),
      tls.key ? read(tls.key, '--goldmane-key') : null,
      tls.cert ? read(tls.cert, '--goldmane-cert') : null,
    );
  };

  /** One Stream call, from the durable cursor; resolves when it has ended and everything taken is stored. */
  const streamOnce = (): Promise<{ delivered: boolean; error?: string }> =>
    new Promise((resolve) => {
      const serverName = options.tls?.serverName;
      const client = new Flows(target, credentials(), {
        // Goldmane (grpc-go) answers pings more often than every 5 minutes with GOAWAY.
        'grpc.keepalive_time_ms': 310_000,
        'grpc.keepalive_timeout_ms': 20_000,
        ...(serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {}),
      });
      const tracker = trackCursor(durable);
      const request: PbFlowStreamRequest = {
        startTimeGte: resumeFrom(durable, Math.floor(now()), backfillSeconds),
        filter: null,
        aggregationInterval: 15,
      };
      const call = (
        client as unknown as { stream(r: PbFlowStreamRequest): grpc.ClientReadableStream<PbFlowResult> }
      ).stream(request);
      let delivered = false;
      let ended = false;
      let failure: string | undefined;
      let batch: Flow[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      let pending = 0;
      let chain: Promise<void> = Promise.resolve();
      let storeFailed = false;

      const watchReady = (): void => {
        const channel = client.getChannel();
        const current = channel.getConnectivityState(false);
        if (ended) return;
        if (current === grpc.connectivityState.READY) {
          if (state === 'connecting') {
            state = 'streaming';
            log.info('tailing Goldmane', { target, from: request.startTimeGte });
          }
          return;
        }
        channel.watchConnectivityState(current, Date.now() + 60_000, () => watchReady());
      };
      watchReady();

      const flush = (): void => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (batch.length === 0) return;
        const flows = batch;
        const cut = tracker.snapshot();
        batch = [];
        chain = chain.then(async () => {
          if (storeFailed) return;
          try {
            await options.store(flows);
            options.cursor.save(cut);
            durable = cut;
            counts.stored += flows.length;
          } catch (e) {
            // Nothing after this batch may be stored either: the next stream starts again from `durable`.
            storeFailed = true;
            failure ??= `flows not stored: ${(e as Error).message}`;
            call.cancel();
          } finally {
            pending -= flows.length;
            if (pending < MAX_PENDING / 2 && call.isPaused()) call.resume();
          }
        });
      };

      call.on('data', (message: PbFlowResult) => {
        if (failure !== undefined) return;
        counts.received++;
        lastMessage = Date.now();
        delivered = true;
        if (state !== 'streaming') state = 'streaming';
        const decoded = flowResultFromProto(message);
        if (!decoded.ok) {
          counts.malformed++;
          log.warn('Goldmane sent a flow Verdict cannot read; skipped', {
            target,
            issue: describeIssue(decoded.error),
          });
          return;
        }
        if (!tracker.admit(decoded.value.flow)) {
          counts.duplicates++;
          return;
        }
        batch.push(decoded.value.flow);
        pending++;
        if (pending >= MAX_PENDING) call.pause();
        if (batch.length >= batchSize) flush();
        else timer ??= setTimeout(flush, batchWaitMs);
      });
      const finish = (error?: string) => {
        if (ended) return;
        ended = true;
        failure ??= error;
        flush();
        void chain.then(() => {
          client.close();
          resolve({ delivered, ...(failure === undefined ? {} : { error: failure }) });
        });
      };
      call.on('error', (e: grpc.ServiceError) =>
        finish(
          e.code === grpc.status.CANCELLED && closed ? undefined : `${grpc.status[e.code] ?? e.code}: ${e.details}`,
        ),
      );
      call.on('end', () => finish('the stream ended'));
      stopCurrent = () => call.cancel();
    });

  const run = async (): Promise<void> => {
    let delay = backoff.min;
    while (!closed) {
      state = 'connecting';
      const started = Date.now();
      let outcome: { delivered: boolean; error?: string };
      try {
        outcome = await streamOnce();
      } catch (e) {
        outcome = { delivered: false, error: (e as Error).message };
      }
      stopCurrent = undefined;
      if (closed) break;
      lastError = outcome.error;
      if (outcome.delivered || Date.now() - started >= HEALTHY_MS) delay = backoff.min;
      // Equal jitter: between half and all of the current delay, so many Verdicts do not reconnect in step.
      const wait = Math.round(delay / 2 + (Math.random() * delay) / 2);
      delay = Math.min(backoff.max, delay * 2);
      counts.reconnects++;
      state = 'retrying';
      log.warn('Goldmane stream ended; reconnecting', { target, error: outcome.error, retryInMs: wait });
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
    state = 'stopped';
  };
  const running = run();

  return {
    status: () => ({
      target,
      state,
      lastMessageTime: lastMessage === null ? null : new Date(lastMessage).toISOString(),
      ...counts,
      resumeBucket: durable.bucket === 0 ? null : new Date(durable.bucket * 1000).toISOString(),
      ...(lastError === undefined ? {} : { lastError }),
    }),
    async close() {
      closed = true;
      stopCurrent?.();
      wake?.();
      await running;
    },
  };
}
