// loadResources / loadObjects: text or objects → validated resources → ClusterState.

import {
  apiVersionOf,
  type CalicoVersion,
  DEFAULT_CALICO_VERSION,
  isEnforcedIn,
  POLICY_KINDS,
  type PolicyKind,
  policyKindInfo,
} from '../kinds.ts';
import type {
  ClusterState,
  EndpointSlice,
  HostEndpoint,
  Issue,
  Namespace,
  NetworkSet,
  Pod,
  PolicySpec,
  Service,
  ServiceAccount,
  SourceRef,
  Tier,
} from '../model.ts';
import { convertAdminPolicy } from './admin.ts';
import { convertCalicoPolicy } from './calico.ts';
import {
  convertEndpointSlice,
  convertHostEndpoint,
  convertNamespace,
  convertNetworkSet,
  convertPod,
  convertService,
  convertServiceAccount,
  convertTier,
  namespaceWithLabel,
} from './cluster.ts';
import { convertClusterNetworkPolicy } from './cnp.ts';
import { convertK8sPolicy } from './k8s.ts';
import type { RawResource } from './meta.ts';
import { isRecord, objAt } from './read.ts';
import type { Reporter } from './report.ts';
import { describe, reporter } from './report.ts';
import type { YamlLocator } from './source.ts';
import { NOWHERE, parseText } from './source.ts';
import { BUILTIN_TIERS, identity } from './state.ts';

export interface SourceText {
  file: string;
  text: string;
}

export interface LoadOptions {
  /**
   * The Calico release to reproduce: recorded in the state, and every policy of a kind it does not
   * enforce gets a 'not-enforced' warning. Absent = the newest.
   */
  calicoVersion?: CalicoVersion;
}

export interface LoadResult {
  state: ClusterState;
  issues: Issue[];
}

/**
 * Parses YAML or JSON (multi-document streams, `kind: List`, kubectl `{items: [...]}`), validates
 * every resource and converts policies to PolicySpec. A resource with an error is skipped whole;
 * the rest load. Never throws.
 */
export function loadResources(sources: readonly SourceText[], options: LoadOptions = {}): LoadResult {
  const loader = createLoader(options);
  for (const { file, text } of sources) {
    for (const doc of parseText(file, text, loader.issues)) loader.add(doc.value, doc.locator, file);
  }
  return loader.finish();
}

/** Same as loadResources for already-parsed objects (JSON test data); line numbers are 0. */
export function loadObjects(objects: readonly unknown[], file = '<objects>', options: LoadOptions = {}): LoadResult {
  const loader = createLoader(options);
  for (const value of objects) loader.add(value, NOWHERE, file);
  return loader.finish();
}

type Convert = (res: RawResource) => unknown;

interface KindHandler {
  apiVersions: readonly string[];
  convert: Convert;
  collect: (acc: Accumulator, value: never, r: Reporter) => void;
}

const CALICO = 'projectcalico.org/v3';

interface Entry<T> {
  value: T;
  source: SourceRef;
}

interface Accumulator {
  issues: Issue[];
  namespaces: Map<string, Entry<Namespace>>;
  pods: Map<string, Entry<Pod>>;
  serviceAccounts: Map<string, Entry<ServiceAccount>>;
  services: Map<string, Entry<Service>>;
  endpointSlices: Map<string, Entry<EndpointSlice>>;
  tiers: Map<string, Entry<Tier>>;
  networkSets: Map<string, Entry<NetworkSet>>;
  hostEndpoints: Map<string, Entry<HostEndpoint>>;
  policies: Map<string, Entry<PolicySpec>>;
  /** Where to report cross-resource problems of each policy. */
  policyReporters: Map<string, Reporter>;
  /** Namespaces that namespaced objects live in. */
  usedNamespaces: Set<string>;
}

type Keyed = { source?: SourceRef };

/** Adds `value` under `key`, warning ('duplicate') when the identity was already loaded; the last wins. */
function put<T extends Keyed>(map: Map<string, Entry<T>>, key: string, value: T, r: Reporter): void {
  const previous = map.get(key);
  if (previous) {
    const at = `${previous.source.file}:${previous.source.line}`;
    r.warn('duplicate', ['metadata', 'name'], `defined more than once (also at ${at}); the last definition wins`);
    map.delete(key);
  }
  map.set(key, { value, source: value.source ?? { file: '', line: 0 } });
}

const collectNamed =
  <T extends Keyed & { name: string }>(pick: (acc: Accumulator) => Map<string, Entry<T>>) =>
  (acc: Accumulator, value: T, r: Reporter) =>
    put(pick(acc), value.name, value, r);

const collectNamespaced =
  <T extends Keyed & { namespace?: string; name: string }>(pick: (acc: Accumulator) => Map<string, Entry<T>>) =>
  (acc: Accumulator, value: T, r: Reporter) => {
    if (value.namespace !== undefined) acc.usedNamespaces.add(value.namespace);
    put(pick(acc), identity.namespaced(value), value, r);
  };

const collectPolicy = (acc: Accumulator, value: PolicySpec, r: Reporter) => {
  if (value.namespace !== undefined) acc.usedNamespaces.add(value.namespace);
  const key = identity.policy(value);
  put(acc.policies, key, value, r);
  acc.policyReporters.set(key, r);
};

const handler = <T>(
  apiVersions: readonly string[],
  convert: (res: RawResource) => T | undefined,
  collect: (acc: Accumulator, value: T, r: Reporter) => void,
): KindHandler => ({
  apiVersions,
  convert,
  collect: collect as KindHandler['collect'],
});

const RESOURCE_HANDLERS: Readonly<Record<string, readonly KindHandler[]>> = {
  Namespace: [
    handler(
      ['v1'],
      convertNamespace,
      collectNamed((a) => a.namespaces),
    ),
  ],
  Pod: [
    handler(
      ['v1'],
      convertPod,
      collectNamespaced((a) => a.pods),
    ),
  ],
  ServiceAccount: [
    handler(
      ['v1'],
      convertServiceAccount,
      collectNamespaced((a) => a.serviceAccounts),
    ),
  ],
  Service: [
    handler(
      ['v1'],
      convertService,
      collectNamespaced((a) => a.services),
    ),
  ],
  EndpointSlice: [
    handler(
      ['discovery.k8s.io/v1'],
      convertEndpointSlice,
      collectNamespaced((a) => a.endpointSlices),
    ),
  ],
  Tier: [
    handler(
      [CALICO],
      convertTier,
      collectNamed((a) => a.tiers),
    ),
  ],
  NetworkSet: [
    handler(
      [CALICO],
      (res) => convertNetworkSet(res, false),
      collectNamespaced((a) => a.networkSets),
    ),
  ],
  GlobalNetworkSet: [
    handler(
      [CALICO],
      (res) => convertNetworkSet(res, true),
      collectNamespaced((a) => a.networkSets),
    ),
  ],
  HostEndpoint: [
    handler(
      [CALICO],
      convertHostEndpoint,
      collectNamed((a) => a.hostEndpoints),
    ),
  ],
};

/** How each policy kind converts; its manifest kind and apiVersion come from the catalogue. */
const POLICY_CONVERTERS: Readonly<Record<PolicyKind, (res: RawResource) => PolicySpec | undefined>> = {
  NetworkPolicy: (res) => convertCalicoPolicy(res, 'NetworkPolicy'),
  GlobalNetworkPolicy: (res) => convertCalicoPolicy(res, 'GlobalNetworkPolicy'),
  StagedNetworkPolicy: (res) => convertCalicoPolicy(res, 'StagedNetworkPolicy'),
  StagedGlobalNetworkPolicy: (res) => convertCalicoPolicy(res, 'StagedGlobalNetworkPolicy'),
  StagedKubernetesNetworkPolicy: (res) => convertK8sPolicy(res, true),
  KubernetesNetworkPolicy: (res) => convertK8sPolicy(res, false),
  AdminNetworkPolicy: (res) => convertAdminPolicy(res, false),
  BaselineAdminNetworkPolicy: (res) => convertAdminPolicy(res, true),
  ClusterNetworkPolicy: convertClusterNetworkPolicy,
};

/** Handlers by manifest kind: the resources above and every kind of the catalogue. */
const HANDLERS: Readonly<Record<string, readonly KindHandler[]>> = (() => {
  const out: Record<string, KindHandler[]> = {};
  for (const [kind, handlers] of Object.entries(RESOURCE_HANDLERS)) out[kind] = [...handlers];
  for (const kind of POLICY_KINDS) {
    const { manifestKind } = policyKindInfo(kind);
    (out[manifestKind] ??= []).push(handler([apiVersionOf(kind)], POLICY_CONVERTERS[kind], collectPolicy));
  }
  return out;
})();

interface Loader {
  issues: Issue[];
  add(value: unknown, locator: YamlLocator, file: string): void;
  finish(): LoadResult;
}

function createLoader(options: LoadOptions): Loader {
  const acc: Accumulator = {
    issues: [],
    namespaces: new Map(),
    pods: new Map(),
    serviceAccounts: new Map(),
    services: new Map(),
    endpointSlices: new Map(),
    tiers: new Map(),
    networkSets: new Map(),
    hostEndpoints: new Map(),
    policies: new Map(),
    policyReporters: new Map(),
    usedNamespaces: new Set(),
  };

  const addResource = (
    value: unknown,
    locator: YamlLocator,
    file: string,
    inherited?: { kind: string; apiVersion: string },
  ) => {
    const r = reporter(file, locator, acc.issues);
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) addResource(item, locator.child([i]), file, inherited);
      return;
    }
    if (!isRecord(value)) {
      r.error('not-an-object', [], `expected a Kubernetes resource object, got ${describe(value)}`);
      return;
    }
    const kind = typeof value.kind === 'string' ? value.kind : inherited?.kind;
    const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : inherited?.apiVersion;
    // `kind: List`, `kind: PodList` or kubectl's bare `{items: [...]}`.
    if (Array.isArray(value.items) && (kind === undefined || kind.endsWith('List'))) {
      const itemKind = kind && kind !== 'List' ? kind.slice(0, -'List'.length) : undefined;
      const inheritedByItems = itemKind && apiVersion ? { kind: itemKind, apiVersion } : undefined;
      for (const [i, item] of value.items.entries()) {
        addResource(item, locator.child(['items', i]), file, inheritedByItems);
      }
      return;
    }
    if (kind === undefined) {
      if (value.kind === undefined)
        r.error('missing-field', ['kind'], 'kind is required (e.g. NetworkPolicy, Pod, Namespace)');
      else r.error('wrong-type', ['kind'], `kind must be a string, got ${describe(value.kind)}`);
      return;
    }
    const handlers = HANDLERS[kind];
    if (!handlers) {
      r.warn(
        'unknown-kind',
        ['kind'],
        `${kind}${apiVersion ? ` (${apiVersion})` : ''} is not a kind Verdict uses; skipped`,
      );
      return;
    }
    let chosen: KindHandler | undefined;
    if (apiVersion === undefined) {
      if (handlers.length > 1) {
        r.error(
          'missing-field',
          ['apiVersion'],
          `apiVersion is required for ${kind}: ${handlers.map((h) => h.apiVersions.join(', ')).join(' or ')}`,
        );
        return;
      }
      chosen = handlers[0];
    } else {
      chosen = handlers.find((h) => h.apiVersions.includes(apiVersion));
      if (!chosen) {
        const expected = handlers.flatMap((h) => h.apiVersions).join(' or ');
        r.warn(
          'unknown-kind',
          ['apiVersion'],
          `${kind} in apiVersion ${apiVersion} is not supported (expected ${expected}); skipped`,
        );
        return;
      }
    }
    if (!chosen) return;
    const res: RawResource = {
      root: objAt(r, value, []),
      kind,
      apiVersion: apiVersion ?? chosen.apiVersions[0] ?? '',
      file,
      locator,
    };
    const converted = chosen.convert(res);
    if (converted === undefined || r.errors > 0) return;
    chosen.collect(acc, converted as never, r);
  };

  return {
    issues: acc.issues,
    add: (value, locator, file) => addResource(value, locator, file),
    finish: () => buildState(acc, options),
  };
}

function buildState(acc: Accumulator, options: LoadOptions): LoadResult {
  const version = options.calicoVersion ?? DEFAULT_CALICO_VERSION;
  const values = <T>(m: Map<string, Entry<T>>): T[] => [...m.values()].map((e) => e.value);
  const namespaces = values(acc.namespaces);
  for (const ns of [...acc.usedNamespaces].sort()) {
    if (!acc.namespaces.has(ns)) namespaces.push({ name: ns, labels: namespaceWithLabel(ns) });
  }
  const tiers = new Map<string, Tier>(BUILTIN_TIERS.map((t) => [t.name, t]));
  for (const t of values(acc.tiers)) tiers.set(t.name, t);

  const policies: PolicySpec[] = [];
  for (const [key, { value }] of acc.policies) {
    const r = acc.policyReporters.get(key);
    if (r && !tiers.has(value.tier)) {
      r.warn(
        'invalid-value',
        ['spec', 'tier'],
        `tier ${JSON.stringify(value.tier)} is not defined in the loaded resources or among the built-in tiers; define a Tier named ${value.tier}`,
      );
    }
    if (r && !isEnforcedIn(value.kind, version)) {
      const info = policyKindInfo(value.kind);
      const range = info.enforcedIn?.since ? `from ${info.enforcedIn.since}` : `up to ${info.enforcedIn?.until}`;
      r.warn(
        'not-enforced',
        ['kind'],
        `Calico ${version} does not enforce ${info.displayName} (${apiVersionOf(value.kind)}, enforced ${range}); it is loaded and shown but not evaluated`,
      );
    }
    policies.push(value);
  }
  return {
    state: {
      namespaces,
      pods: values(acc.pods),
      serviceAccounts: values(acc.serviceAccounts),
      services: values(acc.services),
      endpointSlices: values(acc.endpointSlices),
      tiers: [...tiers.values()],
      networkSets: values(acc.networkSets),
      hostEndpoints: values(acc.hostEndpoints),
      policies,
      ...(options.calicoVersion !== undefined ? { calicoVersion: options.calicoVersion } : {}),
    },
    issues: acc.issues,
  };
}
