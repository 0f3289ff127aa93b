// Preferences kept in localStorage: flow table columns and the colour theme.
import { useCallback, useEffect, useState } from 'react';
import { COLUMNS_STORAGE_KEY, type ColumnPrefs, parseColumnPrefs, serializeColumnPrefs } from '../data/columns.ts';

function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Private mode or quota: the preference just does not persist.
  }
}

export function useColumnPrefs(): [ColumnPrefs, (p: ColumnPrefs) => void] {
  const [prefs, setPrefs] = useState<ColumnPrefs>(() => parseColumnPrefs(readStorage(COLUMNS_STORAGE_KEY)));
  const update = useCallback((p: ColumnPrefs) => {
    setPrefs(p);
    writeStorage(COLUMNS_STORAGE_KEY, serializeColumnPrefs(p));
  }, []);
  return [prefs, update];
}

export type Theme = 'light' | 'dark';
const THEME_KEY = 'verdict-theme';

function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The chosen theme, else the system's; the toggle stores an explicit choice. */
export function useTheme(): [Theme, () => void] {
  const [chosen, setChosen] = useState<Theme | null>(() => {
    const v = readStorage(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : null;
  });
  const [system, setSystem] = useState<Theme>(systemTheme);
  useEffect(() => {
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
    if (!mq) return;
    const on = () => setSystem(mq.matches ? 'dark' : 'light');
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  const theme = chosen ?? system;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const toggle = useCallback(() => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    setChosen(next);
    writeStorage(THEME_KEY, next);
  }, [theme]);
  return [theme, toggle];
}
