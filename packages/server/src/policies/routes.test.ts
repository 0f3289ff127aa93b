import { demoClusterFiles } from '@verdict/demo';
import { createEvaluator, loadResources } from '@verdict/engine';
import { describe, expect, it } from 'vitest';
import { createPolicyRoutes } from './routes.ts';

const STAGED_DENY = `
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: application.lockdown, namespace: data}
spec:
  tier: application
  order: 1
  selector: all()
  ingress: [{action: Deny}]
`;

function setUp() {
  const evaluator = createEvaluator(loadResources(demoClusterFiles()).state);
  const app = createPolicyRoutes({ evaluator: () => evaluator, log: { error() {} } });
  const pod = evaluator.state.pods.find((p) => p.namespace === 'data' && p.labels.app === 'postgres');
  const client = evaluator.state.pods.find((p) => p.namespace === 'shop' && p.labels.app === 'orders');
  if (!pod || !client) throw new Error('demo cluster changed: no data/postgres or shop/orders pod');
  const pending = () => {
    const result = evaluator.evaluate({
      source: { namespace: client.namespace, name: client.name },
      destination: { namespace: pod.namespace, name: pod.name },
      protocol: 'TCP',
      destPort: 5432,
    });
    return result.ok ? [result.value.enforced.action, result.value.pending.action] : result.error.message;
  };
  return { app, pending };
}

describe('applying staged policies to the cluster state', () => {
  it('a staged policy posted as YAML changes pending verdicts at once, and DELETE takes it back', async () => {
    const { app, pending } = setUp();
    expect(pending()).toEqual(['Allow', 'Allow']);
    const posted = await app.request('/policies', { method: 'POST', body: STAGED_DENY });
    const body = (await posted.json()) as { issues: unknown[] };
    expect(body).toMatchObject({
      applied: [{ kind: 'StagedNetworkPolicy', namespace: 'data', name: 'application.lockdown' }],
    });
    expect(pending()).toEqual(['Allow', 'Deny']);
    expect(body.issues).toEqual([]); // no "tier application is not defined": the cluster has it
    const deleted = await app.request('/policies/StagedNetworkPolicy/data/application.lockdown', { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(pending()).toEqual(['Allow', 'Allow']);
  });

  it('invalid YAML is refused with positioned issues and changes nothing', async () => {
    const { app, pending } = setUp();
    const response = await app.request('/policies', { method: 'POST', body: STAGED_DENY.replace('all()', 'all(') });
    const body = (await response.json()) as { error: { code: string; issues: { line: number; path: string }[] } };
    expect(response.status).toBe(400);
    expect(body.error.code).toBe('invalid-policies');
    expect(body.error.issues[0]).toMatchObject({ line: 8, path: 'spec.selector' });
    expect(pending()).toEqual(['Allow', 'Allow']);
    expect((await app.request('/policies/Nope/data/x', { method: 'DELETE' })).status).toBe(400);
    expect((await app.request('/policies/NetworkPolicy/data/none', { method: 'DELETE' })).status).toBe(404);
  });
});
