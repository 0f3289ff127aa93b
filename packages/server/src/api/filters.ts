// The `filters` query parameter of /api/v1: FlowFilter as camelCase JSON, plus `sourceCidrs` and
// `destCidrs`. Every problem is reported with the JSON path it is at (`filters.destPorts[1]`).
import type { HitKind, Result } from '@verdict/engine';
import { err, HIT_KINDS, ok } from '@verdict/engine';
import type { FlowAction, FlowFilter, PolicyMatch, Reporter, StringMatch } from '@verdict/flows';
import { compileFilterParts } from '@verdict/flows';
import { parseJson } from '../json.ts';
import { type Cidr, parseCidr } from './cidr.ts';
import { FILTER_FIELDS } from './types.ts';

export interface ApiFilter {
  /** What the store evaluates. */
  flow: FlowFilter;
  /** Evaluated by the API against the cluster state; absent when not asked for. */
  sourceCidrs?: readonly Cidr[];
  destCidrs?: readonly Cidr[];
  /** The CIDRs as given, matched against the addresses a flow recorded (when it recorded any). */
  cidrTexts?: Pick<FlowFilter, 'sourceCidrs' | 'destCidrs'>;
}

export interface FilterIssue {
  message: string;
  /** Starts with `filters`. */
  path: string;
}

const ACTIONS: readonly FlowAction[] = ['Allow', 'Deny', 'Pass'];
const REPORTERS: readonly Reporter[] = ['Src', 'Dst'];
const MATCH_TYPES = ['Exact', 'Fuzzy'] as const;
const KINDS: readonly HitKind[] = HIT_KINDS;

class Invalid {
  constructor(
    readonly path: string,
    readonly message: string,
  ) {}
}

const describe = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : `${typeof v} ${JSON.stringify(v)}`;
const oneOf = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ');

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new Invalid(path, `expected an array, got ${describe(v)}`);
  return v;
}

function object(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Invalid(path, `expected an object, got ${describe(v)}`);
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key))
      throw new Invalid(`${path}.${key}`, `unknown field ${JSON.stringify(key)}; expected one of ${oneOf(allowed)}`);
  }
  return v as Record<string, unknown>;
}

function string(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new Invalid(path, `expected a string, got ${describe(v)}`);
  return v;
}

function integer(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new Invalid(path, `expected an integer ${min}-${max}, got ${describe(v)}`);
  return v;
}

function oneOfValues<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  const found = values.find((x) => x === v);
  if (found === undefined) throw new Invalid(path, `expected one of ${oneOf(values)}, got ${describe(v)}`);
  return found;
}

function stringMatch(v: unknown, path: string): StringMatch {
  const o = object(v, path, ['value', 'type']);
  const type = o.type === undefined ? 'Exact' : oneOfValues(o.type, `${path}.type`, MATCH_TYPES);
  return { value: string(o.value, `${path}.value`), type };
}

function policyMatch(v: unknown, path: string): PolicyMatch {
  const o = object(v, path, ['kind', 'tier', 'namespace', 'name', 'action']);
  const m: PolicyMatch = {};
  if (o.kind !== undefined) m.kind = oneOfValues(o.kind, `${path}.kind`, KINDS);
  if (o.tier !== undefined) m.tier = stringMatch(o.tier, `${path}.tier`);
  if (o.namespace !== undefined) m.namespace = stringMatch(o.namespace, `${path}.namespace`);
  if (o.name !== undefined) m.name = stringMatch(o.name, `${path}.name`);
  if (o.action !== undefined) m.action = oneOfValues(o.action, `${path}.action`, ACTIONS);
  return m;
}

function cidr(v: unknown, path: string): Cidr {
  const text = string(v, path);
  const parsed = parseCidr(text);
  if (!parsed)
    throw new Invalid(path, `expected a CIDR such as 10.0.0.0/8 or an IP address, got ${JSON.stringify(text)}`);
  return parsed;
}

function readFilter(value: unknown): ApiFilter {
  const o = object(value, 'filters', FILTER_FIELDS);
  const f: FlowFilter = {};
  const at = (key: string) => `filters.${key}`;
  const each = <T>(key: string, read: (v: unknown, path: string) => T): T[] | undefined =>
    o[key] === undefined ? undefined : list(o[key], at(key)).map((v, i) => read(v, `${at(key)}[${i}]`));
  const set = <K extends keyof FlowFilter>(key: K, v: FlowFilter[K] | undefined) => {
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) f[key] = v;
  };
  set('sourceNames', each('sourceNames', stringMatch));
  set('sourceNamespaces', each('sourceNamespaces', stringMatch));
  set('destNames', each('destNames', stringMatch));
  set('destNamespaces', each('destNamespaces', stringMatch));
  set('protocols', each('protocols', stringMatch));
  set(
    'destPorts',
    each('destPorts', (v, p) => integer(v, p, 0, 65535)),
  );
  set(
    'actions',
    each('actions', (v, p) => oneOfValues(v, p, ACTIONS)),
  );
  set(
    'pendingActions',
    each('pendingActions', (v, p) => oneOfValues(v, p, ACTIONS)),
  );
  if (o.reporter !== undefined) f.reporter = oneOfValues(o.reporter, at('reporter'), REPORTERS);
  set('policies', each('policies', policyMatch));
  if (o.sourceSelector !== undefined) f.sourceSelector = string(o.sourceSelector, at('sourceSelector'));
  if (o.destSelector !== undefined) f.destSelector = string(o.destSelector, at('destSelector'));
  set(
    'destPortRanges',
    each('destPortRanges', (v, p) => {
      const r = object(v, p, ['min', 'max']);
      const min = integer(r.min, `${p}.min`, 0, 65535);
      const max = integer(r.max, `${p}.max`, 0, 65535);
      if (min > max) throw new Invalid(p, `min (${min}) must not be greater than max (${max})`);
      return { min, max };
    }),
  );
  if (o.pendingDiffers !== undefined) {
    if (typeof o.pendingDiffers !== 'boolean')
      throw new Invalid(at('pendingDiffers'), `expected true or false, got ${describe(o.pendingDiffers)}`);
    if (o.pendingDiffers) f.pendingDiffers = true;
  }
  const out: ApiFilter = { flow: f };
  const sourceCidrs = each('sourceCidrs', cidr);
  const destCidrs = each('destCidrs', cidr);
  const texts: Pick<FlowFilter, 'sourceCidrs' | 'destCidrs'> = {};
  if (sourceCidrs?.length) {
    out.sourceCidrs = sourceCidrs;
    texts.sourceCidrs = o.sourceCidrs as string[];
  }
  if (destCidrs?.length) {
    out.destCidrs = destCidrs;
    texts.destCidrs = o.destCidrs as string[];
  }
  if (sourceCidrs?.length || destCidrs?.length) out.cidrTexts = texts;
  return out;
}

/**
 * Reads and checks the `filters` parameter, including that its selectors parse. Absent or blank is
 * "no filter". JSON syntax errors name the column.
 */
export function parseFilters(raw: string | undefined): Result<ApiFilter, FilterIssue> {
  if (raw === undefined || raw.trim() === '') return ok({ flow: {} });
  const parsed = parseJson(raw);
  if (!parsed.ok) {
    const { column, expected } = parsed.error;
    return err({ path: 'filters', message: `filters is not valid JSON: expected ${expected} at column ${column}` });
  }
  let filter: ApiFilter;
  try {
    filter = readFilter(parsed.value);
  } catch (e) {
    if (e instanceof Invalid) return err({ path: e.path, message: `${e.path}: ${e.message}` });
    throw e;
  }
  const compiled = compileFilterParts(filter.flow);
  if (!compiled.ok) {
    const path = `filters.${compiled.error.path}`;
    return err({ path, message: `${path}: ${compiled.error.message}` });
  }
  return ok(filter);
}

export const hasCidrs = (f: ApiFilter): boolean => f.sourceCidrs !== undefined || f.destCidrs !== undefined;
