// POST /api/v1/ingest: NDJSON read line by line as it arrives, under a hard byte limit.
import type { Flow, RawFlow } from '@verdict/flows';
import { StoreUnavailable } from '../health/store-health.ts';
import { readLines } from './lines.ts';
import { parseFlowLine } from './ndjson.ts';
import { IngestOverloaded, type IngestPipeline } from './pipeline.ts';

export interface IngestLimits {
  /** Largest body, however it is framed (Content-Length or chunked). */
  maxBytes: number;
  /** Largest single line. */
  maxLineBytes: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = { maxBytes: 64 * 1024 * 1024, maxLineBytes: 1024 * 1024 };

/** Line errors returned in one reply; the counts always cover every line. */
const MAX_REPORTED_ERRORS = 100;

export interface IngestLineError {
  line: number;
  code: 'invalid-flow' | 'out-of-range' | 'unresolved' | 'not-in-cluster';
  message: string;
}

export interface IngestReply {
  /** Flow records stored and durable (a raw flow gives one per reporting side). */
  stored: number;
  /** Lines not stored; each has a reason in `errors` (up to 100 of them). */
  rejected: number;
  errors: IngestLineError[];
}

const errorResponse = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Response.json({ error: { code, message } }, { status, headers });

/** A reply sent before the body was read to its end: the connection cannot be reused. */
const refusal = (code: string, message: string) => errorResponse(413, code, message, { connection: 'close' });

/**
 * Every bad line is reported with its number and a reason, the rest are stored. Nothing is stored
 * when the body breaks a limit (413) or the client goes away; nothing is acknowledged that was not
 * stored.
 */
export async function ingestNdjson(
  request: Request,
  pipeline: IngestPipeline,
  limits: IngestLimits = DEFAULT_INGEST_LIMITS,
  /** Told how many lines did not parse (they are rejected in the reply), for metrics. */
  onInvalid?: (count: number) => void,
): Promise<Response> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limits.maxBytes) {
    return refusal('too-large', `body: over ${limits.maxBytes} bytes; split the file into smaller posts`);
  }
  const now = Math.floor(Date.now() / 1000);
  const raws: RawFlow[] = [];
  const rawLines: number[] = [];
  const flows: Flow[] = [];
  const flowLines: number[] = [];
  const errors: IngestLineError[] = [];
  let invalid = 0;
  const stop = await readLines(request.body, limits, (text, line) => {
    const parsed = parseFlowLine(text, now);
    if (parsed.kind === 'error') {
      invalid++;
      if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, code: 'invalid-flow', message: parsed.message });
    } else if (parsed.kind === 'raw') {
      raws.push(parsed.raw);
      rawLines.push(line);
    } else {
      flows.push(parsed.flow);
      flowLines.push(line);
    }
  });
  if (stop?.code === 'too-large') {
    return refusal(
      'too-large',
      `body: over ${stop.limit} bytes (counted as it arrived); nothing was stored; split the file into smaller posts`,
    );
  }
  if (stop?.code === 'line-too-long') {
    return refusal(
      'line-too-long',
      `line ${stop.line}: over ${stop.limit} bytes; nothing was stored; one flow per line is far smaller`,
    );
  }
  if (stop?.code === 'aborted')
    return errorResponse(400, 'aborted', 'body: the upload ended early; nothing was stored');
  try {
    if (invalid > 0) onInvalid?.(invalid);
    const rawReport = await pipeline.submitRaw(raws, 'ndjson');
    const flowReport = await pipeline.submitFlows(flows, 'ndjson');
    const reported = [
      ...rawReport.errors.map((e) => ({ line: rawLines[e.index] ?? 0, code: e.code, message: e.message })),
      ...flowReport.errors.map((e) => ({ line: flowLines[e.index] ?? 0, code: e.code, message: e.message })),
    ];
    const all = [...errors, ...reported].sort((a, b) => a.line - b.line);
    const reply: IngestReply = {
      stored: rawReport.stored + flowReport.stored,
      rejected: invalid + rawReport.rejected + flowReport.rejected,
      errors: all.slice(0, MAX_REPORTED_ERRORS),
    };
    return Response.json(reply);
  } catch (error) {
    if (error instanceof IngestOverloaded) {
      return errorResponse(503, 'overloaded', error.message, { 'retry-after': '5' });
    }
    if (error instanceof StoreUnavailable) {
      return errorResponse(503, 'not-ready', `nothing of this post was acknowledged: ${error.message}`, {
        'retry-after': '10',
      });
    }
    throw error;
  }
}
