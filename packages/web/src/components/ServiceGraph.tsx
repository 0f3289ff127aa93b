// SVG service graph with pan (drag) and zoom (wheel). Edges are drawn in one memoized layer so panning is cheap.
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { GraphEdge } from '../api/types.ts';
import { displayNamespace } from '../data/format.ts';
import { edgeChanges, edgeVerdict, type GraphLayout, type PlacedNode } from '../data/graphLayout.ts';

export type VerdictMode = 'enforced' | 'pending';

export type GraphSelection = { kind: 'node'; id: string } | { kind: 'edge'; source: string; target: string } | null;

export interface ServiceGraphProps {
  layout: GraphLayout;
  edges: readonly GraphEdge[];
  mode: VerdictMode;
  selection: GraphSelection;
  onSelect: (s: GraphSelection) => void;
}

interface View {
  x: number;
  y: number;
  k: number;
}

export function ServiceGraph({ layout, edges, mode, selection, onSelect }: ServiceGraphProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const [view, setView] = useState<View>({ x: 0, y: 0, k: 1 });
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | null>(null);

  // Fit the graph when the layout changes and when the drawing area is resized (e.g. a side panel opens).
  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const fit = () => {
      const { width, height } = el.getBoundingClientRect();
      const b = layout.bounds;
      const k = Math.min((width || 800) / b.width, (height || 600) / b.height, 2);
      setView({
        k,
        x: (width || 800) / 2 - (b.x + b.width / 2) * k,
        y: (height || 600) / 2 - (b.y + b.height / 2) * k,
      });
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
      setView((v) => {
        const k = Math.min(8, Math.max(0.05, v.k * Math.exp(-e.deltaY * 0.0015)));
        return { k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k };
      });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const showLabels = layout.nodes.length <= 60 || view.k > 0.9;
  const selectedNode = selection?.kind === 'node' ? selection.id : null;

  return (
    <svg
      ref={svgRef}
      className="graph"
      data-testid="graph-svg"
      role="img"
      aria-label="Service graph"
      onPointerDown={(e) => {
        drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) d.moved = true;
        if (d.moved) setView((v) => ({ ...v, x: d.vx + dx, y: d.vy + dy }));
      }}
      onPointerUp={(e) => {
        const d = drag.current;
        drag.current = null;
        if (!d || d.moved) return;
        // Clicks are delegated here (edges are many): a node, an edge, or the background.
        const target = e.target as Element;
        const node = target.closest?.('[data-id]');
        const edge = target.closest?.('[data-edge-source]');
        if (node) onSelect({ kind: 'node', id: node.getAttribute('data-id') ?? '' });
        else if (edge) {
          onSelect({
            kind: 'edge',
            source: edge.getAttribute('data-edge-source') ?? '',
            target: edge.getAttribute('data-edge-target') ?? '',
          });
        } else onSelect(null);
      }}
      onPointerLeave={() => {
        drag.current = null;
      }}
    >
      <defs>
        {(['allow', 'deny', 'mixed', 'none'] as const).map((v) => (
          <marker
            key={v}
            id={`arrow-${v}`}
            viewBox="0 0 10 10"
            refX="23"
            refY="5"
            markerUnits="userSpaceOnUse"
            markerWidth="8"
            markerHeight="8"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" className={`arrow-${v}`} />
          </marker>
        ))}
      </defs>
      <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
        {layout.clusters.map((c) => (
          <g key={c.namespace} className="cluster">
            <circle cx={c.x} cy={c.y} r={c.r} />
            <text x={c.x} y={c.y - c.r - 8} textAnchor="middle">
              {displayNamespace(c.namespace)}
            </text>
          </g>
        ))}
        <EdgeLayer layout={layout} edges={edges} mode={mode} selection={selection} />
        {layout.nodes.map((n) => (
          <NodeView
            key={n.id}
            n={n}
            selected={selectedNode === n.id}
            label={showLabels}
            onClick={() => onSelect({ kind: 'node', id: n.id })}
          />
        ))}
      </g>
    </svg>
  );
}

function NodeView({
  n,
  selected,
  label,
  onClick,
}: {
  n: PlacedNode;
  selected: boolean;
  label: boolean;
  onClick: () => void;
}) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: an SVG node cannot be an HTML <button>
    <g
      className={selected ? 'node node-selected' : 'node'}
      transform={`translate(${n.x},${n.y})`}
      data-testid="graph-node"
      data-id={n.id}
      role="button"
      tabIndex={0}
      aria-label={`${n.namespace ? `${n.namespace}/` : ''}${n.label}`}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onClick();
        }
      }}
    >
      <circle r={n.type === 'namespace' ? 14 : 9} />
      <title>{`${n.namespace ? `${n.namespace}/` : ''}${n.label} (${n.type})`}</title>
      {(label || selected) && (
        <text y={n.type === 'namespace' ? 28 : 22} textAnchor="middle">
          {n.label}
        </text>
      )}
    </g>
  );
}

const EdgeLayer = memo(function EdgeLayer({ layout, edges, mode, selection }: Omit<ServiceGraphProps, 'onSelect'>) {
  const hitAreas = edges.length <= 2000;
  const maxFlows = useMemo(() => edges.reduce((m, e) => Math.max(m, e.flows), 1), [edges]);
  return (
    <g className="edges">
      {edges.map((e) => {
        const s = layout.byId.get(e.source);
        const t = layout.byId.get(e.target);
        if (!s || !t) return null;
        const verdict = edgeVerdict(mode === 'enforced' ? e.enforced : e.pending);
        const changes = edgeChanges(e);
        const selected = selection?.kind === 'edge' && selection.source === e.source && selection.target === e.target;
        const d =
          s === t
            ? `M ${s.x} ${s.y} c 30 -40 60 0 0 0`
            : `M ${s.x} ${s.y} Q ${(s.x + t.x) / 2 + (t.y - s.y) * 0.12} ${(s.y + t.y) / 2 - (t.x - s.x) * 0.12} ${t.x} ${t.y}`;
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
              markerEnd={`url(#arrow-${verdict})`}
            />
          </g>
        );
      })}
    </g>
  );
});
