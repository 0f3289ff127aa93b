// whisker-backend-compatible HTTP API for Calico's Whisker UI.

export { parseFilters } from './filters.ts';
export type { FlowResponse, ListResponse, PolicyHitJson } from './response.ts';
export { flowResponse } from './response.ts';
export type { WhiskerConfigOptions, WhiskerRoutesOptions } from './routes.ts';
export { createWhiskerConfigRoutes, createWhiskerRoutes } from './routes.ts';
