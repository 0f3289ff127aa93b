// The demo's policy changes over time, so the change log and the timeline markers have something
// to show out of the box: a security policy is added, tightened and removed again, and an
// application policy is re-ordered, on a cycle. Each edit updates the engine and is logged.
import type { Evaluator, PolicySpec } from '@verdict/engine';
import type { PolicyChangeInput } from '@verdict/flows';
import { WATCHED_KINDS, type WatchedKind } from './kinds.ts';
import { type KubeObject, reduceWatchEvent, type WatchEvent } from './reduce.ts';

const CALICO_API = 'projectcalico.org/v3';
const gnpKind = WATCHED_KINDS.find((k) => k.policyKind === 'GlobalNetworkPolicy') as WatchedKind;
const npKind = WATCHED_KINDS.find((k) => k.policyKind === 'NetworkPolicy') as WatchedKind;

const blockList = (nets: string[]): KubeObject => ({
  apiVersion: CALICO_API,
  kind: 'GlobalNetworkPolicy',
  metadata: { name: 'security.block-known-bad', labels: { owner: 'secops' } },
  spec: {
    tier: 'security',
    order: 30,
    selector: 'all()',
    namespaceSelector: 'all()',
    types: ['Egress'],
    egress: [{ action: 'Deny', destination: { nets } }],
  },
});

type Edit = {
  watched: WatchedKind;
  event: (current: (ns: string | undefined, name: string) => KubeObject | undefined) => WatchEvent | undefined;
};

/** The demo's edits, applied in a cycle. */
const EDITS: readonly Edit[] = [
  { watched: gnpKind, event: () => ({ type: 'ADDED', object: blockList(['198.51.100.0/24']) }) },
  {
    watched: npKind,
    event: (current) => {
      const catalog = current('shop', 'application.catalog');
      if (!catalog) return undefined;
      const spec = catalog.spec as Record<string, unknown>;
      return {
        type: 'MODIFIED',
        object: {
          ...catalog,
          metadata: { ...catalog.metadata, annotations: { 'change-ticket': 'CHG-1042' } },
          spec: { ...spec, order: spec.order === 90 ? 100 : 90 },
        },
      };
    },
  },
  { watched: gnpKind, event: () => ({ type: 'MODIFIED', object: blockList(['198.51.100.0/24', '192.0.2.0/24']) }) },
  { watched: gnpKind, event: () => ({ type: 'DELETED', object: blockList([]) }) },
];

export interface DemoChanges {
  /** Applies the next edit at `time` (Unix ms); returns its change-log entry. */
  next(time: number): PolicyChangeInput | undefined;
}

/** Edits over the evaluator of the demo cluster; `evaluator` is called for each edit. */
export function createDemoChanges(evaluator: () => Evaluator): DemoChanges {
  let step = 0;
  const original = (spec: PolicySpec | undefined) => spec?.original as KubeObject | undefined;
  return {
    next(time) {
      const edit = EDITS[step++ % EDITS.length] as Edit;
      const engine = evaluator();
      const kind = edit.watched.policyKind;
      if (!kind) return undefined;
      const current = (ns: string | undefined, name: string) => original(engine.policy(kind, ns, name));
      const event = edit.event(current);
      if (!event) return undefined;
      const meta = event.object.metadata ?? {};
      const previous = current(meta.namespace, meta.name ?? '');
      const reduced = reduceWatchEvent(previous, event, {
        watched: edit.watched,
        apiVersion: CALICO_API,
        time,
        source: 'demo',
      });
      if (reduced.update.type === 'policy') {
        if (reduced.update.spec) engine.upsertPolicy(reduced.update.spec);
        else engine.removePolicy(reduced.update.kind, reduced.update.namespace, reduced.update.name);
      }
      return reduced.change;
    },
  };
}
