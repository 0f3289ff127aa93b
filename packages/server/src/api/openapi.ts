// The OpenAPI 3.1 description of /api/v1. routes.test.ts checks that it lists every route.
import { FILTER_FIELDS } from './types.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const arrayOf = (items: object) => ({ type: 'array', items });
const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] });
const object = (properties: Record<string, object>, optional: readonly string[] = []) => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
});
const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const query = (name: string, schema: object, description: string) => ({ name, in: 'query', schema, description });
const path = (name: string) => ({ name, in: 'path', required: true, schema: str });

const start = query('start', int, 'Unix seconds; 0 = beginning of history; negative = seconds before now.');
const end = query('end', int, 'Unix seconds; 0 = now; negative = seconds before now.');
const filters = query('filters', str, 'FlowFilter as JSON (schema Filters).');
const errors = {
  '400': json(ref('Error'), 'Bad parameter or filter; `path` names it (e.g. `filters.sourceSelector`).'),
  '500': json(ref('Error'), 'Internal error.'),
};
const counts = object({ allowed: int, denied: int, passed: int });
const stringMatch = object({ value: str, type: { enum: ['Exact', 'Fuzzy'], default: 'Exact' } }, ['type']);
const action = { enum: ['Allow', 'Deny'] };
const hitAction = { enum: ['Allow', 'Deny', 'Pass'] };
const ruleStats = object({
  direction: { enum: ['Ingress', 'Egress'] },
  ruleIndex: int,
  allowed: int,
  denied: int,
  passed: int,
});
const policyRef = object({ kind: str, name: str, namespace: str, tier: str });

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
          query(
            'sort',
            { enum: ['Time', 'SourceName', 'SourceNamespace', 'DestName', 'DestNamespace'] },
            'Default Time (newest first).',
          ),
          query('page', { ...int, minimum: 0, default: 0 }, '0-based page.'),
          query('pageSize', { ...int, minimum: 1, maximum: 10000, default: 100 }, 'Flows per page.'),
        ],
        responses: {
          '200': json(
            object({ total: object({ totalPages: int, totalResults: int }), items: arrayOf(ref('Flow')) }),
            'One page of flows.',
          ),
          ...errors,
        },
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
            int,
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
        parameters: [{ name: 'id', in: 'path', required: true, schema: int }],
        responses: {
          '200': json(object({ enforced: ref('Explanation'), pending: ref('Explanation') }), 'Both explanations.'),
          '404': json(ref('Error'), 'No flow with this id (code `not-found`).'),
          '409': json(ref('Error'), 'The flow no longer resolves against the cluster (code `unresolvable-flow`).'),
          ...errors,
        },
      },
    },
    '/tiers': {
      get: {
        summary: 'Tiers in evaluation order with their policies',
        responses: { '200': json(object({ items: arrayOf(ref('Tier')) }), 'Tiers.'), ...errors },
      },
    },
    '/policy-stats': {
      get: {
        summary: 'Flows decided by each policy and rule',
        description:
          'Each listed (aggregated) flow counts 1 per policy and per (direction, rule) in its trace; direction is Egress for reporter Src and Ingress for Dst; EndOfTier hits count for their trigger policy with ruleIndex -1. `pending` holds the same counts from the pending traces.',
        parameters: [start, end, filters],
        responses: { '200': json(object({ items: arrayOf(ref('PolicyStats')) }), 'Per-policy counts.'), ...errors },
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
            { enum: ['workload', 'namespace', 'auto'], default: 'workload' },
            'Node granularity; `auto` = workloads, or namespaces when there are more workloads than `limit`.',
          ),
          query(
            'limit',
            { ...int, minimum: 0, maximum: 100_000, default: 0 },
            'At most this many nodes (the busiest kept, the rest folded into one `other:` node); 0 = all.',
          ),
          query(
            'focus',
            str,
            'A namespace shown as its workloads (kept first) among the other namespaces; with `group` workload or auto.',
          ),
        ],
        responses: {
          '200': json(
            object({
              nodes: arrayOf(object({ id: str, label: str, namespace: str, type: str })),
              edges: arrayOf(
                object({
                  source: str,
                  target: str,
                  flows: int,
                  enforced: object({ allowed: int, denied: int }),
                  pending: object({ allowed: int, denied: int }),
                }),
              ),
              shape: object({
                totalNodes: { ...int, description: 'Nodes before collapsing and folding.' },
                collapsed: { ...bool, description: 'Workloads were shown as their namespaces.' },
                folded: { ...int, description: 'Nodes folded into the `other:` node.' },
              }),
            }),
            'The graph.',
          ),
          ...errors,
        },
      },
    },
    '/cluster/summary': {
      get: {
        summary: 'Cluster at a glance',
        description: '`workloads` counts distinct pod owners; `policies` includes staged ones.',
        responses: {
          '200': json(
            object({ namespaces: arrayOf(str), workloads: int, policies: int, staged: int, store: str }),
            'Summary.',
          ),
          ...errors,
        },
      },
    },
    '/rehearsals': {
      post: {
        summary: 'Rehearse a policy change set against stored flows',
        description:
          "Re-evaluates the flows of the range whose reporting endpoint a changed policy selects, with Verdict's what-if semantics for the change (a staged Set replaces and a staged Delete removes the same-named policy). Answers 202 with a job to poll, or 200 with the finished report when `wait=true`.",
        parameters: [query('wait', bool, 'Answer when the report is ready (200) instead of 202 at once.')],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: object(
                {
                  changeSet: { ...str, description: 'YAML: policies (any kind, staged included) and PolicyDeletions.' },
                  start: {
                    ...int,
                    description: 'Unix seconds; 0 = beginning of history; negative = seconds before now.',
                  },
                  end: { ...int, description: 'Unix seconds; 0 = now; negative = seconds before now.' },
                  allowBreaking: arrayOf({ ...str, description: 'Calico selector over source or destination labels.' }),
                },
                ['start', 'end', 'allowBreaking'],
              ),
            },
          },
        },
        responses: {
          '200': json(ref('Rehearsal'), 'The finished rehearsal (wait=true).'),
          '202': json(ref('Rehearsal'), 'The rehearsal has started; poll GET /rehearsals/{id}.'),
          '400': json(
            ref('ChangeSetError'),
            'Bad body or range (`Error`), or a change set that does not load (code `invalid-change-set`, with every issue).',
          ),
          '500': errors['500'],
        },
      },
    },
    '/rehearsals/{id}': {
      get: {
        summary: 'A rehearsal: status, progress and, when done, the impact report',
        parameters: [{ name: 'id', in: 'path', required: true, schema: str }],
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
        requestBody: { required: true, content: { 'application/yaml': { schema: str } } },
        responses: {
          '200': json(
            object({ applied: arrayOf(object({ kind: str, namespace: str, name: str })), issues: arrayOf(object({})) }),
            'The policies applied, and warnings.',
          ),
          '400': json(
            object({ error: object({ code: str, message: str, issues: arrayOf(object({})) }) }),
            'The body does not load.',
          ),
        },
      },
    },
    '/policies/{kind}/{namespace}/{name}': {
      delete: {
        summary: "Remove a policy from Verdict's cluster state",
        description: 'The namespace is `-` for cluster-wide kinds.',
        parameters: [path('kind'), path('namespace'), path('name')],
        responses: {
          '200': json(object({ removed: object({ kind: str, namespace: str, name: str }) }), 'Removed.'),
          '404': json(ref('Error'), 'No such policy.'),
        },
      },
    },
    '/promote': {
      post: {
        summary: 'The enforced YAML and deletions that promote a change set',
        description:
          'StagedNetworkPolicy → NetworkPolicy, StagedGlobalNetworkPolicy → GlobalNetworkPolicy, StagedKubernetesNetworkPolicy → networking.k8s.io/v1 NetworkPolicy, stagedAction dropped; staged Delete and PolicyDeletions → deletions with `kubectl delete` commands.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: object({ changeSet: str }) } },
        },
        responses: {
          '200': json(
            object({
              yaml: str,
              deletions: arrayOf(
                object({ apiVersion: str, kind: str, namespace: str, name: str, command: str }, ['namespace']),
              ),
            }),
            'The YAML to apply and the deletions to run.',
          ),
          '400': json(ref('ChangeSetError'), 'The change set does not load.'),
        },
      },
    },
    '/recommendations': {
      get: {
        summary: 'Draft network policies for a namespace or workload from the flows of a window',
        description:
          'One policy per workload from observed allowed flows, with DNS, API-server and node-probe guardrails; every rule carries its rationale (flows, connections, first and last seen). `coverage` is checked with the engine: the observed allowed connections the draft allows, and a sample of unobserved paths it closes. Denied flows are listed in `notes`, never allowed.',
        parameters: [
          { ...query('namespace', str, 'Namespace to draft for.'), required: true },
          query('workload', str, 'One workload of the namespace (its `app.kubernetes.io/name`/`app` value or owner).'),
          query(
            'dialect',
            { enum: ['calico', 'k8s'], default: 'calico' },
            'Calico (Staged)NetworkPolicy or Kubernetes NetworkPolicy.',
          ),
          query('tier', { ...str, default: 'default' }, 'Calico tier.'),
          query('staged', { ...bool, default: true }, 'Calico: StagedNetworkPolicy (true) or NetworkPolicy.'),
          query('order', int, 'Calico policy order (default 100).'),
          query('start', int, 'Unix seconds; negative = seconds before now; default -86400 (24 h).'),
          end,
          query(
            'format',
            { enum: ['json', 'yaml'], default: 'json' },
            '`yaml`: the policies as one commented YAML stream.',
          ),
        ],
        responses: {
          '200': json(ref('Recommendation'), 'The recommendation.'),
          ...errors,
        },
      },
    },
    '/insights': {
      get: {
        summary: 'Findings over the stored flows of a window, each with evidence and a proposed fix',
        description:
          'Types: policy-selects-nothing, unreachable-rule, unused-rule, staged-would-deny, dns-blocked, public-egress, lateral-movement, port-scan, unprotected-workload, deny-spike-after-change (docs/insights.md defines each). The window before `since` is the baseline for new destinations and peers. `fix.changeSet` is YAML that POST /rehearsals accepts, or null.',
        parameters: [
          query(
            'since',
            { ...str, default: '24h' },
            'Window: seconds or a duration such as 30m, 24h, 7d (at most 31d).',
          ),
          query('tenantLabel', { ...str, default: 'tenant' }, 'Namespace label that groups namespaces into tenants.'),
        ],
        responses: { '200': json(ref('Insights'), 'The findings, most severe first.'), ...errors },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1 document.') } },
    },
  },
  components: {
    schemas: {
      Error: object({ error: object({ code: str, message: str, path: str }, ['path']) }),
      Insights: object({
        findings: arrayOf(
          object({
            type: str,
            severity: { enum: ['high', 'medium', 'low'] },
            title: str,
            subject: object({ kind: str, namespace: str, name: str }),
            evidence: object({
              flows: arrayOf(
                object({
                  id: int,
                  source: str,
                  destination: str,
                  destPort: int,
                  proto: str,
                  reporter: { enum: ['Src', 'Dst'] },
                  action: str,
                  pendingAction: str,
                  startTime: int,
                  endTime: int,
                  connections: int,
                }),
              ),
              policies: arrayOf(
                object(
                  { kind: str, namespace: str, name: str, tier: str, ruleIndex: int, direction: str, rulePath: str },
                  ['ruleIndex', 'direction', 'rulePath'],
                ),
              ),
              explanation: str,
            }),
            fix: object({ summary: str, changeSet: nullable(str) }),
          }),
        ),
      }),
      Recommendation: object({
        scope: object({ namespace: str, workload: str }, ['workload']),
        dialect: { enum: ['calico', 'k8s'] },
        window: object({ firstSeen: int, lastSeen: int }),
        policies: arrayOf(
          object({
            workload: str,
            yaml: str,
            object: { type: 'object' },
            rules: arrayOf(
              object({
                direction: { enum: ['Ingress', 'Egress'] },
                index: int,
                peer: str,
                ports: str,
                rationale: object(
                  {
                    flows: int,
                    connections: int,
                    firstSeen: int,
                    lastSeen: int,
                    examples: arrayOf(str),
                    guardrail: str,
                  },
                  ['guardrail'],
                ),
              }),
            ),
          }),
        ),
        coverage: object({
          observedAllowed: int,
          allowedByRecommendation: int,
          unresolved: int,
          closedPaths: arrayOf(object({ from: str, to: str, port: str })),
          closedPathsTotal: int,
        }),
        notes: arrayOf(str),
      }),

      ChangeSetError: object({
        error: object(
          {
            code: str,
            message: str,
            path: str,
            issues: arrayOf(
              object({
                code: str,
                severity: { enum: ['error', 'warning'] },
                message: str,
                file: str,
                line: int,
                column: int,
                path: str,
              }),
            ),
          },
          ['path', 'issues'],
        ),
      }),
      Rehearsal: object(
        {
          id: str,
          status: { enum: ['running', 'done', 'failed'] },
          progress: object({ done: int, total: nullable(int) }),
          report: {
            type: 'object',
            description:
              'ImpactReport: semantics, range, changeSet, totals, newlyDenied, newlyAllowed, decidedDifferently, acceptedBreakages (groups by endpoint, port and deciding policy with counts, first/last seen and examples with traces before and after), unexercisedRules, warnings.',
          },
          error: object({ code: str, message: str }),
        },
        ['report', 'error'],
      ),
      PolicyHit: object({
        kind: str,
        name: str,
        namespace: str,
        tier: str,
        action: hitAction,
        policyIndex: int,
        ruleIndex: int,
        trigger: nullable(policyRef),
      }),
      Flow: object({
        id: int,
        startTime: int,
        endTime: int,
        sourceName: str,
        sourceNamespace: str,
        sourceType: str,
        destName: str,
        destNamespace: str,
        destType: str,
        destPort: int,
        destServiceName: str,
        destServiceNamespace: str,
        destServicePortName: str,
        destServicePort: int,
        proto: str,
        reporter: { enum: ['Src', 'Dst'] },
        action,
        pendingAction: action,
        sourceLabels: arrayOf(str),
        destLabels: arrayOf(str),
        packetsIn: num,
        packetsOut: num,
        bytesIn: num,
        bytesOut: num,
        numConnectionsStarted: num,
        numConnectionsCompleted: num,
        numConnectionsLive: num,
        sourceIps: arrayOf(str),
        sourceIpsBeyond: int,
        destIps: arrayOf(str),
        destIpsBeyond: int,
        policies: object({ enforced: arrayOf(ref('PolicyHit')), pending: arrayOf(ref('PolicyHit')) }),
      }),
      Filters: {
        ...object(
          {
            sourceNames: arrayOf(stringMatch),
            sourceNamespaces: arrayOf(stringMatch),
            destNames: arrayOf(stringMatch),
            destNamespaces: arrayOf(stringMatch),
            protocols: arrayOf(stringMatch),
            destPorts: arrayOf({ ...int, minimum: 0, maximum: 65535 }),
            actions: arrayOf(hitAction),
            pendingActions: arrayOf(hitAction),
            reporter: { enum: ['Src', 'Dst'] },
            policies: arrayOf(
              object({ kind: str, tier: stringMatch, namespace: stringMatch, name: stringMatch, action: hitAction }, [
                'kind',
                'tier',
                'namespace',
                'name',
                'action',
              ]),
            ),
            sourceSelector: { ...str, description: 'Calico selector over source labels.' },
            destSelector: { ...str, description: 'Calico selector over destination labels.' },
            destPortRanges: arrayOf(object({ min: int, max: int })),
            pendingDiffers: bool,
            sourceCidrs: arrayOf({
              ...str,
              description: 'Matches endpoints with an address in the CIDR in the current cluster.',
            }),
            destCidrs: arrayOf(str),
          },
          FILTER_FIELDS,
        ),
      },
      Step: object(
        {
          tier: str,
          policy: nullable(object({ kind: str, name: str, namespace: str })),
          outcome: { enum: ['matched', 'no-match', 'end-of-tier', 'profile', 'skipped-tier', 'pass'] },
          action: hitAction,
          ruleIndex: int,
          because: arrayOf(str),
          yaml: { ...str, description: 'The deciding policy as written.' },
          highlight: arrayOf(object({ line: int, reason: str })),
        },
        ['action', 'ruleIndex', 'yaml', 'highlight'],
      ),
      Explanation: object({
        action,
        sides: arrayOf(
          object({ direction: { enum: ['Egress', 'Ingress'] }, endpoint: str, action, steps: arrayOf(ref('Step')) }),
        ),
      }),
      Tier: object({
        name: str,
        order: nullable(num),
        defaultAction: { enum: ['Deny', 'Pass'] },
        policies: arrayOf(
          object({
            kind: str,
            name: str,
            namespace: str,
            tier: str,
            order: nullable(num),
            staged: bool,
            stagedAction: nullable(str),
            yaml: str,
            ingressRules: int,
            egressRules: int,
          }),
        ),
      }),
      PolicyStats: object({
        kind: str,
        name: str,
        namespace: str,
        tier: str,
        allowed: int,
        denied: int,
        passed: int,
        rules: arrayOf(ruleStats),
        pending: object({ ...counts.properties, rules: arrayOf(ruleStats) }),
      }),
    },
  },
} as const;
