import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type Io, run } from './run.ts';

async function script(shell: string): Promise<{ code: number; text: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdin: Readable.from([]),
    openFile: () => Readable.from([]),
  };
  const code = await run(['completion', shell], io);
  return { code, text: out.join('\n'), stderr: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'verdict-completion-'));

/** What bash offers after the typed words (the last one being completed), using the generated script. */
function bashCompletes(bashScript: string, ...typed: string[]): string[] {
  const path = join(dir, 'verdict.bash');
  writeFileSync(path, bashScript);
  const words = typed.map((word) => `'${word}'`).join(' ');
  const output = execFileSync(
    'bash',
    [
      '-c',
      `source "$1"; COMP_WORDS=(verdict ${words}); COMP_CWORD=${typed.length}; _verdict_completion; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      path,
    ],
    { encoding: 'utf8', cwd: dir },
  );
  return output.split('\n').filter(Boolean);
}

describe('verdict completion', () => {
  it('bash: commands, options of the command being typed, choices of an option value', async () => {
    const { code, text } = await script('bash');
    expect(code).toBe(0);
    expect(bashCompletes(text, 're')).toEqual(['rehearse', 'recommend']);
    expect(bashCompletes(text, 'serve', '--grpc-p')).toEqual(['--grpc-port']);
    expect(bashCompletes(text, 'trace', '-o', '')).toEqual(['text', 'json']);
    expect(bashCompletes(text, 'check', '--output', 'm')).toEqual(['markdown']);
    expect(bashCompletes(text, 'recommend', '--di')).toEqual(['--dialect']);
    expect(bashCompletes(text, 'completion', '')).toEqual(['bash', 'zsh']);
    // A trace option is not offered for another command.
    expect(bashCompletes(text, 'evaluate', '--what')).toEqual([]);
  });

  it('zsh: the script parses and registers a completion function for verdict', async () => {
    const { code, text } = await script('zsh');
    expect(code).toBe(0);
    const path = join(dir, '_verdict');
    writeFileSync(path, text);
    const registered = execFileSync(
      'zsh',
      ['-f', '-c', 'autoload -U compinit; compinit -u -D; source "$1"; print -r -- "$_comps[verdict]"', 'zsh', path],
      { encoding: 'utf8', cwd: dir },
    );
    expect(registered.trim()).toBe('_verdict');
    expect(text).toContain("'--what-if'");
    expect(text).toContain("'-o:value:(text json markdown)'");
  });

  it('an unknown shell is a usage error, exit 2', async () => {
    const { code, stderr } = await script('fish');
    expect(code).toBe(2);
    expect(stderr).toContain(
      "verdict completion: command-argument value 'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.",
    );
  });
});
