// Egress: every external destination a namespace's workloads used, and the proposed lockdown
// (default-deny egress with allow-lists from those destinations) with its rehearsal result.
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, type EgressDialect } from '../api/client.ts';
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
  const egress = useEgress(params.namespace, params.since, params.dialect);
  const setParams = (next: Partial<typeof params>) => {
    const p = new URLSearchParams();
    const merged = { ...params, ...next };
    if (merged.namespace) p.set('namespace', merged.namespace);
    if (merged.since !== 3600) p.set('since', String(merged.since));
    if (merged.dialect !== 'calico') p.set('dialect', merged.dialect);
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
        <label className="field">
          <span className="field-label">Lockdown for</span>
          <select
            value={params.dialect}
            onChange={(e) => setParams({ dialect: e.target.value as EgressDialect })}
            data-testid="egress-dialect"
          >
            <option value="calico">Calico (addresses)</option>
            <option value="calico-enterprise">Calico Enterprise (domains too)</option>
          </select>
        </label>
        <DnsImport onImported={egress.reload} />
      </div>
      {body}
    </div>
  );
}

/** Imports DNS answers (NDJSON of query name → addresses) so destinations are named by domain. */
function DnsImport({ onImported }: { onImported: () => void }) {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setStatus(null);
    try {
      const reply = await api.importDns(await file.text());
      setStatus({
        ok: true,
        text: `Imported ${formatCount(reply.imported.pairs)} addresses of ${formatCount(reply.imported.names)} names from ${file.name}; ${formatCount(reply.held.names)} names held, each kept ${Math.round(reply.held.retentionSeconds / 86_400)} days after its last import.`,
      });
      onImported();
    } catch (error) {
      setStatus({ ok: false, text: `${file.name} was not imported: ${(error as Error).message}` });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="dns-import">
      <label className="field">
        <span className="field-label">DNS answers (NDJSON)</span>
        <input
          type="file"
          accept=".ndjson,.jsonl,.json,application/x-ndjson"
          disabled={busy}
          onChange={(e) => {
            void onFile(e.target.files?.[0]);
            e.target.value = '';
          }}
          data-testid="dns-import"
        />
      </label>
      {status && (
        <p
          role={status.ok ? 'status' : 'alert'}
          className={`dns-import-status small ${status.ok ? 'muted' : 'error-text'}`}
          data-testid="dns-import-status"
        >
          {status.text}
        </p>
      )}
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
