// `prometheus` exporter end to end: the official JS SDK sends a counter (with an exemplar-bearing
// histogram) through otter's OTLP receiver to the `prometheus` exporter; `promtool check metrics`
// accepts the exposition, and a real Prometheus 2.42 (Debian `prometheus`) scrapes it in
// OpenMetrics and answers queries with the SDK's values and the exemplar's trace id.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';

import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';

import { exemplarRequest } from './lib/fixtures.mjs';
import { freePorts, pollUntil, startOtter, startPrometheus, startRemoteWriteStore, toYaml } from './lib/harness.mjs';

const execFileP = promisify(execFile);
const OTTER_BIN = process.env.OTTER_BIN ?? '';
const PROMETHEUS = process.env.OTTER_PROMETHEUS ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.OTTER_PROMTOOL ?? '/usr/bin/promtool';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-promexp-'));
let otter;
let prom;

after(async () => {
  if (prom && prom.exitCode === null) {
    prom.kill('SIGTERM');
    await new Promise((r) => prom.once('exit', r));
  }
  if (otter) await otter.stop();
});

class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

async function promQuery(port, q) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${q.includes('&time=') ? q : encodeURIComponent(q)}`);
  const body = await res.json();
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

test('Prometheus 2.42 scrapes the SDK metrics from the prometheus exporter', { timeout: 60000 }, async () => {
  otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-promexp', portCount: 3,
    makeConfig: ([httpPort, healthPort, metricsPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        exporters: { prometheus: { endpoint: `127.0.0.1:${metricsPort}`, enable_open_metrics: true,
          const_labels: { fleet: 'interop' } } },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { metrics: { receivers: ['otlp'], exporters: ['prometheus'] } },
        },
      }) + '\n',
    }),
  });
  const [, , metricsPort] = otter.ports;

  const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'pod-1', 'host.name': 'h1' }),
    readers: [reader],
  });
  const meter = provider.getMeter('checkout', '1.0.0');
  const orders = meter.createCounter('orders', { description: 'Orders placed.' });
  orders.add(5, { 'payment.method': 'card' });
  orders.add(2, { 'payment.method': 'cash' });
  const latency = meter.createHistogram('order.latency', { description: 'Order latency.', unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
  for (const v of [0.05, 0.5, 0.7, 3]) latency.record(v);
  const { resourceMetrics } = await reader.collect();
  // An exemplar with a trace id on the histogram (the JS SDK records none without a sampled span).
  const h = resourceMetrics.scopeMetrics[0].metrics.find((m) => m.descriptor.name === 'order.latency');
  const exporter = new OTLPMetricExporter({ url: `http://127.0.0.1:${otter.ports[0]}/v1/metrics` });
  const result = await new Promise((resolve) => exporter.export(resourceMetrics, resolve));
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  await exporter.shutdown();
  assert.ok(h);

  // The exposition, as text 0.0.4, passes promtool's linter.
  const text = await pollUntil('orders in /metrics', async () => {
    const t = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return t.includes('orders_total') ? t : null;
  });
  const lint = await new Promise((resolve) => {
    const p = execFile(PROMTOOL, ['check', 'metrics'], (err, stdout, stderr) => resolve({ err, out: stdout + stderr }));
    p.stdin.end(text);
  });
  assert.equal(lint.err, null, lint.out);
  assert.match(text, /orders_total\{fleet="interop",instance="pod-1",job="shop",otel_scope_name="checkout",otel_scope_version="1.0.0",payment_method="card"\} 5\n/);
  assert.match(text, /target_info\{host_name="h1",instance="pod-1",job="shop"\} 1\n/);

  // A hand-built histogram with exemplars (the JS SDK records none), as OTLP/JSON (after the
  // lint: its counter has no description).
  const baseNs = BigInt(Date.now()) * 1000000n;
  const ex = await fetch(`http://127.0.0.1:${otter.ports[0]}/v1/metrics`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(exemplarRequest('promexp', baseNs.toString())),
  });
  assert.equal(ex.status, 200, await ex.text());

  // A real Prometheus scrapes it (OpenMetrics negotiated) and answers with the SDK's values.
  const [promPort] = await freePorts(1);
  const promCfg = path.join(ROOT, 'prometheus.yml');
  fs.writeFileSync(promCfg, [
    'global: { scrape_interval: 1s }',
    'scrape_configs:',
    '  - job_name: otter',
    '    honor_labels: true',
    `    static_configs: [{ targets: ["127.0.0.1:${metricsPort}"] }]`,
    '',
  ].join('\n'));
  prom = spawn(PROMETHEUS, [`--config.file=${promCfg}`, `--storage.tsdb.path=${path.join(ROOT, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--enable-feature=exemplar-storage'],
  { stdio: ['ignore', fs.openSync(path.join(ROOT, 'prometheus.log'), 'a'), fs.openSync(path.join(ROOT, 'prometheus.log'), 'a')] });
  const series = await pollUntil('orders_total in Prometheus', async () => {
    const r = await promQuery(promPort, 'sort_desc(orders_total)');
    return r.length === 2 ? r : null;
  }, { timeoutMs: 30000, intervalMs: 250 });
  assert.deepEqual(series.map((s) => [s.metric.payment_method, s.value[1]]), [['card', '5'], ['cash', '2']]);
  assert.equal(series[0].metric.job, 'shop');
  assert.equal(series[0].metric.instance, 'pod-1');
  assert.equal(series[0].metric.fleet, 'interop');
  const buckets = await promQuery(promPort, 'sort(order_latency_seconds_bucket)');
  assert.deepEqual(buckets.map((s) => [s.metric.le, s.value[1]]), [['0.1', '1'], ['1.0', '3'], ['+Inf', '4']]);
  const count = await promQuery(promPort, 'order_latency_seconds_count');
  assert.equal(count[0].value[1], '4');
  // The exemplar reached Prometheus through the OpenMetrics exposition, trace id and all.
  const startS = Number(baseNs / 1000000000n) - 60;
  const exemplars = await pollUntil('the exemplar in Prometheus', async () => {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query_exemplars?query=` +
      `${encodeURIComponent('http_server_request_duration_seconds_bucket')}&start=${startS}&end=${startS + 3600}`);
    const body = await res.json();
    return body.data?.length ? body.data : null;
  }, { timeoutMs: 15000, intervalMs: 250 });
  const got = exemplars.flatMap((s) => s.exemplars.map((e) => [s.seriesLabels.le, e.labels.trace_id ?? '', e.value]));
  got.sort();
  assert.deepEqual(got, [['+Inf', '4bf92f3577b34da6a3ce929d0e0e4736', '9.5'], ['0.5', '', '0.25']]);
  const up = await promQuery(promPort, 'up');
  assert.equal(up[0].value[1], '1');
});

test('prometheusremotewrite delivers the SDK metrics to Prometheus 2.42\'s remote-write receiver', { timeout: 60000 }, async () => {
  const rw = await startPrometheus({ dir: ROOT, name: 'prometheus-rw', configYaml: 'global: { scrape_interval: 1h }\n',
    flags: ['--web.enable-remote-write-receiver', '--enable-feature=native-histograms,exemplar-storage'] });
  const promPort = rw.port;
  try {
    const rwOtter = await startOtter({
      bin: OTTER_BIN, dir: ROOT, name: 'otter-rw', portCount: 2,
      makeConfig: ([httpPort, healthPort]) => ({
        healthPort,
        yaml: toYaml({
          extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
          receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
          exporters: { prometheusremotewrite: { endpoint: `http://127.0.0.1:${promPort}/api/v1/write`,
            external_labels: { fleet: 'interop' }, send_metadata: true } },
          service: {
            extensions: ['health_check'],
            telemetry: { metrics: { level: 'none' } },
            pipelines: { metrics: { receivers: ['otlp'], exporters: ['prometheusremotewrite'] } },
          },
        }) + '\n',
      }),
    });
    try {
      const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'pod-1' }),
        readers: [reader],
        views: [{ instrumentName: 'order.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
      });
      const meter = provider.getMeter('checkout');
      meter.createCounter('orders', { description: 'Orders placed.' }).add(7, { 'payment.method': 'card' });
      const size = meter.createHistogram('order.size', { unit: 'By' });
      for (const v of [100, 200, 400, 800]) size.record(v);
      const { resourceMetrics } = await reader.collect();
      const exporter = new OTLPMetricExporter({ url: `http://127.0.0.1:${rwOtter.ports[0]}/v1/metrics` });
      const result = await new Promise((resolve) => exporter.export(resourceMetrics, resolve));
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      await exporter.shutdown();

      const orders = await pollUntil('orders_total via remote write', async () => {
        const r = await promQuery(promPort, 'orders_total');
        return r.length ? r : null;
      }, { timeoutMs: 15000, intervalMs: 200 });
      assert.equal(orders[0].value[1], '7');
      assert.equal(orders[0].metric.fleet, 'interop');
      assert.equal(orders[0].metric.job, 'shop');
      assert.equal(orders[0].metric.instance, 'pod-1');
      assert.equal(orders[0].metric.payment_method, 'card');
      const count = await promQuery(promPort, 'histogram_count(order_size_bytes)');
      assert.equal(count.length, 1, 'the exponential histogram arrives as a native histogram');
      assert.equal(count[0].value[1], '4');
      const sum = await promQuery(promPort, 'histogram_sum(order_size_bytes)');
      assert.equal(sum[0].value[1], '1500');
      // (send_metadata is on; Prometheus 2.42's receiver does not keep Remote Write metadata, so
      // its bytes are checked by the unit tests only.)
    } finally {
      await rwOtter.stop();
    }
  } finally {
    await rw.stop();
  }
});

test('Prometheus 2.42 remote-writes into otter\'s prometheusremotewrite receiver: otter\'s store answers as Prometheus does', { timeout: 90000 }, async () => {
  const storeOtter = await startRemoteWriteStore({ bin: OTTER_BIN, dir: ROOT, name: 'otter-rw-receiver' });
  const [rwPort, , queryPort] = storeOtter.ports;
  const [promPort] = await freePorts(1);
  const promCfg = path.join(ROOT, 'prometheus-to-otter.yml');
  fs.writeFileSync(promCfg, [
    'global: { scrape_interval: 1s }',
    'scrape_configs:',
    '  - job_name: prometheus',
    `    static_configs: [{ targets: ["127.0.0.1:${promPort}"] }]`,
    'remote_write:',
    `  - url: http://127.0.0.1:${rwPort}/api/v1/write`,
    '    queue_config: { batch_send_deadline: 1s }',
    '    metadata_config: { send_interval: 1s }',
    '',
  ].join('\n'));
  const log = fs.openSync(path.join(ROOT, 'prometheus-to-otter.log'), 'a');
  const p = spawn(PROMETHEUS, [`--config.file=${promCfg}`, `--storage.tsdb.path=${path.join(ROOT, 'tsdb-to-otter')}`,
    `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', log, log] });
  try {
    // The same instant query against both, at a time both have all samples for.
    const both = async (q, t) => Promise.all([promQuery(promPort, `${q}&time=${t}`), promQuery(queryPort, `${q}&time=${t}`)]);
    await pollUntil('five scrapes in Prometheus', async () => {
      const r = await promQuery(promPort, 'count_over_time(up[1m])');
      return r.length && Number(r[0].value[1]) >= 5;
    }, { timeoutMs: 30000, intervalMs: 250 });
    const t = Date.now() / 1000 - 2;
    // Raw samples must be identical; functions over them too. (rate() is left out: otter follows
    // Prometheus 3's extrapolation, which for a series starting inside the window extrapolates
    // less than 2.42 does.)
    const queries = ['up', 'prometheus_build_info', 'sum(prometheus_http_requests_total)',
      'prometheus_http_requests_total[20s]', 'sum(irate(prometheus_http_requests_total[30s]))',
      'max_over_time(prometheus_tsdb_head_series[30s])'];
    const canon = (r) => JSON.stringify(r.map((s) => [s.metric, s.value?.[1] ?? s.values]).sort((a, b) =>
      JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    for (const q of queries) {
      await pollUntil(`otter answers ${q} as Prometheus does`, async () => {
        const [fromProm, fromOtter] = await both(encodeURIComponent(q), t);
        if (canon(fromProm) !== canon(fromOtter)) throw new Error(`prometheus ${canon(fromProm)} otter ${canon(fromOtter)}`);
        return fromProm.length > 0;
      }, { timeoutMs: 20000, intervalMs: 500 });
    }
  } finally {
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
    await storeOtter.stop();
  }
});
