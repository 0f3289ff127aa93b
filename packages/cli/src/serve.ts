// `verdict serve` and `verdict ingest`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createLogger, isStartupError, type LogLevel, resolveConfig, startVerdict } from '@verdict/server';
import type { Io } from './run.ts';
import { UsageError } from './usage.ts';

export async function serveCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const configPath = values.config as string | undefined;
  let file: { name: string; text: string } | undefined;
  if (configPath) {
    try {
      file = { name: configPath, text: readFileSync(configPath, 'utf8') };
    } catch {
      throw new UsageError(`--config: cannot read ${configPath}`);
    }
  }
  const resolved = resolveConfig(values, process.env, file, webDir());
  if (!resolved.ok) {
    for (const error of resolved.errors) io.stderr(`verdict serve: ${error.where}: ${error.message}`);
    return 2;
  }
  const { config } = resolved;
  let running: Awaited<ReturnType<typeof startVerdict>>;
  try {
    running = await startVerdict(config, createLogger(config.logLevel as LogLevel));
  } catch (error) {
    if (!isStartupError(error)) throw error;
    io.stderr(`verdict serve: ${error.message}`);
    return 2;
  }
  io.stdout(
    [
      '',
      `  Verdict is running${config.kubeconfig !== undefined || config.inCluster ? ' on a live cluster' : config.cluster.length === 0 ? ' on the embedded demo cluster' : ''}.`,
      `  Open the UI:     ${running.httpUrl}/`,
      `  whisker-backend: ${running.httpUrl}/whisker-backend/flows`,
      `  REST API:        ${running.httpUrl}/api/v1/openapi.json`,
      `  Goldmane gRPC:   ${running.grpcAddress ?? 'off'}`,
      '',
      '  Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

/** The built UI of the installed `@verdict/web` package (in the repository: packages/web/dist). */
function webDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@verdict/web/package.json')), 'dist');
}

/** Lines per request, so one POST stays well under the server's body limit. */
const LINES_PER_REQUEST = 10_000;

interface IngestResponse {
  stored: number;
  rejected: number;
  errors: { line: number; message: string }[];
}

export async function ingestCommand(server: string, input: Readable, io: Io): Promise<number> {
  let chunk: string[] = [];
  let firstLine = 1;
  let lineNumber = 0;
  let stored = 0;
  let rejected = 0;
  const send = async () => {
    if (chunk.length === 0) return;
    let response: Response;
    try {
      response = await fetch(new URL('/api/v1/ingest', server), {
        method: 'POST',
        body: chunk.join('\n'),
        headers: { 'content-type': 'application/x-ndjson' },
      });
    } catch (error) {
      throw new UsageError(
        `--server: cannot reach ${server} (${(error as Error).message}); is "verdict serve" running?`,
      );
    }
    if (!response.ok) throw new UsageError(`--server: ${server} answered ${response.status}: ${await response.text()}`);
    const report = (await response.json()) as IngestResponse;
    stored += report.stored;
    rejected += report.rejected;
    for (const error of report.errors) io.stderr(`line ${error.line + firstLine - 1}: ${error.message}`);
    firstLine += chunk.length;
    chunk = [];
  };
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNumber++;
    chunk.push(line);
    if (chunk.length >= LINES_PER_REQUEST) await send();
  }
  await send();
  io.stdout(`${lineNumber} lines read, ${stored} flow records stored, ${rejected} lines rejected`);
  return rejected === 0 ? 0 : 1;
}
