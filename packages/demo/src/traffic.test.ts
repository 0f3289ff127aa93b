import type { Pod } from '@verdict/engine';
import type { EndpointRef, RawFlow } from '@verdict/flows';
import { describe, expect, it } from 'vitest';
import { DEMO_CALL_GRAPH, SCAN_PORTS } from './callgraph.ts';
import { demoInventory } from './inventory.ts';
import { DEMO_STAGED_IMPACT, DEMO_SUSPICIOUS } from './suspicious.ts';
import { createTrafficGenerator, type TaggedFlow } from './traffic.ts';

const cluster = demoInventory();
const START = 1_767_225_600; // 2026-01-01T00:00:00Z
const MINUTE = 60;

function demoTraffic(seed = 7, minutes = 5): TaggedFlow[] {
  return createTrafficGenerator({ cluster, seed, now: START }).nextTagged(START + minutes * MINUTE);
}

const fiveMinutes = demoTraffic();
const flowsOf = (edge: string) => fiveMinutes.filter((t) => t.edge === edge).map((t) => t.flow);
const podByRef = (ref: EndpointRef): Pod | undefined =>
  'ip' in ref ? undefined : cluster.pods.find((p) => p.namespace === ref.namespace && p.name === ref.name);
const workloadOf = (ref: EndpointRef): string | undefined => {
  const pod = podByRef(ref);
  return pod && `${pod.namespace}/${pod.labels.app}`;
};

describe('createTrafficGenerator', () => {
  it('produces the same flows for the same seed', () => {
    expect(demoTraffic(42, 2)).toEqual(demoTraffic(42, 2));
    expect(demoTraffic(43, 2)).not.toEqual(demoTraffic(42, 2));
  });

  it('does not depend on how the time is split between calls', () => {
    const generator = createTrafficGenerator({ cluster, seed: 42, now: START });
    const pieces = [13, 60, 61, 119, 120].flatMap((s) => generator.next(START + s));
    const whole = createTrafficGenerator({ cluster, seed: 42, now: START }).next(START + 120);
    expect(pieces).toEqual(whole);
    expect(generator.now).toBe(START + 120);
  });

  it('does not depend on the order of the pods it is given', () => {
    const reversed = { ...cluster, pods: [...cluster.pods].reverse() };
    const flows = createTrafficGenerator({ cluster: reversed, seed: 7, now: START }).nextTagged(START + 5 * MINUTE);
    expect(flows).toEqual(fiveMinutes);
  });

  it('reports only whole steps, inside the simulated interval, ordered by start time', () => {
    const generator = createTrafficGenerator({ cluster, seed: 1, now: START, stepSeconds: 15 });
    expect(generator.next(START + 14)).toEqual([]);
    const flows = generator.next(START + 30);
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.every((f) => f.startTime >= START && f.startTime < START + 30)).toBe(true);
    expect(flows.map((f) => f.startTime)).toEqual(flows.map((f) => f.startTime).sort((a, b) => a - b));
  });

  it('covers every edge of the call graph within five minutes', () => {
    const seen = new Set(fiveMinutes.map((t) => t.edge));
    expect(DEMO_CALL_GRAPH.map((e) => e.id).filter((id) => !seen.has(id))).toEqual([]);
  });

  it('emits flows of plausible volume', () => {
    const perMinute = fiveMinutes.length / 5;
    expect(perMinute).toBeGreaterThan(200);
    expect(perMinute).toBeLessThan(5_000);
  });

  it('refers only to existing pods, or to IPs that are not pod IPs', () => {
    const podIPs = new Set(cluster.pods.filter((p) => !p.hostNetwork).flatMap((p) => p.ips));
    const bad = fiveMinutes
      .flatMap(({ flow }) => [flow.source, flow.destination])
      .filter((ref) => ('ip' in ref ? podIPs.has(ref.ip) : podByRef(ref) === undefined));
    expect(bad).toEqual([]);
  });

  it('resolves services to a backend at the target port', () => {
    const addressed = fiveMinutes.map((t) => t.flow).filter((f) => f.destService !== undefined);
    expect(addressed.length).toBeGreaterThan(0);
    for (const flow of addressed) {
      const ref = flow.destService!;
      const service = cluster.services.find((s) => s.namespace === ref.namespace && s.name === ref.name);
      const servicePort = service?.ports.find((p) => p.name === ref.portName);
      expect(servicePort?.port).toBe(ref.port);
      const backend = podByRef(flow.destination);
      if (service?.selector === undefined) {
        // kubernetes.default: the API server on the control-plane node.
        expect(flow.destination).toEqual({ ip: '10.0.0.11' });
        expect(flow.destPort).toBe(6443);
      } else {
        expect(backend?.namespace).toBe(service.namespace);
        for (const [k, v] of Object.entries(service.selector)) expect(backend?.labels[k]).toBe(v);
        const target = servicePort?.targetPort;
        const expected = typeof target === 'number' ? target : backend?.ports.find((p) => p.name === target)?.port;
        expect(flow.destPort).toBe(expected);
      }
    }
  });

  it('has plausible counters', () => {
    for (const { edge, flow } of fiveMinutes) {
      const unanswered = DEMO_CALL_GRAPH.find((e) => e.id === edge)?.unanswered === true;
      expect(flow.packetsOut).toBeGreaterThan(0);
      expect(flow.bytesOut).toBeGreaterThanOrEqual((flow.packetsOut ?? 0) * 40);
      if (unanswered) expect([flow.packetsIn, flow.bytesIn, flow.connectionsCompleted]).toEqual([0, 0, 0]);
      else expect(flow.bytesIn).toBeGreaterThanOrEqual((flow.packetsIn ?? 0) * 40);
      expect((flow.connectionsStarted ?? 0) + (flow.connectionsLive ?? 0)).toBeGreaterThan(0);
      expect(flow.sourcePort).toBeGreaterThanOrEqual(32768);
    }
  });

  it('keeps pooled connections open and reports them in every step', () => {
    const pooled = flowsOf('catalog->postgres');
    expect(pooled.every((f) => f.connectionsLive! > 0 && f.connectionsCompleted === 0)).toBe(true);
    const started = pooled.reduce((n, f) => n + (f.connectionsStarted ?? 0), 0);
    expect(started).toBe(2 * 4); // two catalog pods, a pool of four each, opened once
  });

  it('probes every pod from its own node', () => {
    const probes = fiveMinutes.filter((t) => t.edge.startsWith('kubelet->')).map((t) => t.flow);
    for (const flow of probes) {
      const pod = podByRef(flow.destination)!;
      const hep = cluster.hostEndpoints.find((h) => h.node === pod.nodeName)!;
      expect(flow.source).toEqual({ ip: hep.expectedIPs[0] });
    }
  });

  it('scrapes every pod that has a metrics port', () => {
    const scraped = new Set(flowsOf('prometheus->metrics').map((f) => workloadOf(f.destination)));
    expect([...scraped].sort()).toEqual(
      [
        'data/kafka',
        'data/postgres',
        'data/redis',
        'kube-system/coredns',
        'payments/fraud-check',
        'payments/payments',
        'shop/cart',
        'shop/catalog',
        'shop/checkout',
        'shop/orders',
        'shop/recommendations',
        'storefront/api-gateway',
        'storefront/frontend',
      ].sort(),
    );
  });

  it('produces nothing for workloads the cluster does not have', () => {
    const empty = { pods: [], services: [], hostEndpoints: [] };
    expect(createTrafficGenerator({ cluster: empty, seed: 1, now: START }).next(START + 300)).toEqual([]);
  });
});

describe('suspicious traffic', () => {
  it.each(DEMO_SUSPICIOUS.map((s) => [s.id, s] as const))('emits %s', (id, suspicious) => {
    const flows = flowsOf(id);
    expect(flows.length).toBeGreaterThan(0);
    const sources = new Set(flows.map((f) => JSON.stringify(f.source)));
    expect(sources.size).toBe(1); // one compromised pod
    expect(workloadOf(flows[0]!.source)).toBe(suspicious.source);
    expect(flows.every((f) => suspicious.ports.includes(f.destPort) && f.protocol === suspicious.protocol)).toBe(true);
  });

  it('scans many ports on several payments pods', () => {
    const scan: RawFlow[] = flowsOf('port-scan');
    expect(new Set(scan.map((f) => f.destPort)).size).toBeGreaterThanOrEqual(SCAN_PORTS.length / 2);
    const targets = new Set(scan.map((f) => workloadOf(f.destination)));
    expect(targets).toEqual(new Set(['payments/payments', 'payments/fraud-check']));
  });

  it('sends the lateral movement to postgres through its service', () => {
    const flow = flowsOf('lateral-movement')[0]!;
    expect(flow.destService).toEqual({ namespace: 'data', name: 'postgres', portName: 'postgres', port: 5432 });
    expect(workloadOf(flow.destination)).toBe('data/postgres');
  });

  it('names only call-graph edges in the staged-policy impact list', () => {
    const ids = new Set(DEMO_CALL_GRAPH.map((e) => e.id));
    expect(DEMO_STAGED_IMPACT.flatMap((i) => i.denies).filter((id) => !ids.has(id))).toEqual([]);
  });
});
