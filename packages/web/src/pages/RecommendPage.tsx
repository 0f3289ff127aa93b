// Recommend: least-privilege policy drafts for a namespace or workload from its recorded flows,
// with the rationale of each rule; stage them, rehearse them or copy them. The scope is in the URL.
import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import type { Dialect } from '../api/types.ts';
import { CopyButton, NamespaceSelect, StateMessage } from '../components/common.tsx';
import { CoverageSummary, PolicyDraft } from '../components/RecommendationView.tsx';
import {
  canStage,
  formatRecommendParams,
  parseRecommendParams,
  RECOMMEND_WINDOWS,
  type RecommendParams,
  recommendationYaml,
  scopeLabel,
} from '../data/recommend.ts';
import { useTiers } from '../hooks/useApi.ts';
import { useRecommendation, useStaging } from '../hooks/useRecommend.ts';
import { useOpenInRehearse } from '../hooks/useRehearse.ts';

/** Tiers an admin cannot put a Calico NetworkPolicy in. */
const NOT_FOR_POLICIES = new Set(['adminnetworkpolicy', 'baselineadminnetworkpolicy', 'kube-admin', 'kube-baseline']);

export function RecommendPage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const openInRehearse = useOpenInRehearse();
  const params = parseRecommendParams(search);
  const tiers = useTiers();
  const rec = useRecommendation(params.namespace ? params : null);
  const staging = useStaging();
  // The form edits a copy; Recommend writes it to the URL, which loads.
  const [form, setForm] = useState<RecommendParams>(params);
  const urlKey = formatRecommendParams(params);
  useEffect(() => {
    setForm(parseRecommendParams(urlKey ? `?${urlKey}` : ''));
  }, [urlKey]);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const qs = formatRecommendParams(form);
    navigate(qs ? `${pathname}?${qs}` : pathname);
  };
  const set = <K extends keyof RecommendParams>(k: K, v: RecommendParams[K]) => setForm((f) => ({ ...f, [k]: v }));
  const tierNames = (tiers.data?.items ?? []).map((t) => t.name).filter((n) => !NOT_FOR_POLICIES.has(n));

  let body: React.ReactNode;
  if (!params.namespace)
    body = (
      <StateMessage kind="empty" title="Choose what to draft policies for" testId="recommend-empty">
        Pick a namespace (and optionally one of its workloads), then press Recommend. Verdict drafts least-privilege
        policies from the flows recorded in the window and explains every rule.
      </StateMessage>
    );
  else if (rec.loading && !rec.data)
    body = (
      <StateMessage kind="loading" title={`Drafting policies for ${scopeLabel(params)}…`} testId="recommend-loading" />
    );
  else if (rec.error)
    body = (
      <StateMessage kind="error" title="Could not draft policies" testId="recommend-error">
        {rec.error.isNetwork
          ? 'Is `verdict serve` running? '
          : rec.error.path === 'workload'
            ? `${rec.error.message}. Leave Workload empty to draft for the whole namespace. `
            : `${rec.error.message} `}
        <button type="button" className="link-button" onClick={rec.reload}>
          Try again
        </button>
      </StateMessage>
    );
  else if (rec.data && rec.data.policies.length === 0)
    body = (
      <StateMessage kind="empty" title={`No flows of ${scopeLabel(params)} in the window`} testId="recommend-none">
        There is nothing to draft from. Choose a longer window, or check that flows of this namespace reach Verdict.
      </StateMessage>
    );
  else if (rec.data) {
    const data = rec.data;
    const yaml = recommendationYaml(data.policies);
    const stageable = canStage(data);
    body = (
      <div className="recommendation" data-testid="recommendation">
        <div className="action-bar">
          <button
            type="button"
            className="primary"
            onClick={() => staging.stage(yaml)}
            disabled={!stageable || staging.busy}
            title={stageable ? undefined : 'Only Calico drafts (StagedNetworkPolicy) can be staged'}
            data-testid="stage-button"
          >
            Stage in Verdict
          </button>
          <button
            type="button"
            onClick={() => openInRehearse(yaml, `the recommendation for ${scopeLabel(params)}`)}
            data-testid="rehearse-recommendation"
          >
            Rehearse…
          </button>
          <CopyButton text={yaml} label="Copy YAML" testId="copy-recommendation" />
          <span className="muted small">
            {stageable
              ? 'Staging adds the drafts to Verdict’s cluster state as staged policies: new flows show their pending verdicts.'
              : 'Kubernetes drafts cannot be staged; rehearse them or copy the YAML.'}
          </span>
        </div>
        <CoverageSummary rec={data} />
        {data.policies.map((p) => (
          <PolicyDraft key={p.workload} policy={p} />
        ))}
      </div>
    );
  }

  return (
    <div className="work-page" data-testid="recommend-page">
      <div className="page-toolbar">
        <h1>Recommend</h1>
        <span className="muted">
          Least-privilege policy drafts from recorded flows, with the reason for every rule.
        </span>
      </div>
      <form className="recommend-form" onSubmit={submit} data-testid="recommend-form">
        <NamespaceSelect
          value={form.namespace}
          onChange={(namespace) => set('namespace', namespace)}
          testId="recommend-namespace"
          required
        />
        <label className="field">
          <span className="field-label">Workload (optional)</span>
          <input
            type="text"
            value={form.workload}
            placeholder="all workloads"
            onChange={(e) => set('workload', e.target.value.trim())}
            data-testid="recommend-workload"
          />
        </label>
        <label className="field">
          <span className="field-label">Dialect</span>
          <select
            value={form.dialect}
            onChange={(e) => set('dialect', e.target.value as Dialect)}
            data-testid="recommend-dialect"
          >
            <option value="calico">Calico (StagedNetworkPolicy)</option>
            <option value="k8s">Kubernetes NetworkPolicy</option>
            <option value="cnp">ClusterNetworkPolicy (Baseline guardrails)</option>
          </select>
        </label>
        <label className="field">
          <span className="field-label">Tier</span>
          <select
            value={form.tier}
            onChange={(e) => set('tier', e.target.value)}
            disabled={form.dialect !== 'calico'}
            data-testid="recommend-tier"
          >
            <option value="">default</option>
            {form.tier && !tierNames.includes(form.tier) && <option value={form.tier}>{form.tier}</option>}
            {tierNames
              .filter((t) => t !== 'default')
              .map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Flows from</span>
          <select
            value={form.start}
            onChange={(e) => set('start', Number(e.target.value))}
            data-testid="recommend-window"
          >
            {RECOMMEND_WINDOWS.map((w) => (
              <option key={w.start} value={w.start}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!form.namespace} data-testid="recommend-button">
          Recommend
        </button>
        {rec.loading && rec.data && <span className="muted">Updating…</span>}
      </form>
      <div className="recommend-result">
        {staging.error && (
          <p className="error-text" role="alert" data-testid="staging-error">
            {staging.error.message}
          </p>
        )}
        {staging.staged.length > 0 && (
          <div className="staged-list" data-testid="staged-list">
            <div className="staged-head">
              <span className="panel-title">Staged in Verdict by you</span>
              <button type="button" onClick={staging.unstage} disabled={staging.busy} data-testid="unstage-button">
                Unstage {staging.staged.length === 1 ? 'it' : `all ${staging.staged.length}`}
              </button>
            </div>
            <ul>
              {staging.staged.map((p) => (
                <li key={`${p.kind}/${p.namespace}/${p.name}`} data-testid="staged-policy">
                  {p.kind} {p.namespace ? `${p.namespace}/` : ''}
                  {p.name}
                </li>
              ))}
            </ul>
            {staging.warnings.length > 0 && (
              <ul className="warn-text">
                {staging.warnings.map((w, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: warnings have no identity beyond their order
                  <li key={i}>{w.message}</li>
                ))}
              </ul>
            )}
            <p className="muted small">
              New flows get pending verdicts with these policies (the Pending columns of Flow logs, the Policies board).
            </p>
          </div>
        )}
        {body}
      </div>
    </div>
  );
}
