// The OpenAPI 3.1 description of /api/v1. Component schemas are generated from this package's zod
// schemas; the server's route test checks that the paths list every route.
import { z } from 'zod';
import { DIALECTS } from './change.ts';
import './changes.ts';
import './errors.ts';
import './explain.ts';
import { SORT_FIELDS } from './flow.ts';
import { GRAPH_GROUPINGS, MAX_GRAPH_LIMIT } from './graph.ts';
import './insights.ts';
import { POLICY_STATS_GROUPINGS } from './policy.ts';

const SAFE = Number.MAX_SAFE_INTEGER;

/** Drops `$schema`, `$id` and the safe-integer bounds zod states for every integer. */
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$schema' || k === '$id') continue;
    if ((k === 'minimum' && v === -SAFE) || (k === 'maximum' && v === SAFE)) continue;
    out[k] = tidy(v);
  }
  return out;
}

const uri = (id: string) => `#/components/schemas/${id}`;

function componentSchemas(): Record<string, unknown> {
  const output = z.toJSONSchema(z.globalRegistry, { uri, io: 'output', unrepresentable: 'any' }).schemas;
  const input = z.toJSONSchema(z.globalRegistry, { uri, io: 'input', unrepresentable: 'any' }).schemas;
  // Requests are described as a client may write them (defaults optional), responses as sent.
  const requests = new Set(['Filters', 'RehearsalRequest', 'PromoteRequest']);
  return Object.fromEntries(
    Object.keys(output)
      .sort()
      .map((id) => [id, tidy(requests.has(id) ? input[id] : output[id])]),
  );
}

const schema = (s: z.ZodType) => tidy(z.toJSONSchema(s, { io: 'input' })) as object;
const ref = (name: string) => ({ $ref: uri(name) });
const json = (body: object, description: string) => ({
  description,
  content: { 'application/json': { schema: body } },
});
const query = (name: string, s: z.ZodType, description: string) => ({
  name,
  in: 'query',
  schema: schema(s),
  description,
});
const path = (name: string, s: z.ZodType = z.string()) => ({ name, in: 'path', required: true, schema: schema(s) });

const start = query('start', z.int(), 'Unix seconds; 0 = beginning of history; negative = seconds before now.');
const end = query('end', z.int(), 'Unix seconds; 0 = now; negative = seconds before now.');
const filters = {
  name: 'filters',
  in: 'query',
  description: 'The filters as JSON (schema Filters).',
  content: { 'application/json': { schema: ref('Filters') } },
};
const errors = {
  '400': json(ref('Error'), 'Bad parameter or filter; `path` names it (e.g. `filters.sourceSelector`).'),
  '500': json(ref('Error'), 'Internal error.'),
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Verdict API',
    version: '1.0.0',
    description:
      'Flows in the cluster with their Calico policy verdicts (enforced and pending), explanations, tiers and statistics. ' +
      'Errors are `{ "error": { "code", "message", "path"? } }`.',
  },
  servers: [{ url: '/api/v1' }],
  paths: {
    '/flows': {
      get: {
        summary: 'List aggregated flows in a time range',
        parameters: [
          start,
          end,
          filters,
          query('sort', z.enum(SORT_FIELDS), 'Default Time (newest first).'),
          query('page', z.int().min(0).default(0), '0-based page.'),
          query('pageSize', z.int().min(1).max(10_000).default(100), 'Flows per page.'),
        ],
        responses: { '200': json(ref('FlowList'), 'One page of flows.'), ...errors },
      },
    },
    '/flows/stream': {
      get: {
        summary: 'Stream flows as Server-Sent Events',
        description:
          'One `data: <Flow JSON>` event per flow key per completed 15 s bucket; a `: keepalive` comment every 15 s.',
        parameters: [
          query(
            'start',
            z.int(),
            '0 = live only; negative = backfill from seconds before now; positive = from Unix seconds.',
          ),
          filters,
        ],
        responses: {
          '200': {
            description: 'An event stream of Flow objects.',
            content: { 'text/event-stream': { schema: ref('Flow') } },
          },
          ...errors,
        },
      },
    },
    '/flows/{id}/explain': {
      get: {
        summary: 'Explain a stored flow in the enforced and pending scopes',
        description:
          'Explains a representative concrete flow of the aggregated one (a pod of the workload, an address in the network set, a sample public or private address) against the current cluster state.',
        parameters: [path('id', z.int())],
        responses: {
          '200': json(ref('ExplainResponse'), 'Both explanations.'),
          '404': json(ref('Error'), 'No flow with this id (code `not-found`).'),
          '409': json(ref('Error'), 'The flow no longer resolves against the cluster (code `unresolvable-flow`).'),
          ...errors,
        },
      },
    },
    '/tiers': {
      get: {
        summary: 'Tiers in evaluation order with their policies',
        responses: { '200': json(ref('TierList'), 'Tiers.'), ...errors },
      },
    },
    '/policy-stats': {
      get: {
        summary: 'Flows decided by each policy and rule',
        description:
          'Each listed (aggregated) flow counts 1 per policy and per (direction, rule) in its trace; direction is Egress for reporter Src and Ingress for Dst; EndOfTier hits count for their trigger policy with ruleIndex -1. `pending` holds the same counts from the pending traces.',
        parameters: [
          start,
          end,
          filters,
          query(
            'groupBy',
            z.enum(POLICY_STATS_GROUPINGS),
            '`cluster`: one item per (cluster, policy), each naming its cluster, ordered by cluster. Absent: counts across clusters.',
          ),
        ],
        responses: { '200': json(ref('PolicyStatsList'), 'Per-policy counts.'), ...errors },
      },
    },
    '/graph': {
      get: {
        summary: 'Listed flows as a graph of workloads or namespaces',
        description:
          'Node ids are `ns/name` (`-/name` for non-namespaced endpoints), or `ns` when grouped by namespace. Each listed flow adds 1 to its edge. ' +
          'With `limit` the answer has at most that many nodes: the busiest (by flows on their edges, ties by id) and one node `other:` (type `other`) into which the rest are folded, its edges summing theirs. ' +
          'Workloads collapsed into their namespace (`group=auto` above the limit, or `focus`) get ids `ns:<namespace>` and type `namespace`. ' +
          '`shape` says what was collapsed and folded.',
        parameters: [
          start,
          end,
          filters,
          query(
            'group',
            z.enum(GRAPH_GROUPINGS).default('workload'),
            'Node granularity; `auto` = workloads, or namespaces when there are more workloads than `limit`.',
          ),
          query(
            'limit',
            z.int().min(0).max(MAX_GRAPH_LIMIT).default(0),
            'At most this many nodes (the busiest kept, the rest folded into one `other:` node); 0 = all.',
          ),
          query(
            'focus',
            z.string(),
            'A namespace shown as its workloads (kept first) among the other namespaces; with `group` workload or auto.',
          ),
        ],
        responses: { '200': json(ref('Graph'), 'The graph.'), ...errors },
      },
    },
    '/changes': {
      get: {
        summary: 'The policy change log: policies, tiers and network sets added, changed or deleted',
        description:
          'Changes seen on the live cluster watch (or made by the demo), oldest first, kept as long as flows. Poll with `after` set to the last id seen.',
        parameters: [
          query('since', z.string(), 'Only changes at or after this time: Unix seconds, or RFC 3339.'),
          query('after', z.int().min(0), 'Only changes with a larger id.'),
          query('kind', z.string(), 'Only this kind.'),
          query('namespace', z.string(), 'Only this namespace ("" for cluster-scoped).'),
          query('limit', z.int().min(1).max(10_000).default(10_000), 'The newest this many of the matching changes.'),
        ],
        responses: { '200': json(ref('PolicyChangeList'), 'Changes, oldest first.'), ...errors },
      },
    },
    '/policies/{kind}/{namespace}/{name}/history': {
      get: {
        summary: "One policy's (tier's, network set's) changes, oldest first",
        description: 'Namespace `-` for cluster-scoped resources.',
        parameters: [path('kind'), path('namespace'), path('name')],
        responses: {
          '200': json(ref('PolicyChangeList'), 'Changes, oldest first; empty when none are known.'),
          ...errors,
        },
      },
    },
    '/cluster/status': {
      get: {
        summary: 'Where the cluster state comes from and how current it is',
        description:
          'For a live cluster: each watched kind with its state, object count, events, relists and last event time; kinds the API server does not serve are warnings.',
        responses: { '200': json(ref('ClusterStatus'), 'The cluster source status.'), ...errors },
      },
    },
    '/cluster/summary': {
      get: {
        summary: 'Cluster at a glance',
        description: '`workloads` counts distinct pod owners; `policies` includes staged ones.',
        responses: { '200': json(ref('ClusterSummary'), 'Summary.'), ...errors },
      },
    },
    '/rehearsals': {
      post: {
        summary: 'Rehearse a policy change set against stored flows',
        description:
          "Re-evaluates the flows of the range whose reporting endpoint a changed policy selects, with Verdict's what-if semantics for the change (a staged Set replaces and a staged Delete removes the same-named policy). Answers 202 with a job to poll, or 200 with the finished report when `wait=true`.",
        parameters: [query('wait', z.boolean(), 'Answer when the report is ready (200) instead of 202 at once.')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('RehearsalRequest') } } },
        responses: {
          '200': json(ref('Rehearsal'), 'The finished rehearsal (wait=true).'),
          '202': json(ref('Rehearsal'), 'The rehearsal has started; poll GET /rehearsals/{id}.'),
          '400': json(
            ref('Error'),
            'Bad body or range, or a change set that does not load (code `invalid-change-set`, with every issue).',
          ),
          '500': errors['500'],
        },
      },
    },
    '/rehearsals/{id}': {
      get: {
        summary: 'A rehearsal: status, progress and, when done, the impact report',
        parameters: [path('id')],
        responses: {
          '200': json(ref('Rehearsal'), 'The rehearsal.'),
          '404': json(ref('Error'), 'Unknown or expired id (code `not-found`).'),
        },
      },
    },
    '/policies': {
      post: {
        summary: "Apply policies (typically staged ones) to Verdict's cluster state",
        description:
          'Loads the YAML or JSON body and upserts every policy into the evaluator: flows evaluated afterwards carry traces that include them. Nothing is written to a real cluster.',
        requestBody: { required: true, content: { 'application/yaml': { schema: { type: 'string' } } } },
        responses: {
          '200': json(ref('AppliedPolicies'), 'The policies applied, and warnings.'),
          '400': json(ref('Error'), 'The body does not load (code `invalid-policies`, with every issue).'),
        },
      },
    },
    '/policies/{kind}/{namespace}/{name}': {
      delete: {
        summary: "Remove a policy from Verdict's cluster state",
        description: 'The namespace is `-` for cluster-wide kinds.',
        parameters: [path('kind'), path('namespace'), path('name')],
        responses: {
          '200': json(ref('RemovedPolicy'), 'Removed.'),
          '404': json(ref('Error'), 'No such policy.'),
        },
      },
    },
    '/promote': {
      post: {
        summary: 'The enforced YAML and deletions that promote a change set',
        description:
          'StagedNetworkPolicy → NetworkPolicy, StagedGlobalNetworkPolicy → GlobalNetworkPolicy, StagedKubernetesNetworkPolicy → networking.k8s.io/v1 NetworkPolicy, stagedAction dropped; staged Delete and PolicyDeletions → deletions with `kubectl delete` commands.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('PromoteRequest') } } },
        responses: {
          '200': json(ref('Promotion'), 'The YAML to apply and the deletions to run.'),
          '400': json(ref('Error'), 'The change set does not load (code `invalid-change-set`).'),
        },
      },
    },
    '/recommendations': {
      get: {
        summary: 'Draft network policies for a namespace or workload from the flows of a window',
        description:
          'One policy per workload from observed allowed flows, with DNS, API-server and node-probe guardrails; every rule carries its rationale (flows, connections, first and last seen). `coverage` is checked with the engine: the observed allowed connections the draft allows, and a sample of unobserved paths it closes. Denied flows are listed in `notes`, never allowed.',
        parameters: [
          { ...query('namespace', z.string(), 'Namespace to draft for.'), required: true },
          query(
            'workload',
            z.string(),
            'One workload of the namespace (its `app.kubernetes.io/name`/`app` value or owner).',
          ),
          query(
            'dialect',
            z.enum(DIALECTS).default('calico'),
            'Calico (Staged)NetworkPolicy or Kubernetes NetworkPolicy.',
          ),
          query('tier', z.string().default('default'), 'Calico tier.'),
          query('staged', z.boolean().default(true), 'Calico: StagedNetworkPolicy (true) or NetworkPolicy.'),
          query('order', z.int(), 'Calico policy order (default 100).'),
          query('start', z.int(), 'Unix seconds; negative = seconds before now; default -86400 (24 h).'),
          end,
          query(
            'format',
            z.enum(['json', 'yaml']).default('json'),
            '`yaml`: the policies as one commented YAML stream.',
          ),
        ],
        responses: { '200': json(ref('Recommendation'), 'The recommendation.'), ...errors },
      },
    },
    '/insights': {
      get: {
        summary: 'Findings over the stored flows of a window, each with evidence and a proposed fix',
        description:
          'Types: policy-selects-nothing, unreachable-rule, unused-rule, staged-would-deny, dns-blocked, public-egress, lateral-movement, port-scan, unprotected-workload, deny-spike-after-change (docs/insights.md defines each). The window before `since` is the baseline for new destinations and peers.',
        parameters: [
          query(
            'since',
            z.string().default('24h'),
            'Window: seconds or a duration such as 30m, 24h, 7d (at most 31d).',
          ),
          query('tenantLabel', z.string().default('tenant'), 'Namespace label that groups namespaces into tenants.'),
        ],
        responses: { '200': json(ref('Insights'), 'The findings, most severe first.'), ...errors },
      },
    },
    '/egress': {
      get: {
        summary:
          "A namespace's external destinations per workload, and a proposed egress lockdown rehearsed over the same flows",
        description:
          'Destinations by network, protocol and port with flows, connections and bytes; the lockdown is default-deny egress with NetworkSets of the aggregated CIDRs and DNS and API-server guardrails, staged and rehearsed before it is proposed.',
        parameters: [
          {
            ...query('namespace', z.string().max(63), 'The namespace to lock down; it must be in the cluster.'),
            required: true,
          },
          query(
            'since',
            z.string().default('24h'),
            'Window: seconds or a duration such as 30m, 24h, 7d (at most 31d).',
          ),
          query(
            'dialect',
            z.enum(['calico', 'calico-enterprise']).default('calico'),
            'Where the proposal names domains from imported DNS answers: `calico` as comments (open-source NetworkSets hold addresses only), `calico-enterprise` as NetworkSet `allowedEgressDomains`.',
          ),
        ],
        responses: {
          '200': json(ref('Egress'), 'Destinations and the proposal.'),
          '404': json(ref('Error'), 'The namespace is not in the cluster.'),
          ...errors,
        },
      },
    },
    '/dns': {
      post: {
        summary: 'Import DNS answers (query name → addresses), so egress destinations are named by domain',
        description:
          'NDJSON, one `{"name": "api.example.com", "addresses": ["203.0.113.5", …]}` per line (at most 64 addresses; body at most 4 MiB, a line at most 64 KiB). All or nothing: any bad line stores nothing and the 400 (`invalid-dns-answers`) names up to 20 bad lines with their field. Answers are kept for the flow retention after their last import, at most 100,000 name/address pairs (the oldest go first), beside the flow store. A write: needs --allow-writes (or the write role).',
        requestBody: { required: true, content: { 'application/x-ndjson': { schema: { type: 'string' } } } },
        responses: {
          '200': json(
            { type: 'object' },
            '`imported` (pairs, names, evicted) and `held` (names, pairs, oldest, newest, retentionSeconds, maxPairs).',
          ),
          '400': json(ref('Error'), 'A line is not a DNS answer (code `invalid-dns-answers`), or the body is empty.'),
          '413': json(
            ref('Error'),
            'The body or a line is over its limit (`too-large`, `line-too-long`); nothing was stored.',
          ),
        },
      },
      get: {
        summary: 'What DNS answers are held',
        responses: { '200': json({ type: 'object' }, 'names, pairs, oldest, newest, retentionSeconds, maxPairs.') },
      },
    },
    '/coverage': {
      get: {
        summary:
          'Rollout progress: isolated workloads, flows decided by explicit policy, staged policies waiting, trend and policy changes',
        description:
          '`format=html` answers the same report as one self-contained, print-ready HTML page (inline SVG charts, no scripts): audit evidence of which workloads are isolated, since when, and which policies changed.',
        parameters: [
          query(
            'since',
            z.string().default('7d'),
            'History to report on: seconds or a duration such as 24h, 7d (at most 31d).',
          ),
          query('format', z.enum(['json', 'html']).default('json'), '`html`: the print-ready report.'),
        ],
        responses: {
          '200': {
            description: 'The report.',
            content: { 'application/json': { schema: ref('Coverage') }, 'text/html': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1 document.') } },
    },
  },
  components: { schemas: componentSchemas() },
};
