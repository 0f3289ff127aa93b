// Watch events → what changes: the object to keep, the engine update, the change-log entry.
// Pure: the caller owns the object cache and the engine, and applies what this returns.

import {
  type CalicoVersion,
  type ClusterState,
  type Issue,
  type LoadOptions,
  loadObjects,
  type Pod,
  type PolicyKind,
  type PolicySpec,
} from '@verdict/engine';
import type { PolicyChangeInput } from '@verdict/flows';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { WatchedKind } from './kinds.ts';

/** A Kubernetes object as it comes off the wire. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

/** How an event reaches the engine. */
export type EngineUpdate =
  | { type: 'none' }
  | { type: 'pod'; namespace: string; name: string; pod: Pod | undefined }
  | { type: 'policy'; kind: PolicyKind; namespace: string | undefined; name: string; spec: PolicySpec | undefined }
  /** Namespaces, services, tiers, network sets...: the engine's index is rebuilt from the cached objects. */
  | { type: 'rebuild' };

export interface Reduced {
  /** The object to keep in the cache; undefined to forget it. */
  next: KubeObject | undefined;
  update: EngineUpdate;
  /** For policies, tiers and network sets whose content changed. */
  change: PolicyChangeInput | undefined;
  /** What the object contributes to the cluster state; undefined when deleted, not converted or in error. */
  state: ClusterState | undefined;
  /** Problems converting the object (it is then left out of the engine). */
  issues: Issue[];
}

export interface ReduceContext {
  watched: WatchedKind;
  /** The apiVersion the kind is read from (`crd.projectcalico.org/v1` for Calico CRDs). */
  apiVersion: string;
  /** Unix milliseconds, for the change log. */
  time: number;
  source?: string;
  /** The Calico release reproduced (which kinds are enforced); default the newest. */
  calicoVersion?: CalicoVersion;
}

/** The apiVersion the engine's loader reads a kind in: Calico CRD objects are read as projectcalico.org/v3. */
export function loaderApiVersion(apiVersion: string): string {
  return apiVersion === 'crd.projectcalico.org/v1' ? 'projectcalico.org/v3' : apiVersion;
}

/** The engine's policy kind for a watched policy kind. */
export function policyKindOf(watched: WatchedKind): PolicyKind | undefined {
  return watched.policyKind;
}

/** The kind recorded in the change log: the engine's policy kind, else the resource kind. */
export function changeKindOf(watched: WatchedKind): string {
  return policyKindOf(watched) ?? watched.kind;
}

/** The object as the engine's loader reads it, one object at a time. */
export function convertObject(object: KubeObject, watched: WatchedKind, apiVersion: string, options: LoadOptions = {}) {
  return loadObjects(
    [{ ...object, kind: watched.kind, apiVersion: loaderApiVersion(apiVersion) }],
    watched.kind,
    options,
  );
}

/** Name, namespace, labels and annotations (without kubectl's last-applied copy), then every other top-level field but status. */
export function readableView(object: KubeObject | undefined): unknown {
  if (!object) return null;
  const { metadata = {}, status: _status, apiVersion, kind, ...rest } = object;
  const annotations = { ...(metadata.annotations ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return {
    ...(apiVersion ? { apiVersion } : {}),
    ...(kind ? { kind } : {}),
    metadata: {
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      ...(metadata.labels && Object.keys(metadata.labels).length > 0 ? { labels: metadata.labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    ...rest,
  };
}

/** A unified diff of two readable views as YAML. */
export function readableDiff(label: string, before: unknown, after: unknown): string {
  const text = (value: unknown) => (value === null ? '' : stringify(value, { sortMapEntries: false }));
  return createTwoFilesPatch(`${label} (before)`, `${label} (after)`, text(before), text(after), undefined, undefined, {
    context: 3,
  });
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Applies one watch event to the object previously cached under the same namespace and name. */
export function reduceWatchEvent(previous: KubeObject | undefined, event: WatchEvent, context: ReduceContext): Reduced {
  const { watched } = context;
  const meta = event.object.metadata ?? {};
  const name = meta.name ?? '';
  const namespace = watched.namespaced ? (meta.namespace ?? '') : '';
  const deleted = event.type === 'DELETED';
  const next = deleted ? undefined : event.object;
  if (!deleted && previous && previous.metadata?.resourceVersion === meta.resourceVersion && meta.resourceVersion) {
    return { next: previous, update: { type: 'none' }, change: undefined, state: undefined, issues: [] };
  }
  if (deleted && !previous)
    return { next: undefined, update: { type: 'none' }, change: undefined, state: undefined, issues: [] };

  const logged = watched.role === 'policy' || watched.role === 'tier' || watched.role === 'networkSet';
  // Only logged kinds need the readable views (pods are most events and are not logged).
  const before = logged ? readableView(previous) : undefined;
  const after = logged ? readableView(next) : undefined;
  const change: PolicyChangeInput | undefined =
    logged && !sameJson(before, after)
      ? {
          time: context.time,
          op: deleted ? 'deleted' : previous ? 'modified' : 'added',
          kind: changeKindOf(watched),
          namespace,
          name,
          resourceVersion: meta.resourceVersion ?? '',
          source: context.source ?? 'watch',
          before,
          after,
          diff: readableDiff(`${changeKindOf(watched)} ${namespace ? `${namespace}/` : ''}${name}`, before, after),
        }
      : undefined;

  let issues: Issue[] = [];
  let state: ClusterState | undefined;
  const convert = () => {
    if (!next) return undefined;
    const loaded = convertObject(
      next,
      watched,
      context.apiVersion,
      context.calicoVersion ? { calicoVersion: context.calicoVersion } : {},
    );
    issues = loaded.issues.filter((issue) => issue.severity === 'error');
    state = issues.length > 0 ? undefined : loaded.state;
    return state;
  };

  switch (watched.role) {
    case 'pod': {
      const pod = convert()?.pods[0];
      return { next, update: { type: 'pod', namespace, name, pod }, change, state, issues };
    }
    case 'policy': {
      const kind = policyKindOf(watched);
      if (!kind) {
        const unsupported: Issue = {
          code: 'unknown-kind',
          severity: 'warning',
          message: `${watched.kind} is recorded in the change log but not evaluated by this engine`,
          file: watched.kind,
          line: 0,
          column: 0,
          path: '',
        };
        return { next, update: { type: 'none' }, change, state: undefined, issues: [unsupported] };
      }
      const spec = convert()?.policies[0];
      return {
        next,
        update: { type: 'policy', kind, namespace: watched.namespaced ? namespace : undefined, name, spec },
        change,
        state,
        issues,
      };
    }
    case 'inventory':
      return { next, update: { type: 'none' }, change, state: undefined, issues };
    default: {
      const content = (o: KubeObject) => ({ ...o, metadata: { labels: o.metadata?.labels ?? {} }, status: undefined });
      const changedForEngine = !previous || !next || !sameJson(content(previous), content(next));
      if (next) convert();
      return { next, update: changedForEngine ? { type: 'rebuild' } : { type: 'none' }, change, state, issues };
    }
  }
}
