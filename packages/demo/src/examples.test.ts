// Keeps examples/quickstart honest: its flows get the verdicts its README promises.
import { readFileSync } from 'node:fs';
import { createEvaluator, type FlowQuery, loadResources } from '@verdict/engine';
import { describe, expect, it } from 'vitest';

const QUICKSTART = new URL('../../../examples/quickstart/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, QUICKSTART), 'utf8');

/** The table in examples/quickstart/README.md, in flows.ndjson order. */
const PROMISED = [
  { enforced: 'Allow', pending: 'Allow', decidedBy: 'NetworkPolicy db/postgres-allow-api' },
  { enforced: 'Deny', pending: 'Deny', decidedBy: 'EndOfTier default' },
  { enforced: 'Deny', pending: 'Deny', decidedBy: 'GlobalNetworkPolicy security.baseline' },
  { enforced: 'Allow', pending: 'Deny', decidedBy: 'Profile kns.web' },
  { enforced: 'Allow', pending: 'Deny', decidedBy: 'Profile kns.web' },
];

describe('examples/quickstart', () => {
  const { state, issues } = loadResources([{ file: 'examples/quickstart/cluster.yaml', text: read('cluster.yaml') }]);
  const flows = read('flows.ndjson')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(
      (line) =>
        JSON.parse(line) as {
          source: FlowQuery['source'];
          destination: FlowQuery['destination'];
          protocol: string;
          port: number;
        },
    );

  it('loads without issues and has five flows', () => {
    expect(issues).toEqual([]);
    expect(state.pods.length).toBe(4);
    expect(flows.length).toBe(5);
  });

  it.each(flows.map((flow, i) => [i + 1, flow, PROMISED[i]!] as const))(
    'flow %i gets the verdicts the README promises',
    (_, flow, promised) => {
      const result = createEvaluator(state).evaluate({ ...flow, destPort: flow.port });
      if (!result.ok) throw new Error(result.error.message);
      const { enforced, pending } = result.value;
      expect({ enforced: enforced.action, pending: pending.action }).toEqual({
        enforced: promised.enforced,
        pending: promised.pending,
      });
      // The enforced verdict's deciding hit: the last hit of the side that decided.
      const side =
        enforced.action === 'Deny'
          ? enforced.egress?.action === 'Deny'
            ? enforced.egress
            : enforced.ingress
          : (enforced.ingress ?? enforced.egress);
      const last = side?.hits[side.hits.length - 1];
      const name =
        last?.kind === 'EndOfTier'
          ? `EndOfTier ${last.tier}`
          : `${last?.kind} ${last?.namespace ? `${last.namespace}/` : ''}${last?.name}`;
      expect(name).toBe(promised.decidedBy);
    },
  );
});
