/** Why a selector did not parse. */
export interface SelectorError {
  code: 'invalid-selector';
  message: string;
  /** 1-based column in the input (UTF-16 code units). */
  column: number;
  /** What was expected there, e.g. 'a quoted string'. */
  expected: string;
}

/** Thrown inside the lexer and parser only; `parse` turns it into a value. */
export class SyntaxFailure {
  constructor(readonly error: SelectorError) {}
}

export function fail(column: number, expected: string, found: string, context = ''): never {
  const message = `invalid selector: expected ${expected}${context} at column ${column}, found ${found}`;
  throw new SyntaxFailure({ code: 'invalid-selector', message, column, expected });
}

export type TokenKind =
  | 'label'
  | 'string'
  | 'has'
  | 'all'
  | 'global'
  | '('
  | ')'
  | '{'
  | '}'
  | ','
  | '=='
  | '!='
  | '!'
  | '&&'
  | '||'
  | 'in'
  | 'not in'
  | 'contains'
  | 'starts with'
  | 'ends with'
  | 'unknown'
  | 'end';

/** `text` is the label name for `label` and `has`, the unquoted value for `string`, else the source text. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly column: number;
}

export const MAX_LABEL_LENGTH = 512;

const LABEL = /[A-Za-z0-9_./-]*/y;
/** Operator words, recognised only right after a label and only up to a word boundary (§10.1). */
const OPERATOR_WORD = /(?:in|not[ \t]*in|contains|starts[ \t]*with|ends[ \t]*with)(?![A-Za-z0-9_])/y;
const OPERATOR_KIND: Readonly<Record<string, TokenKind>> = {
  in: 'in',
  notin: 'not in',
  contains: 'contains',
  startswith: 'starts with',
  endswith: 'ends with',
};
const PUNCTUATION = new Set(['(', ')', '{', '}', ',']);
const PAIRED = { '=': '==', '&': '&&', '|': '||' } as const;
const KEYWORDS = ['has(', 'all(', 'global('] as const;

/**
 * Splits a selector into tokens on demand (Calico's tokenizer is context-sensitive: operator words only follow a
 * label). Characters the grammar never accepts become `unknown` tokens, so the parser can say what it expected.
 */
export class Lexer {
  private at = 0;
  private afterLabel = false;

  constructor(private readonly text: string) {}

  next(): Token {
    const token = this.scan();
    this.afterLabel = token.kind === 'label';
    return token;
  }

  private scan(): Token {
    this.skipBlanks();
    const { text } = this;
    const start = this.at;
    const char = text[start];
    if (char === undefined) return this.token('end', '', start);
    if (PUNCTUATION.has(char)) return this.take(char as TokenKind, 1);
    if (char === '"' || char === "'") {
      const close = text.indexOf(char, start + 1);
      if (close < 0) fail(start + 1, `a closing ${char}`, 'end of input', ' for the string starting');
      this.at = close + 1;
      return this.token('string', text.slice(start + 1, close), start);
    }
    if (char === '!') return text[start + 1] === '=' ? this.take('!=', 2) : this.take('!', 1);
    if (char === '=' || char === '&' || char === '|') {
      const pair = PAIRED[char];
      return text.startsWith(pair, start) ? this.take(pair, 2) : this.take('unknown', 1);
    }
    if (this.afterLabel) return this.operatorWord(start);
    const keyword = KEYWORDS.find((word) => text.startsWith(word, start));
    if (keyword !== undefined) return this.keyword(keyword, start);
    const label = this.label();
    return label === '' ? this.take('unknown', 1) : this.token('label', label, start);
  }

  private operatorWord(start: number): Token {
    OPERATOR_WORD.lastIndex = start;
    const match = OPERATOR_WORD.exec(this.text);
    if (match !== null) {
      this.at = OPERATOR_WORD.lastIndex;
      return this.token(OPERATOR_KIND[match[0].replace(/[ \t]/g, '')] ?? 'unknown', match[0], start);
    }
    const word = this.label();
    return word === '' ? this.take('unknown', 1) : this.token('unknown', word, start);
  }

  /** `has(label)`, `all()` or `global()`: the `(` follows the word directly, blanks are allowed inside. */
  private keyword(keyword: (typeof KEYWORDS)[number], start: number): Token {
    this.at += keyword.length;
    this.skipBlanks();
    let label = '';
    if (keyword === 'has(') {
      label = this.label();
      if (label === '') fail(this.at + 1, 'a label name', this.found(), ' inside has(');
      this.skipBlanks();
    }
    if (this.text[this.at] !== ')') fail(this.at + 1, "')'", this.found(), ` to close ${keyword}`);
    this.at++;
    return this.token(keyword === 'has(' ? 'has' : keyword === 'all(' ? 'all' : 'global', label, start);
  }

  private label(): string {
    LABEL.lastIndex = this.at;
    const label = LABEL.exec(this.text)?.[0] ?? '';
    if (label.length > MAX_LABEL_LENGTH) {
      fail(this.at + 1, `a label of at most ${MAX_LABEL_LENGTH} characters`, `one of ${label.length}`);
    }
    this.at += label.length;
    return label;
  }

  private skipBlanks(): void {
    while (this.text[this.at] === ' ' || this.text[this.at] === '\t') this.at++;
  }

  private found(): string {
    const char = this.text[this.at];
    return char === undefined ? 'end of input' : describeChar(char);
  }

  private take(kind: TokenKind, length: number): Token {
    const start = this.at;
    this.at += length;
    return this.token(kind, this.text.slice(start, this.at), start);
  }

  private token(kind: TokenKind, text: string, start: number): Token {
    return { kind, text, column: start + 1 };
  }
}

/** How an error message names a token that was not expected. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of input';
    case 'label':
      return `label "${token.text}"`;
    case 'string':
      return `the string ${JSON.stringify(token.text)}`;
    case 'has':
      return `has(${token.text})`;
    case 'all':
    case 'global':
      return `${token.kind}()`;
    case 'unknown':
      return token.text.length === 1 ? describeChar(token.text) : `'${token.text}'`;
    default:
      return `'${token.text}'`;
  }
}

function describeChar(char: string): string {
  if (char === '\n') return 'a newline (only spaces and tabs may separate tokens)';
  if (char === '\r') return 'a carriage return (only spaces and tabs may separate tokens)';
  return `'${char}'`;
}
