// FlowUpdate bytes straight to a Flow, for FlowCollector.Connect's hot path: one pass over the wire
// bytes, no intermediate proto objects. It accepts exactly what proto-loader plus `flowFromProto`
// accept and builds the same objects (same fields, same order); anything else (a bad enum, a
// missing key, a label with a comma, an unknown field, a damaged length) gives `undefined`, and the
// caller decodes those bytes the general way to name the problem.
//
// Felix sends the same names, label lists and policy traces over and over, so the decoder keeps the
// last ones it made, by their bytes (small direct-mapped tables, checked byte for byte), and hands out
// the same string and array objects again: no new garbage for them, and the store's interning finds
// them by identity (a string's hash is computed once). Decoded flows are therefore shared and must
// not be mutated, as the interners already require.
import { HIT_KINDS, type HitKind, type PolicyHit, type PolicyHitRef } from '@verdict/engine';
import type { EndpointType, Flow, FlowAction, FlowKey, Reporter } from '@verdict/flows';
import { goldmaneEnumNames } from './proto.ts';

export interface DecodedUpdate {
  flow: Flow;
  /** The encoded FlowKey: with start and end time, the identity the dedup cache remembers. */
  keyBytes: Buffer;
}

type Table<T> = readonly (T | undefined)[];

/** Enum numbers to the names the codec accepts (the `Unspecified` zero values are not accepted). */
function enumTable<T extends string>(name: string, accepted: readonly T[]): Table<T> {
  return goldmaneEnumNames(name).map((value) =>
    (accepted as readonly string[]).includes(value) ? (value as T) : undefined,
  );
}

let tables:
  | { kinds: Table<HitKind>; actions: Table<FlowAction>; endpoints: Table<EndpointType>; reporters: Table<Reporter> }
  | undefined;

function enumTables() {
  tables ??= {
    kinds: enumTable<HitKind>('PolicyKind', HIT_KINDS),
    actions: enumTable<FlowAction>('Action', ['Allow', 'Deny', 'Pass']),
    endpoints: enumTable<EndpointType>('EndpointType', ['WorkloadEndpoint', 'HostEndpoint', 'NetworkSet', 'Network']),
    reporters: enumTable<Reporter>('Reporter', ['Src', 'Dst']),
  };
  return tables;
}

/** Thrown inside the decoder for anything it leaves to the general path; never escapes. */
const GIVE_UP = new Error('not on the fast path');

/** A direct-mapped table of recent values by a hash of their bytes; a slot holds one value. */
const STRING_SLOTS = 16_384;
const LONGEST_CACHED_STRING = 96;
const recentStrings: (string | undefined)[] = new Array(STRING_SLOTS);

/** Recent values by the bytes they were decoded from: a direct-mapped table, checked byte for byte. */
class RecentTable<T> {
  private readonly bytes: (Buffer | undefined)[];
  private readonly values: (T | undefined)[];
  /** The slot of the last `find`, where `remember` puts what was decoded on a miss. */
  private slot = 0;

  constructor(private readonly slots: number) {
    this.bytes = new Array(slots);
    this.values = new Array(slots);
  }

  /** The value last decoded from exactly bytes `from` to `end` under `kind`, if still in its slot. */
  find(buf: Buffer, from: number, end: number, kind: number): T | undefined {
    const slot = hashOf(buf, from, end, kind) & (this.slots - 1);
    this.slot = slot;
    const bytes = this.bytes[slot];
    return bytes !== undefined && bytes.length === end - from && bytes.compare(buf, from, end) === 0
      ? this.values[slot]
      : undefined;
  }

  /** Keeps `value` for the bytes of the last `find`. */
  remember(buf: Buffer, from: number, end: number, value: T): void {
    this.bytes[this.slot] = Buffer.from(buf.subarray(from, end));
    this.values[this.slot] = value;
  }
}

interface Trace {
  enforced: PolicyHit[];
  pending: PolicyHit[];
}

/** Label lists and traces: few distinct ones, each sent many times. */
const recentLists = new RecentTable<readonly string[] | Trace>(4_096);

/** FNV-1a of bytes `from` to `end`, mixed with a kind so label runs and traces do not share slots. */
function hashOf(buf: Buffer, from: number, end: number, kind: number): number {
  let h = 0x811c9dc5 ^ kind;
  for (let i = from; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/** The bytes' UTF-8 string, the same object as last time for the same short ASCII bytes. */
function stringOf(buf: Buffer, from: number, end: number): string {
  const length = end - from;
  if (length === 0) return '';
  if (length > LONGEST_CACHED_STRING) return buf.toString('utf8', from, end);
  let h = 0x811c9dc5;
  for (let i = from; i < end; i++) {
    const byte = buf[i] as number;
    if (byte >= 0x80) return buf.toString('utf8', from, end);
    h = Math.imul(h ^ byte, 0x01000193);
  }
  const slot = (h ^ (h >>> 15)) & (STRING_SLOTS - 1);
  const known = recentStrings[slot];
  if (known !== undefined && known.length === length) {
    let i = 0;
    while (i < length && known.charCodeAt(i) === buf[from + i]) i++;
    if (i === length) return known;
  }
  const value = buf.toString('latin1', from, end);
  recentStrings[slot] = value;
  return value;
}

const TRACE = 1;
const SOURCE_LABELS = 2;
const DEST_LABELS = 3;

const MAX_PORT = 65535;
const TWO_32 = 4294967296;

class Cursor {
  pos: number;
  constructor(
    readonly buf: Buffer,
    from: number,
    public end: number,
  ) {
    this.pos = from;
  }

  /** A varint of up to 32 bits (tags and lengths). */
  uint32(): number {
    const buf = this.buf;
    let value = 0;
    let shift = 0;
    while (shift < 35) {
      if (this.pos >= this.end) throw GIVE_UP;
      const byte = buf[this.pos++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (value > 0xffffffff) throw GIVE_UP;
        return value;
      }
      shift += 7;
    }
    throw GIVE_UP;
  }

  /** An int64 varint as a number, as proto-loader's `longs: Number` gives it; beyond 2^53 gives up. */
  int64(): number {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 10; i++) {
      if (this.pos >= this.end) throw GIVE_UP;
      const byte = buf[this.pos++] as number;
      if (i < 4) lo |= (byte & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi |= (byte & 0x7f) >> 4;
      } else hi |= (byte & 0x7f) << (7 * i - 32);
      if (byte < 0x80) break;
    }
    if (i === 10) throw GIVE_UP;
    const value = (hi | 0) * TWO_32 + (lo >>> 0);
    if (!Number.isSafeInteger(value)) throw GIVE_UP;
    return value;
  }

  /** The end of a length-delimited field starting here. */
  limit(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) throw GIVE_UP;
    return end;
  }

  string(): string {
    const end = this.limit();
    const value = stringOf(this.buf, this.pos, end);
    this.pos = end;
    return value;
  }
}

const atLeast = (value: number, min: number) => {
  if (value < min) throw GIVE_UP;
  return value;
};
const port = (value: number) => {
  if (value < 0 || value > MAX_PORT) throw GIVE_UP;
  return value;
};
const known = <T>(table: Table<T>, value: number): T => {
  const name = table[value];
  if (name === undefined) throw GIVE_UP;
  return name;
};

/** Wire types: 0 varint, 2 length-delimited. Each field must arrive as its declared type. */
function wire(tag: number, expected: 0 | 2): void {
  if ((tag & 7) !== expected) throw GIVE_UP;
}

function hitRef(c: Cursor, end: number, t: NonNullable<typeof tables>): PolicyHitRef {
  let kind = 0;
  let namespace = '';
  let name = '';
  let tier = '';
  while (c.pos < end) {
    const tag = c.uint32();
    switch (tag >>> 3) {
      case 1:
        wire(tag, 0);
        kind = c.uint32();
        break;
      case 2:
        wire(tag, 2);
        namespace = c.string();
        break;
      case 3:
        wire(tag, 2);
        name = c.string();
        break;
      case 4:
        wire(tag, 2);
        tier = c.string();
        break;
      case 5:
        // A trigger's action and indexes are read (encoders write them, often as zeros) and ignored, as the codec does.
        wire(tag, 0);
        c.uint32();
        break;
      case 6:
      case 7:
        wire(tag, 0);
        c.int64();
        break;
      default:
        // A trigger of a trigger: left to the general path.
        throw GIVE_UP;
    }
  }
  return { kind: known(t.kinds, kind), namespace, name, tier };
}

function policyHit(c: Cursor, end: number, t: NonNullable<typeof tables>): PolicyHit {
  let kind = 0;
  let namespace = '';
  let name = '';
  let tier = '';
  let action = 0;
  let policyIndex = 0;
  let ruleIndex = 0;
  let trigger: PolicyHitRef | undefined;
  while (c.pos < end) {
    const tag = c.uint32();
    switch (tag >>> 3) {
      case 1:
        wire(tag, 0);
        kind = c.uint32();
        break;
      case 2:
        wire(tag, 2);
        namespace = c.string();
        break;
      case 3:
        wire(tag, 2);
        name = c.string();
        break;
      case 4:
        wire(tag, 2);
        tier = c.string();
        break;
      case 5:
        wire(tag, 0);
        action = c.uint32();
        break;
      case 6:
        wire(tag, 0);
        policyIndex = c.int64();
        break;
      case 7:
        wire(tag, 0);
        ruleIndex = c.int64();
        break;
      case 8: {
        wire(tag, 2);
        if (trigger !== undefined) throw GIVE_UP;
        const triggerEnd = c.limit();
        trigger = hitRef(c, triggerEnd, t);
        break;
      }
      default:
        throw GIVE_UP;
    }
  }
  const hit: PolicyHit = {
    kind: known(t.kinds, kind),
    namespace,
    name,
    tier,
    action: known(t.actions, action),
    policyIndex: atLeast(policyIndex, 0),
    ruleIndex: atLeast(ruleIndex, -1),
  };
  if (trigger !== undefined) hit.trigger = trigger;
  return hit;
}

function flowKey(c: Cursor, end: number, t: NonNullable<typeof tables>): FlowKey {
  let sourceName = '';
  let sourceNamespace = '';
  let sourceType = 0;
  let destName = '';
  let destNamespace = '';
  let destType = 0;
  let destPort = 0;
  let destServiceName = '';
  let destServiceNamespace = '';
  let destServicePortName = '';
  let destServicePort = 0;
  let proto = '';
  let reporter = 0;
  let action = 0;
  let policies: Trace | undefined;
  while (c.pos < end) {
    const tag = c.uint32();
    const field = tag >>> 3;
    if (field === 15) {
      wire(tag, 2);
      if (policies !== undefined) throw GIVE_UP;
      const traceEnd = c.limit();
      const recent = recentLists.find(c.buf, c.pos, traceEnd, TRACE) as Trace | undefined;
      if (recent !== undefined) {
        policies = recent;
        c.pos = traceEnd;
        continue;
      }
      const traceStart = c.pos;
      const trace: Trace = { enforced: [], pending: [] };
      while (c.pos < traceEnd) {
        const traceTag = c.uint32();
        wire(traceTag, 2);
        const hitEnd = c.limit();
        const which = traceTag >>> 3;
        if (which === 1) trace.enforced.push(policyHit(c, hitEnd, t));
        else if (which === 2) trace.pending.push(policyHit(c, hitEnd, t));
        else throw GIVE_UP;
      }
      // Damaged lengths can carry a decoder past the field's end, as protobufjs's does; only a trace
      // that ends exactly at its field's end is kept, so a hit continues where a decode would.
      if (c.pos === traceEnd) recentLists.remember(c.buf, traceStart, traceEnd, trace);
      policies = trace;
      continue;
    }
    const isString =
      field === 1 || field === 2 || field === 4 || field === 5 || (field >= 8 && field <= 10) || field === 12;
    wire(tag, isString ? 2 : 0);
    switch (field) {
      case 1:
        sourceName = c.string();
        break;
      case 2:
        sourceNamespace = c.string();
        break;
      case 3:
        sourceType = c.uint32();
        break;
      case 4:
        destName = c.string();
        break;
      case 5:
        destNamespace = c.string();
        break;
      case 6:
        destType = c.uint32();
        break;
      case 7:
        destPort = c.int64();
        break;
      case 8:
        destServiceName = c.string();
        break;
      case 9:
        destServiceNamespace = c.string();
        break;
      case 10:
        destServicePortName = c.string();
        break;
      case 11:
        destServicePort = c.int64();
        break;
      case 12:
        proto = c.string();
        break;
      case 13:
        reporter = c.uint32();
        break;
      case 14:
        action = c.uint32();
        break;
      default:
        throw GIVE_UP;
    }
  }
  return {
    sourceName,
    sourceNamespace,
    sourceType: known(t.endpoints, sourceType),
    destName,
    destNamespace,
    destType: known(t.endpoints, destType),
    destPort: port(destPort),
    destServiceName,
    destServiceNamespace,
    destServicePortName,
    destServicePort: port(destServicePort),
    proto,
    reporter: known(t.reporters, reporter),
    action: known(t.actions, action),
    policies: { enforced: policies?.enforced ?? [], pending: policies?.pending ?? [] },
  };
}

function label(c: Cursor): string {
  const value = c.string();
  // Stores keep label sets comma-separated; the codec names such a label, so leave it to the general path.
  if (value.includes(',')) throw GIVE_UP;
  return value;
}

/**
 * The labels of the run of fields tagged `tag` (4 source, 5 destination) starting at the cursor, one
 * tag after another as encoders write a repeated field, appended to `before` (a field repeated apart
 * from its run makes more than one run); the cursor ends after the run.
 */
function labelRun(
  c: Cursor,
  end: number,
  tag: number,
  kind: number,
  before: readonly string[] | undefined,
): readonly string[] {
  const buf = c.buf;
  const from = c.pos;
  let runEnd = from;
  while (runEnd < end && buf[runEnd] === tag) {
    c.pos = runEnd + 1;
    runEnd = c.limit();
  }
  c.pos = from;
  const recent =
    before === undefined ? (recentLists.find(buf, from, runEnd, kind) as readonly string[] | undefined) : undefined;
  if (recent !== undefined) {
    c.pos = runEnd;
    return recent;
  }
  const labels = before === undefined ? [] : [...before];
  while (c.pos < runEnd) {
    c.pos++;
    labels.push(label(c));
  }
  if (before === undefined) recentLists.remember(buf, from, runEnd, labels);
  return labels;
}

/**
 * Decodes one FlowUpdate, or gives `undefined` when the bytes are anything but a valid flow in the
 * plain encoding (the caller then decodes them with proto-loader and `flowFromProto` to say why).
 */
export function decodeFlowUpdate(bytes: Buffer): DecodedUpdate | undefined {
  const t = enumTables();
  try {
    const c = new Cursor(bytes, 0, bytes.length);
    const tag = c.uint32();
    if (tag !== 0x0a) return undefined;
    const flowEnd = c.limit();
    if (flowEnd !== bytes.length) return undefined;
    let key: FlowKey | undefined;
    let keyBytes: Buffer | undefined;
    let startTime = 0;
    let endTime = 0;
    let sourceLabels: readonly string[] | undefined;
    let destLabels: readonly string[] | undefined;
    let packetsIn = 0;
    let packetsOut = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    let numConnectionsStarted = 0;
    let numConnectionsCompleted = 0;
    let numConnectionsLive = 0;
    while (c.pos < flowEnd) {
      const fieldAt = c.pos;
      const fieldTag = c.uint32();
      const field = fieldTag >>> 3;
      wire(fieldTag, field === 1 || field === 4 || field === 5 ? 2 : 0);
      switch (field) {
        case 1: {
          if (key !== undefined) return undefined;
          const keyEnd = c.limit();
          keyBytes = bytes.subarray(c.pos, keyEnd);
          key = flowKey(c, keyEnd, t);
          break;
        }
        case 2:
          startTime = c.int64();
          break;
        case 3:
          endTime = c.int64();
          break;
        case 4:
          c.pos = fieldAt;
          sourceLabels = labelRun(c, flowEnd, fieldTag, SOURCE_LABELS, sourceLabels);
          break;
        case 5:
          c.pos = fieldAt;
          destLabels = labelRun(c, flowEnd, fieldTag, DEST_LABELS, destLabels);
          break;
        case 6:
          packetsIn = c.int64();
          break;
        case 7:
          packetsOut = c.int64();
          break;
        case 8:
          bytesIn = c.int64();
          break;
        case 9:
          bytesOut = c.int64();
          break;
        case 10:
          numConnectionsStarted = c.int64();
          break;
        case 11:
          numConnectionsCompleted = c.int64();
          break;
        case 12:
          numConnectionsLive = c.int64();
          break;
        default:
          return undefined;
      }
    }
    if (key === undefined || keyBytes === undefined) return undefined;
    const flow: Flow = {
      key,
      startTime: atLeast(startTime, 0),
      endTime: atLeast(endTime, 0),
      sourceLabels: (sourceLabels ?? []) as string[],
      destLabels: (destLabels ?? []) as string[],
      packetsIn: atLeast(packetsIn, 0),
      packetsOut: atLeast(packetsOut, 0),
      bytesIn: atLeast(bytesIn, 0),
      bytesOut: atLeast(bytesOut, 0),
      numConnectionsStarted: atLeast(numConnectionsStarted, 0),
      numConnectionsCompleted: atLeast(numConnectionsCompleted, 0),
      numConnectionsLive: atLeast(numConnectionsLive, 0),
    };
    return { flow, keyBytes };
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}
