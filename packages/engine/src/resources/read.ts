// Typed reads over parsed YAML/JSON objects. Every read that finds the wrong type reports a
// 'wrong-type' issue at the field's path and returns undefined; `null` counts as absent, as it
// does for the Kubernetes API.

import type { Path, Reporter } from './report.ts';
import { describe } from './report.ts';

export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A view over one object of the input at a known path. */
export interface Obj {
  readonly raw: Json;
  readonly path: Path;
  readonly r: Reporter;
  at(key: string | number): Path;
  has(key: string): boolean;
  str(key: string): string | undefined;
  /** Reports 'missing-field' when absent or empty. */
  reqStr(key: string, what?: string): string | undefined;
  num(key: string): number | undefined;
  /** An integer in [min, max]; reports 'invalid-value' (or `code`) outside it. */
  int(key: string, min: number, max: number, code?: 'invalid-value' | 'invalid-port'): number | undefined;
  bool(key: string): boolean | undefined;
  obj(key: string): Obj | undefined;
  /** The list's elements with their paths; undefined when absent. */
  list(key: string, maxItems?: number): Item[] | undefined;
  strList(key: string, maxItems?: number): string[] | undefined;
  /** Warn about keys not in `known` ('unknown-field'). */
  known(known: readonly string[]): void;
}

export interface Item {
  value: unknown;
  path: Path;
}

export function objAt(r: Reporter, raw: Json, path: Path): Obj {
  return new ObjView(r, raw, path);
}

/** `value` as an Obj, or a 'wrong-type' issue; undefined/null give undefined silently. */
export function asObj(r: Reporter, value: unknown, path: Path, what = 'an object'): Obj | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    r.error('wrong-type', path, `expected ${what}, got ${describe(value)}`);
    return undefined;
  }
  return new ObjView(r, value, path);
}

class ObjView implements Obj {
  constructor(
    readonly r: Reporter,
    readonly raw: Json,
    readonly path: Path,
  ) {}

  at(key: string | number): Path {
    return [...this.path, key];
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  private wrong(key: string, expected: string): undefined {
    this.r.error('wrong-type', this.at(key), `${key} must be ${expected}, got ${describe(this.raw[key])}`);
    return undefined;
  }

  str(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : this.wrong(key, 'a string');
  }

  reqStr(key: string, what = 'a non-empty string'): string | undefined {
    if (!this.has(key) || this.raw[key] === '') {
      this.r.error('missing-field', this.at(key), `${key} is required (${what})`);
      return undefined;
    }
    return this.str(key);
  }

  num(key: string): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : this.wrong(key, 'a number');
  }

  int(
    key: string,
    min: number,
    max: number,
    code: 'invalid-value' | 'invalid-port' = 'invalid-value',
  ): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.wrong(key, `an integer between ${min} and ${max}`);
    if (v < min || v > max) {
      this.r.error(code, this.at(key), `${key} must be between ${min} and ${max}, got ${v}`);
      return undefined;
    }
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.wrong(key, 'true or false');
  }

  obj(key: string): Obj | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    return isRecord(v) ? new ObjView(this.r, v, this.at(key)) : this.wrong(key, 'an object');
  }

  list(key: string, maxItems?: number): Item[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.wrong(key, 'a list');
    if (maxItems !== undefined && v.length > maxItems) {
      this.r.error('invalid-value', this.at(key), `${key} may hold at most ${maxItems} entries, got ${v.length}`);
    }
    return v.map((value, i) => ({ value, path: this.at(key).concat(i) }));
  }

  strList(key: string, maxItems?: number): string[] | undefined {
    const items = this.list(key, maxItems);
    if (!items) return undefined;
    const out: string[] = [];
    for (const { value, path } of items) {
      if (typeof value === 'string') out.push(value);
      else this.r.error('wrong-type', path, `${key} entries must be strings, got ${describe(value)}`);
    }
    return out;
  }

  known(known: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!known.includes(key)) {
        this.r.warn(
          'unknown-field',
          this.at(key),
          `unknown field ${key} (ignored); expected one of ${known.join(', ')}`,
        );
      }
    }
  }
}

/** True when a field counts as "not set" for staged-Delete checks: absent, null, "", 0, false, [] or {}. */
export function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isRecord(v)) return Object.values(v).every(isEmptyValue);
  return false;
}
