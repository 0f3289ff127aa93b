// Policies board: tiers and policies in evaluation order with counts for the chosen time range.
import { useEffect, useMemo, useRef } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import type { ApiPolicy, PolicyStats } from '../api/types.ts';
import { CodeBlock, ErrorMessage, StateMessage } from '../components/common.tsx';
import { DiffBlock } from '../components/DiffBlock.tsx';
import { EnforcedCell, PendingCell, PolicyBoard, policyId } from '../components/PolicyBoard.tsx';
import { RangeSelect } from '../components/RangeSelect.tsx';
import { flowLogsHref } from '../data/flowView.ts';
import { formatDateTime } from '../data/format.ts';
import { indexPolicyStats, policyCounts, statsKey } from '../data/policyStats.ts';
import { type HistoryRef, parseHistoryRef } from '../data/timeline.ts';
import { usePolicyHistory, usePolicyStats, useTiers } from '../hooks/useApi.ts';

/** Flow logs filtered to the flows a policy decided (its own hits and the end-of-tier hits it owns). */
export function policyFlowsHref(p: ApiPolicy): string {
  return flowLogsHref({
    policies: [
      {
        tier: { value: p.tier, type: 'Exact' },
        ...(p.namespace ? { namespace: { value: p.namespace, type: 'Exact' as const } } : {}),
        name: { value: p.name, type: 'Exact' },
      },
    ],
  });
}

/** `policy`: a board policy id; `history` (kind|namespace|name) and `change`: a timeline marker's link, which also works for a deleted policy. */
function pageParams(search: string): {
  start: number;
  policy: string | null;
  history: HistoryRef | null;
  change: number | null;
} {
  const p = new URLSearchParams(search);
  const start = Number(p.get('start') ?? '-3600');
  const change = Number(p.get('change') ?? 'NaN');
  return {
    start: Number.isFinite(start) && start !== 0 ? start : -3600,
    policy: p.get('policy'),
    history: parseHistoryRef(p.get('history')),
    change: Number.isInteger(change) ? change : null,
  };
}

const sameRef = (a: HistoryRef, b: HistoryRef) => a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;

export function PoliciesPage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const { start, policy, history, change } = pageParams(search);
  const tiers = useTiers();
  const stats = usePolicyStats({ start, end: 0 });
  const statsMap = useMemo<Map<string, PolicyStats>>(() => indexPolicyStats(stats.data?.items ?? []), [stats.data]);
  const all = useMemo(() => (tiers.data?.items ?? []).flatMap((t) => t.policies), [tiers.data]);
  const selected = policy
    ? (all.find((p) => policyId(p) === policy) ?? null)
    : history
      ? (all.find((p) => sameRef(p, history)) ?? null)
      : null;
  // A marker's link to a resource the board does not show (deleted, or a tier or network set): its history alone.
  const orphan = !selected && history && tiers.data ? history : null;
  const setParam = (k: string, v: string | null) => {
    const p = new URLSearchParams(search);
    if (k === 'policy') {
      p.delete('history');
      p.delete('change');
    }
    if (v === null) p.delete(k);
    else p.set(k, v);
    const qs = p.toString();
    navigate(qs ? `${pathname}?${qs}` : pathname, { replace: k === 'policy' });
  };

  let body: React.ReactNode;
  if (tiers.loading && !tiers.data) body = <StateMessage kind="loading" title="Loading tiers and policies…" />;
  else if (tiers.error)
    body = (
      <ErrorMessage
        title="Could not load policies"
        testId="state-tiers-error"
        error={tiers.error}
        retry={tiers.reload}
      />
    );
  else if (tiers.data && tiers.data.items.length === 0)
    body = (
      <StateMessage kind="empty" title="No tiers or policies loaded" testId="state-no-policies">
        Point Verdict at your cluster or a folder of policy YAML; with no policy, every flow is decided by the namespace
        profile (allow).
      </StateMessage>
    );
  else
    body = (
      <PolicyBoard
        tiers={tiers.data?.items ?? []}
        stats={statsMap}
        selected={selected ? policyId(selected) : null}
        onSelect={(p) => setParam('policy', policyId(p))}
      />
    );

  return (
    <div className={selected || orphan ? 'board-page with-panel' : 'board-page'}>
      <div className="board-main">
        <div className="page-toolbar">
          <h1>Policies</h1>
          <RangeSelect value={start} onChange={(s) => setParam('start', String(s))} testId="policies-range" />
          {stats.error && (
            <span className="error-text" data-testid="stats-error">
              Counts unavailable: {stats.error.message}
            </span>
          )}
          {stats.loading && <span className="muted">Counting…</span>}
        </div>
        {body}
      </div>
      {selected && (
        <aside className="side-panel" data-testid="policy-detail">
          <header className="side-head">
            <div>
              <div className="side-title">
                {selected.namespace ? `${selected.namespace}/` : ''}
                {selected.name}
              </div>
              <div className="side-sub">
                {selected.kind} · tier {selected.tier}
                {selected.staged ? ' · staged' : ''}
              </div>
            </div>
            <button type="button" className="icon-button" aria-label="Close" onClick={() => setParam('policy', null)}>
              ×
            </button>
          </header>
          <div className="side-body">
            <dl className="fields">
              <div>
                <dt>Enforced</dt>
                <dd>
                  <EnforcedCell
                    counts={policyCounts(statsMap.get(statsKey(selected)), selected.staged)}
                    testId="policy-detail-counts"
                  />
                </dd>
              </div>
              <div>
                <dt>Pending</dt>
                <dd>
                  <PendingCell
                    counts={policyCounts(statsMap.get(statsKey(selected)), selected.staged)}
                    testId="policy-detail-pending-counts"
                  />
                </dd>
              </div>
            </dl>
            <p>
              <Link to={policyFlowsHref(selected)} data-testid="policy-flows-link">
                Show the flows it decided →
              </Link>
            </p>
            <CodeBlock text={selected.yaml} testId="policy-yaml" />
            <PolicyHistory policy={selected} marked={change} />
          </div>
        </aside>
      )}
      {orphan && (
        <aside className="side-panel" data-testid="policy-detail">
          <header className="side-head">
            <div>
              <div className="side-title">
                {orphan.namespace ? `${orphan.namespace}/` : ''}
                {orphan.name}
              </div>
              <div className="side-sub">{orphan.kind} · not in the cluster now</div>
            </div>
            <button type="button" className="icon-button" aria-label="Close" onClick={() => setParam('policy', null)}>
              ×
            </button>
          </header>
          <div className="side-body">
            <PolicyHistory policy={orphan} marked={change} />
          </div>
        </aside>
      )}
    </div>
  );
}

/** A resource's changes as the cluster watch (or the demo) saw them, newest first, each with its diff; `marked` is the change a timeline marker linked to. */
function PolicyHistory({ policy, marked }: { policy: HistoryRef; marked: number | null }) {
  const history = usePolicyHistory(policy);
  // While another policy's history is still shown (kept during the load), show none of it.
  const items = (history.data?.items ?? []).filter((c) => sameRef(c, policy)).reverse();
  const markedRef = useRef<HTMLLIElement>(null);
  const markedShown = items.some((c) => c.id === marked);
  useEffect(() => {
    if (markedShown) markedRef.current?.scrollIntoView({ block: 'nearest' });
  }, [markedShown]);
  return (
    <section className="policy-history" data-testid="policy-history" aria-labelledby="policy-history-title">
      <h2 id="policy-history-title">History</h2>
      {history.error ? (
        <p className="error-text">The change history is not available: {history.error.message}</p>
      ) : items.length === 0 ? (
        <p className="muted">{history.loading ? 'Loading…' : 'No changes seen since Verdict started.'}</p>
      ) : (
        <ol className="history-list">
          {items.map((c) => (
            <li
              key={c.id}
              ref={c.id === marked ? markedRef : undefined}
              className={c.id === marked ? 'history-item history-marked' : 'history-item'}
              data-testid="policy-change"
              data-op={c.op}
              data-change-id={c.id}
              aria-current={c.id === marked ? 'true' : undefined}
            >
              <div className="history-head">
                <span className={`tag tag-op-${c.op}`}>{c.op}</span>{' '}
                <time dateTime={new Date(c.time).toISOString()}>{formatDateTime(Math.floor(c.time / 1000))}</time>
                <span className="muted">
                  {' '}
                  · resourceVersion <span data-testid="policy-change-rv">{c.resourceVersion || '—'}</span> · {c.source}
                </span>
              </div>
              <DiffBlock diff={c.diff} testId="policy-change-diff" />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
