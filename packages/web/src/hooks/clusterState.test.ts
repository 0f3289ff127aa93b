import { describe, expect, it } from 'vitest';
import { changeClusterState, clusterRevision, subscribeClusterRevision } from './clusterState.ts';

describe('clusterState', () => {
  it('bumps the revision and notifies after a change settles, on success and on failure', async () => {
    const seen: number[] = [];
    const off = subscribeClusterRevision(() => seen.push(clusterRevision()));
    const r0 = clusterRevision();
    let during = -1;
    await expect(
      changeClusterState(async () => {
        during = clusterRevision();
        return 'applied';
      }),
    ).resolves.toBe('applied');
    expect(during).toBe(r0);
    await expect(changeClusterState(() => Promise.reject(new Error('409')))).rejects.toThrow('409');
    expect(clusterRevision()).toBe(r0 + 2);
    expect(seen).toEqual([r0 + 1, r0 + 2]);
    off();
    await changeClusterState(async () => undefined);
    expect(seen).toHaveLength(2);
  });
});
