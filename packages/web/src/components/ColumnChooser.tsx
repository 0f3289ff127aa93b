// Shows, hides and reorders flow table columns.
import { COLUMN_LABELS, type ColumnPrefs, DEFAULT_COLUMN_PREFS, moveColumn, toggleColumn } from '../data/columns.ts';
import { Popover } from './common.tsx';

export function ColumnChooser({ prefs, onChange }: { prefs: ColumnPrefs; onChange: (p: ColumnPrefs) => void }) {
  return (
    <Popover label="Columns" testId="column-chooser" align="right">
      {() => (
        <div className="column-chooser">
          <ul>
            {prefs.order.map((id, i) => (
              <li key={id}>
                <label>
                  <input
                    type="checkbox"
                    checked={!prefs.hidden.includes(id)}
                    onChange={() => onChange(toggleColumn(prefs, id))}
                    data-testid={`column-toggle-${id}`}
                  />
                  {COLUMN_LABELS[id]}
                </label>
                <span className="move">
                  <button
                    type="button"
                    className="icon-button"
                    disabled={i === 0}
                    aria-label={`Move ${COLUMN_LABELS[id]} up`}
                    onClick={() => onChange(moveColumn(prefs, id, -1))}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    disabled={i === prefs.order.length - 1}
                    aria-label={`Move ${COLUMN_LABELS[id]} down`}
                    onClick={() => onChange(moveColumn(prefs, id, 1))}
                  >
                    ↓
                  </button>
                </span>
              </li>
            ))}
          </ul>
          <button type="button" className="link-button" onClick={() => onChange(DEFAULT_COLUMN_PREFS)}>
            Reset columns
          </button>
        </div>
      )}
    </Popover>
  );
}
