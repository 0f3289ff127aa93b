// Tiers in evaluation order, policies in order within each, with allowed/denied/passed counts per
// policy and rule, enforced and pending (with the staged policies enforced) side by side.
import { Fragment } from 'react';
import type { ApiPolicy, ApiTier, PolicyStats, VerdictCounts } from '../api/types.ts';
import { formatCount } from '../data/format.ts';
import { type PolicyCounts, policyCounts, type RuleCounts, statsKey } from '../data/policyStats.ts';

export { statsKey };

export function policyId(p: { kind: string; namespace: string; name: string; tier: string }): string {
  return `${p.tier}|${p.kind}|${p.namespace}|${p.name}`;
}

export function Counts({ c, testId }: { c: VerdictCounts | undefined; testId?: string }) {
  const v = c ?? { allowed: 0, denied: 0, passed: 0 };
  return (
    <span className="counts" data-testid={testId}>
      <span className="count count-allow" title="Flows allowed">
        {formatCount(v.allowed)}
      </span>
      <span className="count count-deny" title="Flows denied">
        {formatCount(v.denied)}
      </span>
      <span className="count count-pass" title="Flows passed to the next tier">
        {formatCount(v.passed)}
      </span>
    </span>
  );
}

export interface PolicyBoardProps {
  tiers: readonly ApiTier[];
  stats: ReadonlyMap<string, PolicyStats>;
  selected: string | null;
  onSelect: (p: ApiPolicy) => void;
}

function ruleLabel(r: RuleCounts): string {
  return r.ruleIndex < 0 ? 'end of tier' : `${r.direction.toLowerCase()} rule ${r.ruleIndex}`;
}

/** The enforced counts, or a note for a staged policy (never enforced). */
export function EnforcedCell({ counts, testId }: { counts: PolicyCounts | RuleCounts; testId: string }) {
  if ('stagedOnly' in counts && counts.stagedOnly)
    return (
      <span className="muted small" data-testid={testId} data-staged-only="true">
        not enforced (staged)
      </span>
    );
  return <Counts c={counts.enforced} testId={testId} />;
}

/** The pending counts, emphasised when they differ from the enforced ones. */
export function PendingCell({ counts, testId }: { counts: PolicyCounts | RuleCounts; testId: string }) {
  return (
    <span
      className={counts.changes ? 'pending-counts pending-differs' : 'pending-counts'}
      title={
        counts.changes ? 'With the staged policies enforced, these counts would differ from today' : 'Pending verdicts'
      }
    >
      <Counts c={counts.pending} testId={testId} />
    </span>
  );
}

export function PolicyBoard({ tiers, stats, selected, onSelect }: PolicyBoardProps) {
  return (
    <div className="policy-board" data-testid="policy-board">
      {tiers.map((tier, ti) => (
        <section key={tier.name} className="tier" data-testid="tier" data-tier={tier.name}>
          <header className="tier-head">
            <span className="tier-order">{ti + 1}</span>
            <h2>{tier.name}</h2>
            <span className="muted">order {tier.order ?? '—'}</span>
            <span className={`tag tag-${tier.defaultAction.toLowerCase()}`}>default {tier.defaultAction}</span>
          </header>
          {tier.policies.length === 0 ? (
            <p className="muted">No policies in this tier.</p>
          ) : (
            <table className="data-table policy-table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Policy</th>
                  <th>Kind</th>
                  <th>Order</th>
                  <th>Rules</th>
                  <th>
                    Flows decided <span className="muted">(allow / deny / pass)</span>
                  </th>
                  <th title="The same counts from the pending traces: what would be decided with the staged policies enforced">
                    Pending <span className="muted">(staged enforced)</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tier.policies.map((p, pi) => {
                  const id = policyId(p);
                  const counts = policyCounts(stats.get(statsKey(p)), p.staged);
                  const rules = counts.rules;
                  return (
                    <Fragment key={id}>
                      <tr
                        className={[
                          selected === id ? 'row-selected' : '',
                          p.staged ? 'staged' : '',
                          counts.changes ? 'pending-changes' : '',
                        ].join(' ')}
                        data-testid="policy-row"
                        data-policy={`${p.namespace ? `${p.namespace}/` : ''}${p.name}`}
                        data-changes={counts.changes ? 'true' : undefined}
                      >
                        <td>{pi + 1}</td>
                        <td>
                          <button
                            type="button"
                            className="link-button"
                            onClick={() => onSelect(p)}
                            data-testid="policy-open"
                          >
                            {p.namespace ? `${p.namespace}/` : ''}
                            {p.name}
                          </button>
                          {p.staged && (
                            <span className="tag tag-staged" title={`stagedAction: ${p.stagedAction ?? 'Set'}`}>
                              staged{p.stagedAction && p.stagedAction !== 'Set' ? ` (${p.stagedAction})` : ''}
                            </span>
                          )}
                          {counts.changes && (
                            <span
                              className="tag tag-changes"
                              title="Its pending counts differ from the enforced ones: enforcing the staged policies changes what this policy decides"
                              data-testid="policy-changes"
                            >
                              staging changes this
                            </span>
                          )}
                        </td>
                        <td>{p.kind}</td>
                        <td>{p.order ?? '—'}</td>
                        <td>
                          {p.ingressRules} in / {p.egressRules} out
                        </td>
                        <td>
                          <EnforcedCell counts={counts} testId="policy-counts" />
                        </td>
                        <td>
                          <PendingCell counts={counts} testId="policy-pending-counts" />
                        </td>
                      </tr>
                      {rules.map((r) => (
                        <tr
                          key={`${id}|${r.direction}|${r.ruleIndex}`}
                          className="rule-row"
                          data-testid="rule-row"
                          data-changes={r.changes ? 'true' : undefined}
                        >
                          <td />
                          <td colSpan={4} className="muted">
                            ↳ {ruleLabel(r)}
                          </td>
                          <td>{p.staged ? <span /> : <Counts c={r.enforced} testId="rule-counts" />}</td>
                          <td>
                            <PendingCell counts={r} testId="rule-pending-counts" />
                          </td>
                        </tr>
                      ))}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
      ))}
    </div>
  );
}
