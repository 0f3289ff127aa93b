// GET /graph.
import { z } from 'zod';

export const GRAPH_GROUPINGS = ['workload', 'namespace', 'auto'] as const;
/** Largest `limit` of GET /graph; 0 = no limit. */
export const MAX_GRAPH_LIMIT = 100_000;

export const graphNodeSchema = z.object({ id: z.string(), label: z.string(), namespace: z.string(), type: z.string() });

const allowedDenied = z.object({ allowed: z.int(), denied: z.int() });
export const graphEdgeSchema = z.object({
  source: z.string(),
  target: z.string(),
  flows: z.int(),
  enforced: allowedDenied,
  pending: allowedDenied,
});

/** How the answer was shaped from the listed flows. */
export const graphShapeSchema = z.object({
  totalNodes: z.int().meta({ description: 'Nodes before collapsing and folding.' }),
  collapsed: z.boolean().meta({ description: 'Workloads were shown as their namespaces.' }),
  folded: z.int().meta({ description: 'Nodes folded into the `other:` node.' }),
});

export const graphResponseSchema = z
  .object({
    nodes: z.array(graphNodeSchema),
    edges: z.array(graphEdgeSchema),
    shape: graphShapeSchema,
  })
  .meta({ id: 'Graph' });

export type GraphNode = z.infer<typeof graphNodeSchema>;
export type GraphEdge = z.infer<typeof graphEdgeSchema>;
export type GraphShape = z.infer<typeof graphShapeSchema>;
export type GraphResponse = z.infer<typeof graphResponseSchema>;
/** Nodes and edges; what graph folding works on. */
export type GraphData = Omit<GraphResponse, 'shape'>;
export type GraphGroup = 'workload' | 'namespace';
/** `group` of GET /graph: "auto" = workloads, or namespaces when there are more workloads than `limit`. */
export type GraphGrouping = (typeof GRAPH_GROUPINGS)[number];
