// The demo cluster through the engine: it loads cleanly, and its policies give the demo traffic
// the verdicts the demo is built to show.
import { createEvaluator, type FlowQuery, loadResources, type ScopeVerdict } from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { DEMO_CALL_GRAPH } from './callgraph.ts';
import { demoClusterFiles } from './files.ts';
import { DEMO_STAGED_IMPACT, DEMO_SUSPICIOUS } from './suspicious.ts';
import { createTrafficGenerator } from './traffic.ts';

const { state, issues } = loadResources(demoClusterFiles());
const evaluator = createEvaluator(state);
const START = 1_767_225_600;

/** One query per distinct (edge, source, destination, protocol, port) of five minutes of traffic. */
const queries = (() => {
  const seen = new Map<string, { edge: string; query: FlowQuery }>();
  for (const { edge, flow } of createTrafficGenerator({ cluster: state, seed: 7, now: START }).nextTagged(
    START + 300,
  )) {
    const query: FlowQuery = {
      source: flow.source,
      destination: flow.destination,
      protocol: flow.protocol,
      destPort: flow.destPort,
    };
    seen.set(`${edge} ${JSON.stringify(query)}`, { edge, query });
  }
  return [...seen.values()];
})();

type Outcome = { enforced: string; pending: string; whatIf: string };

const outcomes = queries.map(({ edge, query }) => {
  const result = evaluator.evaluate(query, { whatIf: true });
  if (!result.ok) throw new Error(`${edge}: ${result.error.message}`);
  const v = result.value;
  const show = (s: ScopeVerdict | undefined) => s?.action ?? '?';
  return { edge, query, outcome: { enforced: show(v.enforced), pending: show(v.pending), whatIf: show(v.whatIf) } };
});

/** Edge id → the set of outcomes seen for it, as `enforced/pending/whatIf`. */
function outcomesByEdge(): Map<string, Set<string>> {
  const byEdge = new Map<string, Set<string>>();
  for (const { edge, outcome } of outcomes) {
    const key = `${outcome.enforced}/${outcome.pending}/${outcome.whatIf}`;
    byEdge.set(edge, new Set([...(byEdge.get(edge) ?? []), key]));
  }
  return byEdge;
}

describe('the demo cluster in the engine', () => {
  it('loads without errors', () => {
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(state.pods.length).toBe(27);
  });

  it('loads without warnings', () => {
    expect(issues).toEqual([]);
  });

  it('gives each edge the verdicts the demo is built to show', () => {
    const expected = new Map<string, Outcome>();
    for (const edge of DEMO_CALL_GRAPH) expected.set(edge.id, { enforced: 'Allow', pending: 'Allow', whatIf: 'Allow' });
    for (const impact of DEMO_STAGED_IMPACT) {
      for (const id of impact.denies) {
        const e = expected.get(id)!;
        if (impact.scope === 'pending') expected.set(id, { ...e, pending: 'Deny', whatIf: 'Deny' });
        else expected.set(id, { ...e, whatIf: 'Deny' });
      }
    }
    for (const s of DEMO_SUSPICIOUS) {
      expected.set(s.id, { enforced: s.enforced, pending: s.pending, whatIf: s.pending });
    }
    const actual = outcomesByEdge();
    const wrong = [...expected]
      .map(([id, e]) => [id, `${e.enforced}/${e.pending}/${e.whatIf}`, [...(actual.get(id) ?? [])].join(' ')] as const)
      .filter(([, want, got]) => want !== got);
    expect(wrong).toEqual([]);
  });
});
