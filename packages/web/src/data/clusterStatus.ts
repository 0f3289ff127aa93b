// What the header says about the cluster source: APIs the cluster does not serve, watches failing,
// and kinds not synced yet. Nothing when all is well (or the source is the demo or files).
import type { ClusterStatusResponse } from '../api/types.ts';

export interface ClusterNotice {
  /** One line for the header. */
  summary: string;
  /** One entry per kind, as the server words it. */
  details: string[];
  /** `warning` while a kind is absent, failing or syncing; the header shows nothing otherwise. */
  level: 'warning';
}

export function clusterNotice(status: ClusterStatusResponse | undefined): ClusterNotice | null {
  if (!status) return null;
  const syncing = status.kinds.filter((k) => k.state === 'listing');
  const details = [
    ...status.warnings,
    ...syncing
      .filter((k) => !status.warnings.some((w) => w.startsWith(`${k.kind}:`)))
      .map((k) => `${k.kind}: not synced yet`),
  ];
  if (details.length === 0 && status.ready) return null;
  const absent = status.kinds.filter((k) => k.state === 'absent').length;
  const failing = status.kinds.filter((k) => k.state === 'retrying').length;
  const parts: string[] = [];
  if (absent > 0) parts.push(`${absent} API${absent === 1 ? '' : 's'} absent`);
  if (failing > 0) parts.push(`${failing} watch${failing === 1 ? '' : 'es'} failing`);
  if (syncing.length > 0) parts.push(`${syncing.length} not synced`);
  if (parts.length === 0)
    parts.push(
      details.length > 0 ? `${details.length} cluster warning${details.length === 1 ? '' : 's'}` : 'not ready',
    );
  return { summary: `Cluster: ${parts.join(', ')}`, details, level: 'warning' };
}
