// The `verdict` command tree on commander: options, generated help and completion come from it;
// every failure becomes a message and an exit code here (0 ok, 1 findings or failed lines, 2 bad usage).
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { DIALECTS } from '@verdict/api';
import { clusterReadRules } from '@verdict/cluster';
import { CALICO_VERSIONS, createEvaluator, DEFAULT_CALICO_VERSION } from '@verdict/engine';
import { SERVE_FLAGS } from '@verdict/server';
import { loadCluster, parseEndpoint } from './cluster.ts';
import { completionScript, SHELLS, type Shell } from './completion.ts';
import { dbCheckCommand, dbRepairCommand } from './db.ts';
import { coverageCommand, egressCommand } from './egress.ts';
import { evaluateStream } from './evaluate.ts';
import { insightsCommand } from './insights.ts';
import { EXPOSE_MODES, INSTALL_MODES, renderManifests } from './install.ts';
import { recommendCommand } from './recommend.ts';
import { rehearseCommand } from './rehearse.ts';
import { ingestCommand, serveCommand } from './serve.ts';
import { formatTrace, traceFlow } from './trace.ts';
import { UsageError } from './usage.ts';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: Readable;
  openFile: (path: string) => Readable;
  /** Width to wrap help at (a terminal's columns); 80 when absent. */
  columns?: number;
}

/** A whole number 0-65535. */
export function portNumber(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new InvalidArgumentError('expected a number 0-65535.');
  return Number(text);
}

/** This package's version (package.json sits one folder up from both src/ and dist/). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

function dnsLabel(text: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(text))
    throw new InvalidArgumentError('expected a namespace name: lower-case letters, digits and "-", at most 63.');
  return text;
}

function quantity(text: string): string {
  if (!/^[1-9]\d*(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(text))
    throw new InvalidArgumentError('expected a size such as 20Gi or 500Mi.');
  return text;
}

function hostPort(text: string): string {
  const port = /^[a-z0-9.-]+:(\d+)$/i.exec(text)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65535)
    throw new InvalidArgumentError('expected host:port, e.g. goldmane.calico-system.svc:7443.');
  return text;
}

const clusterOption = () =>
  new Option('-c, --cluster <files|dirs...>', 'cluster manifests: files or folders (repeatable)');

/** The Calico release whose behaviour to reproduce: which admin-policy API is enforced. */
const calicoVersionOption = () =>
  new Option(
    '--calico-version <version>',
    'Calico release to reproduce (ANP/BANP up to 3.31, ClusterNetworkPolicy from 3.32)',
  )
    .choices(CALICO_VERSIONS)
    .default(DEFAULT_CALICO_VERSION);

const SINCE_HELP = 'how far back to read flows: 30m, 24h, 7d';

/** `verdict serve`: every flag is declared by the server's configuration, which also checks the values. */
function serveProgram(): Command<[string[]], Record<string, unknown>> {
  const command = new Command('serve')
    .summary('run Verdict: ingest, store and serve flows, the UI and the APIs (no --cluster: the embedded demo)')
    .description(
      'Run Verdict: ingest, store and serve flows, the web UI, /api/v1, /whisker-backend, Goldmane gRPC, /metrics, /livez and /readyz.\nWithout --cluster, the embedded demo cluster with generated traffic.',
    )
    .argument('[files|dirs...]', 'cluster manifests, as with --cluster') as unknown as Command<
    [string[]],
    Record<string, unknown>
  >;
  for (const [name, flag] of Object.entries(SERVE_FLAGS)) {
    const value =
      flag.type === 'boolean' ? '' : flag.multiple ? ' <value...>' : flag.optionalValue ? ' [file]' : ' <value>';
    const shown = flag.default === undefined ? '' : ` (default: ${flag.default})`;
    command.addOption(new Option(`--${name}${value}`, `${flag.help}${shown} [${flag.env}]`));
    if (flag.type === 'boolean') command.addOption(new Option(`--no-${name}`, `turn off --${name}`));
  }
  command.addOption(new Option('--config <file>', 'YAML or JSON file of settings, e.g. "httpPort: 8080"'));
  command.addHelpText(
    'after',
    '\nPrecedence: flags, then VERDICT_* environment variables (shown in brackets), then the --config file, then defaults.',
  );
  return command;
}

/** Flag values keyed by flag name without `--` (as `resolveConfig` reads them). */
function valuesByFlag(command: { options: readonly Option[]; opts(): Record<string, unknown> }) {
  const opts = command.opts();
  const values: Record<string, unknown> = {};
  for (const option of command.options) {
    if (!option.long || option.negate) continue;
    const value = opts[option.attributeName()];
    if (value !== undefined) values[option.long.slice(2)] = value;
  }
  return values;
}

/** Builds the command tree; `setCode` receives each command's exit code. */
export function createProgram(io: Io, setCode: (code: number) => void = () => {}) {
  const program = new Command('verdict')
    .description('verdict: network flows with their policy verdicts, and policy changes rehearsed against them')
    .usage('<command> [options]')
    .configureOutput({
      writeOut: (text) => io.stdout(text.replace(/\n$/, '')),
      writeErr: (text) => io.stderr(text.replace(/\n$/, '')),
      getOutHelpWidth: () => io.columns ?? 80,
      getErrHelpWidth: () => io.columns ?? 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .configureHelp({ subcommandTerm: (command) => command.name() })
    .exitOverride();

  const serve = serveProgram();
  serve.action(async (paths, _options, command) => {
    const values = valuesByFlag(command);
    if (paths.length > 0) values.cluster = [...((values.cluster as string[] | undefined) ?? []), ...paths];
    setCode(await serveCommand(values, io));
  });
  program.addCommand(serve.copyInheritedSettings(program));

  program
    .command('ingest')
    .summary('send NDJSON flows (Goldmane Flow JSON or raw flows) to a running server')
    .description('Send NDJSON flows (Goldmane Flow JSON or raw flows) to a running server, in batches.')
    .argument('[file]', 'NDJSON file, - for standard input', '-')
    .option('--server <url>', 'the Verdict server', 'http://127.0.0.1:8080')
    .action(async (path, options) => {
      setCode(await ingestCommand(options.server, path === '-' ? io.stdin : io.openFile(path), io));
    });

  const db = program
    .command('db')
    .summary('check or repair the SQLite flow database (while no Verdict has it open)')
    .description('Check or repair the SQLite flow database; stop the Verdict that uses it first.');
  db.command('check')
    .summary('integrity check: exit 0 when sound, 1 when damaged')
    .description('Full integrity check of the file, read-only: exit 0 when sound, 1 when damaged.')
    .argument('<file>', 'the flow database, e.g. .verdict/verdict.db')
    .action((file) => {
      setCode(dbCheckCommand(file, io));
    });
  db.command('repair')
    .summary('copy every readable row into a fresh file; the damaged one is kept beside it')
    .description(
      'Copy every readable row into a fresh database, keep the damaged file as <file>.damaged-<time>, and put the copy in its place.',
    )
    .argument('<file>', 'the flow database, e.g. .verdict/verdict.db')
    .action((file) => {
      setCode(dbRepairCommand(file, io));
    });

  program
    .command('trace')
    .summary('explain one flow tier by tier, enforced and pending')
    .description('Explain one flow tier by tier, for enforced and pending policies, and what changes between them.')
    .argument('[files|dirs...]', 'cluster manifests, as with --cluster')
    .addOption(clusterOption())
    .requiredOption('--from <endpoint>', 'source: <namespace>/<pod>, an IP address or hep:<host endpoint>')
    .requiredOption('--to <endpoint>', 'destination: <namespace>/<pod>, an IP address or hep:<host endpoint>')
    .requiredOption('-p, --port <n>', 'destination port', portNumber)
    .option('--protocol <name>', 'TCP, UDP, SCTP, ICMP or a number', 'TCP')
    .option('--what-if', 'also evaluate the what-if scope (staged Set replaces, staged Delete removes)')
    .addOption(calicoVersionOption())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'] as const).default('text'))
    .action(async (paths, options) => {
      const cluster = loadCluster([...(options.cluster ?? []), ...paths], io.stderr, options.calicoVersion);
      const evaluator = createEvaluator(cluster);
      const report = traceFlow(
        evaluator,
        {
          source: parseEndpoint(options.from, '--from'),
          destination: parseEndpoint(options.to, '--to'),
          protocol: options.protocol,
          destPort: options.port,
        },
        options.whatIf === true,
      );
      io.stdout(options.output === 'json' ? JSON.stringify(report, null, 2) : formatTrace(report));
      setCode(0);
    });

  program
    .command('evaluate')
    .summary('evaluate NDJSON flows in batch: one verdict line per flow line')
    .description(
      'Evaluate NDJSON flows in batch: one JSON verdict line per flow line, in order; a bad line gives an error line and exit code 1.',
    )
    .argument('[files|dirs...]', 'cluster manifests, as with --cluster')
    .addOption(clusterOption())
    .option('-f, --flows <file>', 'NDJSON flows, - for standard input', '-')
    .addOption(calicoVersionOption())
    .action(async (paths, options) => {
      const cluster = loadCluster([...(options.cluster ?? []), ...paths], io.stderr, options.calicoVersion);
      const evaluator = createEvaluator(cluster);
      const input = options.flows === '-' ? io.stdin : io.openFile(options.flows);
      setCode((await evaluateStream(evaluator, input, io.stdout)) === 0 ? 0 : 1);
    });

  for (const check of [false, true]) {
    const command = program.command(check ? 'check' : 'rehearse');
    if (check) {
      command
        .summary('rehearse for CI: exit 0 when no allowed flow would be denied, 1 when some would, 2 on bad input')
        .description(
          'Rehearse for CI: exit 0 when no allowed flow would be denied, 1 when some would (listed), 2 on bad input.',
        );
    } else {
      command
        .summary('the impact of a policy change set on recorded flows: newly denied, newly allowed, unused rules')
        .description(
          'The impact of a policy change set on recorded flows: newly denied, newly allowed, unused rules.\nFlows come from a running server (default), a SQLite file (--db) or an NDJSON file (--flows); without --cluster, --db and --flows use the embedded demo cluster.',
        );
    }
    command
      .option('--change <files...>', 'change set YAML (staged, edited or deleted policies; repeatable)')
      .option('--since <duration>', `${SINCE_HELP} (default: 24h; all of an NDJSON file)`)
      .option('--server <url>', 'a running Verdict server (default: http://127.0.0.1:8080)')
      .option('--db <file>', 'a SQLite store written by verdict serve')
      .option('-f, --flows <file>', 'NDJSON flows, - for standard input')
      .addOption(clusterOption())
      .option('--allow-breaking <selector...>', 'newly denied flows to these endpoints do not fail the check')
      .addOption(
        new Option('-o, --output <format>', 'output format')
          .choices(['text', 'json', 'markdown'] as const)
          .default('text'),
      )
      .action(async (options) => {
        setCode(await rehearseCommand(options, io, check));
      });
  }

  program
    .command('recommend')
    .summary('draft network policies for a namespace or workload from recorded flows, with rationale and coverage')
    .description(
      'Draft least-privilege network policies for a namespace or workload from recorded flows, with the flows behind every rule.\nCalico drafts are StagedNetworkPolicies unless --enforced. With --db and no --cluster, the embedded demo cluster.',
    )
    .requiredOption('-n, --namespace <ns>', 'the namespace to draft policies for')
    .option('-w, --workload <name>', 'only this workload')
    .option('--since <duration>', SINCE_HELP, '24h')
    .addOption(
      new Option('--dialect <dialect>', 'policy dialect (cnp: ClusterNetworkPolicy guardrails in the Baseline tier)')
        .choices(DIALECTS)
        .default('calico'),
    )
    .option('--tier <tier>', 'Calico tier of the drafts')
    .option('--enforced', 'draft enforced policies instead of staged ones')
    .option('--server <url>', 'a running Verdict server (default: http://127.0.0.1:8080)')
    .option('--db <file>', 'a SQLite store written by verdict serve')
    .addOption(clusterOption())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json'] as const).default('yaml'))
    .action(async (options) => {
      setCode(await recommendCommand(options, io));
    });

  program
    .command('insights')
    .summary('findings: policies that select nothing, unreachable and unused rules, staged denies, DNS, egress, scans')
    .description(
      'Findings over a cluster and its flows, each with evidence and a fix (a change set verdict rehearse accepts).\nOffline: --cluster manifests (default: the embedded demo) and --flows NDJSON (raw flows or Goldmane Flow JSON); online: --server.',
    )
    .addOption(clusterOption())
    .option('-f, --flows <file>', 'NDJSON flows, - for standard input')
    .option('--server <url>', 'a running Verdict server (default: http://127.0.0.1:8080)')
    .option(
      '--since <duration>',
      `${SINCE_HELP}; the window before it is the baseline (default: 24h; all of an NDJSON file)`,
    )
    .option('--tenant-label <label>', 'namespace label that groups namespaces into tenants (default: tenant)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'] as const).default('text'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is this severe or more').choices([
        'high',
        'medium',
        'low',
      ] as const),
    )
    .action(async (options) => {
      setCode(await insightsCommand(options, io));
    });

  program
    .command('install')
    .summary('print the manifests that run Verdict in a cluster: verdict install | kubectl apply -f -')
    .description(
      'Print the manifests that run Verdict in a cluster, to pipe into kubectl apply -f -: a namespace with restricted Pod Security, a StatefulSet with a volume for the SQLite store, Services, a read-only ClusterRole for the resources Verdict watches, and a NetworkPolicy for Verdict itself.',
    )
    .addHelpText(
      'after',
      [
        '',
        '--mode, where flows come from:',
        "  tail-goldmane     stream from Calico's Goldmane (Secret verdict-goldmane-tls)",
        '  replace-goldmane  Felix pushes to Verdict over mTLS (Secret verdict-grpc-tls)',
        '  standalone        verdict ingest (gRPC on the pod loopback only)',
        '--expose, how the HTTP API and UI are reached:',
        '  port-forward      pod loopback only: kubectl verdict open; no tokens',
        '  none              pod network, in-cluster clients: bearer tokens from Secret verdict-auth;',
        '                    writes only with --allow-writes and a write token',
      ].join('\n'),
    )
    .option('--namespace <ns>', 'namespace to install into', dnsLabel, 'verdict')
    .addOption(new Option('--mode <mode>', 'where flows come from').choices(INSTALL_MODES).default('tail-goldmane'))
    .option('--storage <size>', 'size of the volume for the SQLite store', quantity, '20Gi')
    .addOption(
      new Option('--expose <how>', 'how the HTTP API and UI are reached').choices(EXPOSE_MODES).default('port-forward'),
    )
    .option('--image <ref>', 'container image built from the Containerfile', `verdict:${VERSION}`)
    .option(
      '--goldmane <host:port>',
      "Goldmane's gRPC address (tail-goldmane)",
      hostPort,
      'goldmane.calico-system.svc:7443',
    )
    .option('--allow-writes', 'with --expose none: let write tokens ingest, apply staged policies and promote')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json'] as const).default('yaml'))
    .action((options) => {
      io.stdout(renderManifests({ ...options, readRules: clusterReadRules(), version: VERSION }, options.output));
      setCode(0);
    });

  program
    .command('egress')
    .summary('external destinations of a namespace per workload, and a rehearsed egress lockdown')
    .description(
      'Every external destination each workload of the namespace used (network, port, flows, bytes), then a proposed lockdown: default-deny egress, NetworkSets of the aggregated CIDRs, DNS and API-server guardrails, rehearsed over the same flows.\nOffline: --cluster manifests (default: the embedded demo) and --flows NDJSON; online: --server.',
    )
    .requiredOption('-n, --namespace <ns>', 'the namespace to lock down')
    .addOption(clusterOption())
    .option('-f, --flows <file>', 'NDJSON flows (raw or Goldmane Flow JSON), - for standard input')
    .option('--server <url>', 'a running Verdict server, without --flows (default: http://127.0.0.1:8080)')
    .option('--since <duration>', `${SINCE_HELP}, with --server (default: 24h)`)
    .option(
      '--dns <file>',
      'NDJSON DNS answers: {"name": "<query name>", "addresses": ["<ip>", …]} per line (with --server: imported into the server first)',
    )
    .addOption(
      new Option(
        '--dialect <dialect>',
        'where the proposal may name domains: calico (addresses only) or calico-enterprise (NetworkSet allowedEgressDomains)',
      )
        .choices(['calico', 'calico-enterprise'] as const)
        .default('calico'),
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'yaml', 'json'] as const).default('text'),
    )
    .action(async (options) => {
      setCode(await egressCommand(options, io));
    });

  program
    .command('coverage')
    .summary('rollout progress: isolated workloads, flows decided by policy, staged policies waiting, trend')
    .description(
      'Per namespace and cluster-wide: the share of workloads isolated for ingress and egress, the share of flows decided by explicit policy, staged policies waiting and what they would deny, and the trend over the flows.\n-o html writes a self-contained, print-ready report. Offline: --cluster manifests (default: the embedded demo) and --flows NDJSON; online: --server (with the change log: since when workloads are isolated, which policies changed).',
    )
    .addOption(clusterOption())
    .option('-f, --flows <file>', 'NDJSON flows (raw or Goldmane Flow JSON), - for standard input')
    .option('--server <url>', 'a running Verdict server, without --flows (default: http://127.0.0.1:8080)')
    .option('--since <duration>', `${SINCE_HELP}, with --server (default: 7d)`)
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'html'] as const).default('text'),
    )
    .action(async (options) => {
      setCode(await coverageCommand(options, io));
    });

  program
    .command('completion')
    .summary('print a shell completion script: bash or zsh')
    .description(
      'Print a completion script for the shell.\n  bash: source <(verdict completion bash)\n  zsh:  source <(verdict completion zsh)',
    )
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS))
    .action((shell: Shell) => {
      io.stdout(completionScript(program, shell));
      setCode(0);
    });

  for (const command of program.commands) {
    const name = `verdict ${command.name()}`;
    command.configureOutput({
      outputError: (text, write) => write(text.replace(/^error: /, `${name}: `)),
    });
    command.showHelpAfterError(`(run "${name} --help" for usage)`);
  }
  program.configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'verdict: ')) });
  program.showHelpAfterError('(run "verdict --help" for usage)');
  return program;
}

/** The top-level help, as `verdict --help` prints it. */
export function helpText(): string {
  return createProgram({
    stdout: () => {},
    stderr: () => {},
    stdin: process.stdin,
    openFile: () => process.stdin,
  }).helpInformation();
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 findings or failed lines, 2 bad usage). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const program = createProgram(io, (value) => {
    code = value;
  });
  if (argv.length === 0) {
    io.stderr(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    if (error instanceof UsageError) {
      const name = commandName(program, argv);
      io.stderr(`verdict ${name}: ${error.message}\n(run "verdict ${name} --help" for usage)`);
      return 2;
    }
    throw error;
  }
}

function commandName(program: Command, argv: readonly string[]): string {
  const first = argv.find((arg) => !arg.startsWith('-'));
  return program.commands.find((command) => command.name() === first)?.name() ?? '';
}
