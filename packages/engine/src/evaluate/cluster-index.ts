// The indexes evaluation needs: entities by id, IP → owner, CIDR → network sets, service
// endpoints, and a memo of "does selector S match entity E" shared by every rule and policy.
import type { ClusterState, Namespace, Pod, Service, ServiceAccount } from '../model.ts';
import { type Cidr, type Ip, parseIp } from '../net/ip.ts';
import type { Selector, SelectorNode } from '../selector/index.ts';
import type { PeerTest, ProfileTable } from './decide.ts';
import { type Entity, type EntityContext, hostEndpointEntity, networkSetEntity, podEntity } from './entities.ts';
import type { EndpointInfo } from './types.ts';

/** What an IP is, as far as rule selectors are concerned (reference §6.2 "belongs to"). */
export interface IpIdentity {
  readonly ip: Ip;
  /** `ip.family`, read here on the hot path without touching `ip`. */
  readonly family: 4 | 6;
  /** The owner's entity id when the owner is a policy endpoint, else -1 (its epoch, compile.ts). */
  readonly endpointId: number;
  /** The address as written. */
  readonly text: string;
  /** The pod or host endpoint that owns the IP. */
  readonly owner: Entity | undefined;
  /** Network sets whose CIDRs contain the IP. */
  readonly networkSets: readonly Entity[];
  /**
   * A number for flat cache keys, unique among identities of the same `era`: serials restart when
   * they reach 2^30 and the era moves on, so a cache keyed by serials serves only the current era.
   */
  readonly serial: number;
  readonly era: number;
  /** Memo: how flow logs show the address (resolve.ts). */
  info: EndpointInfo | undefined;
  /**
   * Memo (decide.ts), for an endpoint's primary address: the decision table its egress and ingress
   * read, null when its rules need the full walk. Dropped when the endpoint's policies change.
   */
  egressTable: ProfileTable | null | undefined;
  ingressTable: ProfileTable | null | undefined;
  /** The tables' ids (0: not looked up yet, -1: none) and peer tests, read on every flow. */
  egressTableId: number;
  ingressTableId: number;
  egressTests: readonly PeerTest[] | undefined;
  ingressTests: readonly PeerTest[] | undefined;
}

const SERIAL_LIMIT = 2 ** 30;
let serials = 0;
let era = 0;

/** The era of identities made now (see `IpIdentity.serial`). */
export const currentEra = (): number => era;

export function makeIdentity(
  ip: Ip,
  text: string,
  owner: Entity | undefined,
  networkSets: readonly Entity[],
): IpIdentity {
  if (++serials >= SERIAL_LIMIT) {
    serials = 1;
    era++;
  }
  return {
    ip,
    family: ip.family,
    endpointId: owner?.isEndpoint ? owner.id : -1,
    text,
    owner,
    networkSets,
    serial: serials,
    era,
    info: undefined,
    egressTable: undefined,
    ingressTable: undefined,
    egressTableId: 0,
    ingressTableId: 0,
    egressTests: undefined,
    ingressTests: undefined,
  };
}

/** A selector compiled once, with a per-entity memo: 0 unknown, 1 no, 2 yes. */
export interface MemoSelector {
  readonly selector: Selector;
  memo: Uint8Array;
}

const IDENTITY_CACHE_LIMIT = 200_000;
const RELEASE_BATCH = 1024;

export class ClusterIndex {
  readonly entities: (Entity | undefined)[] = [];
  /** namespace → pod name → pod; two levels so lookups need no string building. */
  private readonly podsByNamespace = new Map<string, Map<string, Entity>>();
  /** Pod name → a pod of that name (names repeat across namespaces): one lookup on the hot path. */
  private readonly podsByName = new Map<string, Entity>();
  readonly hostEndpointsByName = new Map<string, Entity>();
  private readonly owners = new Map<string, Entity>();
  private readonly v4Sets = new Map<number, Map<number, Entity[]>>();
  private readonly v6Sets = new Map<number, Map<bigint, Entity[]>>();
  private readonly identities = new Map<string, IpIdentity>();
  /** Per entity id: the identity of its first IP. Cleared with `identities`. */
  private readonly selectors = new Map<string, MemoSelector>();
  /**
   * Selection identities: every label key some interned selector reads. Endpoints of the same kind
   * and namespace that agree on these keys (and on their profiles) match exactly the same
   * selectors, so they share one identity and the policy lists compiled for it.
   */
  private readonly selectedKeys = new Set<string>();
  private selectedKeyList: string[] = [];
  /**
   * Bumped whenever an endpoint reference could resolve differently than before (a pod added or
   * removed, an address's owner or network sets changed, cached identities dropped), so holders of
   * a resolved identity know when to resolve again.
   */
  resolution = 0;
  /** Bumped when a selector reads a new key: every identity is recomputed, and its lists dropped. */
  identityVersion = 0;
  private readonly identityIds = new Map<string, number>();
  /** Per entity id: its identity, valid while `identityVersions` matches `identityVersion`. */
  private entityIdentities: number[] = [];
  private identityVersions: number[] = [];
  /** Ids of removed entities whose memo entries are cleared, ready for reuse. */
  private freeIds: number[] = [];
  /** Ids of removed entities not yet cleared from the memos (cleared in bulk, see releaseIds). */
  private releasedIds: number[] = [];
  /** `namespace/name` → (ip|protocol|port) tuples of the service's endpoints. */
  private readonly serviceTuples = new Map<string, Set<string>>();
  private readonly serviceIps = new Map<string, Set<string>>();
  /** Services with EndpointSlices (their endpoints do not follow pods). */
  private readonly sliced = new Set<string>();
  /** Services without slices that select pods, by namespace: re-indexed when a pod there changes. */
  private readonly selectingServices = new Map<string, Service[]>();
  private readonly context: EntityContext;

  constructor(state: ClusterState) {
    this.context = {
      namespaces: new Map(state.namespaces.map((ns): [string, Namespace] => [ns.name, ns])),
      serviceAccounts: new Map(
        state.serviceAccounts.map((sa): [string, ServiceAccount] => [`${sa.namespace}/${sa.name}`, sa]),
      ),
    };
    for (const pod of state.pods) if (!pod.hostNetwork) this.addEntity((id) => podEntity(id, pod, this.context));
    for (const hep of state.hostEndpoints) this.addEntity((id) => hostEndpointEntity(id, hep));
    for (const set of state.networkSets) this.addEntity((id) => networkSetEntity(id, set, this.context));
    this.indexServices(state);
  }

  pod(namespace: string, name: string): Entity | undefined {
    const byName = this.podsByName.get(name);
    if (byName !== undefined && byName.namespace === namespace) return byName;
    return this.podsByNamespace.get(namespace)?.get(name);
  }

  get namespaces(): ReadonlyMap<string, Namespace> {
    return this.context.namespaces;
  }

  /** Interns a selector by its canonical form so its memo is shared. */
  memoSelector(selector: Selector): MemoSelector {
    let entry = this.selectors.get(selector.canonical);
    if (!entry) {
      entry = { selector, memo: new Uint8Array(this.entities.length + 64) };
      this.selectors.set(selector.canonical, entry);
      this.noteKeys(selector.ast);
    }
    return entry;
  }

  /** The selection identity of an endpoint (a small integer, see `selectedKeys`). */
  identityOf(entity: Entity): number {
    const id = entity.id;
    if (this.identityVersions[id] === this.identityVersion) return this.entityIdentities[id] as number;
    let key = `${entity.kind}\u0000${entity.namespace ?? ''}\u0000${entity.profiles.join('\u0001')}`;
    for (const label of this.selectedKeyList) {
      const value = entity.labels.get(label);
      key += value === undefined ? '\u0000' : `\u0000=${value}`;
    }
    let identity = this.identityIds.get(key);
    if (identity === undefined) this.identityIds.set(key, (identity = this.identityIds.size));
    setDense(this.entityIdentities, id, identity);
    setDense(this.identityVersions, id, this.identityVersion);
    return identity;
  }

  private noteKeys(node: SelectorNode): void {
    switch (node.kind) {
      case 'not':
        this.noteKeys(node.operand);
        return;
      case 'and':
      case 'or':
        for (const operand of node.operands) this.noteKeys(operand);
        return;
      case 'all':
      case 'global':
        return;
      default:
        if (this.selectedKeys.has(node.key)) return;
        this.selectedKeys.add(node.key);
        this.selectedKeyList = [...this.selectedKeys];
        this.identityVersion++;
        this.identityIds.clear();
    }
  }

  matches(entry: MemoSelector, entity: Entity): boolean {
    let memo = entry.memo;
    if (entity.id >= memo.length) {
      const grown = new Uint8Array(Math.max(entity.id + 64, memo.length * 2));
      grown.set(memo);
      entry.memo = memo = grown;
    }
    const known = memo[entity.id];
    if (known) return known === 2;
    const result = entry.selector.matches(entity.labels);
    memo[entity.id] = result ? 2 : 1;
    return result;
  }

  /** True when the IP belongs to something the selector matches: its owner or a containing network set. */
  ipMatches(entry: MemoSelector, identity: IpIdentity): boolean {
    if (identity.owner && this.matches(entry, identity.owner)) return true;
    for (const set of identity.networkSets) if (this.matches(entry, set)) return true;
    return false;
  }

  /** The identity of an endpoint's first IP, with the endpoint as owner. */
  primaryIdentity(entity: Entity): IpIdentity | undefined {
    let identity = entity.primary;
    if (identity) return identity;
    const text = entity.pod?.ips[0] ?? entity.hostEndpoint?.expectedIPs[0];
    const found = text === undefined ? undefined : this.identify(text);
    if (!found) return undefined;
    identity = found.owner === entity ? found : makeIdentity(found.ip, found.text, entity, found.networkSets);
    entity.primary = identity;
    return identity;
  }

  identify(ipText: string): IpIdentity | undefined {
    let identity = this.identities.get(ipText);
    if (identity) return identity;
    const ip = parseIp(ipText);
    if (!ip) return undefined;
    identity = makeIdentity(ip, ipText, this.owners.get(ipText), this.containingSets(ip));
    if (this.identities.size >= IDENTITY_CACHE_LIMIT) this.forgetIdentities();
    this.identities.set(ipText, identity);
    return identity;
  }

  serviceHasTuple(serviceKey: string, ip: string, protocol: number, port: number): boolean {
    return this.serviceTuples.get(serviceKey)?.has(`${ip}|${protocol}|${port}`) ?? false;
  }

  serviceHasIp(serviceKey: string, ip: string): boolean {
    return this.serviceIps.get(serviceKey)?.has(ip) ?? false;
  }

  /**
   * Replaces or adds a pod; the cost grows with the pods and services of its namespace only.
   * Returns the removed entity (if any) and the new one (none for host-network pods).
   */
  upsertPod(pod: Pod): { removed: Entity | undefined; added: Entity | undefined } {
    const removed = this.detachPod(pod.namespace, pod.name);
    const added = pod.hostNetwork ? undefined : this.addEntity((id) => podEntity(id, pod, this.context));
    this.forgetIps(pod.ips);
    this.indexNamespaceServices(pod.namespace);
    return { removed, added };
  }

  removePod(namespace: string, name: string): Entity | undefined {
    const removed = this.detachPod(namespace, name);
    if (removed) this.indexNamespaceServices(namespace);
    return removed;
  }

  /** Endpoints (pods and host endpoints) a policy in `namespace` (undefined: global) could select. */
  *endpointsIn(namespace: string | undefined): Iterable<Entity> {
    if (namespace !== undefined) {
      yield* this.podsByNamespace.get(namespace)?.values() ?? [];
      return;
    }
    for (const entity of this.entities) if (entity?.isEndpoint) yield entity;
  }

  private detachPod(namespace: string, name: string): Entity | undefined {
    const old = this.pod(namespace, name);
    if (!old) return undefined;
    this.resolution++;
    this.entities[old.id] = undefined;
    this.podsByNamespace.get(namespace)?.delete(name);
    if (this.podsByName.get(name) === old) this.podsByName.delete(name);
    const ips = old.pod?.ips ?? [];
    for (const ip of ips) if (this.owners.get(ip) === old) this.owners.delete(ip);
    this.forgetIps(ips);
    old.primary = undefined;
    this.releasedIds.push(old.id);
    if (this.releasedIds.length >= Math.max(RELEASE_BATCH, this.entities.length / 4)) this.releaseIds();
    return old;
  }

  /**
   * Makes removed entities' ids reusable. Clearing one id in every selector's memo costs as much
   * as clearing all of them, so released ids wait and every memo is reset at once (they refill on
   * demand); per removed pod that is a few bytes per selector.
   */
  private releaseIds(): void {
    for (const entry of this.selectors.values()) entry.memo.fill(0);
    this.freeIds = this.freeIds.concat(this.releasedIds);
    this.releasedIds = [];
  }

  /** Drops the cached identities of these addresses (their owner changed). */
  private forgetIps(ips: readonly string[]): void {
    this.resolution++;
    for (const ip of ips) this.identities.delete(ip);
  }

  private forgetIdentities(): void {
    this.resolution++;
    this.identities.clear();
    for (const entity of this.entities) if (entity) entity.primary = undefined;
  }

  private addEntity(make: (id: number) => Entity): Entity {
    const entity = make(this.freeIds.pop() ?? this.entities.length);
    this.resolution++;
    this.entities[entity.id] = entity;
    setDense(this.identityVersions, entity.id, -1);
    if (entity.kind === 'pod') {
      const namespace = entity.namespace ?? '';
      const pods = this.podsByNamespace.get(namespace) ?? new Map<string, Entity>();
      this.podsByNamespace.set(namespace, pods);
      pods.set(entity.name, entity);
      if (!this.podsByName.has(entity.name)) this.podsByName.set(entity.name, entity);
    }
    if (entity.kind === 'hostEndpoint') this.hostEndpointsByName.set(entity.name, entity);
    for (const ip of entity.pod?.ips ?? entity.hostEndpoint?.expectedIPs ?? []) this.owners.set(ip, entity);
    for (const cidr of entity.nets) this.addCidr(cidr, entity);
    if (entity.nets.length > 0) this.forgetIdentities();
    return entity;
  }

  private addCidr(cidr: Cidr, set: Entity): void {
    if (cidr.family === 4) {
      const byNetwork = this.v4Sets.get(cidr.prefix) ?? new Map<number, Entity[]>();
      this.v4Sets.set(cidr.prefix, byNetwork);
      byNetwork.set(cidr.network, [...(byNetwork.get(cidr.network) ?? []), set]);
    } else {
      const byNetwork = this.v6Sets.get(cidr.prefix) ?? new Map<bigint, Entity[]>();
      this.v6Sets.set(cidr.prefix, byNetwork);
      byNetwork.set(cidr.network, [...(byNetwork.get(cidr.network) ?? []), set]);
    }
  }

  private containingSets(ip: Ip): Entity[] {
    const found = new Set<Entity>();
    if (ip.family === 4) {
      for (const [prefix, byNetwork] of this.v4Sets) {
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        for (const set of byNetwork.get((ip.value & mask) >>> 0) ?? []) found.add(set);
      }
    } else {
      for (const [prefix, byNetwork] of this.v6Sets) {
        const shift = BigInt(128 - prefix);
        for (const set of byNetwork.get((ip.value >> shift) << shift) ?? []) found.add(set);
      }
    }
    return [...found];
  }

  /** Service endpoints from EndpointSlices, or from the selector's pods when a service has no slice. */
  private indexServices(state: ClusterState): void {
    for (const slice of state.endpointSlices) {
      const key = `${slice.namespace}/${slice.serviceName}`;
      this.sliced.add(key);
      for (const ip of slice.addresses) {
        this.addServiceIp(key, ip);
        for (const port of slice.ports)
          if (port.port !== undefined) this.addServiceTuple(key, ip, port.protocol, port.port);
      }
    }
    for (const service of state.services) {
      if (this.sliced.has(`${service.namespace}/${service.name}`) || !service.selector) continue;
      const services = this.selectingServices.get(service.namespace) ?? [];
      services.push(service);
      this.selectingServices.set(service.namespace, services);
    }
    for (const namespace of this.selectingServices.keys()) this.indexNamespaceServices(namespace);
  }

  /** Re-derives the endpoints of the selector services of one namespace from its pods. */
  private indexNamespaceServices(namespace: string): void {
    const services = this.selectingServices.get(namespace);
    if (!services) return;
    for (const service of services) {
      const key = `${service.namespace}/${service.name}`;
      this.serviceIps.delete(key);
      this.serviceTuples.delete(key);
    }
    for (const service of services) {
      const key = `${service.namespace}/${service.name}`;
      for (const entity of this.podsByNamespace.get(namespace)?.values() ?? []) {
        const pod = entity.pod;
        if (!pod || pod.namespace !== namespace || !selects(service, pod)) continue;
        for (const ip of pod.ips) {
          this.addServiceIp(key, ip);
          for (const port of service.ports) {
            const target = resolveTargetPort(port.targetPort, port.protocol, pod);
            if (target !== undefined) this.addServiceTuple(key, ip, port.protocol, target);
          }
        }
      }
    }
  }

  private addServiceIp(key: string, ip: string): void {
    const ips = this.serviceIps.get(key) ?? new Set();
    ips.add(ip);
    this.serviceIps.set(key, ips);
  }

  private addServiceTuple(key: string, ip: string, protocol: number, port: number): void {
    const tuples = this.serviceTuples.get(key) ?? new Set();
    tuples.add(`${ip}|${protocol}|${port}`);
    this.serviceTuples.set(key, tuples);
  }
}

function selects(service: Service, pod: Pod): boolean {
  const selector = service.selector ?? {};
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((key) => pod.labels[key] === selector[key]);
}

export function resolveTargetPort(target: number | string, protocol: number, pod: Pod): number | undefined {
  if (typeof target === 'number') return target;
  return pod.ports.find((port) => port.name === target && port.protocol === protocol)?.port;
}

/**
 * Sets `array[at]`, first filling any gap with undefined: an array written far past its end turns
 * into a slow dictionary, and these arrays are indexed by entity id in any order.
 */
export function setDense<T>(array: (T | undefined)[], at: number, value: T | undefined): void {
  while (array.length < at) array.push(undefined);
  array[at] = value;
}
