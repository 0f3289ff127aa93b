// JSON.parse with a 1-based column for syntax errors (V8's messages do not always carry a position).
// Hand-written: no maintained library reports the position of a JSON syntax error portably.
import type { Result } from '@verdict/engine';
import { err, ok } from '@verdict/engine';

export interface JsonSyntaxError {
  /** 1-based column of the first character that could not be read. */
  column: number;
  /** What the parser expected there, e.g. `expected ',' or '}'`. */
  expected: string;
}

/** How deeply arrays and objects may nest before the syntax-error locator stops (it recurses per level). */
export const JSON_DEPTH_LIMIT = 256;

export function parseJson(text: string): Result<unknown, JsonSyntaxError> {
  try {
    return ok(JSON.parse(text));
  } catch {
    return err(locateSyntaxError(text));
  }
}

class Stop {
  constructor(
    readonly at: number,
    readonly expected: string,
  ) {}
}

/** Walks the text with the JSON grammar and reports where it first breaks. */
function locateSyntaxError(text: string): JsonSyntaxError {
  let i = 0;
  let depth = 0;
  const nest = (read: () => void) => () => {
    if (++depth > JSON_DEPTH_LIMIT) throw new Stop(i, `at most ${JSON_DEPTH_LIMIT} nested arrays and objects`);
    read();
    depth--;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (!text.startsWith(word, i)) throw new Stop(i, 'a JSON value');
    i += word.length;
  };
  const string = () => {
    if (text[i] !== '"') throw new Stop(i, "'\"'");
    i++;
    while (i < text.length && text[i] !== '"') {
      const ch = text.charCodeAt(i);
      if (ch < 0x20) throw new Stop(i, "a closing '\"' before the control character");
      if (text[i] === '\\') {
        const esc = text[i + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, 'a \\uXXXX escape');
          i += 6;
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc)) throw new Stop(i, 'a valid escape sequence');
        i += 2;
        continue;
      }
      i++;
    }
    if (i >= text.length) throw new Stop(i, "a closing '\"'");
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m === null) throw new Stop(i, 'a JSON value');
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const readers: Record<string, () => void> = {
      '{': nest(object),
      '[': nest(array),
      '"': string,
      t: () => literal('true'),
      f: () => literal('false'),
      n: () => literal('null'),
    };
    (readers[text[i] ?? ''] ?? number)();
  };
  const object = () => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') throw new Stop(i, 'a property name in double quotes');
      string();
      ws();
      if (text[i] !== ':') throw new Stop(i, "':'");
      i++;
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      throw new Stop(i, "',' or '}'");
    }
  };
  const array = () => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      value();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      throw new Stop(i, "',' or ']'");
    }
  };
  try {
    value();
    ws();
    if (i < text.length) throw new Stop(i, 'end of input');
  } catch (e) {
    if (e instanceof Stop) return { column: e.at + 1, expected: e.expected };
    throw e;
  }
  // JSON.parse failed where the grammar did not (e.g. a lone surrogate); blame the start.
  return { column: 1, expected: 'valid JSON' };
}
