import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadObjects } from './index.ts';

// The transcribed upstream suite lives outside the repository; skipped (with this reason) when absent.
const SUITE = '/work/shared/conformance/k8s-netpol-cases.json';

interface ConformanceCase {
  name: string;
  policies: unknown[];
}

describe.skipIf(!existsSync(SUITE))('conformance suite policies (k8s-netpol-cases.json)', () => {
  const cases = existsSync(SUITE) ? (JSON.parse(readFileSync(SUITE, 'utf8')) as ConformanceCase[]) : [];

  it('loads every NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy without issues', () => {
    let loaded = 0;
    for (const c of cases) {
      const res = loadObjects(c.policies, c.name);
      expect(res.issues, c.name).toEqual([]);
      expect(res.state.policies, c.name).toHaveLength(c.policies.length);
      loaded += res.state.policies.length;
    }
    expect(loaded).toBeGreaterThan(400);
  });
});
