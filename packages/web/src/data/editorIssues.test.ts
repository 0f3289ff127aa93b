import { Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import type { ApiIssue } from '../api/types.ts';
import { issueDiagnostics } from './editorIssues.ts';

const issue = (line: number, column: number, severity: 'error' | 'warning' = 'error'): ApiIssue =>
  ({ code: 'invalid-selector', severity, message: 'bad', path: 'spec.selector', file: '', line, column }) as ApiIssue;

describe('issueDiagnostics', () => {
  const doc = Text.of(['kind: X', 'spec:', '  selector: app ==', '']);

  it('underlines from the column to the end of the line, with the path in the message', () => {
    const [d] = issueDiagnostics([issue(3, 13)], doc);
    expect(doc.sliceString(d!.from, d!.to)).toBe('app ==');
    expect(d).toMatchObject({ severity: 'error', source: 'invalid-selector', message: 'spec.selector: bad' });
  });

  it('takes the whole line without a column or past its end, and drops issues without a line in the text', () => {
    const ds = issueDiagnostics([issue(2, 0, 'warning'), issue(1, 99), issue(0, 0), issue(9, 1)], doc);
    expect(ds.map((d) => [doc.sliceString(d.from, d.to), d.severity])).toEqual([
      ['spec:', 'warning'],
      ['kind: X', 'error'],
    ]);
  });
});
