// @verdict/flows: the flow model, aggregation, stores, filters and streams.
export type * from './model.ts';
export type * from './store.ts';
