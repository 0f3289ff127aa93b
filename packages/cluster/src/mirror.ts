// The cluster as last seen on the watch: a cache of objects per kind, the engine kept current from
// it, and the change-log entries its events produce. Events are queued and applied in batches.
import {
  BUILTIN_TIERS,
  type CalicoVersion,
  type ClusterState,
  createEvaluator,
  type Evaluator,
  type Issue,
  type Namespace,
  specId,
  type Tier,
} from '@verdict/engine';
import type { PolicyChangeInput } from '@verdict/flows';
import { kindKey, type WatchedKind } from './kinds.ts';
import { type KubeObject, reduceWatchEvent, type WatchEvent } from './reduce.ts';

/**
 * The engine's single-object updates cost what the object touches (its namespace, the endpoints a
 * policy selects), so a batch is applied one object at a time unless it replaces a large part of
 * the cluster (an initial list, a relist): beyond this share of the cached objects, and at least
 * INCREMENTAL_MIN updates, one rebuild is cheaper.
 */
const REBUILD_SHARE = 0.25;
const INCREMENTAL_MIN = 256;

export interface MirrorBatch {
  /** Events applied in this batch. */
  events: number;
  /** Whether the engine's index was rebuilt (else updated one object at a time). */
  rebuilt: boolean;
  changes: PolicyChangeInput[];
  /** Conversion problems of objects in this batch, named by kind, namespace and name. */
  issues: { object: string; issue: Issue }[];
  /** Milliseconds from the oldest queued event to the batch being applied. */
  lag: number;
}

export interface ClusterMirror {
  /** The engine over the current cluster; replaced when the index is rebuilt. */
  evaluator(): Evaluator;
  /** Queues an event; `apiVersion` is the one the kind is read from. */
  push(watched: WatchedKind, apiVersion: string, event: WatchEvent): void;
  /** Applies every queued event. */
  flush(): MirrorBatch;
  /** Queued events not yet applied. */
  readonly pending: number;
  /** Objects cached per kind key. */
  counts(): Record<string, number>;
}

interface Cached {
  object: KubeObject;
  /** What the object contributes to the cluster state (empty when it did not convert). */
  state: ClusterState | undefined;
}

interface Queued {
  watched: WatchedKind;
  apiVersion: string;
  event: WatchEvent;
  at: number;
}

export interface MirrorOptions {
  /** Unix milliseconds; defaults to Date.now. */
  now?: () => number;
  /** The change-log source name of events; default `watch`. */
  source?: string;
  /** The Calico release the cluster runs, when known (it decides which admin-policy API is enforced). */
  calicoVersion?: CalicoVersion;
}

export function createClusterMirror(options: MirrorOptions = {}): ClusterMirror {
  const now = options.now ?? Date.now;
  const cache = new Map<string, Map<string, Cached>>();
  let queue: Queued[] = [];
  /** Policies the watch put into the engine; others (applied through the API) survive rebuilds. */
  const watchedPolicies = new Set<string>();
  let engine = createEvaluator({
    ...assemble(),
    ...(options.calicoVersion ? { calicoVersion: options.calicoVersion } : {}),
  });

  function objectsOf(watched: WatchedKind): Map<string, Cached> {
    const key = kindKey(watched);
    let objects = cache.get(key);
    if (!objects) cache.set(key, (objects = new Map()));
    return objects;
  }

  /** The cluster state of every cached object, plus policies applied other than by the watch. */
  function assemble(): ClusterState {
    const namespaces = new Map<string, Namespace>();
    const implicit = new Map<string, Namespace>();
    const tiers = new Map<string, Tier>(BUILTIN_TIERS.map((tier) => [tier.name, tier]));
    const state = {
      pods: [] as ClusterState['pods'][number][],
      serviceAccounts: [] as ClusterState['serviceAccounts'][number][],
      services: [] as ClusterState['services'][number][],
      endpointSlices: [] as ClusterState['endpointSlices'][number][],
      networkSets: [] as ClusterState['networkSets'][number][],
      hostEndpoints: [] as ClusterState['hostEndpoints'][number][],
      policies: [] as ClusterState['policies'][number][],
    };
    watchedPolicies.clear();
    for (const objects of cache.values())
      for (const { state: part } of objects.values()) {
        if (!part) continue;
        for (const ns of part.namespaces) (ns.source ? namespaces : implicit).set(ns.name, ns);
        for (const tier of part.tiers) if (tier.source) tiers.set(tier.name, tier);
        state.pods.push(...part.pods);
        state.serviceAccounts.push(...part.serviceAccounts);
        state.services.push(...part.services);
        state.endpointSlices.push(...part.endpointSlices);
        state.networkSets.push(...part.networkSets);
        state.hostEndpoints.push(...part.hostEndpoints);
        for (const policy of part.policies) {
          state.policies.push(policy);
          watchedPolicies.add(specId(policy));
        }
      }
    for (const [name, ns] of implicit) if (!namespaces.has(name)) namespaces.set(name, ns);
    const version = options.calicoVersion ? { calicoVersion: options.calicoVersion } : {};
    return { ...state, namespaces: [...namespaces.values()], tiers: [...tiers.values()], ...version };
  }

  function rebuild(): void {
    const applied = engine.state.policies.filter((policy) => !watchedPolicies.has(specId(policy)));
    const state = assemble();
    engine = createEvaluator({
      ...state,
      policies: [...state.policies, ...applied],
      ...(options.calicoVersion ? { calicoVersion: options.calicoVersion } : {}),
    });
  }

  return {
    evaluator: () => engine,
    get pending() {
      return queue.length;
    },
    push(watched, apiVersion, event) {
      queue.push({ watched, apiVersion, event, at: now() });
    },
    counts() {
      return Object.fromEntries([...cache].map(([key, objects]) => [key, objects.size]));
    },
    flush() {
      const batch = queue;
      queue = [];
      const time = now();
      const result: MirrorBatch = { events: batch.length, rebuilt: false, changes: [], issues: [], lag: 0 };
      if (batch.length === 0) return result;
      result.lag = Math.max(0, time - batch[0]!.at);
      let needsRebuild = false;
      const updates: Exclude<ReturnType<typeof reduceWatchEvent>['update'], { type: 'none' | 'rebuild' }>[] = [];
      for (const { watched, apiVersion, event } of batch) {
        const objects = objectsOf(watched);
        const meta = event.object.metadata ?? {};
        const id = `${watched.namespaced ? (meta.namespace ?? '') : ''}/${meta.name ?? ''}`;
        const previous = objects.get(id);
        const reduced = reduceWatchEvent(previous?.object, event, {
          watched,
          apiVersion,
          time,
          ...(options.source ? { source: options.source } : {}),
          ...(options.calicoVersion ? { calicoVersion: options.calicoVersion } : {}),
        });
        if (reduced.change) result.changes.push(reduced.change);
        for (const issue of reduced.issues) result.issues.push({ object: `${kindKey(watched)} ${id}`, issue });
        if (reduced.next === previous?.object) continue;
        if (reduced.next) objects.set(id, { object: reduced.next, state: reduced.state });
        else objects.delete(id);
        if (reduced.update.type === 'rebuild') needsRebuild = true;
        else if (reduced.update.type !== 'none') updates.push(reduced.update);
      }
      let cached = 0;
      for (const objects of cache.values()) cached += objects.size;
      if (needsRebuild || updates.length > Math.max(INCREMENTAL_MIN, cached * REBUILD_SHARE)) {
        rebuild();
        result.rebuilt = true;
        return result;
      }
      for (const update of updates) {
        if (update.type === 'pod') {
          if (update.pod) engine.upsertPod(update.pod);
          else engine.removePod(update.namespace, update.name);
        } else if (update.spec) {
          engine.upsertPolicy(update.spec);
          watchedPolicies.add(specId(update.spec));
        } else {
          engine.removePolicy(update.kind, update.namespace, update.name);
        }
      }
      return result;
    },
  };
}
