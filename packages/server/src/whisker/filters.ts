// whisker-backend's `filters` query parameter (calico-observability §4.1): JSON with enum names,
// display aliases rewritten to stored values before querying.
import type { HitKind, Result } from '@verdict/engine';
import { err, HIT_KINDS, ok } from '@verdict/engine';
import type { FlowAction, FlowFilter, MatchType, PolicyMatch, Reporter, StringMatch } from '@verdict/flows';
import { parseJson } from '../json.ts';

const MATCH_TYPES: readonly MatchType[] = ['Exact', 'Fuzzy'];
const ACTIONS: readonly FlowAction[] = ['Allow', 'Deny', 'Pass'];
const REPORTERS: readonly Reporter[] = ['Src', 'Dst'];
const KINDS: readonly HitKind[] = HIT_KINDS;

/** Display forms the UI shows and sends back, and the stored values they stand for. */
const NAME_ALIASES: Readonly<Record<string, string>> = { 'PUBLIC NETWORK': 'pub', 'PRIVATE NETWORK': 'pvt' };
const NAMESPACE_ALIASES: Readonly<Record<string, string>> = { Global: '-' };

class Invalid extends Error {}

const quote = (v: unknown) => JSON.stringify(v) ?? String(v);
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const oneOf = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ');

/**
 * Reads the `filters` parameter. Accepts the value as JSON, or URL-encoded once more (whisker-backend
 * always unescapes a second time; we only do when the value is not JSON as it stands). Messages start
 * with `filters` and name the column or the field path that is wrong.
 */
export function parseFilters(raw: string | undefined): Result<FlowFilter, string> {
  if (raw === undefined || raw.trim() === '') return ok({});
  let parsed = parseJson(raw);
  if (!parsed.ok) {
    const unescaped = queryUnescape(raw);
    if (unescaped !== undefined && unescaped !== raw) {
      const second = parseJson(unescaped);
      if (second.ok) parsed = second;
    }
  }
  if (!parsed.ok) return err(`filters: expected ${parsed.error.expected} at column ${parsed.error.column}`);
  try {
    return ok(readFilters(parsed.value));
  } catch (e) {
    if (e instanceof Invalid) return err(e.message);
    throw e;
  }
}

/** Go's url.QueryUnescape: `+` is a space, `%XX` a byte; undefined when an escape is malformed. */
function queryUnescape(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function readFilters(value: unknown): FlowFilter {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid(`filters: expected a JSON object, got ${typeOf(value)}`);
  }
  const v = value as Record<string, unknown>;
  const filter: FlowFilter = {};
  const names = (key: string) => stringMatches(v[key], `filters.${key}`, NAME_ALIASES);
  const namespaces = (key: string) => stringMatches(v[key], `filters.${key}`, NAMESPACE_ALIASES);
  const assign = <K extends keyof FlowFilter>(k: K, list: FlowFilter[K] & readonly unknown[]) => {
    if (list.length > 0) filter[k] = list;
  };
  assign('sourceNames', names('source_names'));
  assign('destNames', names('dest_names'));
  assign('sourceNamespaces', namespaces('source_namespaces'));
  assign('destNamespaces', namespaces('dest_namespaces'));
  assign('protocols', stringMatches(v.protocols, 'filters.protocols', {}));
  assign('destPorts', ports(v.dest_ports, 'filters.dest_ports'));
  assign('actions', actions(v.actions, 'filters.actions'));
  assign('pendingActions', actions(v.pending_actions, 'filters.pending_actions'));
  assign('policies', policies(v.policies, 'filters.policies'));
  const reporter = v.reporter;
  if (reporter !== undefined && reporter !== null && reporter !== '' && reporter !== 'ReporterUnspecified') {
    if (!REPORTERS.includes(reporter as Reporter)) {
      throw new Invalid(`filters.reporter: expected one of ${oneOf(REPORTERS)}, got ${quote(reporter)}`);
    }
    filter.reporter = reporter as Reporter;
  }
  return filter;
}

function array(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Invalid(`${path}: expected a JSON array, got ${typeOf(value)}`);
  return value;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid(`${path}: expected a JSON object, got ${typeOf(value)}`);
  }
  return value as Record<string, unknown>;
}

function stringMatch(value: unknown, path: string, aliases: Readonly<Record<string, string>>): StringMatch {
  const m = object(value, path);
  const text = m.value ?? '';
  if (typeof text !== 'string') throw new Invalid(`${path}.value: expected a string, got ${typeOf(text)}`);
  const type = m.type ?? 'Exact';
  if (!MATCH_TYPES.includes(type as MatchType)) {
    throw new Invalid(`${path}.type: expected one of ${oneOf(MATCH_TYPES)}, got ${quote(type)}`);
  }
  return { value: aliases[text] ?? text, type: type as MatchType };
}

function stringMatches(value: unknown, path: string, aliases: Readonly<Record<string, string>>): StringMatch[] {
  return array(value, path).map((m, i) => stringMatch(m, `${path}[${i}]`, aliases));
}

function ports(value: unknown, path: string): number[] {
  return array(value, path).map((p, i) => {
    const port = object(p, `${path}[${i}]`).value;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Invalid(`${path}[${i}].value: expected a port number 0-65535, got ${quote(port)}`);
    }
    return port;
  });
}

function actions(value: unknown, path: string): FlowAction[] {
  return array(value, path).map((a, i) => {
    if (!ACTIONS.includes(a as FlowAction)) {
      throw new Invalid(`${path}[${i}]: expected one of ${oneOf(ACTIONS)}, got ${quote(a)}`);
    }
    return a as FlowAction;
  });
}

/**
 * Policy matches. A `kind` that is not a PolicyKind name but part of some (the UI sends the search
 * text while one types into the Kind filter) stands for every kind containing it, case-insensitively.
 */
function policies(value: unknown, path: string): PolicyMatch[] {
  const out: PolicyMatch[] = [];
  array(value, path).forEach((p, i) => {
    const at = `${path}[${i}]`;
    const v = object(p, at);
    const match: PolicyMatch = {};
    for (const field of ['tier', 'namespace', 'name'] as const) {
      if (v[field] === undefined || v[field] === null) continue;
      const m = stringMatch(v[field], `${at}.${field}`, {});
      if (m.value !== '') match[field] = m;
    }
    const action = v.action;
    if (action !== undefined && action !== null && action !== '' && action !== 'ActionUnspecified') {
      if (!ACTIONS.includes(action as FlowAction)) {
        throw new Invalid(`${at}.action: expected one of ${oneOf(ACTIONS)}, got ${quote(action)}`);
      }
      match.action = action as FlowAction;
    }
    const kind = v.kind;
    if (kind === undefined || kind === null || kind === '' || kind === 'KindUnspecified') {
      out.push(match);
      return;
    }
    if (typeof kind !== 'string') throw new Invalid(`${at}.kind: expected a string, got ${typeOf(kind)}`);
    const kinds = KINDS.includes(kind as HitKind)
      ? [kind as HitKind]
      : KINDS.filter((k) => k.toLowerCase().includes(kind.toLowerCase()));
    if (kinds.length === 0) throw new Invalid(`${at}.kind: expected one of ${oneOf(KINDS)}, got ${quote(kind)}`);
    for (const k of kinds) out.push({ ...match, kind: k });
  });
  return out;
}
