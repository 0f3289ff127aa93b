// recommend(): observed flows → one policy per workload of the scope, with rationale and coverage.
import { DIALECTS } from '@verdict/api';
import { CNP_TIERS, createEvaluator, err, ok, type Result } from '@verdict/engine';
import { computeCoverage, recommendationWorld } from './coverage.ts';
import { type DraftContext, draftPolicy, workloadOf } from './draft.ts';
import type { Recommendation, RecommendError, RecommendInput } from './model.ts';
import { type Connection, connectionsOf, connectionText, viewCluster, type Workload, workloadKey } from './observe.ts';
import { renderPolicy } from './render.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LISTED = 10;

/**
 * Drafts network policy for a namespace (or one workload of it) from flows: every observed
 * allowed connection is allowed, nothing else but the guardrails (DNS, the API server for its
 * clients, node probes). Errors name the input that was wrong.
 */
export function recommend(input: RecommendInput): Result<Recommendation, RecommendError> {
  const { state, scope, dialect } = input;
  const tier = input.tier ?? 'default';
  if (!(DIALECTS as readonly string[]).includes(dialect)) {
    return err({
      code: 'invalid-option',
      path: 'dialect',
      message: `dialect: expected one of ${DIALECTS.join(', ')}, got ${JSON.stringify(dialect)}`,
    });
  }
  if (!DNS_LABEL.test(tier) || tier.length > 63) {
    return err({
      code: 'invalid-tier',
      path: 'tier',
      message: `tier: expected a DNS label (lower-case letters, digits, -), got ${JSON.stringify(tier)}`,
    });
  }
  const view = viewCluster(state);
  const namespaceWorkloads = view.byNamespace.get(scope.namespace) ?? [];
  if (!state.namespaces.some((n) => n.name === scope.namespace) && namespaceWorkloads.length === 0) {
    const known = state.namespaces.map((n) => n.name).sort();
    return err({
      code: 'unknown-namespace',
      path: 'scope.namespace',
      message: `namespace ${JSON.stringify(scope.namespace)} is not in the cluster; known: ${known.join(', ') || 'none'}`,
    });
  }
  let workloads: readonly Workload[] = namespaceWorkloads;
  if (scope.workload !== undefined && scope.workload !== '') {
    const wanted = scope.workload;
    workloads = namespaceWorkloads.filter(
      (w) =>
        w.name === wanted ||
        w.aggregatedName === wanted ||
        w.aggregatedName === `${wanted}-*` ||
        w.pods[0]?.owner === wanted,
    );
    if (workloads.length === 0) {
      return err({
        code: 'unknown-workload',
        path: 'scope.workload',
        message: `workload ${JSON.stringify(wanted)} is not in namespace ${scope.namespace}; known: ${namespaceWorkloads.map((w) => w.name).join(', ') || 'none'}`,
      });
    }
  }

  const notes: string[] = [];
  const inScope = new Set(workloads.map((w) => workloadKey(w.namespace, w.aggregatedName)));
  const touches = (c: Connection) =>
    [c.source, c.destination].some(
      (e) => e.type === 'WorkloadEndpoint' && inScope.has(workloadKey(e.namespace, e.name)),
    );
  const connections = connectionsOf(input.flows).filter(touches);
  const allowed = connections.filter((c) => !c.denied);
  const denied = connections.filter((c) => c.denied);
  listNotes(notes, denied, 'observed denied', 'not allowed by this draft');
  listNotes(
    notes,
    allowed.filter((c) => c.pendingDenied),
    'observed allowed but denied by a staged policy',
    'allowed by this draft: check which one is right',
  );

  const staged = dialect === 'calico' && (input.staged ?? true);
  const options = {
    dialect,
    tier: dialect === 'k8s' ? 'default' : dialect === 'cnp' ? CNP_TIERS.Baseline : tier,
    staged,
    order: input.order ?? 100,
  };
  const ctx: DraftContext = { view, dialect, notes };
  const policies = workloads.map((w) => {
    const own = allowed.filter((c) => workloadOf(view, c.source) === w || workloadOf(view, c.destination) === w);
    if (own.length === 0)
      notes.push(`${w.namespace}/${w.name}: no allowed flows in the window; the draft isolates it (DNS only)`);
    if (w.selector.alsoMatches.length > 0) {
      notes.push(
        `${w.namespace}/${w.name}: no stable label set tells it apart; the selector also matches ${w.selector.alsoMatches.map((p) => p.name).join(', ')}`,
      );
    }
    return renderPolicy(draftPolicy(ctx, w, own), options, view.networkSets, notes);
  });
  if (allowed.some((c) => c.sourceIPsIncomplete || c.destIPsIncomplete)) {
    notes.push(
      'some flows name external peers only as public/private networks, without (all of) their addresses: those rules allow the whole public internet (link-local and shared addresses such as cloud metadata included) or every private address that is not a pod or node, on the observed ports; narrow them to the real CIDRs or network sets',
    );
  }
  if (dialect === 'cnp') {
    notes.push(
      'ClusterNetworkPolicies in the Baseline tier: a namespace NetworkPolicy that selects the same pods overrides them; enforced by Calico 3.32 and later',
    );
  }
  if (dialect === 'calico' && !state.tiers.some((t) => t.name === tier)) {
    notes.push(`tier ${tier} does not exist in the cluster: create it before applying`);
  }

  const world = recommendationWorld(
    state,
    policies.map((p) => p.object),
    options.tier,
  );
  for (const issue of world.issues) notes.push(`the draft does not load cleanly: ${issue.path}: ${issue.message}`);
  const coverage = computeCoverage({
    view,
    current: createEvaluator(state),
    recommended: createEvaluator(world.state),
    scope: workloads,
    allowed,
    sampleSize: input.sampleSize ?? 20,
  });
  if (coverage.allowedByRecommendation + coverage.unresolved < coverage.observedAllowed) {
    notes.push(
      `${coverage.observedAllowed - coverage.allowedByRecommendation - coverage.unresolved} observed allowed connections are not allowed by the draft (a peer selector or port could not be written exactly)`,
    );
  }

  const times = connections.flatMap((c) => [c.firstSeen, c.lastSeen]);
  return ok({
    scope: scope.workload ? { namespace: scope.namespace, workload: scope.workload } : { namespace: scope.namespace },
    dialect,
    window: { firstSeen: times.length ? Math.min(...times) : 0, lastSeen: times.length ? Math.max(...times) : 0 },
    policies,
    coverage,
    notes,
  });
}

/** One note per endpoint pair, its ports listed. */
function listNotes(notes: string[], list: readonly Connection[], what: string, outcome: string): void {
  const pairs = new Map<string, { ports: string[]; connections: number }>();
  for (const c of list) {
    const [pair = ''] = connectionText(c).split(':');
    const entry = pairs.get(pair) ?? { ports: [], connections: 0 };
    entry.ports.push(`${c.proto.toUpperCase()} ${c.destPort}`);
    entry.connections += c.connections;
    pairs.set(pair, entry);
  }
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [pair, { ports, connections }] of sorted.slice(0, MAX_LISTED)) {
    const shown =
      ports.length > 6 ? `${ports.slice(0, 6).join(', ')} and ${ports.length - 6} more ports` : ports.join(', ');
    notes.push(`${what}: ${pair} on ${shown} (${connections} connections), ${outcome}`);
  }
  if (sorted.length > MAX_LISTED) notes.push(`${what}: ${sorted.length - MAX_LISTED} more endpoint pairs`);
}

/** Every policy of the recommendation as one multi-document YAML stream, comments included. */
export function toYaml(recommendation: Recommendation): string {
  const header = [
    `# Verdict recommendation for ${recommendation.scope.namespace}${recommendation.scope.workload ? `/${recommendation.scope.workload}` : ''} (${recommendation.dialect})`,
    `# coverage: ${recommendation.coverage.allowedByRecommendation} of ${recommendation.coverage.observedAllowed} observed allowed connections allowed; ${recommendation.coverage.closedPathsTotal} unobserved paths closed`,
    ...recommendation.notes.map((n) => `# note: ${n}`),
  ].join('\n');
  const docs = recommendation.policies.map((p) => p.yaml.trimEnd());
  return `${header}\n${docs.map((d) => `---\n${d}`).join('\n')}\n`;
}
