// The impact report of a rehearsal: how it was evaluated, totals, then the flows that would be
// denied, allowed or decided differently (each row expands to example flows with both traces), and
// the rules no flow exercises.
import { useState } from 'react';
import { Link } from 'react-router';
import type { ImpactReport } from '../api/types.ts';
import { formatDateTime } from '../data/format.ts';
import {
  decisionLabel,
  exampleFlowsHref,
  type ImpactRow,
  listLabel,
  portsLabel,
  type ReportSection,
  reportHeadline,
  reportSections,
  toPolicyHit,
} from '../data/impact.ts';
import { ActionBadge } from './common.tsx';
import { TraceTable } from './FlowDetail.tsx';

export function ImpactReportView({ report, start }: { report: ImpactReport; start: number }) {
  const headline = reportHeadline(report);
  const sections = reportSections(report);
  const t = report.totals;
  return (
    <div className="report" data-testid="impact-report">
      <p className={`report-headline headline-${headline.tone}`} data-testid="report-headline">
        {headline.text}
      </p>
      <p className="semantics" data-testid="report-semantics">
        {report.semantics}
      </p>
      <dl className="totals" data-testid="report-totals">
        <Total label="Would be denied" value={t.newlyDenied} tone="deny" testId="total-newlyDenied" />
        <Total label="Would be allowed" value={t.newlyAllowed} tone="allow" testId="total-newlyAllowed" />
        <Total
          label="Decided differently"
          value={t.decidedDifferently}
          tone="neutral"
          testId="total-decidedDifferently"
        />
        {t.acceptedBreakages > 0 && (
          <Total
            label="Accepted breakages"
            value={t.acceptedBreakages}
            tone="neutral"
            testId="total-acceptedBreakages"
          />
        )}
        <Total
          label="Flows re-evaluated"
          value={t.flowsReevaluated}
          tone="neutral"
          testId="total-reevaluated"
          note={`of ${t.flowsConsidered.toLocaleString()} considered${t.flowsUnresolved ? `, ${t.flowsUnresolved} unresolved` : ''}`}
        />
      </dl>
      {report.changeSet.policies.length + report.changeSet.deletions.length > 0 && (
        <p className="muted change-summary">
          Change set:{' '}
          {[...report.changeSet.policies, ...report.changeSet.deletions.map((d) => `delete ${d}`)].join('; ')}
        </p>
      )}
      {report.warnings.length > 0 && (
        <ul className="report-warnings" data-testid="report-warnings">
          {report.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {sections.map((s) => (
        <ImpactSection key={s.id} section={s} start={start} />
      ))}
      <section className="impact-section" data-testid="impact-section" data-section="unexercisedRules">
        <h2>
          Rules no flow exercises <span className="section-count">{report.unexercisedRules.length}</span>
        </h2>
        <p className="muted">
          Rules of the change set that no recorded flow in the range reached: unused, or needed only for traffic the
          range did not see.
        </p>
        {report.unexercisedRules.length === 0 ? (
          <p className="muted">Every rule of the change set decided at least one recorded flow.</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th>Policy</th>
                <th>Direction</th>
                <th>Rule</th>
                <th>Field path</th>
              </tr>
            </thead>
            <tbody>
              {report.unexercisedRules.map((r) => (
                <tr key={`${r.policy}|${r.direction}|${r.ruleIndex}`} data-testid="unexercised-rule">
                  <td>{r.policy}</td>
                  <td>{r.direction}</td>
                  <td>{r.ruleIndex}</td>
                  <td>
                    <code>{r.path}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function Total({
  label,
  value,
  tone,
  note,
  testId,
}: {
  label: string;
  value: number;
  tone: 'deny' | 'allow' | 'neutral';
  note?: string;
  testId: string;
}) {
  return (
    <div className={`total total-${value > 0 ? tone : 'neutral'}`} data-testid={testId} data-value={value}>
      <dt>{label}</dt>
      <dd>
        <span className="total-value">{value.toLocaleString()}</span>
        {note && <span className="total-note">{note}</span>}
      </dd>
    </div>
  );
}

const EMPTY: Record<ReportSection['id'], string> = {
  newlyDenied: 'Nothing that is allowed today would be denied.',
  newlyAllowed: 'Nothing that is denied today would be allowed.',
  decidedDifferently: 'Every re-evaluated flow keeps its deciding policy.',
  acceptedBreakages: 'No breakage was accepted.',
};

function ImpactSection({ section, start }: { section: ReportSection; start: number }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (key: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  return (
    <section
      className={`impact-section impact-${section.id}`}
      data-testid="impact-section"
      data-section={section.id}
      data-rows={section.rows.length}
    >
      <h2>
        {section.title} <span className="section-count">{section.flows.toLocaleString()}</span>
      </h2>
      <p className="muted">{section.help}</p>
      {section.rows.length === 0 ? (
        <p className="section-empty" data-testid="section-empty">
          {EMPTY[section.id]}
        </p>
      ) : (
        <table className="data-table impact-table">
          <thead>
            <tr>
              <th aria-label="Expand" />
              <th>Endpoint</th>
              <th>Peer</th>
              <th>Port</th>
              <th>Deciding policy after</th>
              <th className="num">Flows</th>
              <th>First seen</th>
              <th>Last seen</th>
            </tr>
          </thead>
          {section.rows.map((row) => (
            <ImpactRowView
              key={row.key}
              row={row}
              start={start}
              open={open.has(row.key)}
              onToggle={() => toggle(row.key)}
            />
          ))}
        </table>
      )}
    </section>
  );
}

function ImpactRowView({
  row,
  start,
  open,
  onToggle,
}: {
  row: ImpactRow;
  start: number;
  open: boolean;
  onToggle: () => void;
}) {
  const endpoint = `${row.namespace}/${row.workload}`;
  return (
    <tbody className={open ? 'impact-group impact-open' : 'impact-group'}>
      <tr data-testid="impact-row" data-endpoint={endpoint} data-ports={row.ports.join(',')}>
        <td>
          <button
            type="button"
            className="expander"
            aria-expanded={open}
            aria-label={`${open ? 'Hide' : 'Show'} example flows of ${endpoint}`}
            onClick={onToggle}
            data-testid="impact-expand"
          >
            {open ? '▾' : '▸'}
          </button>
        </td>
        <td>
          <span className="endpoint">{endpoint}</span> <span className="tag">{row.direction.toLowerCase()}</span>
        </td>
        <td title={row.peers.join('\n')}>
          {row.direction === 'Ingress' ? 'from ' : 'to '}
          {listLabel(row.peers, 2)}
        </td>
        <td>{portsLabel(row.ports, row.proto)}</td>
        <td data-testid="impact-decided-by">
          <ActionBadge action={row.decidedBy.action} /> {decisionLabel(row.decidedBy)}
          <div className="was muted">
            was <ActionBadge action={row.previouslyDecidedBy.action} /> {decisionLabel(row.previouslyDecidedBy)}
          </div>
        </td>
        <td className="num">{row.flows.toLocaleString()}</td>
        <td>{formatDateTime(row.firstSeen)}</td>
        <td>{formatDateTime(row.lastSeen)}</td>
      </tr>
      {open && (
        <tr className="examples-row">
          <td colSpan={8}>
            {row.examples.length === 0 ? (
              <p className="muted">No example flows were kept for this group.</p>
            ) : (
              row.examples.map((ex) => (
                <div className="example" key={`${ex.flow.id}:${ex.flow.startTime}`} data-testid="impact-example">
                  <div className="example-head">
                    <strong>
                      {ex.flow.sourceNamespace}/{ex.flow.sourceName} → {ex.flow.destNamespace}/{ex.flow.destName}:
                      {ex.flow.destPort}/{ex.flow.proto}
                    </strong>
                    <span className="muted">
                      reported by the {ex.flow.reporter === 'Src' ? 'source' : 'destination'} ·{' '}
                      {formatDateTime(ex.flow.startTime)}
                    </span>
                    <Link to={exampleFlowsHref(ex, start)} data-testid="example-flows-link">
                      Show in flow logs →
                    </Link>
                  </div>
                  <div className="trace-pair">
                    <TraceTable
                      title="Before: enforced today"
                      help="The policy hits of the reporting side as the cluster is now."
                      hits={ex.before.map(toPolicyHit)}
                      testId="example-before"
                      compact
                    />
                    <TraceTable
                      title="After the change"
                      help="The same side with the change set applied."
                      hits={ex.after.map(toPolicyHit)}
                      testId="example-after"
                      compact
                    />
                  </div>
                </div>
              ))
            )}
          </td>
        </tr>
      )}
    </tbody>
  );
}
