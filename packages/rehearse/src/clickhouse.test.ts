// Rehearsal over the ClickHouse store (which selects and aggregates the touched flows itself) gives
// the report the memory store gives over the same flows, on a real clickhouse-server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClickHouseFlowStore,
  createClickHouseStore,
  createMemoryStore,
  type LocalClickHouse,
  type MemoryFlowStore,
  startLocalClickHouse,
} from '@verdict/flows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  changeSet,
  DELETE_KAFKA_FREEZE,
  DENY_UNUSED_PORT,
  DROP_RECOMMENDATIONS_REDIS,
  demo,
  KAFKA_FREEZE,
  STAGED_DELETE_KAFKA_FREEZE,
  START,
} from './fixtures.ts';
import { type ImpactReport, rehearseStore } from './rehearse.ts';

/** Every endpoint of the cluster selected, both directions: every stored flow is touched. */
const EVERYWHERE_NO_SSH = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.no-ssh
spec:
  tier: security
  order: 1
  selector: all()
  types: [Ingress, Egress]
  ingress:
    - action: Deny
      protocol: TCP
      destination:
        ports: [22]
    - action: Pass
  egress:
    - action: Deny
      protocol: TCP
      destination:
        ports: [6379, 5432]
    - action: Pass
`;

const shop = demo();
const range = { gte: START, lt: START + 3600 };
const now = () => START + 3600;
let server: LocalClickHouse;
let clickhouse: ClickHouseFlowStore;
let memory: MemoryFlowStore;
const spoolDir = mkdtempSync(join(tmpdir(), 'verdict-rehearse-spool-'));

beforeAll(async () => {
  server = await startLocalClickHouse();
  clickhouse = createClickHouseStore({ url: server.url, spoolDir, now, autoRollover: false });
  memory = createMemoryStore({ now, autoRollover: false });
  const flows = shop.flows.map((f) => f.flow);
  await clickhouse.ingest(flows);
  await memory.ingest(flows);
  memory.tick(now());
}, 120_000);
afterAll(async () => {
  await clickhouse?.close();
  await memory?.close();
  await server?.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

/** With the freeze in the cluster, for the deletions (the stored flows are re-evaluated against it). */
const frozen = demo(KAFKA_FREEZE).evaluator;

async function rehearsed(
  store: ClickHouseFlowStore | MemoryFlowStore,
  text: string,
  before = shop.evaluator,
): Promise<ImpactReport> {
  const progress: number[] = [];
  const result = await rehearseStore({
    store,
    range,
    before,
    changeSet: changeSet(text),
    onProgress: (p) => progress.push(p.done),
  });
  if (!result.ok) throw new Error(result.error.message);
  expect(progress.at(-1)).toBe(result.value.totals.flowsConsidered);
  return result.value;
}

describe('rehearsal over ClickHouse', () => {
  it.each([
    ['a dropped dependency', DROP_RECOMMENDATIONS_REDIS],
    ['an unused port denied', DENY_UNUSED_PORT],
    ['a freeze', KAFKA_FREEZE],
    ['a deletion', DELETE_KAFKA_FREEZE, frozen],
    ['a staged deletion', STAGED_DELETE_KAFKA_FREEZE, frozen],
    ['a global policy over every endpoint', EVERYWHERE_NO_SSH],
  ])('gives the memory store report for %s', async (_, text, before = shop.evaluator) => {
    const fromMemory = await rehearsed(memory, text, before);
    const fromClickHouse = await rehearsed(clickhouse, text, before);
    expect(fromClickHouse).toEqual(fromMemory);
    expect(fromClickHouse.totals.flowsConsidered).toBeGreaterThan(0);
  });

  it('asks ClickHouse only for the flows of touched endpoints', async () => {
    const narrow = await rehearsed(clickhouse, DROP_RECOMMENDATIONS_REDIS);
    const wide = await rehearsed(clickhouse, EVERYWHERE_NO_SSH);
    expect(narrow.newlyDenied.length).toBeGreaterThan(0);
    expect(wide.newlyDenied.length).toBeGreaterThan(0);
    expect(narrow.totals.flowsConsidered).toBe(narrow.totals.flowsReevaluated);
    expect(narrow.totals.flowsConsidered).toBeLessThan(wide.totals.flowsConsidered);
    // Every stored flow has a touched reporter under a policy that selects all endpoints.
    expect(wide.totals.flowsConsidered).toBe((await clickhouse.list({ range, pageSize: 0 })).totalResults);
  });
});
