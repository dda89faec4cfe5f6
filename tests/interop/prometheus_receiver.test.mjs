// `prometheus` receiver acceptance: otter scrapes Debian's prometheus-node-exporter and a real
// Prometheus 2.42's own /metrics, while that Prometheus scrapes the same two targets at the same
// interval. otter writes what it scraped to a file (OTLP/JSON); the test turns every OTLP point
// back into the Prometheus series it stands for (otelcol's mapping: job/instance from the
// resource, histograms → _bucket/_sum/_count, summaries → quantiles/_sum/_count, info → _info)
// and compares one of otter's scrapes, at time T, with the raw samples Prometheus stored around T:
//  - every series Prometheus has on both sides of T is in otter's scrape, and every series otter
//    scraped is in Prometheus;
//  - counters (and histogram/summary counts and sums) lie between Prometheus's samples just
//    before and just after T;
//  - a gauge Prometheus saw constant around T has exactly that value in otter (except gauges
//    about the target's own serving, which two concurrent scrapers disturb).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { freePorts, pollUntil, startOtter } from './lib/harness.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const PROMETHEUS = process.env.OTTER_PROMETHEUS ?? '/usr/bin/prometheus';
const NODE_EXPORTER = process.env.OTTER_NODE_EXPORTER ?? '/usr/bin/prometheus-node-exporter';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-promscrape-'));
const INTERVAL_S = 2;
const children = [];
let otter;

after(async () => {
  for (const c of children) {
    if (c.exitCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
  if (otter) await otter.stop();
});

function launch(bin, args, name) {
  const log = fs.openSync(path.join(ROOT, `${name}.log`), 'a');
  const c = spawn(bin, args, { stdio: ['ignore', log, log] });
  children.push(c);
  return c;
}

function normNum(v) {
  if (/^[+]?inf$/i.test(v)) return '+Inf';
  if (/^-inf$/i.test(v)) return '-Inf';
  return String(Number(v));
}

// A canonical series key: name{sorted labels}, le/quantile compared as numbers.
function seriesKey(name, labels) {
  const parts = Object.keys(labels).filter((k) => labels[k] !== '').sort()
    .map((k) => `${k}=${k === 'le' || k === 'quantile' ? normNum(labels[k]) : labels[k]}`);
  return `${name}{${parts.join(',')}}`;
}

function attrs(list) {
  const o = {};
  for (const kv of list ?? []) o[kv.key] = kv.value.stringValue ?? String(Object.values(kv.value)[0]);
  return o;
}

function num(v) {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

// otter's scrapes, from the file exporter: job → time (ms) → Map(seriesKey → {value, kind}).
function otterScrapes(file) {
  const out = new Map();
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let doc;
    try { doc = JSON.parse(line); } catch { continue; }
    for (const rm of doc.resourceMetrics ?? []) {
      const res = attrs(rm.resource?.attributes);
      const base = { job: res['service.name'], instance: res['service.instance.id'] };
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          const ptype = attrs(m.metadata)['prometheus.type'];
          const add = (t, name, labels, value, kind) => {
            if (!out.has(base.job)) out.set(base.job, new Map());
            const byT = out.get(base.job);
            if (!byT.has(t)) byT.set(t, new Map());
            byT.get(t).set(seriesKey(name, { ...labels, ...base }), { value, kind });
          };
          const time = (p) => Number(BigInt(p.timeUnixNano) / 1000000n);
          const stale = (p) => (p.flags ?? 0) & 1;
          if (m.gauge || m.sum) {
            const kind = m.sum?.isMonotonic ? 'counter' : 'gauge';
            const name = ptype === 'info' ? `${m.name}_info` : m.name;
            for (const p of (m.gauge ?? m.sum).dataPoints) {
              if (stale(p)) continue;
              add(time(p), name, attrs(p.attributes), num(p.asDouble ?? p.asInt), kind);
            }
          } else if (m.histogram) {
            for (const p of m.histogram.dataPoints) {
              if (stale(p)) continue;
              const a = attrs(p.attributes);
              const t = time(p);
              let cum = 0;
              const bounds = [...(p.explicitBounds ?? []).map(String), '+Inf'];
              bounds.forEach((b, i) => {
                cum += Number(p.bucketCounts?.[i] ?? 0);
                add(t, `${m.name}_bucket`, { ...a, le: b }, cum, 'counter');
              });
              add(t, `${m.name}_count`, a, Number(p.count ?? 0), 'counter');
              if (p.sum !== undefined) add(t, `${m.name}_sum`, a, num(p.sum), 'counter');
            }
          } else if (m.summary) {
            for (const p of m.summary.dataPoints) {
              if (stale(p)) continue;
              const a = attrs(p.attributes);
              const t = time(p);
              for (const q of p.quantileValues ?? []) add(t, m.name, { ...a, quantile: String(q.quantile ?? 0) }, num(q.value), 'gauge');
              add(t, `${m.name}_count`, a, Number(p.count ?? 0), 'counter');
              add(t, `${m.name}_sum`, a, num(p.sum), 'counter');
            }
          }
        }
      }
    }
  }
  return out;
}

async function promRange(port, job, atS, windowS) {
  const q = encodeURIComponent(`{job="${job}"}[${windowS}s]`);
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${q}&time=${atS}`);
  const body = await res.json();
  assert.equal(body.status, 'success', JSON.stringify(body).slice(0, 500));
  const out = new Map();
  for (const s of body.data.result) {
    const { __name__: name, ...labels } = s.metric;
    out.set(seriesKey(name, labels), s.values.map(([t, v]) => [Math.round(t * 1000), num(v)]));
  }
  return out;
}

// Gauges about the target's own serving and runtime change when two scrapers hit it at once
// (goroutines, open fds, in-flight requests), and Prometheus's gauges about its own scraping
// differ between its self-scrape and otter's (an appender is active only while Prometheus
// ingests its own scrape): they are not compared for equality.
const OBSERVER_EFFECT = /^(go_|process_|promhttp_|prometheus_http_|net_conntrack_|prometheus_target_|prometheus_tsdb_head_active_appenders)/;

function compare(job, T, otterSeries, prom) {
  const problems = [];
  const near = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) || (Number.isNaN(a) && Number.isNaN(b));
  let bracketed = 0;
  let constant = 0;
  const moved = [];
  for (const [key, samples] of prom) {
    const before = samples.filter(([t]) => t <= T);
    const afterT = samples.filter(([t]) => t >= T);
    if (before.length && afterT.length && !otterSeries.has(key)) problems.push(`missing in otter: ${key}`);
  }
  for (const [key, { value, kind }] of otterSeries) {
    const samples = prom.get(key);
    if (!samples) {
      problems.push(`not in Prometheus: ${key}`);
      continue;
    }
    const before = samples.filter(([t]) => t <= T).at(-1);
    const afterT = samples.find(([t]) => t >= T);
    if (kind === 'counter' && before && afterT && before[1] <= afterT[1]) {
      bracketed++;
      if (value < before[1] - 1e-9 || value > afterT[1] + 1e-9) {
        problems.push(`${key}: otter ${value} outside Prometheus's [${before[1]}, ${afterT[1]}]`);
      }
    } else if (kind === 'gauge' && !OBSERVER_EFFECT.test(key)) {
      const vals = samples.map(([, v]) => v);
      if (vals.length >= 2 && vals.every((v) => near(v, vals[0]))) {
        constant++;
        if (!near(value, vals[0])) moved.push(`${key}: otter ${value}, Prometheus constant ${vals[0]}`);
      }
    }
  }
  // A system gauge (allocated file descriptors, say) may change just at otter's scrape and back:
  // up to 2% of the constant gauges may differ; a conversion error would hit far more.
  if (moved.length > Math.max(1, constant * 0.02)) problems.push(...moved);
  return { problems, bracketed, constant };
}

test('the prometheus receiver scrapes node-exporter and Prometheus like Prometheus does', { timeout: 120000 }, async () => {
  const [nodePort, promPort] = await freePorts(2);
  launch(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${nodePort}`], 'node-exporter');
  const scrapeConfigs = [
    'scrape_configs:',
    '  - job_name: node',
    `    static_configs: [{ targets: ["127.0.0.1:${nodePort}"] }]`,
    '  - job_name: prometheus',
    `    static_configs: [{ targets: ["127.0.0.1:${promPort}"] }]`,
  ];
  const promCfg = path.join(ROOT, 'prometheus.yml');
  fs.writeFileSync(promCfg, [`global: { scrape_interval: ${INTERVAL_S}s, scrape_timeout: ${INTERVAL_S}s }`, ...scrapeConfigs, ''].join('\n'));
  launch(PROMETHEUS, [`--config.file=${promCfg}`, `--storage.tsdb.path=${path.join(ROOT, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${promPort}`], 'prometheus');
  await pollUntil('Prometheus ready', async () => (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).status === 200,
    { timeoutMs: 30000, intervalMs: 200 });

  // Prometheus starts scraping a few seconds after it is ready (its discovery update delay).
  await pollUntil('Prometheus scraping both targets', async () => {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=up`);
    return (await res.json()).data?.result?.length === 2;
  }, { timeoutMs: 30000, intervalMs: 200 });

  const outFile = path.join(ROOT, 'scraped.jsonl');
  otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-promscrape', portCount: 1,
    makeConfig: ([healthPort]) => ({
      healthPort,
      yaml: [
        'extensions:',
        `  health_check: { endpoint: "127.0.0.1:${healthPort}" }`,
        'receivers:',
        '  prometheus:',
        '    config:',
        `      global: { scrape_interval: ${INTERVAL_S}s, scrape_timeout: ${INTERVAL_S}s }`,
        ...scrapeConfigs.map((l) => `      ${l}`),
        'exporters:',
        `  file: { path: "${outFile}", format: json }`,
        'service:',
        '  extensions: [health_check]',
        '  telemetry: { metrics: { level: none } }',
        '  pipelines:',
        '    metrics: { receivers: [prometheus], exporters: [file] }',
        '',
      ].join('\n'),
    }),
  });

  // Wait for four scrapes of each job, then compare the second-to-last one (Prometheus has
  // samples on both sides of it).
  const picked = await pollUntil('four otter scrapes of each job', async () => {
    const s = otterScrapes(outFile);
    const res = {};
    for (const job of ['node', 'prometheus']) {
      const times = [...(s.get(job)?.keys() ?? [])].sort((a, b) => a - b);
      if (times.length < 4) return null;
      const T = times.at(-2);
      res[job] = { T, series: s.get(job).get(T) };
    }
    return res;
  }, { timeoutMs: 60000, intervalMs: 500 });
  await pollUntil('Prometheus past the compared scrapes', async () =>
    Date.now() > Math.max(picked.node.T, picked.prometheus.T) + (INTERVAL_S + 1) * 1000, { timeoutMs: 10000, intervalMs: 100 });

  for (const job of ['node', 'prometheus']) {
    const { T, series } = picked[job];
    const prom = await promRange(promPort, job, (T + (INTERVAL_S + 1) * 1000) / 1000, 2 * INTERVAL_S + 2);
    assert.ok(series.size > (job === 'node' ? 200 : 100), `${job}: otter scraped only ${series.size} series`);
    const up = series.get(seriesKey('up', { job, instance: `127.0.0.1:${job === 'node' ? nodePort : promPort}` }));
    assert.equal(up?.value, 1, `${job}: up`);
    const { problems, bracketed, constant } = compare(job, T, series, prom);
    assert.deepEqual(problems.slice(0, 30), [], `${job}: ${problems.length} differences`);
    const example = [...series].find(([, v]) => v.kind === 'counter');
    assert.ok(bracketed > 20, `${job}: only ${bracketed} counters were checked against Prometheus ` +
      `(T=${T}; e.g. ${example?.[0]}: ${JSON.stringify(prom.get(example?.[0]))})`);
    assert.ok(constant > 20, `${job}: only ${constant} constant gauges were checked`);
  }
});
