import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { hitKindsIn } from '@verdict/engine';
import { createMemoryStore } from '@verdict/flows';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, flowBetween, silentLog, T0, testClock, trackSubscriptions } from '../../test/fixtures.ts';
import { parseFilters } from './filters.ts';
import { createWhiskerConfigRoutes, createWhiskerRoutes } from './routes.ts';

const UI_ORIGIN = 'http://localhost:3000';

/** The §8 example flow as whisker-backend returns it (one 15 s bucket, so end = start + 15). */
const EXAMPLE_RESPONSE = {
  start_time: '2025-08-22T10:15:00Z',
  end_time: '2025-08-22T10:15:15Z',
  action: 'Allow',
  source_name: 'frontend-6d4b8c7f9-*',
  source_namespace: 'shop',
  source_labels: 'app=frontend | tier=web',
  dest_name: 'checkout-5c8f9-*',
  dest_namespace: 'shop',
  dest_labels: 'app=checkout',
  protocol: 'tcp',
  dest_port: 8080,
  reporter: 'Dst',
  policies: {
    enforced: [
      {
        kind: 'Profile',
        name: 'kns.shop',
        namespace: '',
        tier: '',
        action: 'Allow',
        policy_index: 0,
        rule_index: 0,
        trigger: null,
      },
    ],
    pending: [
      {
        kind: 'EndOfTier',
        name: '',
        namespace: '',
        tier: 'security',
        action: 'Deny',
        policy_index: 0,
        rule_index: -1,
        trigger: {
          kind: 'StagedNetworkPolicy',
          name: 'lockdown',
          namespace: 'shop',
          tier: 'security',
          action: 'ActionUnspecified',
          policy_index: 0,
          rule_index: 0,
          trigger: null,
        },
      },
    ],
  },
  packets_in: 30,
  packets_out: 28,
  bytes_in: 4200,
  bytes_out: 12800,
};

const exampleFlow = flowBetween('shop/frontend-6d4b8c7f9-*', 'shop/checkout-5c8f9-*');
const publicFlow = flowBetween(
  '-/pub',
  'shop/web-7c9d-*',
  { destPort: 443, action: 'Deny', policies: { enforced: [], pending: [] } },
  { sourceLabels: [] },
);

interface Harness {
  base: string;
  clock: ReturnType<typeof testClock>;
  store: ReturnType<typeof createMemoryStore>;
  openSubscriptions: () => number;
  close: () => Promise<void>;
}

async function start(): Promise<Harness> {
  const clock = testClock(T0 + 1);
  const store = createMemoryStore({ now: clock.now });
  const tracked = trackSubscriptions(store);
  const app = new Hono();
  app.route(
    '/whisker-backend',
    createWhiskerRoutes({ store: tracked.store, cors: [UI_ORIGIN], now: clock.now, log: silentLog }),
  );
  app.route('/', createWhiskerConfigRoutes());
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    clock,
    store,
    openSubscriptions: tracked.open,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Reads `data: <json>\n\n` events off a fetch body. */
function sseReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: unknown[] = [];
  const raw: string[] = [];
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        raw.push(block);
        if (block.startsWith('data: ')) events.push(JSON.parse(block.slice('data: '.length)));
      }
    }
  })();
  return { events, raw, done: pump };
}

describe('whisker-backend HTTP over a socket', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await start();
    await h.store.ingest([exampleFlow, publicFlow]);
    h.clock.set(T0 + 31);
    h.store.tick();
  });
  afterEach(async () => {
    await h.close();
  });

  const get = (path: string, init?: RequestInit) => fetch(`${h.base}/whisker-backend${path}`, init);

  it('lists flows field for field, with [] for empty traces and totalResults', async () => {
    const res = await get('/flows?startTimeGte=-300&sortBy=DestName', { headers: { Origin: UI_ORIGIN } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const body = JSON.parse(text);
    expect(body.total).toEqual({ totalPages: 1, totalResults: 2 });
    expect(body.items[0]).toEqual(EXAMPLE_RESPONSE);
    expect(Object.keys(body.items[0])).toEqual(Object.keys(EXAMPLE_RESPONSE));
    expect(body.items[1]).toMatchObject({
      source_name: 'PUBLIC NETWORK',
      source_namespace: '-',
      source_labels: '',
      action: 'Deny',
      dest_port: 443,
      policies: { enforced: [], pending: [] },
    });
  });

  it('answers an empty list with items []', async () => {
    const res = await get(`/flows?filters=${encodeURIComponent('{"dest_ports":[{"value":1,"type":"Exact"}]}')}`);
    expect(await res.json()).toEqual({ total: { totalPages: 0, totalResults: 0 }, items: [] });
  });

  it('reads filters raw, URL-encoded once, or twice, and rewrites display aliases', async () => {
    const filters =
      '{"source_names":[{"type":"Exact","value":"PUBLIC NETWORK"}],"source_namespaces":[{"type":"Exact","value":"Global"}]}';
    const once = encodeURIComponent(filters);
    for (const q of [once, encodeURIComponent(once), filters.replace(/ /g, '%20')]) {
      const body = await (await get(`/flows?filters=${q}`)).json();
      expect(body.items.map((i: { dest_name: string }) => i.dest_name)).toEqual(['web-7c9d-*']);
    }
  });

  it('rejects bad input with 400 naming the parameter and what was expected', async () => {
    const cases: [string, string][] = [
      [`filters=${encodeURIComponent('{"source_names":[}')}`, 'filters: expected a JSON value at column 18'],
      [`filters=${encodeURIComponent('{"a" 1}')}`, "filters: expected ':' at column 6"],
      [`filters=${encodeURIComponent('[]')}`, 'filters: expected a JSON object, got array'],
      [
        `filters=${encodeURIComponent('{"source_names":[{"value":"a","type":"exact"}]}')}`,
        'filters.source_names[0].type: expected one of "Exact", "Fuzzy", got "exact"',
      ],
      [
        `filters=${encodeURIComponent('{"actions":["Maybe"]}')}`,
        'filters.actions[0]: expected one of "Allow", "Deny", "Pass", got "Maybe"',
      ],
      [
        'startTimeGte=soon',
        'startTimeGte: expected an integer (Unix seconds, or negative seconds relative to now), got "soon"',
      ],
      ['watch=yes', 'watch: expected true or false, got "yes"'],
      [
        'sortBy=Bogus',
        'sortBy: unknown value Bogus; allowed values are Time, DestName, DestNamespace, DestType, SourceName, SourceNamespace, SourceType',
      ],
      ['sortBy=Time&sortBy=DestName', 'sortBy: at most one sort order is supported'],
      ['pageSize=-1', 'pageSize: expected a non-negative integer, got "-1"'],
    ];
    for (const [query, error] of cases) {
      const res = await get(`/flows?${query}`, { headers: { Origin: UI_ORIGIN } });
      expect(res.status, query).toBe(400);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
      expect(await res.json()).toEqual({ error });
    }
  });

  it('returns filter hints with display values, totalResults, and type validation', async () => {
    const res = await get('/flows-filter-hints?type=SourceNamespace&page=0&pageSize=20');
    expect(await res.json()).toEqual({
      total: { totalPages: 1, totalResults: 2 },
      items: [{ value: 'Global' }, { value: 'shop' }],
    });
    const names = await (await get('/flows-filter-hints?type=SourceName')).json();
    expect(names.items).toEqual([{ value: 'frontend-6d4b8c7f9-*' }, { value: 'PUBLIC NETWORK' }]);
    // The UI sends the search text as the kind while one types; EndOfTier hits match on their own kind.
    const fuzzyKind = encodeURIComponent('{"policies":[{"kind":"endof"}]}');
    const kinds = await (await get(`/flows-filter-hints?type=PolicyKind&filters=${fuzzyKind}`)).json();
    expect(kinds.items).toEqual([{ value: 'StagedNetworkPolicy' }]);

    const missing = await get('/flows-filter-hints');
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatch(/^type: required; allowed values are DestName, /);
    const unknown = await get('/flows-filter-hints?type=Pods');
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatch(/^type: unknown filter type value Pods; allowed values are /);
  });

  it('streams flows as SSE with CORS and ends the subscription when the client goes away', async () => {
    const controller = new AbortController();
    const res = await get('/flows?watch=true&startTimeGte=-300', {
      headers: { Origin: UI_ORIGIN },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const sse = sseReader(res);
    await eventually(() => sse.events.length === 2);
    expect(sse.raw[0]?.startsWith('data: {"start_time"')).toBe(true);
    expect(sse.events).toContainEqual(EXAMPLE_RESPONSE);

    // Live: a flow in the next bucket arrives once that bucket completes.
    await h.store.ingest([{ ...exampleFlow, startTime: T0 + 32, endTime: T0 + 32 }]);
    h.clock.set(T0 + 61);
    h.store.tick();
    await eventually(() => sse.events.length === 3);
    expect(sse.events[2]).toMatchObject({ start_time: '2025-08-22T10:15:30Z', end_time: '2025-08-22T10:15:45Z' });

    expect(h.openSubscriptions()).toBe(1);
    controller.abort();
    await sse.done;
    await eventually(() => h.openSubscriptions() === 0);
  });

  it('starts a watch with no backfill when startTimeGte is absent, and sends headers at once', async () => {
    const controller = new AbortController();
    const res = await get('/flows?watch=true', { signal: controller.signal });
    expect(res.status).toBe(200);
    const sse = sseReader(res);
    await new Promise((r) => setTimeout(r, 50));
    expect(sse.events).toEqual([]);
    controller.abort();
    await sse.done;
    await eventually(() => h.openSubscriptions() === 0);
  });

  it('serves /config/config.json with notifications disabled', async () => {
    const res = await fetch(`${h.base}/config/config.json`);
    expect(await res.json()).toMatchObject({ config: { notifications: 'Disabled' } });
  });
});

describe('policy kind filters follow the reproduced Calico release', () => {
  const kindsOf = (text: string, version: '3.31' | '3.33') => {
    const r = parseFilters(JSON.stringify({ policies: [{ kind: text }] }), hitKindsIn(version));
    return r.ok ? r.value.policies?.map((p) => p.kind) : r.error.message;
  };

  it('expands typed text to the admin kinds of 3.31 and to ClusterNetworkPolicy from 3.32', () => {
    expect(kindsOf('admin', '3.31')).toEqual(['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy']);
    expect(kindsOf('admin', '3.33')).toMatch(/filters\.policies\[0\]\.kind: expected one of .*"ClusterNetworkPolicy"/);
    expect(kindsOf('cluster', '3.33')).toEqual(['ClusterNetworkPolicy']);
    expect(kindsOf('cluster', '3.31')).toMatch(/expected one of/);
  });

  it('accepts an exact kind name of any release, as whisker-backend does', () => {
    expect(kindsOf('AdminNetworkPolicy', '3.33')).toEqual(['AdminNetworkPolicy']);
    expect(kindsOf('ClusterNetworkPolicy', '3.31')).toEqual(['ClusterNetworkPolicy']);
  });
});
