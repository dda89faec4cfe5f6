// The same data in two stores gives the same answers: the official JS SDK sends a counter, a
// classic histogram and an exponential histogram to one otter, whose pipeline writes them both to
// its own store and, through the `prometheusremotewrite` exporter, to a real Prometheus 2.42
// (`--web.enable-remote-write-receiver`). rate(), increase() and histogram_quantile() over
// classic histograms and the buckets of native ones must then agree between otter's query API
// and Prometheus's.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';

import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';

import { pollUntil, startOtter, startPrometheus, startRemoteWriteStore, toYaml } from './lib/harness.mjs';
import { nativeQuantile } from './lib/prom_oracle.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-rw-parity-'));
const cleanups = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

async function instant(port, q, t) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}&time=${t}`);
  const body = await res.json();
  assert.equal(body.status, 'success', `${q} on port ${port}: ${JSON.stringify(body)}`);
  return body.data.result;
}

// {labels without __name__} -> value, for comparing vectors regardless of order.
function byLabels(vector) {
  const out = new Map();
  for (const s of vector) {
    const { __name__, ...labels } = s.metric;
    out.set(JSON.stringify(Object.entries(labels).sort()), Number(s.value[1]));
  }
  return out;
}

function assertSameVector(q, t, fromProm, fromOtter) {
  const p = byLabels(fromProm);
  const o = byLabels(fromOtter);
  assert.deepEqual([...o.keys()].sort(), [...p.keys()].sort(), `${q} @${t}: series differ`);
  for (const [k, pv] of p) {
    const ov = o.get(k);
    const close = Number.isNaN(pv) ? Number.isNaN(ov) : Math.abs(ov - pv) <= 1e-9 * Math.max(1, Math.abs(pv));
    assert.ok(close, `${q} @${t} ${k}: Prometheus ${pv}, otter ${ov}`);
  }
}

test('rate(), increase() and histogram_quantile() agree between otter\'s store and a Prometheus 2.42 fed by otter\'s remote write', { timeout: 90000 }, async () => {
  const prom = await startPrometheus({ dir: ROOT, name: 'prometheus', configYaml: 'global: { scrape_interval: 1h }\n',
    flags: ['--web.enable-remote-write-receiver', '--enable-feature=native-histograms'] });
  cleanups.push(prom.stop);
  const promPort = prom.port;

  // A second otter receives the same remote write (its prometheusremotewrite receiver into its
  // store): native histograms must arrive bucket for bucket.
  const relay = await startRemoteWriteStore({ bin: OTTER_BIN, dir: ROOT, name: 'otter-rw-receiver' });
  cleanups.push(() => relay.stop());
  const [relayRwPort, , relayQueryPort] = relay.ports;

  const otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter', portCount: 3,
    makeConfig: ([httpPort, healthPort, queryPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        exporters: {
          store: { directory: path.join(ROOT, 'store'), query: { endpoint: `127.0.0.1:${queryPort}` } },
          prometheusremotewrite: { endpoint: `http://127.0.0.1:${promPort}/api/v1/write` },
          'prometheusremotewrite/relay': { endpoint: `http://127.0.0.1:${relayRwPort}/api/v1/write`, send_metadata: true },
        },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { metrics: { receivers: ['otlp'], exporters: ['store', 'prometheusremotewrite', 'prometheusremotewrite/relay'] } },
        },
      }) + '\n',
    }),
  });
  cleanups.push(() => otter.stop());
  const [httpPort, , queryPort] = otter.ports;

  // One collection per second for 16 s: the counter grows unevenly, the histograms get a spread
  // of values, so rates and quantiles differ from window to window.
  const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'pod-1' }),
    readers: [reader],
    views: [{ instrumentName: 'order.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  const meter = provider.getMeter('checkout');
  const orders = meter.createCounter('orders');
  const latency = meter.createHistogram('latency', { unit: 'ms' });
  const size = meter.createHistogram('order.size', { unit: 'By' });
  const exporter = new OTLPMetricExporter({ url: `http://127.0.0.1:${httpPort}/v1/metrics` });
  orders.add(500, { method: 'card' });
  orders.add(300, { method: 'cash' });
  const lastMs = [];
  for (let i = 0; i < 16; i++) {
    orders.add(3 + (i * 7) % 11, { method: 'card' });
    orders.add(1 + (i % 3), { method: 'cash' });
    for (let k = 0; k < 5 + i; k++) {
      latency.record(((i * 37 + k * 53) % 400) + 0.5);
      size.record(40 + ((i * 31 + k * 17) % 500) * 1.1);
    }
    const { resourceMetrics } = await reader.collect();
    const result = await new Promise((resolve) => exporter.export(resourceMetrics, resolve));
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    lastMs.push(Date.now());
    await delay(1000);
  }
  await exporter.shutdown();

  // Evaluation times inside the run, well after the series started (so no window reaches back
  // to the series' first sample: there, Prometheus 2.42 and 3 extrapolate differently).
  const end = lastMs[lastMs.length - 1] / 1000;
  const times = [end, end - 2.5, end - 4.2].map((t) => t.toFixed(3));
  await pollUntil('the last collection in Prometheus', async () => {
    const r = await instant(promPort, 'orders_total', times[0]);
    const o = await instant(queryPort, 'orders_total', times[0]);
    return r.length === 2 && o.length === 2 && JSON.stringify([...byLabels(r)].sort()) === JSON.stringify([...byLabels(o)].sort());
  }, { timeoutMs: 15000, intervalMs: 250 });

  const queries = [
    'rate(orders_total[5s])',
    'increase(orders_total[8s])',
    'sum(rate(orders_total[6s]))',
    'sum by (le) (rate(latency_milliseconds_bucket[5s]))',
    'histogram_quantile(0.9, sum by (le) (rate(latency_milliseconds_bucket[5s])))',
    'histogram_quantile(0.5, sum by (le) (rate(latency_milliseconds_bucket[8s])))',
    'rate(latency_milliseconds_count[5s])',
    'histogram_count(rate(order_size_bytes[5s]))',
    'histogram_sum(rate(order_size_bytes[8s]))',
  ];
  let compared = 0;
  for (const t of times) {
    for (const q of queries) {
      const [fromProm, fromOtter] = await Promise.all([instant(promPort, q, t), instant(queryPort, q, t)]);
      assert.ok(fromProm.length > 0, `${q} @${t}: Prometheus has no answer`);
      assertSameVector(q, t, fromProm, fromOtter);
      compared += fromProm.length;
    }
  }
  assert.ok(compared >= times.length * queries.length);

  // Native histograms: the rated buckets must be the same; histogram_quantile() then differs by
  // design, since Prometheus 2.42 interpolates linearly inside a bucket and otter, like
  // Prometheus 3, exponentially. Each answer must be its own rule applied to the same buckets.
  // (The values are irregular so that no rank lands exactly on a bucket edge, where rounding of
  // the rated counts could pick either neighbour.)
  for (const t of times) {
    for (const [q, range] of [[0.37, '5s'], [0.9, '8s'], [0.99, '5s']]) {
      const rated = `rate(order_size_bytes[${range}])`;
      const [promH, otterH, relayH] = await Promise.all([instant(promPort, rated, t), instant(queryPort, rated, t),
        instant(relayQueryPort, rated, t)]);
      assert.deepEqual(relayH, otterH, `${rated} @${t}: otter's remote write into otter's receiver`);
      assert.equal(promH.length, 1, `${rated} @${t}`);
      assert.equal(otterH.length, 1, `${rated} @${t}`);
      const near = (a, b) => Math.abs(a - b) <= 1e-9 * Math.abs(b);
      const [, ph] = promH[0].histogram;
      const [, oh] = otterH[0].histogram;
      assert.ok(near(Number(oh.count), Number(ph.count)), `${rated} @${t}: count ${oh.count} vs ${ph.count}`);
      assert.equal(oh.buckets.length, ph.buckets.length, `${rated} @${t}: bucket count`);
      ph.buckets.forEach((pb, i) => assert.ok(pb.every((x, j) => near(Number(oh.buckets[i][j]), Number(x))),
        `${rated} @${t}: bucket ${i}: Prometheus ${pb}, otter ${oh.buckets[i]}`));
      const quantile = `histogram_quantile(${q}, ${rated})`;
      const [promQ, otterQ] = await Promise.all([instant(promPort, quantile, t), instant(queryPort, quantile, t)]);
      const linear = nativeQuantile(q, ph.buckets, { exponential: false });
      const exponential = nativeQuantile(q, ph.buckets, { exponential: true });
      assert.ok(near(Number(promQ[0].value[1]), linear), `${quantile} @${t}: Prometheus ${promQ[0].value[1]}, linear rule ${linear}`);
      assert.ok(near(Number(otterQ[0].value[1]), exponential), `${quantile} @${t}: otter ${otterQ[0].value[1]}, exponential rule ${exponential}`);
    }
  }
});
