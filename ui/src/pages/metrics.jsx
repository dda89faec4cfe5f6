// Metrics: a PromQL box with metric-name autocomplete, a uPlot chart of query_range, and the
// exemplars of the query as dots that open their trace. The "anomaly bands" switch draws otter's
// anomaly_band_lower/upper around each series (the detector of docs/analytics.md run over one
// chart width of history at every step) and marks the points whose anomaly_score is high.
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

// Bands are computed for at most this many series (each costs a detector run per step).
const MAX_BAND_SERIES = 10;
const BAND_FILL = { light: 'rgba(120,120,120,0.18)', dark: 'rgba(200,200,200,0.16)' };
const SCORES = ['0.1', '0.2', '0.3', '0.5', '0.7', '0.9'];

// Labels without the metric name (the anomaly functions drop it) as a lookup key.
function bandKey(m) {
  const { __name__, ...rest } = m;
  return JSON.stringify(Object.entries(rest).sort());
}

// anomaly_band_lower/upper and anomaly_score of `query` at every step of the chart, each over a
// window of one chart width (a subquery at the chart's step), by series.
async function loadBands(query, result, q, step) {
  const win = Math.max(step, Math.round(q.end - q.start));
  const inner = `(${query})[${win}s:${step}s]`;
  const run = (fn) => getJson('/api/v1/query_range', { ...q, step, query: `${fn}(${inner})` }).then((r) => r.data.result);
  const [lower, upper, score] = await Promise.all(['anomaly_band_lower', 'anomaly_band_upper', 'anomaly_score'].map(run));
  const by = (list) => new Map(list.map((s) => [bandKey(s.metric), s.values]));
  const [lo, hi, sc] = [by(lower), by(upper), by(score)];
  return result.map((s) => {
    const k = bandKey(s.metric);
    return { lower: lo.get(k) || [], upper: hi.get(k) || [], score: sc.get(k) || [] };
  });
}

function Chart({ result, exemplars, bands, minScore, startMs, endMs }) {
  const box = useRef(null);
  const [plot, setPlot] = useState(null);
  // Bumped after each draw: the dots over the canvas are placed with the scales of the last draw
  // (uPlot sets them after the constructor returns, and again on resize).
  const [, setDrawn] = useState(0);
  const data = useMemo(() => {
    const ts = new Set();
    for (const s of result) for (const [t] of s.values) ts.add(t);
    for (const b of bands || []) for (const [t] of b.lower) ts.add(t);
    const xs = [...ts].sort((a, b) => a - b);
    const idx = new Map(xs.map((t, i) => [t, i]));
    const column = (values) => {
      const col = new Array(xs.length).fill(null);
      for (const [t, v] of values) col[idx.get(t)] = Number(v);
      return col;
    };
    const ys = result.map((s) => column(s.values));
    // Per series: its upper and lower band edges after all the series.
    const edges = (bands || []).flatMap((b) => [column(b.upper), column(b.lower)]);
    return [xs, ...ys, ...edges];
  }, [result, bands]);
  // Points scoring at least minScore: [series index, time, score].
  const marks = useMemo(() => {
    const out = [];
    (bands || []).forEach((b, j) => {
      for (const [t, v] of b.score) if (Number(v) >= minScore) out.push([j, t, Number(v)]);
    });
    return out;
  }, [bands, minScore]);
  useEffect(() => {
    const el = box.current;
    const opts = {
      width: el.clientWidth || 800,
      height: 300,
      tzDate: (ts) => (isUtc() ? uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC') : new Date(ts * 1e3)),
      scales: { x: { time: true, min: startMs / 1000, max: endMs / 1000 } },
      legend: { show: result.length <= 12 },
      axes: [{ values: (u, splits) => splits.map((v) => fmtTime(v * 1000, { seconds: false }).slice(11, 16)) }, {}],
      series: [
        { label: isUtc() ? 'time (UTC)' : 'time (local)' },
        ...result.map((s) => ({ label: seriesName(s.metric), stroke: serviceColor(seriesName(s.metric)), width: 1.5, spanGaps: false })),
        ...(bands || []).flatMap((b, j) => {
          const color = serviceColor(seriesName(result[j].metric));
          const edge = (which) => ({ label: `${which} band of ${seriesName(result[j].metric)}`, stroke: color, width: 1, dash: [4, 4], alpha: 0.6, spanGaps: false });
          return [edge('upper'), edge('lower')];
        }),
      ],
      bands: (bands || []).map((b, j) => ({
        series: [1 + result.length + 2 * j, 2 + result.length + 2 * j],
        fill: document.documentElement.dataset.theme === 'dark' ? BAND_FILL.dark : BAND_FILL.light,
      })),
      hooks: { draw: [() => setDrawn((n) => n + 1)] },
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
      <div ref={box} class="chart" data-testid="metrics-chart" data-bands={bands ? bands.length : 0} />
      {plot &&
        marks.map(([j, t, score]) => {
          const col = data[0].indexOf(t);
          const v = col >= 0 ? data[j + 1][col] : null;
          if (v === null) return null;
          const x = plot.valToPos(t, 'x');
          const y = plot.valToPos(v, 'y');
          if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
          return (
            <span
              key={`${j}:${t}`}
              class="anomaly"
              data-testid="anomaly-mark"
              data-t={t}
              data-score={score}
              title={`anomaly score ${fmtNum(score, 2)} at ${fmtTime(t * 1000)}: ${fmtNum(v, 4)}`}
              style={{ left: `${x + plot.over.offsetLeft}px`, top: `${y + plot.over.offsetTop}px` }}
            />
          );
        })}
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

function anomalySummary(bands, minScore) {
  let n = 0;
  for (const b of bands) for (const [, v] of b.score) n += Number(v) >= minScore;
  return `bands of ${bands.length} series (expected ± 4 robust sigmas); ${n} points scored ≥ ${minScore}`;
}

export function Metrics() {
  const r = useRoute();
  const p = r.params;
  const range = currentRange(p);
  const query = p.get('query') || '';
  const [text, setText] = useState(query);
  const names = useLoad(() => getJson('/api/v1/label/__name__/values'), []);
  const showBands = p.get('bands') === '1';
  const minScore = Number(p.get('score') || '0.5');
  const step = Math.max(1, Math.round((range.endMs - range.startMs) / 1000 / 240));
  const res = useLoad(async () => {
    if (!query) return null;
    const q = { query, start: range.startMs / 1000, end: range.endMs / 1000 };
    const [data, ex] = await Promise.all([getJson('/api/v1/query_range', { ...q, step }), getJson('/api/v1/query_exemplars', q).catch(() => ({ data: [] }))]);
    const exemplars = [];
    for (const s of ex.data || [])
      for (const e of s.exemplars || [])
        exemplars.push({ t: Number(e.timestamp), v: Number(e.value), series: s.seriesLabels || {}, traceId: e.labels.trace_id || e.labels.traceID || '', spanId: e.labels.span_id || '' });
    const result = data.data.result;
    let bands = null;
    let bandNote = '';
    if (showBands && result.length > MAX_BAND_SERIES) bandNote = `anomaly bands are drawn for at most ${MAX_BAND_SERIES} series; narrow the query`;
    else if (showBands && result.length > 0) {
      try {
        bands = await loadBands(query, result, { start: q.start, end: q.end }, step);
      } catch (e) {
        bandNote = `anomaly bands: ${e.message}`;
      }
    }
    return { result, exemplars, bands, bandNote };
  }, [query, range.from, range.to, showBands]);
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
          <div class="band-controls">
            <label>
              <input type="checkbox" checked={showBands} onChange={(e) => setParams({ bands: e.target.checked ? '1' : '' })} data-testid="bands-toggle" /> anomaly bands
            </label>
            {showBands && (
              <label>
                mark score ≥{' '}
                <select value={String(minScore)} onChange={(e) => setParams({ score: e.target.value === '0.5' ? '' : e.target.value })} data-testid="bands-score">
                  {SCORES.map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </select>
              </label>
            )}
            {res.data.bands && (
              <span class="muted" data-testid="anomaly-summary">
                {anomalySummary(res.data.bands, minScore)}
              </span>
            )}
            {res.data.bandNote && <span class="bad">{res.data.bandNote}</span>}
          </div>
          {res.data.result.length > 0 && <Chart result={res.data.result} exemplars={res.data.exemplars} bands={res.data.bands} minScore={minScore} startMs={range.startMs} endMs={range.endMs} />}
        </>
      )}
    </div>
  );
}
