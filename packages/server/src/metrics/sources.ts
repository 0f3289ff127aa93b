// Metrics of where Verdict's data comes from: the live cluster's watches and the Goldmane tail.
// Watch events are counted as they happen; relists, lag and the tail's counters are read from the
// sources' status at scrape time.
import type { SourceStatus } from '@verdict/cluster';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { TailState, TailStatus } from '../goldmane/tail.ts';

export interface WatchMetrics {
  /** `verdict_cluster_watch_events_total{kind,type}`: ADDED, MODIFIED or DELETED, by watched kind. */
  watchEvent(kind: string, type: string): void;
}

/**
 * Registers `verdict_cluster_watch_events_total{kind,type}`, `verdict_cluster_relists_total{kind}`,
 * `verdict_cluster_kind_synced{kind}`, `verdict_cluster_objects{kind}` and
 * `verdict_cluster_watch_lag_seconds` (arrival of the last applied batch's events to the engine having them).
 */
export function registerClusterMetrics(registry: Registry, status: () => SourceStatus): WatchMetrics {
  const registers = [registry];
  const events = new Counter({
    name: 'verdict_cluster_watch_events_total',
    help: 'Watch events applied, by kind and event type.',
    labelNames: ['kind', 'type'] as const,
    registers,
  });
  new Counter({
    name: 'verdict_cluster_relists_total',
    help: 'Lists after the first one (a 410 Gone or a failed watch), by kind.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const k of status().kinds) this.inc({ kind: k.kind }, k.relists);
    },
  });
  new Gauge({
    name: 'verdict_cluster_kind_synced',
    help: '1 when the kind is listed and watched, 0 while listing, retrying or absent, by kind.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const k of status().kinds) this.set({ kind: k.kind }, k.state === 'synced' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'verdict_cluster_objects',
    help: 'Objects of each kind held from the cluster.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const k of status().kinds) this.set({ kind: k.kind }, k.objects);
    },
  });
  new Gauge({
    name: 'verdict_cluster_watch_lag_seconds',
    help: "Time from the last applied batch's events arriving to the engine having them.",
    registers,
    collect() {
      this.set(status().lagMs / 1000);
    },
  });
  return { watchEvent: (kind, type) => events.inc({ kind, type }) };
}

const TAIL_STATES: readonly TailState[] = ['connecting', 'streaming', 'retrying', 'stopped'];

/**
 * Registers `verdict_goldmane_tail_state{state}` (1 for the current state), `verdict_goldmane_tail_messages_total{result}`
 * (stored, duplicate, malformed), `verdict_goldmane_tail_reconnects_total` and
 * `verdict_goldmane_tail_last_message_timestamp_seconds`.
 */
export function registerGoldmaneTailMetrics(registry: Registry, status: () => TailStatus): void {
  const registers = [registry];
  new Gauge({
    name: 'verdict_goldmane_tail_state',
    help: 'State of the Goldmane tail: 1 for the current one.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const current = status().state;
      for (const state of TAIL_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
  new Counter({
    name: 'verdict_goldmane_tail_messages_total',
    help: "Messages of Goldmane's Flows.Stream, by result: stored, duplicate (already stored), malformed.",
    labelNames: ['result'] as const,
    registers,
    collect() {
      const s = status();
      this.reset();
      this.inc({ result: 'stored' }, s.stored);
      this.inc({ result: 'duplicate' }, s.duplicates);
      this.inc({ result: 'malformed' }, s.malformed);
    },
  });
  new Counter({
    name: 'verdict_goldmane_tail_reconnects_total',
    help: 'Times the Goldmane stream ended and was opened again.',
    registers,
    collect() {
      this.reset();
      this.inc(status().reconnects);
    },
  });
  new Gauge({
    name: 'verdict_goldmane_tail_last_message_timestamp_seconds',
    help: 'Unix time of the last message from Goldmane (0 before the first).',
    registers,
    collect() {
      const last = status().lastMessageTime;
      this.set(last === null ? 0 : Date.parse(last) / 1000);
    },
  });
}

/** What `registerGoldmaneCollectorMetrics` reads: the FlowCollector's waiting room and its pauses. */
export interface CollectorBackpressure {
  waiting: number;
  pauses: number;
}

/**
 * Registers `verdict_goldmane_collector_waiting` (FlowUpdates received and not yet handed to ingest)
 * and `verdict_goldmane_collector_pauses_total` (times a Connect stream stopped being read because the
 * store was behind, so that its sender was slowed and its receipts delayed).
 */
export function registerGoldmaneCollectorMetrics(registry: Registry, stats: () => CollectorBackpressure): void {
  const registers = [registry];
  new Gauge({
    name: 'verdict_goldmane_collector_waiting',
    help: 'FlowUpdates from Felix received and waiting for the next store batch.',
    registers,
    collect() {
      this.set(stats().waiting);
    },
  });
  new Counter({
    name: 'verdict_goldmane_collector_pauses_total',
    help: 'Times a FlowCollector.Connect stream stopped being read because the store was behind (receipts delayed, nothing dropped).',
    registers,
    collect() {
      this.reset();
      this.inc(stats().pauses);
    },
  });
}
