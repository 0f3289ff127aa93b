// The flow-logs view lives in the URL; this hook reads it and writes it back.
import { useCallback, useMemo } from 'react';
import { type FlowView, formatFlowView, parseFlowView } from '../data/flowView.ts';
import { navigate, useLocation } from './useLocation.ts';

export type SetFlowView = (update: (v: FlowView) => FlowView, opts?: { replace?: boolean }) => void;

export function useFlowView(): [FlowView, SetFlowView] {
  const { pathname, search } = useLocation();
  const view = useMemo(() => parseFlowView(search), [search]);
  const setView = useCallback<SetFlowView>(
    (update, opts = {}) => {
      const qs = formatFlowView(update(parseFlowView(window.location.search)));
      navigate(qs ? `${pathname}?${qs}` : pathname, opts);
    },
    [pathname],
  );
  return [view, setView];
}
