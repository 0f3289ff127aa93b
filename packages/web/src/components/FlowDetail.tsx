// The detail panel of one flow: why (explanation), the enforced and pending traces, every field, raw JSON.
import { useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { ApiExplanation, ApiFlow, ApiPolicyHit, ApiStep, ExplainResponse, StepOutcome } from '../api/types.ts';
import { displayName, displayNamespace, formatBytes, formatDateTime, reporterLabel } from '../data/format.ts';
import { hitRow } from '../data/policyHits.ts';
import { ActionBadge, CodeBlock, StateMessage, Tabs, VerdictChange } from './common.tsx';

type Tab = 'why' | 'policies' | 'fields' | 'json';
const TABS: readonly { id: Tab; label: string }[] = [
  { id: 'why', label: 'Why' },
  { id: 'policies', label: 'Policies' },
  { id: 'fields', label: 'Fields' },
  { id: 'json', label: 'JSON' },
];

export interface FlowDetailProps {
  flow: ApiFlow;
  explain: { data: ExplainResponse | undefined; error: ApiError | null; loading: boolean; reload: () => void };
  onClose: () => void;
  /** Narrows the flow list to one address of the flow's source or destination (a CIDR filter). */
  onFilterAddress?: (side: 'source' | 'dest', ip: string) => void;
}

export function FlowDetail({ flow, explain, onClose, onFilterAddress }: FlowDetailProps) {
  const [tab, setTab] = useState<Tab>('why');
  const differs = flow.action !== flow.pendingAction;
  return (
    <aside className="side-panel" data-testid="flow-detail" aria-label="Flow detail">
      <header className="side-head">
        <div>
          <div className="side-title">
            {displayNamespace(flow.sourceNamespace)}/{displayName(flow.sourceName)} →{' '}
            {displayNamespace(flow.destNamespace)}/{displayName(flow.destName)}:{flow.destPort}/{flow.proto}
          </div>
          <div className="side-sub">
            {differs ? (
              <VerdictChange from={flow.action} to={flow.pendingAction} />
            ) : (
              <ActionBadge action={flow.action} />
            )}{' '}
            reported by {reporterLabel(flow.reporter).toLowerCase()} · {formatDateTime(flow.startTime)}
          </div>
        </div>
        <button
          type="button"
          className="icon-button"
          onClick={onClose}
          aria-label="Close (Esc)"
          data-testid="detail-close"
        >
          ×
        </button>
      </header>
      <Tabs tabs={TABS} value={tab} onChange={setTab} testId="detail-tabs" />
      <div className="side-body">
        {tab === 'why' && <WhyView explain={explain} differs={differs} />}
        {tab === 'policies' && (
          <>
            <TraceTable
              title="Enforced policies"
              help="Policies that were enforced for this flow."
              hits={flow.policies.enforced}
              testId="trace-enforced"
            />
            <TraceTable
              title="Pending policies"
              help="Policies that would be enforced if a new connection was initiated now, and staged policies were enforced."
              hits={flow.policies.pending}
              testId="trace-pending"
            />
          </>
        )}
        {tab === 'fields' && <FieldsView flow={flow} onFilterAddress={onFilterAddress} />}
        {tab === 'json' && <CodeBlock text={JSON.stringify(flow, null, 2)} testId="flow-json" />}
      </div>
    </aside>
  );
}

function WhyView({ explain, differs }: { explain: FlowDetailProps['explain']; differs: boolean }) {
  if (explain.loading && !explain.data)
    return <StateMessage kind="loading" title="Replaying the policies for this flow…" />;
  if (explain.error) {
    return (
      <StateMessage kind="error" title="Could not explain this flow" testId="explain-error">
        {explain.error.status === 404
          ? 'The server no longer has this flow (it may have aged out). The trace tables under “Policies” still show what Calico reported.'
          : explain.error.message}{' '}
        <button type="button" className="link-button" onClick={explain.reload}>
          Try again
        </button>
      </StateMessage>
    );
  }
  if (!explain.data) return null;
  return (
    <div className="explanation" data-testid="explanation">
      <ExplanationView title="Enforced" e={explain.data.enforced} testId="explanation-enforced" />
      <ExplanationView
        title={
          differs ? 'Pending (staged policies enforced) — different verdict' : 'Pending (staged policies enforced)'
        }
        e={explain.data.pending}
        testId="explanation-pending"
        highlight={differs}
      />
    </div>
  );
}

const OUTCOME_LABEL: Record<StepOutcome, string> = {
  matched: 'matched',
  'no-match': 'no rule matched',
  'end-of-tier': 'end of tier',
  profile: 'profile',
  'skipped-tier': 'tier skipped',
  pass: 'passed to the next tier',
};

function ExplanationView({
  title,
  e,
  testId,
  highlight,
}: {
  title: string;
  e: ApiExplanation;
  testId: string;
  highlight?: boolean;
}) {
  return (
    <section className={highlight ? 'explain-block explain-differs' : 'explain-block'} data-testid={testId}>
      <h3>
        {title}: <ActionBadge action={e.action} />
      </h3>
      {e.sides.map((side) => {
        // The walk stops at the step that decides the side, so the last step is the deciding one.
        const deciding = side.steps.length - 1;
        const decider = side.steps[deciding];
        return (
          <div className="explain-side" key={`${side.direction}:${side.endpoint}`}>
            <h4>
              {side.direction} at {side.endpoint}: <ActionBadge action={side.action} />
            </h4>
            {decider && (
              <p className="decided-by" data-testid="decided-by">
                Decided by {decisionText(decider)}
              </p>
            )}
            <ol className="steps">
              {side.steps.map((s, i) => (
                <li
                  // biome-ignore lint/suspicious/noArrayIndexKey: steps are an ordered, fixed list
                  key={i}
                  className={`step step-${s.outcome}${i === deciding ? ' step-deciding' : ''}`}
                  data-testid="explain-step"
                  data-outcome={s.outcome}
                  data-deciding={i === deciding}
                >
                  <div className="step-head">
                    <span className="step-tier">tier {s.tier || 'default'}</span>
                    {s.policy ? (
                      <span className="step-policy">
                        {s.policy.kind} {s.policy.namespace ? `${s.policy.namespace}/` : ''}
                        {s.policy.name}
                      </span>
                    ) : null}
                    <span className={`outcome outcome-${s.outcome}`}>{OUTCOME_LABEL[s.outcome] ?? s.outcome}</span>
                    {s.action && <ActionBadge action={s.action} />}
                    {s.ruleIndex !== undefined && s.ruleIndex >= 0 && <span className="muted">rule {s.ruleIndex}</span>}
                  </div>
                  {s.because.length > 0 && (
                    <ul className="because">
                      {s.because.map((b, j) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: sentences may repeat
                        <li key={j}>{b}</li>
                      ))}
                    </ul>
                  )}
                  {s.yaml &&
                    (i === deciding ? (
                      <CodeBlock text={s.yaml} highlight={s.highlight ?? []} testId="explain-yaml" />
                    ) : (
                      // Rules that only passed the flow on are context: their YAML stays folded.
                      <details className="policy-yaml">
                        <summary>Policy YAML</summary>
                        <CodeBlock text={s.yaml} highlight={s.highlight ?? []} testId="explain-yaml" />
                      </details>
                    ))}
                </li>
              ))}
            </ol>
          </div>
        );
      })}
    </section>
  );
}

/** "end of tier application after storefront/application.frontend (Deny)", "rule 0 of platform.allow-dns (Allow)". */
function decisionText(s: ApiStep): string {
  const policy = s.policy ? `${s.policy.namespace ? `${s.policy.namespace}/` : ''}${s.policy.name}` : '';
  const action = s.action ? ` (${s.action})` : '';
  switch (s.outcome) {
    case 'end-of-tier':
      return `the end of tier ${s.tier}${policy ? ` after ${policy}` : ''}: no rule matched${action}`;
    case 'matched':
    case 'pass':
      return `rule ${s.ruleIndex ?? '?'} of ${policy || 'a policy'} in tier ${s.tier}${action}`;
    case 'profile':
      return `${policy ? `profile ${policy}` : 'the profiles'}${action}`;
    default:
      return `${OUTCOME_LABEL[s.outcome]}${policy ? ` ${policy}` : ''}${action}`;
  }
}

export function TraceTable({
  title,
  help,
  hits,
  testId,
  compact = false,
}: {
  title: string;
  help: string;
  hits: readonly ApiPolicyHit[];
  testId: string;
  /** Narrow: namespace/name in one column, no policy index (for two traces side by side). */
  compact?: boolean;
}) {
  return (
    <section className="trace" data-testid={testId}>
      <h3>{title}</h3>
      <p className="muted">{help}</p>
      {hits.length === 0 ? (
        <p className="muted">No policy hits reported.</p>
      ) : (
        <table className="data-table">
          <thead>
            {compact ? (
              <tr>
                <th>Kind</th>
                <th>Policy</th>
                <th>Tier</th>
                <th>Action</th>
                <th>Rule</th>
                <th>Triggered by</th>
              </tr>
            ) : (
              <tr>
                <th>Kind</th>
                <th>Namespace</th>
                <th>Policy name</th>
                <th>Tier</th>
                <th>Action</th>
                <th>Policy index</th>
                <th>Rule index</th>
                <th>Triggered by</th>
              </tr>
            )}
          </thead>
          <tbody>
            {hits.map((h, i) => {
              const r = hitRow(h);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: the trace order is the identity
                <tr key={i} data-testid="trace-row" className={r.staged ? 'staged' : undefined}>
                  <td>
                    {r.kind}
                    {r.staged && <span className="tag tag-staged">staged</span>}
                  </td>
                  {compact ? (
                    <td>{r.namespace && r.name ? `${r.namespace}/${r.name}` : r.name}</td>
                  ) : (
                    <>
                      <td>{r.namespace}</td>
                      <td>{r.name}</td>
                    </>
                  )}
                  <td>{r.tier}</td>
                  <td>
                    <ActionBadge action={r.action} />
                  </td>
                  {!compact && <td>{r.policyIndex}</td>}
                  <td>{r.ruleIndex}</td>
                  <td>
                    {r.trigger ? (
                      <span
                        className="trigger"
                        title={`Kind: ${r.trigger.kind}\nNamespace: ${r.trigger.namespace}\nPolicy name: ${r.trigger.name}\nTier: ${r.trigger.tier}`}
                      >
                        {r.triggeredBy}
                      </span>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The addresses a flow was seen with, each a button that filters to it; "none reported" when empty. */
function AddressList(p: {
  side: 'source' | 'dest';
  ips: readonly string[];
  beyond: number;
  onFilter: FlowDetailProps['onFilterAddress'];
}) {
  if (p.ips.length === 0) return <span className="muted">none reported</span>;
  const label = p.side === 'source' ? 'source' : 'destination';
  return (
    <span className="address-list" data-testid={`${p.side}-ips`}>
      {p.ips.map((ip) =>
        p.onFilter ? (
          <button
            key={ip}
            type="button"
            className="link-button mono"
            data-testid="address-filter"
            data-ip={ip}
            title={`Show the flows with ${label} address ${ip}`}
            onClick={() => p.onFilter?.(p.side, ip)}
          >
            {ip}
          </button>
        ) : (
          <span key={ip} className="mono">
            {ip}
          </span>
        ),
      )}
      {p.beyond > 0 && <span className="muted"> and {p.beyond} more</span>}
    </span>
  );
}

function FieldsView({ flow, onFilterAddress }: { flow: ApiFlow; onFilterAddress: FlowDetailProps['onFilterAddress'] }) {
  const rows: [string, React.ReactNode][] = [
    ['Start time', formatDateTime(flow.startTime)],
    ['End time', formatDateTime(flow.endTime)],
    ['Action', flow.action],
    ['Pending action', flow.pendingAction],
    ['Reporter', reporterLabel(flow.reporter)],
    ['Source', `${displayNamespace(flow.sourceNamespace)}/${displayName(flow.sourceName)} (${flow.sourceType})`],
    ['Source labels', flow.sourceLabels.join(', ')],
    [
      'Source IPs',
      <AddressList
        key="s"
        side="source"
        ips={flow.sourceIps}
        beyond={flow.sourceIpsBeyond}
        onFilter={onFilterAddress}
      />,
    ],
    ['Destination', `${displayNamespace(flow.destNamespace)}/${displayName(flow.destName)} (${flow.destType})`],
    ['Destination labels', flow.destLabels.join(', ')],
    [
      'Destination IPs',
      <AddressList key="d" side="dest" ips={flow.destIps} beyond={flow.destIpsBeyond} onFilter={onFilterAddress} />,
    ],
    ['Protocol / port', `${flow.proto} ${flow.destPort}`],
    [
      'Service',
      flow.destServiceName && flow.destServiceName !== '-'
        ? `${flow.destServiceNamespace}/${flow.destServiceName} port ${flow.destServicePortName || ''} ${flow.destServicePort}`
        : '—',
    ],
    ['Packets in / out', `${flow.packetsIn} / ${flow.packetsOut}`],
    ['Bytes in / out', `${formatBytes(flow.bytesIn)} / ${formatBytes(flow.bytesOut)}`],
    [
      'Connections started / completed / live',
      `${flow.numConnectionsStarted} / ${flow.numConnectionsCompleted} / ${flow.numConnectionsLive}`,
    ],
    ['Flow id', String(flow.id)],
  ];
  return (
    <dl className="fields" data-testid="flow-fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
