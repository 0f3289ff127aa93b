// Egress: every external destination a namespace's workloads used, and the proposed lockdown
// (default-deny egress with allow-lists from those destinations) with its rehearsal result.
import { useLocation, useNavigate } from 'react-router';
import type { EgressResponse } from '../api/types.ts';
import { CopyButton, ErrorMessage, NamespaceSelect, StateMessage, WindowSelect } from '../components/common.tsx';
import { YamlEditor } from '../components/YamlEditor.tsx';
import { formatBytes, formatCount } from '../data/format.ts';
import { parseEgressParams } from '../data/insights.ts';
import { useEgress } from '../hooks/useInsights.ts';
import { useOpenInRehearse } from '../hooks/useRehearse.ts';

const noop = () => {};

export function EgressPage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const params = parseEgressParams(search);
  const egress = useEgress(params.namespace, params.since);
  const setParams = (next: Partial<typeof params>) => {
    const p = new URLSearchParams();
    const merged = { ...params, ...next };
    if (merged.namespace) p.set('namespace', merged.namespace);
    if (merged.since !== 3600) p.set('since', String(merged.since));
    const qs = p.toString();
    navigate(qs ? `${pathname}?${qs}` : pathname, { replace: true });
  };

  let body: React.ReactNode;
  if (!params.namespace)
    body = (
      <StateMessage kind="empty" title="Choose a namespace to lock down" testId="egress-empty">
        Verdict lists the external destinations its workloads used and proposes a default-deny egress policy with
        allow-lists built from them, rehearsed over the same flows.
      </StateMessage>
    );
  else if (egress.loading && !egress.data)
    body = <StateMessage kind="loading" title={`Reading the egress of ${params.namespace}…`} testId="egress-loading" />;
  else if (egress.error)
    body = (
      <ErrorMessage
        title="Could not build the lockdown"
        testId="egress-error"
        error={egress.error}
        retry={egress.reload}
      />
    );
  else if (egress.data) body = <EgressReportView report={egress.data} since={params.since} />;

  return (
    <div className="work-page" data-testid="egress-page">
      <div className="page-toolbar">
        <h1>Egress</h1>
        <span className="muted">External destinations per workload, and a rehearsed egress lockdown.</span>
      </div>
      <div className="insights-filters">
        <NamespaceSelect
          value={params.namespace}
          onChange={(namespace) => setParams({ namespace })}
          testId="egress-namespace"
        />
        <WindowSelect
          label="Flows of"
          since={params.since}
          onChange={(since) => setParams({ since })}
          testId="egress-window"
        />
      </div>
      {body}
    </div>
  );
}

function EgressReportView({ report, since }: { report: EgressResponse; since: number }) {
  const openInRehearse = useOpenInRehearse();
  const withDomains = report.workloads.some((w) => w.destinations.some((d) => d.domains.length > 0));
  const r = report.proposal.rehearsal;
  return (
    <div className="egress-report" data-testid="egress-report">
      <h2>External destinations</h2>
      {report.workloads.length === 0 ? (
        <p className="muted" data-testid="egress-no-destinations">
          No workload of {report.namespace} sent to an external address in the window.
        </p>
      ) : (
        <table className="data-table" data-testid="egress-destinations">
          <thead>
            <tr>
              <th scope="col">Workload</th>
              <th scope="col">Network</th>
              {withDomains && <th scope="col">Domains</th>}
              <th scope="col">Port</th>
              <th scope="col" className="num">
                Flows
              </th>
              <th scope="col" className="num">
                Connections
              </th>
              <th scope="col" className="num">
                Bytes
              </th>
              <th scope="col" className="num">
                Denied
              </th>
            </tr>
          </thead>
          <tbody>
            {report.workloads.flatMap((w) =>
              w.destinations.map((d, i) => (
                <tr key={`${w.workload}|${d.type}|${d.network}|${d.proto}|${d.port}`} data-testid="egress-destination">
                  <td className="mono">{i === 0 ? w.workload : ''}</td>
                  <td className="mono">{d.network}</td>
                  {withDomains && <td className="mono">{d.domains.join(', ')}</td>}
                  <td className="mono">
                    {d.port}/{d.proto}
                  </td>
                  <td className="num">{formatCount(d.flows)}</td>
                  <td className="num">{formatCount(d.connections)}</td>
                  <td className="num">{formatBytes(d.bytes)}</td>
                  <td className={d.denied > 0 ? 'num error-text' : 'num'}>{formatCount(d.denied)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
      <h2>Proposed lockdown</h2>
      <p data-testid="egress-rehearsal">
        {r
          ? `Rehearsed over ${formatCount(r.flowsConsidered)} flow records: ${formatCount(r.newlyDenied)} newly denied, ${formatCount(r.newlyAllowed)} newly allowed.`
          : 'Not rehearsed: the proposal does not load.'}
      </p>
      {report.notes.length > 0 && (
        <ul className="notes" data-testid="egress-notes">
          {report.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <div className="action-bar">
        <button
          type="button"
          className="primary"
          onClick={() =>
            openInRehearse(report.proposal.changeSet, `the egress lockdown of ${report.namespace}`, {
              run: true,
              start: -since,
            })
          }
          data-testid="rehearse-lockdown"
        >
          Rehearse
        </button>
        <CopyButton text={report.proposal.yaml} label="Copy YAML" testId="copy-lockdown" />
        <span className="muted small">
          NetworkSets first, then the staged policy; Rehearse replays the flows against it with the addresses inline.
        </span>
      </div>
      <YamlEditor
        value={report.proposal.yaml}
        onChange={noop}
        issues={[]}
        readOnly
        label="The proposed lockdown"
        testId="lockdown-yaml"
      />
    </div>
  );
}
