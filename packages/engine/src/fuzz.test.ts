// Property tests over hostile input for the engine's parsers (issue #12 fuzz suite): the selector
// parser and the YAML/JSON resource loader never throw, and every rejection is a coded, positioned
// error. Seeded (FUZZ_SEED overrides) and bounded in runs and time so that CI stays predictable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadResources, parseSelector } from './index.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const RUNS = { seed: SEED, numRuns: 400, interruptAfterTimeLimit: 15_000 } as const;

/** Text made of `tokens`, so that random input reaches deep into a grammar. */
const tokenText = (tokens: readonly string[], maxLength = 40) =>
  fc.array(fc.constantFrom(...tokens), { maxLength }).map((parts) => parts.join(''));

/** A valid text with a few random characters inserted, deleted or replaced. */
const mutated = (valid: string) =>
  fc
    .array(fc.tuple(fc.nat(valid.length), fc.nat(2), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 4 })
    .map((edits) => {
      let text = valid;
      for (const [at, op, chars] of edits) {
        const i = Math.min(at, text.length);
        text =
          op === 0
            ? text.slice(0, i) + chars + text.slice(i)
            : op === 1
              ? text.slice(0, i) + text.slice(i + 1)
              : text.slice(0, i) + chars + text.slice(i + chars.length);
      }
      return text;
    });

const SELECTOR_TOKENS = [
  'app',
  'tier',
  'x.io/y',
  ' ',
  '==',
  '!=',
  ' in ',
  ' not in ',
  ' contains ',
  ' starts with ',
  ' ends with ',
  '"web"',
  "'db'",
  '{',
  '}',
  ',',
  '(',
  ')',
  '!',
  ' && ',
  ' || ',
  'has(',
  'all()',
  'global()',
  '"',
  "'",
  '\\',
  '\u0000',
  'é',
  '🙂',
];
const SELECTOR_OK = "app == 'web' && (tier in {'a', 'b'} || !has(x.io/y)) && all() && name starts with 'w'";

const isCoded = (code: unknown) => typeof code === 'string' && /^[a-z]+(-[a-z]+)*$/.test(code);

describe('fuzz: selector parser', () => {
  it('never throws; a failure names a column inside the text and what went wrong', () => {
    const text = fc.oneof(
      tokenText(SELECTOR_TOKENS),
      mutated(SELECTOR_OK),
      fc.string({ unit: 'binary', maxLength: 60 }),
    );
    const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'x.io/y', 'name'), fc.string({ maxLength: 5 }));
    fc.assert(
      fc.property(text, labels, (t, l) => {
        const parsed = parseSelector(t);
        if (parsed.ok) {
          expect(typeof parsed.value.matches(new Map(Object.entries(l)))).toBe('boolean');
          return;
        }
        expect(parsed.error.column).toBeGreaterThanOrEqual(1);
        expect(parsed.error.column).toBeLessThanOrEqual(t.length + 1);
        expect(parsed.error.message.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('deep nesting is bounded: 100,000 parentheses are an error naming the limit, 100,000 negations evaluate', () => {
    const parens = parseSelector(`${'('.repeat(100_000)}a == 'b'${')'.repeat(100_000)}`);
    expect(parens).toMatchObject({ ok: false, error: { column: 513, message: /at most 512 nested parentheses/ } });
    const negations = parseSelector(`${'!'.repeat(100_001)}has(a)`);
    expect(negations.ok && negations.value.matches(new Map([['a', 'b']]))).toBe(false);
  });
});

const POLICY = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: shop
spec:
  tier: default
  selector: app == 'web'
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: app == 'frontend'
        nets: [10.0.0.0/8]
      destination:
        ports: [80, '443', 8000:8080]
  types: [Ingress]
`;
const YAML_TOKENS = [
  'apiVersion: projectcalico.org/v3\n',
  'kind: NetworkPolicy\n',
  'kind: GlobalNetworkPolicy\n',
  'metadata:\n',
  '  name: x\n',
  'spec:\n',
  '  selector: ',
  "app == 'a'",
  '\n',
  '  ',
  '- ',
  ': ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '!!str ',
  '!!binary ',
  '|\n',
  '>\n',
  '"',
  "'",
  '# c\n',
  '---\n',
  '...\n',
  '? ',
  '<<: *a\n',
  'null',
  '~',
  '1e400',
  '0x1F',
  '-',
  '\t',
  '%YAML 1.2\n',
];

describe('fuzz: YAML resource loader', () => {
  it('never throws; every issue is coded, an error, warning or info, and positioned in the file', () => {
    const text = fc.oneof(tokenText(YAML_TOKENS, 60), mutated(POLICY), fc.string({ unit: 'binary', maxLength: 200 }));
    fc.assert(
      fc.property(text, (t) => {
        const { issues } = loadResources([{ file: 'fuzz.yaml', text: t }]);
        for (const issue of issues) {
          expect(isCoded(issue.code), issue.code).toBe(true);
          expect(issue.message.length).toBeGreaterThan(0);
          expect(issue.file).toBe('fuzz.yaml');
          expect(issue.line).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });
});
