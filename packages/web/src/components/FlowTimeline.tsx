// The flow-logs timeline: loaded flows per time bin (denied stacked over allowed) with a marker at
// each moment a policy, tier or network set changed, linking to that change on the Policies page.
import { Link } from 'react-router';
import type { ApiFlow, ApiPolicyChange } from '../api/types.ts';
import { formatDateTime, formatTime } from '../data/format.ts';
import { changeHref, changesWithin, describeChange, timelineBins, timelineOffset } from '../data/timeline.ts';

const HEIGHT = 40;

export interface FlowTimelineProps {
  flows: readonly ApiFlow[];
  changes: readonly ApiPolicyChange[];
  /** The range shown, Unix seconds. */
  from: number;
  to: number;
  live: boolean;
}

export function FlowTimeline({ flows, changes, from, to, live }: FlowTimelineProps) {
  const t = timelineBins(flows, from, to);
  const marks = changesWithin(changes, from, to);
  const width = t.bins.length;
  const denied = t.bins.reduce((n, b) => n + b.denied, 0);
  const allowed = t.bins.reduce((n, b) => n + b.allowed, 0);
  const y = (n: number) => (t.peak === 0 ? 0 : (n / t.peak) * HEIGHT);
  const binLabel = t.binSeconds % 60 === 0 ? `${t.binSeconds / 60} min` : `${t.binSeconds} s`;
  return (
    <section className="timeline" data-testid="flow-timeline" aria-label="Flows over time and policy changes">
      <div className="timeline-plot">
        <svg
          viewBox={`0 0 ${width} ${HEIGHT}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`Loaded flows per ${binLabel}: ${allowed} allowed, ${denied} denied`}
        >
          {t.bins.map((b, i) => (
            <g key={b.start}>
              <rect
                className="timeline-allow"
                x={i + 0.1}
                width={0.8}
                y={HEIGHT - y(b.allowed)}
                height={y(b.allowed)}
              />
              <rect
                className="timeline-deny"
                x={i + 0.1}
                width={0.8}
                y={HEIGHT - y(b.allowed) - y(b.denied)}
                height={y(b.denied)}
                data-testid={b.denied > 0 ? 'timeline-deny-bar' : undefined}
              />
            </g>
          ))}
        </svg>
        <ol className="timeline-marks" aria-label="Policy changes">
          {marks.map((c) => {
            const label = `${describeChange(c)} at ${formatDateTime(Math.floor(c.time / 1000))}`;
            return (
              <li key={c.id} style={{ left: `${timelineOffset(t, c.time / 1000) * 100}%` }}>
                <Link
                  to={changeHref(c)}
                  className={`change-marker change-${c.op}`}
                  data-testid="change-marker"
                  data-change-id={c.id}
                  aria-label={label}
                >
                  <span className="change-tip" role="tooltip">
                    {label}
                  </span>
                </Link>
              </li>
            );
          })}
        </ol>
      </div>
      <div className="timeline-axis muted">
        <span>{formatTime(t.from)}</span>
        <span data-testid="timeline-summary">
          {marks.length === 0
            ? 'no policy changes'
            : `${marks.length} policy ${marks.length === 1 ? 'change' : 'changes'}`}{' '}
          · bars per {binLabel}
        </span>
        <span>{live ? 'now' : formatTime(t.to)}</span>
      </div>
    </section>
  );
}
