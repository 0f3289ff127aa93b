// The engine's stages on their own: compile (pure), evaluate and explain over a compiled cluster,
// incremental updates, and explanations annotated with the deciding rule's YAML.
import { describe, expect, it } from 'vitest';
import { loadResources } from '../resources/index.ts';
import { explainBothScopes } from './annotate.ts';
import { compileCluster } from './compile.ts';
import { evaluateFlow } from './evaluate.ts';
import { explainFlow } from './explain.ts';
import type { FlowQuery } from './types.ts';
import { removePolicy, upsertPolicies } from './update.ts';

const YAML = `apiVersion: v1
kind: Pod
metadata: {namespace: shop, name: web, labels: {app: web}}
status: {podIP: 10.0.1.1}
---
apiVersion: v1
kind: Pod
metadata: {namespace: shop, name: db, labels: {app: db}}
status: {podIP: 10.0.1.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: shop, name: db}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: api}}
`;
const { state } = loadResources([{ file: 'shop.yaml', text: YAML }]);
const webToDb: FlowQuery = {
  source: { namespace: 'shop', name: 'web' },
  destination: { namespace: 'shop', name: 'db' },
  protocol: 'TCP',
  destPort: 5432,
};
const action = (result: ReturnType<typeof evaluateFlow>) => (result.ok ? result.value.enforced.action : result.error);

describe('engine stages', () => {
  it('compile is pure: it leaves the state as it was, and two compilations give the same verdicts', () => {
    const before = JSON.stringify(state);
    const a = compileCluster(state);
    const b = compileCluster(state);
    expect(JSON.stringify(state)).toBe(before);
    expect(evaluateFlow(a, webToDb)).toEqual(evaluateFlow(b, webToDb));
    expect(action(evaluateFlow(a, webToDb))).toBe('Deny');
  });

  it('an incremental update changes the compiled cluster without a recompile, and only that one', () => {
    const a = compileCluster(state);
    const b = compileCluster(state);
    expect(removePolicy(a, 'KubernetesNetworkPolicy', 'shop', 'db')).toBe(true);
    expect(action(evaluateFlow(a, webToDb))).toBe('Allow');
    expect(action(evaluateFlow(b, webToDb))).toBe('Deny');
    const db = state.policies[0];
    if (!db) throw new Error('no policy');
    upsertPolicies(a, [db]);
    expect(action(evaluateFlow(a, webToDb))).toBe('Deny');
    expect(a.state.policies).toHaveLength(1);
  });

  it('explain walks the same tiers as evaluate', () => {
    const cluster = compileCluster(state);
    const explained = explainFlow(cluster, webToDb, 'enforced');
    if (!explained.ok) throw new Error(explained.error.message);
    const verdict = evaluateFlow(cluster, webToDb);
    if (!verdict.ok) throw new Error(verdict.error.message);
    expect(explained.value.sides.find((s) => s.direction === 'Ingress')?.hits).toEqual(
      verdict.value.enforced.ingress?.hits,
    );
  });

  it('explanations for people carry the deciding policy as YAML with the deciding rule highlighted', () => {
    const result = explainBothScopes(compileCluster(state), webToDb);
    if (!result.ok) throw new Error(result.error.message);
    const ingress = result.value.enforced.sides.find((s) => s.direction === 'Ingress');
    const noMatch = ingress?.steps.find((s) => s.outcome === 'no-match');
    expect(noMatch?.policy).toEqual({ kind: 'NetworkPolicy', namespace: 'shop', name: 'db' });
    const endOfTier = ingress?.steps.find((s) => s.outcome === 'end-of-tier');
    expect(endOfTier).toMatchObject({ action: 'Deny', ruleIndex: -1 });
    expect(result.value.pending.action).toBe('Deny');
  });

  it('a matched rule comes with its policy YAML and the lines of that rule highlighted', () => {
    const allowWeb = YAML.replace('app: api', 'app: web');
    const cluster = compileCluster(loadResources([{ file: 'shop.yaml', text: allowWeb }]).state);
    const result = explainBothScopes(cluster, webToDb);
    if (!result.ok) throw new Error(result.error.message);
    const step = result.value.enforced.sides
      .find((s) => s.direction === 'Ingress')
      ?.steps.find((s) => s.outcome === 'matched');
    expect(step?.yaml).toContain('kind: NetworkPolicy');
    const lines = step?.yaml?.split('\n') ?? [];
    const highlighted = (step?.highlight ?? []).map((h) => lines[h.line - 1]?.trim());
    expect(highlighted[0]).toBe('- from:');
    expect(highlighted.join(' ')).toContain('app: web');
  });

  it('a query that does not resolve is an error value naming the field, in every stage', () => {
    const cluster = compileCluster(state);
    const bad = { ...webToDb, destination: { namespace: 'shop', name: 'nope' } };
    for (const result of [
      evaluateFlow(cluster, bad),
      explainFlow(cluster, bad, 'pending'),
      explainBothScopes(cluster, bad),
    ]) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ code: 'unknown-endpoint', path: 'destination' });
    }
  });
});
