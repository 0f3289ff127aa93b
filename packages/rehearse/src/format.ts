// Readable renderings of an impact report: terminal text and Markdown for a pull-request comment.
import type { Decision, ImpactGroup, ImpactReport } from './rehearse.ts';

export function describeDecision(d: Decision): string {
  if (d.kind === 'Profile') return `profile ${d.name || '(none)'} → ${d.action}`;
  if (d.kind === 'EndOfTier') {
    const t = d.trigger;
    const by = t ? ` (selected by ${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name})` : '';
    return `end of tier ${d.tier} → ${d.action}${by}`;
  }
  return `${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name} rule ${d.ruleIndex} → ${d.action}`;
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

function groupLine(g: ImpactGroup): string {
  const peers = g.peers.join(', ');
  const arrow =
    g.direction === 'Egress' ? `${g.namespace}/${g.workload} → ${peers}` : `${peers} → ${g.namespace}/${g.workload}`;
  return `${arrow} ${g.proto}/${g.port}: ${g.flows} flow${g.flows === 1 ? '' : 's'}, ${g.connections} connections, ${iso(g.firstSeen)} … ${iso(g.lastSeen)}; now ${describeDecision(g.decidedBy)} (was ${describeDecision(g.previouslyDecidedBy)})`;
}

const SECTIONS = [
  ['newlyDenied', 'Newly denied (allowed today)'],
  ['newlyAllowed', 'Newly allowed (denied today)'],
  ['decidedDifferently', 'Decided by a different policy, same verdict'],
  ['acceptedBreakages', 'Accepted breakages (--allow-breaking)'],
] as const;

export function formatText(report: ImpactReport): string {
  const t = report.totals;
  const lines = [
    `Rehearsal of ${[...report.changeSet.policies, ...report.changeSet.deletions.map((d) => `delete ${d}`)].join('; ')}`,
    report.range ? `Flows from ${iso(report.range.gte)} to ${iso(report.range.lt)}` : 'Flows: all given',
    `${t.flowsConsidered} flows considered, ${t.flowsReevaluated} re-evaluated (${t.flowsUnresolved} no longer resolvable)`,
    `${t.newlyDenied} newly denied, ${t.newlyAllowed} newly allowed, ${t.decidedDifferently} decided differently${t.acceptedBreakages ? `, ${t.acceptedBreakages} accepted breakages` : ''}`,
  ];
  for (const [field, title] of SECTIONS) {
    const groups = report[field];
    if (groups.length === 0) continue;
    lines.push('', `${title}:`);
    for (const g of groups) lines.push(`  ${groupLine(g)}`);
  }
  if (report.unexercisedRules.length > 0) {
    lines.push('', 'Rules no flow exercises:');
    for (const r of report.unexercisedRules) lines.push(`  ${r.policy} ${r.direction} rule ${r.ruleIndex} (${r.path})`);
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push('', report.semantics);
  return lines.join('\n');
}

const cell = (text: string | number) => String(text).replace(/\|/g, '\\|');

export function formatMarkdown(report: ImpactReport): string {
  const t = report.totals;
  const verdict =
    t.newlyDenied > 0
      ? `:x: **${t.newlyDenied} flow${t.newlyDenied === 1 ? '' : 's'} allowed today would be denied.**`
      : ':white_check_mark: **No flow allowed today would be denied.**';
  const lines = [
    '### Verdict rehearsal',
    '',
    verdict,
    '',
    '| | flows |',
    '| --- | ---: |',
    `| considered | ${t.flowsConsidered} |`,
    `| re-evaluated | ${t.flowsReevaluated} |`,
    `| newly denied | ${t.newlyDenied} |`,
    `| newly allowed | ${t.newlyAllowed} |`,
    `| decided by a different policy | ${t.decidedDifferently} |`,
  ];
  if (t.acceptedBreakages) lines.push(`| accepted breakages | ${t.acceptedBreakages} |`);
  lines.push(
    '',
    `Change: ${[...report.changeSet.policies.map((p) => `\`${p}\``), ...report.changeSet.deletions.map((d) => `delete \`${d}\``)].join(', ')}`,
  );
  if (report.range) lines.push(`Flows from ${iso(report.range.gte)} to ${iso(report.range.lt)}.`);
  for (const [field, title] of SECTIONS) {
    const groups = report[field];
    if (groups.length === 0) continue;
    lines.push(
      '',
      `#### ${title}`,
      '',
      '| endpoint | direction | peers | port | flows | connections | first seen | last seen | now decided by | was decided by |',
      '| --- | --- | --- | --- | ---: | ---: | --- | --- | --- | --- |',
    );
    for (const g of groups) {
      lines.push(
        `| ${cell(`${g.namespace}/${g.workload}`)} | ${g.direction} | ${cell(g.peers.join(', '))} | ${g.proto}/${g.port} | ${g.flows} | ${g.connections} | ${iso(g.firstSeen)} | ${iso(g.lastSeen)} | ${cell(describeDecision(g.decidedBy))} | ${cell(describeDecision(g.previouslyDecidedBy))} |`,
      );
    }
  }
  if (report.unexercisedRules.length > 0) {
    lines.push('', '<details><summary>Rules no flow exercises</summary>', '');
    for (const r of report.unexercisedRules)
      lines.push(`- \`${r.policy}\` ${r.direction} rule ${r.ruleIndex} (\`${r.path}\`)`);
    lines.push('', '</details>');
  }
  for (const warning of report.warnings) lines.push('', `> :warning: ${warning}`);
  lines.push('', `<sub>${report.semantics}</sub>`);
  return lines.join('\n');
}
