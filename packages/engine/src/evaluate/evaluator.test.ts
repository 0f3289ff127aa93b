import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../model.ts';
import { loadObjects } from '../resources/index.ts';
import { createEvaluator, type FlowQuery, type ScopeVerdict } from './evaluator.ts';
import {
  cluster,
  from,
  globalNetworkSet,
  globalPolicy,
  hitString,
  hostEndpoint,
  networkPolicy,
  pod,
  rule,
  stagedGlobalPolicy,
  stagedNetworkPolicy,
  tier,
  to,
} from './fixtures.ts';

const web = pod('shop/web', '10.0.1.1', { app: 'web' });
const db = pod('shop/db', '10.0.1.2', { app: 'db' });
const other = pod('ops/tool', '10.0.2.1', { app: 'tool' });
const external = { ip: '203.0.113.9' };

function run(state: ClusterState, query: Partial<FlowQuery> & Pick<FlowQuery, 'source' | 'destination'>) {
  const result = createEvaluator(state).evaluate({ protocol: 'TCP', destPort: 5432, ...query }, { whatIf: true });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const traces = (verdict: ScopeVerdict) => ({
  egress: verdict.egress?.hits.map(hitString) ?? [],
  ingress: verdict.ingress?.hits.map(hitString) ?? [],
});

const webToDb = { source: { namespace: 'shop', name: 'web' }, destination: { namespace: 'shop', name: 'db' } };

describe('worked example (reference §4.5)', () => {
  const security = tier('security', 100);
  const quarantine = globalPolicy('quarantine', {
    tier: 'security',
    order: 10,
    selector: "quarantine == 'true'",
    ingress: [rule('Deny')],
    egress: [rule('Deny')],
  });
  const passRest = globalPolicy('pass-rest', {
    tier: 'security',
    order: 20,
    selector: 'all()',
    types: ['Ingress', 'Egress'],
    ingress: [rule('Pass')],
    egress: [rule('Pass')],
  });
  const allowWeb = {
    ...networkPolicy('shop/allow-web', {
      selector: "app == 'db'",
      order: 1000,
      ingress: [
        rule('Allow', {
          protocol: 6,
          ...from({ selector: "app == 'web'" }),
          destination: { ports: [{ min: 5432, max: 5432 }] },
        }),
      ],
    }),
    kind: 'KubernetesNetworkPolicy' as const,
  };
  const state = cluster({ pods: [web, db], tiers: [security], policies: [quarantine, passRest, allowWeb] });

  it('passes the security tier, then the k8s policy allows', () => {
    expect(traces(run(state, webToDb).enforced).ingress).toEqual([
      '0|security|gnp:pass-rest|pass|0',
      '1|default|knp:shop/allow-web|allow|0',
    ]);
  });

  it('a non-matching flow gets the end-of-tier deny of tier default', () => {
    const verdict = run(state, { ...webToDb, destPort: 80 });
    expect(traces(verdict.enforced).ingress).toEqual([
      '0|security|gnp:pass-rest|pass|0',
      '1|default|knp:shop/allow-web|deny|-1',
    ]);
    expect(verdict.enforced.action).toBe('Deny');
  });

  it('a quarantined pod is denied by its rule', () => {
    const quarantined = pod('shop/db', '10.0.1.2', { app: 'db', quarantine: 'true' });
    const verdict = run(
      cluster({ pods: [web, quarantined], tiers: [security], policies: [quarantine, passRest, allowWeb] }),
      webToDb,
    );
    expect(traces(verdict.enforced).ingress).toEqual(['0|security|gnp:quarantine|deny|0']);
  });

  it('without pass-rest, non-quarantined pods skip the security tier', () => {
    const verdict = run(cluster({ pods: [web, db], tiers: [security], policies: [quarantine, allowWeb] }), webToDb);
    expect(traces(verdict.enforced).ingress).toEqual(['0|default|knp:shop/allow-web|allow|0']);
  });

  it('a selecting policy with no ingress rules ends the tier with a deny triggered by the first policy', () => {
    const isolating = { ...passRest, ingress: [], egress: [] };
    const verdict = run(
      cluster({ pods: [web, db], tiers: [security], policies: [quarantine, isolating, allowWeb] }),
      webToDb,
    );
    const hit = verdict.enforced.ingress?.hits[0];
    expect(hit && hitString(hit)).toBe('0|security|gnp:pass-rest|deny|-1');
    expect(hit?.kind).toBe('EndOfTier');
    expect(hit?.trigger).toEqual({ kind: 'GlobalNetworkPolicy', namespace: '', name: 'pass-rest', tier: 'security' });
  });
});

describe('subtleties (reference §12)', () => {
  it('5. empty policy selector is all(); a GNP with an empty selector also selects host endpoints', () => {
    const node = hostEndpoint('node-1', '10.9.0.1');
    const denyAll = globalPolicy('deny-all', { ingress: [rule('Deny')] });
    const verdict = run(cluster({ pods: [web], hostEndpoints: [node], policies: [denyAll] }), {
      source: { namespace: 'shop', name: 'web' },
      destination: { hostEndpoint: 'node-1' },
    });
    expect(traces(verdict.enforced).ingress).toEqual(['0|default|gnp:deny-all|deny|0']);
  });

  it('6. a tier takes part only if a policy selects the endpoint for that direction', () => {
    const egressOnly = globalPolicy('egress-only', { tier: 'security', types: ['Egress'], egress: [rule('Deny')] });
    const verdict = run(cluster({ pods: [web, db], tiers: [tier('security', 1)], policies: [egressOnly] }), webToDb);
    expect(traces(verdict.enforced).ingress).toEqual(['0|__PROFILE__|pro:kns.shop|allow|0']);
    expect(traces(verdict.enforced).egress).toEqual(['0|security|gnp:egress-only|deny|0']);
  });

  it('7. Pass skips the rest of the tier and its end-of-tier action; tier default Pass continues', () => {
    const pass = globalPolicy('a-pass', { tier: 't', order: 1, ingress: [rule('Pass')] });
    const deny = globalPolicy('b-deny', { tier: 't', order: 2, ingress: [rule('Deny')] });
    expect(
      run(cluster({ pods: [web, db], tiers: [tier('t', 1)], policies: [pass, deny] }), webToDb).enforced.action,
    ).toBe('Allow');
    const noMatch = globalPolicy('no-match', { tier: 't', ingress: [rule('Deny', { protocol: 17 })] });
    const passTier = run(cluster({ pods: [web, db], tiers: [tier('t', 1, 'Pass')], policies: [noMatch] }), webToDb);
    // Calico records the tier's default Pass (reference §15.4).
    expect(traces(passTier.enforced).ingress).toEqual([
      '0|t|gnp:no-match|pass|-1',
      '1|__PROFILE__|pro:kns.shop|allow|0',
    ]);
  });

  it('8. no policy: a k8s pod is allowed by its kns profile, a host endpoint is denied', () => {
    const node = hostEndpoint('node-1', '10.9.0.1');
    const verdict = run(cluster({ pods: [web], hostEndpoints: [node] }), {
      source: { namespace: 'shop', name: 'web' },
      destination: { hostEndpoint: 'node-1' },
    });
    expect(traces(verdict.enforced)).toEqual({
      egress: ['0|__PROFILE__|pro:kns.shop|allow|0'],
      ingress: ['0|__PROFILE__|pro:__PROFILE__|deny|-1'],
    });
  });

  it('9. policies without order sort last; ties break on name/namespace/kind', () => {
    const unordered = globalPolicy('a-unordered', { ingress: [rule('Deny')] });
    const ordered = globalPolicy('z-ordered', { order: 5, ingress: [rule('Allow')] });
    const tieA = globalPolicy('b', { order: 1, ingress: [rule('Deny')] });
    const tieB = globalPolicy('a', { order: 1, ingress: [rule('Allow')] });
    expect(traces(run(cluster({ pods: [web, db], policies: [unordered, ordered] }), webToDb).enforced).ingress).toEqual(
      ['0|default|gnp:z-ordered|allow|0'],
    );
    expect(traces(run(cluster({ pods: [web, db], policies: [tieA, tieB] }), webToDb).enforced).ingress).toEqual([
      '0|default|gnp:a|allow|0',
    ]);
  });

  it('10. a namespaced notSelector-only rule matches pods of its namespace, not external IPs; a GNP matches both', () => {
    const namespaced = networkPolicy('shop/egress', {
      selector: "app == 'web'",
      egress: [rule('Allow', to({ notSelector: "app == 'db'" }))],
    });
    const toExternal = { source: { namespace: 'shop', name: 'web' }, destination: external };
    expect(run(cluster({ pods: [web, db], policies: [namespaced] }), toExternal).enforced.action).toBe('Deny');
    expect(
      run(cluster({ pods: [web, db, other], policies: [namespaced] }), {
        ...toExternal,
        destination: { namespace: 'ops', name: 'tool' },
      }).enforced.action,
    ).toBe('Deny');
    const global = globalPolicy('egress', {
      selector: "app == 'web'",
      egress: [rule('Allow', to({ notSelector: "app == 'db'" }))],
    });
    expect(run(cluster({ pods: [web, db], policies: [global] }), toExternal).enforced.action).toBe('Allow');
    expect(run(cluster({ pods: [web, db], policies: [global] }), webToDb).enforced.action).toBe('Deny');
  });

  it('11. a rule selector all() is not "any packet": it only matches known endpoints', () => {
    const gnp = globalPolicy('all-sel', {
      selector: "app == 'web'",
      egress: [rule('Allow', to({ selector: 'all()' }))],
    });
    expect(
      run(cluster({ pods: [web, db], policies: [gnp] }), { source: webToDb.source, destination: external }).enforced
        .action,
    ).toBe('Deny');
    expect(run(cluster({ pods: [web, db], policies: [gnp] }), webToDb).enforced.action).toBe('Allow');
  });

  it('12. a negated namespaceSelector also matches host endpoints and global network sets', () => {
    const set = globalNetworkSet('partners', ['198.51.100.0/24'], { kind: 'partner' });
    const np = networkPolicy('shop/egress', {
      selector: "app == 'web'",
      egress: [rule('Allow', to({ namespaceSelector: '!has(team)' }))],
    });
    const verdict = run(cluster({ pods: [web], networkSets: [set], policies: [np] }), {
      source: webToDb.source,
      destination: { ip: '198.51.100.7' },
    });
    expect(verdict.enforced.action).toBe('Allow');
    expect(verdict.destination).toMatchObject({ type: 'NetworkSet', name: 'partners' });
  });

  it('13. namespaceSelector global() switches the scope to non-namespaced things only', () => {
    const set = globalNetworkSet('dbs', ['198.51.100.0/24'], { role: 'db' });
    const np = networkPolicy('shop/egress', {
      selector: "app == 'web'",
      egress: [rule('Allow', to({ namespaceSelector: 'global()', selector: "role == 'db'" }))],
    });
    const dbPod = pod('shop/db2', '10.0.1.3', { role: 'db' });
    const state = cluster({ pods: [web, dbPod], networkSets: [set], policies: [np] });
    expect(run(state, { source: webToDb.source, destination: { ip: '198.51.100.7' } }).enforced.action).toBe('Allow');
    expect(
      run(state, { source: webToDb.source, destination: { namespace: 'shop', name: 'db2' } }).enforced.action,
    ).toBe('Deny');
  });

  it('14. an IPv4-only notNets rule never matches IPv6; notNets 0.0.0.0/0 makes a rule dead', () => {
    const v6web = pod('shop/web6', 'fd00::1', { app: 'web' });
    const v6db = pod('shop/db6', 'fd00::2', { app: 'db' });
    const gnp = globalPolicy('v4-only', {
      selector: "app == 'db'",
      ingress: [rule('Allow', from({ notNets: ['192.0.2.0/24'] }))],
    });
    const v6 = { source: { namespace: 'shop', name: 'web6' }, destination: { namespace: 'shop', name: 'db6' } };
    expect(run(cluster({ pods: [v6web, v6db], policies: [gnp] }), v6).enforced.action).toBe('Deny');
    expect(run(cluster({ pods: [web, db], policies: [gnp] }), webToDb).enforced.action).toBe('Allow');
    const dead = globalPolicy('dead', {
      selector: "app == 'db'",
      ingress: [rule('Allow', from({ notNets: ['0.0.0.0/0'] }))],
    });
    expect(run(cluster({ pods: [web, db], policies: [dead] }), webToDb).enforced.action).toBe('Deny');
  });

  it('17. selectors from k8s policies never match host endpoints or network sets; an ipBlock matches pod IPs too', () => {
    const loaded = loadObjects([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'db', namespace: 'shop' },
        spec: {
          podSelector: { matchLabels: { app: 'db' } },
          ingress: [{ from: [{ namespaceSelector: {} }] }, { from: [{ ipBlock: { cidr: '10.0.1.0/24' } }] }],
        },
      },
    ]);
    const node = hostEndpoint('node-1', '10.9.0.1');
    const state = cluster({ pods: [web, db], hostEndpoints: [node], policies: loaded.state.policies });
    expect(run(state, { source: { hostEndpoint: 'node-1' }, destination: webToDb.destination }).enforced.action).toBe(
      'Deny',
    );
    const fromPodByCidr = run(state, webToDb).enforced.ingress?.hits.map(hitString);
    expect(fromPodByCidr).toEqual(['0|default|knp:shop/db|allow|0']);
  });

  it('22. Pass goes to the next tier, not straight to the profiles', () => {
    const pass = globalPolicy('pass', { tier: 'first', ingress: [rule('Pass')] });
    const deny = globalPolicy('deny', { tier: 'second', ingress: [rule('Deny')] });
    const verdict = run(
      cluster({ pods: [web, db], tiers: [tier('first', 1), tier('second', 2)], policies: [pass, deny] }),
      webToDb,
    );
    expect(traces(verdict.enforced).ingress).toEqual(['0|first|gnp:pass|pass|0', '1|second|gnp:deny|deny|0']);
  });

  it('ICMP type and code, protocols by name or number, and service accounts', () => {
    const withAccount = pod('shop/web', '10.0.1.1', { app: 'web' }, { serviceAccount: 'frontend' });
    const np = networkPolicy('shop/db', {
      selector: "app == 'db'",
      ingress: [
        rule('Allow', { protocol: 1, icmp: { type: 8 } }),
        rule('Allow', { protocol: 17, ...from({ serviceAccounts: { names: ['frontend'] } }) }),
      ],
    });
    const state = cluster({ pods: [withAccount, db], policies: [np] });
    const ping = (type: number) => {
      const result = createEvaluator(state).evaluate({
        ...webToDb,
        protocol: 'ICMP',
        destPort: 0,
        icmp: { type, code: 0 },
      });
      return result.ok ? result.value.enforced.action : result.error.message;
    };
    expect([ping(8), ping(0)]).toEqual(['Allow', 'Deny']);
    expect(run(state, { ...webToDb, protocol: 17, destPort: 53 }).enforced.action).toBe('Allow');
    expect(
      run(cluster({ pods: [web, db], policies: [np] }), { ...webToDb, protocol: 'udp', destPort: 53 }).enforced.action,
    ).toBe('Deny');
  });

  it('18. staged Delete does nothing; staged Set is additive; a staged-only tier denies only in pending', () => {
    const allow = globalPolicy('allow', { tier: 't2', ingress: [rule('Allow')] });
    const stagedDeny = stagedGlobalPolicy('staged-deny', { tier: 't1', ingress: [rule('Deny')] });
    const state = cluster({ pods: [web, db], tiers: [tier('t1', 1), tier('t2', 2)], policies: [allow, stagedDeny] });
    const verdict = run(state, webToDb);
    expect(traces(verdict.enforced).ingress).toEqual(['0|t2|gnp:allow|allow|0']);
    expect(traces(verdict.pending).ingress).toEqual(['0|t1|sgnp:staged-deny|deny|0']);
    const stagedNothing = stagedGlobalPolicy('staged-nothing', {
      tier: 't1',
      ingress: [rule('Deny', { protocol: 17 })],
    });
    const eot = run(cluster({ pods: [web, db], tiers: [tier('t1', 1)], policies: [stagedNothing] }), webToDb);
    expect(eot.enforced.action).toBe('Allow');
    expect(traces(eot.pending).ingress).toEqual(['0|t1|sgnp:staged-nothing|deny|-1']);
    const deleteIt = stagedGlobalPolicy('allow', { tier: 't2', stagedAction: 'Delete', types: [] });
    const withDelete = run(cluster({ pods: [web, db], tiers: [tier('t2', 2)], policies: [allow, deleteIt] }), webToDb);
    expect(traces(withDelete.pending).ingress).toEqual(['0|t2|gnp:allow|allow|0']);
  });

  it('19. doNotTrack and preDNAT policies are not part of workload evaluation', () => {
    const untracked = { ...globalPolicy('untracked', { ingress: [rule('Deny')] }), skipForWorkloads: true };
    expect(run(cluster({ pods: [web, db], policies: [untracked] }), webToDb).enforced.action).toBe('Allow');
  });

  it('20. named ports resolve per peer endpoint and protocol', () => {
    const named = pod('shop/db', '10.0.1.2', { app: 'db' }, { ports: [{ name: 'pg', protocol: 6, port: 5432 }] });
    const np = networkPolicy('shop/db', {
      selector: "app == 'db'",
      ingress: [rule('Allow', { protocol: 6, destination: { ports: [{ name: 'pg' }] } })],
    });
    const state = cluster({ pods: [web, named], policies: [np] });
    expect(run(state, webToDb).enforced.action).toBe('Allow');
    expect(run(state, { ...webToDb, destPort: 5433 }).enforced.action).toBe('Deny');
    expect(run(state, { ...webToDb, protocol: 'UDP' }).enforced.action).toBe('Deny');
  });

  it('21. services are matched by backend pod IP and target port', () => {
    const named = pod('shop/db', '10.0.1.2', { app: 'db' }, { ports: [{ name: 'pg', protocol: 6, port: 5432 }] });
    const service = {
      namespace: 'shop',
      name: 'db',
      clusterIPs: ['10.96.0.5'],
      selector: { app: 'db' },
      ports: [{ name: 'pg', protocol: 6, port: 80, targetPort: 'pg' }],
    };
    const np = networkPolicy('shop/web', {
      selector: "app == 'web'",
      egress: [rule('Allow', to({ services: { name: 'db' } }))],
    });
    const state = cluster({ pods: [web, named], services: [service], policies: [np] });
    expect(run(state, webToDb).enforced.action).toBe('Allow');
    expect(run(state, { ...webToDb, destPort: 80 }).enforced.action).toBe('Deny');
  });
});

describe('pending versus enforced (reference §9 table)', () => {
  const t = tier('t', 1);
  const stagedDenyAll = stagedGlobalPolicy('staged-deny', { tier: 't', order: 1, ingress: [rule('Deny')] });
  const cases = [
    { name: 'staged deny-all', policies: [stagedDenyAll], enforced: 'Allow', pending: 'Deny' },
    {
      name: 'staged policy matching nothing',
      policies: [stagedGlobalPolicy('nothing', { tier: 't', ingress: [rule('Deny', { protocol: 17 })] })],
      enforced: 'Allow',
      pending: 'Deny',
    },
    {
      name: 'enforced and staged no-match',
      policies: [
        globalPolicy('e', { tier: 't', ingress: [rule('Allow', { protocol: 17 })] }),
        stagedGlobalPolicy('s', { tier: 't', ingress: [rule('Allow', { protocol: 17 })] }),
      ],
      enforced: 'Deny',
      pending: 'Deny',
    },
    {
      name: 'staged deny-all (order 1), enforced allow-all (order 2)',
      policies: [stagedDenyAll, globalPolicy('allow', { tier: 't', order: 2, ingress: [rule('Allow')] })],
      enforced: 'Allow',
      pending: 'Deny',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const verdict = run(cluster({ pods: [web, db], tiers: [t], policies: testCase.policies }), webToDb);
      expect([verdict.enforced.action, verdict.pending.action]).toEqual([testCase.enforced, testCase.pending]);
    });
  }
});

describe('what-if scope', () => {
  it('a staged Set replaces the same-named enforced policy and a staged Delete removes it', () => {
    const enforced = networkPolicy('shop/db', { order: 100, selector: "app == 'db'", ingress: [rule('Allow')] });
    const replacement = stagedNetworkPolicy('shop/db', {
      selector: "app == 'db'",
      ingress: [rule('Allow', { protocol: 17 })],
    });
    const verdict = run(cluster({ pods: [web, db], policies: [enforced, replacement] }), webToDb);
    expect(verdict.pending.action).toBe('Allow');
    expect(verdict.whatIf?.action).toBe('Deny');
    const removal = stagedNetworkPolicy('shop/db', { stagedAction: 'Delete', types: [] });
    const denyAll = globalPolicy('deny-all', { ingress: [rule('Deny')], order: 2000 });
    const removed = run(cluster({ pods: [web, db], policies: [enforced, removal, denyAll] }), webToDb);
    expect([removed.enforced.action, removed.pending.action, removed.whatIf?.action]).toEqual([
      'Allow',
      'Allow',
      'Deny',
    ]);
  });
});

describe('updates without a recompile', () => {
  it('upserting and removing a policy or a pod changes the verdict', () => {
    const evaluator = createEvaluator(cluster({ pods: [web, db] }));
    const query = { ...webToDb, protocol: 'TCP', destPort: 5432 };
    const action = () => {
      const result = evaluator.evaluate(query);
      return result.ok ? result.value.enforced.action : result.error.message;
    };
    expect(action()).toBe('Allow');
    evaluator.upsertPolicy(networkPolicy('shop/deny', { selector: "app == 'db'", ingress: [rule('Deny')] }));
    expect(action()).toBe('Deny');
    evaluator.upsertPod(pod('shop/db', '10.0.1.2', { app: 'database' }));
    expect(action()).toBe('Allow');
    evaluator.upsertPod(pod('shop/db', '10.0.1.2', { app: 'db' }));
    expect(action()).toBe('Deny');
    expect(evaluator.removePolicy('NetworkPolicy', 'shop', 'deny')).toBe(true);
    expect(action()).toBe('Allow');
  });

  it('a pod given by IP resolves to the pod that holds it', () => {
    const verdict = run(cluster({ pods: [web, db] }), { source: { ip: '10.0.1.1' }, destination: { ip: '10.0.1.2' } });
    expect(verdict.source).toMatchObject({ type: 'WorkloadEndpoint', name: 'web', namespace: 'shop' });
  });

  it('bad input is an error value naming the field', () => {
    const evaluator = createEvaluator(cluster({ pods: [web] }));
    const result = evaluator.evaluate({
      source: { namespace: 'shop', name: 'nope' },
      destination: external,
      protocol: 'TCP',
      destPort: 1,
    });
    expect(result.ok ? undefined : result.error).toMatchObject({ code: 'unknown-endpoint', path: 'source' });
    const protocol = evaluator.evaluate({ source: external, destination: external, protocol: 'XTP', destPort: 1 });
    expect(protocol.ok ? undefined : protocol.error.path).toBe('protocol');
  });
});

describe('explain', () => {
  it('names the deciding rule and why it matched', () => {
    const np = networkPolicy('shop/db', {
      selector: "app == 'db'",
      ingress: [
        rule('Allow', {
          protocol: 6,
          ...from({ selector: "app == 'web'" }),
          destination: { ports: [{ min: 5432, max: 5432 }] },
          path: 'spec.ingress[0]',
        }),
      ],
    });
    const result = createEvaluator(cluster({ pods: [web, db], policies: [np] })).explain(
      { ...webToDb, protocol: 'TCP', destPort: 5432 },
      'enforced',
    );
    if (!result.ok) throw new Error(result.error.message);
    const ingress = result.value.sides.find((side) => side.direction === 'Ingress');
    const decisive = ingress?.steps.find((step) => step.outcome === 'matched');
    expect(decisive?.rulePath).toBe('spec.ingress[0]');
    expect(decisive?.because.join('\n')).toMatch(
      /pod shop\/web \(10\.0\.1\.1\) has labels app=web, matching selector app == .web. in namespace shop/,
    );
    expect(decisive?.because.join('\n')).toMatch(/port 5432 is in \[5432\]/);
  });
});

describe('verdict cache', () => {
  it('stays exact when many ports of one pair of endpoints share cache slots', () => {
    const onlyPostgres = networkPolicy('shop/db-ingress', {
      selector: "app == 'db'",
      types: ['Ingress'],
      ingress: [rule('Allow', { protocol: 6, ...to({ ports: [{ min: 5432, max: 5432 }] }) })],
    });
    const evaluator = createEvaluator(cluster({ pods: [web, db], policies: [onlyPostgres] }));
    // 3,000 ports over 1,024 slots per destination: slots are shared, twice over.
    for (let pass = 0; pass < 2; pass++)
      for (let port = 4000; port < 7000; port++) {
        const result = evaluator.evaluate({ ...webToDb, protocol: 'TCP', destPort: port });
        expect(result.ok && result.value.enforced.action).toBe(port === 5432 ? 'Allow' : 'Deny');
      }
  });
});
