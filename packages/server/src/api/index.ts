// Verdict's REST API (/api/v1): flows, stream, explanations, tiers, statistics, graph, summary.

export { openApiDocument } from './openapi.ts';
export type { ApiDeps } from './routes.ts';
export { createApiRoutes } from './routes.ts';
export type * from './types.ts';
