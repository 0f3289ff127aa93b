import { describe, expect, it } from 'vitest';
import type { Finding } from '../api/types.ts';
import {
  bucketText,
  formatInsightsParams,
  parseEgressParams,
  parseInsightsParams,
  parseRolloutSince,
  percent,
  selectFindings,
  summarize,
  trendPolyline,
} from './insights.ts';

const finding = (type: Finding['type'], severity: Finding['severity'], name: string): Finding => ({
  type,
  severity,
  title: `${type} ${name}`,
  subject: { kind: 'Workload', namespace: 'shop', name },
  evidence: { flows: [], policies: [], explanation: 'why' },
  fix: { summary: 'fix it', changeSet: null },
});

const FINDINGS = [
  finding('unused-rule', 'low', 'a'),
  finding('dns-blocked', 'high', 'b'),
  finding('public-egress', 'medium', 'c'),
  finding('dns-blocked', 'high', 'd'),
];

describe('insights URL parameters', () => {
  it('round-trips the window, severity and type, and drops what it does not know', () => {
    const params = parseInsightsParams('?since=86400&severity=high&type=dns-blocked');
    expect(params).toEqual({ since: 86_400, severity: 'high', type: 'dns-blocked' });
    expect(parseInsightsParams(`?${formatInsightsParams(params)}`)).toEqual(params);
    expect(parseInsightsParams('?since=5&severity=urgent&type=%3Cscript%3E')).toEqual({
      since: 3600,
      severity: '',
      type: '',
    });
    expect(formatInsightsParams({ since: 3600, severity: '', type: '' })).toBe('');
  });

  it('egress keeps only namespace names; rollout defaults to a day', () => {
    expect(parseEgressParams('?namespace=shop&since=900')).toEqual({
      namespace: 'shop',
      since: 900,
      dialect: 'calico',
    });
    expect(parseEgressParams('?namespace=../etc')).toEqual({ namespace: '', since: 3600, dialect: 'calico' });
    expect(parseRolloutSince('')).toBe(86_400);
    expect(parseRolloutSince('?since=604800')).toBe(604_800);
  });
});

describe('findings', () => {
  it('counts by severity and by type, the most frequent type first', () => {
    expect(summarize(FINDINGS)).toEqual({
      bySeverity: { high: 2, medium: 1, low: 1 },
      byType: [
        { type: 'dns-blocked', count: 2 },
        { type: 'public-egress', count: 1 },
        { type: 'unused-rule', count: 1 },
      ],
    });
  });

  it('filters by severity and type and orders the most severe first, keeping the server order within one', () => {
    const all = selectFindings(FINDINGS, { since: 3600, severity: '', type: '' });
    expect(all.map((f) => f.subject.name)).toEqual(['b', 'd', 'c', 'a']);
    expect(selectFindings(FINDINGS, { since: 3600, severity: 'high', type: 'public-egress' })).toEqual([]);
    expect(selectFindings(FINDINGS, { since: 3600, severity: '', type: 'public-egress' })).toHaveLength(1);
  });
});

describe('shares and the trend', () => {
  it('writes percentages, with a dash when there is nothing to share', () => {
    expect(percent(1, 3)).toBe('33%');
    expect(percent(0, 0)).toBe('—');
  });

  it('names trend buckets', () => {
    expect([60, 300, 3600, 21_600, 86_400].map(bucketText)).toEqual(['minute', '5 minutes', 'hour', '6 hours', 'day']);
  });

  it('places the trend in its box: full share at the top, none at the bottom', () => {
    const points = trendPolyline(
      [
        { time: 0, flows: 4, decidedByPolicy: 4 },
        { time: 10, flows: 4, decidedByPolicy: 0 },
      ],
      100,
      50,
    );
    expect(points).toBe('0.0,0.0 100.0,50.0');
    expect(trendPolyline([], 100, 50)).toBe('');
  });
});
