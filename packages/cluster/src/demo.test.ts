import { demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { createDemoChanges } from './demo.ts';

describe('demo policy changes', () => {
  it('cycle through an add, a re-order, a change and a delete, each applied to the engine', () => {
    const evaluator = createEvaluator(loadResources(demoClusterFiles()).state);
    const demo = createDemoChanges(() => evaluator);
    const changes = [1, 2, 3, 4, 5].map((i) => demo.next(i * 1000));
    expect(changes.map((c) => [c?.op, c?.kind, c?.name, c?.source])).toEqual([
      ['added', 'GlobalNetworkPolicy', 'security.block-known-bad', 'demo'],
      ['modified', 'NetworkPolicy', 'application.catalog', 'demo'],
      ['modified', 'GlobalNetworkPolicy', 'security.block-known-bad', 'demo'],
      ['deleted', 'GlobalNetworkPolicy', 'security.block-known-bad', 'demo'],
      ['added', 'GlobalNetworkPolicy', 'security.block-known-bad', 'demo'],
    ]);
    expect(changes[2]?.diff).toContain('+          - 192.0.2.0/24');
    expect(evaluator.policy('NetworkPolicy', 'shop', 'application.catalog')?.order).toBe(90);
    expect(evaluator.policy('GlobalNetworkPolicy', undefined, 'security.block-known-bad')).toBeDefined();
  });
});
