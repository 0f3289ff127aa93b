// @verdict/cli: the `verdict` command.
export type { Io } from './run.ts';
export { COMMANDS, helpText, run } from './run.ts';
