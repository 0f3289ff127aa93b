// Small display helpers.

export function formatTime(unixSec: number): string {
  return new Date(unixSec * 1000).toLocaleTimeString();
}

export function formatDateTime(unixSec: number): string {
  return new Date(unixSec * 1000).toLocaleString();
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** "Last 5 minutes", or an absolute range. */
export function describeRange(start: number, end: number): string {
  if (end === 0 && start < 0) {
    const s = -start;
    if (s % 86400 === 0) return `last ${s / 86400 === 1 ? 'day' : `${s / 86400} days`}`;
    if (s % 3600 === 0) return `last ${s / 3600 === 1 ? 'hour' : `${s / 3600} hours`}`;
    if (s % 60 === 0) return `last ${s / 60 === 1 ? 'minute' : `${s / 60} minutes`}`;
    return `last ${s} seconds`;
  }
  const from = start < 0 ? `${-start}s ago` : formatDateTime(start);
  const to = end === 0 ? 'now' : formatDateTime(end);
  return `${from} → ${to}`;
}

export function reporterLabel(r: string): string {
  return r === 'Src' ? 'Source' : r === 'Dst' ? 'Destination' : r;
}

export { displayName, displayNamespace } from '@verdict/flows/names';

/** A flow's address set in a cell: the first `max` addresses and how many more ("10.0.0.1, 10.0.0.2 +3"). */
export function formatIps(ips: readonly string[], beyond: number, max = 2): string {
  const more = ips.length - Math.min(ips.length, max) + beyond;
  const shown = ips.slice(0, max).join(', ');
  return more > 0 ? `${shown} +${more}` : shown;
}
