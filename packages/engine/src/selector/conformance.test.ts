// Runs the language-neutral selector vectors (conformance/calico-selectors.json, reference §10.5).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSelector, type Selector } from './index.ts';

interface MatchVector {
  selector: string;
  labels: Record<string, string>;
  expected: boolean;
}

interface Vectors {
  matches: MatchVector[];
  invalid: string[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const vectors: Vectors = JSON.parse(readFileSync(path.resolve(repoRoot, 'conformance/calico-selectors.json'), 'utf8'));

/** Consecutive runs of the file and where they come from, in file order (§10.5). */
const MATCH_SOURCES = [
  { source: 'upstream parser_test.go selectorTests', count: 98 },
  { source: 'derived (tokenizer, canonical, visitor, docs, k8s shapes, §10 edge cases)', count: 193 },
];
const INVALID_SOURCES = [
  { source: 'upstream parser_test.go badSelectors', count: 25 },
  { source: 'upstream tokenizer_test.go errors', count: 16 },
  { source: 'upstream tokenizer-valid but parser-invalid', count: 3 },
  { source: 'derived (newlines, unquoted values, keyword case, stray operators, …)', count: 53 },
];

function slices<T>(items: readonly T[], sources: readonly { source: string; count: number }[]) {
  let start = 0;
  return sources.map(({ source, count }) => {
    const slice = items.slice(start, (start += count));
    return { name: `${source}: ${slice.length} vectors`, slice, offset: start - count };
  });
}

/** Test names stay readable for the 512-character label vectors. */
const short = (text: string): string => (text.length > 60 ? `${text.slice(0, 57)}…` : text);

function mustParse(text: string): Selector {
  const parsed = parseSelector(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

describe('calico-selectors.json', () => {
  it(`has ${vectors.matches.length} matches and ${vectors.invalid.length} invalid vectors, all attributed`, () => {
    expect(MATCH_SOURCES.reduce((sum, { count }) => sum + count, 0)).toBe(vectors.matches.length);
    expect(INVALID_SOURCES.reduce((sum, { count }) => sum + count, 0)).toBe(vectors.invalid.length);
  });

  for (const { name, slice, offset } of slices(vectors.matches, MATCH_SOURCES)) {
    describe(`matches — ${name}`, () => {
      slice.forEach(({ selector, labels, expected }, i) => {
        it(`#${offset + i} ${short(JSON.stringify(selector))} on ${short(JSON.stringify(labels))} → ${expected}`, () => {
          const labelMap = new Map(Object.entries(labels));
          const parsed = mustParse(selector);
          expect(parsed.matches(labelMap)).toBe(expected);

          const reparsed = mustParse(parsed.canonical);
          expect(reparsed.canonical, 'canonical form is a fixed point').toBe(parsed.canonical);
          expect(reparsed.matches(labelMap), `canonical ${parsed.canonical}`).toBe(expected);
        });
      });
    });
  }

  for (const { name, slice, offset } of slices(vectors.invalid, INVALID_SOURCES)) {
    describe(`invalid — ${name}`, () => {
      slice.forEach((selector, i) => {
        it(`#${offset + i} ${short(JSON.stringify(selector))}`, () => {
          const parsed = parseSelector(selector);
          expect(parsed.ok, `${JSON.stringify(selector)} should not parse`).toBe(false);
          if (!parsed.ok) {
            expect(parsed.error.code).toBe('invalid-selector');
            expect(parsed.error.column).toBeGreaterThanOrEqual(1);
            expect(parsed.error.column).toBeLessThanOrEqual(selector.length + 1);
            expect(parsed.error.message).toContain(`at column ${parsed.error.column}`);
          }
        });
      });
    });
  }
});
