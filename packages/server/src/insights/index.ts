// Insights over HTTP.
export type { InsightsDeps } from './routes.ts';
export { createInsightsRoutes, DEFAULT_INSIGHTS_WINDOW } from './routes.ts';
