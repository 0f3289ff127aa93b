// `verdict trace`: one flow explained tier by tier, for enforced and pending (and what-if).
import type {
  EndpointInfo,
  Evaluator,
  ExplainStep,
  FlowExplanation,
  FlowQuery,
  PolicyHitRef,
  Scope,
  SideExplanation,
} from '@verdict/engine';
import { UsageError } from './usage.ts';

export interface TraceReport {
  flow: { source: EndpointInfo; destination: EndpointInfo; protocol: string | number; port: number };
  enforced: FlowExplanation;
  pending: FlowExplanation;
  whatIf?: FlowExplanation;
  /** Sides whose verdict or deciding policy differs between enforced and pending. */
  changes: string[];
}

export function traceFlow(evaluator: Evaluator, query: FlowQuery, whatIf: boolean): TraceReport {
  const explain = (scope: Scope) => {
    const result = evaluator.explain(query, scope);
    if (!result.ok) throw new UsageError(`${optionOf(result.error.path)}: ${result.error.message}`);
    return result.value;
  };
  const verdict = evaluator.evaluate(query);
  if (!verdict.ok) throw new UsageError(`${optionOf(verdict.error.path)}: ${verdict.error.message}`);
  const enforced = explain('enforced');
  const pending = explain('pending');
  const report: TraceReport = {
    flow: {
      source: verdict.value.source,
      destination: verdict.value.destination,
      protocol: query.protocol,
      port: query.destPort,
    },
    enforced,
    pending,
    changes: differences(enforced, pending),
  };
  if (whatIf) report.whatIf = explain('whatIf');
  return report;
}

function optionOf(path: string): string {
  return path.startsWith('source')
    ? '--from'
    : path.startsWith('destination')
      ? '--to'
      : path === 'protocol'
        ? '--protocol'
        : '--port';
}

function decider(side: SideExplanation): string {
  const last = side.hits[side.hits.length - 1];
  if (!last) return 'nothing';
  if (last.kind === 'EndOfTier') return `the end of tier ${last.tier} (${policyName(last.trigger)})`;
  if (last.kind === 'Profile') return last.name === '__PROFILE__' ? 'no profile' : `profile ${last.name}`;
  return `${policyName(last)} rule ${last.ruleIndex}`;
}

function differences(enforced: FlowExplanation, pending: FlowExplanation): string[] {
  const changes: string[] = [];
  for (const side of enforced.sides) {
    const other = pending.sides.find((candidate) => candidate.direction === side.direction);
    if (!other) continue;
    const before = decider(side);
    const after = decider(other);
    if (side.action !== other.action || before !== after) {
      changes.push(`${side.direction} at ${side.endpoint}: ${side.action} by ${before} → ${other.action} by ${after}`);
    }
  }
  return changes;
}

function policyName(policy: PolicyHitRef | null | undefined): string {
  if (!policy) return 'no policy';
  return `${policy.kind} ${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`;
}

const endpointText = (endpoint: EndpointInfo) =>
  `${endpoint.namespace === '-' ? '' : `${endpoint.namespace}/`}${endpoint.name} (${endpoint.ip}, ${endpoint.type})`;

function stepLines(step: ExplainStep): string[] {
  const because = step.because.map((line) => `          ${line}`);
  switch (step.outcome) {
    case 'matched':
    case 'pass':
      return [
        `      ✓ ${policyName(step.policy)}: rule ${step.ruleIndex} (${step.rulePath}) → ${step.action}`,
        ...because,
      ];
    case 'no-match':
      return [`      · ${policyName(step.policy)}: no rule matched`, ...because];
    case 'end-of-tier':
      return [`      ■ end of tier → ${step.action} (selected by ${policyName(step.policy)})`];
    case 'skipped-tier':
      return [`      – skipped: ${step.because.join('; ')}`];
    case 'profile':
      return [
        `    profile ${step.policy?.name ?? '(none)'} → ${step.action}`,
        ...step.because.map((line) => `        ${line}`),
      ];
  }
}

function sideLines(side: SideExplanation): string[] {
  const lines = [`  ${side.direction} at ${side.endpoint}: ${side.action}`];
  let tier: string | undefined;
  for (const step of side.steps) {
    if (step.outcome !== 'profile' && step.tier !== tier) {
      tier = step.tier;
      lines.push(`    tier ${tier}`);
    }
    lines.push(...stepLines(step));
  }
  return lines;
}

function scopeLines(title: string, explanation: FlowExplanation, note = ''): string[] {
  const lines = [`${title}: ${explanation.action.toUpperCase()}${note}`];
  if (explanation.sides.length === 0)
    lines.push('  neither end is a policy-enforced endpoint: nothing to evaluate, allowed');
  for (const side of explanation.sides) lines.push(...sideLines(side));
  return lines;
}

const sameTrace = (a: FlowExplanation, b: FlowExplanation) =>
  JSON.stringify(a.sides.map((side) => side.hits)) === JSON.stringify(b.sides.map((side) => side.hits));

/** The report as a person reads it. */
export function formatTrace(report: TraceReport): string {
  const { flow } = report;
  const lines = [
    `Flow ${endpointText(flow.source)} → ${endpointText(flow.destination)} ${String(flow.protocol).toUpperCase()}/${flow.port}`,
    '',
    ...scopeLines('Enforced', report.enforced),
    '',
    ...(sameTrace(report.enforced, report.pending)
      ? [
          `Pending (staged policies enforced): ${report.pending.action.toUpperCase()}, the same trace: no staged policy applies`,
        ]
      : scopeLines(
          'Pending (staged policies enforced)',
          report.pending,
          report.pending.action === report.enforced.action ? '' : `  ← differs from enforced ${report.enforced.action}`,
        )),
  ];
  if (report.whatIf)
    lines.push(
      '',
      ...scopeLines('What-if (staged Set replaces, staged Delete removes; a Verdict extension)', report.whatIf),
    );
  lines.push(
    '',
    report.changes.length
      ? 'What changes when staged policies are enforced:'
      : 'Staged policies change nothing for this flow.',
  );
  for (const change of report.changes) lines.push(`  ${change}`);
  return lines.join('\n');
}
