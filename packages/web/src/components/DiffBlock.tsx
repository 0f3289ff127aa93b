// A unified diff shown as added/removed/context lines (text only, never HTML).
import { diffStat, parseUnifiedDiff } from '../data/diff.ts';

const SIGN = { added: '+', removed: '−', context: ' ' } as const;

export function DiffBlock({ diff, testId }: { diff: string; testId?: string }) {
  const hunks = parseUnifiedDiff(diff);
  const stat = diffStat(hunks);
  if (hunks.length === 0) return <p className="muted">No difference in the spec.</p>;
  return (
    <div className="diff" data-testid={testId}>
      <div className="diff-stat">
        <span className="diff-added-count">+{stat.added}</span>{' '}
        <span className="diff-removed-count">−{stat.removed}</span> lines
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: axe scrollable-region-focusable */}
      <pre className="code diff-code" tabIndex={0}>
        {hunks.map((h) => (
          <span key={h.header} className="diff-hunk">
            <span className="code-line diff-header">
              {h.header}
              {'\n'}
            </span>
            {h.lines.map((l, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines of one hunk never reorder
              <span key={i} className={`code-line diff-${l.kind}`} data-kind={l.kind}>
                <span className="diff-sign" aria-hidden="true">
                  {SIGN[l.kind]}
                </span>
                {l.kind !== 'context' && (
                  <span className="sr-only">{l.kind === 'added' ? 'added: ' : 'removed: '}</span>
                )}
                <span className="code-text">{l.text || ' '}</span>
                {'\n'}
              </span>
            ))}
          </span>
        ))}
      </pre>
    </div>
  );
}
