import { describe, expect, it } from 'vitest';
import { rehearsalRequestSchema } from './change.ts';
import { decode, decodeJson } from './decode.ts';
import { filtersSchema } from './filters.ts';
import { whiskerFiltersSchema } from './whisker.ts';

const filters = (value: unknown) => decode(filtersSchema, value, 'filters');

describe('decoding /api/v1 filters', () => {
  it('fills defaults and keeps what is valid', () => {
    expect(filters({ sourceNames: [{ value: 'web' }], destPorts: [443] })).toEqual({
      ok: true,
      value: { sourceNames: [{ value: 'web', type: 'Exact' }], destPorts: [443] },
    });
  });

  it.each([
    [
      { destPorts: [80, 'http'] },
      'wrong-type',
      'filters.destPorts[1]',
      'expected an integer 0-65535, got string "http"',
    ],
    [{ destPorts: [70000] }, 'invalid-value', 'filters.destPorts[0]', 'expected an integer 0-65535, got number 70000'],
    [{ sourceNames: [{ type: 'Exact' }] }, 'missing-field', 'filters.sourceNames[0].value', 'expected a string'],
    [
      { sourceNames: [{ value: 'a', type: 'Regex' }] },
      'invalid-value',
      'filters.sourceNames[0].type',
      'expected one of "Exact", "Fuzzy"',
    ],
    [{ sourceNamez: [] }, 'unknown-field', 'filters.sourceNamez', 'unknown field "sourceNamez"; expected one of'],
    [{ destCidrs: ['10.0.0.0/33'] }, 'invalid-cidr', 'filters.destCidrs[0]', 'expected a CIDR'],
    [
      { policies: [{ kind: 'Nope' }] },
      'invalid-value',
      'filters.policies[0].kind',
      'expected one of "CalicoNetworkPolicy"',
    ],
    [
      { destPortRanges: [{ min: 9, max: 1 }] },
      'invalid-value',
      'filters.destPortRanges[0]',
      'min (9) must not be greater than max (1)',
    ],
    [[1], 'wrong-type', 'filters', 'expected a JSON object, got array'],
  ])('reports %j as a %s issue at %s', (value, code, path, message) => {
    const decoded = filters(value);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error[0]).toEqual({ code, path, message: expect.stringContaining(`${path}: ${message}`) });
  });

  it('collects every issue, not only the first', () => {
    const decoded = filters({ destPorts: ['a'], reporter: 'Both', pendingDiffers: 'yes' });
    expect(decoded.ok ? [] : decoded.error.map((i) => i.path)).toEqual([
      'filters.destPorts[0]',
      'filters.reporter',
      'filters.pendingDiffers',
    ]);
  });

  it('names the column of a JSON syntax error', () => {
    expect(decodeJson(filtersSchema, '{"sourceNames": [}', 'filters')).toEqual({
      ok: false,
      error: [{ code: 'invalid-json', path: 'filters', message: 'filters: expected a JSON value at column 18' }],
    });
  });

  it('never throws on hostile input, only returns coded issues', () => {
    const nested = JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`);
    const inputs: unknown[] = [
      null,
      undefined,
      42,
      'text',
      { __proto__: { sourceNames: 1 } },
      { sourceNames: nested },
      { policies: [{ tier: { value: 1 } }] },
      { destPorts: Array.from({ length: 10_000 }, () => -1) },
      Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
    ];
    for (const input of inputs) {
      const decoded = filters(input);
      if (!decoded.ok) {
        for (const issue of decoded.error) {
          expect(issue.message.startsWith(issue.path)).toBe(true);
          expect(issue.code).toMatch(/^[a-z-]+$/);
        }
      }
    }
  });
});

describe('decoding whisker-backend filters', () => {
  it('reads null, "" and Unspecified names as not set', () => {
    const decoded = decode(
      whiskerFiltersSchema,
      { source_names: null, reporter: 'ReporterUnspecified', policies: [{ action: '', kind: null }] },
      'filters',
    );
    expect(decoded.ok && decoded.value).toMatchObject({ source_names: [], policies: [{ kind: null }] });
    expect(decoded.ok && decoded.value.reporter).toBeUndefined();
  });

  it('names the field and what it expects', () => {
    const decoded = decode(whiskerFiltersSchema, { dest_ports: [{ value: 'x' }], reporter: 'Up' }, 'filters');
    expect(decoded.ok ? [] : decoded.error.map((i) => i.message)).toEqual([
      'filters.dest_ports[0].value: expected a port number 0-65535, got string "x"',
      'filters.reporter: expected one of "Src", "Dst", got "Up"',
    ]);
  });
});

describe('decoding a rehearsal request', () => {
  it('defaults the range and names a bad field', () => {
    expect(decode(rehearsalRequestSchema, { changeSet: 'x' }, 'body')).toEqual({
      ok: true,
      value: { changeSet: 'x', start: 0, end: 0 },
    });
    const bad = decode(rehearsalRequestSchema, { changeSet: 'x', start: 1.5 }, 'body');
    expect(bad.ok ? undefined : bad.error[0]?.path).toBe('body.start');
  });
});
