import type { PolicyChange } from '@verdict/flows';
import { describe, expect, it } from 'vitest';
import { changeIdentity, deletedWhileAway } from './changelog.ts';

let nextId = 1;
const logged = (kind: string, name: string, op: PolicyChange['op'], namespace = 'shop'): PolicyChange => ({
  id: nextId++,
  time: 1_000,
  op,
  kind,
  namespace,
  name,
  resourceVersion: String(nextId),
  source: 'watch',
  before: null,
  after: op === 'deleted' ? null : { metadata: { name }, spec: { order: nextId } },
  diff: '',
});

describe('deletedWhileAway', () => {
  const log = [
    logged('KubernetesNetworkPolicy', 'kept', 'added'),
    logged('KubernetesNetworkPolicy', 'gone', 'added'),
    logged('KubernetesNetworkPolicy', 'gone', 'modified'),
    logged('KubernetesNetworkPolicy', 'deleted-before', 'added'),
    logged('KubernetesNetworkPolicy', 'deleted-before', 'deleted'),
    logged('GlobalNetworkPolicy', 'api-absent-now', 'added', ''),
  ];

  it('deletes what was last known present and is not listed, from its last known state', () => {
    const present = new Set([changeIdentity(log[0]!)]);
    const deleted = deletedWhileAway(log, {
      kinds: new Set(['KubernetesNetworkPolicy']),
      present,
      time: 5_000,
    });
    expect(deleted).toEqual([
      expect.objectContaining({
        op: 'deleted',
        kind: 'KubernetesNetworkPolicy',
        namespace: 'shop',
        name: 'gone',
        time: 5_000,
        source: 'relist',
        before: log[2]!.after,
        after: null,
        resourceVersion: log[2]!.resourceVersion,
      }),
    ]);
    expect(deleted[0]!.diff).toContain('-  name: gone');
  });

  it('leaves kinds that were not listed (their API is absent or not synced) alone', () => {
    const deleted = deletedWhileAway(log, { kinds: new Set(['Tier']), present: new Set(), time: 5_000 });
    expect(deleted).toEqual([]);
  });
});
