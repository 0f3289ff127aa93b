// Pause/resume and the stream's status line.
import { useEffect, useState } from 'react';
import { formatCount } from '../data/format.ts';
import type { FlowStream } from '../hooks/useFlowStream.ts';

export function StreamControls({ stream, live, shown }: { stream: FlowStream; live: boolean; shown: number }) {
  const { buffer, status } = stream;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (stream.retryAt === null) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [stream.retryAt]);
  const retryIn = stream.retryAt === null ? null : Math.max(0, Math.ceil((stream.retryAt - now) / 1000));
  const statusText = (() => {
    switch (status) {
      case 'connecting':
        return 'Connecting…';
      case 'live':
        return buffer.paused ? `Paused — ${formatCount(buffer.held.length)} new flows waiting` : 'Live';
      case 'retrying':
        return retryIn === null ? 'Reconnecting…' : `Disconnected — reconnecting in ${retryIn}s`;
      case 'failed':
        return 'Stopped';
      case 'loading-history':
        return 'Loading…';
      case 'history':
        return 'Fixed time range';
    }
  })();
  return (
    <div className="stream-controls" data-testid="stream-controls">
      {live && (
        <button
          type="button"
          className={buffer.paused ? 'primary' : ''}
          onClick={buffer.paused ? stream.resume : stream.pause}
          data-testid="pause-button"
          aria-pressed={buffer.paused}
          title="Space"
        >
          {buffer.paused ? '▶ Resume' : '❚❚ Pause'}
        </button>
      )}
      <span className={`status-dot status-${buffer.paused ? 'paused' : status}`} aria-hidden="true" />
      <span className="status-text" data-testid="stream-status" data-status={status}>
        {statusText}
      </span>
      <span className="muted" data-testid="row-count">
        {formatCount(shown)} flows
        {buffer.evicted > 0 ? ` (newest ${formatCount(buffer.maxRows)} kept)` : ''}
      </span>
    </div>
  );
}
