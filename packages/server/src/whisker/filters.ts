// whisker-backend's `filters` query parameter (calico-observability §4.1), decoded with
// @verdict/api's schema. Display aliases (`PUBLIC NETWORK`, `Global`) are matched by the stores.
import { type DecodedWhiskerFilters, decodeJson, type WireIssue, whiskerFiltersSchema } from '@verdict/api';
import type { HitKind, Result } from '@verdict/engine';
import { err, HIT_KINDS, ok } from '@verdict/engine';
import type { FlowFilter, PolicyMatch } from '@verdict/flows';

/**
 * Reads the `filters` parameter. Accepts the value as JSON, or URL-encoded once more (whisker-backend
 * always unescapes a second time; we only do when the value is not JSON as it stands). Messages start
 * with `filters` and name the column or the field path that is wrong.
 */
export function parseFilters(
  raw: string | undefined,
  kinds: readonly HitKind[] = HIT_KINDS,
): Result<FlowFilter, WireIssue> {
  if (raw === undefined || raw.trim() === '') return ok({});
  let decoded = decodeJson(whiskerFiltersSchema, raw, 'filters');
  if (!decoded.ok && decoded.error[0]?.code === 'invalid-json') {
    const unescaped = queryUnescape(raw);
    if (unescaped !== undefined && unescaped !== raw) {
      const second = decodeJson(whiskerFiltersSchema, unescaped, 'filters');
      if (second.ok || second.error[0]?.code !== 'invalid-json') decoded = second;
    }
  }
  if (!decoded.ok) return err(decoded.error[0] as WireIssue);
  return toFlowFilter(decoded.value, kinds);
}

/** Go's url.QueryUnescape: `+` is a space, `%XX` a byte; undefined when an escape is malformed. */
function queryUnescape(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function toFlowFilter(v: DecodedWhiskerFilters, known: readonly HitKind[]): Result<FlowFilter, WireIssue> {
  const filter: FlowFilter = {};
  const assign = <K extends keyof FlowFilter>(k: K, list: FlowFilter[K] & readonly unknown[]) => {
    if (list.length > 0) filter[k] = list;
  };
  assign('sourceNames', v.source_names);
  assign('destNames', v.dest_names);
  assign('sourceNamespaces', v.source_namespaces);
  assign('destNamespaces', v.dest_namespaces);
  assign('protocols', v.protocols);
  assign(
    'destPorts',
    v.dest_ports.map((p) => p.value),
  );
  assign('actions', v.actions);
  assign('pendingActions', v.pending_actions);
  if (v.reporter !== undefined) filter.reporter = v.reporter;
  const policies: PolicyMatch[] = [];
  for (const [i, p] of v.policies.entries()) {
    const match: PolicyMatch = {};
    for (const field of ['tier', 'namespace', 'name'] as const) {
      const m = p[field];
      if (m && m.value !== '') match[field] = m;
    }
    if (p.action !== undefined) match.action = p.action;
    const kind = p.kind;
    if (kind === undefined || kind === null || kind === '' || kind === 'KindUnspecified') {
      policies.push(match);
      continue;
    }
    const kinds = kindsMatching(kind, known);
    if (kinds.length === 0) {
      const path = `filters.policies[${i}].kind`;
      const expected = known.map((k) => `"${k}"`).join(', ');
      return err({
        code: 'invalid-value',
        path,
        message: `${path}: expected one of ${expected}, got ${JSON.stringify(kind)}`,
      });
    }
    for (const k of kinds) policies.push({ ...match, kind: k });
  }
  assign('policies', policies);
  return ok(filter);
}

/**
 * A PolicyKind name (any, as whisker-backend accepts), or, when it is not one, every kind of the
 * reproduced Calico release containing it case-insensitively (the UI sends the search text while one
 * types into the Kind filter).
 */
function kindsMatching(kind: string, known: readonly HitKind[]): HitKind[] {
  const exact = HIT_KINDS.find((k) => k === kind);
  if (exact) return [exact];
  return known.filter((k) => k.toLowerCase().includes(kind.toLowerCase()));
}
