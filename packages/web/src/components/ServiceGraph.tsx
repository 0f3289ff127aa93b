// SVG service graph with pan (drag) and zoom (wheel). Nodes and edges are drawn in memoized layers
// once per data change; pan and zoom only rewrite the transform of one group element (no re-render).
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import type { GraphEdge } from '../api/types.ts';
import { displayNamespace } from '../data/format.ts';
import {
  type EdgeVerdict,
  edgeChanges,
  edgeGeometry,
  edgeKey,
  edgeVerdict,
  type GraphLayout,
  isGroupNode,
  nodeRadius,
  type PlacedNode,
} from '../data/graphLayout.ts';

export type VerdictMode = 'enforced' | 'pending';

export type GraphSelection = { kind: 'node'; id: string } | { kind: 'edge'; source: string; target: string } | null;

export interface ServiceGraphProps {
  layout: GraphLayout;
  edges: readonly GraphEdge[];
  mode: VerdictMode;
  selection: GraphSelection;
  onSelect: (s: GraphSelection) => void;
  /** Double click on a node (e.g. expand a namespace). */
  onOpen?: (id: string) => void;
}

interface View {
  x: number;
  y: number;
  k: number;
}

/** Labels are drawn when there are few nodes or once zoomed in this far. */
const LABEL_NODES = 60;
const LABEL_ZOOM = 0.9;

export function ServiceGraph({ layout, edges, mode, selection, onSelect, onOpen }: ServiceGraphProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const viewRef = useRef<SVGGElement>(null);
  const labelsRef = useRef<SVGGElement>(null);
  const view = useRef<View>({ x: 0, y: 0, k: 1 });
  const frame = useRef(0);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | null>(null);
  const alwaysLabels = layout.nodes.length <= LABEL_NODES;
  const callbacks = useRef({ onSelect, onOpen });
  callbacks.current = { onSelect, onOpen };

  // Writes the view to the DOM: one transform attribute and the labels' visibility.
  const apply = useRef(() => {});
  apply.current = () => {
    frame.current = 0;
    const v = view.current;
    viewRef.current?.setAttribute('transform', `translate(${v.x},${v.y}) scale(${v.k})`);
    labelsRef.current?.setAttribute('display', alwaysLabels || v.k > LABEL_ZOOM ? 'inline' : 'none');
  };
  /** Batches view changes to one DOM write per animation frame. */
  const setView = useCallback((v: View) => {
    view.current = v;
    if (!frame.current) frame.current = requestAnimationFrame(() => apply.current());
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  // Fit the graph when the layout changes and when the drawing area is resized (e.g. a side panel opens).
  useLayoutEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const fit = () => {
      const { width, height } = el.getBoundingClientRect();
      const b = layout.bounds;
      const k = Math.min((width || 800) / b.width, (height || 600) / b.height, 2);
      view.current = {
        k,
        x: (width || 800) / 2 - (b.x + b.width / 2) * k,
        y: (height || 600) / 2 - (b.y + b.height / 2) * k,
      };
      apply.current();
    };
    fit();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    return () => ro.disconnect();
  }, [layout]);

  // Wheel zoom around the pointer (non-passive so the page does not scroll).
  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      const v = view.current;
      const k = Math.min(8, Math.max(0.02, v.k * Math.exp(-e.deltaY * 0.0015)));
      setView({ k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [setView]);

  const selectedNode = selection?.kind === 'node' ? selection.id : null;
  const selectedPlaced = selectedNode === null ? undefined : layout.byId.get(selectedNode);

  return (
    // biome-ignore lint/a11y/useSemanticElements: an SVG drawing of focusable nodes; <fieldset> cannot hold it
    <svg
      ref={svgRef}
      className="graph"
      data-testid="graph-svg"
      data-nodes={layout.nodes.length}
      data-edges={edges.length}
      role="group"
      aria-label="Service graph"
      onPointerDown={(e) => {
        const v = view.current;
        drag.current = { x: e.clientX, y: e.clientY, vx: v.x, vy: v.y, moved: false };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) d.moved = true;
        if (d.moved) setView({ ...view.current, x: d.vx + dx, y: d.vy + dy });
      }}
      onPointerUp={(e) => {
        const d = drag.current;
        drag.current = null;
        if (!d || d.moved) return;
        // Clicks are delegated here (nodes and edges are many): a node, an edge, or the background.
        const target = e.target as Element;
        const node = target.closest?.('[data-id]');
        const edge = target.closest?.('[data-edge-source]');
        if (node) callbacks.current.onSelect({ kind: 'node', id: node.getAttribute('data-id') ?? '' });
        else if (edge) {
          callbacks.current.onSelect({
            kind: 'edge',
            source: edge.getAttribute('data-edge-source') ?? '',
            target: edge.getAttribute('data-edge-target') ?? '',
          });
        } else callbacks.current.onSelect(null);
      }}
      onDoubleClick={(e) => {
        const node = (e.target as Element).closest?.('[data-id]');
        if (node) callbacks.current.onOpen?.(node.getAttribute('data-id') ?? '');
      }}
      onKeyDown={(e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        const node = (e.target as Element).closest?.('[data-id]');
        if (!node) return;
        e.preventDefault();
        callbacks.current.onSelect({ kind: 'node', id: node.getAttribute('data-id') ?? '' });
      }}
      onPointerLeave={() => {
        drag.current = null;
      }}
    >
      <g ref={viewRef}>
        <ClusterLayer layout={layout} />
        <EdgeLayer layout={layout} edges={edges} mode={mode} selection={selection} />
        <NodeLayer layout={layout} selected={selectedNode} />
        <g ref={labelsRef}>
          <LabelLayer layout={layout} />
        </g>
        {selectedPlaced && <NodeLabel n={selectedPlaced} />}
      </g>
    </svg>
  );
}

const ClusterLayer = memo(function ClusterLayer({ layout }: { layout: GraphLayout }) {
  return (
    <g className="clusters">
      {layout.clusters.map((c) =>
        c.collapsed ? null : c.r > 0 ? (
          <g key={c.namespace} className="cluster">
            <circle cx={c.x} cy={c.y} r={c.r} />
            <text x={c.x} y={c.y - c.r - 8} textAnchor="middle">
              {displayNamespace(c.namespace)}
            </text>
          </g>
        ) : (
          <g key={c.namespace} className="cluster" data-testid="graph-cluster" data-namespace={c.namespace}>
            <rect x={c.x - c.width / 2} y={c.y - c.height / 2} width={c.width} height={c.height} rx={8} />
            <text x={c.x - c.width / 2 + 6} y={c.y - c.height / 2 - 5}>
              {displayNamespace(c.namespace)}
            </text>
          </g>
        ),
      )}
    </g>
  );
});

const nodeName = (n: PlacedNode) => `${n.namespace && n.type !== 'other' ? `${n.namespace}/` : ''}${n.label}`;

const NodeLayer = memo(function NodeLayer({ layout, selected }: { layout: GraphLayout; selected: string | null }) {
  return (
    <g className="nodes">
      {layout.nodes.map((n) => (
        // biome-ignore lint/a11y/useSemanticElements: an SVG node cannot be an HTML <button>
        <g
          key={n.id}
          className={selected === n.id ? 'node node-selected' : 'node'}
          transform={`translate(${n.x},${n.y})`}
          data-testid="graph-node"
          data-id={n.id}
          data-type={n.type}
          role="button"
          tabIndex={0}
          aria-label={nodeName(n)}
        >
          <circle r={nodeRadius(n)} strokeDasharray={n.type === 'other' ? '3 3' : undefined} />
          <title>{`${nodeName(n)} (${n.type})`}</title>
        </g>
      ))}
    </g>
  );
});

function NodeLabel({ n }: { n: PlacedNode }) {
  return (
    <text x={n.x} y={n.y + (isGroupNode(n) ? 28 : 22)} textAnchor="middle">
      {n.label}
    </text>
  );
}

const LabelLayer = memo(function LabelLayer({ layout }: { layout: GraphLayout }) {
  return (
    <>
      {layout.nodes.map((n) => (
        <NodeLabel key={n.id} n={n} />
      ))}
    </>
  );
});

const EdgeLayer = memo(function EdgeLayer({
  layout,
  edges,
  mode,
  selection,
}: Omit<ServiceGraphProps, 'onSelect' | 'onOpen'>) {
  const hitAreas = edges.length <= 2000;
  const maxFlows = useMemo(() => edges.reduce((m, e) => Math.max(m, e.flows), 1), [edges]);
  const arrows: Record<EdgeVerdict, string[]> = { allow: [], deny: [], mixed: [], none: [] };
  const drawn = edges.map((e) => {
    const s = layout.byId.get(e.source);
    const t = layout.byId.get(e.target);
    if (!s || !t) return null;
    const verdict = edgeVerdict(mode === 'enforced' ? e.enforced : e.pending);
    const { d, arrow } = edgeGeometry(s, t, layout.routes.get(edgeKey(e.source, e.target)));
    arrows[verdict].push(arrow);
    return { e, d, verdict };
  });
  return (
    <g className="edges">
      {drawn.map((x) => {
        if (!x) return null;
        const { e, d, verdict } = x;
        const changes = edgeChanges(e);
        const selected = selection?.kind === 'edge' && selection.source === e.source && selection.target === e.target;
        const width = 1 + 2.5 * Math.sqrt(e.flows / maxFlows);
        return (
          <g
            key={`${e.source}\u0000${e.target}`}
            data-testid="graph-edge"
            data-edge-source={e.source}
            data-edge-target={e.target}
            data-verdict={verdict}
            data-changes={changes}
          >
            {hitAreas && <path d={d} className="edge-hit" />}
            <path
              d={d}
              className={`edge edge-${verdict}${changes ? ' edge-changes' : ''}${selected ? ' edge-selected' : ''}`}
              strokeWidth={width}
            />
          </g>
        );
      })}
      {(Object.keys(arrows) as EdgeVerdict[]).map((v) =>
        arrows[v].length > 0 ? (
          <path key={v} className={`arrow-${v}`} d={arrows[v].join(' ')} pointerEvents="none" />
        ) : null,
      )}
    </g>
  );
});
