// Pipeline: the configured pipelines as receivers → processors → exporters, each component with
// its status and its own counters (accepted / refused / dropped / sent / failed, queue fill),
// refreshed every 2 s, with per-second rates from the last refresh.
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { Status } from '../components.jsx';
import { fmtNum } from '../time.js';

const REFRESH_MS = 2000;

const KEYS = [
  ['accepted', /^accepted_/],
  ['refused', /^refused_/],
  ['incoming', /^incoming_items/],
  ['outgoing', /^outgoing_items/],
  ['dropped', /dropped/],
  ['sent', /^sent_/],
  ['failed', /^(send_failed_|enqueue_failed_)/],
  ['queue', /^queue_size$/],
];

// Counters name their signal (accepted_spans, sent_log_records, ...): a pipeline shows its own.
const SIGNAL_SUFFIX = { traces: 'spans', logs: 'log_records', metrics: 'metric_points' };
const OTHER_SUFFIXES = Object.values(SIGNAL_SUFFIX);

function sums(metrics, signal) {
  const out = {};
  const own = SIGNAL_SUFFIX[signal];
  for (const [label, re] of KEYS) {
    let v = null;
    for (const [k, x] of Object.entries(metrics || {})) {
      if (!re.test(k)) continue;
      if (own && !k.endsWith(own) && OTHER_SUFFIXES.some((sfx) => k.endsWith(sfx))) continue;
      v = (v || 0) + x;
    }
    if (v !== null) out[label] = v;
  }
  return out;
}

function Component({ name, signal, c, prev, dt }) {
  const [kind, id] = name.split(/:(.*)/);
  const s = sums(c?.metrics, signal);
  const p = prev ? sums(prev.metrics, signal) : {};
  const state = c?.state || '';
  const bad = /Error/.test(state);
  return (
    <div class={`comp comp-${kind} ${bad ? 'comp-bad' : ''}`} data-testid="pipeline-component" data-component={name}>
      <div class="comp-kind">{kind}</div>
      <div class="comp-id">{id}</div>
      {state && (
        <div class={bad ? 'bad' : 'ok'} title={c.error}>
          {state.replace(/^Status/, '')}
        </div>
      )}
      {c?.error && <div class="bad small">{c.error}</div>}
      <table class="kv small">
        <tbody>
          {Object.entries(s).map(([k, v]) => (
            <tr key={k}>
              <td class="k">{k}</td>
              <td class="v" data-testid={`metric-${k}`}>
                {fmtNum(v, 0)}
              </td>
              <td class="muted">{dt && p[k] !== undefined && k !== 'queue' ? `${fmtNum((v - p[k]) / dt, 1)}/s` : ''}</td>
            </tr>
          ))}
          {c?.queue_fill !== undefined && (
            <tr>
              <td class="k">queue fill</td>
              <td class="v">{fmtNum(c.queue_fill * 100, 1)}%</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

export function Pipeline() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const prev = useRef(null);
  useEffect(() => {
    let live = true;
    let timer;
    const load = async () => {
      try {
        const d = await getJson('/api/otter/pipeline');
        if (!live) return;
        d.at = Date.now();
        setData((cur) => {
          prev.current = cur;
          return d;
        });
        setError(null);
      } catch (e) {
        if (live) setError(e);
      }
      if (live) timer = setTimeout(load, REFRESH_MS);
    };
    load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  const pr = prev.current;
  const dt = pr && data ? (data.at - pr.at) / 1000 : 0;
  return (
    <div class="page" data-testid="pipeline-page">
      <h1>Pipeline</h1>
      <Status loading={!data && !error} error={error} />
      {data && data.pipelines.length === 0 && <p class="muted">This otter reports no pipelines.</p>}
      {data &&
        data.pipelines.map((p) => {
          // In order: receivers (and connectors feeding the pipeline), processors, exporters (and
          // connectors it feeds).
          const groups = [[], [], []];
          let phase = 0;
          for (const c of p.components) {
            if (c.startsWith('processor:')) phase = 1;
            else if (c.startsWith('exporter:')) phase = 2;
            else if (c.startsWith('connector:') && phase > 0) phase = 2;
            groups[phase].push(c);
          }
          return (
            <section key={p.name} class="pipeline" data-testid="pipeline" data-pipeline={p.name}>
              <h2>
                {p.name} <span class="muted">({p.signal})</span>
              </h2>
              <div class="flow">
                {groups.map((g, i) => (
                  <>
                    {i > 0 && <div class="arrow">→</div>}
                    <div class="stage">
                      {g.map((c) => (
                        <Component key={c} name={c} signal={p.signal} c={data.components[c]} prev={pr?.components?.[c]} dt={dt} />
                      ))}
                      {g.length === 0 && <div class="muted small">none</div>}
                    </div>
                  </>
                ))}
              </div>
            </section>
          );
        })}
      {data && data.extensions.length > 0 && (
        <p class="muted">
          extensions: {data.extensions.join(', ')}
        </p>
      )}
    </div>
  );
}
