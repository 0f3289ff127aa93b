// Pause/resume and the stream's status line.
import { useEffect, useState } from 'react';
import { formatCount, formatTime } from '../data/format.ts';
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
      {status === 'history' && stream.resolution !== null && (
        <span
          className="muted"
          data-testid="resolution"
          data-seconds={stream.resolution}
          title="History is kept at 15 s for an hour, 1 min for a day, then 5 min; a range is read from the coarsest level that holds it whole"
        >
          · {bucketLabel(stream.resolution)} buckets
        </span>
      )}
      <GapNotice stream={stream} />
    </div>
  );
}

/** `15 s`, `1 min`, `5 min`: the length of a roll-up level's buckets. */
export function bucketLabel(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/** "N flows not shown — refresh" when the server's stream fell behind this page; Refresh loads them from the list API. */
function GapNotice({ stream }: { stream: FlowStream }) {
  const { gap, gapLoad } = stream;
  if (!gap && !gapLoad.loading && !gapLoad.error) return null;
  return (
    <span className="stream-gap" role="status" data-testid="stream-gap" data-missed={gap?.missed ?? 0}>
      {gap && (
        <>
          <span className="stream-gap-text">
            {formatCount(gap.missed)} {gap.missed === 1 ? 'flow' : 'flows'} not shown
          </span>{' '}
          <span className="muted">
            (the stream fell behind, {formatTime(gap.startTimeGte)}–{formatTime(gap.startTimeLt)})
          </span>{' '}
          —{' '}
          <button
            type="button"
            className="link-button"
            onClick={stream.loadGap}
            disabled={gapLoad.loading}
            data-testid="stream-gap-refresh"
          >
            refresh
          </button>
        </>
      )}
      {gapLoad.loading && <span className="muted"> Loading the missed flows…</span>}
      {gapLoad.error && <span className="error-text"> Could not load them: {gapLoad.error.message}</span>}
    </span>
  );
}
