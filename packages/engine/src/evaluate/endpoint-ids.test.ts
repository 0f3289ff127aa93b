import { describe, expect, it } from 'vitest';
import { createEvaluator } from './evaluator.ts';
import {
  cluster,
  from,
  globalNetworkSet,
  hostEndpoint,
  networkPolicy,
  pod,
  rule,
  stagedNetworkPolicy,
} from './fixtures.ts';
import type { EndpointRef, Evaluator } from './types.ts';

// The id path (endpointId + evaluateIds) must answer exactly as evaluate() with the references,
// before and after pod and policy changes, for ends that resolve and for ends that do not.

const shop = () =>
  cluster({
    pods: [
      pod('shop/web', '10.0.1.1', { app: 'web' }),
      pod('shop/api', '10.0.1.2', { app: 'api' }),
      pod('shop/db', '10.0.1.3', { app: 'db' }),
      pod('shop/dual', '10.0.1.4', { app: 'api' }, { ips: ['fd00::4', '10.0.1.4'] }),
    ],
    hostEndpoints: [hostEndpoint('node-1', '10.0.9.1', { role: 'node' })],
    networkSets: [globalNetworkSet('partners', ['203.0.113.0/24'], { kind: 'partner' })],
    policies: [
      networkPolicy('shop/db-ingress', {
        selector: "app == 'db'",
        ingress: [rule('Allow', { protocol: 6, ...from({ selector: "app == 'api'" }) })],
      }),
      stagedNetworkPolicy('shop/web-egress', {
        selector: "app == 'web'",
        types: ['Egress'],
        egress: [rule('Deny', { protocol: 6 })],
      }),
    ],
  });

const REFS: EndpointRef[] = [
  { namespace: 'shop', name: 'web' },
  { namespace: 'shop', name: 'api' },
  { namespace: 'shop', name: 'db' },
  { namespace: 'shop', name: 'dual' },
  { namespace: 'shop', name: 'gone' },
  { hostEndpoint: 'node-1' },
  { ip: '203.0.113.7' },
  { ip: '8.8.8.8' },
  { ip: '2001:db8::1' },
  { ip: 'not-an-ip' },
];

/** Every pair of references on a few services, by id and by reference, in both what-if modes. */
function expectSameAnswers(evaluator: Evaluator, ids: number[]): number {
  let compared = 0;
  for (const [s, source] of REFS.entries())
    for (const [d, destination] of REFS.entries())
      for (const [protocol, destPort] of [
        ['TCP', 5432],
        ['UDP', 53],
        [6, 80],
      ] as const)
        for (const whatIf of [false, true]) {
          const byRef = evaluator.evaluate({ source, destination, protocol, destPort }, { whatIf });
          const byId = evaluator.evaluateIds(ids[s] as number, ids[d] as number, protocol, destPort, { whatIf });
          expect(byId, `${JSON.stringify(source)} -> ${JSON.stringify(destination)} ${protocol}/${destPort}`).toEqual(
            byRef,
          );
          compared++;
        }
  return compared;
}

describe('evaluateIds', () => {
  it('answers as evaluate() for every pair, including ends that do not resolve and a dual-stack pod', () => {
    const evaluator = createEvaluator(shop());
    const ids = REFS.map((ref) => evaluator.endpointId(ref));
    expect(expectSameAnswers(evaluator, ids)).toBe(REFS.length * REFS.length * 6);
    // Both kinds of answer occur: verdicts and coded errors.
    const verdict = evaluator.evaluateIds(ids[1] as number, ids[2] as number, 'TCP', 5432);
    expect(verdict).toMatchObject({ ok: true, value: { enforced: { action: 'Allow' } } });
    const missing = evaluator.evaluateIds(ids[0] as number, ids[4] as number, 'TCP', 5432);
    expect(missing).toMatchObject({ ok: false, error: { code: 'unknown-endpoint', path: 'destination' } });
  });

  it('keeps answering as evaluate() after pods and policies change', () => {
    const evaluator = createEvaluator(shop());
    const ids = REFS.map((ref) => evaluator.endpointId(ref));
    expectSameAnswers(evaluator, ids);
    evaluator.upsertPod(pod('shop/gone', '10.0.1.9', { app: 'api' }));
    expectSameAnswers(evaluator, ids);
    evaluator.upsertPod(pod('shop/api', '10.0.1.2', { app: 'web' }));
    expectSameAnswers(evaluator, ids);
    evaluator.removePod('shop', 'db');
    expectSameAnswers(evaluator, ids);
    // The address of the removed pod now belongs to another pod.
    evaluator.upsertPod(pod('shop/db-2', '10.0.1.3', { app: 'db' }));
    evaluator.upsertPolicy(
      networkPolicy('shop/db-ingress', { selector: "app == 'db'", ingress: [rule('Deny', { protocol: 6 })] }),
    );
    expectSameAnswers(evaluator, ids);
    const after = evaluator.evaluateIds(ids[0] as number, ids[4] as number, 'TCP', 5432);
    expect(after).toMatchObject({ ok: true });
    expect(evaluator.evaluateIds(ids[0] as number, ids[2] as number, 'TCP', 5432)).toMatchObject({
      ok: false,
      error: { code: 'unknown-endpoint' },
    });
  });

  it('gives equal references one id, tells 5 from "5", and rejects numbers it never gave', () => {
    const evaluator = createEvaluator(shop());
    const web = evaluator.endpointId({ namespace: 'shop', name: 'web' });
    expect(evaluator.endpointId({ namespace: 'shop', name: 'web' })).toBe(web);
    const asNumber = evaluator.endpointId({ namespace: 'shop', name: 5 } as unknown as EndpointRef);
    const asText = evaluator.endpointId({ namespace: 'shop', name: '5' });
    expect(asNumber).not.toBe(asText);
    expect(evaluator.evaluateIds(web, 999, 'TCP', 80)).toEqual({
      ok: false,
      error: { code: 'unknown-endpoint', message: '999 is not an endpoint id of this evaluator', path: 'destination' },
    });
    expect(evaluator.evaluateIds(web, web, 'SPX', 80)).toMatchObject({
      ok: false,
      error: { code: 'invalid-protocol' },
    });
    expect(evaluator.evaluateIds(web, web, 'TCP', 70000)).toMatchObject({ ok: false, error: { code: 'invalid-port' } });
  });

  it('holds a copy of the reference, so a caller editing its object later does not move the id', () => {
    const evaluator = createEvaluator(shop());
    const ref = { namespace: 'shop', name: 'web' };
    const id = evaluator.endpointId(ref);
    ref.name = 'db';
    const db = evaluator.endpointId({ namespace: 'shop', name: 'db' });
    expect(db).not.toBe(id);
    expect(evaluator.evaluateIds(id, db, 'TCP', 5432)).toEqual(
      evaluator.evaluate({
        source: { namespace: 'shop', name: 'web' },
        destination: { namespace: 'shop', name: 'db' },
        protocol: 'TCP',
        destPort: 5432,
      }),
    );
  });
});
