// The deciding rule's lines in its policy YAML, each clause's sentence on the line of the field it
// checked, for Calico's own kinds and for the kinds Verdict converts (Kubernetes, ClusterNetworkPolicy).
import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../model.ts';
import { loadYaml } from '../resources/fixtures.ts';
import type { Json } from '../resources/read.ts';
import type { AnnotatedStep } from './annotate.ts';
import { createEvaluator, type FlowQuery } from './evaluator.ts';
import { pod } from './fixtures.ts';

const web = pod('web/frontend', '10.0.1.1', { app: 'frontend' });
const db = pod('db/postgres', '10.0.2.1', { app: 'postgres' });
const tool = pod('ops/tool', '10.0.3.1', { app: 'tool' });

function cluster(...policies: Json[]): ClusterState {
  const loaded = loadYaml(...policies);
  expect(loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const pods = [web, db, tool];
  return {
    ...loaded.state,
    namespaces: ['web', 'db', 'ops'].map((name) => ({ name, labels: { 'kubernetes.io/metadata.name': name } })),
    pods,
  };
}

const query = (from: string, to: string, destPort = 5432): FlowQuery => {
  const [sn, s] = from.split('/');
  const [dn, d] = to.split('/');
  return {
    source: { namespace: sn ?? '', name: s ?? '' },
    destination: { namespace: dn ?? '', name: d ?? '' },
    protocol: 'TCP',
    destPort,
  };
};

/** The deciding step of the flow's enforced ingress (or egress) side. */
function decidingStep(state: ClusterState, q: FlowQuery, direction: 'Ingress' | 'Egress' = 'Ingress'): AnnotatedStep {
  const result = createEvaluator(state).explainBothScopes(q);
  if (!result.ok) throw new Error(result.error.message);
  const step = result.value.enforced.sides
    .find((s) => s.direction === direction)
    ?.steps.find((s) => s.outcome === 'matched');
  if (!step?.yaml || !step.highlight) throw new Error('no highlighted deciding step');
  return step;
}

/** Each highlighted line's text (trimmed) with its notes. */
function notedLines(step: AnnotatedStep): [string, string[]][] {
  const lines = step.yaml?.split('\n') ?? [];
  const byLine = new Map<number, string[]>();
  for (const h of step.highlight ?? [])
    byLine.set(h.line, [...(byLine.get(h.line) ?? []), ...(h.reason ? [h.reason] : [])]);
  return [...byLine].map(([line, notes]) => [lines[line - 1]?.trim() ?? '', notes]);
}

const cnp = (spec: Json): Json => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name: 'deny-frontend-to-db' },
  spec: {
    tier: 'Admin',
    priority: 10,
    subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } },
    ...spec,
  },
});

const peer = (namespace: string, app: string) => ({
  pods: {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    podSelector: { matchLabels: { app } },
  },
});

describe('annotate > highlighted rule lines', () => {
  it('ClusterNetworkPolicy: the protocol and port notes sit on protocols, the peer note on the peer that matched', () => {
    const state = cluster(
      cnp({
        ingress: [
          {
            name: 'no-frontend',
            action: 'Deny',
            from: [peer('ops', 'tool'), peer('web', 'frontend')],
            protocols: [{ tcp: { destinationPort: { number: 5432 } } }],
          },
        ],
      }),
    );
    const step = decidingStep(state, query('web/frontend', 'db/postgres'));
    const noted = notedLines(step);
    // Every line of the rule is highlighted, from its first to its last.
    expect(noted[0]?.[0]).toBe('- name: no-frontend');
    expect(noted.at(-1)?.[0]).toBe('number: 5432');
    const notes = noted.flatMap(([, n]) => n);
    // Each sentence once, not repeated down the rule.
    expect(new Set(notes).size).toBe(notes.length);
    expect([...notes].sort()).toEqual([...step.because].sort());
    const lineOf = (prefix: string) => noted.find(([, n]) => n.some((s) => s.startsWith(prefix)))?.[0];
    expect(lineOf('protocol:')).toBe('protocols:');
    expect(lineOf('destination.ports:')).toBe('protocols:');
    // The second peer (web/frontend) is the one that matched: its note is on that peer's first line.
    const sourceLine = noted.findIndex(([, n]) => n.some((s) => s.startsWith('source.selector:')));
    expect(noted[sourceLine]?.[0]).toBe('- pods:');
    const peers = noted.map(([text], i) => [text, i] as const).filter(([text]) => text === '- pods:');
    expect(peers).toHaveLength(2);
    expect(sourceLine).toBe(peers[1]?.[1]);
  });

  it('ClusterNetworkPolicy egress: the peer note sits on the matching `to` peer', () => {
    const state = cluster({
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'web-egress' },
      spec: {
        tier: 'Admin',
        priority: 5,
        subject: { namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } },
        egress: [
          { action: 'Deny', to: [peer('db', 'postgres')], protocols: [{ tcp: { destinationPort: { number: 5432 } } }] },
        ],
      },
    });
    const step = decidingStep(state, query('web/frontend', 'db/postgres'), 'Egress');
    const noted = notedLines(step);
    const on = (prefix: string) => noted.find(([, n]) => n.some((s) => s.startsWith(prefix)))?.[0];
    expect(on('destination.selector:')).toBe('- pods:');
    expect(on('destination.ports:')).toBe('protocols:');
  });

  it('Calico NetworkPolicy: each note on the field it checked', () => {
    const state = cluster({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { namespace: 'db', name: 'allow-frontend' },
      spec: {
        selector: "app == 'postgres'",
        types: ['Ingress'],
        ingress: [
          {
            action: 'Allow',
            protocol: 'TCP',
            source: { namespaceSelector: "kubernetes.io/metadata.name == 'web'", selector: "app == 'frontend'" },
            destination: { ports: [5432] },
          },
        ],
      },
    });
    const noted = notedLines(decidingStep(state, query('web/frontend', 'db/postgres')));
    const on = (prefix: string) => noted.find(([, n]) => n.some((s) => s.startsWith(prefix)))?.[0];
    expect(on('protocol:')).toBe('protocol: TCP');
    expect(on('source.selector:')).toMatch(/^(namespaceSelector|selector):/);
    expect(on('destination.ports:')).toBe('ports:');
    expect(noted[0]?.[0]).toBe('- action: Allow');
  });

  it('Kubernetes NetworkPolicy: the port note on ports, the peer note on the peer', () => {
    const state = cluster({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { namespace: 'db', name: 'allow-frontend' },
      spec: {
        podSelector: { matchLabels: { app: 'postgres' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [peer('web', 'frontend').pods], ports: [{ protocol: 'TCP', port: 5432 }] }],
      },
    });
    const noted = notedLines(decidingStep(state, query('web/frontend', 'db/postgres')));
    const on = (prefix: string) => noted.find(([, n]) => n.some((s) => s.startsWith(prefix)))?.[0];
    expect(on('destination.ports:')).toBe('ports:');
    expect(on('source.selector:')).toBe('- namespaceSelector:');
  });
});
