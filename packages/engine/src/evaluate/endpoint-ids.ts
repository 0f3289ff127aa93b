// Interned endpoint references. A caller that sees the same endpoints again and again (the flow
// pipeline) interns each reference once and evaluates by small integers, so resolving an end is
// an array read. A resolved end is kept with the index's resolution generation, so after a pod
// change every id resolves again on its next use and never names a pod that is gone.
import type { IpIdentity } from './cluster-index.ts';
import type { CompiledCluster } from './compile.ts';
import { resolveEndpoint } from './resolve.ts';
import type { EndpointRef } from './types.ts';

export class EndpointIds {
  private readonly byKey = new Map<string, number>();
  private readonly refs: EndpointRef[] = [];
  /**
   * Per id, side by side so one read finds both: at `2 * id` its identity (undefined when it did
   * not resolve), at `2 * id + 1` the resolution generation it was resolved at.
   */
  private readonly resolved: (IpIdentity | number | undefined)[] = [];

  /** The id of a reference: equal references get the same id; ids are never reused. */
  intern(ref: EndpointRef): number {
    const key = keyOf(ref);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.refs.length;
      this.byKey.set(key, id);
      this.refs.push(copyOf(ref));
      this.resolved.push(undefined, -1);
    }
    return id;
  }

  /** The reference an id stands for; undefined for numbers `intern` did not give. */
  ref(id: number): EndpointRef | undefined {
    return this.refs[id];
  }

  /**
   * The id's identity as `resolveEndpoint` gives it without a family (a pod's primary address);
   * undefined when the id is unknown or its reference does not resolve now.
   */
  identity(cluster: CompiledCluster, id: number): IpIdentity | undefined {
    const generation = cluster.index.resolution;
    const at = id * 2;
    if (this.resolved[at + 1] === generation) return this.resolved[at] as IpIdentity | undefined;
    const ref = this.refs[id];
    if (ref === undefined) return undefined;
    const resolved = resolveEndpoint(cluster, ref, 'source', undefined);
    const identity = 'code' in resolved ? undefined : resolved;
    this.resolved[at] = identity;
    this.resolved[at + 1] = generation;
    return identity;
  }
}

/** Unambiguous for any field values, and apart for `5` and `'5'` (which resolve differently). */
function keyOf(ref: EndpointRef): string {
  const { ip, namespace, name, hostEndpoint } = ref as Partial<Record<string, unknown>>;
  if (ip !== undefined) return JSON.stringify(['ip', ip]);
  if (hostEndpoint !== undefined) return JSON.stringify(['hep', hostEndpoint]);
  return JSON.stringify(['pod', typeof namespace, namespace ?? null, typeof name, name ?? null]);
}

/** A copy holding only the fields resolution reads, so a caller's later edits cannot change an id. */
function copyOf(ref: EndpointRef): EndpointRef {
  const { ip, namespace, name, hostEndpoint } = ref as Partial<Record<string, string>>;
  if (ip !== undefined) return { ip };
  if (hostEndpoint !== undefined) return { hostEndpoint };
  return { namespace: namespace as string, name: name as string };
}
