// Explanations for people: one flow explained in both scopes, each deciding step with its policy
// as YAML and the lines of the deciding rule highlighted.
import { type PolicyKind, policyKindOfHit } from '../kinds.ts';
import type { Direction, HitAction, HitKind, PolicySpec } from '../model.ts';
import { err, ok, type Result } from '../result.ts';
import type { CompiledCluster } from './compile.ts';
import { explainFlow } from './explain.ts';
import { policyId } from './policies.ts';
import { fieldPath, lineRange, policyYaml } from './policy-yaml.ts';
import type { EvaluateError, ExplainStep, FlowExplanation, FlowQuery, StepOutcome, Verdict } from './types.ts';

export interface AnnotatedStep {
  tier: string;
  policy: { kind: HitKind; name: string; namespace: string } | null;
  outcome: StepOutcome;
  because: string[];
  action?: HitAction;
  ruleIndex?: number;
  /** The deciding policy as YAML, when the step has a deciding rule of a loaded policy. */
  yaml?: string;
  /**
   * 1-based lines of `yaml` that hold the deciding rule. Each clause's sentence sits on the first line
   * of the field it checked; the rule's other lines have reason "".
   */
  highlight?: { line: number; reason: string }[];
}

export interface AnnotatedExplanation {
  action: Verdict;
  sides: {
    direction: 'Ingress' | 'Egress';
    endpoint: string;
    action: Verdict;
    steps: AnnotatedStep[];
  }[];
}

export interface BothScopes {
  enforced: AnnotatedExplanation;
  pending: AnnotatedExplanation;
}

/** Both scopes of one concrete flow, each deciding rule with its policy's YAML and highlighted lines. */
export function explainBothScopes(cluster: CompiledCluster, query: FlowQuery): Result<BothScopes, EvaluateError> {
  const enforced = explainFlow(cluster, query, 'enforced');
  if (!enforced.ok) return err(enforced.error);
  const pending = explainFlow(cluster, query, 'pending');
  if (!pending.ok) return err(pending.error);
  const yamlCache = new Map<string, string | undefined>();
  return ok({
    enforced: annotate(cluster, enforced.value, yamlCache),
    pending: annotate(cluster, pending.value, yamlCache),
  });
}

function annotate(
  cluster: CompiledCluster,
  e: FlowExplanation,
  yamlCache: Map<string, string | undefined>,
): AnnotatedExplanation {
  return {
    action: e.action,
    sides: e.sides.map((side) => ({
      direction: side.direction,
      endpoint: side.endpoint,
      action: side.action,
      steps: side.steps.map((step) => annotateStep(cluster, step, side.direction, yamlCache)),
    })),
  };
}

function annotateStep(
  cluster: CompiledCluster,
  step: ExplainStep,
  direction: Direction,
  yamlCache: Map<string, string | undefined>,
): AnnotatedStep {
  const out: AnnotatedStep = {
    tier: step.tier,
    policy: step.policy ? { kind: step.policy.kind, name: step.policy.name, namespace: step.policy.namespace } : null,
    outcome: step.outcome,
    because: [...step.because],
  };
  if (step.action !== undefined) out.action = step.action;
  if (step.ruleIndex !== undefined) out.ruleIndex = step.ruleIndex;
  if (step.rulePath === undefined || !step.policy) return out;
  const { kind, namespace, name } = step.policy;
  const policyKind = policyKindOfHit(kind);
  const spec = policyKind ? cluster.policies.get(policyId(policyKind, namespace || undefined, name))?.spec : undefined;
  const cacheKey = `${kind}\0${namespace}\0${name}`;
  if (!yamlCache.has(cacheKey)) yamlCache.set(cacheKey, spec ? policyYaml(spec.original) : undefined);
  const yaml = yamlCache.get(cacheKey);
  if (yaml === undefined || !spec) return out;
  out.yaml = yaml;
  const rule = lineRange(yaml, step.rulePath);
  if (rule) out.highlight = highlightRule(yaml, rule, step, spec, direction);
  return out;
}

/** Where a kind's rules keep what Verdict converts into Calico rule fields; absent for Calico's own kinds. */
interface RuleShape {
  /** The list holding ports (and their protocols). */
  ports: string;
}

const K8S_SHAPE: RuleShape = { ports: 'ports' };
const RULE_SHAPES: Partial<Record<PolicyKind, RuleShape>> = {
  KubernetesNetworkPolicy: K8S_SHAPE,
  StagedKubernetesNetworkPolicy: K8S_SHAPE,
  AdminNetworkPolicy: K8S_SHAPE,
  BaselineAdminNetworkPolicy: K8S_SHAPE,
  ClusterNetworkPolicy: { ports: 'protocols' },
};

/** `source.selector: pod … matches …` → `source.selector`; undefined for a sentence about the whole rule. */
const CLAUSE =
  /^((?:source|destination)\.(?:nets|notNets|selector|notSelector|services|ports|notPorts)|ipVersion|protocol|notProtocol|icmp|notICMP): /;

/** Reads a value of the resource as written at `path` (`spec.ingress[0].from`). */
function valueAt(original: unknown, path: string): unknown {
  let v = original;
  for (const k of fieldPath(path) ?? [])
    v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/**
 * Field paths (in the resource as written) that a clause of the deciding rule checked. Calico kinds
 * name the field as the clause does; converted kinds (Kubernetes, admin, cluster network policies)
 * keep peers under from/to, one Calico rule per (port group × peer) with peers inner, so the rule's
 * position among those of the same written rule tells which peer it came from.
 */
function clausePaths(field: string, step: ExplainStep, spec: PolicySpec, direction: Direction): string[] {
  const rulePath = step.rulePath ?? '';
  const shape = RULE_SHAPES[spec.kind];
  if (!shape) {
    const side = field.split('.')[0];
    return field.endsWith('.selector')
      ? [`${rulePath}.${field}`, `${rulePath}.${side}.namespaceSelector`]
      : [`${rulePath}.${field}`];
  }
  if (/^(protocol|notProtocol|ipVersion)$|\.(ports|notPorts)$/.test(field)) return [`${rulePath}.${shape.ports}`];
  const peerSide = direction === 'Ingress' ? 'source' : 'destination';
  if (!field.startsWith(`${peerSide}.`)) return [];
  const peersKey = direction === 'Ingress' ? 'from' : 'to';
  const peers = valueAt(spec.original, `${rulePath}.${peersKey}`);
  if (!Array.isArray(peers) || peers.length === 0) return [`${rulePath}.${peersKey}`];
  const rules = (direction === 'Ingress' ? spec.ingress : spec.egress) ?? [];
  const siblings = rules.filter((r) => r.path === rulePath);
  const position = siblings.indexOf(rules[step.ruleIndex ?? -1] as (typeof rules)[number]);
  return [position < 0 ? `${rulePath}.${peersKey}` : `${rulePath}.${peersKey}[${position % peers.length}]`];
}

/** Every line of the rule, each clause's sentence on the first line of the field it checked (else on the rule's first line). */
function highlightRule(
  yaml: string,
  rule: { first: number; last: number },
  step: ExplainStep,
  spec: PolicySpec,
  direction: Direction,
): { line: number; reason: string }[] {
  const notes = new Map<number, string[]>();
  const note = (line: number, reason: string) => notes.set(line, [...(notes.get(line) ?? []), reason]);
  const because = step.because.length > 0 ? step.because : [`${step.rulePath} decided the flow`];
  for (const sentence of because) {
    const field = CLAUSE.exec(sentence)?.[1];
    const ranges = field
      ? clausePaths(field, step, spec, direction)
          .map((p) => lineRange(yaml, p))
          .filter(
            (r): r is { first: number; last: number } =>
              r !== undefined && r.first >= rule.first && r.last <= rule.last,
          )
      : [];
    const first = ranges.length > 0 ? Math.min(...ranges.map((r) => r.first)) : rule.first;
    note(first, sentence);
  }
  const out: { line: number; reason: string }[] = [];
  for (let line = rule.first; line <= rule.last; line++) {
    const reasons = notes.get(line);
    if (reasons) for (const reason of reasons) out.push({ line, reason });
    else out.push({ line, reason: '' });
  }
  return out;
}
