import { demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { createMemoryStore } from '@verdict/flows';
import { describe, expect, it } from 'vitest';
import { applyChangeSet } from './apply.ts';
import { parseChangeSet } from './changeset.ts';
import {
  changeSet,
  DELETE_KAFKA_FREEZE,
  DENY_UNUSED_PORT,
  DROP_RECOMMENDATIONS_REDIS,
  demo,
  demoState,
  KAFKA_FREEZE,
  STAGED_DELETE_KAFKA_FREEZE,
  START,
  workload,
} from './fixtures.ts';
import { formatMarkdown, formatText } from './format.ts';
import { promote } from './promote.ts';
import { type ImpactReport, rehearse, rehearseStore, SEMANTICS, touchedEndpoints } from './rehearse.ts';

const shop = demo();
const REDIS = workload(shop.evaluator.state, 'data', 'redis');
const RECOMMENDATIONS = workload(shop.evaluator.state, 'shop', 'recommendations');
const KAFKA = workload(shop.evaluator.state, 'data', 'kafka');

async function impact(text: string, base = shop, allowBreaking?: string[]): Promise<ImpactReport> {
  const result = await rehearse({
    flows: base.flows,
    before: base.evaluator,
    changeSet: changeSet(text),
    ...(allowBreaking ? { allowBreaking } : {}),
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('rehearse on the demo shop', () => {
  it('catches a change that drops recommendations → redis, with exactly those flows', async () => {
    const report = await impact(DROP_RECOMMENDATIONS_REDIS);
    expect(report.semantics).toBe(SEMANTICS);
    expect(report.newlyDenied).toHaveLength(1);
    const [group] = report.newlyDenied;
    expect(group).toMatchObject({
      namespace: 'data',
      workload: REDIS,
      peers: [`shop/${RECOMMENDATIONS}`],
      port: 6379,
      proto: 'tcp',
      direction: 'Ingress',
      decidedBy: { kind: 'EndOfTier', tier: 'application', action: 'Deny' },
      previouslyDecidedBy: { kind: 'CalicoNetworkPolicy', name: 'application.redis', ruleIndex: 0, action: 'Allow' },
    });
    const expected = shop.flows.filter(
      (f) =>
        f.flow.key.reporter === 'Dst' && f.flow.key.destName === REDIS && f.flow.key.sourceName === RECOMMENDATIONS,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(group?.flows).toBe(expected.length);
    expect(report.totals.newlyDenied).toBe(expected.length);
    expect(group?.examples[0]?.after.at(-1)).toMatchObject({ kind: 'EndOfTier', action: 'Deny' });
    expect(report.totals.newlyAllowed).toBe(0);
    // Only redis's inbound flows were re-evaluated.
    expect(report.totals.flowsReevaluated).toBe(
      shop.flows.filter((f) => f.flow.key.reporter === 'Dst' && f.flow.key.destName === REDIS).length,
    );
    expect(report.totals.flowsConsidered).toBe(shop.flows.length);
  });

  it('passes a change that only tightens an unused port, and names its unexercised rule', async () => {
    const report = await impact(DENY_UNUSED_PORT);
    expect(report.totals.newlyDenied).toBe(0);
    expect(report.totals.newlyAllowed).toBe(0);
    expect(report.totals.flowsReevaluated).toBeGreaterThan(0);
    expect(report.unexercisedRules).toEqual([
      {
        policy: 'NetworkPolicy data/application.postgres-no-admin',
        direction: 'Ingress',
        ruleIndex: 0,
        path: 'spec.ingress[0]',
      },
    ]);
  });

  it('does not call a flow newly denied when the other side already denies it, before and after', async () => {
    // catalog's port scan into payments is denied today by payments' default-deny; denying it at
    // the source too changes which policy decides, not the flow's fate.
    const report = await impact(`apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: application.catalog-egress, namespace: shop}
spec:
  tier: application
  order: 1
  selector: app == 'catalog'
  types: [Egress]
  egress:
    - action: Deny
      destination:
        namespaceSelector: projectcalico.org/name == 'payments'
    - action: Pass
`);
    expect(report.totals.newlyDenied).toBe(0);
    expect(report.decidedDifferently.length).toBeGreaterThan(0);
    expect(report.decidedDifferently.every((g) => g.namespace === 'shop' && g.direction === 'Egress')).toBe(true);
  });

  it.each([
    ['a PolicyDeletions entry', DELETE_KAFKA_FREEZE],
    ['a staged Delete', STAGED_DELETE_KAFKA_FREEZE],
  ])('reports the flows newly allowed by deleting a deny policy (%s)', async (_, text) => {
    const frozen = demo(KAFKA_FREEZE);
    const report = await impact(text, frozen);
    expect(report.totals.newlyDenied).toBe(0);
    expect(report.newlyAllowed.map((g) => [g.namespace, g.workload, g.port, g.peers])).toEqual([
      [
        'data',
        KAFKA,
        9092,
        [
          `payments/${workload(frozen.evaluator.state, 'payments', 'fraud-check')}`,
          `payments/${workload(frozen.evaluator.state, 'payments', 'payments')}`,
        ],
      ],
    ]);
    expect(report.newlyAllowed[0]?.previouslyDecidedBy).toMatchObject({
      kind: 'GlobalNetworkPolicy',
      name: 'security.kafka-freeze',
      action: 'Deny',
    });
  });

  it('reports a deletion of a policy that does not exist', async () => {
    const report = await impact(DELETE_KAFKA_FREEZE);
    expect(report.warnings).toEqual([
      'GlobalNetworkPolicy security.kafka-freeze is not in the cluster: deleting it changes nothing',
    ]);
    expect(report.totals.flowsReevaluated).toBe(0);
  });

  it('accepts expected breakages by selector over source or destination labels', async () => {
    const report = await impact(DROP_RECOMMENDATIONS_REDIS, shop, ["app == 'recommendations'"]);
    expect(report.totals.newlyDenied).toBe(0);
    expect(report.acceptedBreakages).toHaveLength(1);
    const bad = await rehearse({
      flows: [],
      before: shop.evaluator,
      changeSet: changeSet(DENY_UNUSED_PORT),
      allowBreaking: ['app =='],
    });
    expect(bad.ok ? undefined : bad.error).toMatchObject({ code: 'invalid-selector', path: 'allowBreaking[0]' });
  });

  it('asks a store only for the touched namespaces and gives the same report', async () => {
    const store = createMemoryStore({ now: () => START + 3600, autoRollover: false });
    await store.ingest(shop.flows.map((f) => f.flow));
    store.tick(START + 3600);
    const progress: number[] = [];
    const result = await rehearseStore({
      store,
      range: { gte: START, lt: START + 3600 },
      before: shop.evaluator,
      changeSet: changeSet(DROP_RECOMMENDATIONS_REDIS),
      onProgress: (p) => progress.push(p.done),
    });
    if (!result.ok) throw new Error(result.error.message);
    const report = result.value;
    expect(report.newlyDenied.map((g) => [g.workload, g.peers])).toEqual([[REDIS, [`shop/${RECOMMENDATIONS}`]]]);
    expect(report.totals.flowsConsidered).toBeLessThan(shop.flows.length);
    expect(report.range).toEqual({ gte: START, lt: START + 3600 });
    expect(progress.at(-1)).toBe(report.totals.flowsConsidered);
    await store.close();
  });

  it('probes only the namespaces of a change of namespaced policies, and finds what probing every endpoint finds', () => {
    // A global policy that selects nothing makes the probe visit every pod and host endpoint.
    const selectsNothing = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.selects-nothing
spec:
  tier: security
  selector: nothing == 'at-all'
  types: [Ingress, Egress]
`;
    for (const change of [DROP_RECOMMENDATIONS_REDIS, DENY_UNUSED_PORT]) {
      const scoped = touchedEndpoints(shop.evaluator.state, changeSet(change));
      const everywhere = touchedEndpoints(shop.evaluator.state, changeSet(`${change}---\n${selectsNothing}`));
      expect(scoped.Ingress.size).toBeGreaterThan(0);
      expect(scoped).toEqual(everywhere);
    }
  });

  it('formats text and markdown ready for a pull-request comment', async () => {
    const report = await impact(DROP_RECOMMENDATIONS_REDIS);
    const md = formatMarkdown(report);
    expect(md.split('\n').slice(0, 3)).toEqual([
      '### Verdict rehearsal',
      '',
      `:x: **${report.totals.newlyDenied} flows allowed today would be denied.**`,
    ]);
    expect(md).toContain('#### Newly denied (allowed today)');
    expect(md).toContain(`| data/${REDIS} | Ingress | shop/${RECOMMENDATIONS} | tcp/6379 |`);
    expect(md).toContain('end of tier application → Deny (selected by CalicoNetworkPolicy data/application.redis)');
    expect(md).toContain(`<sub>${SEMANTICS}</sub>`);
    const text = formatText(report);
    expect(text).toContain('Newly denied (allowed today):');
    expect(text).toContain(`shop/${RECOMMENDATIONS} → data/${REDIS} tcp/6379`);
    const quiet = formatMarkdown(await impact(DENY_UNUSED_PORT));
    expect(quiet).toContain(':white_check_mark: **No flow allowed today would be denied.**');
    expect(quiet).toContain('Rules no flow exercises');
  });
});

describe('promote', () => {
  const STAGED = [
    DROP_RECOMMENDATIONS_REDIS,
    `apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata:
  name: allow-orders-legacy
  namespace: payments
spec:
  stagedAction: Delete
`,
    `apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata:
  name: coredns-egress
  namespace: kube-system
spec:
  stagedAction: Set
  podSelector:
    matchLabels:
      k8s-app: kube-dns
  policyTypes: [Egress]
  egress:
    - ports:
        - protocol: UDP
          port: 53
`,
    `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata:
  name: security.restrict-internet-egress
spec:
  stagedAction: Set
  tier: security
  order: 500
  selector: all()
  namespaceSelector: all()
  types: [Egress]
  egress:
    - action: Pass
      destination:
        nets: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
    - action: Deny
`,
  ].join('---\n');

  it('turns staged kinds into the enforced YAML and deletions, as Calico does', () => {
    const promoted = promote(changeSet(STAGED));
    expect(promoted.deletions).toEqual([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        namespace: 'payments',
        name: 'allow-orders-legacy',
        command: 'kubectl delete networkpolicies.networking.k8s.io allow-orders-legacy -n payments',
      },
    ]);
    const reloaded = loadResources([{ file: 'promoted.yaml', text: promoted.yaml }]);
    // The tiers live in the cluster, not in the change.
    expect(reloaded.issues.filter((i) => !i.message.includes('is not defined'))).toEqual([]);
    const withCluster = loadResources([...demoClusterFiles(), { file: 'promoted.yaml', text: promoted.yaml }]);
    // Replacing application.redis is the point: "defined more than once, the last wins" is the only remark.
    expect(withCluster.issues.filter((i) => i.file === 'promoted.yaml').map((i) => i.code)).toEqual(['duplicate']);
    expect(reloaded.state.policies.map((p) => [p.kind, p.namespace ?? '', p.name, p.staged])).toEqual([
      ['NetworkPolicy', 'data', 'application.redis', false],
      ['KubernetesNetworkPolicy', 'kube-system', 'coredns-egress', false],
      ['GlobalNetworkPolicy', '', 'security.restrict-internet-egress', false],
    ]);
    expect(promoted.yaml).not.toContain('stagedAction');
  });

  it('promoted YAML evaluates to the same verdicts as the staged form under what-if', () => {
    const staged = changeSet(STAGED);
    const promoted = promote(staged);
    const cluster = demoClusterFiles();
    const stagedEvaluator = createEvaluator(loadResources([...cluster, { file: 'change.yaml', text: STAGED }]).state);
    const loaded = loadResources([...cluster, { file: 'promoted.yaml', text: promoted.yaml }]).state;
    const promotedState = {
      ...loaded,
      policies: loaded.policies.filter(
        (p) =>
          !(p.kind === 'KubernetesNetworkPolicy' && p.namespace === 'payments' && p.name === 'allow-orders-legacy'),
      ),
    };
    const promotedEvaluator = createEvaluator(promotedState);
    const appliedEvaluator = createEvaluator(applyChangeSet(demoState(), staged));
    let compared = 0;
    for (const { flow } of shop.flows) {
      if (flow.key.sourceType !== 'WorkloadEndpoint') continue;
      const pods = shop.evaluator.state.pods;
      const source = pods.find(
        (p) => `${p.owner}-*` === flow.key.sourceName && p.namespace === flow.key.sourceNamespace,
      );
      const dest = pods.find((p) => `${p.owner}-*` === flow.key.destName && p.namespace === flow.key.destNamespace);
      if (!source || !dest) continue;
      const query = {
        source: { namespace: source.namespace, name: source.name },
        destination: { namespace: dest.namespace, name: dest.name },
        protocol: flow.key.proto,
        destPort: flow.key.destPort,
      };
      const a = stagedEvaluator.evaluate(query, { whatIf: true });
      const b = promotedEvaluator.evaluate(query, { whatIf: true });
      const c = appliedEvaluator.evaluate(query);
      if (!a.ok || !b.ok || !c.ok) throw new Error('unresolvable demo flow');
      expect(b.value.whatIf?.action).toBe(a.value.whatIf?.action);
      // Applying the change set is enforcing the promoted YAML and running its deletions.
      expect(c.value.enforced.action).toBe(b.value.enforced.action);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe('parseChangeSet', () => {
  it('reports every problem with file, line, column and path', () => {
    const parsed = parseChangeSet([
      {
        file: 'bad.yaml',
        text: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: broken
  namespace: data
spec:
  selector: app ==
---
apiVersion: v1
kind: Pod
metadata:
  name: stray
---
apiVersion: verdict.dev/v1alpha1
kind: PolicyDeletions
deletions:
  - kind: GlobalNetworkPolicy
    name: x
    namespace: nope
  - kind: Frobnicator
    name: y
`,
      },
    ]);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.map((i) => [i.code, i.line, i.column, i.path])).toEqual(
      expect.arrayContaining([
        ['unknown-kind', 10, 7, 'kind'],
        ['invalid-value', 19, 16, 'deletions[0].namespace'],
        ['invalid-value', 20, 11, 'deletions[1].kind'],
        ['invalid-selector', 7, expect.any(Number), 'spec.selector'],
      ]),
    );
  });

  it('rejects an empty change set', () => {
    const parsed = parseChangeSet([{ file: 'empty.yaml', text: '# nothing\n' }]);
    expect(parsed.ok ? [] : parsed.error.map((i) => i.code)).toEqual(['missing-field']);
  });
});
