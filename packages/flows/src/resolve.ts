// Resolving a stored (aggregated) flow back to a concrete flow query against the current cluster
// state: a pod of the workload, an address in the network set, a sample public or private address.
import type { ClusterState, EndpointRef, Evaluator, FlowQuery, Pod, Result } from '@verdict/engine';
import { err, ok, sampleAddresses } from '@verdict/engine';
import type { FlowKey } from './model.ts';

export interface ResolveError {
  message: string;
  /** `source` or `destination`, or the query field the evaluator rejected. */
  path: string;
}

/** Addresses tried, in order, for the `pub` / `pvt` networks (documentation and RFC 1918 space first). */
const SAMPLE_IPS: Readonly<Record<string, readonly string[]>> = {
  pub: ['203.0.113.10', '198.51.100.10', '192.0.2.10', '8.8.8.8', '1.1.1.1', '2001:db8::10'],
  pvt: ['10.255.255.254', '192.168.255.254', '172.31.255.254', '10.0.0.1', '172.16.0.1', '192.168.0.1'],
};

const podIndex = new WeakMap<ClusterState, Map<string, Pod[]>>();

/** Pods with an address in a namespace; indexed once per cluster state (a state is never mutated). */
function podsIn(state: ClusterState, namespace: string): readonly Pod[] {
  let byNamespace = podIndex.get(state);
  if (!byNamespace) {
    byNamespace = new Map();
    for (const pod of state.pods) {
      if (pod.ips.length === 0) continue;
      const list = byNamespace.get(pod.namespace);
      if (list) list.push(pod);
      else byNamespace.set(pod.namespace, [pod]);
    }
    podIndex.set(state, byNamespace);
  }
  return byNamespace.get(namespace) ?? [];
}

/** An endpoint the cluster state resolves to what the flow log shows, or undefined. */
function representative(evaluator: Evaluator, type: string, namespace: string, name: string): EndpointRef | undefined {
  const state = evaluator.state;
  const shows = (ref: EndpointRef) => {
    const info = evaluator.endpoint(ref);
    return info !== undefined && info.type === type && info.aggregatedName === name && info.namespace === namespace;
  };
  const firstShowing = (refs: Iterable<EndpointRef>) => {
    for (const ref of refs) if (shows(ref)) return ref;
    return undefined;
  };
  switch (type) {
    case 'WorkloadEndpoint':
      return firstShowing(podsIn(state, namespace).map((p) => ({ namespace: p.namespace, name: p.name })));
    case 'HostEndpoint':
      return firstShowing(state.hostEndpoints.map((h) => ({ hostEndpoint: h.name })));
    case 'NetworkSet':
      return firstShowing(
        state.networkSets
          .filter((s) => s.name === name && (s.namespace ?? '-') === namespace)
          .flatMap((s) => s.nets.flatMap(sampleAddresses))
          .map((ip) => ({ ip })),
      );
    default:
      return firstShowing((SAMPLE_IPS[name] ?? []).map((ip) => ({ ip })));
  }
}

/** The concrete query a stored flow key stands for, or why there is none in the current cluster. */
export function representativeQuery(evaluator: Evaluator, key: FlowKey): Result<FlowQuery, ResolveError> {
  const source = representative(evaluator, key.sourceType, key.sourceNamespace, key.sourceName);
  if (!source) {
    return err({
      path: 'source',
      message: `source ${key.sourceType} ${key.sourceNamespace}/${key.sourceName} is no longer in the cluster state`,
    });
  }
  const destination = representative(evaluator, key.destType, key.destNamespace, key.destName);
  if (!destination) {
    return err({
      path: 'destination',
      message: `destination ${key.destType} ${key.destNamespace}/${key.destName} is no longer in the cluster state`,
    });
  }
  return ok({ source, destination, protocol: key.proto, destPort: key.destPort });
}
