// Logs: a LogQL box over Loki's API, a volume histogram, rows with severity colours, JSON
// expansion, trace_id links (or "trace not stored (sampled out?)"), context ±N lines of the same
// stream, and live tail (WebSocket, falling back to polling).
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { Status, useLoad } from '../components.jsx';
import { navigate, setParams, useRoute } from '../state.js';
import { currentRange, fmtTime } from '../time.js';

const DEFAULT_QUERY = '{service_name=~".+"}';
// Loki returns structured metadata (trace_id, span_id, severity) only when asked for categories.
const CATEGORIZED = { headers: { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' } };
const logRange = (params) => getJson('/loki/api/v1/query_range', params, CATEGORIZED);
const CONTEXT = 5;

function severity(e) {
  const s = (e.metadata?.severity_text || e.metadata?.detected_level || e.stream?.detected_level || e.stream?.level || '').toLowerCase();
  if (s.startsWith('err') || s.startsWith('fatal') || s.startsWith('crit')) return 'error';
  if (s.startsWith('warn')) return 'warn';
  if (s.startsWith('debug') || s.startsWith('trace')) return 'debug';
  if (s) return 'info';
  return '';
}

function selectorOf(stream) {
  return '{' + Object.entries(stream).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',') + '}';
}

function TraceLink({ id }) {
  const [state, setState] = useState('');
  if (!id) return null;
  const open = async (e) => {
    e.preventDefault();
    e.stopPropagation();
    setState('checking');
    try {
      await getJson(`/api/v3/traces/${id}`);
      navigate('/trace/' + id);
    } catch (err) {
      setState(err.status === 404 ? 'missing' : String(err.message));
    }
  };
  return (
    <span class="trace-link">
      <a href={`/trace/${id}`} onClick={open} data-testid="log-trace-link">
        trace {id.slice(0, 8)}…
      </a>
      {state === 'missing' && (
        <span class="muted" data-testid="trace-missing">
          {' '}
          trace not stored (sampled out?)
        </span>
      )}
      {state && state !== 'missing' && state !== 'checking' && <span class="error"> {state}</span>}
    </span>
  );
}

function LogRow({ e, hideTraceLink, onContext }) {
  const [open, setOpen] = useState(false);
  let json = null;
  if (open && e.line.trimStart().startsWith('{')) {
    try {
      json = JSON.stringify(JSON.parse(e.line), null, 2);
    } catch (err) {
      json = null;
    }
  }
  const tid = e.metadata?.trace_id;
  return (
    <div class={`log-row sev-${severity(e)}${e.focus ? ' focus' : ''}`} data-testid="log-row" onClick={() => setOpen(!open)}>
      <span class="log-ts">{fmtTime(Number(BigInt(e.ts) / 1000000n))}</span>
      <span class="log-svc">{e.stream?.service_name}</span>
      <span class="log-line">{e.line}</span>
      {tid && tid !== hideTraceLink && <TraceLink id={tid} />}
      {onContext && (
        <button
          class="ctx"
          data-testid="log-context"
          onClick={(ev) => {
            ev.stopPropagation();
            onContext(e);
          }}
        >
          ±{CONTEXT}
        </button>
      )}
      {open && (
        <div class="log-detail" onClick={(ev) => ev.stopPropagation()}>
          {json && <pre class="code" data-testid="log-json">{json}</pre>}
          <table class="kv">
            <tbody>
              {Object.entries({ ...e.stream, ...e.metadata }).map(([k, v]) => (
                <tr key={k}>
                  <td class="k">{k}</td>
                  <td class="v mono">{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function LogRows({ entries, hideTraceLink, onContext }) {
  return (
    <div class="logs" data-testid="log-rows">
      {entries.map((e, i) => (
        <LogRow key={e.ts + ':' + i} e={e} hideTraceLink={hideTraceLink} onContext={onContext} />
      ))}
    </div>
  );
}

function flatten(result) {
  const out = [];
  for (const s of result || []) {
    for (const v of s.values || []) out.push({ ts: v[0], line: v[1], stream: s.stream, metadata: v[2]?.structuredMetadata || {} });
  }
  return out;
}

function Volume({ query, startMs, endMs }) {
  const selector = query.trim();
  const step = Math.max(1, Math.ceil((endMs - startMs) / 1000 / 60));
  const res = useLoad(
    () =>
      getJson('/loki/api/v1/query_range', {
        query: `sum(count_over_time(${selector} [${step}s]))`,
        start: `${startMs}000000`,
        end: `${endMs}000000`,
        step: `${step}`,
      }),
    [selector, startMs, endMs],
  );
  const vals = res.data?.data?.result?.[0]?.values || [];
  if (!vals.length) return <div class="volume muted">no volume</div>;
  const max = Math.max(...vals.map((v) => Number(v[1])));
  const total = vals.reduce((a, v) => a + Number(v[1]), 0);
  return (
    <div class="volume" data-testid="log-volume" title={`${total} lines`}>
      {vals.map(([t, v]) => (
        <div key={t} class="vbar" style={{ left: `${((t * 1000 - startMs) / (endMs - startMs)) * 100}%`, height: `${(Number(v) / max) * 100}%` }} />
      ))}
      <span class="vtotal" data-testid="log-volume-total">
        {total} lines
      </span>
    </div>
  );
}

function useTail(query, on) {
  const [entries, setEntries] = useState([]);
  const [mode, setMode] = useState('');
  useEffect(() => {
    if (!on) return undefined;
    setEntries([]);
    let ws;
    let timer;
    let closed = false;
    const add = (list) => setEntries((cur) => [...list.reverse(), ...cur].slice(0, 500));
    const poll = () => {
      setMode('polling');
      let since = Date.now() * 1e6;
      const tick = async () => {
        if (closed) return;
        try {
          const r = await logRange({ query, start: String(since), end: String(Date.now() * 1e6), direction: 'forward', limit: '500' });
          const got = flatten(r.data?.result).sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : 1));
          if (got.length) {
            since = Number(BigInt(got[got.length - 1].ts) + 1n);
            add(got);
          }
        } catch (e) {
          /* the banner says the API is down */
        }
        timer = setTimeout(tick, 2000);
      };
      tick();
    };
    try {
      const proto = location.protocol === 'https:' ? 'wss' : 'ws';
      ws = new WebSocket(`${proto}://${location.host}/loki/api/v1/tail?${new URLSearchParams({ query, start: String(Date.now() * 1e6) })}`);
      ws.onopen = () => setMode('websocket');
      ws.onmessage = (m) => {
        const d = JSON.parse(m.data);
        add(flatten(d.streams));
      };
      ws.onerror = () => {
        if (!closed && mode !== 'websocket') poll();
      };
    } catch (e) {
      poll();
    }
    return () => {
      closed = true;
      clearTimeout(timer);
      if (ws) ws.close();
    };
  }, [query, on]);
  return { entries, mode };
}

export function Logs() {
  const r = useRoute();
  const p = r.params;
  const range = currentRange(p);
  const query = p.get('query') || DEFAULT_QUERY;
  const [text, setText] = useState(query);
  const [ctx, setCtx] = useState(null);
  const live = p.get('live') === '1';
  const tail = useTail(query, live);
  const res = useLoad(
    () =>
      live
        ? Promise.resolve(null)
        : logRange({
            query,
            start: `${range.startMs}000000`,
            end: `${range.endMs}000000`,
            limit: p.get('limit') || '1000',
            direction: 'backward',
          }),
    [query, range.from, range.to, live],
  );
  const entries = res.data ? flatten(res.data.data?.result).sort((a, b) => (BigInt(b.ts) > BigInt(a.ts) ? 1 : -1)) : [];
  const showContext = async (e) => {
    const sel = selectorOf(e.stream);
    const ts = BigInt(e.ts);
    const [before, after] = await Promise.all([
      logRange({ query: sel, start: String(ts - 86400n * 1000000000n), end: String(ts), limit: String(CONTEXT), direction: 'backward' }),
      logRange({ query: sel, start: String(ts + 1n), end: String(ts + 86400n * 1000000000n), limit: String(CONTEXT), direction: 'forward' }),
    ]);
    const all = [...flatten(before.data?.result), { ...e, focus: true }, ...flatten(after.data?.result)].sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : 1));
    setCtx(all);
  };
  const isMetric = /^\s*(sum|count|rate|avg|min|max|topk|bottomk|quantile_over_time|count_over_time|bytes_over_time|bytes_rate)\b/.test(query);
  return (
    <div class="page" data-testid="logs-page">
      <h1>Logs</h1>
      <form
        class="query-form"
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ query: text }, false);
        }}
      >
        <input class="query" value={text} onInput={(e) => setText(e.target.value)} data-testid="logql-input" spellcheck={false} />
        <button type="submit" data-testid="logql-run">
          Run
        </button>
        <label>
          <input type="checkbox" checked={live} onChange={(e) => setParams({ live: e.target.checked ? '1' : '' })} data-testid="live-tail" /> live tail
        </label>
      </form>
      {!live && !isMetric && <Volume query={query} startMs={range.startMs} endMs={range.endMs} />}
      {ctx && (
        <div class="card" data-testid="log-context-view">
          <div class="panel-head">
            <h3>Context (±{CONTEXT} lines of the same stream)</h3>
            <button onClick={() => setCtx(null)}>✕</button>
          </div>
          <LogRows entries={ctx} />
        </div>
      )}
      {live ? (
        <>
          <p class="muted" data-testid="tail-mode">
            live tail ({tail.mode || 'connecting'}): {tail.entries.length} new lines
          </p>
          <LogRows entries={tail.entries} />
        </>
      ) : (
        <>
          <Status {...res} />
          {res.data && isMetric && <p class="muted">A metric query: open it on the Metrics page for a chart.</p>}
          {res.data && !isMetric && (
            <>
              <p data-testid="log-count" class="muted">
                {entries.length} lines
              </p>
              <LogRows entries={entries} onContext={showContext} />
            </>
          )}
        </>
      )}
    </div>
  );
}
