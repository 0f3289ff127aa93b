// Change sets: YAML holding policies to add or modify (any kind, staged kinds included) and
// deletions (staged `stagedAction: Delete` policies, or a `PolicyDeletions` document).
import {
  err,
  type Issue,
  type IssueCode,
  isGlobalKind,
  isPolicyKind,
  loadResources,
  ok,
  POLICY_KINDS,
  POLICY_MANIFEST_KINDS,
  type PolicyKind,
  type PolicySpec,
  policyKindOfManifest,
  type Result,
  type SourceRef,
  type SourceText,
  yamlTooDeep,
} from '@verdict/engine';
import { LineCounter, parseAllDocuments } from 'yaml';

export const DELETIONS_API_VERSION = 'verdict.dev/v1alpha1';
export const DELETIONS_KIND = 'PolicyDeletions';

/** One policy the change removes from the cluster. */
export interface PolicyDeletion {
  kind: PolicyKind;
  /** Present for namespaced kinds. */
  namespace?: string;
  name: string;
  source?: SourceRef;
}

export interface ChangeSet {
  /** Policies to add or modify, as loaded (staged ones keep their staged kind and action). */
  policies: readonly PolicySpec[];
  /** Explicit deletions from `PolicyDeletions` documents. */
  deletions: readonly PolicyDeletion[];
  /** Problems that did not stop the change set from loading. */
  warnings: readonly Issue[];
}

/** `kind` values a deletion may name: manifest kinds (`NetworkPolicy` is Calico's unless apiVersion is networking.k8s.io/v1) and Verdict's own names. */
const DELETABLE_KINDS: ReadonlySet<string> = new Set([...POLICY_MANIFEST_KINDS, ...POLICY_KINDS]);

/**
 * Parses a change set. Policies go through the engine loader; every problem (YAML, policy
 * validation, deletions, resources that are not policies) comes back with file, line, column and
 * path. Fails when there is any error or when the change set changes nothing.
 */
export function parseChangeSet(sources: readonly SourceText[]): Result<ChangeSet, Issue[]> {
  const issues: Issue[] = [];
  const deletions: PolicyDeletion[] = [];
  const policySources: SourceText[] = [];
  for (const source of sources) {
    const split = splitSource(source, issues, deletions);
    if (split !== undefined) policySources.push(split);
  }
  const loaded = loadResources(policySources);
  issues.push(...loaded.issues);
  const errors = issues.filter((issue) => issue.severity === 'error');
  if (errors.length === 0 && loaded.state.policies.length === 0 && deletions.length === 0) {
    issues.push(issueAt(sources[0]?.file ?? '<change set>', 0, 0, '', 'missing-field', NOTHING));
  }
  if (issues.some((issue) => issue.severity === 'error')) return err(issues);
  return ok({ policies: loaded.state.policies, deletions, warnings: issues });
}

const NOTHING =
  'the change set holds no policies and no deletions: add policies (NetworkPolicy, StagedNetworkPolicy, …) or a PolicyDeletions document';

/**
 * Reads the PolicyDeletions documents of one source and checks that every other document is a
 * policy. Returns the source with the deletions documents blanked out (line numbers kept), for
 * the engine loader.
 */
function splitSource(source: SourceText, issues: Issue[], deletions: PolicyDeletion[]): SourceText | undefined {
  // Too deep to compose safely: the engine loader reports it with its position.
  if (yamlTooDeep(source.text)) return source;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source.text, { lineCounter });
  // YAML syntax errors are reported by the engine loader with the same positions.
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0)) return source;
  let text = source.text;
  for (const doc of docs) {
    let value: unknown;
    try {
      // The engine loader reads every document with the same alias limit and reports the failure.
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const record = value as Record<string, unknown>;
    const at = (path: readonly (string | number)[]) => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0] ?? (doc.contents as { range?: [number] } | null)?.range?.[0] ?? 0;
      const pos = lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    };
    const report = (path: readonly (string | number)[], code: IssueCode, message: string) => {
      const { line, column } = at(path);
      issues.push(issueAt(source.file, line, column, pathText(path), code, message));
    };
    if (record.kind === DELETIONS_KIND) {
      readDeletions(record, source.file, at, report, deletions);
      const [start = 0, , end = start] = (doc.contents as { range?: [number, number, number] } | null)?.range ?? [];
      // Blank the document so the engine loader does not warn about an unknown kind.
      text = text.slice(0, start) + text.slice(start, end).replace(/[^\n]/g, ' ') + text.slice(end);
      continue;
    }
    if (typeof record.kind === 'string' && !POLICY_MANIFEST_KINDS.has(record.kind) && !record.kind.endsWith('List')) {
      report(
        ['kind'],
        'unknown-kind',
        `a change set holds policies and deletions only, not ${record.kind}: apply cluster resources separately`,
      );
    }
  }
  return { file: source.file, text };
}

function readDeletions(
  record: Record<string, unknown>,
  file: string,
  at: (path: readonly (string | number)[]) => { line: number; column: number },
  report: (path: readonly (string | number)[], code: IssueCode, message: string) => void,
  out: PolicyDeletion[],
): void {
  if (record.apiVersion !== DELETIONS_API_VERSION) {
    report(['apiVersion'], 'invalid-value', `apiVersion of ${DELETIONS_KIND} must be ${DELETIONS_API_VERSION}`);
  }
  const list = record.deletions;
  if (!Array.isArray(list)) {
    report(['deletions'], 'missing-field', 'deletions must be a list of {kind, namespace?, name}');
    return;
  }
  list.forEach((item: unknown, i) => {
    const path = ['deletions', i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      report(path, 'not-an-object', 'expected {kind, namespace?, name}');
      return;
    }
    const entry = item as Record<string, unknown>;
    const kind = deletionKind(entry.kind, entry.apiVersion);
    if (kind === undefined) {
      report(
        [...path, 'kind'],
        typeof entry.kind === 'string' ? 'invalid-value' : 'missing-field',
        `kind must be one of ${[...DELETABLE_KINDS].join(', ')}, got ${JSON.stringify(entry.kind ?? null)}`,
      );
      return;
    }
    if (typeof entry.name !== 'string' || entry.name === '') {
      report([...path, 'name'], 'missing-field', 'name is required: the name of the policy to delete');
      return;
    }
    const global = isGlobalKind(kind);
    if (global && entry.namespace !== undefined) {
      report([...path, 'namespace'], 'invalid-value', `${kind} is not namespaced: remove namespace`);
      return;
    }
    if (!global && (typeof entry.namespace !== 'string' || entry.namespace === '')) {
      report([...path, 'namespace'], 'missing-field', `namespace is required for ${kind}`);
      return;
    }
    const deletion: PolicyDeletion = { kind, name: entry.name, source: { file, line: at(path).line } };
    if (!global) deletion.namespace = entry.namespace as string;
    out.push(deletion);
  });
}

function deletionKind(kind: unknown, apiVersion: unknown): PolicyKind | undefined {
  if (typeof kind !== 'string') return undefined;
  const byManifest = typeof apiVersion === 'string' ? policyKindOfManifest(kind, apiVersion) : undefined;
  return byManifest ?? (isPolicyKind(kind) ? kind : undefined);
}

function pathText(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function issueAt(file: string, line: number, column: number, path: string, code: IssueCode, message: string): Issue {
  return { code, severity: 'error', message, file, line, column, path };
}
