// Verdict's REST API (/api/v1): flows, stream, explanations, tiers, statistics, graph, summary.
// The wire shapes are @verdict/api's.
export type { ApiDeps } from './routes.ts';
export { createApiRoutes } from './routes.ts';
