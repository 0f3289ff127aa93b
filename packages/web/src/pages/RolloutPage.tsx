// Rollout: how far the default-deny rollout has come, per namespace and cluster-wide, what staged
// policies would deny, the trend over the stored history and the policy changes; the same report as a
// print-ready HTML page for an audit.
import { useLocation, useNavigate } from 'react-router';
import type { CoverageResponse } from '../api/types.ts';
import { ErrorMessage, StateMessage, WindowSelect } from '../components/common.tsx';
import { formatCount, formatDateTime } from '../data/format.ts';
import { bucketText, parseRolloutSince, percent, ratio, trendPolyline } from '../data/insights.ts';
import { useCoverage } from '../hooks/useInsights.ts';

export function RolloutPage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const since = parseRolloutSince(search);
  const coverage = useCoverage(since);

  let body: React.ReactNode;
  if (coverage.loading && !coverage.data)
    body = <StateMessage kind="loading" title="Measuring the rollout…" testId="rollout-loading" />;
  else if (coverage.error)
    body = (
      <ErrorMessage
        title="Could not load the rollout report"
        testId="rollout-error"
        error={coverage.error}
        retry={coverage.reload}
      />
    );
  else if (coverage.data) body = <RolloutReport report={coverage.data} />;

  return (
    <div className="work-page" data-testid="rollout-page">
      <div className="page-toolbar">
        <h1>Rollout</h1>
        <span className="muted">
          Default-deny progress: isolated workloads, flows decided by policy, staged policies.
        </span>
      </div>
      <div className="insights-filters">
        <WindowSelect
          label="History"
          since={since}
          onChange={(since) => navigate(`${pathname}?since=${since}`, { replace: true })}
          testId="rollout-window"
        />
        <a
          className="link-button"
          href={`/api/v1/coverage?since=${since}&format=html`}
          target="_blank"
          rel="noreferrer"
          data-testid="rollout-report-link"
        >
          Open the print-ready report (HTML)
        </a>
      </div>
      {body}
    </div>
  );
}

function Bar({ value, label }: { value: number; label: string }) {
  return (
    <span className="share">
      <span className="share-track" aria-hidden="true">
        <span className="share-fill" style={{ width: `${Math.round(value * 100)}%` }} />
      </span>
      <span className="share-label">{label}</span>
    </span>
  );
}

function RolloutReport({ report }: { report: CoverageResponse }) {
  const c = report.cluster;
  const waiting = report.staged.filter((s) => s.wouldDeny > 0).length;
  const width = 600;
  const height = 120;
  return (
    <div className="rollout-report" data-testid="rollout-report">
      <dl className="totals" data-testid="rollout-totals">
        <div className="total">
          <dt>Isolated for ingress</dt>
          <dd className="total-value" data-testid="cluster-ingress">
            {percent(c.isolatedIngress, c.workloads)}
          </dd>
          <dd className="total-note">
            {c.isolatedIngress} of {c.workloads} workloads
          </dd>
        </div>
        <div className="total">
          <dt>Isolated for egress</dt>
          <dd className="total-value" data-testid="cluster-egress">
            {percent(c.isolatedEgress, c.workloads)}
          </dd>
          <dd className="total-note">
            {c.isolatedEgress} of {c.workloads} workloads
          </dd>
        </div>
        <div className="total">
          <dt>Flows decided by explicit policy</dt>
          <dd className="total-value" data-testid="cluster-decided">
            {percent(c.decidedByPolicy, c.flows)}
          </dd>
          <dd className="total-note">{formatCount(c.flows)} flow records</dd>
        </div>
        <div className="total">
          <dt>Staged policies waiting</dt>
          <dd className="total-value">{report.staged.length}</dd>
          <dd className="total-note">{waiting} would deny traffic allowed today</dd>
        </div>
      </dl>

      <h2>Per namespace</h2>
      <table className="data-table" data-testid="rollout-namespaces">
        <thead>
          <tr>
            <th scope="col">Namespace</th>
            <th scope="col" className="num">
              Workloads
            </th>
            <th scope="col">Isolated ingress</th>
            <th scope="col">Isolated egress</th>
            <th scope="col">Decided by policy</th>
          </tr>
        </thead>
        <tbody>
          {report.namespaces.map((n) => (
            <tr key={n.namespace} data-testid="rollout-namespace" data-namespace={n.namespace}>
              <td className="mono">{n.namespace}</td>
              <td className="num">{n.workloads}</td>
              <td>
                <Bar value={ratio(n.isolatedIngress, n.workloads)} label={percent(n.isolatedIngress, n.workloads)} />
              </td>
              <td>
                <Bar value={ratio(n.isolatedEgress, n.workloads)} label={percent(n.isolatedEgress, n.workloads)} />
              </td>
              <td>
                <Bar
                  value={ratio(n.decidedByPolicy, n.flows)}
                  label={`${percent(n.decidedByPolicy, n.flows)} of ${formatCount(n.flows)}`}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Staged policies waiting to be enforced</h2>
      {report.staged.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="staged-waiting" data-testid="rollout-staged">
          {report.staged.map((s) => (
            <li key={`${s.kind}|${s.namespace}|${s.name}`} data-testid="staged-waiting">
              <span className="mono">
                {s.kind} {s.namespace ? `${s.namespace}/` : ''}
                {s.name}
              </span>{' '}
              <span className="muted">(tier {s.tier})</span>:{' '}
              <span className={s.wouldDeny > 0 ? 'error-text' : ''}>
                would deny {formatCount(s.wouldDeny)} flow records allowed today
              </span>
              {s.examples.length > 0 && (
                <ul className="muted small mono">
                  {s.examples.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}

      <h2>
        Trend: flows decided by explicit policy
        {report.trend.length > 0 ? `, per ${bucketText(report.bucketSeconds)}` : ''}
      </h2>
      {report.trend.length === 0 ? (
        <p className="muted">No flows in the history.</p>
      ) : (
        <figure className="trend" data-testid="rollout-trend">
          <svg
            viewBox={`-40 -10 ${width + 60} ${height + 40}`}
            width={width + 60}
            height={height + 40}
            role="img"
            aria-label={`Share of flows decided by explicit policy per ${bucketText(report.bucketSeconds)}, from ${percent(report.trend[0]?.decidedByPolicy ?? 0, report.trend[0]?.flows ?? 0)} to ${percent(report.trend.at(-1)?.decidedByPolicy ?? 0, report.trend.at(-1)?.flows ?? 0)}`}
          >
            <line x1={0} y1={height} x2={width} y2={height} className="trend-axis" />
            <text x={-36} y={4} className="trend-text">
              100%
            </text>
            <text x={-24} y={height + 4} className="trend-text">
              0%
            </text>
            <polyline points={trendPolyline(report.trend, width, height)} className="trend-line" />
            {trendPolyline(report.trend, width, height)
              .split(' ')
              .map((point) => {
                const [x = '0', y = '0'] = point.split(',');
                return <circle key={point} cx={x} cy={y} r={3} className="trend-dot" />;
              })}
            <text x={0} y={height + 24} className="trend-text">
              {formatDateTime(report.trend[0]?.time ?? 0)}
            </text>
            <text x={width} y={height + 24} textAnchor="end" className="trend-text">
              {formatDateTime(report.trend.at(-1)?.time ?? 0)}
            </text>
          </svg>
        </figure>
      )}

      <h2>Policy changes</h2>
      {!report.changeLog ? (
        <p className="muted">This server keeps no change log.</p>
      ) : report.changes.length === 0 ? (
        <p className="muted">No policy changed in the window.</p>
      ) : (
        <table className="data-table" data-testid="rollout-changes">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Change</th>
              <th scope="col">Policy</th>
              <th scope="col" className="num">
                Isolates today
              </th>
            </tr>
          </thead>
          <tbody>
            {report.changes.slice(0, 50).map((ch, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one policy may change several times in a second
              <tr key={`${ch.time}|${ch.kind}|${ch.namespace}|${ch.name}|${i}`} data-testid="rollout-change">
                <td className="nowrap">{formatDateTime(ch.time)}</td>
                <td>{ch.operation}</td>
                <td className="mono">
                  {ch.kind} {ch.namespace ? `${ch.namespace}/` : ''}
                  {ch.name}
                </td>
                <td className="num">{ch.isolates}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Workloads</h2>
      <table className="data-table" data-testid="rollout-workloads">
        <thead>
          <tr>
            <th scope="col">Workload</th>
            <th scope="col">Ingress</th>
            <th scope="col">Egress</th>
          </tr>
        </thead>
        <tbody>
          {report.workloads.map((w) => (
            <tr key={`${w.namespace}/${w.workload}`}>
              <td className="mono">
                {w.namespace}/{w.workload}
              </td>
              <td>
                <Isolation isolated={w.ingress} since={w.ingressSince} changeLog={report.changeLog} />
              </td>
              <td>
                <Isolation isolated={w.egress} since={w.egressSince} changeLog={report.changeLog} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Isolation({ isolated, since, changeLog }: { isolated: boolean; since: number | null; changeLog: boolean }) {
  if (!isolated) return <span className="tag tag-deny">open</span>;
  return (
    <span>
      isolated
      {since !== null ? (
        <span className="muted"> since {formatDateTime(since)}</span>
      ) : changeLog ? (
        <span className="muted"> before the change log</span>
      ) : null}
    </span>
  );
}
