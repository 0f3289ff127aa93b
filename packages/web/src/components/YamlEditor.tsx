// A plain-text YAML editor: a textarea over a backdrop that draws the line-number gutter, the
// highlighted lines and each line's messages (as text, after the line's own text). Tab inserts two
// spaces; Escape then Tab leaves the editor; Ctrl/Cmd+Enter submits.
import { forwardRef, useCallback, useImperativeHandle, useRef } from 'react';
import { type Annotations, lineOffset } from '../data/changeSet.ts';

export interface YamlEditorHandle {
  /** Focuses the editor with the caret at the start of a 1-based line. */
  goToLine(line: number): void;
}

export interface YamlEditorProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit?: () => void;
  annotations: Annotations;
  /** The annotations belong to an earlier text: drawn dimmed. */
  stale?: boolean;
  label: string;
  testId: string;
}

export const YamlEditor = forwardRef<YamlEditorHandle, YamlEditorProps>(function YamlEditor(
  { value, onChange, onSubmit, annotations, stale = false, label, testId },
  ref,
) {
  const textRef = useRef<HTMLTextAreaElement>(null);
  const backRef = useRef<HTMLDivElement>(null);
  const leaveOnTab = useRef(false);
  const lines = value.split('\n');

  const syncScroll = useCallback(() => {
    const ta = textRef.current;
    const back = backRef.current;
    if (ta && back) {
      back.scrollTop = ta.scrollTop;
      back.scrollLeft = ta.scrollLeft;
    }
  }, []);

  useImperativeHandle(
    ref,
    () => ({
      goToLine(line: number) {
        const ta = textRef.current;
        if (!ta) return;
        const at = lineOffset(ta.value, line);
        ta.focus();
        ta.setSelectionRange(at, at);
        // Scroll the line into the middle of the editor (18 px lines, see .editor in styles.css).
        ta.scrollTop = Math.max(0, (line - 1) * 18 - ta.clientHeight / 2);
        syncScroll();
      },
    }),
    [syncScroll],
  );

  const onKeyDown = (e: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape') {
      leaveOnTab.current = true;
      return;
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && onSubmit) {
      e.preventDefault();
      onSubmit();
      return;
    }
    if (e.key === 'Tab' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      if (leaveOnTab.current) {
        leaveOnTab.current = false;
        return; // the browser moves focus on
      }
      e.preventDefault();
      const ta = e.currentTarget;
      ta.setRangeText('  ', ta.selectionStart, ta.selectionEnd, 'end');
      onChange(ta.value);
      return;
    }
    leaveOnTab.current = false;
  };

  const errorLines = [...annotations.byLine.entries()].filter(([, a]) => a.severity === 'error').map(([n]) => n);
  return (
    <div
      className={stale ? 'editor editor-stale' : 'editor'}
      data-testid={testId}
      // Grows with the text between 10 and 24 lines (18 px each, plus padding), then scrolls.
      style={{ height: `${Math.min(24, Math.max(10, lines.length + 1)) * 18 + 40}px` }}
    >
      <div className="editor-backdrop" ref={backRef} aria-hidden="true">
        <div className="editor-lines">
          {lines.map((line, i) => {
            const n = i + 1;
            const a = annotations.byLine.get(n);
            return (
              <div
                // biome-ignore lint/suspicious/noArrayIndexKey: a line is identified by its number
                key={i}
                className={a ? `editor-line editor-line-${a.severity}` : 'editor-line'}
                data-testid={a ? 'editor-annotated-line' : undefined}
                data-line={n}
                data-severity={a?.severity}
              >
                <span className="editor-ln">{n}</span>
                <span className="editor-ghost">{line}</span>
                {a && <span className="editor-msg">{a.messages.join(' · ')}</span>}
              </div>
            );
          })}
        </div>
      </div>
      <textarea
        ref={textRef}
        id={`${testId}-input-id`}
        className="editor-input"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        onScroll={syncScroll}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        wrap="off"
        aria-label={label}
        aria-invalid={errorLines.length > 0 ? true : undefined}
        aria-describedby={`${testId}-help`}
        data-testid={`${testId}-input`}
      />
      <span id={`${testId}-help`} className="visually-hidden">
        Tab inserts two spaces; press Escape then Tab to leave the editor; Ctrl+Enter rehearses.
        {errorLines.length > 0 ? ` Errors on lines ${errorLines.join(', ')}.` : ''}
      </span>
    </div>
  );
});

export function ProgressBar({ done, total, label }: { done: number; total: number | null; label: string }) {
  const pct = total && total > 0 ? Math.min(100, Math.round((done / total) * 100)) : null;
  return (
    <div className="progress" data-testid="rehearse-progress">
      <div
        className={pct === null ? 'progress-track progress-indeterminate' : 'progress-track'}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
      >
        <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
      <span className="muted">
        {label}
        {total ? ` — ${done.toLocaleString()} of ${total.toLocaleString()} flows` : '…'}
      </span>
    </div>
  );
}
