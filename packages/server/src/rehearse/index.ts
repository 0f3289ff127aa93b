// Rehearsals of policy change sets over stored flows, and promotion of staged policies.
export type { Rehearsal, RehearsalDeps } from './routes.ts';
export { createRehearsalRoutes } from './routes.ts';
