// The flow-logs view lives in the URL; this hook reads it and writes it back.
import { useCallback, useMemo } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { type FlowView, formatFlowView, parseFlowView } from '../data/flowView.ts';

export type SetFlowView = (update: (v: FlowView) => FlowView, opts?: { replace?: boolean }) => void;

export function useFlowView(): [FlowView, SetFlowView] {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const view = useMemo(() => parseFlowView(search), [search]);
  const setView = useCallback<SetFlowView>(
    (update, opts = {}) => {
      const qs = formatFlowView(update(parseFlowView(window.location.search)));
      navigate(qs ? `${pathname}?${qs}` : pathname, opts);
    },
    [pathname, navigate],
  );
  return [view, setView];
}
