// Where `verdict serve` gets its cluster state: manifest files, a live API server, or the embedded
// demo (with its policy changes over time). One shape for all three.
import { demoClusterFiles } from '@verdict/demo';
import {
  type CalicoVersion,
  type ClusterState,
  createEvaluator,
  DEFAULT_CALICO_VERSION,
  type Evaluator,
  type Issue,
  loadResources,
} from '@verdict/engine';
import type { PolicyChangeInput } from '@verdict/flows';
import { createDemoChanges } from './demo.ts';
import { readManifestFiles } from './files.ts';
import { type ClusterStatus, type LiveClusterOptions, loadKubeConfig, startLiveCluster } from './live.ts';

export type ClusterSourceConfig =
  | { kind: 'demo' }
  | { kind: 'files'; paths: readonly string[] }
  | { kind: 'kubernetes'; kubeconfig?: string; context?: string; inCluster?: boolean };

export interface SourceStatus extends Omit<ClusterStatus, 'source'> {
  source: 'kubernetes' | 'files' | 'demo';
}

export interface ClusterSource {
  evaluator(): Evaluator;
  /** The state as loaded at start (files, demo) or an empty one (live). */
  readonly initial: ClusterState;
  /** Manifest problems (files, demo). */
  readonly issues: readonly Issue[];
  status(): SourceStatus;
  close(): Promise<void>;
}

export interface ClusterSourceOptions {
  calicoVersion?: CalicoVersion;
  onChanges?: (changes: PolicyChangeInput[]) => void;
  log?: LiveClusterOptions['log'];
  /** Live cluster only: what the first complete list showed, for the change log. */
  onFirstSync?: LiveClusterOptions['onFirstSync'];
  /** Live cluster only: every watch event, for metrics. */
  onEvent?: LiveClusterOptions['onEvent'];
  /** Demo only: minutes between policy edits (default 3), and how many are backfilled at start (default 3). */
  demoEditMinutes?: number;
  demoBackfill?: number;
}

/** Opens the source; for a live cluster, resolves after discovery (watch `status().ready` for the first sync). */
export async function startClusterSource(
  config: ClusterSourceConfig,
  options: ClusterSourceOptions = {},
): Promise<ClusterSource> {
  const version = options.calicoVersion ? { calicoVersion: options.calicoVersion } : {};
  if (config.kind === 'kubernetes') {
    const kubeConfig = loadKubeConfig({
      ...(config.kubeconfig ? { file: config.kubeconfig } : {}),
      ...(config.context ? { context: config.context } : {}),
      ...(config.inCluster ? { inCluster: true } : {}),
    });
    const live = await startLiveCluster({
      kubeConfig,
      ...version,
      ...(options.onChanges ? { onChanges: options.onChanges } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.onFirstSync ? { onFirstSync: options.onFirstSync } : {}),
    });
    return {
      evaluator: () => live.evaluator(),
      initial: live.evaluator().state,
      issues: [],
      status: () => live.status(),
      close: () => live.close(),
    };
  }
  const sources = config.kind === 'demo' ? demoClusterFiles() : readManifestFiles(config.paths);
  const { state, issues } = loadResources(sources, version);
  const evaluator = createEvaluator(state);
  let timer: NodeJS.Timeout | undefined;
  if (config.kind === 'demo' && options.onChanges) {
    const record = options.onChanges;
    const demo = createDemoChanges(() => evaluator);
    const minutes = options.demoEditMinutes ?? 3;
    const backfill = options.demoBackfill ?? 3;
    const past: PolicyChangeInput[] = [];
    for (let i = backfill; i > 0; i--) {
      const change = demo.next(Date.now() - i * minutes * 60_000);
      if (change) past.push(change);
    }
    if (past.length > 0) record(past);
    timer = setInterval(() => {
      const change = demo.next(Date.now());
      if (change) record([change]);
    }, minutes * 60_000);
    timer.unref();
  }
  const paths = config.kind === 'files' ? config.paths.join(', ') : 'embedded demo';
  return {
    evaluator: () => evaluator,
    initial: state,
    issues,
    status: () => ({
      source: config.kind,
      server: paths,
      ready: true,
      kinds: [],
      warnings: [],
      lagMs: 0,
      calico: options.calicoVersion
        ? { version: options.calicoVersion, from: 'flag' }
        : { version: DEFAULT_CALICO_VERSION, from: 'default' },
    }),
    async close() {
      if (timer) clearInterval(timer);
    },
  };
}
