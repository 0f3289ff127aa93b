// The behaviour every store must share (calico-observability §3.3–3.7), run by each back-end's tests.
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyChangeInput } from './changes.ts';
import { endOfTier, flowBetween, hit, ipSet, T0, testClock } from './fixtures.ts';
import { MAX_FLOW_IPS } from './ips.ts';
import type { FlowResult } from './model.ts';
import { isFlowStoreError } from './query.ts';
import type { VerdictFlowStore } from './types.ts';

export type MakeStore = (now: () => number) => VerdictFlowStore;

const exact = (value: string) => ({ value, type: 'Exact' as const });
/** Lets the stream backfill microtask run. */
const settle = () => new Promise<void>((r) => setTimeout(r, 0));

export function describeStoreContract(name: string, make: MakeStore): void {
  describe(`${name} store contract`, () => {
    let store: VerdictFlowStore | undefined;
    const clock = testClock();
    const open = () => {
      clock.set(T0 + 1);
      store = make(clock.now);
      return store;
    };
    const all = { gte: T0 - 3600, lt: T0 + 30 };
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('aggregates flows with the same key into one result with ids from 1', async () => {
      const s = open();
      await s.ingest([
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, packetsIn: 2 }),
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 25, packetsIn: 3 }),
        flowBetween('shop/web', 'shop/db', { startTime: T0 - 30 }),
      ]);
      await s.ingest([flowBetween('shop/web', 'shop/api', { startTime: T0 - 60, packetsIn: 5 })]);
      const r = await s.list({ range: all, sortBy: 'DestName' });
      expect(r.flows.map((f) => [f.id, f.flow.key.destName, f.flow.packetsIn])).toEqual([
        [1, 'api', 10],
        [2, 'db', 1],
      ]);
      const api = r.flows[0]!.flow;
      expect([api.startTime, api.endTime]).toEqual([T0 - 60, T0 - 15]);
      expect(r.totalResults).toBe(2);
    });

    it('gets one flow by id, aggregated over every kept window, as list gives it', async () => {
      const s = open();
      await s.ingest([
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 90, packetsIn: 2, sourceLabels: ['app=web'] }),
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, packetsIn: 3, sourceLabels: ['app=web'] }),
        flowBetween('shop/web', 'shop/db', { startTime: T0 - 30, action: 'Deny' }),
      ]);
      const listed = await s.list({ range: all });
      expect(listed.flows).toHaveLength(2);
      for (const r of listed.flows) expect(await s.get(r.id)).toEqual(r);
      const api = listed.flows.find((r) => r.flow.key.destName === 'api')!;
      expect((await s.get(api.id))?.flow).toMatchObject({ packetsIn: 5, startTime: T0 - 90, endTime: T0 - 15 });
      expect(await s.get(9999)).toBeUndefined();
      expect(await s.get(-1)).toBeUndefined();
    });

    it('intersects labels within a window and treats empty as unset across windows', async () => {
      const s = open();
      await s.ingest([
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, sourceLabels: ['app=web', 'pod=a'] }),
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, sourceLabels: ['app=web', 'pod=b'] }),
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 60, sourceLabels: [] }),
      ]);
      const r = await s.list({ range: all });
      expect(r.flows[0]!.flow.sourceLabels).toEqual(['app=web']);
    });

    it('counts only windows that end by lt, while a window starting before lt still qualifies the key', async () => {
      const s = open();
      await s.ingest([
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 15, packetsIn: 4 }),
        flowBetween('shop/web', 'shop/api', { startTime: T0 + 2, packetsIn: 7 }),
        flowBetween('shop/web', 'shop/db', { startTime: T0 + 3, packetsIn: 9 }),
      ]);
      const r = await s.list({ range: { gte: T0 - 3600, lt: T0 + 1 }, sortBy: 'DestName' });
      expect(r.flows.map((f) => [f.flow.key.destName, f.flow.packetsIn])).toEqual([
        ['api', 4],
        ['db', 0],
      ]);
      const later = await s.list({ range: { gte: T0, lt: T0 + 15 } });
      expect(later.flows.map((f) => f.flow.packetsIn).sort()).toEqual([7, 9]);
    });

    it('rejects gte >= lt with Goldmane’s message', async () => {
      const s = open();
      await expect(s.list({ range: { gte: T0, lt: T0 } })).rejects.toThrow(
        `startTimeGte (${T0}) must be less than startTimeLt (${T0})`,
      );
    });

    it('drops and counts flows outside [beginningOfHistory, headEnd)', async () => {
      const s = open();
      await s.ingest([
        flowBetween('a/x', 'b/y', { startTime: T0 + 30 }),
        flowBetween('a/x', 'b/y', { startTime: T0 + 29 }),
        flowBetween('a/x', 'b/y', { startTime: T0 - 10 * 86_400 }),
      ]);
      expect(s.dropped).toBe(2);
      expect((await s.list({ range: all })).totalResults).toBe(1);
    });

    describe('addresses', () => {
      const at = (i: number) => `10.1.${i >> 8}.${i & 255}`;

      it('keeps the union of the addresses seen within and across windows, sorted', async () => {
        const s = open();
        await s.ingest([
          flowBetween('shop/web', 'shop/api', {
            startTime: T0 - 30,
            sourceIps: ipSet(['10.0.0.2']),
            destIps: ipSet(['10.0.1.1']),
          }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 25, sourceIps: ipSet(['10.0.0.1']) }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 60, sourceIps: ipSet(['10.0.0.2', 'fd00::1']) }),
        ]);
        const [r] = (await s.list({ range: all })).flows;
        expect(r!.flow.sourceIps).toEqual(ipSet(['10.0.0.1', '10.0.0.2', 'fd00::1']));
        expect(r!.flow.destIps).toEqual(ipSet(['10.0.1.1']));
      });

      it(`keeps at most ${MAX_FLOW_IPS} addresses per side and counts the others`, async () => {
        const s = open();
        const many = Array.from({ length: MAX_FLOW_IPS + 20 }, (_, i) =>
          flowBetween('pub', 'shop/web', { startTime: T0 - 30 - (i % 2) * 15, sourceIps: ipSet([at(i)]) }),
        );
        await s.ingest(many.slice(0, 70));
        await s.ingest(many.slice(70));
        const [r] = (await s.list({ range: all })).flows;
        const kept = Array.from({ length: MAX_FLOW_IPS + 20 }, (_, i) => at(i))
          .sort()
          .slice(0, MAX_FLOW_IPS);
        expect(r!.flow.sourceIps).toEqual({ ips: kept, beyond: 20 });
      });

      it('flows without addresses keep working and carry none', async () => {
        const s = open();
        await s.ingest([flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 })]);
        const [r] = (await s.list({ range: all })).flows;
        expect([r!.flow.sourceIps, r!.flow.destIps]).toEqual([undefined, undefined]);
      });

      it('filters by CIDR over the recorded addresses; flows without addresses never match', async () => {
        const s = open();
        await s.ingest([
          flowBetween('pub', 'shop/web', { startTime: T0 - 30, sourceIps: ipSet(['198.51.100.7', '203.0.113.9']) }),
          flowBetween('pvt', 'shop/web', { startTime: T0 - 30, sourceIps: ipSet(['10.1.200.7']) }),
          flowBetween('shop/web', 'shop/db', { startTime: T0 - 30, destIps: ipSet(['2001:db8::5']) }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 }),
        ]);
        const names = async (filter: Parameters<VerdictFlowStore['list']>[0]['filter']) =>
          (await s.list({ range: all, sortBy: 'DestName', ...(filter ? { filter } : {}) })).flows
            .map((f) => `${f.flow.key.sourceName}>${f.flow.key.destName}`)
            .sort();
        expect(await names({ sourceCidrs: ['203.0.113.0/24'] })).toEqual(['pub>web']);
        expect(await names({ sourceCidrs: ['10.0.0.0/8', '198.51.100.7'] })).toEqual(['pub>web', 'pvt>web']);
        expect(await names({ destCidrs: ['2001:db8::/32'] })).toEqual(['web>db']);
        expect(await names({ sourceCidrs: ['0.0.0.0/0'], destNames: [exact('web')] })).toEqual(['pub>web', 'pvt>web']);
        expect(await names({ destCidrs: ['0.0.0.0/0'] })).toEqual([]);
        const hints = await s.hints({ type: 'SourceName', range: all, filter: { sourceCidrs: ['10.1.0.0/16'] } });
        expect(hints.values).toEqual(['pvt']);
      });

      it('a CIDR that does not parse is an invalid-filter error naming its place', async () => {
        const s = open();
        const e = await s
          .list({ range: all, filter: { destCidrs: ['10.0.0.0/8', '10.0.0.0/33'] } })
          .catch((x: unknown) => x);
        expect(isFlowStoreError(e) && [e.code, e.path]).toEqual(['invalid-filter', 'filter.destCidrs[1]']);
      });

      it('streams honour a CIDR filter', async () => {
        const s = open();
        await s.ingest([
          flowBetween('pub', 'shop/web', { startTime: T0 - 15, sourceIps: ipSet(['198.51.100.7']) }),
          flowBetween('pvt', 'shop/web', { startTime: T0 - 15, sourceIps: ipSet(['10.1.200.7']) }),
        ]);
        const got: string[] = [];
        s.subscribe(T0 - 15, { sourceCidrs: ['198.51.100.0/24'] }, (r) => got.push(r.flow.key.sourceName));
        await settle();
        s.tick(T0 + 15);
        await settle();
        expect(got).toEqual(['pub']);
      });
    });

    describe('sorting and paging', () => {
      const five = async (s: VerdictFlowStore) => {
        await s.ingest([
          flowBetween('ns-c/web', 'ns-b/api', { startTime: T0 - 60 }),
          flowBetween('ns-a/web', 'ns-b/api', { startTime: T0 - 15, destPort: 1 }),
          flowBetween('ns-b/job', 'ns-a/db', { startTime: T0 - 45 }),
          flowBetween('ns-a/cron', 'ns-c/cache', { startTime: T0 - 30 }),
          flowBetween('ns-b/web', 'ns-a/db', { startTime: T0 - 75 }),
        ]);
      };

      it('Time sorts newest start first', async () => {
        const s = open();
        await five(s);
        const r = await s.list({ range: all, sortBy: 'Time' });
        expect(r.flows.map((f) => f.flow.startTime)).toEqual([T0 - 15, T0 - 30, T0 - 45, T0 - 60, T0 - 75]);
        const byDefault = await s.list({ range: all });
        expect(byDefault.flows.map((f) => f.id)).toEqual(r.flows.map((f) => f.id));
      });

      it('name sorts are ascending with ties broken by id', async () => {
        const s = open();
        await five(s);
        const dest = await s.list({ range: all, sortBy: 'DestName' });
        expect(dest.flows.map((f) => [f.flow.key.destName, f.id])).toEqual([
          ['api', 1],
          ['api', 2],
          ['cache', 4],
          ['db', 3],
          ['db', 5],
        ]);
        const srcNs = await s.list({ range: all, sortBy: 'SourceNamespace' });
        expect(srcNs.flows.map((f) => f.flow.key.sourceNamespace)).toEqual(['ns-a', 'ns-a', 'ns-b', 'ns-b', 'ns-c']);
        const srcName = await s.list({ range: all, sortBy: 'SourceName' });
        expect(srcName.flows.map((f) => f.flow.key.sourceName)).toEqual(['cron', 'job', 'web', 'web', 'web']);
        const dstNs = await s.list({ range: all, sortBy: 'DestNamespace' });
        expect(dstNs.flows.map((f) => f.flow.key.destNamespace)).toEqual(['ns-a', 'ns-a', 'ns-b', 'ns-b', 'ns-c']);
      });

      it('DestType and SourceType are an unsupported sort order', async () => {
        const s = open();
        await five(s);
        for (const sortBy of ['DestType', 'SourceType'] as const) {
          const e = await s.list({ range: all, sortBy }).catch((x: unknown) => x);
          expect(isFlowStoreError(e) && e.code).toBe('unsupported-sort');
          expect((e as Error).message).toBe('unsupported sort order');
        }
      });

      it('pages are 0-based with totals; a page past the end is empty with empty meta', async () => {
        const s = open();
        await five(s);
        const p0 = await s.list({ range: all, page: 0, pageSize: 2 });
        expect([p0.totalPages, p0.totalResults, p0.flows.length]).toEqual([3, 5, 2]);
        const p2 = await s.list({ range: all, page: 2, pageSize: 2 });
        expect([p2.totalPages, p2.totalResults, p2.flows.length]).toEqual([3, 5, 1]);
        expect(p2.flows[0]!.flow.startTime).toBe(T0 - 75);
        const { resolution: _, ...pastTheEnd } = await s.list({ range: all, page: 3, pageSize: 2 });
        expect(pastTheEnd).toEqual({
          totalPages: 0,
          totalResults: 0,
          flows: [],
        });
        const everything = await s.list({ range: all, page: 0, pageSize: 0 });
        expect([everything.totalPages, everything.flows.length]).toEqual([1, 5]);
        const none = await s.list({ range: all, filter: { destPorts: [9] } });
        expect([none.totalPages, none.totalResults]).toEqual([0, 0]);
      });
    });

    it('filters with Goldmane semantics, pushing nothing past the compiled filter', async () => {
      const s = open();
      await s.ingest([
        flowBetween('pub', 'shop/web', { startTime: T0 - 30, action: 'Deny' }),
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 }),
        flowBetween('shop/web', 'pvt', { startTime: T0 - 30, reporter: 'Src' }),
      ]);
      const pub = await s.list({ range: all, filter: { sourceNames: [exact('PUBLIC NETWORK')], actions: ['Deny'] } });
      expect(pub.flows.map((f) => f.flow.key.sourceName)).toEqual(['pub']);
      const global = await s.list({ range: all, filter: { destNamespaces: [exact('Global')] } });
      expect(global.flows.map((f) => f.flow.key.destName)).toEqual(['pvt']);
      const fuzzy = await s.list({ range: all, filter: { sourceNames: [{ value: 'PUB', type: 'Fuzzy' }] } });
      expect(fuzzy.flows.map((f) => f.flow.key.sourceName)).toEqual(['pub']);
      const sel = await s.list({ range: all, filter: { destSelector: "app == 'api'" } });
      expect(sel.flows.map((f) => f.flow.key.destName)).toEqual(['api']);
    });

    it("results name the store's cluster and a clusters filter keeps that cluster's flows only", async () => {
      const s = open();
      await s.ingest([
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 }),
        flowBetween('shop/web', 'shop/db', { startTime: T0 - 30 }),
      ]);
      const listed = await s.list({ range: all });
      expect(listed.flows.map((r) => r.cluster)).toEqual(['default', 'default']);
      expect((await s.get(listed.flows[0]!.id))?.cluster).toBe('default');
      const mine = await s.list({ range: all, filter: { clusters: ['prod', 'default'] } });
      expect(mine.totalResults).toBe(2);
      const other = await s.list({ range: all, filter: { clusters: ['prod'] } });
      expect([other.totalPages, other.totalResults, other.flows]).toEqual([0, 0, []]);
      const hints = await s.hints({ type: 'DestName', range: all, filter: { clusters: ['prod'] } });
      expect(hints.values).toEqual([]);
    });

    it('a filter with a bad selector rejects with an invalid-filter error, not a crash', async () => {
      const s = open();
      await s.ingest([flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 })]);
      const e = await s.list({ range: all, filter: { sourceSelector: 'app ==' } }).catch((x: unknown) => x);
      expect(isFlowStoreError(e) && e.code).toBe('invalid-filter');
      expect(isFlowStoreError(e) && e.path).toBe('filter.sourceSelector');
      expect(() => s.subscribe(0, { sourceSelector: '(' }, () => {})).toThrow(/invalid selector/);
    });

    describe('hints', () => {
      const seed = async (s: VerdictFlowStore) => {
        const staged = hit('StagedNetworkPolicy', 'security/shop/lockdown', 'Deny');
        await s.ingest([
          flowBetween('pub', 'shop/web', {
            startTime: T0 - 30,
            enforced: [hit('NetworkPolicy', 'default/shop/allow-web', 'Allow', { ruleIndex: 2 })],
          }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 30, pending: [endOfTier(staged, 'Deny')] }),
          flowBetween('shop/web', 'pvt', {
            startTime: T0 - 30,
            enforced: [hit('GlobalNetworkPolicy', 'platform/egress', 'Allow')],
          }),
          flowBetween('kube-system/dns', 'shop/api', { startTime: T0 - 30 }),
        ]);
      };

      it('name and namespace hints are the raw distinct values, sorted and paged', async () => {
        const s = open();
        await seed(s);
        expect((await s.hints({ type: 'SourceName', range: all })).values).toEqual(['dns', 'pub', 'web']);
        expect((await s.hints({ type: 'DestNamespace', range: all })).values).toEqual(['-', 'shop']);
        const page = await s.hints({ type: 'DestName', range: all, page: 1, pageSize: 2 });
        expect(page).toEqual({ totalPages: 2, totalResults: 3, values: ['web'] });
      });

      it('hints honour the filter, including display aliases', async () => {
        const s = open();
        await seed(s);
        const r = await s.hints({ type: 'DestName', range: all, filter: { sourceNames: [exact('PUBLIC NETWORK')] } });
        expect(r.values).toEqual(['web']);
        const g = await s.hints({ type: 'DestName', range: all, filter: { destNamespaces: [exact('Global')] } });
        expect(g.values).toEqual(['pvt']);
      });

      it('policy hints skip profiles and use the trigger of end-of-tier hits', async () => {
        const s = open();
        await seed(s);
        expect((await s.hints({ type: 'PolicyName', range: all })).values).toEqual(['allow-web', 'egress', 'lockdown']);
        expect((await s.hints({ type: 'PolicyTier', range: all })).values).toEqual(['default', 'platform', 'security']);
        expect((await s.hints({ type: 'PolicyKind', range: all })).values).toEqual([
          'GlobalNetworkPolicy',
          'NetworkPolicy',
          'StagedNetworkPolicy',
        ]);
        expect((await s.hints({ type: 'PolicyNamespace', range: all })).values).toEqual(['', 'shop']);
      });

      it('an unknown hint type is an error', async () => {
        const s = open();
        const e = await s.hints({ type: 'Nope' as 'DestName', range: all }).catch((x: unknown) => x);
        expect(isFlowStoreError(e) && e.message).toBe('unsupported filter type');
      });
    });

    describe('subscribe', () => {
      it('backfills oldest bucket first, then sends each completed bucket at rollover, one message per key', async () => {
        const s = open();
        await s.ingest([
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 45, packetsIn: 1 }),
          flowBetween('shop/web', 'shop/db', { startTime: T0 - 60, packetsIn: 2 }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 60, packetsIn: 3 }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 75, packetsIn: 99 }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 15, packetsIn: 4 }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 + 5, packetsIn: 5 }),
        ]);
        const got: FlowResult[] = [];
        const sub = s.subscribe(T0 - 50, undefined, (r) => got.push(r));
        expect(got).toEqual([]);
        await settle();
        const seen = () => got.map((r) => [r.flow.key.destName, r.flow.startTime, r.flow.endTime, r.flow.packetsIn]);
        expect(seen()).toEqual([
          ['api', T0 - 60, T0 - 45, 3],
          ['db', T0 - 60, T0 - 45, 2],
          ['api', T0 - 45, T0 - 30, 1],
        ]);
        got.length = 0;
        s.tick(T0 + 15);
        expect(seen()).toEqual([['api', T0 - 15, T0, 4]]);
        await s.ingest([flowBetween('shop/web', 'shop/db', { startTime: T0 + 6, packetsIn: 6 })]);
        got.length = 0;
        s.tick(T0 + 30);
        expect(seen()).toEqual([
          ['api', T0, T0 + 15, 5],
          ['db', T0, T0 + 15, 6],
        ]);
        expect(new Set(got.map((r) => r.id)).size).toBe(2);
        sub.close();
        got.length = 0;
        s.tick(T0 + 45);
        expect(got).toEqual([]);
      });

      it('fromTime 0 means live only, a filter applies per message, and a start before history sends no backfill', async () => {
        const s = open();
        await s.ingest([
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 60 }),
          flowBetween('shop/web', 'shop/db', { startTime: T0 - 15, action: 'Deny' }),
          flowBetween('shop/web', 'shop/api', { startTime: T0 - 15 }),
        ]);
        const live: string[] = [];
        const old: string[] = [];
        s.subscribe(0, { actions: ['Deny'] }, (r) => live.push(r.flow.key.destName));
        s.subscribe(T0 - 30 * 86_400, undefined, (r) => old.push(r.flow.key.destName));
        await settle();
        expect([live, old]).toEqual([[], []]);
        s.tick(T0 + 15);
        expect(live).toEqual(['db']);
        expect(old.sort()).toEqual(['api', 'db']);
      });
    });

    it('computes policy statistics over stored windows', async () => {
      const s = open();
      await s.ingest([
        flowBetween('shop/web', 'shop/api', {
          startTime: T0 - 30,
          packetsIn: 5,
          packetsOut: 1,
          enforced: [hit('NetworkPolicy', 'default/shop/allow-web', 'Allow', { ruleIndex: 2 })],
        }),
      ]);
      const r = await s.statistics({ range: all, type: 'PacketCount', groupBy: 'PolicyRule' });
      expect(r.map((x) => [x.policy.name, x.policy.ruleIndex, x.direction, x.allowedIn, x.allowedOut])).toEqual([
        ['allow-web', 2, 'Ingress', [5], [1]],
      ]);
    });

    describe('policy change log', () => {
      const change = (name: string, time: number, op: PolicyChangeInput['op'] = 'modified'): PolicyChangeInput => ({
        time,
        op,
        kind: 'GlobalNetworkPolicy',
        namespace: '',
        name,
        resourceVersion: String(time),
        source: 'watch',
        before: op === 'added' ? null : { spec: { order: 1 } },
        after: op === 'deleted' ? null : { spec: { order: 2 } },
        diff: '-  order: 1\n+  order: 2\n',
      });
      const ms = (seconds: number) => seconds * 1000;

      it('numbers changes in order and returns them oldest first with before, after and diff intact', async () => {
        const s = open();
        const stored = await s.recordChanges([change('a', ms(T0 - 20), 'added'), change('b', ms(T0 - 10))]);
        expect(stored.map((c) => c.id)).toEqual([stored[0]!.id, stored[0]!.id + 1]);
        const [later] = await s.recordChanges([change('a', ms(T0 - 5), 'deleted')]);
        expect(later!.id).toBeGreaterThan(stored[1]!.id);
        const all = await s.changes({});
        expect(all.map((c) => [c.name, c.op])).toEqual([
          ['a', 'added'],
          ['b', 'modified'],
          ['a', 'deleted'],
        ]);
        expect(all[0]).toEqual({ ...change('a', ms(T0 - 20), 'added'), id: stored[0]!.id });
        expect(all[2]!.after).toBeNull();
      });

      it('filters by name, kind, namespace, time and id, and keeps the newest `limit`', async () => {
        const s = open();
        const stored = await s.recordChanges([
          change('a', ms(T0 - 30)),
          change('b', ms(T0 - 20)),
          change('a', ms(T0 - 10)),
          { ...change('a', ms(T0 - 5)), kind: 'NetworkPolicy', namespace: 'shop' },
        ]);
        const names = (list: readonly { name: string; time: number }[]) => list.map((c) => `${c.name}@${c.time}`);
        expect(names(await s.changes({ kind: 'GlobalNetworkPolicy', namespace: '', name: 'a' }))).toEqual([
          `a@${ms(T0 - 30)}`,
          `a@${ms(T0 - 10)}`,
        ]);
        expect(names(await s.changes({ since: ms(T0 - 20) }))).toEqual([
          `b@${ms(T0 - 20)}`,
          `a@${ms(T0 - 10)}`,
          `a@${ms(T0 - 5)}`,
        ]);
        expect(names(await s.changes({ afterId: stored[2]!.id }))).toEqual([`a@${ms(T0 - 5)}`]);
        expect(names(await s.changes({ limit: 2 }))).toEqual([`a@${ms(T0 - 10)}`, `a@${ms(T0 - 5)}`]);
        expect(await s.changes({ name: 'nothing' })).toEqual([]);
      });

      it('forgets changes older than the kept flow history', async () => {
        const s = open();
        await s.recordChanges([change('old', ms(T0 - 30 * 86_400)), change('new', ms(T0))]);
        clock.set(T0 + 60);
        s.tick();
        expect((await s.changes({})).map((c) => c.name)).toEqual(['new']);
      });
    });

    describe('roll-ups', () => {
      /** 50 minutes of 12 keys, one window per key every 15 s, with counters that differ per window. */
      const history = () => {
        const flows = [];
        for (let t = T0 - 3000; t < T0; t += 15) {
          for (let k = 0; k < 12; k++) {
            if ((t / 15 + k) % 5 === 0) continue;
            flows.push(
              flowBetween(`ns-${k % 3}/src-${k}`, `ns-${k % 4}/dst-${k % 5}`, {
                startTime: t + (k % 15),
                packetsIn: 1 + ((t / 15 + k) % 7),
                bytesOut: 100 * (1 + (k % 3)),
                sourceLabels: [`app=src-${k}`],
                enforced: [hit('NetworkPolicy', `default/ns-${k % 4}/allow-${k % 2}`, 'Allow', { ruleIndex: k % 3 })],
              }),
            );
          }
        }
        return flows;
      };
      /** What a 15 s store gives for a range: keys with a window starting in it, counting windows ending by lt. */
      const expected = (flows: readonly ReturnType<typeof flowBetween>[], gte: number, lt: number) => {
        const keys = new Map<string, { packetsIn: number; bytesOut: number; first: number }>();
        for (const f of flows) {
          const b = f.startTime - (f.startTime % 15);
          if (b < gte || b >= lt) continue;
          const id = `${f.key.sourceName}>${f.key.destName}`;
          const e = keys.get(id) ?? { packetsIn: 0, bytesOut: 0, first: b };
          if (b + 15 <= lt) {
            e.packetsIn += f.packetsIn;
            e.bytesOut += f.bytesOut;
          }
          e.first = Math.min(e.first, b);
          keys.set(id, e);
        }
        return keys;
      };
      const ranges = [
        [T0 - 3000, T0],
        [T0 - 2700, T0 - 600],
        [T0 - 2683, T0 - 611],
        [T0 - 1801, T0 + 1],
        [T0 - 900, T0 - 885],
        [T0 - 125, T0 - 5],
      ] as const;

      it('while 15 s windows are kept, every range counts exactly what 15 s windows give, whatever the resolution', async () => {
        const s = open();
        const flows = history();
        await s.ingest(flows);
        await s.rollUp?.();
        for (const [gte, lt] of ranges) {
          const r = await s.list({ range: { gte, lt }, pageSize: 0 });
          const resolution = r.resolution ?? 15;
          expect([15, 60, 300]).toContain(resolution);
          const want = expected(flows, gte, lt);
          expect(r.totalResults).toBe(want.size);
          for (const { flow } of r.flows) {
            const e = want.get(`${flow.key.sourceName}>${flow.key.destName}`);
            expect([flow.packetsIn, flow.bytesOut]).toEqual([e?.packetsIn, e?.bytesOut]);
            // Start times are exact to the resolution the answer was read at.
            expect(flow.startTime).toBeLessThanOrEqual(e!.first);
            expect(flow.startTime).toBeGreaterThan(e!.first - resolution);
          }
          const stats = await s.statistics({ range: { gte, lt }, type: 'PacketCount', groupBy: 'Policy' });
          const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
          const total = [...want.values()].reduce((a, e) => a + e.packetsIn, 0);
          // One policy per flow, so the groups together count every window of the range once.
          expect(stats.reduce((a, g) => a + sum(g.allowedIn), 0)).toBe(total);
        }
      });

      it('rolling up twice changes nothing, and a late flow for a rolled-up bucket is counted once', async () => {
        const s = open();
        const flows = history();
        await s.ingest(flows);
        await s.rollUp?.();
        const range = { gte: T0 - 3000, lt: T0 - 600 };
        const before = await s.list({ range, pageSize: 0 });
        await s.rollUp?.();
        expect(await s.list({ range, pageSize: 0 })).toEqual(before);
        const late = { ...flows[0]!, startTime: T0 - 2400, packetsIn: 1000 };
        await s.ingest([late]);
        await s.rollUp?.();
        const after = await s.list({ range, pageSize: 0 });
        const sum = (r: typeof before) => r.flows.reduce((a, f) => a + f.flow.packetsIn, 0);
        expect(sum(after)).toBe(sum(before) + 1000);
        expect(after.totalResults).toBe(before.totalResults);
        const want = expected([...flows, late], range.gte, range.lt);
        expect(sum(after)).toBe([...want.values()].reduce((a, e) => a + e.packetsIn, 0));
      });

      it('get gives the same flow as list over the whole history after a roll-up', async () => {
        const s = open();
        await s.ingest(history());
        await s.rollUp?.();
        const listed = await s.list({ range: { gte: T0 - 3600, lt: T0 + 30 }, pageSize: 0 });
        expect(listed.totalResults).toBe(12);
        for (const r of listed.flows) expect((await s.get(r.id))?.flow).toEqual(r.flow);
      });
    });

    it('reports rows in stats()', async () => {
      const s = open();
      await s.ingest([
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 30 }),
        flowBetween('shop/web', 'shop/api', { startTime: T0 - 15 }),
      ]);
      expect((await s.stats()).rows).toBe(2);
    });
  });
}
