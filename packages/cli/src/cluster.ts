// Reads cluster manifests from files and folders and loads them with the engine.
import { MissingPath, readManifestFiles } from '@verdict/cluster';
import {
  type CalicoVersion,
  type ClusterState,
  type EndpointRef,
  type Issue,
  loadResources,
  type SourceText,
} from '@verdict/engine';
import { UsageError } from './usage.ts';

/** Every manifest file under the given paths. */
export function readSources(paths: readonly string[]): SourceText[] {
  try {
    return readManifestFiles(paths);
  } catch (error) {
    if (error instanceof MissingPath) throw new UsageError(`--cluster: ${error.message}`);
    throw error;
  }
}

export function formatIssue(issue: Issue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return `${where}: ${issue.severity} [${issue.code}]${issue.path ? ` at ${issue.path}` : ''}: ${issue.message}`;
}

/** Loads the cluster; errors in manifests are printed to stderr and the rest still loads. */
export function loadCluster(
  paths: readonly string[],
  stderr: (line: string) => void,
  calicoVersion?: CalicoVersion,
): ClusterState {
  if (paths.length === 0) throw new UsageError('--cluster: give at least one manifest file or folder');
  const { state, issues } = loadResources(readSources(paths), calicoVersion ? { calicoVersion } : {});
  for (const issue of issues) if (issue.severity === 'error' || LOUD.has(issue.code)) stderr(formatIssue(issue));
  return state;
}

/** Warnings printed with the errors: a policy the Calico version ignores, a rule Calico cannot convert. */
const LOUD: ReadonlySet<string> = new Set(['not-enforced', 'unsupported-peer']);

/** `namespace/pod`, `hep:<name>` or an IP address. */
export function parseEndpoint(text: string, option: string): EndpointRef {
  if (text.startsWith('hep:')) return { hostEndpoint: text.slice(4) };
  if (/^[0-9.]+$/.test(text) || text.includes(':')) return { ip: text };
  const [namespace, name, extra] = text.split('/');
  if (!namespace || !name || extra !== undefined) {
    throw new UsageError(`${option}: expected <namespace>/<pod>, hep:<host endpoint> or an IP address, got "${text}"`);
  }
  return { namespace, name };
}
