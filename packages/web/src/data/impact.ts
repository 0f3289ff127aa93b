// The impact report as the Rehearse page shows it: sections in order of harm, groups that differ
// only by port merged into one row, and the labels and links of each row.
import type {
  ApiDecision,
  ApiExampleFlow,
  ApiImpactGroup,
  ApiPolicyHit,
  ApiPolicyRef,
  ApiTraceHit,
  ImpactReport,
} from '../api/types.ts';
import { flowLogsHref } from './flowView.ts';

export type SectionId = 'newlyDenied' | 'newlyAllowed' | 'decidedDifferently' | 'acceptedBreakages';

export interface SectionInfo {
  id: SectionId;
  title: string;
  /** What a row of the section means, in one sentence. */
  help: string;
}

/** Most harmful first: what breaks, what opens up, what only changes hands, what was accepted. */
export const SECTIONS: readonly SectionInfo[] = [
  {
    id: 'newlyDenied',
    title: 'Would be denied',
    help: 'Allowed today, denied after the change: these connections break.',
  },
  {
    id: 'newlyAllowed',
    title: 'Would be allowed',
    help: 'Denied today, allowed after the change: these connections open up.',
  },
  {
    id: 'decidedDifferently',
    title: 'Decided by a different policy',
    help: 'Same verdict, but another policy (or end of tier) decides it after the change.',
  },
  {
    id: 'acceptedBreakages',
    title: 'Accepted breakages',
    help: 'Newly denied, but matched by an allow-breaking selector.',
  },
];

/** Impact groups that differ only by port, as one row. */
export interface ImpactRow {
  key: string;
  namespace: string;
  workload: string;
  direction: 'Ingress' | 'Egress';
  proto: string;
  ports: number[];
  peers: string[];
  decidedBy: ApiDecision;
  previouslyDecidedBy: ApiDecision;
  flows: number;
  connections: number;
  firstSeen: number;
  lastSeen: number;
  examples: ApiExampleFlow[];
}

const MAX_EXAMPLES = 6;
const MAX_PEERS = 20;

export const decisionId = (d: ApiDecision): string => {
  const p = d.kind === 'EndOfTier' && d.trigger ? d.trigger : d;
  return `${d.kind}|${d.action}|${d.ruleIndex}|${p.kind}|${p.namespace}|${p.name}|${p.tier}`;
};

/** Merges groups with the same endpoint, direction, protocol, peers and decisions; most flows first. */
export function mergeGroups(groups: readonly ApiImpactGroup[]): ImpactRow[] {
  const rows = new Map<string, ImpactRow>();
  for (const g of groups) {
    const key = [
      g.namespace,
      g.workload,
      g.direction,
      g.proto,
      [...g.peers].sort().join(','),
      decisionId(g.decidedBy),
      decisionId(g.previouslyDecidedBy),
    ].join('\u0000');
    const row = rows.get(key);
    if (!row) {
      rows.set(key, {
        key,
        namespace: g.namespace,
        workload: g.workload,
        direction: g.direction,
        proto: g.proto,
        ports: [g.port],
        peers: [...g.peers].sort().slice(0, MAX_PEERS),
        decidedBy: g.decidedBy,
        previouslyDecidedBy: g.previouslyDecidedBy,
        flows: g.flows,
        connections: g.connections,
        firstSeen: g.firstSeen,
        lastSeen: g.lastSeen,
        examples: g.examples.slice(0, MAX_EXAMPLES),
      });
      continue;
    }
    if (!row.ports.includes(g.port)) row.ports.push(g.port);
    row.flows += g.flows;
    row.connections += g.connections;
    row.firstSeen = Math.min(row.firstSeen, g.firstSeen);
    row.lastSeen = Math.max(row.lastSeen, g.lastSeen);
    for (const e of g.examples) if (row.examples.length < MAX_EXAMPLES) row.examples.push(e);
  }
  const out = [...rows.values()];
  for (const r of out) r.ports.sort((a, b) => a - b);
  return out.sort(
    (a, b) =>
      b.flows - a.flows ||
      a.namespace.localeCompare(b.namespace) ||
      a.workload.localeCompare(b.workload) ||
      (a.ports[0] ?? 0) - (b.ports[0] ?? 0) ||
      a.direction.localeCompare(b.direction),
  );
}

export interface ReportSection extends SectionInfo {
  rows: ImpactRow[];
  /** Flow records in the section (the report's total). */
  flows: number;
}

/** The report's sections in SECTIONS order; accepted breakages only when there are any. */
export function reportSections(report: ImpactReport): ReportSection[] {
  return SECTIONS.filter((s) => s.id !== 'acceptedBreakages' || report.acceptedBreakages.length > 0).map((s) => ({
    ...s,
    rows: mergeGroups(report[s.id]),
    flows: report.totals[s.id],
  }));
}

const refName = (r: { namespace: string; name: string }) => (r.namespace ? `${r.namespace}/${r.name}` : r.name);

export function policyRefLabel(r: ApiPolicyRef): string {
  return refName(r);
}

/** "end of tier application after payments/application.default-deny", "shop/allow-web rule 2", "profile". */
export function decisionLabel(d: ApiDecision): string {
  if (d.kind === 'EndOfTier') {
    return d.trigger ? `end of tier ${d.tier} after ${refName(d.trigger)}` : `end of tier ${d.tier}`;
  }
  if (d.kind === 'Profile') return d.name ? `profile ${d.name}` : 'the namespace profile';
  return d.ruleIndex >= 0 ? `${refName(d)} rule ${d.ruleIndex}` : refName(d);
}

/** "TCP 8443", "TCP 21, 22, 23 and 16 more" (ports sorted). */
export function portsLabel(ports: readonly number[], proto: string, shown = 6): string {
  const p = proto.toUpperCase();
  if (ports.length <= shown) return `${p} ${ports.join(', ')}`;
  return `${p} ${ports.slice(0, shown).join(', ')} and ${ports.length - shown} more`;
}

/** "a, b, c and 2 more". */
export function listLabel(items: readonly string[], shown = 3): string {
  if (items.length <= shown) return items.join(', ');
  return `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`;
}

/** The engine omits `trigger`; the trace table expects null. */
export function toPolicyHit(h: ApiTraceHit): ApiPolicyHit {
  return { ...h, trigger: h.trigger ?? null };
}

/** Flow logs filtered to the example's source, destination and port, over the rehearsed range. */
export function exampleFlowsHref(example: ApiExampleFlow, start: number): string {
  const f = example.flow;
  const exact = (value: string) => [{ value, type: 'Exact' as const }];
  return flowLogsHref(
    {
      sourceNamespaces: exact(f.sourceNamespace),
      sourceNames: exact(f.sourceName),
      destNamespaces: exact(f.destNamespace),
      destNames: exact(f.destName),
      destPorts: [f.destPort],
      reporter: f.reporter,
    },
    { start },
  );
}

/** The headline: what breaks first, else what else changes, else that nothing does. */
export function reportHeadline(report: ImpactReport): { tone: 'deny' | 'changes' | 'clean'; text: string } {
  const t = report.totals;
  const flows = (n: number) => `${n} flow record${n === 1 ? '' : 's'}`;
  if (t.newlyDenied > 0) return { tone: 'deny', text: `${flows(t.newlyDenied)} would be denied by this change.` };
  if (t.newlyAllowed > 0 || t.decidedDifferently > 0)
    return {
      tone: 'changes',
      text: `Nothing breaks: ${flows(t.newlyAllowed)} would be allowed, ${flows(t.decidedDifferently)} decided by a different policy.`,
    };
  if (t.flowsReevaluated === 0)
    return { tone: 'clean', text: 'No recorded flow in the range involves an endpoint this change selects.' };
  return { tone: 'clean', text: `Nothing changes for the ${flows(t.flowsReevaluated)} this change touches.` };
}
