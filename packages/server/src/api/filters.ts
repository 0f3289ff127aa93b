// The `filters` query parameter of /api/v1, decoded with @verdict/api's schema: the flow filter the
// store evaluates, plus `sourceCidrs` and `destCidrs`. Every problem is a WireIssue at its JSON path.
import { decodeJson, filtersSchema, type WireIssue } from '@verdict/api';
import type { Cidr, Result } from '@verdict/engine';
import { err, ok, parseCidr } from '@verdict/engine';
import type { FlowFilter } from '@verdict/flows';
import { compileFilterParts } from '@verdict/flows';

export interface ApiFilter {
  /** What the store evaluates. */
  flow: FlowFilter;
  /** Evaluated by the API against the cluster state; absent when not asked for. */
  sourceCidrs?: readonly Cidr[];
  destCidrs?: readonly Cidr[];
  /** The CIDRs as given, matched against the addresses a flow recorded (when it recorded any). */
  cidrTexts?: Pick<FlowFilter, 'sourceCidrs' | 'destCidrs'>;
}

const cidrs = (texts: readonly string[] | undefined): Cidr[] =>
  (texts ?? []).flatMap((t) => {
    const c = parseCidr(t);
    return c === undefined ? [] : [c];
  });

/**
 * Reads and checks the `filters` parameter, including that its selectors parse. Absent or blank is
 * "no filter". JSON syntax errors name the column.
 */
export function parseFilters(raw: string | undefined): Result<ApiFilter, WireIssue> {
  if (raw === undefined || raw.trim() === '') return ok({ flow: {} });
  const decoded = decodeJson(filtersSchema, raw, 'filters');
  if (!decoded.ok) return err(decoded.error[0] as WireIssue);
  const { sourceCidrs, destCidrs, pendingDiffers, ...rest } = decoded.value;
  const flow: FlowFilter = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined && !(Array.isArray(value) && value.length === 0))
      (flow as Record<string, unknown>)[key] = value;
  }
  if (pendingDiffers) flow.pendingDiffers = true;
  const compiled = compileFilterParts(flow);
  if (!compiled.ok) {
    const path = `filters.${compiled.error.path}`;
    return err({ code: 'invalid-selector', path, message: `${path}: ${compiled.error.message}` });
  }
  const out: ApiFilter = { flow };
  const src = cidrs(sourceCidrs);
  const dst = cidrs(destCidrs);
  const texts: Pick<FlowFilter, 'sourceCidrs' | 'destCidrs'> = {};
  if (src.length > 0 && sourceCidrs) {
    out.sourceCidrs = src;
    texts.sourceCidrs = sourceCidrs;
  }
  if (dst.length > 0 && destCidrs) {
    out.destCidrs = dst;
    texts.destCidrs = destCidrs;
  }
  if (src.length > 0 || dst.length > 0) out.cidrTexts = texts;
  return ok(out);
}

export const hasCidrs = (f: ApiFilter): boolean => f.sourceCidrs !== undefined || f.destCidrs !== undefined;
