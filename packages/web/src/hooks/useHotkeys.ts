// Global single-key shortcuts. Keys typed into inputs are ignored, except Escape.
import { useEffect, useRef } from 'react';

/** Keyed by `KeyboardEvent.key` in lower case: 'j', 'arrowdown', 'enter', 'escape', '/', ' '. */
export type HotkeyMap = Partial<Record<string, (e: KeyboardEvent) => void>>;

function isTyping(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  return t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}

export function useHotkeys(map: HotkeyMap): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key !== 'Escape' && isTyping(e.target)) return;
      const fn = ref.current[e.key.length === 1 ? e.key : e.key.toLowerCase()];
      if (fn) fn(e);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
