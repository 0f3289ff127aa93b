// Rehearse: edit a change set, replay recorded flows against it, read what would break, promote.
// The editor text lives in sessionStorage, the time range in the URL.
import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import type { ApiIssue } from '../api/types.ts';
import { CodeBlock, CopyButton, ErrorMessage, StateMessage } from '../components/common.tsx';
import { ImpactReportView } from '../components/ImpactReport.tsx';
import { ProgressBar, YamlEditor, type YamlEditorHandle } from '../components/YamlEditor.tsx';
import {
  EXAMPLE_CHANGE_SET,
  issuePathMessage,
  issuePosition,
  parseRangeStart,
  REHEARSE_RANGES,
  sortIssues,
} from '../data/changeSet.ts';
import { type PromotionState, useChangeSetDraft, usePromotion, useRehearsal } from '../hooks/useRehearse.ts';

export function RehearsePage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const start = parseRangeStart(search);
  const [draft, setDraft] = useChangeSetDraft();
  const [rehearsal, rehearse] = useRehearsal();
  const [promotion, promote, resetPromotion] = usePromotion();
  // The text the shown issues belong to: once it is edited they are only a hint.
  const [checked, setChecked] = useState<string | null>(null);
  const editorRef = useRef<YamlEditorHandle>(null);

  const issues: readonly ApiIssue[] =
    promotion.phase === 'invalid' ? promotion.issues : rehearsal.phase === 'invalid' ? rehearsal.issues : [];
  const stale = issues.length > 0 && checked !== draft.changeSet;

  const run = () => {
    resetPromotion();
    setChecked(draft.changeSet);
    rehearse(draft.changeSet, start);
  };
  const runPromote = () => {
    setChecked(draft.changeSet);
    promote(draft.changeSet);
  };
  const setStart = (s: number) => {
    const p = new URLSearchParams(search);
    p.set('start', String(s));
    navigate(`${pathname}?${p.toString()}`, { replace: true });
  };
  const running = rehearsal.phase === 'running';
  const empty = draft.changeSet.trim() === '';
  // `?run=1` (from "Rehearse this fix" and the like): rehearse the loaded draft once, then drop the flag.
  const autoRun = new URLSearchParams(search).get('run') === '1';
  const autoRan = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once for the draft handed over with the flag
  useEffect(() => {
    if (!autoRun || autoRan.current) return;
    autoRan.current = true;
    const p = new URLSearchParams(search);
    p.delete('run');
    const qs = p.toString();
    navigate(qs ? `${pathname}?${qs}` : pathname, { replace: true });
    if (!empty) run();
  }, [autoRun]);

  return (
    <div className="work-page" data-testid="rehearse-page">
      <div className="page-toolbar">
        <h1>Rehearse</h1>
        <span className="muted">
          Replay recorded flows against a change set of staged policies and see what it would break before you apply it.
        </span>
      </div>
      <div className="rehearse-top">
        <div className="editor-col">
          <div className="editor-head">
            <label htmlFor="rehearse-editor-input-id" className="field-label">
              Change set (YAML: staged or enforced Calico / Kubernetes policies, separated by ---)
            </label>
            <button
              type="button"
              className="link-button"
              onClick={() => setDraft(EXAMPLE_CHANGE_SET)}
              data-testid="load-example"
            >
              Load the example
            </button>
          </div>
          {draft.origin && (
            <p className="origin-note" data-testid="draft-origin">
              Loaded from {draft.origin}.
            </p>
          )}
          <YamlEditor
            ref={editorRef}
            value={draft.changeSet}
            onChange={setDraft}
            onSubmit={run}
            issues={issues}
            stale={stale}
            label="Change set YAML"
            testId="rehearse-editor"
          />
          {issues.length > 0 && (
            <div className="issue-box" role="alert" data-testid="issue-list">
              <div className="issue-title">
                {issues.length === 1
                  ? 'The change set does not load:'
                  : `The change set has ${issues.length} problems:`}
                {stale && <span className="muted"> (from the last check; rehearse again after editing)</span>}
              </div>
              <ul>
                {sortIssues(issues).map((issue, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: issues have no identity beyond their order
                  <li key={i} data-testid="issue" data-line={issue.line} data-severity={issue.severity}>
                    {issue.line > 0 ? (
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => editorRef.current?.goToLine(issue.line)}
                      >
                        {issuePosition(issue)}
                      </button>
                    ) : (
                      <span className="muted">{issue.file || 'change set'}</span>
                    )}{' '}
                    <span className={issue.severity === 'error' ? 'error-text' : 'warn-text'}>
                      {issuePathMessage(issue)}
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
        <div className="controls-col">
          <label className="field">
            <span className="field-label">Recorded flows from</span>
            <select value={start} onChange={(e) => setStart(Number(e.target.value))} data-testid="rehearse-range">
              {REHEARSE_RANGES.map((r) => (
                <option key={r.start} value={r.start}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="primary big"
            onClick={run}
            disabled={running || empty}
            data-testid="rehearse-button"
          >
            {running ? 'Rehearsing…' : 'Rehearse'}
          </button>
          <button
            type="button"
            onClick={runPromote}
            disabled={empty || promotion.phase === 'loading'}
            data-testid="promote-button"
          >
            Promote…
          </button>
          <p className="muted small">
            Rehearse changes nothing in the cluster. Promote turns staged policies into the enforced YAML to apply.
          </p>
        </div>
      </div>
      <PromotionPanel
        state={promotion}
        onClose={resetPromotion}
        denied={rehearsal.phase === 'done' ? rehearsal.report.totals.newlyDenied : null}
      />
      <div className="rehearse-result">
        {rehearsal.phase === 'idle' && (
          <StateMessage kind="empty" title="No rehearsal yet" testId="rehearse-empty">
            Edit the change set, pick how far back to replay recorded flows and press Rehearse (Ctrl+Enter in the
            editor). The report lists the flows that would be denied first.
          </StateMessage>
        )}
        {rehearsal.phase === 'running' && (
          <ProgressBar done={rehearsal.done} total={rehearsal.total} label="Re-evaluating recorded flows" />
        )}
        {rehearsal.phase === 'invalid' && (
          <StateMessage kind="error" title="The change set does not load" testId="rehearse-invalid">
            Fix the highlighted lines in the editor and rehearse again.
          </StateMessage>
        )}
        {rehearsal.phase === 'failed' && (
          <ErrorMessage title="The rehearsal failed" testId="rehearse-failed" error={rehearsal.error} retry={run} />
        )}
        {rehearsal.phase === 'done' && <ImpactReportView report={rehearsal.report} start={rehearsal.start} />}
      </div>
    </div>
  );
}

function PromotionPanel({
  state,
  onClose,
  denied,
}: {
  state: PromotionState;
  onClose: () => void;
  denied: number | null;
}) {
  if (state.phase === 'idle' || state.phase === 'invalid') return null;
  return (
    <section className="promotion" data-testid="promotion" aria-label="Promotion">
      <header className="promotion-head">
        <h2>Promote: what to apply</h2>
        <button type="button" className="icon-button" aria-label="Close the promotion" onClick={onClose}>
          ×
        </button>
      </header>
      {state.phase === 'loading' && <StateMessage kind="loading" title="Promoting the change set…" />}
      {state.phase === 'failed' && (
        <StateMessage kind="error" title="Could not promote the change set">
          {state.error.message}
        </StateMessage>
      )}
      {state.phase === 'done' && (
        <>
          {denied !== null && denied > 0 && (
            <p className="error-text" data-testid="promotion-warning">
              The last rehearsal found {denied} flow record{denied === 1 ? '' : 's'} that would be denied: apply only if
              that is intended.
            </p>
          )}
          {state.promotion.yaml ? (
            <>
              <div className="promotion-step">
                <span>
                  1. Apply the enforced policies (<code>kubectl apply -f promoted.yaml</code>)
                </span>
                <CopyButton text={state.promotion.yaml} label="Copy YAML" testId="copy-promoted-yaml" />
              </div>
              <CodeBlock text={state.promotion.yaml} testId="promoted-yaml" />
            </>
          ) : (
            <p className="muted">The change set only deletes policies: there is nothing to apply.</p>
          )}
          {state.promotion.deletions.length > 0 && (
            <>
              <div className="promotion-step">
                <span>{state.promotion.yaml ? '2. ' : ''}Delete the policies the change set removes</span>
                <CopyButton
                  text={state.promotion.deletions.map((d) => d.command).join('\n')}
                  label="Copy commands"
                  testId="copy-deletions"
                />
              </div>
              <CodeBlock
                text={state.promotion.deletions.map((d) => d.command).join('\n')}
                testId="promoted-deletions"
              />
            </>
          )}
        </>
      )}
    </section>
  );
}
