// otter's web UI: the shell (navigation, time picker, UTC/local switch, dark mode, API banner)
// and a router over the pages. Pages that pull in heavy libraries (uPlot, dagre) are
// loaded on demand so the first load stays small.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiDown, getJson } from './api.js';
import { navigate, onLink, setParams, useRoute, useSignal, href } from './state.js';
import { RELATIVE, currentRange, isUtc } from './time.js';
import { Services } from './pages/services.jsx';
import { Search } from './pages/search.jsx';
import { Trace } from './pages/trace.jsx';
import { Logs } from './pages/logs.jsx';
import { Pipeline } from './pages/pipeline.jsx';
import { Alerts } from './pages/alerts.jsx';
import { Lazy } from './lazy.jsx';
import './style.css';

const loadMetrics = () => import('./pages/metrics.jsx').then((m) => m.Metrics);
const loadMap = () => import('./pages/map.jsx').then((m) => m.ServiceMap);

const NAV = [
  ['/', 'Services'],
  ['/search', 'Search'],
  ['/logs', 'Logs'],
  ['/metrics', 'Metrics'],
  ['/map', 'Map'],
  ['/alerts', 'Alerts'],
  ['/pipeline', 'Pipeline'],
];

function TimePicker() {
  const r = currentRange();
  const [open, setOpen] = useState(false);
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const toLocalInput = (ms) => {
    const d = new Date(ms - (isUtc() ? 0 : new Date(ms).getTimezoneOffset() * 60e3));
    return d.toISOString().slice(0, 19);
  };
  const fromInput = (s) => {
    const ms = Date.parse(s + (isUtc() ? 'Z' : ''));
    return Number.isFinite(ms) ? ms : null;
  };
  return (
    <div class="picker">
      <button data-testid="time-picker" onClick={() => setOpen(!open)}>
        {r.label}
      </button>
      {open && (
        <div class="picker-menu" data-testid="time-picker-menu">
          {RELATIVE.map(([v, label]) => (
            <button
              key={v}
              class={v === r.from ? 'active' : ''}
              onClick={() => {
                setParams({ from: v, to: 'now' }, false);
                setOpen(false);
              }}
            >
              {label}
            </button>
          ))}
          <div class="abs">
            <label>
              from <input type="datetime-local" step="1" data-testid="abs-from" value={a || toLocalInput(r.startMs)} onInput={(e) => setA(e.target.value)} />
            </label>
            <label>
              to <input type="datetime-local" step="1" data-testid="abs-to" value={b || toLocalInput(r.endMs)} onInput={(e) => setB(e.target.value)} />
            </label>
            <button
              data-testid="abs-apply"
              onClick={() => {
                const f = fromInput(a || toLocalInput(r.startMs));
                const t = fromInput(b || toLocalInput(r.endMs));
                if (f !== null && t !== null && f < t) setParams({ from: f, to: t }, false);
                setOpen(false);
              }}
            >
              apply ({isUtc() ? 'UTC' : 'local'})
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function Page({ path }) {
  if (path === '/' || path === '/services') return <Services />;
  if (path === '/search') return <Search />;
  if (path.startsWith('/trace/')) return <Trace id={decodeURIComponent(path.slice(7))} />;
  if (path === '/logs') return <Logs />;
  if (path === '/metrics') return <Lazy load={loadMetrics} />;
  if (path === '/map') return <Lazy load={loadMap} />;
  if (path === '/pipeline') return <Pipeline />;
  if (path === '/alerts') return <Alerts />;
  return (
    <div class="card" data-testid="not-found">
      <h2>Page not found</h2>
      <p>
        <a href={href('/')}>Go to the services</a>
      </p>
    </div>
  );
}

function App() {
  const r = useRoute();
  const down = useSignal(apiDown);
  const [dark, setDark] = useState(() => localStorage.getItem('otter-theme') === 'dark' || (!localStorage.getItem('otter-theme') && matchMedia('(prefers-color-scheme: dark)').matches));
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);
  const utc = isUtc(r.params);
  const active = (p) => (p === '/' ? r.path === '/' || r.path === '/services' : r.path.startsWith(p));
  return (
    <div class="app" onClick={onLink}>
      <header>
        <a class="brand" href={href('/')}>
          otter
        </a>
        <nav>
          {NAV.map(([p, label]) => (
            <a key={p} href={href(p)} class={active(p) ? 'active' : ''} data-testid={`nav-${label.toLowerCase()}`}>
              {label}
            </a>
          ))}
        </nav>
        <form
          class="jump"
          onSubmit={(e) => {
            e.preventDefault();
            const v = e.target.elements.id.value.trim();
            if (v) navigate('/trace/' + encodeURIComponent(v));
          }}
        >
          <input name="id" placeholder="trace id" data-testid="trace-jump" />
        </form>
        <TimePicker />
        <button data-testid="tz-switch" title="show times in UTC or local time" onClick={() => setParams({ tz: utc ? 'local' : 'utc' })}>
          {utc ? 'UTC' : 'local'}
        </button>
        <button
          data-testid="theme-switch"
          title="dark mode"
          onClick={() => {
            localStorage.setItem('otter-theme', dark ? 'light' : 'dark');
            setDark(!dark);
          }}
        >
          {dark ? '☀' : '☾'}
        </button>
      </header>
      {down && (
        <div class="banner" role="alert" data-testid="api-banner">
          The otter API at {location.host} is unreachable; retrying…
        </div>
      )}
      <main>
        <Page path={r.path} key={r.path} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app'));
getJson('/api/otter/info').catch(() => {});
