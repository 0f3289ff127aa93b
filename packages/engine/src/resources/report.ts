// Issue collection for one resource: field paths, source positions and the error count that
// decides whether the resource is loaded.

import type { Issue, IssueCode } from '../model.ts';

/** A field path as segments: `['spec', 'ingress', 0]` is `spec.ingress[0]`. */
export type Path = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['spec', 'ingress', 0, 'ports', 1]` → `spec.ingress[0].ports[1]`; odd keys are quoted (`labels["a.b/c"]`). */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export interface Position {
  line: number;
  column: number;
}

/** Maps a field path of one resource to where it was written; 0/0 when unknown. */
export interface Locator {
  /** `offset` is a character offset inside a single-line scalar value (for selector columns). */
  position(path: Path, offset?: number): Position;
  /** 1-based line of the resource itself. */
  readonly line: number;
}

/** Collects the issues of one resource; `errors` > 0 means the resource must not be loaded. */
export interface Reporter {
  error(code: IssueCode, path: Path, message: string, offset?: number): void;
  warn(code: IssueCode, path: Path, message: string, offset?: number): void;
  readonly errors: number;
  /** A label such as `NetworkPolicy shop/web` put in front of every message from now on. */
  setSubject(subject: string): void;
}

export function reporter(file: string, locator: Locator, sink: Issue[]): Reporter {
  let errors = 0;
  let subject = '';
  const add = (severity: Issue['severity'], code: IssueCode, path: Path, message: string, offset?: number) => {
    const { line, column } = locator.position(path, offset);
    sink.push({
      code,
      severity,
      message: subject ? `${subject}: ${message}` : message,
      file,
      line,
      column,
      path: formatPath(path),
    });
  };
  return {
    error(code, path, message, offset) {
      errors++;
      add('error', code, path, message, offset);
    },
    warn(code, path, message, offset) {
      add('warning', code, path, message, offset);
    },
    get errors() {
      return errors;
    },
    setSubject(s) {
      subject = s;
    },
  };
}

/** A short description of a value for messages: `a string ("10")`, `a list`, `null`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    case 'number':
      return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
