import type { Pod } from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { stableSelector, workloadName } from './labels.ts';

const pod = (name: string, labels: Record<string, string>, owner?: string): Pod => ({
  namespace: 'shop',
  name,
  labels,
  ips: [],
  serviceAccount: 'default',
  ports: [],
  ...(owner ? { owner } : {}),
});

describe('stableSelector', () => {
  it('prefers app.kubernetes.io/name and never a per-replica label', () => {
    const a = [pod('web-1', { 'app.kubernetes.io/name': 'web', app: 'web', 'pod-template-hash': 'abc' })];
    expect(stableSelector(a, a).labels).toEqual({ 'app.kubernetes.io/name': 'web' });
  });
  it('narrows a shared name with the instance label', () => {
    const blue = [pod('db-blue-0', { 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/instance': 'blue' })];
    const green = [pod('db-green-0', { 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/instance': 'green' })];
    expect(stableSelector(blue, [...blue, ...green]).labels).toEqual({
      'app.kubernetes.io/name': 'db',
      'app.kubernetes.io/instance': 'blue',
    });
  });
  it('reports when no stable label tells a workload apart', () => {
    const a = [pod('a-0', { tier: 'x', 'statefulset.kubernetes.io/pod-name': 'a-0' })];
    const b = [pod('b-0', { tier: 'x' })];
    const s = stableSelector(a, [...a, ...b]);
    expect(s.labels).toEqual({ tier: 'x' });
    expect(s.alsoMatches.map((p) => p.name)).toEqual(['b-0']);
  });
});

describe('workloadName', () => {
  it('uses the owner without its replica-set hash when no name label exists', () => {
    expect(workloadName([pod('api-5d8f9c7b6-h4t2n', { 'pod-template-hash': '5d8f9c7b6' }, 'api-5d8f9c7b6')])).toBe(
      'api',
    );
  });
});
