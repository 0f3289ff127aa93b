// Named fixtures for tests: the demo cluster, its recorded traffic, and change sets against it.

import { createTrafficGenerator, demoClusterFiles } from '@verdict/demo';
import { type ClusterState, createEvaluator, type Evaluator, loadResources } from '@verdict/engine';
import { enrichRawFlow, type FlowResult } from '@verdict/flows';
import { type ChangeSet, parseChangeSet } from './changeset.ts';

export const START = 1_767_225_600; // 2026-01-01T00:00:00Z

export function demoState(extra = ''): ClusterState {
  const files = demoClusterFiles();
  if (extra) files.push({ file: 'extra.yaml', text: extra });
  return loadResources(files).state;
}

/** Ten minutes of demo traffic as stored flows (one record per reporter), enriched against `evaluator`. */
export function demoFlows(evaluator: Evaluator, minutes = 10): FlowResult[] {
  const raws = createTrafficGenerator({ cluster: evaluator.state, seed: 7, now: START }).next(START + minutes * 60);
  const out: FlowResult[] = [];
  for (const raw of raws) {
    const enriched = enrichRawFlow(evaluator, raw);
    if (enriched.ok) for (const flow of enriched.flows) out.push({ id: out.length + 1, flow });
  }
  return out;
}

export function demo(extra = ''): { evaluator: Evaluator; flows: FlowResult[] } {
  const evaluator = createEvaluator(demoState(extra));
  return { evaluator, flows: demoFlows(evaluator) };
}

export function changeSet(text: string, file = 'change.yaml'): ChangeSet {
  const parsed = parseChangeSet([{ file, text }]);
  if (!parsed.ok) throw new Error(parsed.error.map((i) => `${i.file}:${i.line} ${i.path}: ${i.message}`).join('\n'));
  return parsed.value;
}

/** data's redis ingress without recommendations: a real dependency dropped. */
export const DROP_RECOMMENDATIONS_REDIS = `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata:
  name: application.redis
  namespace: data
spec:
  stagedAction: Set
  tier: application
  order: 100
  selector: app == 'redis'
  types: [Ingress]
  ingress:
    - action: Allow
      protocol: TCP
      source:
        namespaceSelector: projectcalico.org/name == 'shop'
        selector: app == 'cart'
      destination:
        ports: [redis]
    - action: Allow
      protocol: TCP
      source:
        namespaceSelector: projectcalico.org/name == 'payments'
        selector: app == 'fraud-check'
      destination:
        ports: [redis]
`;

/** Denies a port nobody uses on postgres, before the existing allow list. */
export const DENY_UNUSED_PORT = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: application.postgres-no-admin
  namespace: data
spec:
  tier: application
  order: 50
  selector: app == 'postgres'
  types: [Ingress]
  ingress:
    - action: Deny
      protocol: TCP
      destination:
        ports: [15432]
`;

/** An incident-time deny in tier security: payments may not reach kafka. */
export const KAFKA_FREEZE = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.kafka-freeze
spec:
  tier: security
  order: 5
  selector: app == 'kafka'
  types: [Ingress]
  ingress:
    - action: Deny
      source:
        namespaceSelector: projectcalico.org/name == 'payments'
`;

export const DELETE_KAFKA_FREEZE = `apiVersion: verdict.dev/v1alpha1
kind: PolicyDeletions
deletions:
  - kind: GlobalNetworkPolicy
    name: security.kafka-freeze
`;

export const STAGED_DELETE_KAFKA_FREEZE = `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata:
  name: security.kafka-freeze
spec:
  stagedAction: Delete
`;

/** The aggregated name flow logs give a demo workload (`<replicaset>-*`), by its `app` label. */
export function workload(state: ClusterState, namespace: string, app: string): string {
  const pod = state.pods.find((p) => p.namespace === namespace && p.labels.app === app);
  if (!pod?.owner) throw new Error(`no workload ${namespace}/${app} in the demo`);
  return `${pod.owner}-*`;
}
