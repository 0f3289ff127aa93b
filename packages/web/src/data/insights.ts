// The Insights, Egress and Rollout pages' pure parts: their URL parameters, findings grouped and
// filtered by severity and type, and shares as percentages.
import type { CoverageResponse, Finding } from '../api/types.ts';

export const SEVERITY_ORDER = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITY_ORDER)[number];

/** History windows the pages offer, in seconds. */
export const INSIGHT_WINDOWS: readonly { since: number; label: string }[] = [
  { since: 900, label: 'Last 15 minutes' },
  { since: 3600, label: 'Last hour' },
  { since: 86_400, label: 'Last 24 hours' },
  { since: 604_800, label: 'Last 7 days' },
];

export interface InsightsParams {
  since: number;
  /** '' = every severity. */
  severity: Severity | '';
  /** '' = every type. */
  type: string;
}

const windowOf = (raw: string | null, fallback: number) => {
  const n = Number(raw);
  return raw !== null && INSIGHT_WINDOWS.some((w) => w.since === n) ? n : fallback;
};

/** `?since=3600&severity=high&type=dns-blocked`; anything unknown falls back to the defaults. */
export function parseInsightsParams(search: string): InsightsParams {
  const p = new URLSearchParams(search);
  const severity = p.get('severity') ?? '';
  return {
    since: windowOf(p.get('since'), 3600),
    severity: (SEVERITY_ORDER as readonly string[]).includes(severity) ? (severity as Severity) : '',
    type: /^[a-z-]{1,40}$/.test(p.get('type') ?? '') ? (p.get('type') as string) : '',
  };
}

export function formatInsightsParams(params: InsightsParams): string {
  const p = new URLSearchParams();
  if (params.since !== 3600) p.set('since', String(params.since));
  if (params.severity) p.set('severity', params.severity);
  if (params.type) p.set('type', params.type);
  return p.toString();
}

export interface FindingSummary {
  bySeverity: Record<Severity, number>;
  /** Types with their count, most frequent first, then by name. */
  byType: { type: string; count: number }[];
}

export function summarize(findings: readonly Finding[]): FindingSummary {
  const bySeverity: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  const types = new Map<string, number>();
  for (const f of findings) {
    bySeverity[f.severity]++;
    types.set(f.type, (types.get(f.type) ?? 0) + 1);
  }
  const byType = [...types]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1));
  return { bySeverity, byType };
}

/** The findings the filters keep, most severe first (the server's order within a severity). */
export function selectFindings(findings: readonly Finding[], params: InsightsParams): Finding[] {
  const rank = (f: Finding) => SEVERITY_ORDER.indexOf(f.severity);
  return findings
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => (!params.severity || f.severity === params.severity) && (!params.type || f.type === params.type))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}

/** A stable key for a finding: type and subject (the server emits one finding per type and subject and title). */
export const findingKey = (f: Finding) =>
  `${f.type}|${f.subject.kind}|${f.subject.namespace}|${f.subject.name}|${f.title}`;

/** `part` of `whole` as a whole percentage; '—' when there is nothing to share. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${Math.round((part / whole) * 100)}%`;
}

/** 0..1, or 0 when `whole` is 0. */
export const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

/** `?namespace=shop&since=3600`. */
export function parseEgressParams(search: string): {
  namespace: string;
  since: number;
  dialect: 'calico' | 'calico-enterprise';
} {
  const p = new URLSearchParams(search);
  const namespace = p.get('namespace') ?? '';
  return {
    namespace: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace) ? namespace : '',
    since: windowOf(p.get('since'), 3600),
    dialect: p.get('dialect') === 'calico-enterprise' ? 'calico-enterprise' : 'calico',
  };
}

/** `?since=86400`: the Rollout page's history, a day by default. */
export const parseRolloutSince = (search: string) => windowOf(new URLSearchParams(search).get('since'), 86_400);

/** The trend as SVG polyline points in a `width`×`height` box, the share decided by policy on y (1 at the top). */
export function trendPolyline(trend: CoverageResponse['trend'], width: number, height: number): string {
  if (trend.length === 0) return '';
  const first = trend[0]?.time ?? 0;
  const last = trend[trend.length - 1]?.time ?? first;
  const x = (t: number) => (last === first ? width / 2 : ((t - first) / (last - first)) * width);
  return trend
    .map((p) => `${x(p.time).toFixed(1)},${((1 - ratio(p.decidedByPolicy, p.flows)) * height).toFixed(1)}`)
    .join(' ');
}

/** 60 → "minute", 300 → "5 minutes", 3600 → "hour", 86400 → "day". */
export function bucketText(seconds: number): string {
  const [unit, size] =
    seconds % 86_400 === 0
      ? (['day', 86_400] as const)
      : seconds % 3600 === 0
        ? (['hour', 3600] as const)
        : (['minute', 60] as const);
  const n = Math.round(seconds / size);
  return n === 1 ? unit : `${n} ${unit}s`;
}
