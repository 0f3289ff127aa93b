// The change-set editor: CodeMirror 6 with YAML language support (highlighting, folding), search
// (Ctrl/Cmd+F), history, and Verdict's own validation as lint diagnostics: each coded issue from the
// server is underlined from its column, marked in the gutter, and its message written after its line.
// Tab indents; Escape then Tab leaves the editor (CodeMirror's tab-focus mode); Ctrl/Cmd+Enter submits.

import { indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState, type Extension, RangeSetBuilder, StateEffect, StateField, type Text } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, keymap, WidgetType } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { ApiIssue } from '../api/types.ts';
import { type Annotations, annotate } from '../data/changeSet.ts';
import { issueDiagnostics } from '../data/editorIssues.ts';

export interface YamlEditorHandle {
  /** Focuses the editor with the caret at the start of a 1-based line. */
  goToLine(line: number): void;
}

export interface YamlEditorProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit?: () => void;
  /** Issues from the last check, positioned by line and column in the text they were found in. */
  issues: readonly ApiIssue[];
  /** The issues belong to an earlier text: drawn dimmed. */
  stale?: boolean;
  label: string;
  testId: string;
  /** A view, not an editor: the text cannot be changed (set once, for the component's life). */
  readOnly?: boolean;
}

/** The message after the end of an annotated line. */
class LineMessage extends WidgetType {
  constructor(
    readonly text: string,
    readonly severity: string,
  ) {
    super();
  }
  override eq(other: LineMessage) {
    return other.text === this.text && other.severity === this.severity;
  }
  override toDOM() {
    const span = document.createElement('span');
    span.className = `cm-line-msg cm-line-msg-${this.severity}`;
    span.textContent = this.text;
    return span;
  }
}

const setAnnotations = StateEffect.define<Annotations>();

/** Line classes, test hooks and end-of-line messages for the annotated lines, kept in place through edits. */
const annotationField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decos, tr) {
    let next = decos.map(tr.changes);
    for (const e of tr.effects) if (e.is(setAnnotations)) next = annotationDecorations(e.value, tr.state.doc);
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

function annotationDecorations(annotations: Annotations, doc: Text): DecorationSet {
  const b = new RangeSetBuilder<Decoration>();
  for (const [n, a] of [...annotations.byLine.entries()].sort(([x], [y]) => x - y)) {
    if (n > doc.lines) continue;
    const line = doc.line(n);
    b.add(
      line.from,
      line.from,
      Decoration.line({
        class: `cm-annotated cm-annotated-${a.severity}`,
        attributes: { 'data-testid': 'editor-annotated-line', 'data-line': String(n), 'data-severity': a.severity },
      }),
    );
    b.add(
      line.to,
      line.to,
      Decoration.widget({ widget: new LineMessage(a.messages.join(' · '), a.severity), side: 1 }),
    );
  }
  return b.finish();
}

/** Colours from the page's theme variables, so the editor follows light and dark. */
const theme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--surface)', color: 'var(--text)', fontSize: '12px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '18px' },
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'transparent' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--selected-bg)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused': { outline: 'none' },
});

export const YamlEditor = forwardRef<YamlEditorHandle, YamlEditorProps>(function YamlEditor(
  { value, onChange, onSubmit, issues, stale = false, label, testId, readOnly = false },
  ref,
) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onSubmit });
  callbacks.current = { onChange, onSubmit };
  const errorLines = [...new Set(issues.filter((i) => i.severity === 'error' && i.line > 0).map((i) => i.line))];
  const helpId = `${testId}-help`;

  // One view for the component's life; the value, issues and attributes are pushed into it below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: created once; `value` is synced by the effect below
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const extensions: Extension[] = [
      keymap.of([
        {
          key: 'Mod-Enter',
          run: () => {
            callbacks.current.onSubmit?.();
            return callbacks.current.onSubmit !== undefined;
          },
        },
        indentWithTab,
      ]),
      basicSetup,
      yaml(),
      lintGutter(),
      annotationField,
      EditorState.tabSize.of(2),
      EditorState.readOnly.of(readOnly),
      theme,
      EditorView.updateListener.of((u) => {
        if (u.docChanged) callbacks.current.onChange(u.state.doc.toString());
      }),
    ];
    const view = new EditorView({ parent: host, state: EditorState.create({ doc: value, extensions }) });
    // A read-only view still scrolls: keyboard users reach its scroller.
    if (readOnly) view.scrollDOM.setAttribute('tabindex', '0');
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  // The text from outside (a draft loaded, a reload) replaces the editor's when they differ.
  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const current = view.state.doc.toString();
    if (current !== value) view.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  // New issues: diagnostics and line annotations for the text they were found in (the current one).
  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const doc = view.state.doc;
    view.dispatch(setDiagnostics(view.state, issueDiagnostics(issues, doc)), {
      effects: setAnnotations.of(annotate(issues, doc.lines)),
    });
  }, [issues]);

  // Accessible name and state on CodeMirror's content element (the textbox).
  useEffect(() => {
    const content = viewRef.current?.contentDOM;
    if (!content) return;
    content.setAttribute('aria-label', label);
    content.setAttribute('aria-describedby', helpId);
    if (readOnly) content.setAttribute('aria-readonly', 'true');
    content.setAttribute('data-testid', `${testId}-input`);
    if (errorLines.length > 0) content.setAttribute('aria-invalid', 'true');
    else content.removeAttribute('aria-invalid');
  });

  useImperativeHandle(
    ref,
    () => ({
      goToLine(line: number) {
        const view = viewRef.current;
        if (!view) return;
        const at = view.state.doc.line(Math.min(Math.max(line, 1), view.state.doc.lines)).from;
        view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
        view.focus();
      },
    }),
    [],
  );

  const lines = value.split('\n').length;
  return (
    <div
      className={stale ? 'editor editor-stale' : 'editor'}
      data-testid={testId}
      // Grows with the text between 10 and 24 lines (18 px each, plus padding), then scrolls.
      style={{ height: `${Math.min(24, Math.max(10, lines + 1)) * 18 + 12}px` }}
    >
      <div ref={hostRef} className="editor-host" />
      <span id={helpId} className="visually-hidden">
        {readOnly
          ? 'Read only; Ctrl+F searches.'
          : 'Tab indents; press Escape then Tab to leave the editor; Ctrl+F searches; Ctrl+Enter rehearses.'}
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
