// Runs every reachability case of the conformance suites (conformance/k8s-netpol-cases.json and
// the ClusterNetworkPolicy suite conformance/cnp-cases.json) through the engine: the cluster is
// built from the case, the policies go through the loader, and each expectation's enforced verdict
// must equal `allowed`. A skipped case carries its reason in SKIPPED.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEvaluator, type EndpointRef } from './evaluate/index.ts';
import type { CalicoVersion } from './kinds.ts';
import type { ClusterState, Namespace, Pod } from './model.ts';
import { protocolNumber } from './net/protocol.ts';
import { loadObjects } from './resources/index.ts';

interface CasePod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  ports: { port: number; protocol: string; name?: string }[];
}
interface Expectation {
  from: string | { ip: string };
  to: string | { ip: string };
  port: number;
  protocol: string;
  allowed: boolean;
  loopback?: boolean;
}
interface ConformanceCase {
  name: string;
  source: string;
  namespaces: Record<string, Record<string, string>>;
  pods: CasePod[];
  policies: unknown[];
  expect: Expectation[];
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Each suite with the Calico release that enforces its admin-policy API (v1alpha1 ANP/BANP, v1alpha2 CNP). */
const SUITES = [
  { file: 'k8s-netpol-cases.json', calicoVersion: '3.31' },
  { file: 'cnp-cases.json', calicoVersion: '3.33' },
] as const;
const read = (file: string): ConformanceCase[] => JSON.parse(readFileSync(resolve(root, 'conformance', file), 'utf8'));

/** Cases not run, by name, each with the reason. */
const SKIPPED: Readonly<Record<string, string>> = {};

function clusterOf(testCase: ConformanceCase, calicoVersion: CalicoVersion): { state: ClusterState; issues: string[] } {
  const loaded = loadObjects(testCase.policies, testCase.name, { calicoVersion });
  const namespaces: Namespace[] = Object.entries(testCase.namespaces).map(([name, labels]) => ({ name, labels }));
  const pods: Pod[] = testCase.pods.map((pod) => ({
    namespace: pod.namespace,
    name: pod.name,
    labels: pod.labels,
    ips: [pod.ip],
    serviceAccount: 'default',
    ports: pod.ports.map((port) => ({
      name: port.name ?? '',
      protocol: protocolNumber(port.protocol) ?? 6,
      port: port.port,
    })),
  }));
  return {
    state: { ...loaded.state, namespaces, pods },
    issues: loaded.issues.map((issue) => `${issue.severity} ${issue.path}: ${issue.message}`),
  };
}

function endpoint(ref: string | { ip: string }): EndpointRef {
  if (typeof ref !== 'string') return ref;
  const [namespace = '', name = ''] = ref.split('/');
  return { namespace, name };
}

const tag = (testCase: ConformanceCase) => testCase.name.slice(0, testCase.name.indexOf(':'));

function runCase(testCase: ConformanceCase, calicoVersion: CalicoVersion): void {
  const { state, issues } = clusterOf(testCase, calicoVersion);
  // Every policy as applied upstream loads, with no error or warning.
  expect(issues).toEqual([]);
  expect(state.policies).toHaveLength(testCase.policies.length);
  const evaluator = createEvaluator(state);
  const wrong: string[] = [];
  for (const row of testCase.expect) {
    // Loopback rows are kept: the values recorded are the policy-semantics answer, which
    // is what the engine computes for self-traffic too.
    const result = evaluator.evaluate({
      source: endpoint(row.from),
      destination: endpoint(row.to),
      protocol: row.protocol,
      destPort: row.port,
    });
    if (!result.ok) {
      wrong.push(`${JSON.stringify(row)}: ${result.error.message}`);
      continue;
    }
    if ((result.value.enforced.action === 'Allow') !== row.allowed) {
      wrong.push(
        `${JSON.stringify(row.from)} → ${JSON.stringify(row.to)} ${row.protocol}/${row.port}: expected ${row.allowed ? 'allow' : 'deny'}`,
      );
    }
  }
  expect(wrong.slice(0, 10), `${wrong.length} of ${testCase.expect.length} wrong`).toEqual([]);
}

for (const { file, calicoVersion } of SUITES) {
  const cases = read(file);
  describe(`${file} (Calico ${calicoVersion})`, () => {
    for (const source of [...new Set(cases.map(tag))]) {
      const ofSource = cases.filter((testCase) => tag(testCase) === source);
      const rows = ofSource.reduce((sum, testCase) => sum + testCase.expect.length, 0);
      describe(`${source} (${ofSource.length} cases, ${rows} expectations)`, () => {
        for (const testCase of ofSource) {
          const reason = SKIPPED[testCase.name];
          if (reason !== undefined) it.skip(`${testCase.name} — skipped: ${reason}`, () => {});
          else it(testCase.name, () => runCase(testCase, calicoVersion));
        }
      });
    }
  });
}
