export type { PolicyRoutesDeps } from './routes.ts';
export { createPolicyRoutes } from './routes.ts';
