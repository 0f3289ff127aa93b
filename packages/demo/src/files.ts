import { readdirSync, readFileSync } from 'node:fs';

const CLUSTER_DIR = new URL('../cluster/', import.meta.url);

/** The order in which a user would `kubectl apply` the files; files not listed follow by name. */
const APPLY_ORDER = [
  'namespaces.yaml',
  'tiers.yaml',
  'nodes.yaml',
  'networksets.yaml',
  'workloads.yaml',
  'services.yaml',
  'policies-security.yaml',
  'policies-platform.yaml',
  'policies-application.yaml',
  'policies-kubernetes.yaml',
  'staged.yaml',
];

/**
 * The demo cluster's manifests (multi-document YAML), in apply order. `file` is the path from the
 * repository root, for messages.
 */
export function demoClusterFiles(): { file: string; text: string }[] {
  const rank = (name: string) => {
    const i = APPLY_ORDER.indexOf(name);
    return i === -1 ? APPLY_ORDER.length : i;
  };
  return readdirSync(CLUSTER_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => ({ file: `packages/demo/cluster/${name}`, text: readFileSync(new URL(name, CLUSTER_DIR), 'utf8') }));
}
