// POST /api/v1/dns: DNS answers as NDJSON (`{"name": "api.example.com", "addresses": ["203.0.113.5"]}`
// per line), all or nothing: a body with one bad line stores nothing and names every bad line (up to
// 20). GET /api/v1/dns: what is held.
import { formatIp, parseIp } from '@verdict/engine';
import { Hono } from 'hono';
import { ApiError, respondWithError } from '../api/errors.ts';
import { readLines } from '../ingest/lines.ts';
import type { DnsAnswer, DnsAnswers } from './answers.ts';

export interface DnsLimits {
  /** Largest body, however it is framed. */
  maxBytes: number;
  /** Largest line. */
  maxLineBytes: number;
  /** Most addresses in one answer. */
  maxAddresses: number;
}

export const DEFAULT_DNS_LIMITS: DnsLimits = { maxBytes: 4 * 1024 * 1024, maxLineBytes: 64 * 1024, maxAddresses: 64 };

/** Problems listed in one reply. */
const MAX_REPORTED = 20;

export interface DnsDeps {
  answers: DnsAnswers;
  limits?: DnsLimits;
  log?: Pick<Console, 'error'>;
}

/** A DNS name as queried: at most 253 characters, labels of 1–63 letters, digits, `-` or `_`; a final dot is dropped. */
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

function queryName(value: unknown): string {
  if (typeof value !== 'string') return '';
  const name = value.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l))) return '';
  return name;
}

interface LineProblem {
  line: number;
  path: string;
  message: string;
}

/** One line as an answer, or the problem with it. */
function parseAnswer(text: string, line: number, limits: DnsLimits): DnsAnswer | LineProblem {
  const problem = (field: string, message: string): LineProblem => ({
    line,
    path: `line ${line}${field ? `.${field}` : ''}`,
    message: `line ${line}${field ? `: ${field}` : ''}: ${message}`,
  });
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return problem('', `invalid JSON (${(error as Error).message})`);
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return problem('', 'expected an object {"name": "<query name>", "addresses": ["<ip>", …]}');
  }
  const r = record as { name?: unknown; addresses?: unknown };
  const name = queryName(r.name);
  if (!name) {
    return problem(
      'name',
      `expected a DNS name (labels of letters, digits, "-" or "_", at most 253 characters), got ${JSON.stringify(r.name)?.slice(0, 80) ?? 'nothing'}`,
    );
  }
  if (!Array.isArray(r.addresses) || r.addresses.length === 0) {
    return problem('addresses', 'expected a non-empty list of IP addresses');
  }
  if (r.addresses.length > limits.maxAddresses) {
    return problem('addresses', `${r.addresses.length} addresses; at most ${limits.maxAddresses} per answer`);
  }
  const addresses: string[] = [];
  for (const [i, a] of r.addresses.entries()) {
    const ip = typeof a === 'string' ? parseIp(a) : undefined;
    if (!ip)
      return problem(`addresses[${i}]`, `expected an IPv4 or IPv6 address, got ${JSON.stringify(a)?.slice(0, 80)}`);
    addresses.push(formatIp(ip));
  }
  return { name, addresses: [...new Set(addresses)] };
}

/** Routes relative to /api/v1. */
export function createDnsRoutes(deps: DnsDeps): Hono {
  const limits = deps.limits ?? DEFAULT_DNS_LIMITS;
  const app = new Hono();
  app.onError(respondWithError(deps.log ?? console));

  app.post('/dns', async (c) => {
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > limits.maxBytes) {
      throw new ApiError(
        'too-large',
        `body: over ${limits.maxBytes} bytes; nothing was stored; split the answers into smaller posts`,
        'body',
      );
    }
    const answers: DnsAnswer[] = [];
    const problems: LineProblem[] = [];
    let bad = 0;
    const stop = await readLines(c.req.raw.body, limits, (text, line) => {
      const parsed = parseAnswer(text, line, limits);
      if ('message' in parsed) {
        bad++;
        if (problems.length < MAX_REPORTED) problems.push(parsed);
      } else answers.push(parsed);
    });
    if (stop?.code === 'too-large') {
      throw new ApiError(
        'too-large',
        `body: over ${stop.limit} bytes; nothing was stored; split the answers into smaller posts`,
        'body',
      );
    }
    if (stop?.code === 'line-too-long') {
      throw new ApiError(
        'line-too-long',
        `line ${stop.line}: over ${stop.limit} bytes; nothing was stored`,
        `line ${stop.line}`,
      );
    }
    if (stop?.code === 'aborted')
      throw new ApiError('invalid-dns-answers', 'body: the upload ended early; nothing was stored', 'body');
    if (bad > 0) {
      const first = problems[0] as LineProblem;
      throw new ApiError(
        'invalid-dns-answers',
        `${bad} of ${bad + answers.length} lines are not DNS answers; nothing was stored: ${problems.map((p) => p.message).join('; ')}${bad > problems.length ? '; …' : ''}`,
        first.path,
      );
    }
    if (answers.length === 0) {
      throw new ApiError(
        'invalid-dns-answers',
        'body: no answers; expected one {"name": …, "addresses": […]} per line',
        'body',
      );
    }
    let result: ReturnType<DnsAnswers['import']>;
    try {
      result = deps.answers.import(answers);
    } catch (error) {
      throw new ApiError('not-ready', `DNS answers not stored: ${(error as Error).message}`);
    }
    return c.json({ imported: result, held: deps.answers.summary() });
  });

  app.get('/dns', (c) => c.json(deps.answers.summary()));
  return app;
}
