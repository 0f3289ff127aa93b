import { describe, expect, it } from 'vitest';
import type { ClusterStatusResponse } from '../api/types.ts';
import { clusterNotice } from './clusterStatus.ts';

type Kind = ClusterStatusResponse['kinds'][number];
const kind = (name: string, state: Kind['state'], message?: string): Kind => ({
  kind: name,
  apiVersion: state === 'absent' ? null : 'v1',
  state,
  objects: 0,
  events: 0,
  relists: 0,
  lastEventTime: null,
  ...(message ? { message } : {}),
});

const live = (kinds: Kind[], warnings: string[], ready = true): ClusterStatusResponse => ({
  source: 'kubernetes',
  server: 'https://127.0.0.1:6443',
  ready,
  kinds,
  warnings,
  lagMs: 0,
  calico: { version: '3.33', from: 'default' },
});

describe('clusterStatus > clusterNotice', () => {
  it('says nothing for the demo, files, or a live cluster with every kind synced', () => {
    expect(clusterNotice(undefined)).toBeNull();
    expect(clusterNotice({ ...live([], []), source: 'demo' })).toBeNull();
    expect(clusterNotice(live([kind('Pod', 'synced')], []))).toBeNull();
  });

  it('counts absent APIs and keeps the server wording per kind', () => {
    const warnings = [
      'AdminNetworkPolicy.policy.networking.k8s.io: the API server does not serve it',
      'BaselineAdminNetworkPolicy.policy.networking.k8s.io: the API server does not serve it',
    ];
    const n = clusterNotice(
      live(
        [
          kind('Pod', 'synced'),
          kind('AdminNetworkPolicy.policy.networking.k8s.io', 'absent'),
          kind('BaselineAdminNetworkPolicy.policy.networking.k8s.io', 'absent'),
        ],
        warnings,
      ),
    );
    expect(n?.summary).toBe('Cluster: 2 APIs absent');
    expect(n?.details).toEqual(warnings);
  });

  it('names kinds still listing and failing watches while not ready', () => {
    const n = clusterNotice(
      live(
        [kind('Pod', 'listing'), kind('NetworkPolicy.networking.k8s.io', 'retrying', 'connection refused')],
        ['NetworkPolicy.networking.k8s.io: retrying: connection refused'],
        false,
      ),
    );
    expect(n?.summary).toBe('Cluster: 1 watch failing, 1 not synced');
    expect(n?.details).toEqual([
      'NetworkPolicy.networking.k8s.io: retrying: connection refused',
      'Pod: not synced yet',
    ]);
  });

  it('does not repeat a listing kind the server already warns about', () => {
    const n = clusterNotice(live([kind('Pod', 'listing', 'forbidden')], ['Pod: listing: forbidden'], false));
    expect(n?.details).toEqual(['Pod: listing: forbidden']);
  });
});
