// The shipped package, tried as a user installs it: `npm run build` and `npm run pack` in the
// repository, then the tarballs installed into an empty folder offline (`npm ci --offline` with the
// install kit's lock file, from the tarballs and the npm cache), then the installed `verdict` and
// `kubectl-verdict` bins run with plain Node: no TypeScript, no tsx.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');
const folder = mkdtempSync(join(tmpdir(), 'verdict-pack-'));
const bin = join(folder, 'node_modules/.bin');
/** PATH with the installed bins first and no repository tools. */
const PATH = `${bin}:${process.env.PATH}`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(command: string, args: string[], cwd: string, input?: string): Promise<Ran> {
  return new Promise((done) => {
    const child = execFile(
      command,
      args,
      { cwd, env: { ...process.env, PATH }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => done({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function must(command: string, args: string[], cwd: string): Promise<Ran> {
  const ran = await sh(command, args, cwd);
  if (ran.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${ran.code}):\n${ran.stderr}${ran.stdout}`);
  return ran;
}

let server: ChildProcess | undefined;

beforeAll(async () => {
  // `npm run build` is build:web then build:js; `npm test` has built the UI already (pretest), and
  // rebuilding it here would empty packages/web/dist under the browser tests running beside this one.
  await must('npm', ['run', '-s', 'build:js'], repo);
  await must('npm', ['run', '-s', 'pack'], repo);
  cpSync(join(repo, 'build/tarballs'), folder, { recursive: true });
  await must('npm', ['ci', '--offline', '--no-audit', '--no-fund'], folder);
}, 1_800_000);

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

describe('npm pack → install offline in an empty folder → run', { timeout: 180_000 }, () => {
  it('installs only built JavaScript, the bins and the UI: no TypeScript sources and no tsx', () => {
    const modules = join(folder, 'node_modules');
    expect(existsSync(join(modules, 'tsx'))).toBe(false);
    expect(existsSync(join(modules, 'typescript'))).toBe(false);
    const verdict = join(modules, '@verdict');
    const packages = readdirSync(verdict);
    expect(packages).toEqual(expect.arrayContaining(['cli', 'engine', 'flows', 'server', 'web']));
    for (const name of packages) {
      const files = readdirSync(join(verdict, name), { recursive: true }) as string[];
      expect(
        files.filter((file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts')),
        name,
      ).toEqual([]);
    }
    const cli = JSON.parse(readFileSync(join(verdict, 'cli/package.json'), 'utf8'));
    expect(cli.bin).toEqual({ verdict: './dist/main.js', 'kubectl-verdict': './dist/kubectl.js' });
    expect(existsSync(join(verdict, 'web/dist/index.html'))).toBe(true);
  });

  it('verdict --help', async () => {
    const ran = await sh('verdict', ['--help'], folder);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('Usage: verdict <command> [options]');
    expect(ran.stdout).toMatch(/install +print the manifests/);
  });

  it('verdict evaluate: one verdict per flow line, from the repository example', async () => {
    const flows = readFileSync(join(repo, 'examples/quickstart/flows.ndjson'), 'utf8');
    const ran = await sh('verdict', ['evaluate', '--cluster', join(repo, 'examples/quickstart')], folder, flows);
    expect(ran.stderr).toBe('');
    const lines = ran.stdout.trim().split('\n');
    expect(lines).toHaveLength(flows.trim().split('\n').length);
    for (const line of lines) expect(JSON.parse(line).action).toMatch(/^(Allow|Deny)$/);
  });

  it('verdict serve: the API and the web UI from the installed @verdict/web, stopped by SIGTERM with exit 0', async () => {
    const child = spawn('verdict', ['serve', '--store', 'memory', '--http-port', '0', '--grpc-port', '-1'], {
      cwd: folder,
      env: { ...process.env, PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await new Promise<void>((ready, fail) => {
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Press Ctrl+C')) ready();
      });
      child.on('exit', () => fail(new Error(`verdict serve exited: ${stderr}`)));
    });
    const url = /Open the UI: +(http:\/\/\S+?)\/?\s/.exec(stdout)?.[1];
    expect(url).toBeDefined();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${url}${script}`)).status).toBe(200);
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    const summary = (await (await fetch(`${url}/api/v1/cluster/summary`)).json()) as Record<string, unknown>;
    expect(Object.keys(summary).length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = undefined;
  });

  it('kubectl finds the kubectl-verdict plugin on PATH and runs it', async () => {
    const list = await sh('kubectl', ['plugin', 'list'], folder);
    expect(list.stdout).toContain(join(bin, 'kubectl-verdict'));
    const help = await sh('kubectl', ['verdict', '--help'], folder);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Verdict as a kubectl plugin, on the current kubeconfig context');
    expect(help.stdout).toMatch(/open +port-forward to the in-cluster Verdict/);
    const traceHelp = await sh('kubectl', ['verdict', 'trace', '--help'], folder);
    expect(traceHelp.stdout).toContain('Usage: verdict trace');
  });
});
