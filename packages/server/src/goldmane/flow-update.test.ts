import type * as grpc from '@grpc/grpc-js';
import { HIT_KINDS, type PolicyHit } from '@verdict/engine';
import type { Flow } from '@verdict/flows';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flowBetween, profileAllow, stagedLockdownDeny, T0 } from '../../test/fixtures.ts';
import { flowFromProto, flowToProto, type PbFlowUpdate } from './codec.ts';
import { decodeFlowUpdate } from './flow-update.ts';
import { loadGoldmaneGrpc } from './proto.ts';

const connect = loadGoldmaneGrpc().FlowCollector.service.Connect as grpc.MethodDefinition<unknown, unknown>;
const encode = (update: unknown) => (connect.requestSerialize as (v: unknown) => Buffer)(update);
const deserialize = connect.requestDeserialize as (b: Buffer) => PbFlowUpdate;

/** What the general path (proto-loader, then the codec) makes of the bytes: the flow, or undefined. */
function general(bytes: Buffer): Flow | undefined {
  let message: PbFlowUpdate;
  try {
    message = deserialize(bytes);
  } catch {
    return undefined;
  }
  const decoded = flowFromProto(message.flow);
  return decoded.ok ? decoded.value : undefined;
}

const text = fc.string({ maxLength: 12 });
const int64 = fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), fc.maxSafeNat());
const hit: fc.Arbitrary<PolicyHit> = fc
  .record({
    kind: fc.constantFrom(...HIT_KINDS),
    namespace: text,
    name: text,
    tier: text,
    action: fc.constantFrom('Allow', 'Deny', 'Pass'),
    policyIndex: int64,
    ruleIndex: fc.integer({ min: -1, max: 1000 }),
    trigger: fc.option(fc.record({ kind: fc.constantFrom(...HIT_KINDS), namespace: text, name: text, tier: text }), {
      nil: undefined,
    }),
  })
  .map(({ trigger, ...rest }) => (trigger ? { ...rest, trigger } : rest) as PolicyHit);
const label = fc.string({ maxLength: 16 }).map((l) => l.replaceAll(',', ';'));
const endpointType = fc.constantFrom('WorkloadEndpoint', 'HostEndpoint', 'NetworkSet', 'Network') as fc.Arbitrary<
  Flow['key']['sourceType']
>;
const action = fc.constantFrom('Allow', 'Deny', 'Pass') as fc.Arbitrary<Flow['key']['action']>;
const flow: fc.Arbitrary<Flow> = fc.record({
  key: fc.record({
    sourceName: text,
    sourceNamespace: text,
    sourceType: endpointType,
    destName: text,
    destNamespace: text,
    destType: endpointType,
    destPort: fc.integer({ min: 0, max: 65535 }),
    destServiceName: text,
    destServiceNamespace: text,
    destServicePortName: text,
    destServicePort: fc.integer({ min: 0, max: 65535 }),
    proto: text,
    reporter: fc.constantFrom('Src', 'Dst') as fc.Arbitrary<Flow['key']['reporter']>,
    action,
    policies: fc.record({ enforced: fc.array(hit, { maxLength: 4 }), pending: fc.array(hit, { maxLength: 4 }) }),
  }),
  startTime: int64,
  endTime: int64,
  sourceLabels: fc.array(label, { maxLength: 4 }),
  destLabels: fc.array(label, { maxLength: 4 }),
  packetsIn: int64,
  packetsOut: int64,
  bytesIn: int64,
  bytesOut: int64,
  numConnectionsStarted: int64,
  numConnectionsCompleted: int64,
  numConnectionsLive: int64,
});

describe('decodeFlowUpdate', () => {
  it('gives what proto-loader and the codec give, field for field and in the same order', () => {
    fc.assert(
      fc.property(flow, (f) => {
        const bytes = encode({ flow: flowToProto(f) });
        const fast = decodeFlowUpdate(bytes);
        expect(fast).toBeDefined();
        // Same JSON: same values and the same key order (stores serialise keys and traces).
        expect(JSON.stringify(fast?.flow)).toBe(JSON.stringify(general(bytes)));
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts bytes the general path refuses, nor decodes them differently (damaged updates)', () => {
    const sample = encode({ flow: flowToProto(flowBetween('shop/a-*', 'shop/b-*', {}, { startTime: T0 })) });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(sample.length - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        fc.nat(sample.length),
        (edits, cut) => {
          const bytes = Buffer.from(sample.subarray(0, Math.max(1, cut)));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          const fast = decodeFlowUpdate(bytes);
          if (fast !== undefined) expect(JSON.stringify(fast.flow)).toBe(JSON.stringify(general(bytes)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps the encoded key for dedup, and an end-of-tier hit with rule index -1 and its trigger', () => {
    const f = flowBetween('-/pub', 'shop/web-*', {
      policies: { enforced: [profileAllow], pending: [stagedLockdownDeny] },
    });
    const bytes = encode({ flow: flowToProto(f) });
    const decoded = decodeFlowUpdate(bytes);
    expect(decoded?.flow).toEqual(f);
    expect(decoded?.flow.key.policies.pending[0]).toMatchObject({ ruleIndex: -1, trigger: { tier: 'security' } });
    // The key bytes are the Flow's field 1, which re-encodes to the same key alone.
    const keyOnly = encode({ flow: { ...flowToProto(f), startTime: 0, endTime: 0, sourceLabels: [], destLabels: [] } });
    expect(decodeFlowUpdate(keyOnly)?.keyBytes.equals(decoded?.keyBytes as Buffer)).toBe(true);
  });

  it('leaves to the general path what it must name: missing key, unset enum, a comma in a label, unknown fields', () => {
    const pb = flowToProto(flowBetween('shop/a-*', 'shop/b-*'));
    expect(decodeFlowUpdate(encode({}))).toBeUndefined();
    expect(decodeFlowUpdate(encode({ flow: { ...pb, Key: null } }))).toBeUndefined();
    expect(
      decodeFlowUpdate(encode({ flow: { ...pb, Key: { ...pb.Key, reporter: 'ReporterUnspecified' } } })),
    ).toBeUndefined();
    expect(decodeFlowUpdate(encode({ flow: { ...pb, sourceLabels: ['a=b,c=d'] } }))).toBeUndefined();
    const withUnknownField = Buffer.concat([encode({ flow: pb }), Buffer.from([0x78, 0x01])]);
    expect(decodeFlowUpdate(withUnknownField)).toBeUndefined();
    // A number past 2^53 is not a safe integer for the codec either.
    expect(decodeFlowUpdate(encode({ flow: { ...pb, packetsIn: '9007199254740993' } }))).toBeUndefined();
  });

  it('hands out the same strings, label lists and traces for the same bytes, and the right ones for others', () => {
    const f = flowBetween(
      'shop/web-*',
      'shop/db-*',
      { policies: { enforced: [profileAllow], pending: [stagedLockdownDeny] } },
      { sourceLabels: ['app=web', 'tier=front'], destLabels: ['app=db'] },
    );
    const first = decodeFlowUpdate(encode({ flow: flowToProto(f) }))?.flow as Flow;
    const again = decodeFlowUpdate(encode({ flow: flowToProto({ ...f, packetsIn: 99 }) }))?.flow as Flow;
    expect(again.packetsIn).toBe(99);
    expect(again.sourceLabels).toEqual(['app=web', 'tier=front']);
    expect(again.sourceLabels).toBe(first.sourceLabels);
    expect(again.destLabels).toBe(first.destLabels);
    expect(again.key.policies.enforced).toBe(first.key.policies.enforced);
    expect(again.key.policies.pending).toBe(first.key.policies.pending);
    // A different list, label or trace gives its own value, never the remembered one.
    const other = { ...f, sourceLabels: ['app=web'], destLabels: ['app=dc'] };
    const otherBytes = encode({
      flow: flowToProto({ ...other, key: { ...f.key, policies: { enforced: [profileAllow], pending: [] } } }),
    });
    expect(JSON.stringify(decodeFlowUpdate(otherBytes)?.flow)).toBe(JSON.stringify(general(otherBytes)));
  });

  it('decodes more distinct flows than the tables hold, twice over, as the general path does', () => {
    const updates = Array.from({ length: 6000 }, (_, i) =>
      encode({
        flow: flowToProto(
          flowBetween(
            `ns-${i % 97}/pod-${i}`,
            `ns-${i % 89}/svc-${i % 13}`,
            { policies: { enforced: [{ ...profileAllow, name: `p-${i % 5000}` }], pending: [] } },
            { sourceLabels: [`app=a${i}`, `team=t${i % 7}`], destLabels: [`app=b${i % 4500}`] },
          ),
        ),
      }),
    );
    for (let round = 0; round < 2; round++)
      for (const bytes of updates)
        expect(JSON.stringify(decodeFlowUpdate(bytes)?.flow)).toBe(JSON.stringify(general(bytes)));
  });

  it('reads a repeated label field written apart from its run, and non-ASCII labels', () => {
    const pb = { ...flowToProto(flowBetween('shop/a-*', 'shop/b-*')), sourceLabels: ['app=a'], destLabels: ['zone=é'] };
    const label = (tag: number, text: string) => {
      const bytes = Buffer.from(text);
      return Buffer.from([tag, bytes.length, ...bytes]);
    };
    // The Flow's bytes (after its tag and length varint) with one more source label after everything else.
    const encoded = encode({ flow: pb });
    let at = 1;
    while ((encoded[at] as number) & 0x80) at++;
    const body = Buffer.concat([encoded.subarray(at + 1), label(0x22, 'team=✓')]);
    const length: number[] = [];
    for (let n = body.length; ; n >>= 7) {
      if (n < 0x80) {
        length.push(n);
        break;
      }
      length.push((n & 0x7f) | 0x80);
    }
    const update = Buffer.concat([Buffer.from([0x0a, ...length]), body]);
    expect(general(update)?.sourceLabels).toEqual(['app=a', 'team=✓']);
    expect(JSON.stringify(decodeFlowUpdate(update)?.flow)).toBe(JSON.stringify(general(update)));
    expect(decodeFlowUpdate(update)?.flow.destLabels).toEqual(['zone=é']);
  });
});
