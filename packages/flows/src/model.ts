// The Goldmane flow model (reference calico-observability §2.2, §3.3), in plain TypeScript.
import type { PolicyHit } from '@verdict/engine';

export type EndpointType = 'WorkloadEndpoint' | 'HostEndpoint' | 'NetworkSet' | 'Network';
export type Reporter = 'Src' | 'Dst';
export type FlowAction = 'Allow' | 'Deny' | 'Pass';

export interface PolicyTrace {
  enforced: readonly PolicyHit[];
  pending: readonly PolicyHit[];
}

/** Every field is part of the identity, including the whole trace. */
export interface FlowKey {
  sourceName: string;
  /** "-" when not namespaced. */
  sourceNamespace: string;
  sourceType: EndpointType;
  destName: string;
  destNamespace: string;
  destType: EndpointType;
  destPort: number;
  /** "-" when none. */
  destServiceName: string;
  destServiceNamespace: string;
  destServicePortName: string;
  /** 0 when none. */
  destServicePort: number;
  /** `tcp`, `udp`, `icmp`, `icmp6`, `sctp`, … or the protocol number as a string. */
  proto: string;
  reporter: Reporter;
  action: FlowAction;
  policies: PolicyTrace;
}

export interface Flow {
  key: FlowKey;
  /** Unix seconds. */
  startTime: number;
  endTime: number;
  /** Sorted `k=v` strings. */
  sourceLabels: readonly string[];
  destLabels: readonly string[];
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  numConnectionsStarted: number;
  numConnectionsCompleted: number;
  numConnectionsLive: number;
  /** Source addresses seen; absent when the source reported none (Goldmane and Felix flows carry none). */
  sourceIps?: IpSet;
  /** Destination addresses seen; absent when none were reported. */
  destIps?: IpSet;
}

/** Distinct addresses of one side of a flow: sorted, at most `MAX_FLOW_IPS`, `beyond` counting those not kept. */
export interface IpSet {
  ips: readonly string[];
  beyond: number;
}

/** A stored, aggregated flow with its opaque id (1:1 with the key). */
export interface FlowResult {
  id: number;
  flow: Flow;
  /** The Kubernetes cluster (`--cluster-name`) that reported the flow; every store sets it. */
  cluster?: string;
}

/** One end of a raw flow: a pod by name, or a bare IP resolved against the cluster state. */
export type EndpointRef = { namespace: string; name: string } | { ip: string };

/**
 * A flow observation without traces, as the demo generator, NDJSON files and other
 * non-Calico sources produce it. Enrichment resolves endpoints and evaluates policy.
 */
export interface RawFlow {
  source: EndpointRef;
  destination: EndpointRef;
  /** Post-DNAT destination port. */
  destPort: number;
  sourcePort?: number;
  /** Name (`TCP`, `udp`) or number. */
  protocol: string | number;
  /** Unix seconds. */
  startTime: number;
  /** The service the client addressed, when known. */
  destService?: { namespace: string; name: string; portName: string; port: number };
  packetsIn?: number;
  packetsOut?: number;
  bytesIn?: number;
  bytesOut?: number;
  connectionsStarted?: number;
  connectionsCompleted?: number;
  connectionsLive?: number;
}
