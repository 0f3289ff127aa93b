// Metrics of the ClickHouse store's local buffer: what waits on disk for ClickHouse, read at scrape time.
import { Gauge, type Registry } from 'prom-client';

export interface StoreBufferStatus {
  batches: number;
  bytes: number;
  limitBytes: number;
  /** False while batches wait in the buffer (ClickHouse unreachable or catching up). */
  writable: boolean;
}

/**
 * Registers `verdict_store_buffer_batches`, `verdict_store_buffer_bytes`, `verdict_store_buffer_limit_bytes`,
 * and `verdict_store_writable` (1 when flows go straight to the store, 0 while they wait in the buffer).
 */
export function registerStoreBufferMetrics(registry: Registry, status: () => StoreBufferStatus): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: StoreBufferStatus) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(status()));
      },
    });
  gauge('verdict_store_buffer_batches', 'Flow batches waiting in the local buffer for the store.', (s) => s.batches);
  gauge('verdict_store_buffer_bytes', 'Bytes of flow batches waiting in the local buffer.', (s) => s.bytes);
  gauge(
    'verdict_store_buffer_limit_bytes',
    'Size of the local buffer; beyond it ingest is refused.',
    (s) => s.limitBytes,
  );
  gauge('verdict_store_writable', '1 when flows go straight to the store, 0 while they wait in the buffer.', (s) =>
    s.writable ? 1 : 0,
  );
}
