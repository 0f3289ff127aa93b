// Insights: the common network-policy problems found in the recorded flows and the policies, each with
// its evidence and a fix to rehearse. Window, severity and type live in the URL.
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import type { Finding } from '../api/types.ts';
import { ActionBadge, CopyButton, ErrorMessage, StateMessage, WindowSelect } from '../components/common.tsx';
import { YamlEditor } from '../components/YamlEditor.tsx';
import { formatDateTime } from '../data/format.ts';
import {
  findingKey,
  formatInsightsParams,
  type InsightsParams,
  parseInsightsParams,
  SEVERITY_ORDER,
  selectFindings,
  summarize,
} from '../data/insights.ts';
import { useInsights } from '../hooks/useInsights.ts';
import { useOpenInRehearse } from '../hooks/useRehearse.ts';

const noop = () => {};

export function InsightsPage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const params = parseInsightsParams(search);
  const insights = useInsights(params.since);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const setParams = (next: Partial<InsightsParams>) => {
    const qs = formatInsightsParams({ ...params, ...next });
    navigate(qs ? `${pathname}?${qs}` : pathname, { replace: true });
  };

  const findings = insights.data?.findings ?? [];
  const summary = summarize(findings);
  const shown = selectFindings(findings, params);
  const selected = shown.find((f) => findingKey(f) === selectedKey) ?? shown[0];

  let body: React.ReactNode;
  if (insights.loading && !insights.data)
    body = <StateMessage kind="loading" title="Looking for problems…" testId="insights-loading" />;
  else if (insights.error)
    body = (
      <ErrorMessage
        title="Could not load the findings"
        testId="insights-error"
        error={insights.error}
        retry={insights.reload}
      />
    );
  else if (findings.length === 0)
    body = (
      <StateMessage kind="empty" title="No findings" testId="insights-none">
        Neither the policies nor the flows of the window show a known problem.
      </StateMessage>
    );
  else
    body = (
      <div className="insights-layout">
        <nav aria-label="Findings" className="finding-list" data-testid="finding-list">
          {shown.length === 0 && <p className="muted">No finding matches the filters.</p>}
          <ul>
            {shown.map((f) => {
              const key = findingKey(f);
              const active = selected !== undefined && findingKey(selected) === key;
              return (
                <li key={key}>
                  <button
                    type="button"
                    className={active ? 'finding-item finding-active' : 'finding-item'}
                    aria-current={active ? 'true' : undefined}
                    onClick={() => setSelectedKey(key)}
                    data-testid="finding"
                    data-type={f.type}
                    data-severity={f.severity}
                  >
                    <span className={`sev sev-${f.severity}`}>{f.severity}</span>
                    <span className="finding-type">{f.type}</span>
                    <span className="finding-title">{f.title}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        {selected && <FindingDetail finding={selected} since={params.since} />}
      </div>
    );

  return (
    <div className="work-page" data-testid="insights-page">
      <div className="page-toolbar">
        <h1>Insights</h1>
        <span className="muted">Problems in the policies and the recorded flows, with the evidence and a fix.</span>
      </div>
      <div className="insights-filters">
        <WindowSelect
          label="Flows of"
          since={params.since}
          onChange={(since) => setParams({ since })}
          testId="insights-window"
        />
        <fieldset className="severity-filter" data-testid="severity-filter">
          <legend className="field-label">Severity</legend>
          <button
            type="button"
            className={params.severity === '' ? 'chip chip-active' : 'chip'}
            aria-pressed={params.severity === ''}
            onClick={() => setParams({ severity: '' })}
          >
            All {findings.length}
          </button>
          {SEVERITY_ORDER.map((s) => (
            <button
              key={s}
              type="button"
              className={params.severity === s ? 'chip chip-active' : 'chip'}
              aria-pressed={params.severity === s}
              onClick={() => setParams({ severity: s })}
              data-testid={`severity-${s}`}
            >
              <span className={`sev sev-${s}`}>{s}</span> {summary.bySeverity[s]}
            </button>
          ))}
        </fieldset>
        <label className="field">
          <span className="field-label">Type</span>
          <select value={params.type} onChange={(e) => setParams({ type: e.target.value })} data-testid="type-filter">
            <option value="">Every type</option>
            {params.type && !summary.byType.some((t) => t.type === params.type) && (
              <option value={params.type}>{params.type} (0)</option>
            )}
            {summary.byType.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type} ({t.count})
              </option>
            ))}
          </select>
        </label>
      </div>
      {body}
    </div>
  );
}

function FindingDetail({ finding, since }: { finding: Finding; since: number }) {
  const openInRehearse = useOpenInRehearse();
  const { subject, evidence, fix } = finding;
  const subjectText = `${subject.kind} ${subject.namespace ? `${subject.namespace}/` : ''}${subject.name}`;
  return (
    <section className="finding-detail" aria-labelledby="finding-title" data-testid="finding-detail">
      <h2 id="finding-title">
        <span className={`sev sev-${finding.severity}`}>{finding.severity}</span> {finding.title}
      </h2>
      <p className="muted small">
        {finding.type} · {subjectText}
      </p>
      <p data-testid="finding-explanation">{evidence.explanation}</p>
      {evidence.policies.length > 0 && (
        <>
          <h3>Policies</h3>
          <ul className="link-list" data-testid="finding-policies">
            {evidence.policies.map((p) => (
              <li key={`${p.kind}|${p.namespace}|${p.name}|${p.rulePath ?? ''}`} className="mono">
                {p.kind} {p.namespace ? `${p.namespace}/` : ''}
                {p.name} <span className="muted">(tier {p.tier})</span>
                {p.rulePath && <span className="muted"> {p.rulePath}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {evidence.flows.length > 0 && (
        <>
          <h3>Flows</h3>
          <table className="data-table" data-testid="finding-flows">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Destination</th>
                <th scope="col">Port</th>
                <th scope="col">Verdict</th>
                <th scope="col">Staged verdict</th>
                <th scope="col" className="num">
                  Connections
                </th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {evidence.flows.map((f) => (
                <tr key={`${f.id}|${f.reporter}`}>
                  <td className="mono">{f.source}</td>
                  <td className="mono">{f.destination}</td>
                  <td className="mono">
                    {f.destPort}/{f.proto}
                  </td>
                  <td>
                    <ActionBadge action={f.action} />
                  </td>
                  <td>
                    <ActionBadge action={f.pendingAction} />
                  </td>
                  <td className="num">{f.connections}</td>
                  <td className="nowrap">{formatDateTime(f.endTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h3>Fix</h3>
      <p data-testid="finding-fix">{fix.summary}</p>
      {fix.changeSet ? (
        <>
          <div className="action-bar">
            <button
              type="button"
              className="primary"
              onClick={() =>
                fix.changeSet &&
                openInRehearse(fix.changeSet, `the fix for "${finding.title}"`, { run: true, start: -since })
              }
              data-testid="rehearse-fix"
            >
              Rehearse this fix
            </button>
            <CopyButton text={fix.changeSet} label="Copy YAML" testId="copy-fix" />
          </div>
          <YamlEditor
            value={fix.changeSet}
            onChange={noop}
            issues={[]}
            readOnly
            label="The fix's change set"
            testId="fix-yaml"
          />
        </>
      ) : (
        <p className="muted small">No change set: this fix needs a decision only you can make.</p>
      )}
    </section>
  );
}
