// Decoding wire input against a schema of this package. Every failure is a coded issue
// `{code, path, message}` (the engine's issue shape without a file position), never a throw.
import type { IssueCode, Result } from '@verdict/engine';
import { err, ok } from '@verdict/engine';
import type { z } from 'zod';
import { parseJson } from './json.ts';

export type WireIssueCode = IssueCode | 'invalid-json' | 'too-large';

/** One problem in wire input. `path` is rooted at what was decoded, e.g. `filters.destPorts[1]`. */
export interface WireIssue {
  code: WireIssueCode;
  path: string;
  /** Starts with the path: `filters.destPorts[1]: expected an integer 0-65535, got string "http"`. */
  message: string;
}

/** How a field key is written in paths (the Goldmane codec writes proto field names). */
export type FieldName = (key: string) => string;

/** `root` plus a zod path, as `root.a[0].b`. */
export function joinPath(root: string, path: readonly PropertyKey[], name: FieldName = String): string {
  let out = root;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? name(String(p)) : `.${name(String(p))}`;
  }
  return out;
}

/** A value as messages show it: `array`, `null`, `string "x"`, `number 3`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export const quoteAll = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(', ');

const EXPECTED: Readonly<Record<string, string>> = {
  object: 'a JSON object',
  array: 'a JSON array',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

/** Error options for a schema: its message says what is expected and what came instead. */
export const expecting = (what: string) => ({
  error: (iss: { input?: unknown }) => `expected ${what}, got ${describeValue(iss.input)}`,
});

type ZodIssue = z.core.$ZodIssue;

function codeOf(iss: ZodIssue): WireIssueCode {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined || iss.input === null ? 'missing-field' : 'wrong-type';
    case 'unrecognized_keys':
      return 'unknown-field';
    case 'too_big':
      return iss.origin === 'array' || iss.origin === 'string' ? 'too-large' : 'invalid-value';
    case 'custom': {
      const code = (iss.params as { code?: WireIssueCode } | undefined)?.code;
      return code ?? 'invalid-value';
    }
    default:
      return 'invalid-value';
  }
}

/** Zod's issues as coded ones; an unknown key is reported at its own path. */
export function wireIssues(root: string, issues: readonly ZodIssue[], name?: FieldName): WireIssue[] {
  const out: WireIssue[] = [];
  for (const iss of issues) {
    const code = codeOf(iss);
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) {
        const path = joinPath(root, [...iss.path, key], name);
        out.push({ code, path, message: `${path}: unknown field ${JSON.stringify(key)}; ${iss.message}` });
      }
      continue;
    }
    const path = joinPath(root, iss.path, name);
    out.push({ code, path, message: `${path}: ${iss.message}` });
  }
  return out;
}

/** Zod's default wording replaced by ours for the issues a schema does not word itself. */
function defaultMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'invalid_value':
      return `expected one of ${quoteAll(iss.values)}, got ${JSON.stringify(iss.input) ?? 'nothing'}`;
    case 'unrecognized_keys':
      return 'not part of the contract';
    case 'too_big': {
      const input = iss.input;
      if (Array.isArray(input)) return `expected at most ${iss.maximum} entries (a size limit), got ${input.length}`;
      if (typeof input === 'string')
        return `expected at most ${iss.maximum} characters (a size limit), got ${input.length}`;
      return `expected at most ${iss.maximum}, got ${describeValue(input)}`;
    }
    default:
      return undefined;
  }
}

/** Checks `value` against `schema`; every problem is a WireIssue under `root`. */
export function decode<S extends z.ZodType>(
  schema: S,
  value: unknown,
  root: string,
  name?: FieldName,
): Result<z.output<S>, WireIssue[]> {
  const parsed = schema.safeParse(value, { error: defaultMessage, reportInput: true });
  return parsed.success ? ok(parsed.data) : err(wireIssues(root, parsed.error.issues, name));
}

/**
 * Parses JSON text and decodes it. A syntax error is one `invalid-json` issue at `root` naming the
 * column.
 */
export function decodeJson<S extends z.ZodType>(
  schema: S,
  raw: string,
  root: string,
): Result<z.output<S>, WireIssue[]> {
  const parsed = parseJson(raw);
  if (!parsed.ok) {
    const { column, expected } = parsed.error;
    return err([{ code: 'invalid-json', path: root, message: `${root}: expected ${expected} at column ${column}` }]);
  }
  return decode(schema, parsed.value, root);
}
