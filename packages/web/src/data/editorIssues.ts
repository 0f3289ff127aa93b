// Verdict's coded issues as CodeMirror lint diagnostics (positions in the editor's document).
import type { Diagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import type { ApiIssue } from '../api/types.ts';
import { issuePathMessage } from './changeSet.ts';

/** Lint diagnostics for the issues that have a line in `doc`: from the issue's column to the end of its line. */
export function issueDiagnostics(issues: readonly ApiIssue[], doc: Text): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    if (issue.line < 1 || issue.line > doc.lines) continue;
    const line = doc.line(issue.line);
    const from = line.from + Math.min(Math.max(issue.column - 1, 0), line.length);
    out.push({
      from: from === line.to && line.length > 0 ? line.from : from,
      to: line.to,
      severity: issue.severity === 'error' ? 'error' : 'warning',
      source: issue.code,
      message: issuePathMessage(issue),
    });
  }
  return out;
}
