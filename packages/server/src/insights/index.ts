// Insights over HTTP.
export type { InsightsDeps } from './routes.ts';
export { createInsightsRoutes, DEFAULT_COVERAGE_WINDOW, DEFAULT_INSIGHTS_WINDOW } from './routes.ts';
