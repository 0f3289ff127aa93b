// Pre-aggregation of raw flows: raw observations that enrichment cannot tell apart (same endpoints,
// ports, protocol, service and 15 s bucket) are summed first, so that a batch is enriched and
// evaluated once per distinct observation, not once per record.
import { StringInterner } from './intern.ts';
import type { EndpointRef, RawFlow } from './model.ts';
import { BUCKET_SECONDS } from './time.ts';
import { IntTupleMap } from './tuple-map.ts';

export interface RawGroups {
  /**
   * One raw flow per group: the first member itself when it is alone, otherwise a copy of it with
   * the group's counters summed, the earliest start time of the group and the same bucket.
   */
  readonly flows: readonly RawFlow[];
  /** How many raw flows each group holds. */
  readonly sizes: readonly number[];
  /** The input indexes of a group's members, ascending. */
  members(group: number): number[];
}

const NONE = -1;
/** Fields of a group key: source (2), destination (2), destPort, sourcePort, protocol, service, bucket. */
const WIDTH = 9;

/**
 * Groups raw flows by everything enrichment reads, so that each group enriches to the same flow
 * records as every member would, with counters summed. `keep` (called once per flow, in order)
 * leaves out flows it returns false for. A value that cannot be keyed exactly as an int32 (a
 * fractional port, an odd start time) gets a group of its own, so nothing is merged by mistake.
 */
export function groupRawFlows(raws: readonly RawFlow[], keep?: (raw: RawFlow, index: number) => boolean): RawGroups {
  const strings = new StringInterner();
  const map = new IntTupleMap(WIDTH, Math.min(raws.length, 1 << 16));
  const key = new Int32Array(WIDTH);
  const flows: RawFlow[] = [];
  const sizes: number[] = [];
  /** Per group: its first and last member, for the member chain. */
  const first: number[] = [];
  const last: number[] = [];
  /** Per entry of `map`: its group. */
  const groupOf: number[] = [];
  const next = new Int32Array(raws.length).fill(NONE);

  const endpoint = (ref: EndpointRef, at: number): void => {
    if ('ip' in ref) {
      key[at] = NONE;
      key[at + 1] = strings.id(String(ref.ip));
    } else {
      key[at] = strings.id(String(ref.namespace));
      key[at + 1] = strings.id(String(ref.name));
    }
  };

  for (let i = 0; i < raws.length; i++) {
    const raw = raws[i]!;
    if (keep && !keep(raw, i)) continue;
    let g = -1;
    if (keyOf(raw)) {
      const found = map.find(key);
      if (found >= 0) g = groupOf[found]!;
      else groupOf[map.add(key)] = flows.length;
    }
    if (g < 0) {
      g = flows.length;
      flows.push(raw);
      sizes.push(1);
      first.push(i);
      last.push(i);
      continue;
    }
    next[last[g]!] = i;
    last[g] = i;
    if (sizes[g] === 1) flows[g] = { ...flows[g]! };
    sizes[g]!++;
    add(flows[g]!, raw);
  }
  return {
    flows,
    sizes,
    members(group) {
      const out: number[] = [];
      for (let i = first[group]!; i !== NONE; i = next[i]!) out.push(i);
      return out;
    },
  };

  /** Fills `key` for a raw flow; false when a field cannot be keyed exactly. */
  function keyOf(raw: RawFlow): boolean {
    if (!isInt32(raw.destPort) || !isInt32(raw.startTime)) return false;
    if (raw.sourcePort !== undefined && !(isInt32(raw.sourcePort) && raw.sourcePort >= 0)) return false;
    endpoint(raw.source, 0);
    endpoint(raw.destination, 2);
    key[4] = raw.destPort;
    key[5] = raw.sourcePort ?? NONE;
    const p = raw.protocol;
    if (typeof p === 'number') {
      if (!isInt32(p) || p < 0) return false;
      key[6] = p;
    } else key[6] = -1 - strings.id(String(p));
    const s = raw.destService;
    key[7] = s === undefined ? NONE : strings.id(JSON.stringify([s.namespace, s.name, s.portName, s.port]));
    key[8] = Math.floor(raw.startTime / BUCKET_SECONDS);
    return true;
  }
}

function isInt32(n: unknown): n is number {
  return typeof n === 'number' && (n | 0) === n;
}

function add(sum: RawFlow, raw: RawFlow): void {
  if (raw.startTime < sum.startTime) sum.startTime = raw.startTime;
  sum.packetsIn = (sum.packetsIn ?? 0) + (raw.packetsIn ?? 0);
  sum.packetsOut = (sum.packetsOut ?? 0) + (raw.packetsOut ?? 0);
  sum.bytesIn = (sum.bytesIn ?? 0) + (raw.bytesIn ?? 0);
  sum.bytesOut = (sum.bytesOut ?? 0) + (raw.bytesOut ?? 0);
  sum.connectionsStarted = (sum.connectionsStarted ?? 0) + (raw.connectionsStarted ?? 0);
  sum.connectionsCompleted = (sum.connectionsCompleted ?? 0) + (raw.connectionsCompleted ?? 0);
  sum.connectionsLive = (sum.connectionsLive ?? 0) + (raw.connectionsLive ?? 0);
}
