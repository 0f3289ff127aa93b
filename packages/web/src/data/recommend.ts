// The Recommend page's pure parts: its URL codec and the YAML handed to Stage, Rehearse and Copy.
import type { Dialect, Recommendation, RecommendedPolicy } from '../api/types.ts';

export interface RecommendParams {
  namespace: string;
  workload: string;
  dialect: Dialect;
  /** "" = the server's default tier. */
  tier: string;
  /** Negative seconds relative to now. */
  start: number;
}

export const RECOMMEND_WINDOWS: readonly { start: number; label: string }[] = [
  { start: -3600, label: 'Last hour' },
  { start: -86_400, label: 'Last 24 hours' },
  { start: -604_800, label: 'Last 7 days' },
];

export const DEFAULT_RECOMMEND: RecommendParams = {
  namespace: '',
  workload: '',
  dialect: 'calico',
  tier: '',
  start: -86_400,
};

export function parseRecommendParams(search: string): RecommendParams {
  const p = new URLSearchParams(search);
  const start = Number(p.get('start'));
  return {
    namespace: p.get('namespace') ?? '',
    workload: p.get('workload') ?? '',
    dialect: p.get('dialect') === 'k8s' ? 'k8s' : 'calico',
    tier: p.get('tier') ?? '',
    start: RECOMMEND_WINDOWS.some((w) => w.start === start) ? start : DEFAULT_RECOMMEND.start,
  };
}

/** Only what differs from the defaults, in a stable order. */
export function formatRecommendParams(r: RecommendParams): string {
  const p = new URLSearchParams();
  if (r.namespace) p.set('namespace', r.namespace);
  if (r.workload) p.set('workload', r.workload);
  if (r.dialect !== DEFAULT_RECOMMEND.dialect) p.set('dialect', r.dialect);
  if (r.tier) p.set('tier', r.tier);
  if (r.start !== DEFAULT_RECOMMEND.start) p.set('start', String(r.start));
  return p.toString();
}

/** One YAML stream of every drafted policy, in the recommendation's order. */
export function recommendationYaml(policies: readonly RecommendedPolicy[]): string {
  return policies.map((p) => (p.yaml.endsWith('\n') ? p.yaml : `${p.yaml}\n`)).join('---\n');
}

/** Only StagedNetworkPolicy drafts (dialect calico, staged) can be staged and unstaged by name. */
export function canStage(rec: Recommendation): boolean {
  return (
    rec.dialect === 'calico' &&
    rec.policies.length > 0 &&
    rec.policies.every((p) => kindOf(p) === 'StagedNetworkPolicy')
  );
}

export function kindOf(p: RecommendedPolicy): string {
  const o = p.object as { kind?: unknown } | null;
  return typeof o?.kind === 'string' ? o.kind : '';
}

export function nameOf(p: RecommendedPolicy): string {
  const o = p.object as { metadata?: { name?: unknown; namespace?: unknown } } | null;
  const name = typeof o?.metadata?.name === 'string' ? o.metadata.name : p.workload;
  return typeof o?.metadata?.namespace === 'string' ? `${o.metadata.namespace}/${name}` : name;
}

/** "37 of 37 observed allowed connections stay allowed". */
export function coverageSentence(c: Recommendation['coverage']): string {
  const all = c.observedAllowed === c.allowedByRecommendation;
  return `${c.allowedByRecommendation} of ${c.observedAllowed} observed allowed connections stay allowed${all ? '' : ' — check the ones that do not'}`;
}

export function scopeLabel(r: Pick<RecommendParams, 'namespace' | 'workload' | 'dialect'>): string {
  return `${r.workload ? `${r.namespace}/${r.workload}` : r.namespace} (${r.dialect})`;
}
