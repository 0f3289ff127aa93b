// Snapshots of the public surface: `verdict --help` and every command's `--help`.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgram, type Io, run } from './run.ts';

async function help(args: string[]): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => out.push(text),
    stdin: Readable.from([]),
    openFile: () => Readable.from([]),
  };
  return { code: await run(args, io), stdout: out.join('\n') };
}

const silent: Io = { stdout: () => {}, stderr: () => {}, stdin: Readable.from([]), openFile: () => Readable.from([]) };
const COMMAND_NAMES = createProgram(silent).commands.map((command) => command.name());

describe('--help', () => {
  it('verdict --help exits 0 and lists every command', async () => {
    const result = await help(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchSnapshot();
  });

  it('verdict with no command prints the help and exits 2', async () => {
    const result = await help([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Usage: verdict <command> [options]');
  });

  it.each(COMMAND_NAMES)('verdict %s --help', async (name) => {
    const result = await help([name, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchSnapshot();
  });

  it('"verdict help <command>" prints the same as "verdict <command> --help"', async () => {
    expect((await help(['help', 'trace'])).stdout).toBe((await help(['trace', '--help'])).stdout);
  });
});
