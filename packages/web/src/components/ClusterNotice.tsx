// The header's cluster warning: a one-line summary that opens to one line per absent, failing or
// unsynced kind. Renders nothing when the cluster source is healthy.
import { clusterNotice } from '../data/clusterStatus.ts';
import { useClusterStatus } from '../hooks/useApi.ts';

export function ClusterNotice() {
  const notice = clusterNotice(useClusterStatus().data);
  if (!notice) return null;
  return (
    <details className="header-warning" data-testid="cluster-warnings">
      <summary>
        <span aria-hidden="true">⚠ </span>
        {notice.summary}
      </summary>
      <ul className="header-warning-list">
        {notice.details.map((d) => (
          <li key={d}>{d}</li>
        ))}
      </ul>
    </details>
  );
}
