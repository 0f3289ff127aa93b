// Every flow filter: Whisker's (namespaces, names, port/protocol, reporter, action, staged action, policy) plus
// label selectors, CIDRs, port ranges, "pending differs", time range and a quick search.
import { HIT_KINDS } from '@verdict/engine';
import { type ReactNode, type RefObject, useState } from 'react';
import type { HintType, HitAction, PolicyMatch, StringMatch, VerdictFilters } from '../api/types.ts';
import {
  type FilterField,
  type FlowView,
  formatPortRange,
  isCidr,
  parsePortRange,
  withFilter,
} from '../data/flowView.ts';
import { describeRange } from '../data/format.ts';
import { Popover } from './common.tsx';

export interface HintsView {
  type: HintType | null;
  values: readonly string[];
  loading: boolean;
  error: string | null;
}

export interface FilterError {
  field: FilterField | null;
  message: string;
}

export interface FilterBarProps {
  view: FlowView;
  onFilters: (f: VerdictFilters) => void;
  onRange: (start: number, end: number) => void;
  onQuery: (q: string) => void;
  hints: HintsView;
  onHintRequest: (type: HintType, search: string) => void;
  error: FilterError | null;
  searchRef: RefObject<HTMLInputElement | null>;
  /** Rows shown / rows loaded, for the search box. */
  counts: { shown: number; loaded: number };
}

const RANGE_PRESETS: readonly { label: string; start: number }[] = [
  { label: 'Last 1 minute', start: -60 },
  { label: 'Last 5 minutes', start: -300 },
  { label: 'Last 15 minutes', start: -900 },
  { label: 'Last hour', start: -3600 },
  { label: 'Last 6 hours', start: -6 * 3600 },
  { label: 'Last 24 hours', start: -86400 },
];

/** Policy kinds offered by the filter: every Goldmane PolicyKind. */
const POLICY_KINDS = HIT_KINDS;

const FIELD_GROUP: Record<FilterField, string> = {
  sourceNamespaces: 'sourceNamespaces',
  sourceNames: 'sourceNames',
  destNamespaces: 'destNamespaces',
  destNames: 'destNames',
  protocols: 'port',
  destPorts: 'port',
  destPortRanges: 'port',
  reporter: 'reporter',
  actions: 'action',
  pendingActions: 'pendingAction',
  policies: 'policy',
  sourceSelector: 'labels',
  destSelector: 'labels',
  sourceCidrs: 'cidr',
  destCidrs: 'cidr',
  pendingDiffers: 'pendingDiffers',
  clusters: 'cluster',
};

const FIELD_LABELS: Record<FilterField, string> = {
  sourceNamespaces: 'Source namespace',
  sourceNames: 'Source',
  destNamespaces: 'Dest namespace',
  destNames: 'Destination',
  protocols: 'Protocol',
  destPorts: 'Port',
  destPortRanges: 'Port range',
  reporter: 'Reporter',
  actions: 'Action',
  pendingActions: 'Pending action',
  policies: 'Policy',
  sourceSelector: 'Source labels',
  destSelector: 'Destination labels',
  sourceCidrs: 'Source CIDR',
  destCidrs: 'Destination CIDR',
  pendingDiffers: 'Pending differs',
  clusters: 'Cluster',
};

function summarize(ms: readonly StringMatch[] | undefined): string {
  if (!ms?.length) return '';
  const first = ms[0]!;
  const v = first.type === 'Fuzzy' ? `*${first.value}*` : first.value;
  return ms.length === 1 ? v : `${v} +${ms.length - 1}`;
}

function chipLabel(title: string, value: string): ReactNode {
  return value ? (
    <>
      {title}: <strong>{value}</strong>
    </>
  ) : (
    title
  );
}

export function FilterBar(p: FilterBarProps) {
  const f = p.view.filters;
  const errGroup = p.error?.field ? FIELD_GROUP[p.error.field] : null;
  const set = <K extends FilterField>(k: K, v: VerdictFilters[K] | undefined) => p.onFilters(withFilter(f, k, v));
  const ports = [...(f.destPorts ?? []).map(String), ...(f.destPortRanges ?? []).map(formatPortRange)];
  const proto = f.protocols?.[0]?.value ?? '';

  return (
    <div className="filter-bar" data-testid="filter-bar">
      <div className="filter-row">
        <Popover
          label={chipLabel('Time', describeRange(p.view.start, p.view.end))}
          active={p.view.start !== -300 || p.view.end !== 0}
          testId="filter-time"
        >
          {(close) => (
            <TimeRangePanel
              start={p.view.start}
              end={p.view.end}
              onChange={(s, e) => {
                p.onRange(s, e);
                close();
              }}
            />
          )}
        </Popover>
        <MatchListFilter
          title="Source namespace"
          testId="filter-source-namespace"
          type="SourceNamespace"
          value={f.sourceNamespaces}
          onChange={(v) => set('sourceNamespaces', v)}
          hints={p.hints}
          onHintRequest={p.onHintRequest}
          invalid={errGroup === 'sourceNamespaces'}
        />
        <MatchListFilter
          title="Source"
          testId="filter-source-name"
          type="SourceName"
          value={f.sourceNames}
          onChange={(v) => set('sourceNames', v)}
          hints={p.hints}
          onHintRequest={p.onHintRequest}
          invalid={errGroup === 'sourceNames'}
        />
        <MatchListFilter
          title="Dest namespace"
          testId="filter-dest-namespace"
          type="DestNamespace"
          value={f.destNamespaces}
          onChange={(v) => set('destNamespaces', v)}
          hints={p.hints}
          onHintRequest={p.onHintRequest}
          invalid={errGroup === 'destNamespaces'}
        />
        <MatchListFilter
          title="Destination"
          testId="filter-dest-name"
          type="DestName"
          value={f.destNames}
          onChange={(v) => set('destNames', v)}
          hints={p.hints}
          onHintRequest={p.onHintRequest}
          invalid={errGroup === 'destNames'}
        />
        <Popover
          label={chipLabel('Port', [proto, ports.join(',')].filter(Boolean).join(' '))}
          active={ports.length > 0 || proto !== ''}
          invalid={errGroup === 'port'}
          testId="filter-port"
        >
          {(close) => (
            <PortPanel
              protocol={proto}
              ports={ports.join(', ')}
              onApply={(protocols, destPorts, ranges) => {
                let next = withFilter(f, 'protocols', protocols);
                next = withFilter(next, 'destPorts', destPorts);
                next = withFilter(next, 'destPortRanges', ranges);
                p.onFilters(next);
                close();
              }}
            />
          )}
        </Popover>
        <Popover
          label={chipLabel('Reporter', f.reporter === 'Src' ? 'Source' : f.reporter === 'Dst' ? 'Destination' : '')}
          active={f.reporter !== undefined}
          invalid={errGroup === 'reporter'}
          testId="filter-reporter"
        >
          {() => (
            <fieldset className="radio-list">
              <legend>Reported by</legend>
              {(
                [
                  ['', 'Any'],
                  ['Src', 'Source'],
                  ['Dst', 'Destination'],
                ] as const
              ).map(([v, label]) => (
                <label key={v}>
                  <input
                    type="radio"
                    name="reporter"
                    checked={(f.reporter ?? '') === v}
                    onChange={() => set('reporter', v === '' ? undefined : v)}
                    data-testid={`filter-reporter-${v || 'any'}`}
                  />
                  {label}
                </label>
              ))}
            </fieldset>
          )}
        </Popover>
        <ActionFilter
          title="Action"
          testId="filter-action"
          help="The verdict the dataplane applied."
          value={f.actions}
          onChange={(v) => set('actions', v)}
          invalid={errGroup === 'action'}
        />
        <ActionFilter
          title="Pending action"
          testId="filter-pending-action"
          help="The action that would be applied if staged network policies were enforced now."
          value={f.pendingActions}
          onChange={(v) => set('pendingActions', v)}
          invalid={errGroup === 'pendingAction'}
        />
        <Popover
          label={chipLabel('Policy', f.policies?.length ? String(f.policies.length) : '')}
          active={(f.policies?.length ?? 0) > 0}
          invalid={errGroup === 'policy'}
          testId="filter-policy"
        >
          {(close) => (
            <PolicyBuilder
              value={f.policies ?? []}
              hints={p.hints}
              onHintRequest={p.onHintRequest}
              onApply={(ps) => {
                set('policies', ps);
                close();
              }}
            />
          )}
        </Popover>
        <Popover
          label={chipLabel('Labels', [f.sourceSelector, f.destSelector].filter(Boolean).length ? 'set' : '')}
          active={Boolean(f.sourceSelector || f.destSelector)}
          invalid={errGroup === 'labels'}
          testId="filter-labels"
        >
          {(close) => (
            <SelectorPanel
              source={f.sourceSelector ?? ''}
              dest={f.destSelector ?? ''}
              error={errGroup === 'labels' ? (p.error?.message ?? null) : null}
              onApply={(s, d) => {
                let next = withFilter(f, 'sourceSelector', s.trim() || undefined);
                next = withFilter(next, 'destSelector', d.trim() || undefined);
                p.onFilters(next);
                close();
              }}
            />
          )}
        </Popover>
        <Popover
          label={chipLabel('CIDR', [...(f.sourceCidrs ?? []), ...(f.destCidrs ?? [])].length ? 'set' : '')}
          active={Boolean(f.sourceCidrs?.length || f.destCidrs?.length)}
          invalid={errGroup === 'cidr'}
          testId="filter-cidr"
        >
          {(close) => (
            <CidrPanel
              source={(f.sourceCidrs ?? []).join(', ')}
              dest={(f.destCidrs ?? []).join(', ')}
              onApply={(s, d) => {
                let next = withFilter(f, 'sourceCidrs', s);
                next = withFilter(next, 'destCidrs', d);
                p.onFilters(next);
                close();
              }}
            />
          )}
        </Popover>
        <label className={f.pendingDiffers ? 'chip chip-active toggle' : 'chip toggle'}>
          <input
            type="checkbox"
            checked={f.pendingDiffers === true}
            onChange={(e) => set('pendingDiffers', e.target.checked || undefined)}
            data-testid="filter-pending-differs"
          />
          Pending differs
        </label>
        {Object.keys(f).length > 0 && (
          <button type="button" className="link-button" onClick={() => p.onFilters({})} data-testid="filter-clear">
            Clear filters
          </button>
        )}
        <div className="search">
          <input
            ref={p.searchRef}
            type="search"
            placeholder="Search loaded flows  ( / )"
            value={p.view.q}
            onChange={(e) => p.onQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') e.currentTarget.blur();
            }}
            aria-label="Search loaded flows"
            data-testid="flow-search"
          />
          {p.view.q && (
            <span className="search-count" data-testid="search-count">
              {p.counts.shown}/{p.counts.loaded}
            </span>
          )}
        </div>
      </div>
      {p.error && (
        <div className="filter-error" role="alert" data-testid="filter-error" data-field={p.error.field ?? ''}>
          {p.error.field ? <strong>{FIELD_LABELS[p.error.field]}: </strong> : null}
          {p.error.message}
        </div>
      )}
    </div>
  );
}

function TimeRangePanel({
  start,
  end,
  onChange,
}: {
  start: number;
  end: number;
  onChange: (start: number, end: number) => void;
}) {
  const toLocal = (sec: number) => {
    const d = new Date(sec * 1000);
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  };
  const now = Math.floor(Date.now() / 1000);
  const [from, setFrom] = useState(toLocal(start > 0 ? start : now + start));
  const [to, setTo] = useState(toLocal(end > 0 ? end : now));
  const fromSec = Math.floor(new Date(from).getTime() / 1000);
  const toSec = Math.floor(new Date(to).getTime() / 1000);
  const valid = Number.isFinite(fromSec) && Number.isFinite(toSec) && fromSec < toSec;
  return (
    <div className="time-panel">
      <div className="panel-title">Live (streaming)</div>
      <ul className="preset-list">
        {RANGE_PRESETS.map((r) => (
          <li key={r.start}>
            <button
              type="button"
              className={start === r.start && end === 0 ? 'preset preset-active' : 'preset'}
              onClick={() => onChange(r.start, 0)}
              data-testid={`time-preset-${-r.start}`}
            >
              {r.label}
            </button>
          </li>
        ))}
      </ul>
      <div className="panel-title">Fixed range (no streaming)</div>
      <label>
        From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
      </label>
      <button type="button" disabled={!valid} onClick={() => onChange(fromSec, toSec)} data-testid="time-apply">
        Show range
      </button>
    </div>
  );
}

interface MatchListFilterProps {
  title: string;
  testId: string;
  type: HintType;
  value: StringMatch[] | undefined;
  onChange: (v: StringMatch[] | undefined) => void;
  hints: HintsView;
  onHintRequest: (type: HintType, search: string) => void;
  invalid: boolean;
}

/** Checkbox list from filter hints with search; the search text can also be added as a substring match. */
function MatchListFilter(p: MatchListFilterProps) {
  const [search, setSearch] = useState('');
  const selected = p.value ?? [];
  const isSelected = (v: string) => selected.some((m) => m.type === 'Exact' && m.value === v);
  const toggle = (v: string) => {
    const next = isSelected(v)
      ? selected.filter((m) => !(m.type === 'Exact' && m.value === v))
      : [...selected, { value: v, type: 'Exact' as const }];
    p.onChange(next.length ? next : undefined);
  };
  const mine = p.hints.type === p.type;
  const values = [
    ...new Set([...selected.filter((m) => m.type === 'Exact').map((m) => m.value), ...(mine ? p.hints.values : [])]),
  ];
  return (
    <Popover
      label={chipLabel(p.title, summarize(p.value))}
      active={selected.length > 0}
      invalid={p.invalid}
      testId={p.testId}
      onOpen={() => {
        setSearch('');
        p.onHintRequest(p.type, '');
      }}
    >
      {() => (
        <div className="match-list">
          <input
            type="search"
            placeholder={`Search ${p.title.toLowerCase()}`}
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              p.onHintRequest(p.type, e.target.value);
            }}
            data-testid={`${p.testId}-search`}
          />
          {search && (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                p.onChange([...selected, { value: search, type: 'Fuzzy' }]);
                setSearch('');
              }}
            >
              Add “{search}” as a substring match
            </button>
          )}
          {selected
            .filter((m) => m.type === 'Fuzzy')
            .map((m) => (
              <label key={`fuzzy:${m.value}`}>
                <input
                  type="checkbox"
                  checked
                  onChange={() => {
                    const next = selected.filter((x) => x !== m);
                    p.onChange(next.length ? next : undefined);
                  }}
                />
                contains “{m.value}”
              </label>
            ))}
          <div className="match-options" data-testid={`${p.testId}-options`}>
            {values.map((v) => (
              <label key={v}>
                <input type="checkbox" checked={isSelected(v)} onChange={() => toggle(v)} />
                {v}
              </label>
            ))}
            {mine && p.hints.loading && <div className="muted">Loading…</div>}
            {mine && p.hints.error && <div className="error-text">Could not load suggestions: {p.hints.error}</div>}
            {mine && !p.hints.loading && !p.hints.error && values.length === 0 && (
              <div className="muted">No values seen in the flow history{search ? ` matching “${search}”` : ''}.</div>
            )}
          </div>
          {selected.length > 0 && (
            <button type="button" className="link-button" onClick={() => p.onChange(undefined)}>
              Clear
            </button>
          )}
        </div>
      )}
    </Popover>
  );
}

function ActionFilter(p: {
  title: string;
  testId: string;
  help: string;
  value: HitAction[] | undefined;
  onChange: (v: HitAction[] | undefined) => void;
  invalid: boolean;
}) {
  const selected = p.value ?? [];
  return (
    <Popover
      label={chipLabel(p.title, selected.join(', '))}
      active={selected.length > 0}
      invalid={p.invalid}
      testId={p.testId}
    >
      {() => (
        <fieldset className="radio-list">
          <legend title={p.help}>{p.help}</legend>
          {(['Allow', 'Deny'] as const).map((a) => (
            <label key={a}>
              <input
                type="checkbox"
                checked={selected.includes(a)}
                onChange={() => {
                  const next = selected.includes(a) ? selected.filter((x) => x !== a) : [...selected, a];
                  p.onChange(next.length ? next : undefined);
                }}
                data-testid={`${p.testId}-${a}`}
              />
              {a}
            </label>
          ))}
        </fieldset>
      )}
    </Popover>
  );
}

function PortPanel({
  protocol,
  ports,
  onApply,
}: {
  protocol: string;
  ports: string;
  onApply: (
    protocols: StringMatch[] | undefined,
    ports: number[] | undefined,
    ranges: { min: number; max: number }[] | undefined,
  ) => void;
}) {
  const [proto, setProto] = useState(protocol);
  const [text, setText] = useState(ports);
  const parts = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const parsed = parts.map((s) => ({ s, r: parsePortRange(s) }));
  const bad = parsed.filter((x) => x.r === null).map((x) => x.s);
  return (
    <form
      className="port-panel"
      onSubmit={(e) => {
        e.preventDefault();
        if (bad.length) return;
        const singles = parsed.filter((x) => x.r && x.r.min === x.r.max).map((x) => x.r!.min);
        const ranges = parsed.filter((x) => x.r && x.r.min !== x.r.max).map((x) => x.r!);
        onApply(proto ? [{ value: proto, type: 'Exact' }] : undefined, singles, ranges);
      }}
    >
      <label>
        Protocol
        <select value={proto} onChange={(e) => setProto(e.target.value)} data-testid="filter-protocol">
          <option value="">Any</option>
          <option value="tcp">TCP</option>
          <option value="udp">UDP</option>
          <option value="icmp">ICMP</option>
          <option value="sctp">SCTP</option>
        </select>
      </label>
      <label>
        Destination ports
        <input
          type="text"
          placeholder="e.g. 53, 443, 8000-8100"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={bad.length > 0}
          data-testid="filter-ports"
        />
      </label>
      {bad.length > 0 && <div className="error-text">Not a port or range (0–65535, min-max): {bad.join(', ')}</div>}
      <button type="submit" disabled={bad.length > 0} data-testid="filter-port-apply">
        Apply
      </button>
    </form>
  );
}

function SelectorPanel({
  source,
  dest,
  error,
  onApply,
}: {
  source: string;
  dest: string;
  error: string | null;
  onApply: (s: string, d: string) => void;
}) {
  const [s, setS] = useState(source);
  const [d, setD] = useState(dest);
  return (
    <form
      className="selector-panel"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(s, d);
      }}
    >
      <p className="muted">
        Calico selector syntax, e.g. <code>app == 'web' &amp;&amp; has(team)</code>
      </p>
      <label>
        Source labels
        <input type="text" value={s} onChange={(e) => setS(e.target.value)} data-testid="filter-source-selector" />
      </label>
      <label>
        Destination labels
        <input type="text" value={d} onChange={(e) => setD(e.target.value)} data-testid="filter-dest-selector" />
      </label>
      {error && <div className="error-text">{error}</div>}
      <button type="submit" data-testid="filter-selector-apply">
        Apply
      </button>
    </form>
  );
}

function CidrPanel({
  source,
  dest,
  onApply,
}: {
  source: string;
  dest: string;
  onApply: (s: string[] | undefined, d: string[] | undefined) => void;
}) {
  const [s, setS] = useState(source);
  const [d, setD] = useState(dest);
  const split = (t: string) =>
    t
      .split(/[\s,]+/)
      .map((x) => x.trim())
      .filter(Boolean);
  const bad = [...split(s), ...split(d)].filter((c) => !isCidr(c));
  return (
    <form
      className="selector-panel"
      onSubmit={(e) => {
        e.preventDefault();
        if (!bad.length) onApply(split(s), split(d));
      }}
    >
      <label>
        Source CIDRs
        <input
          type="text"
          placeholder="10.0.0.0/8, 192.168.1.5"
          value={s}
          onChange={(e) => setS(e.target.value)}
          data-testid="filter-source-cidr"
        />
      </label>
      <label>
        Destination CIDRs
        <input
          type="text"
          placeholder="0.0.0.0/0"
          value={d}
          onChange={(e) => setD(e.target.value)}
          data-testid="filter-dest-cidr"
        />
      </label>
      {bad.length > 0 && <div className="error-text">Not a CIDR: {bad.join(', ')}</div>}
      <button type="submit" disabled={bad.length > 0} data-testid="filter-cidr-apply">
        Apply
      </button>
    </form>
  );
}

interface PolicyRow {
  kind: string;
  tier: string;
  namespace: string;
  name: string;
  action: string;
  fuzzy: boolean;
}

function toRow(p: PolicyMatch): PolicyRow {
  return {
    kind: p.kind ?? '',
    tier: p.tier?.value ?? '',
    namespace: p.namespace?.value ?? '',
    name: p.name?.value ?? '',
    action: p.action ?? '',
    fuzzy: [p.tier, p.namespace, p.name].some((m) => m?.type === 'Fuzzy'),
  };
}

function fromRow(r: PolicyRow): PolicyMatch {
  const type = r.fuzzy ? ('Fuzzy' as const) : ('Exact' as const);
  const m: PolicyMatch = {};
  if (r.kind) m.kind = r.kind;
  if (r.tier.trim()) m.tier = { value: r.tier.trim(), type };
  if (r.namespace.trim()) m.namespace = { value: r.namespace.trim(), type };
  if (r.name.trim()) m.name = { value: r.name.trim(), type };
  if (r.action === 'Allow' || r.action === 'Deny' || r.action === 'Pass') m.action = r.action;
  return m;
}

const EMPTY_ROW: PolicyRow = { kind: '', tier: '', namespace: '', name: '', action: '', fuzzy: false };

/** Rows of kind/tier/namespace/name/action: fields AND within a row, rows OR. "No policy" = Profile only. */
function PolicyBuilder({
  value,
  hints,
  onHintRequest,
  onApply,
}: {
  value: PolicyMatch[];
  hints: HintsView;
  onHintRequest: (type: HintType, search: string) => void;
  onApply: (ps: PolicyMatch[] | undefined) => void;
}) {
  const isNoPolicy = value.length === 1 && value[0]?.kind === 'Profile' && Object.keys(value[0]).length === 1;
  const [rows, setRows] = useState<PolicyRow[]>(isNoPolicy || value.length === 0 ? [EMPTY_ROW] : value.map(toRow));
  const [noPolicy, setNoPolicy] = useState(isNoPolicy);
  const update = (i: number, patch: Partial<PolicyRow>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const listId = (t: HintType) => `policy-hints-${t}`;
  const field = (i: number, r: PolicyRow, key: 'tier' | 'namespace' | 'name', type: HintType, label: string) => (
    <input
      type="text"
      placeholder={label}
      aria-label={label}
      value={r[key]}
      list={listId(type)}
      disabled={noPolicy}
      onFocus={() => onHintRequest(type, r[key])}
      onChange={(e) => {
        update(i, { [key]: e.target.value });
        onHintRequest(type, e.target.value);
      }}
      data-testid={`policy-${key}-${i}`}
    />
  );
  return (
    <form
      className="policy-builder"
      data-testid="policy-builder"
      onSubmit={(e) => {
        e.preventDefault();
        if (noPolicy) return onApply([{ kind: 'Profile' }]);
        const ps = rows.map(fromRow).filter((m) => Object.keys(m).length > 0);
        onApply(ps.length ? ps : undefined);
      }}
    >
      <p className="muted">Fields in a row must all match; any row may match.</p>
      {rows.map((r, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and have no identity of their own
        <div className="policy-row" key={i}>
          <select
            value={r.kind}
            disabled={noPolicy}
            onChange={(e) => update(i, { kind: e.target.value })}
            aria-label="Kind"
            data-testid={`policy-kind-${i}`}
          >
            <option value="">Any kind</option>
            {POLICY_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          {field(i, r, 'tier', 'PolicyTier', 'Tier')}
          {field(i, r, 'namespace', 'PolicyNamespace', 'Namespace')}
          {field(i, r, 'name', 'PolicyName', 'Name')}
          <select
            value={r.action}
            disabled={noPolicy}
            onChange={(e) => update(i, { action: e.target.value })}
            aria-label="Action"
          >
            <option value="">Any action</option>
            <option value="Allow">Allow</option>
            <option value="Deny">Deny</option>
            <option value="Pass">Pass</option>
          </select>
          <label className="inline">
            <input
              type="checkbox"
              checked={r.fuzzy}
              disabled={noPolicy}
              onChange={(e) => update(i, { fuzzy: e.target.checked })}
            />
            contains
          </label>
          <button
            type="button"
            className="icon-button"
            aria-label="Remove row"
            disabled={rows.length === 1 || noPolicy}
            onClick={() => setRows(rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      {(['PolicyTier', 'PolicyNamespace', 'PolicyName'] as const).map((t) => (
        <datalist key={t} id={listId(t)}>
          {hints.type === t && hints.values.map((v) => <option key={v} value={v} />)}
        </datalist>
      ))}
      <div className="panel-actions">
        <button type="button" className="link-button" disabled={noPolicy} onClick={() => setRows([...rows, EMPTY_ROW])}>
          + Or
        </button>
        <label className="inline">
          <input
            type="checkbox"
            checked={noPolicy}
            onChange={(e) => setNoPolicy(e.target.checked)}
            data-testid="policy-none"
          />
          No policy (decided by the profile)
        </label>
        <button type="button" className="link-button" onClick={() => onApply(undefined)}>
          Clear
        </button>
        <button type="submit" data-testid="policy-apply">
          Apply
        </button>
      </div>
    </form>
  );
}
