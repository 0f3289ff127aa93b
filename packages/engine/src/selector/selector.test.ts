import { describe, expect, it } from 'vitest';
import {
  ALL,
  and,
  canonicalize,
  equals,
  has,
  inSet,
  isGlobalOnly,
  type LabelMap,
  not,
  parseSelector,
  prefixLabels,
  replaceAll,
  type Selector,
  type SelectorError,
  type SelectorNode,
  selectorFromAst,
  usesGlobal,
} from './index.ts';

const OPERATORS = "'==', '!=', 'in', 'not in', 'contains', 'starts with' or 'ends with'";

const labels = (entries: Record<string, string> = {}): LabelMap => new Map(Object.entries(entries));
const noLabels = labels();

function selector(text: string): Selector {
  const parsed = parseSelector(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

function errorOf(text: string): SelectorError {
  const parsed = parseSelector(text);
  if (parsed.ok) throw new Error(`${JSON.stringify(text)} parsed as ${parsed.value.canonical}`);
  return parsed.error;
}

const isValid = (text: string): boolean => parseSelector(text).ok;
const matches = (text: string, entries: Record<string, string> = {}): boolean =>
  selector(text).matches(labels(entries));
const canonical = (text: string): string => selector(text).canonical;

describe('§12 subtleties', () => {
  it('!= is true when the label is absent', () => {
    expect(matches('a != "b"')).toBe(true);
    expect(matches('a != "b"', { a: 'c' })).toBe(true);
    expect(matches('a != "b"', { a: 'b' })).toBe(false);
  });

  it('not in is true when the label is absent', () => {
    expect(matches('a not in {"b"}')).toBe(true);
    expect(matches('a not in {"b"}', { a: 'b' })).toBe(false);
  });

  it('a trailing newline invalidates', () => {
    expect(isValid('a == "b"\n')).toBe(false);
    expect(isValid('a == "b"\r\n')).toBe(false);
    expect(isValid('\na == "b"')).toBe(false);
    expect(isValid('a ==\n"b"')).toBe(false);
  });

  it('only space and tab separate tokens', () => {
    expect(matches('\ta\t==\t"b" ', { a: 'b' })).toBe(true);
    expect(isValid('a ==\r"b"')).toBe(false);
    expect(isValid('a ==\f"b"')).toBe(false);
  });

  it('a newline inside a string literal is just a character', () => {
    expect(matches('a == "x\ny"', { a: 'x\ny' })).toBe(true);
  });

  it('startswith without a space is accepted', () => {
    expect(matches('a startswith "x"', { a: 'xy' })).toBe(true);
    expect(canonical('a startswith "x"')).toBe('a starts with "x"');
  });

  it('endswith and notin without a space are accepted, and any run of blanks between the words', () => {
    expect(matches('a endswith "y"', { a: 'xy' })).toBe(true);
    expect(matches('a notin {"x"}', { a: 'x' })).toBe(false);
    expect(matches('a not \t in {"x"}', { a: 'y' })).toBe(true);
    expect(matches('a starts \t with "x"', { a: 'xy' })).toBe(true);
  });

  it('ALL(), has (a) and IN are rejected', () => {
    expect(isValid('ALL()')).toBe(false);
    expect(isValid('Has(a)')).toBe(false);
    expect(isValid('has (a)')).toBe(false);
    expect(isValid('a IN {"x"}')).toBe(false);
    expect(isValid('a Contains "x"')).toBe(false);
  });

  it('! binds to one primary', () => {
    const text = '!a == "b" || c == "d"';
    expect(canonical(text)).toBe('(!a == "b" || c == "d")');
    expect(matches(text, { a: 'b' })).toBe(false);
    expect(matches(text, { a: 'b', c: 'd' })).toBe(true);
    expect(matches(text)).toBe(true);
    expect(matches('!a in {"x"}', { a: 'y' })).toBe(true);
  });
});

describe('§10.1 lexical rules', () => {
  it('any label character may come first', () => {
    expect(matches('1 == "2"', { 1: '2' })).toBe(true);
    expect(matches('-x == "y"', { '-x': 'y' })).toBe(true);
    expect(matches('a.b/c-d_e == "x"', { 'a.b/c-d_e': 'x' })).toBe(true);
  });

  it('a label has at most 512 characters', () => {
    expect(isValid(`${'a'.repeat(512)} == "x"`)).toBe(true);
    expect(errorOf(`${'a'.repeat(513)} == "x"`)).toMatchObject({
      column: 1,
      expected: 'a label of at most 512 characters',
    });
    expect(isValid(`has(${'a'.repeat(513)})`)).toBe(false);
  });

  it('characters outside A–Z a–z 0–9 _ . / - are invalid in a label', () => {
    for (const text of ['é == "x"', 'a:b == "x"', 'a@b == "x"', 'has(a:b)']) expect(isValid(text)).toBe(false);
  });

  it('string literals have no escapes', () => {
    expect(matches('a == "x\\y"', { a: 'x\\y' })).toBe(true);
    expect(isValid('a == "x\\"')).toBe(true);
    expect(isValid('a == "x\\""')).toBe(false);
  });

  it('the other quote kind may appear inside a literal', () => {
    expect(matches(`a == "it's"`, { a: "it's" })).toBe(true);
    expect(matches(`a == 'say "hi"'`, { a: 'say "hi"' })).toBe(true);
  });

  it('values and labels compare case-sensitively', () => {
    expect(matches('a == "B"', { a: 'b' })).toBe(false);
    expect(matches('A == "b"', { a: 'b' })).toBe(false);
  });

  it('values must be quoted', () => {
    expect(errorOf('a == 1')).toMatchObject({ column: 6, expected: 'a quoted string' });
    expect(isValid('a in {1}')).toBe(false);
  });

  it('keywords are ordinary label names when used as such', () => {
    expect(matches('in in {"in"}', { in: 'in' })).toBe(true);
    expect(matches('not not in {"x"}', { not: 'y' })).toBe(true);
    expect(matches('has(has)', { has: '' })).toBe(true);
    expect(
      matches('all == "x" && global == "y" && contains contains "z"', { all: 'x', global: 'y', contains: 'z' }),
    ).toBe(true);
  });

  it('operator words end at a word boundary', () => {
    expect(isValid('a inf {"x"}')).toBe(false);
    expect(isValid('a containsx "v"')).toBe(false);
    expect(matches('a contains"v"', { a: 'v' })).toBe(true);
    expect(matches('a in{"v"}', { a: 'v' })).toBe(true);
  });

  it('= must be ==, & must be && and | must be ||', () => {
    for (const text of ['a = "b"', 'a === "b"', 'a == "b" & has(c)', 'a == "b" | has(c)', 'a == "b" &&& has(c)']) {
      expect(isValid(text)).toBe(false);
    }
  });

  it('! followed by = is !=, otherwise negation', () => {
    expect(selector('a!="b"').ast).toEqual({ kind: 'neq', key: 'a', value: 'b' });
    expect(selector('!has(a)').ast).toEqual(not(has('a')));
    expect(isValid('a ! = "b"')).toBe(false);
  });
});

describe('§10.2 grammar', () => {
  it('blank input is all()', () => {
    for (const text of ['', ' ', '\t ']) expect(selector(text).ast).toEqual(ALL);
  });

  it('&& binds tighter than ||', () => {
    expect(canonical('a == "b" || c == "d" && e == "f"')).toBe('(a == "b" || (c == "d" && e == "f"))');
    expect(matches('a == "b" || c == "d" && e == "f"', { a: 'b' })).toBe(true);
    expect(matches('(a == "b" || c == "d") && e == "f"', { a: 'b' })).toBe(false);
  });

  it('an odd number of ! negates, an even number cancels', () => {
    expect(selector('!!has(a)').ast).toEqual(has('a'));
    expect(selector('! !! has(a)').ast).toEqual(not(has('a')));
  });

  it('set literals may be empty or end with a trailing comma; duplicates are harmless', () => {
    expect(isValid('a in {}')).toBe(true);
    expect(matches('a in {"x",}', { a: 'x' })).toBe(true);
    expect(matches('a in {"x", "x"}', { a: 'x' })).toBe(true);
  });

  it('{,} and values without a comma are invalid', () => {
    expect(errorOf('a in {,}')).toMatchObject({ column: 7, expected: "a quoted string or '}'" });
    expect(errorOf('a in {"x" "y"}')).toMatchObject({ column: 11, expected: "',' or '}'" });
  });

  it('the whole input must be consumed', () => {
    expect(errorOf('a == "b" c == "d"')).toMatchObject({ column: 10, expected: "'&&', '||' or end of input" });
    expect(isValid('(a == "b"))')).toBe(false);
    expect(isValid('all() all()')).toBe(false);
  });

  it('parentheses must balance', () => {
    expect(errorOf('(a == "b"')).toMatchObject({ column: 10, expected: "'&&', '||' or ')'" });
    expect(isValid('()')).toBe(false);
  });
});

describe('§10.3 semantics', () => {
  it('has() counts an empty value as present', () => {
    expect(matches('has(a)', { a: '' })).toBe(true);
    expect(matches('has(a)')).toBe(false);
  });

  it('k in {} is never true', () => {
    expect(matches('a in {}', { a: '' })).toBe(false);
    expect(matches('a in {}')).toBe(false);
  });

  it('k not in {} is always true, unlike !has(k)', () => {
    expect(matches('a not in {}', { a: 'x' })).toBe(true);
    expect(matches('!has(a)', { a: 'x' })).toBe(false);
  });

  it('!all() matches nothing', () => {
    expect(matches('!all()')).toBe(false);
    expect(matches('!all()', { a: 'b' })).toBe(false);
  });

  it('global() matches everything', () => {
    expect(matches('global()', { a: 'b' })).toBe(true);
    expect(matches('!global()')).toBe(false);
  });

  it('string operators need the label; the empty string is true iff present', () => {
    for (const op of ['contains', 'starts with', 'ends with']) {
      expect(matches(`a ${op} ""`, { a: '' })).toBe(true);
      expect(matches(`a ${op} ""`)).toBe(false);
    }
    expect(matches('a contains "b"', { a: 'abc' })).toBe(true);
    expect(matches('a starts with "b"', { a: 'abc' })).toBe(false);
    expect(matches('a ends with "c"', { a: 'abc' })).toBe(true);
  });

  it('== needs the label to be present', () => {
    expect(matches('a == ""')).toBe(false);
    expect(matches('a == ""', { a: '' })).toBe(true);
  });
});

describe('§10.4 canonical form', () => {
  it.each([
    ['! (has( b)||! has(a ))', '!(has(b) || !has(a))'],
    [`a startswith '"'`, `a starts with '"'`],
    ['a in {"z","z","x"}', 'a in {"x", "z"}'],
    [' (all() )', 'all()'],
    ['', 'all()'],
    [' global( )', 'global()'],
    ["a == 'b' && c != 'd'", '(a == "b" && c != "d")'],
    [`a in {"'", '"', "c"}`, `a in {'"', "'", "c"}`],
    ['a notin {}', 'a not in {}'],
    ['a ends   with "x" || a contains "y"', '(a ends with "x" || a contains "y")'],
    ['(a == "b" || c == "d") || e == "f"', '((a == "b" || c == "d") || e == "f")'],
  ])('%s → %s', (text, expected) => {
    expect(canonical(text)).toBe(expected);
    expect(canonical(expected)).toBe(expected);
  });

  it('is stable across spellings', () => {
    const spellings = ["a=='x'&&!has(b)", 'a == "x" && ! has( b )', '(a\t==\t"x") && !!!has(b)'];
    expect(new Set(spellings.map(canonical))).toEqual(new Set(['(a == "x" && !has(b))']));
  });

  it('a double negation renders as its operand so the form re-parses to itself', () => {
    expect(canonical('!(!has(a))')).toBe('has(a)');
    expect(canonicalize(not(not(not(has('a')))))).toBe('!has(a)');
  });

  it('sorts set members by code point, as upstream sorts UTF-8 bytes', () => {
    expect(canonical('a in {"\u{1F600}", "\uFF5E", "b"}')).toBe('a in {"b", "\uFF5E", "\u{1F600}"}');
  });
});

describe('errors', () => {
  it('name the column and what was expected after a label', () => {
    const error = errorOf('a % "b"');
    expect(error).toEqual({
      code: 'invalid-selector',
      column: 3,
      expected: OPERATORS,
      message: `invalid selector: expected ${OPERATORS} after label "a" at column 3, found '%'`,
    });
  });

  it('point at the end of input when the selector stops early', () => {
    expect(errorOf('has(foo) &&')).toMatchObject({
      column: 12,
      expected: "a label, '(', '!', 'has(', 'all()' or 'global()'",
    });
    expect(errorOf('a')).toMatchObject({ column: 2, expected: OPERATORS });
  });

  it('name an unterminated string where it starts', () => {
    expect(errorOf('a == "b')).toMatchObject({ column: 6, expected: 'a closing "' });
  });

  it('name a newline', () => {
    expect(errorOf('a == "b"\n').message).toContain('found a newline');
  });

  it('explain malformed keywords', () => {
    expect(errorOf('has()')).toMatchObject({ column: 5, expected: 'a label name' });
    expect(errorOf('has( a b)')).toMatchObject({ column: 8, expected: "')'" });
    expect(errorOf('all(x)')).toMatchObject({ column: 5, expected: "')'" });
  });

  it('are returned, never thrown, for deep nesting', () => {
    expect(errorOf(`${'('.repeat(100_000)}has(a)${')'.repeat(100_000)}`).expected).toBe(
      'at most 512 nested parentheses',
    );
    expect(isValid(`${'('.repeat(500)}has(a)${')'.repeat(500)}`)).toBe(true);
  });

  it('are returned, never thrown, for arbitrary input, and whatever parses has a fixed-point canonical form', () => {
    const alphabet = [
      'a',
      'b',
      ' ',
      '\t',
      '\n',
      '(',
      ')',
      '{',
      '}',
      ',',
      '"',
      "'",
      '=',
      '!',
      '&',
      '|',
      'in',
      'not',
      'has(',
      'all(',
      '%',
      'é',
      'starts',
      'with',
    ];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 5_000; i++) {
      const text = Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join('');
      const parsed = parseSelector(text);
      if (parsed.ok) expect(canonical(parsed.value.canonical)).toBe(parsed.value.canonical);
      else expect(parsed.error.column).toBeLessThanOrEqual(text.length + 1);
    }
  });
});

describe('AST helpers', () => {
  const app = equals('app', 'db');
  const team = has('team');

  it('and() flattens, drops all() operands, and of nothing is ALL', () => {
    expect(and()).toBe(ALL);
    expect(and(ALL, ALL)).toBe(ALL);
    expect(and(ALL, app)).toBe(app);
    expect(and(and(app, ALL), and(team, app))).toEqual({ kind: 'and', operands: [app, team, app] });
  });

  it('builds the nodes the parser builds', () => {
    expect(selector('app == "db"').ast).toEqual(app);
    expect(selector('!has(team)').ast).toEqual(not(team));
    expect(selector('app in {"a", "b"}').ast).toEqual(inSet('app', ['a', 'b']));
  });

  it('selectorFromAst compiles a helper-built AST', () => {
    const built = selectorFromAst(and(app, not(inSet('tier', ['b', 'a', 'b']))));
    expect(built.canonical).toBe('(app == "db" && !tier in {"a", "b"})');
    expect(built.matches(labels({ app: 'db', tier: 'c' }))).toBe(true);
    expect(built.matches(labels({ app: 'db', tier: 'a' }))).toBe(false);
    expect(canonical(built.canonical)).toBe(built.canonical);
  });

  it('prefixLabels rewrites every label key', () => {
    const scoped = prefixLabels(selector('env == "prod" && !has(team) || all()').ast, 'pcns.');
    expect(canonicalize(scoped)).toBe('((pcns.env == "prod" && !has(pcns.team)) || all())');
  });

  it('replaceAll rewrites every all() (GNP rule, §3)', () => {
    const combined = selector('all() && !has(pcns.team)').ast;
    const rewritten = replaceAll(combined, has('projectcalico.org/namespace'));
    expect(canonicalize(rewritten)).toBe('(has(projectcalico.org/namespace) && !has(pcns.team))');
    const hostEndpoint = labels({ 'host-endpoint': '' });
    expect(selectorFromAst(combined).matches(hostEndpoint)).toBe(true);
    expect(selectorFromAst(rewritten).matches(hostEndpoint)).toBe(false);
  });

  it('usesGlobal finds global() anywhere; isGlobalOnly only when it is the whole expression', () => {
    const nested: SelectorNode = selector('has(a) || !global()').ast;
    expect(usesGlobal(nested)).toBe(true);
    expect(isGlobalOnly(nested)).toBe(false);
    expect(isGlobalOnly(selector(' ( global( ) ) ').ast)).toBe(true);
    expect(usesGlobal(selector('global == "x"').ast)).toBe(false);
  });

  it('evaluates every operator against an empty label map', () => {
    const compiled = selector('a in {"x", "y"} || b not in {} && !has(c)');
    expect(compiled.matches(noLabels)).toBe(true);
  });
});
