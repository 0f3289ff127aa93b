// @verdict/cli: the `verdict` command.
export type { Io } from './run.ts';
export { createProgram, helpText, run } from './run.ts';
