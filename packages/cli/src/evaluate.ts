// `verdict evaluate`: one JSON flow per input line, one JSON verdict per output line, in order.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type EndpointRef, type Evaluator, hitToWhiskerJson, type ScopeVerdict } from '@verdict/engine';

interface FlowLine {
  source: EndpointRef;
  destination: EndpointRef;
  protocol?: string | number;
  port: number;
}

/** Checks one parsed line; returns a message naming the field, or the flow. */
function readFlowLine(value: unknown): FlowLine | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const line = value as Record<string, unknown>;
  for (const side of ['source', 'destination'] as const) {
    const endpoint = line[side];
    if (typeof endpoint !== 'object' || endpoint === null) return `${side}: expected {"namespace", "name"} or {"ip"}`;
    const fields = endpoint as Record<string, unknown>;
    const isPod = typeof fields.namespace === 'string' && typeof fields.name === 'string';
    if (!isPod && typeof fields.ip !== 'string') return `${side}: expected {"namespace", "name"} or {"ip"}`;
  }
  if (typeof line.port !== 'number') return 'port: expected a number';
  if (line.protocol !== undefined && typeof line.protocol !== 'string' && typeof line.protocol !== 'number') {
    return 'protocol: expected a name such as "TCP" or a number';
  }
  return line as unknown as FlowLine;
}

/** All evaluated sides' hits, egress (source side) first. */
const hitsOf = (verdict: ScopeVerdict) =>
  [...(verdict.egress?.hits ?? []), ...(verdict.ingress?.hits ?? [])].map(hitToWhiskerJson);

export async function evaluateStream(
  evaluator: Evaluator,
  input: Readable,
  write: (line: string) => void,
): Promise<number> {
  let lineNumber = 0;
  let failures = 0;
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNumber++;
    if (text.trim() === '') continue;
    const fail = (message: string) => {
      failures++;
      write(JSON.stringify({ line: lineNumber, error: message }));
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      fail(`invalid JSON: ${(error as Error).message}`);
      continue;
    }
    const flow = readFlowLine(parsed);
    if (typeof flow === 'string') {
      fail(flow);
      continue;
    }
    const result = evaluator.evaluate({
      source: flow.source,
      destination: flow.destination,
      protocol: flow.protocol ?? 'TCP',
      destPort: flow.port,
    });
    if (!result.ok) {
      fail(`${result.error.path}: ${result.error.message}`);
      continue;
    }
    const { enforced, pending } = result.value;
    write(
      JSON.stringify({
        action: enforced.action,
        pending_action: pending.action,
        policies: { enforced: hitsOf(enforced), pending: hitsOf(pending) },
      }),
    );
  }
  return failures;
}
