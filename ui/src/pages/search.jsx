// Search: traces by service, operation, attributes (k=v ...), min/max duration and limit over the
// selected range, through the Jaeger API; a duration-over-time scatter and the list. Every field
// lives in the URL.
import { useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { Status, serviceColor, useLoad } from '../components.jsx';
import { href, navigate, setParams, useRoute } from '../state.js';
import { currentRange, fmtDur, fmtTime } from '../time.js';

// "k=v k2=\"a b\"" → {k: 'v', k2: 'a b'}
export function parseTags(s) {
  const out = {};
  const re = /([^\s=]+)=("([^"]*)"|(\S*))/g;
  let m;
  while ((m = re.exec(s || ''))) out[m[1]] = m[3] ?? m[4];
  return out;
}

export function summarize(t) {
  const procs = t.processes || {};
  const ids = new Set(t.spans.map((s) => s.spanID));
  let root = t.spans.find((s) => !(s.references || []).some((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID)));
  root = root || t.spans[0];
  let start = Infinity;
  let end = 0;
  const services = {};
  let errors = 0;
  for (const s of t.spans) {
    start = Math.min(start, s.startTime);
    end = Math.max(end, s.startTime + s.duration);
    const svc = procs[s.processID]?.serviceName || '?';
    services[svc] = (services[svc] || 0) + 1;
    if ((s.tags || []).some((k) => k.key === 'error' && (k.value === true || k.value === 'true'))) errors++;
  }
  return {
    id: t.traceID,
    name: `${procs[root.processID]?.serviceName || '?'}: ${root.operationName}`,
    start,
    duration: end - start,
    spans: t.spans.length,
    services,
    errors,
  };
}

function Scatter({ traces, startMs, endMs }) {
  const W = 800;
  const H = 160;
  if (!traces.length) return null;
  const maxD = Math.max(...traces.map((t) => t.duration), 1);
  return (
    <svg class="scatter" viewBox={`0 0 ${W} ${H}`} data-testid="search-scatter">
      <line x1="0" y1={H - 1} x2={W} y2={H - 1} class="axis" />
      {traces.map((t) => {
        const x = ((t.start / 1000 - startMs) / Math.max(1, endMs - startMs)) * (W - 20) + 10;
        const y = H - 10 - (t.duration / maxD) * (H - 20);
        const r = 3 + Math.min(6, Math.log2(t.spans + 1));
        return (
          <circle
            key={t.id}
            cx={x}
            cy={y}
            r={r}
            class={t.errors ? 'dot err' : 'dot'}
            data-testid="scatter-dot"
            onClick={() => navigate('/trace/' + t.id)}
          >
            <title>{`${t.name} ${fmtDur(t.duration)}`}</title>
          </circle>
        );
      })}
      <text x="4" y="12" class="axis-label">
        {fmtDur(maxD)}
      </text>
    </svg>
  );
}

export function Search() {
  const r = useRoute();
  const p = r.params;
  const range = currentRange(p);
  const service = p.get('service') || '';
  const [form, setForm] = useState({
    operation: p.get('operation') || '',
    tags: p.get('tags') || '',
    minDuration: p.get('minDuration') || '',
    maxDuration: p.get('maxDuration') || '',
    limit: p.get('limit') || '20',
    minSpans: p.get('minSpans') || '',
    maxSpans: p.get('maxSpans') || '',
  });
  const services = useLoad(() => getJson('/api/services'), []);
  const ops = useLoad(() => (service ? getJson(`/api/services/${encodeURIComponent(service)}/operations`) : Promise.resolve({ data: [] })), [service]);
  const query = p.get('run') === '1' || service;
  const results = useLoad(async () => {
    if (!query) return null;
    const q = {
      service,
      start: Math.floor(range.startMs * 1000),
      end: Math.floor(range.endMs * 1000),
      limit: p.get('limit') || '20',
    };
    if (p.get('operation')) q.operation = p.get('operation');
    if (p.get('minDuration')) q.minDuration = p.get('minDuration');
    if (p.get('maxDuration')) q.maxDuration = p.get('maxDuration');
    const tags = parseTags(p.get('tags'));
    if (Object.keys(tags).length) q.tags = JSON.stringify(tags);
    const res = await getJson('/api/traces', q);
    // Span count is not a Jaeger search parameter: filtered here, over the traces found.
    const minSpans = Number(p.get('minSpans') || 0);
    const maxSpans = Number(p.get('maxSpans') || Infinity);
    return (res.data || [])
      .map(summarize)
      .filter((t) => t.spans >= minSpans && t.spans <= maxSpans)
      .sort((a, b) => b.start - a.start);
  }, [r.params.toString()]);
  const submit = (e) => {
    e.preventDefault();
    setParams({ ...form, service, run: '1' }, false);
  };
  const field = (k) => ({ value: form[k], onInput: (e) => setForm({ ...form, [k]: e.target.value }) });
  return (
    <div class="page" data-testid="search-page">
      <h1>Search traces</h1>
      <form class="search-form" onSubmit={submit}>
        <label>
          service
          <select data-testid="search-service" value={service} onChange={(e) => setParams({ service: e.target.value, operation: '' }, false)}>
            <option value="">(any)</option>
            {(services.data?.data || []).map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          operation
          <select data-testid="search-operation" {...field('operation')} onChange={(e) => setForm({ ...form, operation: e.target.value })}>
            <option value="">(any)</option>
            {[...new Set((ops.data?.data || []).map((o) => o.name))].sort().map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        <label>
          attributes
          <input data-testid="search-tags" placeholder='http.status_code=500 error=true' {...field('tags')} />
        </label>
        <label>
          min duration
          <input data-testid="search-min" placeholder="100ms" size="6" {...field('minDuration')} />
        </label>
        <label>
          max duration
          <input data-testid="search-max" placeholder="2s" size="6" {...field('maxDuration')} />
        </label>
        <label>
          min spans
          <input data-testid="search-min-spans" type="number" min="0" size="4" {...field('minSpans')} />
        </label>
        <label>
          max spans
          <input data-testid="search-max-spans" type="number" min="0" size="4" {...field('maxSpans')} />
        </label>
        <label>
          limit
          <input data-testid="search-limit" type="number" min="1" max="1500" size="4" {...field('limit')} />
        </label>
        <button type="submit" data-testid="search-submit">
          Find traces
        </button>
      </form>
      <p class="muted">range: {range.label}</p>
      <Status {...results} />
      {results.data && (
        <>
          <p data-testid="search-count">{results.data.length} traces</p>
          <Scatter traces={results.data} startMs={range.startMs} endMs={range.endMs} />
          <table class="grid" data-testid="search-results">
            <thead>
              <tr>
                <th>trace</th>
                <th>start</th>
                <th>duration</th>
                <th>spans</th>
                <th>errors</th>
                <th>services</th>
              </tr>
            </thead>
            <tbody>
              {results.data.map((t) => (
                <tr key={t.id} data-testid="search-result" data-trace-id={t.id}>
                  <td>
                    <a href={href('/trace/' + t.id)}>{t.name}</a> <span class="mono muted">{t.id.slice(0, 8)}</span>
                  </td>
                  <td>{fmtTime(t.start / 1000)}</td>
                  <td>{fmtDur(t.duration)}</td>
                  <td data-testid="result-spans">{t.spans}</td>
                  <td class={t.errors ? 'bad' : ''}>{t.errors}</td>
                  <td>
                    {Object.entries(t.services).map(([s, n]) => (
                      <span key={s} class="chip" style={{ borderColor: serviceColor(s) }}>
                        {s} ({n})
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
