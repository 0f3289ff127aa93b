import { describe, expect, it } from 'vitest';
import type { Recommendation } from '../api/types.ts';
import { draftFor } from './fixtures.ts';
import {
  canStage,
  coverageSentence,
  DEFAULT_RECOMMEND,
  formatRecommendParams,
  nameOf,
  parseRecommendParams,
  recommendationYaml,
} from './recommend.ts';

const recommendation = (over: Partial<Recommendation> = {}): Recommendation => ({
  scope: { namespace: 'shop' },
  dialect: 'calico',
  window: { firstSeen: 1, lastSeen: 2 },
  policies: [draftFor('shop', 'cart'), draftFor('shop', 'catalog')],
  coverage: { observedAllowed: 3, allowedByRecommendation: 3, unresolved: 0, closedPaths: [], closedPathsTotal: 0 },
  notes: [],
  ...over,
});

describe('recommend URL', () => {
  it('round-trips a scope and leaves defaults out', () => {
    const params = { namespace: 'shop', workload: 'cart', dialect: 'k8s' as const, tier: '', start: -3600 };
    const qs = formatRecommendParams(params);
    expect(qs).toBe('namespace=shop&workload=cart&dialect=k8s&start=-3600');
    expect(parseRecommendParams(`?${qs}`)).toEqual(params);
    expect(formatRecommendParams(DEFAULT_RECOMMEND)).toBe('');
  });

  it('falls back to defaults for unknown dialects and windows', () => {
    expect(parseRecommendParams('?namespace=shop&dialect=nope&start=-7')).toEqual({
      ...DEFAULT_RECOMMEND,
      namespace: 'shop',
    });
  });
});

describe('recommendation YAML', () => {
  it('joins the drafts into one stream', () => {
    const yaml = recommendationYaml(recommendation().policies);
    expect(yaml.split('---\n')).toHaveLength(2);
    expect(yaml).toMatch(/name: verdict-cart[\s\S]*---\n[\s\S]*name: verdict-catalog/);
  });

  it('stages only Calico staged drafts', () => {
    expect(canStage(recommendation())).toBe(true);
    expect(canStage(recommendation({ dialect: 'k8s' }))).toBe(false);
    expect(canStage(recommendation({ policies: [draftFor('shop', 'cart', 'NetworkPolicy')] }))).toBe(false);
    expect(canStage(recommendation({ policies: [] }))).toBe(false);
  });

  it('names drafts and sums up coverage', () => {
    expect(nameOf(draftFor('shop', 'cart'))).toBe('shop/verdict-cart');
    expect(coverageSentence(recommendation().coverage)).toBe('3 of 3 observed allowed connections stay allowed');
    expect(
      coverageSentence({
        observedAllowed: 4,
        allowedByRecommendation: 3,
        unresolved: 0,
        closedPaths: [],
        closedPathsTotal: 0,
      }),
    ).toMatch(/^3 of 4 .* check the ones that do not$/);
  });
});
