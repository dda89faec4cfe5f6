// Alerts: the firing and pending alerts of otter's rules (/api/v1/alerts, and the LogQL rules'
// /prometheus/api/v1/alerts) with their labels, annotations, value and start, the exemplar
// traces behind each (its `trace_ids` annotation, as links) and what changed in the traffic
// (`changed_labels`); below, every rule group with each rule's state and health. Refreshed
// every 10 s.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson } from '../api.js';
import { Status, useLoad } from '../components.jsx';
import { href, setParams, useRoute } from '../state.js';
import { fmtNum, fmtTime } from '../time.js';

const REFRESH_MS = 10000;
// The rule languages and where each serves its rules and alerts.
const SOURCES = [
  ['PromQL', '/api/v1'],
  ['LogQL', '/prometheus/api/v1'],
];
// Annotations shown in their own places rather than in the list.
const CONTEXT = new Set(['trace_ids', 'changed_labels', 'summary', 'description']);

// The rules and alerts of every source; a source without rules configured answers an empty list.
async function loadAll() {
  const per = await Promise.all(
    SOURCES.map(async ([lang, base]) => {
      // An otter without rules of a language may not serve its routes at all.
      const get = (path) => getJson(path).catch((e) => (e instanceof ApiError && e.status === 404 ? {} : Promise.reject(e)));
      const [alerts, rules] = await Promise.all([get(`${base}/alerts`), get(`${base}/rules`)]);
      return {
        alerts: (alerts.data?.alerts || []).map((a) => ({ ...a, lang })),
        groups: (rules.data?.groups || []).map((g) => ({ ...g, lang })),
      };
    }),
  );
  const alerts = per.flatMap((p) => p.alerts);
  // Firing before pending, then the newest first.
  const rank = (a) => (a.state === 'firing' ? 0 : 1);
  alerts.sort((a, b) => rank(a) - rank(b) || Date.parse(b.activeAt) - Date.parse(a.activeAt));
  return { alerts, groups: per.flatMap((p) => p.groups) };
}

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

// 3600 → "1h", 90 → "1m30s".
function fmtSeconds(s) {
  const parts = [];
  for (const [n, u] of [
    [86400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ]) {
    if (s >= n) {
      parts.push(Math.floor(s / n) + u);
      s %= n;
    }
  }
  return parts.join('') || '0s';
}

function Labels({ labels, skip = [] }) {
  return (
    <span class="labels" data-testid="alert-labels">
      {Object.entries(labels || {})
        .filter(([k]) => !skip.includes(k))
        .map(([k, v]) => (
          <span key={k} class="label">
            {k}={v}
          </span>
        ))}
    </span>
  );
}

function Alert({ a }) {
  const ann = a.annotations || {};
  const ids = (ann.trace_ids || '').split(',').filter(Boolean);
  const changed = (ann.changed_labels || '').split(', ').filter(Boolean);
  const since = Date.parse(a.activeAt);
  const other = Object.entries(ann).filter(([k]) => !CONTEXT.has(k));
  return (
    <div class={`card alert alert-${a.state}`} data-testid="alert" data-alertname={a.labels?.alertname} data-state={a.state}>
      <div class="alert-head">
        <span class={`state state-${a.state}`} data-testid="alert-state">
          {a.state}
        </span>
        <b data-testid="alert-name">{a.labels?.alertname}</b>
        {a.lang === 'LogQL' && <span class="muted small">LogQL</span>}
        <Labels labels={a.labels} skip={['alertname']} />
      </div>
      {ann.summary && (
        <div class="alert-summary" data-testid="alert-summary">
          {ann.summary}
        </div>
      )}
      {ann.description && <div class="muted">{ann.description}</div>}
      <dl class="facts">
        <dt>value</dt>
        <dd data-testid="alert-value">{fmtNum(Number(a.value), 4)}</dd>
        <dt>active since</dt>
        <dd data-testid="alert-since">
          {fmtTime(since)} ({ago(since)})
        </dd>
        {a.keepFiringSince && (
          <>
            <dt>keep firing since</dt>
            <dd>{fmtTime(Date.parse(a.keepFiringSince))}</dd>
          </>
        )}
        {ids.length > 0 && (
          <>
            <dt>traces</dt>
            <dd class="trace-links" data-testid="alert-traces">
              {ids.map((id) => (
                <a key={id} class="mono trace-id" href={href('/trace/' + id)} data-testid="alert-trace-link" data-trace-id={id}>
                  {id}
                </a>
              ))}
            </dd>
          </>
        )}
        {changed.length > 0 && (
          <>
            <dt>what changed</dt>
            <dd data-testid="alert-changed">
              {changed.map((c) => (
                <span key={c} class="label changed" data-testid="alert-changed-label">
                  {c}
                </span>
              ))}
            </dd>
          </>
        )}
        {other.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd data-testid="alert-annotation" data-key={k}>
              {/^https?:\/\//.test(v) ? (
                <a href={v} target="_blank" rel="noopener noreferrer">
                  {v}
                </a>
              ) : (
                v
              )}
            </dd>
          </Fragment>
        ))}
      </dl>
    </div>
  );
}

function RuleRow({ g, r }) {
  const n = (r.alerts || []).length;
  const alerting = r.type === 'alerting';
  const state = alerting ? r.state : 'recording';
  return (
    <tr data-testid="rule-row" data-rule={r.name} data-state={state}>
      <td>
        <b>{r.name}</b>
        {r.lang === 'LogQL' && <span class="muted small"> LogQL</span>}
      </td>
      <td>
        <span class={`state state-${state}`}>{state}</span>
        {alerting && n > 0 && <span class="muted"> ({n})</span>}
      </td>
      <td class={r.health === 'ok' ? 'ok' : 'bad'} title={r.lastError || ''}>
        {r.health}
        {r.lastError && <div class="bad small">{r.lastError}</div>}
      </td>
      <td class="query-cell">
        {g.lang === 'PromQL' ? (
          <a class="mono" href={href('/metrics', { query: r.query.replace(/\s*(>|<|==|!=|>=|<=)\s*[-\d.e+]+\s*$/, '') })} data-testid="rule-query" title="chart the expression (without its threshold)">
            {r.query}
          </a>
        ) : (
          <a class="mono" href={href('/logs', { query: r.query })} data-testid="rule-query">
            {r.query}
          </a>
        )}
      </td>
      <td>{alerting && r.duration ? fmtSeconds(r.duration) : ''}</td>
      <td class="muted small">{r.lastEvaluation ? fmtTime(Date.parse(r.lastEvaluation), { millis: false }) : ''}</td>
    </tr>
  );
}

export function Alerts() {
  const r = useRoute();
  const p = r.params;
  const stateFilter = p.get('state') || '';
  const text = p.get('q') || '';
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(id);
  }, []);
  const res = useLoad(loadAll, [tick]);
  // Keep the last answer on screen while a refresh loads.
  const [last, setLast] = useState(null);
  useEffect(() => {
    if (res.data) setLast(res.data);
  }, [res.data]);
  const data = res.data || last;
  const match = (a) => {
    if (stateFilter && a.state !== stateFilter) return false;
    if (!text) return true;
    const t = text.toLowerCase();
    return Object.entries({ ...a.labels, ...a.annotations }).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(t));
  };
  const alerts = data ? data.alerts.filter(match) : [];
  const firing = data ? data.alerts.filter((a) => a.state === 'firing').length : 0;
  const pending = data ? data.alerts.filter((a) => a.state === 'pending').length : 0;
  const rules = data ? data.groups.reduce((n, g) => n + g.rules.length, 0) : 0;
  return (
    <div class="page" data-testid="alerts-page">
      <h1>Alerts</h1>
      <div class="find">
        <select value={stateFilter} onChange={(e) => setParams({ state: e.target.value })} data-testid="alerts-state">
          <option value="">firing and pending</option>
          <option value="firing">firing</option>
          <option value="pending">pending</option>
        </select>
        <input placeholder="filter labels and annotations" value={text} onInput={(e) => setParams({ q: e.target.value })} data-testid="alerts-filter" />
      </div>
      {!data && <Status {...res} />}
      {res.error && data && <Status error={res.error} />}
      {data && (
        <>
          <p class="muted" data-testid="alerts-summary">
            {firing} firing, {pending} pending · {rules} rules in {data.groups.length} groups
          </p>
          {rules === 0 && (
            <div class="card" data-testid="alerts-none">
              No alerting or recording rules are configured. Rule files go in the store exporter's <code>rules.files</code> (PromQL) and{' '}
              <code>rules.loki_files</code> (LogQL); see docs/rules.md.
            </div>
          )}
          {alerts.map((a, i) => (
            <Alert key={a.lang + JSON.stringify(a.labels) + i} a={a} />
          ))}
          {rules > 0 && alerts.length === 0 && <p class="muted">No {stateFilter || 'firing or pending'} alerts{text ? ` matching “${text}”` : ''}.</p>}
          {data.groups.map((g) => (
            <div key={g.lang + g.file + g.name} class="rule-group" data-testid="rule-group" data-group={g.name}>
              <h2>
                {g.name}{' '}
                <span class="muted small">
                  {g.lang} · every {g.interval}s · {g.file}
                </span>
              </h2>
              <table class="grid">
                <thead>
                  <tr>
                    <th>rule</th>
                    <th>state</th>
                    <th>health</th>
                    <th>expression</th>
                    <th>for</th>
                    <th>last evaluation</th>
                  </tr>
                </thead>
                <tbody>
                  {g.rules.map((rule) => (
                    <RuleRow key={rule.name + rule.query} g={g} r={{ ...rule, lang: g.lang }} />
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </>
      )}
    </div>
  );
}
