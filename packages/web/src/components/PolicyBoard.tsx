// Tiers in evaluation order, policies in order within each, with allowed/denied/passed counts per policy and rule.
import { Fragment } from 'react';
import type { ApiPolicy, ApiTier, PolicyStats, RuleStats, VerdictCounts } from '../api/types.ts';
import { formatCount } from '../data/format.ts';

export function policyId(p: { kind: string; namespace: string; name: string; tier: string }): string {
  return `${p.tier}|${p.kind}|${p.namespace}|${p.name}`;
}

/** Stats are matched to policies by tier, namespace and name; kind is ignored because staged kinds may be reported either way. */
export function statsKey(p: { namespace: string; name: string; tier: string }): string {
  return `${p.tier}|${p.namespace}|${p.name}`;
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

function ruleLabel(r: RuleStats): string {
  return r.ruleIndex < 0 ? 'end of tier' : `${r.direction.toLowerCase()} rule ${r.ruleIndex}`;
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
                </tr>
              </thead>
              <tbody>
                {tier.policies.map((p, pi) => {
                  const id = policyId(p);
                  const s = stats.get(statsKey(p));
                  const rules = (s?.rules ?? [])
                    .slice()
                    .sort((a, b) => a.direction.localeCompare(b.direction) || a.ruleIndex - b.ruleIndex);
                  return (
                    <Fragment key={id}>
                      <tr
                        className={[selected === id ? 'row-selected' : '', p.staged ? 'staged' : ''].join(' ')}
                        data-testid="policy-row"
                        data-policy={`${p.namespace ? `${p.namespace}/` : ''}${p.name}`}
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
                        </td>
                        <td>{p.kind}</td>
                        <td>{p.order ?? '—'}</td>
                        <td>
                          {p.ingressRules} in / {p.egressRules} out
                        </td>
                        <td>
                          <Counts c={s} testId="policy-counts" />
                        </td>
                      </tr>
                      {rules.map((r) => (
                        <tr key={`${id}|${r.direction}|${r.ruleIndex}`} className="rule-row" data-testid="rule-row">
                          <td />
                          <td colSpan={4} className="muted">
                            ↳ {ruleLabel(r)}
                          </td>
                          <td>
                            <Counts c={r} testId="rule-counts" />
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
