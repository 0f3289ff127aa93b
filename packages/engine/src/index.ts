// @verdict/engine: selectors, policy resources, compile and evaluate.
export type * from './model.ts';
export type { Result } from './result.ts';
export { err, ok } from './result.ts';
