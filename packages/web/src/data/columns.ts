// Flow table columns: ids, labels, default order/visibility and the persisted chooser state.

export const COLUMN_IDS = [
  'startTime',
  'endTime',
  'action',
  'pendingAction',
  'sourceNamespace',
  'sourceName',
  'sourceIps',
  'destNamespace',
  'destName',
  'destIps',
  'proto',
  'destPort',
  'reporter',
  'policy',
  'destService',
  'packets',
  'bytes',
  'connections',
  'sourceLabels',
  'destLabels',
] as const;

export type ColumnId = (typeof COLUMN_IDS)[number];

export const COLUMN_LABELS: Record<ColumnId, string> = {
  startTime: 'Start time',
  endTime: 'End time',
  action: 'Action',
  pendingAction: 'Pending action',
  sourceNamespace: 'Source namespace',
  sourceName: 'Source',
  destNamespace: 'Dest namespace',
  destName: 'Destination',
  proto: 'Protocol',
  destPort: 'Port',
  reporter: 'Reporter',
  policy: 'Decided by',
  destService: 'Service',
  packets: 'Packets',
  bytes: 'Bytes',
  connections: 'Connections',
  sourceLabels: 'Source labels',
  destLabels: 'Dest labels',
  sourceIps: 'Source IPs',
  destIps: 'Dest IPs',
};

export const DEFAULT_HIDDEN: readonly ColumnId[] = [
  'destService',
  'packets',
  'bytes',
  'connections',
  'sourceLabels',
  'destLabels',
  'sourceIps',
  'destIps',
];

export interface ColumnPrefs {
  order: ColumnId[];
  hidden: ColumnId[];
}

export const COLUMNS_STORAGE_KEY = 'verdict-flow-columns-v1';

export const DEFAULT_COLUMN_PREFS: ColumnPrefs = { order: [...COLUMN_IDS], hidden: [...DEFAULT_HIDDEN] };

const isColumnId = (s: unknown): s is ColumnId =>
  typeof s === 'string' && (COLUMN_IDS as readonly string[]).includes(s);

/** Reads stored prefs leniently: unknown ids are dropped, new columns are appended (visible unless hidden by default). */
export function parseColumnPrefs(raw: string | null): ColumnPrefs {
  if (!raw) return DEFAULT_COLUMN_PREFS;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return DEFAULT_COLUMN_PREFS;
  }
  if (typeof v !== 'object' || v === null) return DEFAULT_COLUMN_PREFS;
  const o = v as { order?: unknown; hidden?: unknown; known?: unknown };
  const order = Array.isArray(o.order) ? [...new Set(o.order.filter(isColumnId))] : [];
  const hidden = Array.isArray(o.hidden) ? o.hidden.filter(isColumnId) : [];
  const known = new Set(Array.isArray(o.known) ? o.known.filter(isColumnId) : order);
  for (const id of COLUMN_IDS) {
    if (!order.includes(id)) {
      order.push(id);
      if (!known.has(id) && DEFAULT_HIDDEN.includes(id) && !hidden.includes(id)) hidden.push(id);
    }
  }
  return { order, hidden };
}

export function serializeColumnPrefs(p: ColumnPrefs): string {
  return JSON.stringify({ order: p.order, hidden: p.hidden, known: COLUMN_IDS });
}

export function moveColumn(p: ColumnPrefs, id: ColumnId, delta: -1 | 1): ColumnPrefs {
  const i = p.order.indexOf(id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= p.order.length) return p;
  const order = p.order.slice();
  order[i] = order[j]!;
  order[j] = id;
  return { ...p, order };
}

export function toggleColumn(p: ColumnPrefs, id: ColumnId): ColumnPrefs {
  return p.hidden.includes(id)
    ? { ...p, hidden: p.hidden.filter((h) => h !== id) }
    : { ...p, hidden: [...p.hidden, id] };
}
