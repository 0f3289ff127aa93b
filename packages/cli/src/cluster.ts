// Reads cluster manifests from files and folders and loads them with the engine.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { type ClusterState, type EndpointRef, type Issue, loadResources, type SourceText } from '@verdict/engine';
import { UsageError } from './usage.ts';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Every manifest file under the given paths, folders walked recursively in name order. */
export function readSources(paths: readonly string[]): SourceText[] {
  const sources: SourceText[] = [];
  const visit = (path: string, explicit: boolean) => {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch {
      throw new UsageError(`--cluster: ${path} does not exist`);
    }
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry), false);
    } else if (explicit || MANIFEST_EXTENSIONS.has(extname(path))) {
      sources.push({ file: relative(process.cwd(), path) || path, text: readFileSync(path, 'utf8') });
    }
  };
  for (const path of paths) visit(path, true);
  return sources;
}

export function formatIssue(issue: Issue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return `${where}: ${issue.severity} [${issue.code}]${issue.path ? ` at ${issue.path}` : ''}: ${issue.message}`;
}

/** Loads the cluster; errors in manifests are printed to stderr and the rest still loads. */
export function loadCluster(paths: readonly string[], stderr: (line: string) => void): ClusterState {
  if (paths.length === 0) throw new UsageError('--cluster: give at least one manifest file or folder');
  const { state, issues } = loadResources(readSources(paths));
  for (const issue of issues) if (issue.severity === 'error') stderr(formatIssue(issue));
  return state;
}

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
