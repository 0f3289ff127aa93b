import { describe, expect, it } from 'vitest';
import { FILTER_FIELDS } from './filters.ts';
import { openApiDocument } from './openapi.ts';

type Schema = { properties?: Record<string, unknown>; required?: string[] };
const components = openApiDocument.components.schemas as Record<string, Schema>;

describe('the OpenAPI document', () => {
  it('is generated from the schemas: Filters lists every filter field, none required', () => {
    expect(Object.keys(components.Filters?.properties ?? {})).toEqual(FILTER_FIELDS);
    expect(components.Filters?.required).toBeUndefined();
  });

  it('describes responses as sent: every Flow field is required and hits refer to PolicyHit', () => {
    const flow = components.Flow;
    expect(flow?.required).toEqual(Object.keys(flow?.properties ?? {}));
    expect(JSON.stringify(flow?.properties?.policies)).toContain('#/components/schemas/PolicyHit');
  });

  it('has a schema for every reference it makes', () => {
    const refs = [...JSON.stringify(openApiDocument).matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const name of new Set(refs)) expect(components, String(name)).toHaveProperty(String(name));
  });
});
