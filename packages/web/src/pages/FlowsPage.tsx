// Flow logs: the live (or fixed-range) flow table with filters, detail panel and keyboard navigation.
import { useCallback, useDeferredValue, useMemo, useRef, useState } from 'react';
import type { HintType } from '../api/types.ts';
import { ColumnChooser } from '../components/ColumnChooser.tsx';
import { StateMessage } from '../components/common.tsx';
import { FilterBar, type FilterError } from '../components/FilterBar.tsx';
import { FlowDetail } from '../components/FlowDetail.tsx';
import { FlowTable } from '../components/FlowTable.tsx';
import { FlowTimeline } from '../components/FlowTimeline.tsx';
import { StreamControls } from '../components/StreamControls.tsx';
import { flowKey } from '../data/flowBuffer.ts';
import { filterFieldOfPath, withFilter } from '../data/flowView.ts';
import { matchesQuickSearch, sortFlows } from '../data/sort.ts';
import { useExplain, useFilterHints, usePolicyChanges } from '../hooks/useApi.ts';
import { useFlowStream } from '../hooks/useFlowStream.ts';
import { useFlowView } from '../hooks/useFlowView.ts';
import { useHotkeys } from '../hooks/useHotkeys.ts';
import { useColumnPrefs } from '../hooks/usePrefs.ts';

export function FlowsPage() {
  const [view, setView] = useFlowView();
  const stream = useFlowStream(view.filters, view.start, view.end);
  const [prefs, setPrefs] = useColumnPrefs();
  const [hintReq, setHintReq] = useState<{ type: HintType; search: string } | null>(null);
  const hints = useFilterHints(hintReq?.type ?? null, hintReq?.search ?? '', view.filters);
  const searchRef = useRef<HTMLInputElement>(null);
  const [cursor, setCursor] = useState(-1);

  const q = useDeferredValue(view.q);
  const { rows: bufferRows } = stream.buffer;
  const rows = useMemo(() => {
    const searched = q ? bufferRows.filter((f) => matchesQuickSearch(f, q)) : bufferRows;
    return sortFlows(searched, view.sort);
  }, [bufferRows, q, view.sort]);

  const selected = useMemo(() => {
    if (!view.flow) return null;
    return bufferRows.find((f) => flowKey(f) === view.flow) ?? null;
  }, [bufferRows, view.flow]);
  const explain = useExplain(selected?.id ?? null);

  // The timeline's range in Unix seconds; a live view ends now.
  const now = Date.now() / 1000;
  const rangeFrom = view.start < 0 ? now + view.start : view.start;
  const rangeTo = view.end === 0 ? now : view.end;
  const changes = usePolicyChanges(rangeFrom);

  const openFlow = useCallback(
    (key: string | null) => setView((v) => ({ ...v, flow: key }), { replace: true }),
    [setView],
  );

  const move = (delta: number) => {
    if (rows.length === 0) return;
    const next = Math.max(0, Math.min(rows.length - 1, (cursor < 0 ? -1 : cursor) + delta));
    setCursor(next);
    if (view.flow) openFlow(flowKey(rows[next]!));
  };

  useHotkeys({
    j: () => move(1),
    k: () => move(-1),
    arrowdown: (e) => {
      e.preventDefault();
      move(1);
    },
    arrowup: (e) => {
      e.preventDefault();
      move(-1);
    },
    enter: () => {
      const f = rows[cursor];
      if (f) openFlow(flowKey(f));
    },
    escape: () => {
      if (view.flow) openFlow(null);
    },
    '/': (e) => {
      e.preventDefault();
      searchRef.current?.focus();
    },
    ' ': (e) => {
      e.preventDefault();
      if (stream.buffer.paused) stream.resume();
      else stream.pause();
    },
  });

  const filterError: FilterError | null =
    stream.error?.isBadRequest === true
      ? { field: filterFieldOfPath(stream.error.path), message: stream.error.message }
      : null;

  const hasFilters = Object.keys(view.filters).length > 0;
  const empty = (() => {
    if (filterError) {
      return (
        <StateMessage kind="error" title="The server rejected a filter" testId="state-bad-filter">
          {filterError.message} — fix the highlighted filter above, or{' '}
          <button type="button" className="link-button" onClick={() => setView((v) => ({ ...v, filters: {} }))}>
            clear all filters
          </button>
          .
        </StateMessage>
      );
    }
    if (stream.status === 'failed' || (stream.status === 'retrying' && stream.error)) {
      return (
        <StateMessage kind="error" title="Cannot reach the flow stream" testId="state-stream-error">
          {stream.error?.isNetwork || stream.error?.code === 'stream'
            ? 'Is `verdict serve` running and reachable from this browser? '
            : `${stream.error?.message ?? ''} `}
          {stream.status === 'retrying' ? 'Reconnecting automatically… ' : ''}
          <button type="button" className="link-button" onClick={stream.retry}>
            Retry now
          </button>
        </StateMessage>
      );
    }
    if (stream.status === 'connecting' || stream.status === 'loading-history') {
      return (
        <StateMessage
          kind="loading"
          title={stream.status === 'connecting' ? 'Connecting to the flow stream…' : 'Loading flows…'}
        />
      );
    }
    if (bufferRows.length > 0 && view.q) {
      return (
        <StateMessage
          kind="empty"
          title={`None of the ${bufferRows.length} loaded flows match “${view.q}”.`}
          testId="state-no-search-match"
        >
          <button
            type="button"
            className="link-button"
            onClick={() => setView((v) => ({ ...v, q: '' }), { replace: true })}
          >
            Clear the search
          </button>
        </StateMessage>
      );
    }
    if (hasFilters) {
      return (
        <StateMessage kind="empty" title="No flows match these filters yet" testId="state-no-match">
          {stream.status === 'live' ? 'Matching flows will appear here as they arrive. ' : ''}
          <button type="button" className="link-button" onClick={() => setView((v) => ({ ...v, filters: {} }))}>
            Clear filters
          </button>
        </StateMessage>
      );
    }
    if (stream.status === 'history') {
      return (
        <StateMessage kind="empty" title="No flows in this time range" testId="state-empty">
          Pick a wider range in “Time”.
        </StateMessage>
      );
    }
    return (
      <StateMessage kind="empty" title="Waiting for flows…" testId="state-waiting">
        No flows yet — is traffic flowing? The demo generates flows every 15 s.
      </StateMessage>
    );
  })();

  return (
    <div className={selected || view.flow ? 'flows-page with-panel' : 'flows-page'}>
      <div className="flows-main">
        <FilterBar
          view={view}
          onFilters={(filters) => setView((v) => ({ ...v, filters, flow: null }))}
          onRange={(start, end) => setView((v) => ({ ...v, start, end }))}
          onQuery={(text) => setView((v) => ({ ...v, q: text }), { replace: true })}
          hints={{
            type: hintReq?.type ?? null,
            values: hints.data?.values ?? [],
            loading: hints.loading,
            error: hints.error?.message ?? null,
          }}
          onHintRequest={(type, search) => setHintReq({ type, search })}
          error={filterError}
          searchRef={searchRef}
          counts={{ shown: rows.length, loaded: bufferRows.length }}
        />
        <FlowTimeline
          flows={bufferRows}
          changes={changes.data?.items ?? []}
          from={rangeFrom}
          to={rangeTo}
          live={view.end === 0}
        />
        <div className="table-toolbar">
          <StreamControls stream={stream} live={view.end === 0} shown={rows.length} />
          <ColumnChooser prefs={prefs} onChange={setPrefs} />
        </div>
        <FlowTable
          rows={rows}
          prefs={prefs}
          sort={view.sort}
          onSort={(sort) => setView((v) => ({ ...v, sort }), { replace: true })}
          selectedKey={view.flow}
          cursor={cursor}
          onRowClick={(i, f) => {
            setCursor(i);
            const k = flowKey(f);
            openFlow(view.flow === k ? null : k);
          }}
          empty={empty}
          query={q}
        />
      </div>
      {selected ? (
        <FlowDetail
          flow={selected}
          explain={explain}
          onClose={() => openFlow(null)}
          onFilterAddress={(side, ip) =>
            setView((v) => ({
              ...v,
              flow: null,
              filters: withFilter(v.filters, side === 'source' ? 'sourceCidrs' : 'destCidrs', [ip]),
            }))
          }
        />
      ) : view.flow ? (
        <aside className="side-panel" data-testid="flow-detail-missing">
          <StateMessage kind="empty" title="This flow is not loaded">
            It may be older than the time range or not match the filters.{' '}
            <button type="button" className="link-button" onClick={() => openFlow(null)}>
              Close
            </button>
          </StateMessage>
        </aside>
      ) : null}
    </div>
  );
}
