// The rollout report as one self-contained, print-ready HTML page: no scripts, no external assets;
// charts are inline SVG.
import type { CoverageReport } from './coverage.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const isoTime = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
/** 60 → "minute", 300 → "5 minutes", 3600 → "hour", 86400 → "day". */
function bucketText(seconds: number): string {
  const [unit, size] =
    seconds % 86_400 === 0 ? ['day', 86_400] : seconds % 3600 === 0 ? ['hour', 3600] : ['minute', 60];
  const n = Math.round(seconds / size);
  return n === 1 ? unit : `${n} ${unit}s`;
}
const percent = (part: number, whole: number) => (whole === 0 ? '—' : `${Math.round((part / whole) * 100)}%`);

function barChart(rows: readonly { label: string; values: readonly [number, number, number] }[]): string {
  const width = 640;
  const row = 22;
  const labelWidth = 150;
  const barWidth = (width - labelWidth - 20) / 3;
  const colors = ['#2563eb', '#7c3aed', '#059669'];
  const bars = rows
    .map((r, i) => {
      const y = 30 + i * row;
      const cells = r.values
        .map((v, j) => {
          const x = labelWidth + j * barWidth;
          return `<rect x="${x}" y="${y}" width="${(barWidth - 8) * v}" height="14" fill="${colors[j]}"/><text x="${x + (barWidth - 8) * v + 3}" y="${y + 11}" font-size="10">${Math.round(v * 100)}%</text>`;
        })
        .join('');
      return `<text x="0" y="${y + 11}" font-size="11">${escapeHtml(r.label)}</text>${cells}`;
    })
    .join('');
  const heads = ['isolated ingress', 'isolated egress', 'decided by policy']
    .map((h, j) => `<text x="${labelWidth + j * barWidth}" y="16" font-size="11" font-weight="bold">${h}</text>`)
    .join('');
  return `<svg role="img" aria-label="Isolation per namespace" width="${width}" height="${40 + rows.length * row}" xmlns="http://www.w3.org/2000/svg">${heads}${bars}</svg>`;
}

function trendChart(report: CoverageReport): string {
  const points = report.trend;
  if (points.length === 0) return '<p>No flows in the history.</p>';
  const width = 640;
  const height = 160;
  const first = points[0]?.time ?? 0;
  const last = points[points.length - 1]?.time ?? first;
  const x = (t: number) => 40 + (last === first ? 0 : ((t - first) / (last - first)) * (width - 60));
  const y = (share: number) => 10 + (1 - share) * (height - 40);
  const line = points
    .map((p) => `${x(p.time).toFixed(1)},${y(p.flows === 0 ? 0 : p.decidedByPolicy / p.flows).toFixed(1)}`)
    .join(' ');
  const dots = points
    .map(
      (p) =>
        `<circle cx="${x(p.time).toFixed(1)}" cy="${y(p.flows === 0 ? 0 : p.decidedByPolicy / p.flows).toFixed(1)}" r="2.5" fill="#059669"/>`,
    )
    .join('');
  const axis = `<line x1="40" y1="${y(0)}" x2="${width - 20}" y2="${y(0)}" stroke="#999"/><text x="0" y="${y(1) + 4}" font-size="10">100%</text><text x="0" y="${y(0) + 4}" font-size="10">0%</text><text x="40" y="${height - 8}" font-size="10">${new Date(first * 1000).toISOString().slice(0, 16)}Z</text><text x="${width - 150}" y="${height - 8}" font-size="10">${new Date(last * 1000).toISOString().slice(0, 16)}Z</text>`;
  return `<svg role="img" aria-label="Share of flows decided by explicit policy over time" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${axis}<polyline points="${line}" fill="none" stroke="#059669" stroke-width="2"/>${dots}</svg>`;
}

/** The report page; `generatedAt` is Unix seconds. */
export function coverageHtml(report: CoverageReport, options: { title?: string; generatedAt: number }): string {
  const title = options.title ?? 'Network policy rollout report';
  const c = report.cluster;
  const rows = report.namespaces
    .filter((n) => n.workloads > 0)
    .map((n) => ({
      label: n.namespace,
      values: [
        n.isolatedIngress / n.workloads,
        n.isolatedEgress / n.workloads,
        n.flows === 0 ? 0 : n.decidedByPolicy / n.flows,
      ] as [number, number, number],
    }));
  const namespaceTable = report.namespaces
    .map(
      (n) =>
        `<tr><td>${escapeHtml(n.namespace)}</td><td>${n.workloads}</td><td>${percent(n.isolatedIngress, n.workloads)}</td><td>${percent(n.isolatedEgress, n.workloads)}</td><td>${percent(n.decidedByPolicy, n.flows)} of ${n.flows}</td></tr>`,
    )
    .join('');
  const isolation = (isolated: boolean, since: number | null, policies: readonly string[]) =>
    isolated
      ? `isolated ${since === null ? (report.changeLog ? 'before the change log' : '') : `since ${isoTime(since)}`}<br><small>by ${policies.map(escapeHtml).join(', ')}</small>`
      : '<strong>open</strong>';
  const workloadTable = report.workloads
    .map(
      (w) =>
        `<tr><td>${escapeHtml(w.namespace)}</td><td>${escapeHtml(w.workload)}</td><td>${isolation(w.ingress, w.ingressSince, w.ingressPolicies)}</td><td>${isolation(w.egress, w.egressSince, w.egressPolicies)}</td></tr>`,
    )
    .join('');
  const changeSection = !report.changeLog
    ? "<p>Since when each workload is isolated and which policies changed come from the live cluster's change log; this report was made without one.</p>"
    : report.changes.length === 0
      ? '<p>The change log holds no policy changes.</p>'
      : `<p>${report.changes.length} policy changes since ${isoTime(report.changeLogSince ?? 0)}, newest first.</p><table><thead><tr><th>time (UTC)</th><th>change</th><th>policy</th><th>isolates today</th></tr></thead><tbody>${report.changes
          .map(
            (c) =>
              `<tr><td>${isoTime(c.time)}</td><td>${c.operation}</td><td>${escapeHtml(`${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`)}</td><td>${c.isolates === 1 ? '1 workload' : `${c.isolates} workloads`}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const stagedList = report.staged.length
    ? report.staged
        .map(
          (s) =>
            `<li><strong>${escapeHtml(s.kind)} ${escapeHtml(s.namespace ? `${s.namespace}/` : '')}${escapeHtml(s.name)}</strong> (tier ${escapeHtml(s.tier)}): would deny ${s.wouldDeny} flow records allowed today${s.examples.length ? `, e.g. ${s.examples.map(escapeHtml).join('; ')}` : ''}</li>`,
        )
        .join('')
    : '<li>None.</li>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:13px/1.45 system-ui,sans-serif;color:#111;margin:2rem auto;max-width:900px;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}
th{background:#f3f4f6}.kpi{display:flex;gap:1rem}.kpi div{border:1px solid #ddd;padding:.5rem 1rem;border-radius:4px}
.kpi b{display:block;font-size:1.4rem}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>Generated ${new Date(options.generatedAt * 1000).toISOString()} by Verdict from the cluster's policies as compiled now and ${c.flows} stored flow records.</p>
<div class="kpi">
<div><b>${percent(c.isolatedIngress, c.workloads)}</b>workloads isolated for ingress (${c.isolatedIngress} of ${c.workloads})</div>
<div><b>${percent(c.isolatedEgress, c.workloads)}</b>isolated for egress (${c.isolatedEgress} of ${c.workloads})</div>
<div><b>${percent(c.decidedByPolicy, c.flows)}</b>flows decided by explicit policy</div>
</div>
<h2>Per namespace</h2>
${barChart(rows)}
<table><thead><tr><th>namespace</th><th>workloads</th><th>isolated ingress</th><th>isolated egress</th><th>decided by policy</th></tr></thead><tbody>${namespaceTable}</tbody></table>
<h2>Trend: flows decided by explicit policy (per ${bucketText(report.bucketSeconds)})</h2>
${trendChart(report)}
<h2>Staged policies waiting to be enforced</h2>
<ul>${stagedList}</ul>
<h2>Workloads</h2>
<p>A workload is isolated in a direction when an enforced policy in a tier that denies by default selects every one of its pods. Since: the policies isolating it have stood unchanged since then, per the change log.</p>
<table><thead><tr><th>namespace</th><th>workload</th><th>ingress</th><th>egress</th></tr></thead><tbody>${workloadTable}</tbody></table>
<h2>Policy changes</h2>
${changeSection}
</body></html>
`;
}
