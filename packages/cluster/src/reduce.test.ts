import { describe, expect, it } from 'vitest';
import { allowOnly, globalDeny, namespace, pod } from '../test/fixtures.ts';
import { reconcileWithLog } from './changelog.ts';
import { WATCHED_KINDS, type WatchedKind } from './kinds.ts';
import { type KubeObject, reduceWatchEvent } from './reduce.ts';

const watched = (kind: string, group = '') =>
  WATCHED_KINDS.find((k) => k.kind === kind && (k.sources[0]?.group ?? '') === group) as WatchedKind;
const podKind = watched('Pod');
const k8sPolicy = watched('NetworkPolicy', 'networking.k8s.io');
const gnp = watched('GlobalNetworkPolicy', 'projectcalico.org');
const nsKind = watched('Namespace');
const at = (rv: number, object: object): KubeObject => {
  const o = object as KubeObject;
  return { ...o, metadata: { ...o.metadata, resourceVersion: String(rv) } };
};
const context = (w: WatchedKind, apiVersion = 'v1') => ({ watched: w, apiVersion, time: 1_000 });

describe('reduceWatchEvent', () => {
  it('a new pod becomes a pod update for the engine and no change-log entry', () => {
    const r = reduceWatchEvent(
      undefined,
      { type: 'ADDED', object: at(1, pod('shop', 'web', '10.0.0.1', { app: 'web' })) },
      context(podKind),
    );
    expect(r.update).toMatchObject({
      type: 'pod',
      namespace: 'shop',
      name: 'web',
      pod: { ips: ['10.0.0.1'], labels: { app: 'web' } },
    });
    expect(r.change).toBeUndefined();
    expect(r.next?.metadata?.resourceVersion).toBe('1');
  });

  it('an event with the resourceVersion already held changes nothing', () => {
    const held = at(5, pod('shop', 'web', '10.0.0.1', { app: 'web' }));
    const r = reduceWatchEvent(held, { type: 'MODIFIED', object: held }, context(podKind));
    expect(r.update).toEqual({ type: 'none' });
    expect(r.next).toBe(held);
  });

  it('a deleted pod removes it; a delete of something never seen is ignored', () => {
    const held = at(5, pod('shop', 'web', '10.0.0.1', { app: 'web' }));
    expect(reduceWatchEvent(held, { type: 'DELETED', object: at(6, held) }, context(podKind)).update).toEqual({
      type: 'pod',
      namespace: 'shop',
      name: 'web',
      pod: undefined,
    });
    expect(reduceWatchEvent(undefined, { type: 'DELETED', object: at(6, held) }, context(podKind)).update).toEqual({
      type: 'none',
    });
  });

  it('policies are logged: added, modified with a YAML diff, deleted with before and no after', () => {
    const v1 = at(1, allowOnly('shop', 'p', 'api', 'web'));
    const added = reduceWatchEvent(
      undefined,
      { type: 'ADDED', object: v1 },
      context(k8sPolicy, 'networking.k8s.io/v1'),
    );
    expect(added.change).toMatchObject({
      op: 'added',
      kind: 'KubernetesNetworkPolicy',
      namespace: 'shop',
      name: 'p',
      resourceVersion: '1',
      before: null,
    });
    expect(added.update).toMatchObject({
      type: 'policy',
      kind: 'KubernetesNetworkPolicy',
      namespace: 'shop',
      spec: { name: 'p' },
    });
    const v2 = at(2, allowOnly('shop', 'p', 'api', 'web', 9090));
    const modified = reduceWatchEvent(v1, { type: 'MODIFIED', object: v2 }, context(k8sPolicy, 'networking.k8s.io/v1'));
    expect(modified.change?.op).toBe('modified');
    expect(modified.change?.diff).toMatch(/-\s+port: 8080\n\+\s+port: 9090/);
    const deleted = reduceWatchEvent(v2, { type: 'DELETED', object: v2 }, context(k8sPolicy, 'networking.k8s.io/v1'));
    expect(deleted.change).toMatchObject({ op: 'deleted', after: null });
    expect(deleted.update).toMatchObject({ type: 'policy', spec: undefined });
  });

  it('a status- or managedFields-only update of a policy is not a change', () => {
    const v1 = at(1, globalDeny('projectcalico.org/v3', 'd', 'api'));
    const v2 = {
      ...at(2, v1),
      metadata: { ...at(2, v1).metadata, managedFields: [{ manager: 'kubectl' }] },
      status: { x: 1 },
    };
    expect(
      reduceWatchEvent(v1, { type: 'MODIFIED', object: v2 }, context(gnp, 'projectcalico.org/v3')).change,
    ).toBeUndefined();
  });

  it('Calico CRD objects are read as projectcalico.org/v3', () => {
    const r = reduceWatchEvent(
      undefined,
      { type: 'ADDED', object: at(1, globalDeny('crd.projectcalico.org/v1', 'd', 'api')) },
      context(gnp, 'crd.projectcalico.org/v1'),
    );
    expect(r.issues).toEqual([]);
    expect(r.update).toMatchObject({ type: 'policy', kind: 'GlobalNetworkPolicy', spec: { selector: "app == 'api'" } });
  });

  it('an invalid policy is an issue and leaves the engine without it', () => {
    const bad = at(1, {
      ...globalDeny('projectcalico.org/v3', 'd', 'api'),
      spec: { selector: 'app ==', ingress: [{ action: 'Deny' }] },
    });
    const r = reduceWatchEvent(undefined, { type: 'ADDED', object: bad }, context(gnp, 'projectcalico.org/v3'));
    expect(r.issues.map((i) => i.code)).toContain('invalid-selector');
    expect(r.update).toMatchObject({ type: 'policy', spec: undefined });
  });

  it('namespace label changes rebuild the engine index; an unchanged namespace does not', () => {
    const v1 = at(1, namespace('shop'));
    expect(
      reduceWatchEvent(v1, { type: 'MODIFIED', object: at(2, namespace('shop', { team: 'a' })) }, context(nsKind))
        .update,
    ).toEqual({ type: 'rebuild' });
    expect(
      reduceWatchEvent(v1, { type: 'MODIFIED', object: at(2, namespace('shop')) }, context(nsKind)).update,
    ).toEqual({ type: 'none' });
  });
});

describe('reconcileWithLog', () => {
  const added = {
    time: 5,
    op: 'added' as const,
    kind: 'GlobalNetworkPolicy',
    namespace: '',
    name: 'd',
    resourceVersion: '7',
    source: 'watch',
    before: null,
    after: { spec: { order: 2 } },
    diff: '',
  };
  const logged = { ...added, id: 1, resourceVersion: '6', after: { spec: { order: 1 } } };
  it('an initial add already logged at the same resourceVersion is skipped', () => {
    expect(reconcileWithLog(added, { ...logged, resourceVersion: '7' })).toBeUndefined();
  });
  it('one logged at another resourceVersion is a change made while not watching, diffed against the log', () => {
    const r = reconcileWithLog(added, logged);
    expect(r).toMatchObject({ op: 'modified', before: { spec: { order: 1 } } });
    expect(r?.diff).toContain('-  order: 1');
  });
  it('one never logged, or logged as deleted, is an add', () => {
    expect(reconcileWithLog(added, undefined)).toBe(added);
    expect(reconcileWithLog(added, { ...logged, op: 'deleted' })).toBe(added);
  });
});
