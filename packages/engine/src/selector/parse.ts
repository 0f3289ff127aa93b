import { err, ok, type Result } from '../result.ts';
import { ALL, GLOBAL, type SelectorNode } from './ast.ts';
import { describeToken, fail, Lexer, type SelectorError, SyntaxFailure, type Token, type TokenKind } from './lex.ts';

const OPERATORS = "'==', '!=', 'in', 'not in', 'contains', 'starts with' or 'ends with'";
const PRIMARY = "a label, '(', '!', 'has(', 'all()' or 'global()'";
const COMPARE = {
  '==': 'eq',
  '!=': 'neq',
  contains: 'contains',
  'starts with': 'startsWith',
  'ends with': 'endsWith',
} as const;

/**
 * Deepest parenthesis nesting accepted. A 1024-character selector (the API limit) cannot nest deeper, and the bound
 * keeps the recursive descent far from the stack limit on any input.
 */
export const MAX_NESTING = 512;

/** Parses Calico selector syntax (§10.1–10.2); blank input is `all()`. Never throws. */
export function parse(text: string): Result<SelectorNode, SelectorError> {
  try {
    return ok(new Parser(text).selector());
  } catch (failure) {
    if (failure instanceof SyntaxFailure) return err(failure.error);
    throw failure;
  }
}

/** Recursive descent over `or := and ('||' and)*`, `and := unary ('&&' unary)*`, `unary := '!'* primary`. */
class Parser {
  private readonly lexer: Lexer;
  private token: Token;
  private depth = 0;

  constructor(text: string) {
    this.lexer = new Lexer(text);
    this.token = this.lexer.next();
  }

  selector(): SelectorNode {
    if (this.is('end')) return ALL;
    const node = this.or();
    if (!this.is('end')) this.unexpected("'&&', '||' or end of input");
    return node;
  }

  private or(): SelectorNode {
    return this.chain('||', 'or', () => this.and());
  }

  private and(): SelectorNode {
    return this.chain('&&', 'and', () => this.unary());
  }

  private chain(separator: TokenKind, kind: 'and' | 'or', operand: () => SelectorNode): SelectorNode {
    const first = operand();
    if (!this.is(separator)) return first;
    const operands = [first];
    while (this.accept(separator)) operands.push(operand());
    return { kind, operands };
  }

  /** `!` negates the single primary after it; an even run of `!` cancels out. */
  private unary(): SelectorNode {
    let negated = false;
    while (this.accept('!')) negated = !negated;
    const node = this.primary();
    return negated ? { kind: 'not', operand: node } : node;
  }

  private primary(): SelectorNode {
    const token = this.token;
    switch (token.kind) {
      case '(': {
        if (this.depth === MAX_NESTING) this.unexpected(`at most ${MAX_NESTING} nested parentheses`);
        this.advance();
        this.depth++;
        const node = this.or();
        this.depth--;
        this.expect(')', "'&&', '||' or ')'");
        return node;
      }
      case 'all':
        this.advance();
        return ALL;
      case 'global':
        this.advance();
        return GLOBAL;
      case 'has':
        this.advance();
        return { kind: 'has', key: token.text };
      case 'label':
        this.advance();
        return this.comparison(token.text);
      default:
        return this.unexpected(PRIMARY);
    }
  }

  private comparison(key: string): SelectorNode {
    const operator = this.token;
    switch (operator.kind) {
      case '==':
      case '!=':
      case 'contains':
      case 'starts with':
      case 'ends with':
        this.advance();
        return { kind: COMPARE[operator.kind], key, value: this.string(` after '${operator.kind}'`) };
      case 'in':
      case 'not in':
        this.advance();
        return { kind: operator.kind === 'in' ? 'in' : 'notIn', key, values: this.set(operator.kind) };
      default:
        return this.unexpected(OPERATORS, ` after label "${key}"`);
    }
  }

  /** `{` [ string ( `,` string )* [ `,` ] ] `}` */
  private set(operator: string): string[] {
    this.expect('{', "'{'", ` after '${operator}'`);
    const values: string[] = [];
    while (!this.accept('}')) {
      values.push(this.string(' in a set', "a quoted string or '}'"));
      if (!this.accept(',') && !this.is('}')) this.unexpected("',' or '}'", ' in a set');
    }
    return values;
  }

  private string(context: string, expected = 'a quoted string'): string {
    const { kind, text } = this.token;
    if (kind !== 'string') this.unexpected(expected, context);
    this.advance();
    return text;
  }

  private is(kind: TokenKind): boolean {
    return this.token.kind === kind;
  }

  private accept(kind: TokenKind): boolean {
    if (!this.is(kind)) return false;
    this.advance();
    return true;
  }

  private expect(kind: TokenKind, expected: string, context = ''): void {
    if (!this.accept(kind)) this.unexpected(expected, context);
  }

  private advance(): void {
    this.token = this.lexer.next();
  }

  private unexpected(expected: string, context = ''): never {
    return fail(this.token.column, expected, describeToken(this.token), context);
  }
}
