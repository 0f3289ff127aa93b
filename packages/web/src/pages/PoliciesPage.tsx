// Policies board: tiers and policies in evaluation order with counts for the chosen time range.
import { useMemo } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import type { ApiPolicy, PolicyStats } from '../api/types.ts';
import { CodeBlock, StateMessage } from '../components/common.tsx';
import { EnforcedCell, PendingCell, PolicyBoard, policyId } from '../components/PolicyBoard.tsx';
import { RangeSelect } from '../components/RangeSelect.tsx';
import { flowLogsHref } from '../data/flowView.ts';
import { indexPolicyStats, policyCounts, statsKey } from '../data/policyStats.ts';
import { usePolicyStats, useTiers } from '../hooks/useApi.ts';

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

function pageParams(search: string): { start: number; policy: string | null } {
  const p = new URLSearchParams(search);
  const start = Number(p.get('start') ?? '-3600');
  return { start: Number.isFinite(start) && start !== 0 ? start : -3600, policy: p.get('policy') };
}

export function PoliciesPage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const { start, policy } = pageParams(search);
  const tiers = useTiers();
  const stats = usePolicyStats({ start, end: 0 });
  const statsMap = useMemo<Map<string, PolicyStats>>(() => indexPolicyStats(stats.data?.items ?? []), [stats.data]);
  const all = useMemo(() => (tiers.data?.items ?? []).flatMap((t) => t.policies), [tiers.data]);
  const selected = policy ? (all.find((p) => policyId(p) === policy) ?? null) : null;
  const setParam = (k: string, v: string | null) => {
    const p = new URLSearchParams(search);
    if (v === null) p.delete(k);
    else p.set(k, v);
    const qs = p.toString();
    navigate(qs ? `${pathname}?${qs}` : pathname, { replace: k === 'policy' });
  };

  let body: React.ReactNode;
  if (tiers.loading && !tiers.data) body = <StateMessage kind="loading" title="Loading tiers and policies…" />;
  else if (tiers.error)
    body = (
      <StateMessage kind="error" title="Could not load policies" testId="state-tiers-error">
        {tiers.error.isNetwork ? 'Is `verdict serve` running? ' : `${tiers.error.message} `}
        <button type="button" className="link-button" onClick={tiers.reload}>
          Try again
        </button>
      </StateMessage>
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
        selected={policy}
        onSelect={(p) => setParam('policy', policyId(p))}
      />
    );

  return (
    <div className={selected ? 'board-page with-panel' : 'board-page'}>
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
          </div>
        </aside>
      )}
    </div>
  );
}
