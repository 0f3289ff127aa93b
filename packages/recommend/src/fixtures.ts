// Test fixtures: the demo shop's cluster and a window of its traffic, enriched as Calico would
// report it, with the concrete addresses the raw flows carried.

import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { type ClusterState, createEvaluator, type FlowVerdict, loadResources } from '@verdict/engine';
import { enrichRawFlow, type RawFlow } from '@verdict/flows';
import type { ObservedFlow } from './model.ts';

export const DEMO_START = 1_767_225_600; // 2026-01-01T00:00:00Z

export interface DemoWindow {
  state: ClusterState;
  flows: ObservedFlow[];
  /** Every raw flow with today's verdict. */
  raws: { raw: RawFlow; verdict: FlowVerdict }[];
}

let cached: DemoWindow | undefined;

/** Ten minutes of demo traffic (cached: tests only read it). */
export function demoWindow(): DemoWindow {
  if (cached) return cached;
  const { state, issues } = loadResources(demoClusterFiles());
  if (issues.some((i) => i.severity === 'error')) throw new Error(`demo cluster: ${issues[0]?.message}`);
  const evaluator = createEvaluator(state);
  const generator = createTrafficGenerator({ cluster: state, seed: 7, now: DEMO_START });
  const flows: ObservedFlow[] = [];
  const raws: DemoWindow['raws'] = [];
  for (const raw of generator.next(DEMO_START + 600)) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (!enriched.ok) continue;
    raws.push({ raw, verdict: enriched.verdict });
    const ips: { sourceIP?: string; destIP?: string } = {};
    if ('ip' in raw.source) ips.sourceIP = raw.source.ip;
    if ('ip' in raw.destination) ips.destIP = raw.destination.ip;
    for (const flow of enriched.flows) flows.push({ flow, ...ips });
  }
  cached = { state, flows, raws };
  return cached;
}

/** The same window as a flow store holds it: keys only, no addresses. */
export function storedFlows(window: DemoWindow) {
  return window.flows.map((f) => f.flow);
}
