// The shell: header with navigation, cluster summary and theme toggle; routes to the pages.
import { useSummary } from './hooks/useApi.ts';
import { onLinkClick, useLocation } from './hooks/useLocation.ts';
import { useTheme } from './hooks/usePrefs.ts';
import { FlowsPage } from './pages/FlowsPage.tsx';
import { GraphPage } from './pages/GraphPage.tsx';
import { PoliciesPage } from './pages/PoliciesPage.tsx';
import { RecommendPage } from './pages/RecommendPage.tsx';
import { RehearsePage } from './pages/RehearsePage.tsx';

const ROUTES = [
  { path: '/', label: 'Flow logs', testId: 'nav-flows' },
  { path: '/policies', label: 'Policies', testId: 'nav-policies' },
  { path: '/graph', label: 'Service graph', testId: 'nav-graph' },
  { path: '/rehearse', label: 'Rehearse', testId: 'nav-rehearse' },
  { path: '/recommend', label: 'Recommend', testId: 'nav-recommend' },
] as const;

function routeOf(pathname: string): (typeof ROUTES)[number]['path'] {
  if (pathname.startsWith('/policies')) return '/policies';
  if (pathname.startsWith('/graph')) return '/graph';
  if (pathname.startsWith('/rehearse')) return '/rehearse';
  if (pathname.startsWith('/recommend')) return '/recommend';
  return '/'; // '/', '/flow-logs' (Whisker's route) and anything unknown
}

export function App() {
  const { pathname } = useLocation();
  const [theme, toggleTheme] = useTheme();
  const summary = useSummary();
  const route = routeOf(pathname);
  return (
    <div className="app">
      <header className="app-header">
        <a href="/" className="brand" onClick={onLinkClick}>
          Verdict
        </a>
        <nav>
          {ROUTES.map((r) => (
            <a
              key={r.path}
              href={r.path}
              onClick={onLinkClick}
              className={route === r.path ? 'nav-link nav-active' : 'nav-link'}
              aria-current={route === r.path ? 'page' : undefined}
              data-testid={r.testId}
            >
              {r.label}
            </a>
          ))}
        </nav>
        <div className="header-right">
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
        {route === '/' && <FlowsPage />}
        {route === '/policies' && <PoliciesPage />}
        {route === '/graph' && <GraphPage />}
        {route === '/rehearse' && <RehearsePage />}
        {route === '/recommend' && <RecommendPage />}
      </main>
    </div>
  );
}
