// The workbench frame: navigation, theme, the case's display zone, and the view for the current hash route.
import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from './api.ts';
import { ZonePicker } from './components/ZonePicker.tsx';
import { CaseContext } from './caseContext.ts';
import { useLoad, useRoute } from './hooks.ts';
import { CaseView } from './views/Case.tsx';
import { FindingsView } from './views/Findings.tsx';
import { WebshellsView } from './views/Webshells.tsx';
import { LAST_TIMELINE_KEY, TimelineView } from './views/Timeline.tsx';
import { FilesView } from './views/Files.tsx';
import { ReportView } from './views/Report.tsx';
import { StoryView } from './views/Story.tsx';
import { CompletenessBanner } from './components/CompletenessBanner.tsx';

const VIEWS: Array<{ id: string; label: string; key: string }> = [
  { id: 'case', label: 'Case', key: '1' },
  { id: 'findings', label: 'Findings', key: '2' },
  { id: 'webshells', label: 'Web shells', key: '3' },
  { id: 'timeline', label: 'Timeline', key: '4' },
  { id: 'files', label: 'Files & hashes', key: '5' },
  { id: 'report', label: 'Report', key: '6' },
  { id: 'story', label: 'Story', key: '7' },
];

/** While an index runs the banner follows it: the case is read again every few seconds. */
const INDEXING_POLL_MS = 2000;

type Theme = 'dark' | 'light';

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('loupe.theme') as Theme | null) ?? 'dark');
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('loupe.theme', theme);
  }, [theme]);
  return [theme, () => setTheme((t) => (t === 'dark' ? 'light' : 'dark'))];
}

export function App() {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  const caseInfo = useLoad(() => api.getCase(), []);
  const info = caseInfo.data ?? null;
  // One display zone, kept in the case: every time shown, typed or exported uses it.
  const zone = info?.meta.displayZone || 'UTC';
  const ctx = useMemo(() => ({ info, refresh: caseInfo.reload, zone }), [info, caseInfo.reload, zone]);
  const indexing = !!info?.completeness.indexing;
  useEffect(() => {
    if (!indexing) return undefined;
    const timer = window.setInterval(caseInfo.reload, INDEXING_POLL_MS);
    return () => window.clearInterval(timer);
  }, [indexing, caseInfo.reload]);

  // The case may be opened, switched or re-indexed from elsewhere (another window, `loupe index`): read it again when the
  // analyst comes back to the window or moves to another view, not only on start.
  useEffect(() => {
    const onFocus = () => { if (document.visibilityState === 'visible') caseInfo.reload(); };
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onFocus);
    return () => { window.removeEventListener('focus', onFocus); document.removeEventListener('visibilitychange', onFocus); };
  }, [caseInfo.reload]);
  const shownView = useRef(route.view);
  useEffect(() => {
    if (shownView.current !== route.view) caseInfo.reload();
    shownView.current = route.view;
  }, [route.view, caseInfo.reload]);

  // Alt+1…6 switch views from anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) return;
      const v = VIEWS.find((x) => x.key === e.key);
      if (v) { e.preventDefault(); window.location.hash = `#/${v.id}`; }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <CaseContext.Provider value={ctx}>
      <div className="app">
        <header className="topbar">
          <span className="brand">Loupe</span>
          <nav>
            {VIEWS.map((v) => (
              <a key={v.id} href={v.id === 'timeline' ? (route.view === 'timeline' ? window.location.hash : sessionStorage.getItem(LAST_TIMELINE_KEY)) || '#/timeline' : `#/${v.id}`} className={route.view === v.id ? 'active' : ''} title={`Alt+${v.key}`}>{v.label}</a>
            ))}
          </nav>
          <span className="spacer" />
          <span className="case-name" data-testid="case-name">{info ? `${info.meta.caseNumber || 'case'} · ${info.meta.client || info.path}` : 'no case open'}</span>
          <ZonePicker zone={zone} disabled={!info} onChange={async (z) => { await api.updateCaseMeta({ displayZone: z }); caseInfo.reload(); }} />
          <button type="button" onClick={toggleTheme} aria-label="Toggle theme">{theme === 'dark' ? 'Light' : 'Dark'}</button>
        </header>
        {caseInfo.error && <div className="error" role="alert">Cannot reach the Loupe service: {caseInfo.error}</div>}
        {info && <CompletenessBanner c={info.completeness} />}
        <main className="content">
          {route.view === 'case' && <CaseView />}
          {route.view === 'findings' && <FindingsView params={route.params} />}
          {route.view === 'webshells' && <WebshellsView params={route.params} />}
          {route.view === 'timeline' && <TimelineView params={route.params} />}
          {route.view === 'files' && <FilesView params={route.params} />}
          {route.view === 'report' && <ReportView />}
          {route.view === 'story' && <StoryView params={route.params} />}
          {!VIEWS.some((v) => v.id === route.view) && <p className="empty">Unknown page. Choose a view above.</p>}
        </main>
      </div>
    </CaseContext.Provider>
  );
}
