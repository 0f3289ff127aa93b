// The commands of `kubectl verdict`: `open` port-forwards to the in-cluster Verdict and prints the UI
// address; `check` and `recommend` run against it through a port-forward; `trace` reads the cluster
// state with `kubectl get`. kubectl does the talking, so the current context and credentials apply.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from '@commander-js/extra-typings';
import { WATCHED_KINDS } from '@verdict/cluster';
import { INSTALL_LAYOUT } from './install.ts';
import { type Io, run } from './run.ts';
import { UsageError } from './usage.ts';

/** Options for kubectl itself, taken from anywhere on the command line (kubectl does not pass its own to plugins). */
interface KubectlTarget {
  /** `--context`, `--kubeconfig` for every kubectl call. */
  flags: string[];
  /** The namespace Verdict is installed in. */
  namespace: string;
}

const PASSED_TO_KUBECTL = ['--context', '--kubeconfig'];

function splitTarget(argv: readonly string[]): { target: KubectlTarget; rest: string[] } {
  const target: KubectlTarget = { flags: [], namespace: 'verdict' };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    if (name !== undefined && (PASSED_TO_KUBECTL.includes(name) || name === '--verdict-namespace')) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${name}: give a value`);
      if (name === '--verdict-namespace') target.namespace = value;
      else target.flags.push(`${name}=${value}`);
    } else rest.push(arg);
  }
  return { target, rest };
}

/** A running `kubectl port-forward` to Verdict's HTTP Service. */
interface Forward {
  url: string;
  close: () => void;
}

function portForward(kubectl: string, target: KubectlTarget, localPort: number): Promise<Forward> {
  const child: ChildProcess = spawn(
    kubectl,
    [
      ...target.flags,
      '--namespace',
      target.namespace,
      'port-forward',
      'svc/verdict',
      `${localPort === 0 ? '' : localPort}:${INSTALL_LAYOUT.httpPort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port) {
        child.stdout?.off('data', onData);
        resolve({ url: `http://127.0.0.1:${port}`, close: () => child.kill('SIGTERM') });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new UsageError(`cannot run ${kubectl}: ${error.message}`)));
    child.on('exit', (code) =>
      reject(
        new UsageError(
          `kubectl port-forward to svc/verdict in namespace ${target.namespace} failed (exit ${code}): ${output.trim()}\n` +
            'Is Verdict installed there? verdict install | kubectl apply -f -  (or give --verdict-namespace)',
        ),
      ),
    );
  });
}

function kubectlText(kubectl: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectl, args, { maxBuffer: 1024 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout, stderr }),
    );
  });
}

/**
 * The cluster state as manifests, one `kubectl get` per watched kind (its first API group, the one
 * the engine reads); a kind whose API is absent is reported and left out, as the watcher does.
 */
async function clusterManifests(kubectl: string, target: KubectlTarget, io: Io): Promise<string> {
  const documents: string[] = [];
  for (const watched of WATCHED_KINDS) {
    const source = watched.sources[0];
    if (!source) continue;
    const resource = source.group === '' ? watched.plural : `${watched.plural}.${source.group}`;
    const result = await kubectlText(kubectl, [...target.flags, 'get', resource, '--all-namespaces', '-o', 'yaml']);
    if (result.ok) documents.push(result.stdout);
    else if (/the server doesn't have a resource type/.test(result.stderr)) io.stderr(`note: ${resource}: not served`);
    else throw new UsageError(`kubectl get ${resource} failed: ${result.stderr.trim()}`);
  }
  return documents.join('\n---\n');
}

/** Runs `kubectl verdict ...`; resolves to the exit code (as `verdict`: 0 ok, 1 findings, 2 bad usage). */
export async function runPlugin(argv: readonly string[], io: Io, kubectl = 'kubectl'): Promise<number> {
  let code = 0;
  const program = new Command('kubectl verdict')
    .description(
      'Verdict as a kubectl plugin, on the current kubeconfig context.\n' +
        'Every command also takes --context <name>, --kubeconfig <file> and --verdict-namespace <ns> (default: verdict).',
    )
    .usage('<command> [options]')
    .configureHelp({ subcommandTerm: (command) => command.name() })
    .configureOutput({
      writeOut: (text) => io.stdout(text.replace(/\n$/, '')),
      writeErr: (text) => io.stderr(text.replace(/\n$/, '')),
      getOutHelpWidth: () => io.columns ?? 80,
      getErrHelpWidth: () => io.columns ?? 80,
    })
    .exitOverride();

  let target: KubectlTarget;
  try {
    ({ target } = splitTarget(argv));
  } catch (error) {
    io.stderr(`kubectl verdict: ${(error as Error).message}`);
    return 2;
  }
  const rest = splitTarget(argv).rest;

  program
    .command('open')
    .description('port-forward to the in-cluster Verdict and print the UI address; Ctrl+C stops')
    .option('--port <n>', 'local port (default: a free one)', '0')
    .action(async (options) => {
      const forward = await portForward(kubectl, target, Number(options.port));
      io.stdout(`Verdict UI: ${forward.url}/  (namespace ${target.namespace}; Ctrl+C stops the port-forward)`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          forward.close();
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });

  for (const name of ['check', 'recommend'] as const) {
    program
      .command(name)
      .description(`verdict ${name} against the in-cluster Verdict, through a port-forward`)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(async (args) => {
        if (args.includes('--help') || args.includes('-h')) {
          code = await run([name, ...args], io);
          return;
        }
        const forward = await portForward(kubectl, target, 0);
        try {
          code = await run([name, ...args, '--server', forward.url], io);
        } finally {
          forward.close();
        }
      });
  }

  program
    .command('trace')
    .description('verdict trace on the cluster state read with kubectl get')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(async (args) => {
      if (args.includes('--help') || args.includes('-h')) {
        code = await run(['trace', ...args], io);
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'kubectl-verdict-'));
      try {
        const file = join(dir, 'cluster.yaml');
        writeFileSync(file, await clusterManifests(kubectl, target, io));
        code = await run(['trace', '--cluster', file, ...args], io);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

  try {
    if (rest.length === 0) {
      io.stderr(program.helpInformation());
      return 2;
    }
    await program.parseAsync(rest, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' ? 0 : 2;
    if (error instanceof UsageError) {
      io.stderr(`kubectl verdict: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
