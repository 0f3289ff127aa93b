export type { ChangeRoutesDeps } from './routes.ts';
export { createChangeRoutes } from './routes.ts';
