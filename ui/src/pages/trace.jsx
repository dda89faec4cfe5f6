// Trace (/trace/<id>): opened by id alone, whatever the time picker says. Waterfall with a
// collapsible tree, find (highlight, or filter with "only matches"), span details, self-time
// statistics, the trace's logs (no configuration: otter finds them by trace id), JSON download.
import { useMemo, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { CopyButton, Status, serviceColor, useLoad } from '../components.jsx';
import { href, setParams, useRoute } from '../state.js';
import { fmtDur, fmtTime } from '../time.js';
import { buildModel, checkTraceId, fromOtlp, matches, parseFind, statistics, visibleRows } from '../trace_model.js';
import { Waterfall } from '../waterfall.jsx';
import { LogRows } from './logs.jsx';

function KvTable({ items, filter, testid }) {
  const f = (filter || '').toLowerCase();
  const shown = (items || []).filter((t) => !f || t.key.toLowerCase().includes(f) || String(t.value).toLowerCase().includes(f));
  if (!shown.length) return <p class="muted">none</p>;
  return (
    <table class="kv" data-testid={testid}>
      <tbody>
        {shown.map((t, i) => (
          <tr key={i}>
            <td class="k">{t.key}</td>
            <td class="v mono">{String(t.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SpanPanel({ model, node, onClose }) {
  const [q, setQ] = useState('');
  const s = node.span;
  const status = (s.tags || []).find((t) => t.key === 'otel.status_code');
  const statusMsg = (s.tags || []).find((t) => t.key === 'otel.status_description');
  return (
    <aside class="span-panel" data-testid="span-panel">
      <div class="panel-head">
        <h3>
          <span class="svc-dot" style={{ background: serviceColor(node.service) }} /> {node.service}: {s.operationName}
        </h3>
        <button onClick={onClose} title="close">
          ✕
        </button>
      </div>
      <dl class="facts">
        <dt>span id</dt>
        <dd class="mono">
          <span data-testid="panel-span-id">{s.spanID}</span> <CopyButton text={s.spanID} />
        </dd>
        <dt>trace id</dt>
        <dd class="mono">
          {s.traceID} <CopyButton text={s.traceID} />
        </dd>
        <dt>start</dt>
        <dd>
          {fmtTime(s.startTime / 1000)} (+{fmtDur(s.startTime - model.start)})
        </dd>
        <dt>duration</dt>
        <dd data-testid="panel-duration">
          {fmtDur(s.duration)} (self {fmtDur(node.self)})
        </dd>
        <dt>status</dt>
        <dd class={node.error ? 'bad' : ''}>
          {status ? status.value : 'unset'}
          {statusMsg ? `: ${statusMsg.value}` : ''}
        </dd>
      </dl>
      <input class="panel-find" placeholder="search attributes" value={q} onInput={(e) => setQ(e.target.value)} data-testid="panel-search" />
      <h4>Attributes</h4>
      <KvTable items={s.tags} filter={q} testid="panel-attributes" />
      <h4>Resource</h4>
      <KvTable items={node.process?.tags} filter={q} testid="panel-resource" />
      <h4>Events ({(s.logs || []).length})</h4>
      {(s.logs || []).map((l, i) => (
        <div key={i} class="event">
          <div class="muted">+{fmtDur(l.timestamp - model.start)}</div>
          <KvTable items={l.fields} filter={q} />
        </div>
      ))}
      <h4>Links</h4>
      {(s.references || []).filter((r) => r.refType !== 'CHILD_OF').length === 0 && <p class="muted">none</p>}
      {(s.references || [])
        .filter((r) => r.refType !== 'CHILD_OF')
        .map((r, i) => (
          <p key={i}>
            <a href={href('/trace/' + r.traceID, { span: r.spanID })}>
              {r.traceID.slice(0, 12)}… / {r.spanID}
            </a>
          </p>
        ))}
    </aside>
  );
}

function Stats({ model }) {
  const rows = useMemo(() => statistics(model), [model]);
  return (
    <table class="grid" data-testid="trace-stats">
      <thead>
        <tr>
          <th>service</th>
          <th>operation</th>
          <th>count</th>
          <th>errors</th>
          <th>total</th>
          <th>self time</th>
          <th>avg</th>
          <th>max</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.service + r.operation} data-testid="stats-row">
            <td>{r.service}</td>
            <td>{r.operation}</td>
            <td>{r.count}</td>
            <td class={r.errors ? 'bad' : ''}>{r.errors}</td>
            <td>{fmtDur(r.total)}</td>
            <td>{fmtDur(r.self)}</td>
            <td>{fmtDur(r.total / r.count)}</td>
            <td>{fmtDur(r.max)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TraceLogs({ id, span }) {
  const [onlySpan, setOnlySpan] = useState(false);
  const logs = useLoad(() => getJson(`/api/otter/traces/${id}/logs`, onlySpan && span ? { span_id: span } : undefined), [id, span, onlySpan]);
  return (
    <div data-testid="trace-logs">
      {span && (
        <label>
          <input type="checkbox" checked={onlySpan} onChange={(e) => setOnlySpan(e.target.checked)} data-testid="logs-only-span" /> only the selected span
        </label>
      )}
      <Status {...logs} />
      {logs.data && (
        <>
          <p data-testid="trace-logs-count">{logs.data.logs.length} log records</p>
          <LogRows entries={logs.data.logs.map((l) => ({ ts: l.ts, line: l.line, stream: l.stream, metadata: l.metadata }))} hideTraceLink={id} />
        </>
      )}
    </div>
  );
}

export function Trace({ id: rawId }) {
  const r = useRoute();
  const p = r.params;
  const checked = checkTraceId(rawId);
  const tab = p.get('tab') || 'waterfall';
  const selected = p.get('span') || '';
  const find = p.get('find') || '';
  const filter = p.get('filter') === '1';
  const [collapsed, setCollapsed] = useState(() => new Set());
  const res = useLoad(() => (checked.id ? getJson(`/api/v3/traces/${checked.id}`) : Promise.resolve(null)), [checked.id]);
  const model = useMemo(() => (res.data?.result ? buildModel(fromOtlp(res.data.result)) : null), [res.data]);
  const terms = useMemo(() => parseFind(find), [find]);
  const hits = useMemo(() => (model && terms.length ? new Set(model.order.filter((n) => matches(n, terms))) : null), [model, terms]);
  const rows = useMemo(() => (model ? visibleRows(model, collapsed, hits, filter) : []), [model, collapsed, hits, filter]);
  if (checked.error)
    return (
      <div class="page">
        <div class="error" data-testid="trace-error">
          {checked.error}
        </div>
      </div>
    );
  if (res.error?.status === 404)
    return (
      <div class="page">
        <div class="error" data-testid="trace-error">
          Trace {checked.id} is not stored: it was never received, was sampled out, or is past the retention.
        </div>
      </div>
    );
  if (!model) return <Status {...res} />;
  const node = selected ? model.byId.get(selected) : null;
  const download = () => {
    const blob = new Blob([JSON.stringify(res.data.result, null, 2)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `trace-${checked.id}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const root = model.roots[0];
  return (
    <div class="page trace-page" data-testid="trace-page">
      <div class="trace-head">
        <h1>
          {root.service}: {root.span.operationName}
        </h1>
        <span class="mono muted" data-testid="trace-id">
          {checked.id}
        </span>
        <CopyButton text={checked.id} label="copy id" />
        <button onClick={download} data-testid="download-json">
          download JSON
        </button>
      </div>
      <p class="muted" data-testid="trace-facts">
        {fmtTime(model.start / 1000)} · {fmtDur(model.duration)} · <span data-testid="trace-span-count">{model.order.length}</span> spans · {model.services.length} services ·{' '}
        {model.order.filter((n) => n.error).length} errors
      </p>
      <div class="tabs">
        {['waterfall', 'statistics', 'logs'].map((t) => (
          <button key={t} class={t === tab ? 'active' : ''} data-testid={`tab-${t}`} onClick={() => setParams({ tab: t === 'waterfall' ? '' : t })}>
            {t}
          </button>
        ))}
      </div>
      {tab === 'waterfall' && (
        <>
          <div class="find">
            <input
              placeholder='find: text, k=v, dur>50ms, error'
              value={find}
              onInput={(e) => setParams({ find: e.target.value })}
              data-testid="trace-find"
            />
            <label>
              <input type="checkbox" checked={filter} onChange={(e) => setParams({ filter: e.target.checked ? '1' : '' })} data-testid="trace-filter" /> only matches
            </label>
            {hits && <span data-testid="find-count">{hits.size} of {model.order.length} spans match</span>}
            <button onClick={() => setCollapsed(new Set())}>expand all</button>
            <button onClick={() => setCollapsed(new Set(model.order.filter((n) => n.depth >= 1 && n.children.length).map((n) => n.id)))}>collapse all</button>
          </div>
          <div class={node ? 'trace-body with-panel' : 'trace-body'}>
            <Waterfall
              model={model}
              rows={rows}
              hits={hits}
              selected={selected}
              collapsed={collapsed}
              onSelect={(sid) => setParams({ span: sid === selected ? '' : sid })}
              onToggle={(sid) => {
                const c = new Set(collapsed);
                c.has(sid) ? c.delete(sid) : c.add(sid);
                setCollapsed(c);
              }}
            />
            {node && <SpanPanel model={model} node={node} onClose={() => setParams({ span: '' })} />}
          </div>
        </>
      )}
      {tab === 'statistics' && <Stats model={model} />}
      {tab === 'logs' && <TraceLogs id={checked.id} span={selected} />}
    </div>
  );
}
