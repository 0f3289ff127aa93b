// NDJSON flow lines: Goldmane's Flow JSON (protojson camelCase with enum names, or the emitter's
// snake_case with enum numbers) or Verdict's raw form without traces.
import { HIT_KINDS } from '@verdict/engine';
import type { Flow, RawFlow } from '@verdict/flows';
import { describeIssue, flowFromProto, type PbFlow } from '../goldmane/index.ts';

export type FlowLine =
  | { kind: 'flow'; flow: Flow }
  | { kind: 'raw'; raw: RawFlow }
  | { kind: 'error'; message: string };

const ENUMS: Readonly<Record<string, readonly string[]>> = {
  action: ['ActionUnspecified', 'Allow', 'Deny', 'Pass'],
  sourceType: ['EndpointTypeUnspecified', 'WorkloadEndpoint', 'HostEndpoint', 'NetworkSet', 'Network'],
  reporter: ['ReporterUnspecified', 'Src', 'Dst'],
  kind: ['KindUnspecified', ...HIT_KINDS],
};
const ENUM_OF: Readonly<Record<string, readonly string[] | undefined>> = { ...ENUMS, destType: ENUMS.sourceType };
const camel = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
const NUMERIC = /^-?\d+$/;

/** Camel-cases keys, turns enum numbers into names and int64 strings into numbers. */
function normalize(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => normalize(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        const name = k === 'Key' ? k : camel(k);
        return [name, normalize(v, name)];
      }),
    );
  }
  const names = ENUM_OF[key];
  if (names && typeof value === 'number') return names[value] ?? value;
  if (typeof value === 'string' && NUMERIC.test(value) && key !== 'name' && key !== 'proto') return Number(value);
  return value;
}

const KEY_DEFAULTS = {
  sourceName: '',
  sourceNamespace: '-',
  sourceType: 'EndpointTypeUnspecified',
  destName: '',
  destNamespace: '-',
  destType: 'EndpointTypeUnspecified',
  destPort: 0,
  destServiceName: '-',
  destServiceNamespace: '-',
  destServicePortName: '-',
  destServicePort: 0,
  proto: '',
  reporter: 'ReporterUnspecified',
  action: 'ActionUnspecified',
};
const FLOW_DEFAULTS = {
  startTime: 0,
  endTime: 0,
  sourceLabels: [],
  destLabels: [],
  packetsIn: 0,
  packetsOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  numConnectionsStarted: 0,
  numConnectionsCompleted: 0,
  numConnectionsLive: 0,
};
const HIT_DEFAULTS = {
  namespace: '',
  name: '',
  tier: '',
  action: 'ActionUnspecified',
  policyIndex: 0,
  ruleIndex: 0,
  trigger: null,
};

function withHitDefaults(hits: unknown): unknown {
  return Array.isArray(hits)
    ? hits.map((hit) => ({
        ...HIT_DEFAULTS,
        ...(hit as object),
        trigger: (hit as { trigger?: unknown }).trigger
          ? { ...HIT_DEFAULTS, ...(hit as { trigger: object }).trigger }
          : null,
      }))
    : [];
}

function goldmaneFlow(object: Record<string, unknown>): FlowLine {
  const normalized = normalize(object) as Record<string, unknown> & { Key?: Record<string, unknown> };
  const key = normalized.Key ?? {};
  const policies = (key.policies ?? {}) as Record<string, unknown>;
  const pb = {
    ...FLOW_DEFAULTS,
    ...normalized,
    Key: {
      ...KEY_DEFAULTS,
      ...key,
      policies: {
        enforcedPolicies: withHitDefaults(policies.enforcedPolicies),
        pendingPolicies: withHitDefaults(policies.pendingPolicies),
      },
    },
  } as unknown as PbFlow;
  const result = flowFromProto(pb, 'flow');
  return result.ok ? { kind: 'flow', flow: result.value } : { kind: 'error', message: describeIssue(result.error) };
}

function endpoint(value: unknown, path: string): RawFlow['source'] | string {
  if (value && typeof value === 'object') {
    const fields = value as Record<string, unknown>;
    if (typeof fields.ip === 'string') return { ip: fields.ip };
    if (typeof fields.namespace === 'string' && typeof fields.name === 'string') {
      return { namespace: fields.namespace, name: fields.name };
    }
  }
  return `${path}: expected {"namespace": "...", "name": "..."} or {"ip": "..."}`;
}

/** A whole number from 0 to `max`. */
const isWhole = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;

/** A value as an error message shows it. */
const shown = (value: unknown): string => (value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value)));

function rawFlow(object: Record<string, unknown>, now: number): FlowLine {
  const source = endpoint(object.source, 'source');
  if (typeof source === 'string') return { kind: 'error', message: source };
  const destination = endpoint(object.destination, 'destination');
  if (typeof destination === 'string') return { kind: 'error', message: destination };
  const port = object.destPort ?? object.port;
  const portName = object.destPort === undefined ? 'port' : 'destPort';
  if (!isWhole(port, 65_535))
    return { kind: 'error', message: `${portName}: expected an integer 0-65535, got ${shown(port)}` };
  const protocol = object.protocol ?? 'TCP';
  if (typeof protocol !== 'string' && typeof protocol !== 'number') {
    return { kind: 'error', message: 'protocol: expected a name such as "TCP" or a number' };
  }
  const startTime = object.startTime ?? now;
  if (!isWhole(startTime, Number.MAX_SAFE_INTEGER) || startTime === 0)
    return { kind: 'error', message: `startTime: expected Unix seconds (a positive integer), got ${shown(startTime)}` };
  const raw: RawFlow = { source, destination, destPort: port, protocol, startTime };
  const counters = [
    'packetsIn',
    'packetsOut',
    'bytesIn',
    'bytesOut',
    'connectionsStarted',
    'connectionsCompleted',
    'connectionsLive',
  ] as const;
  for (const counter of counters) {
    const value = object[counter];
    if (value === undefined) continue;
    if (!isWhole(value, Number.MAX_SAFE_INTEGER))
      return { kind: 'error', message: `${counter}: expected a count (an integer 0-2^53), got ${shown(value)}` };
    raw[counter] = value;
  }
  if (object.sourcePort !== undefined) {
    if (!isWhole(object.sourcePort, 65_535))
      return { kind: 'error', message: `sourcePort: expected an integer 0-65535, got ${shown(object.sourcePort)}` };
    raw.sourcePort = object.sourcePort;
  }
  return { kind: 'raw', raw };
}

/** Reads one line; `now` fills a raw flow's missing start time. */
export function parseFlowLine(line: string, now: number): FlowLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return { kind: 'error', message: `invalid JSON: ${(error as Error).message}` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return { kind: 'error', message: 'expected a JSON object' };
  const object = parsed as Record<string, unknown>;
  if ('Key' in object) return goldmaneFlow(object);
  if ('source' in object && 'destination' in object) return rawFlow(object, now);
  return {
    kind: 'error',
    message: 'expected a Goldmane flow (with "Key") or a raw flow (with "source" and "destination")',
  };
}
