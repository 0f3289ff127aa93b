// The `verdict` command: parses arguments and dispatches; every failure becomes a message and an exit code here.
import type { Readable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { createEvaluator } from '@verdict/engine';
import { SERVE_FLAGS } from '@verdict/server';
import { loadCluster, parseEndpoint } from './cluster.ts';
import { evaluateStream } from './evaluate.ts';
import { RECOMMEND_OPTIONS, RECOMMEND_USAGE, recommendCommand } from './recommend.ts';
import { REHEARSE_OPTIONS, rehearseCommand } from './rehearse.ts';
import { ingestCommand, serveCommand } from './serve.ts';
import { formatTrace, traceFlow } from './trace.ts';
import { UsageError } from './usage.ts';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: Readable;
  openFile: (path: string) => Readable;
}

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run: (values: Record<string, unknown>, positionals: string[], io: Io) => Promise<number>;
}

const clusterOption = { cluster: { type: 'string', multiple: true, short: 'c' } } as const;

export const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'run Verdict: ingest, store and serve flows, the UI and the APIs (no --cluster: the embedded demo)',
    usage:
      'verdict serve [--cluster <files|dirs>] [--store sqlite|memory] [--data-dir .verdict] [--db file] [--retention-days 7] [--http-host 127.0.0.1] [--http-port 8080] [--grpc-host 127.0.0.1] [--grpc-port 7443] [--grpc-tls-cert f --grpc-tls-key f [--grpc-tls-ca f]] [--demo-traffic] [--cors <origin>] [--log-level info] [--config verdict.yaml]\n  Every flag can also be set as VERDICT_<FLAG> (e.g. VERDICT_HTTP_PORT) or in the config file (e.g. httpPort: 8080).',
    options: { ...SERVE_FLAGS, config: { type: 'string' }, open: { type: 'boolean', default: false } },
    run: (values, positionals, io) =>
      serveCommand(
        positionals.length ? { ...values, cluster: [...((values.cluster as string[]) ?? []), ...positionals] } : values,
        io,
      ),
  },
  ingest: {
    summary: 'send NDJSON flows (Goldmane Flow JSON or raw flows) to a running server',
    usage: 'verdict ingest [--server http://127.0.0.1:8080] [file.ndjson|-]',
    options: { server: { type: 'string', default: 'http://127.0.0.1:8080' } },
    run: (values, positionals, io) => {
      const path = positionals[0] ?? '-';
      return ingestCommand(values.server as string, path === '-' ? io.stdin : io.openFile(path), io);
    },
  },
  trace: {
    summary: 'explain one flow tier by tier, enforced and pending',
    usage:
      'verdict trace --cluster <files|dirs...> --from <ns/pod|ip|hep:name> --to <ns/pod|ip|hep:name> --port <n> [--protocol TCP] [--what-if] [-o text|json]',
    options: {
      ...clusterOption,
      from: { type: 'string' },
      to: { type: 'string' },
      port: { type: 'string', short: 'p' },
      protocol: { type: 'string', default: 'TCP' },
      'what-if': { type: 'boolean', default: false },
      output: { type: 'string', short: 'o', default: 'text' },
    },
    async run(values, positionals, io) {
      const evaluator = createEvaluator(loadCluster(clusterPaths(values, positionals), io.stderr));
      const report = traceFlow(
        evaluator,
        {
          source: parseEndpoint(required(values, 'from'), '--from'),
          destination: parseEndpoint(required(values, 'to'), '--to'),
          protocol: values.protocol as string,
          destPort: portOf(values.port),
        },
        values['what-if'] === true,
      );
      io.stdout(outputFormat(values) === 'json' ? JSON.stringify(report, null, 2) : formatTrace(report));
      return 0;
    },
  },
  evaluate: {
    summary: 'evaluate NDJSON flows in batch: one verdict line per flow line',
    usage: 'verdict evaluate --cluster <files|dirs...> --flows <file.ndjson|->',
    options: { ...clusterOption, flows: { type: 'string', short: 'f', default: '-' } },
    async run(values, positionals, io) {
      const evaluator = createEvaluator(loadCluster(clusterPaths(values, positionals), io.stderr));
      const path = values.flows as string;
      const failures = await evaluateStream(evaluator, path === '-' ? io.stdin : io.openFile(path), io.stdout);
      return failures === 0 ? 0 : 1;
    },
  },
  rehearse: {
    summary: 'the impact of a policy change set on recorded flows: newly denied, newly allowed, unused rules',
    usage:
      'verdict rehearse --change change.yaml [--since 24h] [--server http://127.0.0.1:8080 | --db verdict.db [--cluster <files|dirs>] | --flows flows.ndjson [--cluster <files|dirs>]] [--allow-breaking <selector>] [-o text|json|markdown]\n  Without --cluster, --db and --flows use the embedded demo cluster.',
    options: REHEARSE_OPTIONS,
    run: (values, _positionals, io) => rehearseCommand(values, io, false),
  },
  check: {
    summary: 'rehearse for CI: exit 0 when no allowed flow would be denied, 1 when some would, 2 on bad input',
    usage:
      'verdict check --change change.yaml [--since 24h] [--server URL | --db file | --flows file.ndjson] [--cluster <files|dirs>] [--allow-breaking <selector>]... [-o text|json|markdown]',
    options: REHEARSE_OPTIONS,
    run: (values, _positionals, io) => rehearseCommand(values, io, true),
  },
  recommend: {
    summary: 'draft network policies for a namespace or workload from recorded flows, with rationale and coverage',
    usage: RECOMMEND_USAGE,
    options: RECOMMEND_OPTIONS,
    run: (values, _positionals, io) => recommendCommand(values, io),
  },
};

function clusterPaths(values: Record<string, unknown>, positionals: string[]): string[] {
  return [...((values.cluster as string[] | undefined) ?? []), ...positionals];
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function portOf(value: unknown): number {
  const port = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(
      `--port: expected a number 0-65535, got ${value === undefined ? 'nothing' : `"${String(value)}"`}`,
    );
  }
  return port;
}

function outputFormat(values: Record<string, unknown>): 'text' | 'json' {
  const output = values.output;
  if (output !== 'text' && output !== 'json')
    throw new UsageError(`-o: expected text or json, got "${String(output)}"`);
  return output;
}

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'verdict: network flows with their policy verdicts, and policy changes rehearsed against them',
    '',
    'Usage: verdict <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    'Run "verdict <command> --help" for the options of a command.',
  ].join('\n');
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 findings or failed lines, 2 bad usage). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(helpText());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`verdict: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`Usage: ${command.usage}`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`verdict ${name}: ${(error as Error).message}\nUsage: ${command.usage}`);
      return 2;
    }
    throw error;
  }
}
