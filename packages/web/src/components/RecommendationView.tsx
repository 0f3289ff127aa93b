// A recommendation: coverage and notes, then each drafted policy with its rules' rationale and YAML.
import type { Recommendation, RecommendedPolicy } from '../api/types.ts';
import { formatDateTime, formatTime } from '../data/format.ts';
import { coverageSentence, kindOf, nameOf } from '../data/recommend.ts';
import { CodeBlock } from './common.tsx';

export function CoverageSummary({ rec }: { rec: Recommendation }) {
  const c = rec.coverage;
  return (
    <div className="coverage" data-testid="recommend-coverage">
      <p>
        <strong data-testid="coverage-sentence">{coverageSentence(c)}</strong>
        {c.unresolved > 0 && <span className="muted"> · {c.unresolved} no longer resolve to endpoints</span>}
        <span className="muted">
          {' '}
          · flows seen {rec.window.firstSeen ? formatDateTime(rec.window.firstSeen) : '—'} to{' '}
          {rec.window.lastSeen ? formatDateTime(rec.window.lastSeen) : '—'}
        </span>
      </p>
      {c.closedPathsTotal > 0 && (
        <details className="closed-paths" data-testid="closed-paths">
          <summary>
            {c.closedPathsTotal} unobserved path{c.closedPathsTotal === 1 ? '' : 's'} that today's policy allows would
            be closed{c.closedPaths.length < c.closedPathsTotal ? ` (a sample of ${c.closedPaths.length})` : ''}
          </summary>
          <table className="data-table">
            <thead>
              <tr>
                <th>From</th>
                <th>To</th>
                <th>Port</th>
              </tr>
            </thead>
            <tbody>
              {c.closedPaths.map((p) => (
                <tr key={`${p.from}|${p.to}|${p.port}`}>
                  <td>{p.from}</td>
                  <td>{p.to}</td>
                  <td>{p.port}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {rec.notes.length > 0 && (
        <div className="notes" data-testid="recommend-notes">
          <div className="panel-title">Notes to review</div>
          <ul>
            {rec.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export function PolicyDraft({ policy }: { policy: RecommendedPolicy }) {
  const name = nameOf(policy);
  return (
    <section className="draft" data-testid="recommended-policy" data-policy={name}>
      <header className="draft-head">
        <h2>{name}</h2>
        <span className="tag tag-staged">{kindOf(policy) || 'policy'}</span>
        <span className="muted">selects workload {policy.workload}</span>
      </header>
      <div className="draft-body">
        <div className="draft-rules">
          {policy.rules.length === 0 ? (
            <p className="muted">No rules: the policy denies everything in the directions it covers.</p>
          ) : (
            <table className="data-table rules-table">
              <thead>
                <tr>
                  <th>Rule</th>
                  <th>Peer</th>
                  <th>Ports</th>
                  <th className="num">Flows</th>
                  <th className="num">Conns</th>
                  <th>Seen</th>
                  <th>Examples</th>
                </tr>
              </thead>
              <tbody>
                {policy.rules.map((r) => (
                  <tr key={`${r.direction}${r.index}`} data-testid="recommended-rule">
                    <td className="nowrap">
                      {r.direction.toLowerCase()}[{r.index}]
                      {r.rationale.guardrail && (
                        <span className="tag" title="Kept although the flows alone would not need it">
                          {r.rationale.guardrail}
                        </span>
                      )}
                    </td>
                    <td>{r.peer}</td>
                    <td className="nowrap">{r.ports}</td>
                    <td className="num">{r.rationale.flows}</td>
                    <td className="num">{r.rationale.connections.toLocaleString()}</td>
                    <td className="nowrap small">
                      {r.rationale.firstSeen ? (
                        <span
                          title={`${formatDateTime(r.rationale.firstSeen)} to ${formatDateTime(r.rationale.lastSeen)}`}
                        >
                          {formatTime(r.rationale.firstSeen)} – {formatTime(r.rationale.lastSeen)}
                        </span>
                      ) : (
                        <span className="muted">not seen in the window</span>
                      )}
                    </td>
                    <td className="small examples">
                      {r.rationale.examples.length === 0 ? (
                        <span className="muted">—</span>
                      ) : (
                        r.rationale.examples.map((e) => (
                          <div key={e} className="mono" title={e} data-testid="rule-example">
                            {e}
                          </div>
                        ))
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="draft-yaml">
          <CodeBlock text={policy.yaml} testId="recommended-yaml" />
        </div>
      </div>
    </section>
  );
}
