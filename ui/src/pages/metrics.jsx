// Metrics: a PromQL box with metric-name autocomplete, a uPlot chart of query_range, and the
// exemplars of the query as dots that open their trace.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { getJson } from '../api.js';
import { Status, serviceColor, useLoad } from '../components.jsx';
import { navigate, setParams, useRoute } from '../state.js';
import { currentRange, fmtNum, fmtTime, isUtc } from '../time.js';

function seriesName(m) {
  const { __name__, ...rest } = m;
  const labels = Object.entries(rest).map(([k, v]) => `${k}="${v}"`).join(', ');
  return `${__name__ || ''}{${labels}}`;
}

function Chart({ result, exemplars, startMs, endMs }) {
  const box = useRef(null);
  const [plot, setPlot] = useState(null);
  const data = useMemo(() => {
    const ts = new Set();
    for (const s of result) for (const [t] of s.values) ts.add(t);
    const xs = [...ts].sort((a, b) => a - b);
    const idx = new Map(xs.map((t, i) => [t, i]));
    const ys = result.map((s) => {
      const col = new Array(xs.length).fill(null);
      for (const [t, v] of s.values) col[idx.get(t)] = Number(v);
      return col;
    });
    return [xs, ...ys];
  }, [result]);
  useEffect(() => {
    const el = box.current;
    const opts = {
      width: el.clientWidth || 800,
      height: 300,
      tzDate: (ts) => (isUtc() ? uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC') : new Date(ts * 1e3)),
      scales: { x: { time: true, min: startMs / 1000, max: endMs / 1000 } },
      legend: { show: result.length <= 12 },
      axes: [{ values: (u, splits) => splits.map((v) => fmtTime(v * 1000, { seconds: false }).slice(11, 16)) }, {}],
      series: [{ label: isUtc() ? 'time (UTC)' : 'time (local)' }, ...result.map((s) => ({ label: seriesName(s.metric), stroke: serviceColor(seriesName(s.metric)), width: 1.5, spanGaps: false }))],
    };
    const u = new uPlot(opts, data, el);
    setPlot(u);
    const resize = () => u.setSize({ width: el.clientWidth, height: 300 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      u.destroy();
      setPlot(null);
    };
  }, [data, startMs, endMs]);
  return (
    <div class="chart-wrap">
      <div ref={box} class="chart" data-testid="metrics-chart" />
      {plot &&
        exemplars.map((ex, i) => {
          // On its series' line at its time (the exemplar's own value may be in another unit,
          // e.g. seconds on a bucket counter), else at its value within the plot.
          const x = plot.valToPos(ex.t, 'x');
          const j = result.findIndex((s) => Object.entries(ex.series).every(([k, v]) => s.metric[k] === v));
          let yv = ex.v;
          if (j >= 0) {
            const xs = data[0];
            let best = -1;
            for (let k = 0; k < xs.length; k++) if (data[j + 1][k] !== null && (best < 0 || Math.abs(xs[k] - ex.t) < Math.abs(xs[best] - ex.t))) best = k;
            if (best >= 0) yv = data[j + 1][best];
          }
          const [lo, hi] = [plot.scales.y.min, plot.scales.y.max];
          const y = plot.valToPos(Math.min(hi, Math.max(lo, yv)), 'y');
          if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
          return (
            <button
              key={i}
              class="exemplar"
              data-testid="exemplar"
              data-trace-id={ex.traceId}
              title={`exemplar ${fmtNum(ex.v)} at ${fmtTime(ex.t * 1000)}: trace ${ex.traceId}`}
              style={{ left: `${x + plot.over.offsetLeft}px`, top: `${y + plot.over.offsetTop}px` }}
              onClick={() => ex.traceId && navigate('/trace/' + ex.traceId, { span: ex.spanId || '' })}
            />
          );
        })}
    </div>
  );
}

function Autocomplete({ text, setText, names, onRun }) {
  const [focus, setFocus] = useState(false);
  const m = /([a-zA-Z_:][a-zA-Z0-9_:]*)$/.exec(text);
  const word = m ? m[1] : '';
  const sugg = focus && word.length >= 1 ? names.filter((n) => n.startsWith(word) && n !== word).slice(0, 10) : [];
  return (
    <div class="ac">
      <input
        class="query"
        value={text}
        spellcheck={false}
        data-testid="promql-input"
        onInput={(e) => setText(e.target.value)}
        onFocus={() => setFocus(true)}
        onBlur={() => setTimeout(() => setFocus(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'Tab' && sugg.length) {
            e.preventDefault();
            setText(text.slice(0, text.length - word.length) + sugg[0]);
          } else if (e.key === 'Enter') onRun();
        }}
      />
      {sugg.length > 0 && (
        <ul class="ac-list" data-testid="promql-suggestions">
          {sugg.map((n) => (
            <li key={n} onMouseDown={() => setText(text.slice(0, text.length - word.length) + n)} data-testid="promql-suggestion">
              {n}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Metrics() {
  const r = useRoute();
  const p = r.params;
  const range = currentRange(p);
  const query = p.get('query') || '';
  const [text, setText] = useState(query);
  const names = useLoad(() => getJson('/api/v1/label/__name__/values'), []);
  const step = Math.max(1, Math.round((range.endMs - range.startMs) / 1000 / 240));
  const res = useLoad(async () => {
    if (!query) return null;
    const q = { query, start: range.startMs / 1000, end: range.endMs / 1000 };
    const [data, ex] = await Promise.all([getJson('/api/v1/query_range', { ...q, step }), getJson('/api/v1/query_exemplars', q).catch(() => ({ data: [] }))]);
    const exemplars = [];
    for (const s of ex.data || [])
      for (const e of s.exemplars || [])
        exemplars.push({ t: Number(e.timestamp), v: Number(e.value), series: s.seriesLabels || {}, traceId: e.labels.trace_id || e.labels.traceID || '', spanId: e.labels.span_id || '' });
    return { result: data.data.result, exemplars };
  }, [query, range.from, range.to]);
  const run = () => setParams({ query: text }, false);
  return (
    <div class="page" data-testid="metrics-page">
      <h1>Metrics</h1>
      <form
        class="query-form"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <Autocomplete text={text} setText={setText} names={names.data?.data || []} onRun={run} />
        <button type="submit" data-testid="promql-run">
          Run
        </button>
      </form>
      {!query && <p class="muted">{(names.data?.data || []).length} metric names; type one (Tab completes).</p>}
      <Status {...res} />
      {res.data && (
        <>
          <p class="muted" data-testid="metrics-count">
            {res.data.result.length} series, {res.data.exemplars.length} exemplars (step {step}s)
          </p>
          {res.data.result.length > 0 && <Chart result={res.data.result} exemplars={res.data.exemplars} startMs={range.startMs} endMs={range.endMs} />}
        </>
      )}
    </div>
  );
}
