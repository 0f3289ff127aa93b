// Small presentational building blocks shared by the pages.
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { INSIGHT_WINDOWS } from '../data/insights.ts';
import { useSummary } from '../hooks/useApi.ts';

export function ActionBadge({ action, testId }: { action: string; testId?: string }) {
  const a = action || 'Unspecified';
  return (
    <span className={`badge badge-${a.toLowerCase()}`} data-testid={testId}>
      {a}
    </span>
  );
}

/** "Allow → Deny" when the pending verdict differs from the enforced one. */
export function VerdictChange({ from, to }: { from: string; to: string }) {
  return (
    <span className="verdict-change" data-testid="pending-differs" title="Staged policies would change this verdict">
      <ActionBadge action={from} />
      <span className="arrow" aria-hidden="true">
        →
      </span>
      <ActionBadge action={to} />
    </span>
  );
}

export interface StateMessageProps {
  kind: 'empty' | 'loading' | 'error';
  title: string;
  children?: ReactNode;
  testId?: string;
}

export function StateMessage({ kind, title, children, testId }: StateMessageProps) {
  return (
    <div
      className={`state state-${kind}`}
      data-testid={testId ?? `state-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
    >
      {kind === 'loading' && <span className="spinner" aria-hidden="true" />}
      <div className="state-title">{title}</div>
      {children && <div className="state-body">{children}</div>}
    </div>
  );
}

/** A failed request: its message (or a hint that the server is down) and a retry button. */
export function ErrorMessage({
  title,
  error,
  retry,
  testId,
}: {
  title: string;
  error: { isNetwork: boolean; message: string };
  retry: () => void;
  testId?: string;
}) {
  return (
    <StateMessage kind="error" title={title} {...(testId ? { testId } : {})}>
      {error.isNetwork ? 'Is `verdict serve` running? ' : `${error.message} `}
      <button type="button" className="link-button" onClick={retry}>
        Try again
      </button>
    </StateMessage>
  );
}

/** The "Flows of" / "History" window chooser of the insights pages: one of INSIGHT_WINDOWS, in seconds. */
export function WindowSelect({
  label,
  since,
  onChange,
  testId,
}: {
  label: string;
  since: number;
  onChange: (since: number) => void;
  testId: string;
}) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <select value={since} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId}>
        {INSIGHT_WINDOWS.map((w) => (
          <option key={w.since} value={w.since}>
            {w.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A namespace of the cluster, chosen from the server's summary; a value it does not list is kept. */
export function NamespaceSelect({
  value,
  onChange,
  testId,
  required,
}: {
  value: string;
  onChange: (namespace: string) => void;
  testId: string;
  required?: boolean;
}) {
  const summary = useSummary();
  const namespaces = summary.data?.namespaces ?? [];
  return (
    <label className="field">
      <span className="field-label">Namespace</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} required={required} data-testid={testId}>
        <option value="">{summary.data ? 'Choose…' : summary.error ? 'Namespaces unavailable' : 'Loading…'}</option>
        {value && !namespaces.includes(value) && <option value={value}>{value}</option>}
        {namespaces.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}

export interface PopoverProps {
  label: ReactNode;
  active?: boolean;
  invalid?: boolean;
  testId: string;
  children: (close: () => void) => ReactNode;
  onOpen?: () => void;
  align?: 'left' | 'right';
}

/** A button that opens a panel; Escape or a click outside closes it. */
export function Popover({ label, active, invalid, testId, children, onOpen, align = 'left' }: PopoverProps) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const id = useId();
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open]);
  const classes = ['chip', active ? 'chip-active' : '', invalid ? 'chip-invalid' : ''].filter(Boolean).join(' ');
  return (
    <div className="popover" ref={ref}>
      <button
        type="button"
        className={classes}
        aria-expanded={open}
        aria-controls={id}
        data-testid={testId}
        onClick={() => {
          if (!open) onOpen?.();
          setOpen(!open);
        }}
      >
        {label}
        <span className="caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div className={`popover-panel popover-${align}`} id={id} data-testid={`${testId}-panel`}>
          {children(() => setOpen(false))}
        </div>
      )}
    </div>
  );
}

/** YAML (or any text) with 1-based highlighted lines; the text is rendered as text, never as HTML. */
export function CodeBlock({
  text,
  highlight = [],
  testId,
}: {
  text: string;
  highlight?: readonly { line: number; reason: string }[];
  testId?: string;
}) {
  const byLine = new Map<number, string[]>();
  // A highlighted line without a reason ("") is marked but carries no note.
  for (const h of highlight) byLine.set(h.line, [...(byLine.get(h.line) ?? []), ...(h.reason ? [h.reason] : [])]);
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    // A scrollable block: keyboard users scroll it once focused.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: axe scrollable-region-focusable
    <pre className="code" data-testid={testId} tabIndex={0}>
      {lines
        .map((line, i) => ({ n: i + 1, line }))
        .map(({ n, line }) => {
          const reasons = byLine.get(n);
          return (
            <span
              key={n}
              className={reasons ? 'code-line code-hl' : 'code-line'}
              data-highlighted={reasons ? 'true' : undefined}
            >
              <span className="code-ln">{n}</span>
              <span className="code-text">{line || ' '}</span>
              {reasons && reasons.length > 0 && <span className="code-why">← {reasons.join('; ')}</span>}
              {'\n'}
            </span>
          );
        })}
    </pre>
  );
}

export function Tabs<T extends string>({
  tabs,
  value,
  onChange,
  testId,
}: {
  tabs: readonly { id: T; label: string }[];
  value: T;
  onChange: (t: T) => void;
  testId: string;
}) {
  return (
    <div className="tabs" role="tablist" data-testid={testId}>
      {tabs.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          aria-selected={t.id === value}
          className={t.id === value ? 'tab tab-active' : 'tab'}
          data-testid={`${testId}-${t.id}`}
          onClick={() => onChange(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** Copies `text` to the clipboard and says whether that worked. */
export function CopyButton({ text, label = 'Copy', testId }: { text: string; label?: string; testId?: string }) {
  const [status, setStatus] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (status === 'idle') return;
    const t = setTimeout(() => setStatus('idle'), 2000);
    return () => clearTimeout(t);
  }, [status]);
  return (
    <button
      type="button"
      data-testid={testId}
      data-status={status}
      onClick={() => {
        const clip = navigator.clipboard;
        if (!clip) {
          setStatus('failed');
          return;
        }
        clip.writeText(text).then(
          () => setStatus('copied'),
          () => setStatus('failed'),
        );
      }}
    >
      {status === 'copied' ? 'Copied ✓' : status === 'failed' ? 'Copy failed: select the text' : label}
    </button>
  );
}
