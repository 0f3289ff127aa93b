import { describe, expect, it } from 'vitest';
import { CLUSTER_KEY, changeClusterState, createQueryClient } from './queryClient.ts';

describe('changeClusterState', () => {
  it('invalidates the cluster queries after a change settles, on success and on failure, and nothing else', async () => {
    const client = createQueryClient();
    const tiers = [...CLUSTER_KEY, 'tiers'];
    const graph = ['graph', -3600];
    client.setQueryData(tiers, { items: [] });
    client.setQueryData(graph, { nodes: [] });
    let during: boolean | undefined;
    await expect(
      changeClusterState(client, async () => {
        during = client.getQueryState(tiers)?.isInvalidated;
        return 'applied';
      }),
    ).resolves.toBe('applied');
    expect(during).toBe(false);
    expect(client.getQueryState(tiers)?.isInvalidated).toBe(true);
    expect(client.getQueryState(graph)?.isInvalidated).toBe(false);

    client.setQueryData(tiers, { items: [] });
    expect(client.getQueryState(tiers)?.isInvalidated).toBe(false);
    await expect(changeClusterState(client, () => Promise.reject(new Error('409')))).rejects.toThrow('409');
    expect(client.getQueryState(tiers)?.isInvalidated).toBe(true);
  });
});
