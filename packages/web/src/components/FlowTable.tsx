// Virtualized flow table: react-table owns columns (order, visibility), react-virtual owns rows.
// An ARIA grid of divs (absolutely positioned rows cannot be a <table>); the scrolling row group is the
// one tab stop and rows are driven by page-level keys, so rows and cells are not tab stops (biome.json).
import {
  type ColumnOrderState,
  type ColumnVisibilityState,
  columnOrderingFeature,
  columnVisibilityFeature,
  createColumnHelper,
  tableFeatures,
  useTable,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ApiFlow } from '../api/types.ts';
import { COLUMN_IDS, COLUMN_LABELS, type ColumnId, type ColumnPrefs } from '../data/columns.ts';
import { flowKey } from '../data/flowBuffer.ts';
import { displayName, displayNamespace, formatBytes, formatIps, formatTime, reporterLabel } from '../data/format.ts';
import { anchoredScrollTop, captureAnchor, type ScrollAnchor } from '../data/scrollAnchor.ts';
import { decidingPolicyName, type SortColumn, type SortState } from '../data/sort.ts';
import { ActionBadge, VerdictChange } from './common.tsx';

export const ROW_HEIGHT = 32;

const features = tableFeatures({ columnVisibilityFeature, columnOrderingFeature });
const helper = createColumnHelper<typeof features, ApiFlow>();

const WIDTHS: Record<ColumnId, string> = {
  startTime: '108px',
  endTime: '100px',
  action: 'minmax(120px, 0.9fr)',
  pendingAction: '132px',
  sourceNamespace: 'minmax(140px, 1fr)',
  sourceName: 'minmax(140px, 1.5fr)',
  destNamespace: 'minmax(130px, 1fr)',
  destName: 'minmax(140px, 1.5fr)',
  proto: '84px',
  destPort: '68px',
  reporter: '100px',
  policy: 'minmax(120px, 1.2fr)',
  destService: 'minmax(120px, 1fr)',
  packets: '84px',
  bytes: '96px',
  connections: '96px',
  sourceLabels: 'minmax(160px, 1.5fr)',
  destLabels: 'minmax(160px, 1.5fr)',
  sourceIps: 'minmax(140px, 1fr)',
  destIps: 'minmax(140px, 1fr)',
};

/** Columns that sort on the value the column shows. */
const SORT_OF: Partial<Record<ColumnId, SortColumn>> = {
  startTime: 'startTime',
  endTime: 'endTime',
  action: 'action',
  pendingAction: 'pendingAction',
  sourceNamespace: 'sourceNamespace',
  sourceName: 'sourceName',
  destNamespace: 'destNamespace',
  destName: 'destName',
  proto: 'proto',
  destPort: 'destPort',
  reporter: 'reporter',
  policy: 'policy',
  destService: 'destService',
  packets: 'packets',
  bytes: 'bytes',
  connections: 'connections',
};

const RENDER: Record<ColumnId, (f: ApiFlow) => ReactNode> = {
  startTime: (f) => formatTime(f.startTime),
  endTime: (f) => formatTime(f.endTime),
  action: (f) =>
    f.action !== f.pendingAction ? (
      <VerdictChange from={f.action} to={f.pendingAction} />
    ) : (
      <ActionBadge action={f.action} />
    ),
  pendingAction: (f) => <ActionBadge action={f.pendingAction} />,
  sourceNamespace: (f) => displayNamespace(f.sourceNamespace),
  sourceName: (f) => displayName(f.sourceName),
  destNamespace: (f) => displayNamespace(f.destNamespace),
  destName: (f) => displayName(f.destName),
  proto: (f) => f.proto,
  destPort: (f) => f.destPort,
  reporter: (f) => reporterLabel(f.reporter),
  policy: (f) => decidingPolicyName(f),
  destService: (f) =>
    f.destServiceName && f.destServiceName !== '-'
      ? `${f.destServiceNamespace}/${f.destServiceName}:${f.destServicePortName || f.destServicePort}`
      : '',
  packets: (f) => f.packetsIn + f.packetsOut,
  bytes: (f) => formatBytes(f.bytesIn + f.bytesOut),
  connections: (f) => f.numConnectionsStarted,
  sourceLabels: (f) => f.sourceLabels.join(', '),
  destLabels: (f) => f.destLabels.join(', '),
  sourceIps: (f) => formatIps(f.sourceIps, f.sourceIpsBeyond),
  destIps: (f) => formatIps(f.destIps, f.destIpsBeyond),
};

const columns = COLUMN_IDS.map((id) =>
  helper.display({
    id,
    header: COLUMN_LABELS[id],
    cell: (info) => RENDER[id](info.row.original),
  }),
);

export interface FlowTableProps {
  rows: readonly ApiFlow[];
  prefs: ColumnPrefs;
  sort: SortState;
  onSort: (s: SortState) => void;
  selectedKey: string | null;
  cursor: number;
  onRowClick: (index: number, flow: ApiFlow) => void;
  /** Shown instead of rows when there are none. */
  empty: ReactNode;
  /** The quick search `rows` were filtered with; exposed as `data-query` so tests can tell when a search has rendered. */
  query: string;
}

export function FlowTable({
  rows,
  prefs,
  sort,
  onSort,
  selectedKey,
  cursor,
  onRowClick,
  empty,
  query,
}: FlowTableProps) {
  const columnVisibility = useMemo<ColumnVisibilityState>(
    () => Object.fromEntries(prefs.hidden.map((id) => [id, false])),
    [prefs.hidden],
  );
  const columnOrder = useMemo<ColumnOrderState>(() => prefs.order, [prefs.order]);
  const table = useTable({
    features,
    columns,
    data: rows as ApiFlow[],
    getRowId: (f) => flowKey(f),
    state: { columnVisibility, columnOrder },
  });
  const visible = table.getVisibleLeafColumns();
  const gridTemplateColumns = visible.map((c) => WIDTHS[c.id as ColumnId]).join(' ');

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => flowKey(rows[i]!),
    overscan: 12,
  });

  // Keep the rows the user is reading in place while new rows arrive above them.
  const keys = useMemo(() => rows.map(flowKey), [rows]);
  const indexByKey = useMemo(() => new Map(keys.map((k, i) => [k, i])), [keys]);
  const anchorRef = useRef<ScrollAnchor | null>(null);
  const keysRef = useRef(keys);
  const [newAbove, setNewAbove] = useState(0);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    keysRef.current = keys;
    if (!el) return;
    const anchor = anchorRef.current;
    const top = anchoredScrollTop(anchor, ROW_HEIGHT, (k) => indexByKey.get(k));
    if (top !== null && anchor && Math.abs(top - el.scrollTop) >= 1) {
      const moved = Math.round((top - el.scrollTop) / ROW_HEIGHT);
      el.scrollTop = top;
      if (moved > 0) setNewAbove((n) => n + moved);
    }
    anchorRef.current = captureAnchor(el.scrollTop, ROW_HEIGHT, keys);
  }, [keys, indexByKey]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    anchorRef.current = captureAnchor(el.scrollTop, ROW_HEIGHT, keysRef.current);
    if (el.scrollTop <= 0) setNewAbove(0);
  };

  useEffect(() => {
    if (cursor >= 0 && cursor < rows.length) virtualizer.scrollToIndex(cursor, { align: 'auto' });
  }, [cursor, rows.length, virtualizer]);

  const modelRows = table.getRowModel().rows;
  const items = virtualizer.getVirtualItems();

  return (
    <div className="flow-table" data-testid="flow-table" data-rows={rows.length} data-query={query}>
      {newAbove > 0 && (
        <button
          type="button"
          className="new-above"
          data-testid="new-rows-above"
          onClick={() => {
            scrollRef.current?.scrollTo({ top: 0 });
            setNewAbove(0);
          }}
        >
          ↑ {newAbove} new {newAbove === 1 ? 'flow' : 'flows'}
        </button>
      )}
      {/* An ARIA grid: the header is row 1, flow i is row i + 2; only the rows in view are in the DOM. */}
      <div
        className="flow-grid"
        role="grid"
        aria-label="Flows"
        aria-rowcount={rows.length + 1}
        aria-colcount={visible.length}
      >
        <div role="rowgroup">
          <div className="flow-row flow-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns }}>
            {visible.map((c) => {
              const sortCol = SORT_OF[c.id as ColumnId];
              const active = sortCol !== undefined && sort.column === sortCol;
              return (
                <div
                  key={c.id}
                  className="flow-cell"
                  role="columnheader"
                  aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                  data-sort={active ? sort.dir : undefined}
                >
                  {sortCol ? (
                    <button
                      type="button"
                      className="sort-button"
                      data-testid={`sort-${c.id}`}
                      onClick={() =>
                        onSort({
                          column: sortCol,
                          dir: active
                            ? sort.dir === 'asc'
                              ? 'desc'
                              : 'asc'
                            : sortCol === 'startTime'
                              ? 'desc'
                              : 'asc',
                        })
                      }
                    >
                      {COLUMN_LABELS[c.id as ColumnId]}
                      <span className="sort-mark" aria-hidden="true">
                        {active ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                      </span>
                    </button>
                  ) : (
                    COLUMN_LABELS[c.id as ColumnId]
                  )}
                </div>
              );
            })}
          </div>
        </div>
        <div
          className="flow-scroll"
          ref={scrollRef}
          onScroll={onScroll}
          data-testid="flow-scroll"
          role="rowgroup"
          // A keyboard user scrolls the rows here; j/k and the arrows move the cursor (useHotkeys).
          // biome-ignore lint/a11y/noNoninteractiveTabindex: axe scrollable-region-focusable
          tabIndex={0}
        >
          {rows.length === 0 ? (
            <div role="row" aria-rowindex={2}>
              <div role="gridcell" aria-colspan={visible.length}>
                {empty}
              </div>
            </div>
          ) : (
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {items.map((item) => {
                const row = modelRows[item.index];
                if (!row) return null;
                return (
                  <FlowRowView
                    key={row.id}
                    rowKey={row.id}
                    index={item.index}
                    start={item.start}
                    flow={row.original}
                    gridTemplateColumns={gridTemplateColumns}
                    cells={row.getVisibleCells().map((cell) => (
                      <div key={cell.id} className={`flow-cell col-${cell.column.id}`} role="gridcell">
                        <table.FlexRender cell={cell} />
                      </div>
                    ))}
                    selected={row.id === selectedKey}
                    cursor={item.index === cursor}
                    onClick={onRowClick}
                  />
                );
              })}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

/** The DOM id of flow row `index` (the grid's active descendant when it is the cursor). */
const rowDomId = (index: number) => `flow-row-${index}`;

interface FlowRowViewProps {
  rowKey: string;
  index: number;
  start: number;
  flow: ApiFlow;
  gridTemplateColumns: string;
  cells: ReactNode;
  selected: boolean;
  cursor: boolean;
  onClick: (index: number, flow: ApiFlow) => void;
}

function FlowRowView(p: FlowRowViewProps) {
  const differs = p.flow.action !== p.flow.pendingAction;
  const cls = [
    'flow-row',
    differs ? 'row-differs' : '',
    p.flow.action === 'Deny' ? 'row-deny' : '',
    p.selected ? 'row-selected' : '',
    p.cursor ? 'row-cursor' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: rows are driven by page-level keys (j/k/arrows, Enter, Esc)
    <div
      className={cls}
      id={rowDomId(p.index)}
      role="row"
      aria-rowindex={p.index + 2}
      aria-selected={p.selected}
      data-selected={p.selected}
      data-index={p.index}
      data-testid="flow-row"
      data-key={p.rowKey}
      data-action={p.flow.action}
      data-pending-action={p.flow.pendingAction}
      style={{ gridTemplateColumns: p.gridTemplateColumns, transform: `translateY(${p.start}px)`, height: ROW_HEIGHT }}
      onClick={() => p.onClick(p.index, p.flow)}
    >
      {p.cells}
    </div>
  );
}
