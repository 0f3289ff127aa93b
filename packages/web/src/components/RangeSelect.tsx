// A relative time-range picker for the board and graph pages.
const OPTIONS: readonly [number, string][] = [
  [-300, 'Last 5 minutes'],
  [-900, 'Last 15 minutes'],
  [-3600, 'Last hour'],
  [-6 * 3600, 'Last 6 hours'],
  [-86400, 'Last 24 hours'],
];

export function RangeSelect({
  value,
  onChange,
  testId,
}: {
  value: number;
  onChange: (start: number) => void;
  testId: string;
}) {
  const known = OPTIONS.some(([v]) => v === value);
  return (
    <select
      value={value}
      onChange={(e) => onChange(Number(e.target.value))}
      aria-label="Time range"
      data-testid={testId}
    >
      {!known && <option value={value}>Custom</option>}
      {OPTIONS.map(([v, label]) => (
        <option key={v} value={v}>
          {label}
        </option>
      ))}
    </select>
  );
}
