import type { PolicyHit } from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { IpSetInterner, LabelSetInterner, SideInterner, StringInterner, TraceInterner } from './intern.ts';
import { sortHits } from './key.ts';

const hit = (name: string, policyIndex: number, extra: Partial<PolicyHit> = {}): PolicyHit => ({
  kind: 'NetworkPolicy',
  namespace: 'shop',
  name,
  tier: 'default',
  action: 'Allow',
  policyIndex,
  ruleIndex: 0,
  ...extra,
});

describe('StringInterner', () => {
  it('numbers strings densely from 0 in order of first sight and gives them back', () => {
    const s = new StringInterner();
    expect([s.id('a'), s.id('b'), s.id('a'), s.id(''), s.id('b')]).toEqual([0, 1, 0, 2, 1]);
    expect([s.value(0), s.value(1), s.value(2)]).toEqual(['a', 'b', '']);
    expect(s.size).toBe(3);
    expect(s.known('c')).toBeUndefined();
    expect(s.size).toBe(3);
  });

  it('tells apart strings that only differ by separators or case', () => {
    const s = new StringInterner();
    const ids = ['a,b', 'a', 'b', 'A', 'a ', '__proto__', 'constructor'].map((v) => s.id(v));
    expect(new Set(ids).size).toBe(7);
    expect(s.value(s.id('__proto__'))).toBe('__proto__');
  });

  it('refuses an id it never gave with a RangeError naming the id', () => {
    const s = new StringInterner();
    s.id('x');
    expect(() => s.value(1)).toThrow(/no interned string has id 1/);
    expect(() => s.value(-1)).toThrow(RangeError);
  });
});

describe('LabelSetInterner', () => {
  it('gives equal lists one id whatever array holds them, and the empty list id 0', () => {
    const l = new LabelSetInterner();
    expect(l.id([])).toBe(0);
    const a = l.id(['app=web', 'team=x']);
    expect(l.id(['app=web', 'team=x'])).toBe(a);
    expect(l.id(['app=web'])).not.toBe(a);
    expect(l.id(['app=web,team=x'])).not.toBe(a);
    expect(l.value(a)).toEqual(['app=web', 'team=x']);
    expect(l.value(0)).toEqual([]);
  });

  it('keeps its own copy, so the caller may reuse its array for another list', () => {
    const l = new LabelSetInterner();
    const scratch = ['app=web'];
    const id = l.id(scratch);
    const copy = ['app=web'];
    expect(l.id(copy)).toBe(id);
    expect(l.value(id)).not.toBe(scratch);
  });

  it('numbers labels through a shared string interner', () => {
    const strings = new StringInterner();
    const l = new LabelSetInterner(strings);
    l.id(['app=web', 'tier=a']);
    expect(strings.known('tier=a')).toBeDefined();
  });
});

describe('TraceInterner', () => {
  it('gives a trace one id in any hit order and returns it in canonical order', () => {
    const t = new TraceInterner();
    const a = hit('a', 0);
    const b = hit('b', 1);
    const c = hit('c', 1, { ruleIndex: 2 });
    const id = t.id([c, a, b]);
    expect(t.id([a, b, c])).toBe(id);
    expect(t.id([hit('a', 0), hit('b', 1), hit('c', 1, { ruleIndex: 2 })])).toBe(id);
    expect(t.value(id)).toEqual(sortHits([c, a, b]));
    expect(t.id([])).toBe(0);
  });

  it('tells apart hits that differ in any field, the trigger included', () => {
    const t = new TraceInterner();
    const base = hit('a', 0);
    const variants: PolicyHit[] = [
      base,
      { ...base, kind: 'GlobalNetworkPolicy' },
      { ...base, namespace: '' },
      { ...base, tier: 'security' },
      { ...base, action: 'Deny' },
      { ...base, policyIndex: 1 },
      { ...base, ruleIndex: 1 },
      { ...base, kind: 'EndOfTier', trigger: { kind: 'NetworkPolicy', namespace: 'shop', name: 'a', tier: 'default' } },
      { ...base, kind: 'EndOfTier', trigger: { kind: 'NetworkPolicy', namespace: 'shop', name: 'b', tier: 'default' } },
    ];
    const ids = variants.map((v) => t.hitId(v));
    expect(new Set(ids).size).toBe(variants.length);
    for (const [i, v] of variants.entries()) expect(t.hit(ids[i]!)).toEqual(v);
  });

  it('gives a fresh hit object equal to a known one its id, also with a trigger or an odd index', () => {
    const t = new TraceInterner();
    const trigger = { kind: 'NetworkPolicy', namespace: 'shop', name: 'a', tier: 'default' } as const;
    const made = () => [hit('a', 0), hit('a', 0, { kind: 'EndOfTier', trigger: { ...trigger } }), hit('a', 0.5)];
    const ids = made().map((h) => t.hitId(h));
    expect(new Set(ids).size).toBe(3);
    expect(made().map((h) => t.hitId(h))).toEqual(ids);
    expect(t.hitId(hit('a', 0, { kind: 'EndOfTier', trigger: { ...trigger, tier: 'security' } }))).not.toBe(ids[1]);
    expect(t.hitId(hit('a', Number.NaN))).toBe(t.hitId(hit('a', Number.NaN)));
  });

  it('does not confuse a comma in a name with a field boundary', () => {
    const t = new TraceInterner();
    expect(t.hitId(hit('a,1', 0))).not.toBe(t.hitId(hit('a', 0, { namespace: 'shop,a' })));
  });

  it('keeps copies, so the caller may not change an interned trace by mutating its hits', () => {
    const t = new TraceInterner();
    const h = hit('a', 0);
    const id = t.id([h]);
    expect(t.value(id)[0]).not.toBe(h);
    expect(t.value(id)).toEqual([hit('a', 0)]);
  });
});

describe('IpSetInterner', () => {
  it('gives 0 to no set, one id to equal sets, and tells apart sets that differ in beyond', () => {
    const i = new IpSetInterner();
    expect(i.id(undefined)).toBe(0);
    expect(i.value(0)).toBeUndefined();
    const a = i.id({ ips: ['10.0.0.1', '10.0.0.2'], beyond: 0 });
    expect(i.id({ ips: ['10.0.0.1', '10.0.0.2'], beyond: 0 })).toBe(a);
    expect(i.id({ ips: ['10.0.0.1', '10.0.0.2'], beyond: 3 })).not.toBe(a);
    expect(i.id({ ips: ['10.0.0.1'], beyond: 0 })).not.toBe(a);
    expect(i.value(a)).toEqual({ ips: ['10.0.0.1', '10.0.0.2'], beyond: 0 });
    expect(() => i.value(99)).toThrow(RangeError);
  });
});

describe('SideInterner', () => {
  const sides = () => {
    const strings = new StringInterner();
    const labels = new LabelSetInterner(strings);
    const ips = new IpSetInterner(strings);
    return { side: new SideInterner(strings, labels, ips), strings, labels, ips };
  };

  it('gives the ids each interner gives, remembered by the label list', () => {
    const { side, strings, labels, ips } = sides();
    const list = ['app=web'];
    const set = { ips: ['10.0.0.1'], beyond: 0 };
    const a = side.ids('web-*', 'shop', 'WorkloadEndpoint', list, set);
    expect(a).toMatchObject({
      name: strings.id('web-*'),
      namespace: strings.id('shop'),
      type: strings.id('WorkloadEndpoint'),
      labels: labels.id(['app=web']),
      ips: ips.id({ ips: ['10.0.0.1'], beyond: 0 }),
    });
    expect(side.ids('web-*', 'shop', 'WorkloadEndpoint', list, set)).toEqual(a);
  });

  it('does not take a shared label list for the same endpoint: name, namespace, type and addresses are compared', () => {
    const { side, strings, ips } = sides();
    const list: readonly string[] = [];
    const set = { ips: ['10.0.0.1'], beyond: 0 };
    side.ids('web-*', 'shop', 'WorkloadEndpoint', list, set);
    expect(side.ids('api-*', 'shop', 'WorkloadEndpoint', list, set).name).toBe(strings.id('api-*'));
    expect(side.ids('api-*', 'bank', 'WorkloadEndpoint', list, set).namespace).toBe(strings.id('bank'));
    expect(side.ids('api-*', 'bank', 'HostEndpoint', list, set).type).toBe(strings.id('HostEndpoint'));
    const other = { ips: ['10.0.0.2'], beyond: 0 };
    expect(side.ids('api-*', 'bank', 'HostEndpoint', list, other).ips).toBe(ips.id(other));
    expect(side.ids('api-*', 'bank', 'HostEndpoint', list, undefined).ips).toBe(0);
  });

  it('leaves the ids it handed out as they were when the same list comes back with other addresses', () => {
    const { side, ips } = sides();
    const list: readonly string[] = [];
    const a = { ips: ['10.0.0.1'], beyond: 0 };
    const b = { ips: ['10.0.0.2'], beyond: 0 };
    const source = side.ids('pub', '-', 'Network', list, a);
    const dest = side.ids('pub', '-', 'Network', list, b);
    expect([source.ips, dest.ips]).toEqual([ips.id(a), ips.id(b)]);
  });
});
