// `npm run emulator [-- --port 6443] [manifest files or folders]`: a local Kubernetes API emulator
// holding the given manifests (default: the demo cluster), for trying `verdict serve --kubeconfig`
// without a cluster. Edit a file and the emulator applies the difference, so the watch, verdicts
// and the policy change log follow.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { readManifestFiles } from '../src/files.ts';
import { startApiEmulator } from './emulator.ts';
import { FULL_CLUSTER, servedResources } from './fixtures.ts';

const { values, positionals } = parseArgs({
  options: {
    port: { type: 'string', default: '6443' },
    kubeconfig: { type: 'string', default: '.verdict/emulator.kubeconfig' },
  },
  allowPositionals: true,
});
const paths = positionals.length > 0 ? positionals : ['packages/demo/cluster'];
const emulator = await startApiEmulator({ resources: servedResources(FULL_CLUSTER), port: Number(values.port) });
type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
const idOf = (o: Obj) => `${o.apiVersion}|${o.kind}|${o.metadata?.namespace ?? ''}|${o.metadata?.name ?? ''}`;

/** Every object in the manifests, keyed by identity, as JSON text to compare. */
function readObjects(): Map<string, { object: Obj; text: string }> {
  const objects = new Map<string, { object: Obj; text: string }>();
  for (const { file, text } of readManifestFiles(paths)) {
    for (const doc of parseAllDocuments(text)) {
      const value = doc.toJS() as Obj | null;
      if (!value || typeof value !== 'object' || !value.kind || !value.metadata?.name) continue;
      if (doc.errors.length > 0) console.error(`${file}: ${doc.errors[0]?.message}`);
      else objects.set(idOf(value), { object: value, text: JSON.stringify(value) });
    }
  }
  return objects;
}

let held = new Map<string, { object: Obj; text: string }>();
function sync(): void {
  let next: Map<string, { object: Obj; text: string }>;
  try {
    next = readObjects();
  } catch (error) {
    console.error((error as Error).message);
    return;
  }
  for (const [id, entry] of next) {
    if (held.get(id)?.text === entry.text) continue;
    try {
      emulator.apply(entry.object as Record<string, unknown>);
      if (held.size > 0)
        console.log(`${held.has(id) ? 'modified' : 'added'} ${entry.object.kind} ${entry.object.metadata?.name}`);
    } catch (error) {
      console.error(`skipped ${entry.object.kind} ${entry.object.metadata?.name}: ${(error as Error).message}`);
    }
  }
  for (const [id, { object }] of held) {
    if (next.has(id)) continue;
    emulator.remove(
      String(object.apiVersion),
      String(object.kind),
      object.metadata?.namespace,
      String(object.metadata?.name),
    );
    console.log(`deleted ${object.kind} ${object.metadata?.name}`);
  }
  held = next;
}

sync();
setInterval(sync, 1000);
mkdirSync(resolve(values.kubeconfig, '..'), { recursive: true });
emulator.writeKubeconfig(values.kubeconfig);
console.log(
  [
    '',
    `  Kubernetes API emulator at ${emulator.url}, holding ${held.size} objects from ${paths.join(', ')}.`,
    `  Kubeconfig: ${values.kubeconfig}`,
    '',
    '  In another terminal:',
    `    npm run verdict -- serve --kubeconfig ${values.kubeconfig} --demo-traffic`,
    '',
    '  Edit a manifest under the paths above: the emulator applies the change, Verdict follows the',
    '  watch, and the change appears in the UI and at /api/v1/changes.',
    '',
  ].join('\n'),
);
