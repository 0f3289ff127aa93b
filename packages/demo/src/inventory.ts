// Test fixture: the pods, services, endpoint slices and host endpoints of the demo manifests,
// read with a minimal reader of our own so that the generator's tests do not depend on the
// engine's loader. It reads only the fields the generator uses and trusts the input.
import type { EndpointSlice, HostEndpoint, Labels, NamedPort, Pod, Service } from '@verdict/engine';
import { parseAllDocuments } from 'yaml';
import { demoClusterFiles } from './files.ts';
import type { TrafficCluster } from './traffic.ts';

const PROTOCOLS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, SCTP: 132 };

// biome-ignore lint/suspicious/noExplicitAny: a fixture reading known manifests
type Doc = any;

/** Every document of the demo manifests, parsed, with its file. */
export function demoDocuments(): { file: string; doc: Doc }[] {
  return demoClusterFiles().flatMap(({ file, text }) =>
    parseAllDocuments(text).map((d) => ({ file, doc: d.toJS() as Doc })),
  );
}

export function demoInventory(): TrafficCluster & { endpointSlices: EndpointSlice[] } {
  const docs = demoDocuments().map((d) => d.doc);
  const of = (kind: string) => docs.filter((d) => d?.kind === kind);
  const labels = (d: Doc): Labels => d.metadata.labels ?? {};
  const pods = of('Pod').map(
    (d): Pod => ({
      namespace: d.metadata.namespace,
      name: d.metadata.name,
      labels: labels(d),
      ips: (d.status.podIPs ?? []).map((p: Doc) => p.ip),
      serviceAccount: d.spec.serviceAccountName ?? 'default',
      ports: d.spec.containers.flatMap((c: Doc) =>
        (c.ports ?? [])
          .filter((p: Doc) => p.name !== undefined)
          .map(
            (p: Doc): NamedPort => ({
              name: p.name,
              protocol: PROTOCOLS[p.protocol ?? 'TCP'] ?? 6,
              port: p.containerPort,
            }),
          ),
      ),
      nodeName: d.spec.nodeName,
      hostNetwork: d.spec.hostNetwork === true,
    }),
  );
  const services = of('Service').map(
    (d): Service => ({
      namespace: d.metadata.namespace,
      name: d.metadata.name,
      clusterIPs: d.spec.clusterIPs ?? [d.spec.clusterIP],
      ...(d.spec.selector === undefined ? {} : { selector: d.spec.selector }),
      ports: d.spec.ports.map((p: Doc) => ({
        name: p.name ?? '',
        protocol: PROTOCOLS[p.protocol ?? 'TCP'] ?? 6,
        port: p.port,
        targetPort: p.targetPort ?? p.port,
      })),
    }),
  );
  const endpointSlices = of('EndpointSlice').map(
    (d): EndpointSlice => ({
      namespace: d.metadata.namespace,
      name: d.metadata.name,
      serviceName: d.metadata.labels['kubernetes.io/service-name'],
      addresses: d.endpoints.flatMap((e: Doc) => e.addresses),
      ports: d.ports.map((p: Doc) => ({ name: p.name, protocol: PROTOCOLS[p.protocol ?? 'TCP'] ?? 6, port: p.port })),
    }),
  );
  const hostEndpoints = of('HostEndpoint').map(
    (d): HostEndpoint => ({
      name: d.metadata.name,
      node: d.spec.node,
      labels: labels(d),
      interfaceName: d.spec.interfaceName ?? '',
      expectedIPs: d.spec.expectedIPs ?? [],
      profiles: d.spec.profiles ?? [],
      ports: (d.spec.ports ?? []).map((p: Doc) => ({
        name: p.name,
        protocol: PROTOCOLS[p.protocol] ?? 6,
        port: p.port,
      })),
    }),
  );
  return { pods, services, endpointSlices, hostEndpoints };
}
