// Regression tests for issue #12 "Clear errors" in the CLI's loaders: hostile YAML in real files is an
// input error (exit 2) with a message naming the file, the place and the limit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type Io, run } from './run.ts';

async function verdict(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    stdin: Readable.from(['']),
    openFile: () => Readable.from(['']),
  };
  const code = await run(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'verdict-yaml-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const bomb = file(
  'bomb.yaml',
  ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    .concat(
      ['b', 'c', 'd', 'e', 'f', 'g'].map((n, i) => `${n}: &${n} [${`*${'abcdef'[i]},`.repeat(8)}*${'abcdef'[i]}]`),
    )
    .join('\n'),
);
const deepFlow = file('deep-flow.yaml', `kind: NetworkPolicy\nspec: ${'['.repeat(3000)}${']'.repeat(3000)}\n`);
const deepBlock = file(
  'deep-block.yaml',
  `kind: NetworkPolicy\nspec:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}-`).join('\n')} x\n`,
);
const flows = file('flows.ndjson', '');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('#12 clear errors: hostile YAML in the CLI', () => {
  it('verdict check --change bomb.yaml exits 2 (an input error), not 1 ("would break")', async () => {
    const result = await verdict(['check', '--change', bomb, '--flows', flows]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bomb}:1:1: error [yaml-syntax]`);
    expect(result.stderr).toMatch(/Excessive alias count/);
  });

  it('verdict check --change with 3,000-level nesting exits 2 naming the limit and the place', async () => {
    const flow = await verdict(['check', '--change', deepFlow, '--flows', flows]);
    expect(flow.code).toBe(2);
    expect(flow.stderr).toContain(`${deepFlow}:2:106: error [yaml-syntax]: YAML nested deeper than 100 levels`);
    const block = await verdict(['check', '--change', deepBlock, '--flows', flows]);
    expect(block.code).toBe(2);
    expect(block.stderr).toContain(`${deepBlock}:102:101: error [yaml-syntax]: YAML nested deeper than 100 levels`);
  });

  it('cluster manifests with 3,000-level nesting are reported naming the file and place (verdict evaluate --cluster)', async () => {
    // The cluster loader reports a bad manifest and loads the rest (its contract); no stack overflow.
    const result = await verdict(['evaluate', '--cluster', deepBlock]);
    // Manifest files are named relative to the working directory.
    expect(result.stderr).toContain(
      `${relative(process.cwd(), deepBlock)}:102:101: error [yaml-syntax]: YAML nested deeper than 100 levels`,
    );
  });

  it('a serve --config file with 3,000-level nesting or an alias bomb exits 2 naming the file', async () => {
    for (const config of [deepFlow, bomb]) {
      const result = await verdict(['serve', '--config', config]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`verdict serve: ${config}: not valid YAML or JSON`);
    }
  });
});
