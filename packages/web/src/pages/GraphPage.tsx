// Service graph page: workloads (or namespaces) and the traffic between them, coloured by verdict. At
// most a node budget of the busiest nodes is drawn (the server folds the rest into one node:
// GET /api/v1/graph?limit=) and a few edges per node (the busiest); a namespace can be expanded into
// its workloads (focus).
import { useMemo } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import type { GraphEdge, GraphNode, VerdictFilters } from '../api/types.ts';
import { ErrorMessage, StateMessage } from '../components/common.tsx';
import { RangeSelect } from '../components/RangeSelect.tsx';
import { type GraphSelection, ServiceGraph, type VerdictMode } from '../components/ServiceGraph.tsx';
import { flowLogsHref, parseFlowView } from '../data/flowView.ts';
import { formatCount } from '../data/format.ts';
import {
  DEFAULT_MAX_NODES,
  EDGES_PER_NODE,
  type Grouping,
  NODE_LIMITS,
  OTHER_NODE_ID,
  thinEdges,
} from '../data/graphFold.ts';
import { edgeChanges, isGroupNode, layoutGraph } from '../data/graphLayout.ts';
import { useGraph } from '../hooks/useApi.ts';

function params(search: string) {
  const p = new URLSearchParams(search);
  const g = p.get('group');
  const group: Grouping = g === 'workload' || g === 'namespace' ? g : 'auto';
  const mode: VerdictMode = p.get('verdict') === 'pending' ? 'pending' : 'enforced';
  const start = Number(p.get('start') ?? '-3600');
  const limit = Number(p.get('nodes') ?? DEFAULT_MAX_NODES);
  const sel = p.get('sel');
  let selection: GraphSelection = null;
  if (sel?.startsWith('node:')) selection = { kind: 'node', id: sel.slice(5) };
  else if (sel?.startsWith('edge:')) {
    const [source = '', target = ''] = sel.slice(5).split('\u2192');
    selection = { kind: 'edge', source, target };
  }
  return {
    group,
    mode,
    start: Number.isFinite(start) && start !== 0 ? start : -3600,
    changesOnly: p.get('changes') === '1',
    focus: p.get('focus'),
    maxNodes: Number.isInteger(limit) && limit >= 0 ? limit : DEFAULT_MAX_NODES,
    selection,
    filters: parseFlowView(search).filters,
  };
}

function endpointFilters(n: GraphNode, side: 'source' | 'dest'): VerdictFilters {
  const ns = [{ value: n.namespace, type: 'Exact' as const }];
  const name = [{ value: n.label, type: 'Exact' as const }];
  if (n.type === 'namespace') return side === 'source' ? { sourceNamespaces: ns } : { destNamespaces: ns };
  return side === 'source' ? { sourceNamespaces: ns, sourceNames: name } : { destNamespaces: ns, destNames: name };
}

export function GraphPage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const p = params(search);
  const focusable = p.group !== 'namespace';
  // The server collapses ("auto") and folds to the node budget; the page only lays out what it gets.
  const graph = useGraph({ start: p.start, end: 0 }, p.filters, {
    group: p.group,
    limit: p.maxNodes,
    focus: focusable ? p.focus : null,
  });
  const setParam = (k: string, v: string | null, replace = false) => {
    const q = new URLSearchParams(search);
    if (v === null) q.delete(k);
    else q.set(k, v);
    const qs = q.toString();
    navigate(qs ? `${pathname}?${qs}` : pathname, { replace });
  };

  // Shape and lay out once per data or view change; pan, zoom and selection do not recompute this.
  const shown = useMemo(() => {
    const data = graph.data;
    if (!data) return null;
    const g = { nodes: data.nodes, edges: data.edges };
    // Laid out with the edges drawn by default, so that the layout routes them.
    const drawn = thinEdges(g.edges, p.maxNodes * EDGES_PER_NODE).edges;
    return { graph: g, ...data.shape, layout: layoutGraph(g, drawn) };
  }, [graph.data, p.maxNodes]);
  const thinned = useMemo(() => {
    if (!shown) return thinEdges([], 0);
    const candidates = p.changesOnly ? shown.graph.edges.filter(edgeChanges) : shown.graph.edges;
    return thinEdges(candidates, p.maxNodes * EDGES_PER_NODE);
  }, [shown, p.changesOnly, p.maxNodes]);
  const edges = thinned.edges;
  const focusOn = (ns: string | null) => {
    const q = new URLSearchParams(search);
    if (ns === null) q.delete('focus');
    else q.set('focus', ns);
    q.delete('sel');
    const qs = q.toString();
    navigate(qs ? `${pathname}?${qs}` : pathname);
  };

  const selectedNode = p.selection?.kind === 'node' ? shown?.layout.byId.get(p.selection.id) : undefined;
  const selectedEdge =
    p.selection?.kind === 'edge'
      ? shown?.graph.edges.find(
          (e) => p.selection?.kind === 'edge' && e.source === p.selection.source && e.target === p.selection.target,
        )
      : undefined;

  let body: React.ReactNode;
  if (graph.loading && !graph.data) body = <StateMessage kind="loading" title="Building the service graph…" />;
  else if (graph.error)
    body = (
      <ErrorMessage
        title="Could not load the service graph"
        testId="state-graph-error"
        error={graph.error}
        retry={graph.reload}
      />
    );
  else if (shown && shown.graph.nodes.length === 0)
    body = (
      <StateMessage kind="empty" title="No traffic in this time range" testId="state-graph-empty">
        No flows yet — is traffic flowing? The demo generates flows every 15 s. Try a longer time range.
      </StateMessage>
    );
  else if (shown)
    body = (
      <ServiceGraph
        layout={shown.layout}
        edges={edges}
        mode={p.mode}
        selection={p.selection}
        onOpen={(id) => {
          const n = shown.layout.byId.get(id);
          if (focusable && n && n.type !== 'other' && isGroupNode(n)) focusOn(n.namespace);
        }}
        onSelect={(s) =>
          setParam(
            'sel',
            s === null ? null : s.kind === 'node' ? `node:${s.id}` : `edge:${s.source}\u2192${s.target}`,
            true,
          )
        }
      />
    );

  const nodeById = (id: string) => shown?.graph.nodes.find((n) => n.id === id);
  return (
    <div className={selectedNode || selectedEdge ? 'graph-page with-panel' : 'graph-page'}>
      <div className="graph-main">
        <div className="page-toolbar">
          <h1>Service graph</h1>
          <RangeSelect value={p.start} onChange={(s) => setParam('start', String(s))} testId="graph-range" />
          <select
            value={p.group}
            onChange={(e) => setParam('group', e.target.value === 'auto' ? null : e.target.value)}
            aria-label="Group by"
            data-testid="graph-group"
          >
            <option value="auto">Workloads (namespaces when &gt; {p.maxNodes || 'all'})</option>
            <option value="workload">Workloads</option>
            <option value="namespace">Namespaces</option>
          </select>
          <select
            value={p.maxNodes}
            onChange={(e) => setParam('nodes', e.target.value === String(DEFAULT_MAX_NODES) ? null : e.target.value)}
            aria-label="Nodes drawn at most"
            data-testid="graph-limit"
          >
            {NODE_LIMITS.map((n) => (
              <option key={n} value={n}>
                {n === 0 ? 'All nodes' : `Top ${n} nodes`}
              </option>
            ))}
          </select>
          <div className="segmented">
            {(['enforced', 'pending'] as const).map((m) => (
              <button
                key={m}
                type="button"
                aria-pressed={p.mode === m}
                className={p.mode === m ? 'seg seg-active' : 'seg'}
                onClick={() => setParam('verdict', m === 'enforced' ? null : m, true)}
                data-testid={`graph-mode-${m}`}
              >
                {m === 'enforced' ? 'Enforced' : 'Pending (staged enforced)'}
              </button>
            ))}
          </div>
          <label className="inline">
            <input
              type="checkbox"
              checked={p.changesOnly}
              onChange={(e) => setParam('changes', e.target.checked ? '1' : null, true)}
              data-testid="graph-changes-only"
            />
            Only edges staging would change
          </label>
          {shown && (
            <span className="muted" data-testid="graph-stats">
              {formatCount(shown.graph.nodes.length)} nodes · {formatCount(edges.length)} edges
              {shown.collapsed ? ` · collapsed to namespaces (${formatCount(shown.totalNodes)} workloads)` : ''}
              {shown.folded > 0 ? ` · ${formatCount(shown.folded)} quieter nodes folded into one` : ''}
              {thinned.hiddenEdges > 0
                ? ` · ${formatCount(thinned.hiddenEdges)} quieter edges (${formatCount(thinned.hiddenFlows)} flows) not drawn`
                : ''}
            </span>
          )}
          {shown && (shown.folded > 0 || thinned.hiddenEdges > 0) && p.maxNodes > 0 && (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                const next = NODE_LIMITS.find((n) => n === 0 || n > p.maxNodes) ?? 0;
                setParam('nodes', String(next));
              }}
              data-testid="graph-show-more"
            >
              Show more
            </button>
          )}
          {p.focus !== null && focusable && (
            <span className="muted" data-testid="graph-focus-state">
              Workloads of {p.focus} ·{' '}
              <button type="button" className="link-button" onClick={() => focusOn(null)} data-testid="graph-unfocus">
                all namespaces
              </button>
            </span>
          )}
        </div>
        <div className="legend">
          <span className="legend-item legend-allow">allowed</span>
          <span className="legend-item legend-deny">denied</span>
          <span className="legend-item legend-mixed">some denied</span>
          <span className="legend-item legend-changes">staging changes verdict</span>
          <span className="muted">
            Drag to pan, scroll to zoom, click a node or edge
            {focusable ? ', double-click a namespace to expand it' : ''}.
          </span>
        </div>
        <div className="graph-wrap">{body}</div>
      </div>
      {(selectedNode || selectedEdge) && (
        <aside className="side-panel" data-testid="graph-detail">
          <header className="side-head">
            <div className="side-title">
              {selectedNode
                ? `${selectedNode.namespace ? `${selectedNode.namespace}/` : ''}${selectedNode.label}`
                : selectedEdge
                  ? `${nodeById(selectedEdge.source)?.label ?? selectedEdge.source} → ${nodeById(selectedEdge.target)?.label ?? selectedEdge.target}`
                  : ''}
            </div>
            <button
              type="button"
              className="icon-button"
              aria-label="Close"
              onClick={() => setParam('sel', null, true)}
            >
              ×
            </button>
          </header>
          <div className="side-body">
            {selectedNode?.type === 'other' && (
              <p className="muted" data-testid="graph-other">
                The quieter nodes, folded into one to keep the graph readable.{' '}
                {p.maxNodes > 0 && (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => setParam('nodes', String(NODE_LIMITS.find((n) => n === 0 || n > p.maxNodes) ?? 0))}
                  >
                    Show more nodes
                  </button>
                )}
              </p>
            )}
            {selectedNode && focusable && selectedNode.type !== 'other' && isGroupNode(selectedNode) && (
              <button
                type="button"
                className="link-button"
                onClick={() => focusOn(selectedNode.namespace)}
                data-testid="graph-focus"
              >
                Expand into its workloads
              </button>
            )}
            {selectedNode && selectedNode.type !== 'other' && (
              <ul className="link-list">
                <li>
                  <Link to={flowLogsHref(endpointFilters(selectedNode, 'source'))} data-testid="graph-flows-from">
                    Flows from {selectedNode.label} →
                  </Link>
                </li>
                <li>
                  <Link to={flowLogsHref(endpointFilters(selectedNode, 'dest'))} data-testid="graph-flows-to">
                    Flows to {selectedNode.label} →
                  </Link>
                </li>
              </ul>
            )}
            {selectedEdge && (
              <EdgeDetail
                edge={selectedEdge}
                source={nodeById(selectedEdge.source)}
                target={nodeById(selectedEdge.target)}
              />
            )}
          </div>
        </aside>
      )}
    </div>
  );
}

function EdgeDetail({
  edge,
  source,
  target,
}: {
  edge: GraphEdge;
  source: GraphNode | undefined;
  target: GraphNode | undefined;
}) {
  const href =
    source && target && source.id !== OTHER_NODE_ID && target.id !== OTHER_NODE_ID
      ? flowLogsHref({ ...endpointFilters(source, 'source'), ...endpointFilters(target, 'dest') })
      : null;
  return (
    <div data-testid="graph-edge-detail">
      <dl className="fields">
        <div>
          <dt>Flows</dt>
          <dd>{edge.flows}</dd>
        </div>
        <div>
          <dt>Enforced</dt>
          <dd>
            {edge.enforced.allowed} allowed · {edge.enforced.denied} denied
          </dd>
        </div>
        <div>
          <dt>Pending</dt>
          <dd>
            {edge.pending.allowed} allowed · {edge.pending.denied} denied
          </dd>
        </div>
      </dl>
      {href && (
        <Link to={href} data-testid="graph-edge-flows">
          Show these flows →
        </Link>
      )}
    </div>
  );
}
