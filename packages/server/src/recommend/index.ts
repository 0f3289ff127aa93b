// Policy recommendations over HTTP.
export type { RecommendDeps } from './routes.ts';
export { createRecommendRoutes, DEFAULT_WINDOW_SECONDS } from './routes.ts';
