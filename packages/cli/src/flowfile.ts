// NDJSON flow files as the CLI reads them: Goldmane Flow JSON lines are taken as they are, raw flows
// are evaluated against the cluster. Bad lines are reported (the first ten) and skipped.
import { createInterface } from 'node:readline';
import type { Evaluator } from '@verdict/engine';
import { enrichRawFlow, type FlowResult } from '@verdict/flows';
import { parseFlowLine } from '@verdict/server';
import type { Io } from './run.ts';

/** Every flow of the file (`-` for standard input); a flow's id is its line number. */
export async function readFlowFile(path: string, evaluator: Evaluator, now: number, io: Io): Promise<FlowResult[]> {
  const input = path === '-' ? io.stdin : io.openFile(path);
  const flows: FlowResult[] = [];
  let bad = 0;
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNumber++;
    if (line.trim() === '') continue;
    const parsed = parseFlowLine(line, now);
    if (parsed.kind === 'error') {
      if (bad++ < 10) io.stderr(`${path}:${lineNumber}: ${parsed.message}`);
      continue;
    }
    if (parsed.kind === 'flow') {
      flows.push({ id: lineNumber, flow: parsed.flow });
      continue;
    }
    const enriched = enrichRawFlow(evaluator, parsed.raw);
    if (!enriched.ok) {
      if (bad++ < 10) io.stderr(`${path}:${lineNumber}: ${enriched.error.path}: ${enriched.error.message}`);
      continue;
    }
    for (const flow of enriched.flows) flows.push({ id: lineNumber, flow });
  }
  if (bad > 0) io.stderr(`${bad} flow lines skipped`);
  return flows;
}
