// Service graph at scale: what is drawn. The server folds the graph to the node budget
// (GET /api/v1/graph?limit=, the one folding rule in @verdict/flows/graph-fold, re-exported here);
// the page then draws at most `maxEdges` edges (the busiest; the rest counted, not drawn).
import type { GraphEdge } from '../api/types.ts';
import { compareEdges } from './graphLayout.ts';

export {
  type FoldedNodes,
  foldNodes,
  type Grouping,
  nodeTraffic,
  OTHER_NODE_ID,
  type ShownGraph,
  shapeGraph,
} from '@verdict/flows/graph-fold';

/** Default node budget; also the workload count above which "auto" shows namespaces. */
export const DEFAULT_MAX_NODES = 150;
/** Node budgets offered by the page; 0 = no limit. */
export const NODE_LIMITS = [50, 150, 300, 1000, 0] as const;
/** Edges drawn per node of the budget. */
export const EDGES_PER_NODE = 3;

export interface ThinnedEdges {
  /** The edges drawn, in (source, target) order. */
  edges: GraphEdge[];
  hiddenEdges: number;
  hiddenFlows: number;
}

/** Keeps the `maxEdges` busiest edges (0 = all; ties by source, target) and counts the rest. */
export function thinEdges(edges: readonly GraphEdge[], maxEdges: number): ThinnedEdges {
  if (maxEdges <= 0 || edges.length <= maxEdges) return { edges: edges.slice(), hiddenEdges: 0, hiddenFlows: 0 };
  const ranked = edges.slice().sort((a, b) => b.flows - a.flows || compareEdges(a, b));
  let hiddenFlows = 0;
  for (let i = maxEdges; i < ranked.length; i++) hiddenFlows += ranked[i]!.flows;
  return { edges: ranked.slice(0, maxEdges).sort(compareEdges), hiddenEdges: ranked.length - maxEdges, hiddenFlows };
}
