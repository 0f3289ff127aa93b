// Explaining a stored (aggregated) flow: pick a concrete flow it stands for in the current cluster
// state, explain that in both scopes, and attach each deciding rule's policy YAML with the rule's
// lines highlighted.
import type {
  EndpointRef,
  Evaluator,
  ExplainStep,
  FlowExplanation,
  FlowQuery,
  HitKind,
  PolicyKind,
  Result,
} from '@verdict/engine';
import { err, ok } from '@verdict/engine';
import type { FlowKey } from '@verdict/flows';
import type { ApiExplanation, ApiStep, ExplainResponse } from './types.ts';
import { lineRange, policyYaml } from './yaml.ts';

export interface ResolveError {
  message: string;
  /** `source` or `destination`, or the query field the evaluator rejected. */
  path: string;
}

const POLICY_KINDS: Partial<Readonly<Record<HitKind, PolicyKind>>> = {
  CalicoNetworkPolicy: 'NetworkPolicy',
  GlobalNetworkPolicy: 'GlobalNetworkPolicy',
  StagedNetworkPolicy: 'StagedNetworkPolicy',
  StagedGlobalNetworkPolicy: 'StagedGlobalNetworkPolicy',
  StagedKubernetesNetworkPolicy: 'StagedKubernetesNetworkPolicy',
  NetworkPolicy: 'KubernetesNetworkPolicy',
  AdminNetworkPolicy: 'AdminNetworkPolicy',
  BaselineAdminNetworkPolicy: 'BaselineAdminNetworkPolicy',
};

/** Addresses tried, in order, for the `pub` / `pvt` networks (documentation and RFC 1918 space first). */
const SAMPLE_IPS: Readonly<Record<string, readonly string[]>> = {
  pub: ['203.0.113.10', '198.51.100.10', '192.0.2.10', '8.8.8.8', '1.1.1.1', '2001:db8::10'],
  pvt: ['10.255.255.254', '192.168.255.254', '172.31.255.254', '10.0.0.1', '172.16.0.1', '192.168.0.1'],
};

/** A few addresses inside a CIDR: the network address, the first and last hosts, the middle. */
function addressesIn(cidr: string): string[] {
  const [base = '', prefixText] = cidr.split('/');
  const parts = base.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) return base.includes(':') ? [base] : [];
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  const network = parts.reduce((a, p) => a * 256 + p, 0);
  const size = 2 ** (32 - prefix);
  const start = network - (network % size);
  const text = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  const offsets = size === 1 ? [0] : [1, size - 2, Math.floor(size / 2), 0];
  return [...new Set(offsets.map((o) => text((start + o) >>> 0)))];
}

/** An endpoint the cluster state resolves to what the flow log shows, or undefined. */
function representative(evaluator: Evaluator, type: string, namespace: string, name: string): EndpointRef | undefined {
  const state = evaluator.state;
  const shows = (ref: EndpointRef) => {
    const info = evaluator.endpoint(ref);
    return info !== undefined && info.type === type && info.aggregatedName === name && info.namespace === namespace;
  };
  const firstShowing = (refs: Iterable<EndpointRef>) => {
    for (const ref of refs) if (shows(ref)) return ref;
    return undefined;
  };
  switch (type) {
    case 'WorkloadEndpoint':
      return firstShowing(
        state.pods
          .filter((p) => p.namespace === namespace && p.ips.length > 0)
          .map((p) => ({ namespace: p.namespace, name: p.name })),
      );
    case 'HostEndpoint':
      return firstShowing(state.hostEndpoints.map((h) => ({ hostEndpoint: h.name })));
    case 'NetworkSet':
      return firstShowing(
        state.networkSets
          .filter((s) => s.name === name && (s.namespace ?? '-') === namespace)
          .flatMap((s) => s.nets.flatMap(addressesIn))
          .map((ip) => ({ ip })),
      );
    default:
      return firstShowing((SAMPLE_IPS[name] ?? []).map((ip) => ({ ip })));
  }
}

/** The concrete query a stored flow key stands for, or why there is none in the current cluster. */
export function representativeQuery(evaluator: Evaluator, key: FlowKey): Result<FlowQuery, ResolveError> {
  const source = representative(evaluator, key.sourceType, key.sourceNamespace, key.sourceName);
  if (!source) {
    return err({
      path: 'source',
      message: `source ${key.sourceType} ${key.sourceNamespace}/${key.sourceName} is no longer in the cluster state`,
    });
  }
  const destination = representative(evaluator, key.destType, key.destNamespace, key.destName);
  if (!destination) {
    return err({
      path: 'destination',
      message: `destination ${key.destType} ${key.destNamespace}/${key.destName} is no longer in the cluster state`,
    });
  }
  return ok({ source, destination, protocol: key.proto, destPort: key.destPort });
}

function apiStep(evaluator: Evaluator, step: ExplainStep, yamlCache: Map<string, string | undefined>): ApiStep {
  const out: ApiStep = {
    tier: step.tier,
    policy: step.policy ? { kind: step.policy.kind, name: step.policy.name, namespace: step.policy.namespace } : null,
    outcome: step.outcome,
    because: [...step.because],
  };
  if (step.action !== undefined) out.action = step.action;
  if (step.ruleIndex !== undefined) out.ruleIndex = step.ruleIndex;
  if (step.rulePath === undefined || !step.policy) return out;
  const { kind, namespace, name } = step.policy;
  const cacheKey = `${kind}\0${namespace}\0${name}`;
  if (!yamlCache.has(cacheKey)) {
    const policyKind = POLICY_KINDS[kind];
    const spec = policyKind && evaluator.policy(policyKind, namespace || undefined, name);
    yamlCache.set(cacheKey, spec ? policyYaml(spec.original) : undefined);
  }
  const yaml = yamlCache.get(cacheKey);
  if (yaml === undefined) return out;
  out.yaml = yaml;
  const lines = lineRange(yaml, step.rulePath);
  if (lines) {
    const reason = step.because[0] ?? `${step.rulePath} decided the flow`;
    out.highlight = [];
    for (let line = lines.first; line <= lines.last; line++) out.highlight.push({ line, reason });
  }
  return out;
}

function apiExplanation(evaluator: Evaluator, e: FlowExplanation): ApiExplanation {
  const cache = new Map<string, string | undefined>();
  return {
    action: e.action,
    sides: e.sides.map((side) => ({
      direction: side.direction,
      endpoint: side.endpoint,
      action: side.action,
      steps: side.steps.map((step) => apiStep(evaluator, step, cache)),
    })),
  };
}

/** Both scopes of one concrete flow, shaped for the UI. */
export function explainQuery(evaluator: Evaluator, query: FlowQuery): Result<ExplainResponse, ResolveError> {
  const enforced = evaluator.explain(query, 'enforced');
  if (!enforced.ok) return err({ path: enforced.error.path, message: enforced.error.message });
  const pending = evaluator.explain(query, 'pending');
  if (!pending.ok) return err({ path: pending.error.path, message: pending.error.message });
  return ok({ enforced: apiExplanation(evaluator, enforced.value), pending: apiExplanation(evaluator, pending.value) });
}
