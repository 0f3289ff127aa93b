// How stored endpoint names and namespaces are shown (Whisker and the UI) and matched in filters:
// Goldmane stores `pub`/`pvt` for addresses outside the cluster and `-` (or "") for no namespace.
// Filters accept the stored value or its display form.

/** Display forms of stored endpoint names. */
export const NAME_DISPLAY: Readonly<Record<string, string>> = { pub: 'PUBLIC NETWORK', pvt: 'PRIVATE NETWORK' };
/** Display form of the "not namespaced" marker. */
export const NAMESPACE_DISPLAY: Readonly<Record<string, string>> = { '-': 'Global', '': 'Global' };

export const displayName = (name: string): string => NAME_DISPLAY[name] ?? name;
export const displayNamespace = (namespace: string): string => NAMESPACE_DISPLAY[namespace] ?? namespace;

/** True for the stored names of the public and private network (no endpoint behind them). */
export const isNetworkName = (name: string): boolean => name in NAME_DISPLAY;

/** Display form → the stored values it stands for (`Global` → `-`, ""). */
export function storedValues(display: Readonly<Record<string, string>>): Readonly<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [stored, shown] of Object.entries(display)) (out[shown] ??= []).push(stored);
  return out;
}
