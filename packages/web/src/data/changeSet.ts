// The change-set editor's pure parts: the example, the time ranges, issue → line annotations and
// the sessionStorage codecs (the editor draft, and policies staged from the Recommend page).
import type { ApiIssue, PolicyKey } from '../api/types.ts';

/** A default-deny for `payments`: its workloads have only Kubernetes policies, so live traffic breaks. */
export const EXAMPLE_CHANGE_SET = `# A change set: staged policies to rehearse against recorded flows.
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: application.default-deny
  namespace: payments
spec:
  tier: application
  order: 1
  selector: all()
  types:
    - Ingress
`;

export interface RangeOption {
  /** Negative seconds relative to now. */
  start: number;
  label: string;
}

export const REHEARSE_RANGES: readonly RangeOption[] = [
  { start: -900, label: 'Last 15 minutes' },
  { start: -3600, label: 'Last hour' },
  { start: -86_400, label: 'Last 24 hours' },
  { start: -604_800, label: 'Last 7 days' },
];

export const DEFAULT_REHEARSE_START = -3600;

/** `?start=-900` → -900; anything that is not one of the offered ranges → the default. */
export function parseRangeStart(search: string, fallback = DEFAULT_REHEARSE_START): number {
  const raw = new URLSearchParams(search).get('start');
  const n = Number(raw);
  return raw !== null && REHEARSE_RANGES.some((r) => r.start === n) ? n : fallback;
}

export interface LineAnnotation {
  severity: 'error' | 'warning';
  messages: string[];
}

export interface Annotations {
  /** 1-based line → what is wrong there (errors win over warnings). */
  byLine: ReadonlyMap<number, LineAnnotation>;
  /** Issues without a usable line (0, or past the end of the text). */
  unpositioned: readonly ApiIssue[];
}

/** Places each issue on its line; several issues on one line keep their order. */
export function annotate(issues: readonly ApiIssue[], lineCount: number): Annotations {
  const byLine = new Map<number, LineAnnotation>();
  const unpositioned: ApiIssue[] = [];
  for (const issue of sortIssues(issues)) {
    if (issue.line < 1 || issue.line > lineCount) {
      unpositioned.push(issue);
      continue;
    }
    const at = byLine.get(issue.line);
    const message = issuePathMessage(issue);
    if (!at) byLine.set(issue.line, { severity: issue.severity, messages: [message] });
    else {
      if (!at.messages.includes(message)) at.messages.push(message);
      if (issue.severity === 'error') at.severity = 'error';
    }
  }
  return { byLine, unpositioned };
}

/** Errors first, then by line and column. */
export function sortIssues(issues: readonly ApiIssue[]): ApiIssue[] {
  const rank = (i: ApiIssue) => (i.severity === 'error' ? 0 : 1);
  return [...issues].sort((a, b) => rank(a) - rank(b) || a.line - b.line || a.column - b.column);
}

/** "spec.selector: invalid selector …", or the message alone when the issue has no path. */
export function issuePathMessage(issue: ApiIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** "line 8, column 19" / "line 8" / "" for an issue in the list of all issues. */
export function issuePosition(issue: ApiIssue): string {
  if (issue.line < 1) return '';
  return issue.column > 0 ? `line ${issue.line}, column ${issue.column}` : `line ${issue.line}`;
}

// sessionStorage codecs. Both are versioned JSON; anything unreadable decodes to "nothing stored".

export const DRAFT_STORAGE_KEY = 'verdict-rehearse-draft';

export interface ChangeSetDraft {
  changeSet: string;
  /** Where the text came from when it was not typed, e.g. "the recommendation for shop (calico)". */
  origin?: string;
}

export function encodeDraft(draft: ChangeSetDraft): string {
  return JSON.stringify({ v: 1, ...draft });
}

export function decodeDraft(raw: string | null): ChangeSetDraft | null {
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { v, changeSet, origin } = parsed as Record<string, unknown>;
  if (v !== 1 || typeof changeSet !== 'string') return null;
  return typeof origin === 'string' && origin ? { changeSet, origin } : { changeSet };
}

export const STAGED_STORAGE_KEY = 'verdict-staged-policies';

export function encodeStaged(policies: readonly PolicyKey[]): string {
  return JSON.stringify({ v: 1, policies });
}

export function decodeStaged(raw: string | null): PolicyKey[] {
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as { v?: unknown; policies?: unknown };
    if (parsed.v !== 1 || !Array.isArray(parsed.policies)) return [];
    return parsed.policies.filter(
      (p): p is PolicyKey =>
        typeof p === 'object' &&
        p !== null &&
        typeof p.kind === 'string' &&
        typeof p.namespace === 'string' &&
        typeof p.name === 'string' &&
        p.kind !== '' &&
        p.name !== '',
    );
  } catch {
    return [];
  }
}
