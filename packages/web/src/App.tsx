// The shell: header with navigation, cluster summary and theme toggle; the routes render in its outlet.
import { lazy, Suspense } from 'react';
import { createBrowserRouter, Link, NavLink, Outlet, type RouteObject } from 'react-router';
import { ClusterNotice } from './components/ClusterNotice.tsx';
import { StateMessage } from './components/common.tsx';
import { useSummary } from './hooks/useApi.ts';
import { useTheme } from './hooks/usePrefs.ts';
import { FlowsPage } from './pages/FlowsPage.tsx';
import { PoliciesPage } from './pages/PoliciesPage.tsx';
import { RecommendPage } from './pages/RecommendPage.tsx';

// The editor (CodeMirror) and the graph layout (dagre) load with their pages.
const GraphPage = lazy(() => import('./pages/GraphPage.tsx').then((m) => ({ default: m.GraphPage })));
const RehearsePage = lazy(() => import('./pages/RehearsePage.tsx').then((m) => ({ default: m.RehearsePage })));
const InsightsPage = lazy(() => import('./pages/InsightsPage.tsx').then((m) => ({ default: m.InsightsPage })));
const EgressPage = lazy(() => import('./pages/EgressPage.tsx').then((m) => ({ default: m.EgressPage })));
const RolloutPage = lazy(() => import('./pages/RolloutPage.tsx').then((m) => ({ default: m.RolloutPage })));

/** Every page: its path, its navigation label and element. '/flow-logs' is Whisker's route. */
const PAGES = [
  { path: '/', label: 'Flow logs', testId: 'nav-flows', element: <FlowsPage /> },
  { path: '/policies', label: 'Policies', testId: 'nav-policies', element: <PoliciesPage /> },
  { path: '/graph', label: 'Service graph', testId: 'nav-graph', element: <GraphPage /> },
  { path: '/rehearse', label: 'Rehearse', testId: 'nav-rehearse', element: <RehearsePage /> },
  { path: '/recommend', label: 'Recommend', testId: 'nav-recommend', element: <RecommendPage /> },
  { path: '/insights', label: 'Insights', testId: 'nav-insights', element: <InsightsPage /> },
  { path: '/egress', label: 'Egress', testId: 'nav-egress', element: <EgressPage /> },
  { path: '/rollout', label: 'Rollout', testId: 'nav-rollout', element: <RolloutPage /> },
] as const;

export const ROUTES: RouteObject[] = [
  {
    element: <Shell />,
    children: [
      ...PAGES.map((p) =>
        p.path === '/' ? { index: true, element: p.element } : { path: p.path, element: p.element },
      ),
      { path: '/flow-logs', element: <FlowsPage /> },
      { path: '*', element: <FlowsPage /> },
    ],
  },
];

export const createRouter = () => createBrowserRouter(ROUTES);

function Shell() {
  const [theme, toggleTheme] = useTheme();
  const summary = useSummary();
  return (
    <div className="app">
      <header className="app-header">
        <Link to="/" className="brand">
          Verdict
        </Link>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <NavLink
              key={p.path}
              to={p.path}
              end={p.path === '/'}
              className={({ isActive }) => (isActive ? 'nav-link nav-active' : 'nav-link')}
              data-testid={p.testId}
            >
              {p.label}
            </NavLink>
          ))}
        </nav>
        <div className="header-right">
          <ClusterNotice />
          {summary.data && (
            <span className="summary muted" data-testid="cluster-summary">
              {summary.data.namespaces.length} namespaces · {summary.data.workloads} workloads · {summary.data.policies}{' '}
              policies{summary.data.staged ? ` (${summary.data.staged} staged)` : ''} · {summary.data.store}
            </span>
          )}
          <button
            type="button"
            className="icon-button"
            onClick={toggleTheme}
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
            data-testid="theme-toggle"
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
        </div>
      </header>
      <main className="app-main">
        <Suspense fallback={<StateMessage kind="loading" title="Loading…" />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
