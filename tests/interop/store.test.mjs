// Store interop: the official OpenTelemetry JS SDK (and hand-built OTLP/JSON) sends traces,
// metrics and logs to one otter whose pipelines end in the `store` exporter; the test then reads
// them back through the store's query APIs — Jaeger, Prometheus (also with promtool) and Loki —
// and checks each answer against exactly what was sent.
//
//   SDK --(grpc | http/protobuf)--> otter [memory_limiter] --> store --> query API (one port)
//
// Run with tests/interop/run.sh <path-to-otter> (ctest does this). The tests of the suite share
// one otter and run in order: later ones query what earlier ones sent.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import { startOtter, toYaml } from './lib/harness.mjs';
import { bucketQuantile, counterRate, cumulativeBuckets } from './lib/prom_oracle.mjs';
import {
  SERVICE_A, SERVICE_B, runDeltaCounter, runExponentialHistogram, runMetrics, runTraceAndLogs,
} from './lib/store_workload.mjs';

const execFileP = promisify(execFile);

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const PROMTOOL = process.env.OTTER_PROMTOOL ?? '/usr/bin/promtool';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-store-'));

// Histogram workload: the same values in both export intervals, so every bucket's cumulative
// count doubles and rate() scales all buckets by one factor (the quantile does not depend on it).
const HIST_BOUNDS = [1, 5, 10, 50];
const HIST_VALUES = [0.5, 2, 3, 7, 7, 20, 60];
const GAP_MS = 1600;

function storeConfig(dataDir) {
  return ([grpcPort, httpPort, healthPort, metricsPort, queryPort]) => {
    const p = { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['store'] };
    const cfg = {
      receivers: { otlp: { protocols: {
        grpc: { endpoint: `127.0.0.1:${grpcPort}` },
        http: { endpoint: `127.0.0.1:${httpPort}` },
      } } },
      processors: { memory_limiter: { check_interval: '1s', limit_mib: 4000 } },
      exporters: { store: { directory: dataDir, sync: true, query: { endpoint: `127.0.0.1:${queryPort}` } } },
      extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
      service: {
        extensions: ['health_check'],
        telemetry: { metrics: { address: `127.0.0.1:${metricsPort}` } },
        pipelines: { traces: p, metrics: p, logs: p },
      },
    };
    return { yaml: `${toYaml(cfg)}\n`, healthPort };
  };
}

// ---- hand-built OTLP/JSON: a histogram whose points carry exemplars, and the exemplars' traces ----

const EXEMPLAR_SERVICE = 'exemplar-svc';
const EXEMPLARS = [
  // value -> bucket le (bounds 0.5, 5): 0.3 -> 0.5, 2.5 -> 5, 7 -> +Inf
  { traceId: '5b8aa5a2d2c872e8321cf37308d69df2', spanId: '051581bf3cb55c13', value: 0.3, offsetMs: 500, le: '0.5' },
  { traceId: '6e0c63257de34c92bf9efcd03927272e', spanId: 'd4cda95b652f4a15', value: 2.5, offsetMs: 700, le: '5' },
  { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', value: 7, offsetMs: 1500, le: '+Inf' },
];

const nsOf = (ms) => (BigInt(ms) * 1000000n).toString();

function exemplarTraces(baseMs) {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: EXEMPLAR_SERVICE } }] },
      scopeSpans: [{
        scope: { name: 'hand.built' },
        spans: EXEMPLARS.map((e, i) => ({
          traceId: e.traceId, spanId: e.spanId, name: `checkout attempt ${i + 1}`, kind: 2,
          startTimeUnixNano: nsOf(baseMs + e.offsetMs - 100), endTimeUnixNano: nsOf(baseMs + e.offsetMs),
        })),
      }],
    }],
  };
}

function exemplarMetrics(baseMs) {
  const ex = (e) => ({ timeUnixNano: nsOf(baseMs + e.offsetMs), asDouble: e.value, traceId: e.traceId, spanId: e.spanId,
    filteredAttributes: [{ key: 'user.id', value: { stringValue: `u-${e.spanId.slice(0, 4)}` } }] });
  const attrs = [{ key: 'http.route', value: { stringValue: '/cart' } }];
  return {
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: EXEMPLAR_SERVICE } }] },
      scopeMetrics: [{
        scope: { name: 'hand.built' },
        metrics: [{
          name: 'checkout.latency', unit: 's',
          histogram: {
            aggregationTemporality: 2, // cumulative
            dataPoints: [{
              attributes: attrs, startTimeUnixNano: nsOf(baseMs), timeUnixNano: nsOf(baseMs + 1000),
              count: '2', sum: 2.8, bucketCounts: ['1', '1', '0'], explicitBounds: [0.5, 5],
              exemplars: [ex(EXEMPLARS[0]), ex(EXEMPLARS[1])],
            }, {
              attributes: attrs, startTimeUnixNano: nsOf(baseMs), timeUnixNano: nsOf(baseMs + 2000),
              count: '3', sum: 9.8, bucketCounts: ['1', '1', '1'], explicitBounds: [0.5, 5],
              exemplars: [ex(EXEMPLARS[2])],
            }],
          },
        }],
      }],
    }],
  };
}

// ---- the suite -----------------------------------------------------------------------------------

describe('JS SDK -> otter store -> Jaeger / Prometheus / Loki query APIs', () => {
  let otter;
  let query; // http://127.0.0.1:<query port>
  let sent; // what runTraceAndLogs sent
  let metrics; // what runMetrics sent
  let failed = false;

  before(async () => {
    assert.ok(OTTER_BIN && fs.existsSync(OTTER_BIN),
      `otter binary not found: set OTTER_BIN (got ${JSON.stringify(OTTER_BIN)}); run via tests/interop/run.sh <otter>`);
    const dir = path.join(ROOT, 'store');
    fs.mkdirSync(dir, { recursive: true });
    otter = await startOtter({ bin: OTTER_BIN, dir, name: 'otter-store', portCount: 5,
      makeConfig: storeConfig(path.join(dir, 'data')) });
    query = `http://127.0.0.1:${otter.ports[4]}`;
  });

  after(async () => {
    if (otter && !otter.exited) {
      const st = await otter.stop();
      if (st.code !== 0) console.log(`# note: otter-store exited with ${JSON.stringify(st)} after SIGTERM`);
    }
    if (failed || process.env.OTTER_INTEROP_KEEP) console.log(`# kept ${ROOT} for inspection`);
    else fs.rmSync(ROOT, { recursive: true, force: true });
  });

  function onFailure(fn) {
    return async () => {
      try {
        await fn();
      } catch (e) {
        failed = true;
        e.message += `\n${otter ? otter.logTail(20) : ''}`;
        throw e;
      }
    };
  }

  // GET <query><path>?<params>; asserts HTTP 200 and a JSON body, returns the parsed body.
  async function getJson(urlPath, params = {}) {
    const url = `${query}${urlPath}${Object.keys(params).length ? `?${new URLSearchParams(params)}` : ''}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
    const text = await res.text();
    assert.equal(res.status, 200, `GET ${url} -> ${res.status}: ${text.slice(0, 500)}`);
    try {
      return JSON.parse(text);
    } catch {
      assert.fail(`GET ${url}: body is not JSON: ${text.slice(0, 500)}`);
    }
  }

  async function promQuery(expr, timeMs) {
    const body = await getJson('/api/v1/query', { query: expr, time: (timeMs / 1000).toFixed(3) });
    assert.equal(body.status, 'success', JSON.stringify(body));
    return body.data;
  }

  // ---- traces --------------------------------------------------------------------------------------

  test('SDK trace across two services (grpc + http/protobuf) -> Jaeger API: structure, processes, services',
    { timeout: 30000 }, onFailure(async () => {
      const [grpcPort, httpPort] = otter.ports;
      const baseMs = Date.now() - 10000;
      const target = { grpcEndpoint: `127.0.0.1:${grpcPort}`, httpBase: `http://127.0.0.1:${httpPort}` };
      sent = await runTraceAndLogs(target, baseMs);
      assert.deepEqual(sent.errors, [], 'every OTLP export to otter must succeed');
      assert.deepEqual(sent.counts, { spansA: 2, spansB: 1, logs: 5 });
      const { traceId, spans } = sent;
      assert.match(sent.traceparent, new RegExp(`^00-${traceId}-${spans.clientA.id}-01$`));

      // An acknowledged export is queryable at once (docs/storage.md): no polling.
      const services = await getJson('/api/services');
      assert.ok(Array.isArray(services.data), JSON.stringify(services));
      for (const s of [SERVICE_A, SERVICE_B]) {
        assert.ok(services.data.includes(s), `services ${JSON.stringify(services.data)} lack ${s}`);
      }

      const ops = await getJson(`/api/services/${encodeURIComponent(SERVICE_A)}/operations`);
      assert.deepEqual([...ops.data].sort(), ['GET /checkout', 'POST /pay'], `operations of ${SERVICE_A}`);

      const byId = await getJson(`/api/traces/${traceId}`);
      assert.equal(byId.data.length, 1, JSON.stringify(byId));
      const t = byId.data[0];
      assert.equal(t.traceID, traceId);
      const serviceOf = (s) => t.processes[s.processID]?.serviceName;
      assert.deepEqual(Object.values(t.processes).map((p) => p.serviceName).sort(), [SERVICE_A, SERVICE_B].sort(),
        `processes: ${JSON.stringify(t.processes)}`);
      const got = t.spans.map((s) => ({
        id: s.spanID,
        traceID: s.traceID,
        name: s.operationName,
        service: serviceOf(s),
        kind: s.tags.find((tag) => tag.key === 'span.kind')?.value,
        startMs: s.startTime / 1000,
        durMs: s.duration / 1000,
        refs: s.references.map((r) => `${r.refType}:${r.traceID}:${r.spanID}`),
      })).sort((a, b) => a.startMs - b.startMs);
      const want = [
        { ...spans.serverA, traceID: traceId, refs: [] },
        { ...spans.clientA, traceID: traceId, refs: [`CHILD_OF:${traceId}:${spans.serverA.id}`] },
        { ...spans.serverB, traceID: traceId, refs: [`CHILD_OF:${traceId}:${spans.clientA.id}`] },
      ];
      assert.deepEqual(got, want);

      // Search by service (Jaeger returns whole traces), both services find the same trace.
      for (const service of [SERVICE_A, SERVICE_B]) {
        const found = await getJson('/api/traces', {
          service, limit: '20', start: String((baseMs - 1000) * 1000), end: String((Date.now() + 1000) * 1000),
        });
        assert.deepEqual(found.data.map((x) => [x.traceID, x.spans.length]), [[traceId, 3]], `search service=${service}`);
      }
      const deps = await getJson('/api/dependencies', { endTs: String(Date.now() + 1000), lookback: '3600000' });
      assert.deepEqual(deps.data.map((d) => [d.parent, d.child, d.callCount]), [[SERVICE_A, SERVICE_B, 1]],
        `dependencies: ${JSON.stringify(deps.data)}`);
    }));

  // ---- logs ----------------------------------------------------------------------------------------

  test('SDK logs inside and outside the trace -> Loki API: all by service, exactly the trace\'s by trace_id',
    { timeout: 30000 }, onFailure(async () => {
      assert.ok(sent, 'needs the trace test');
      const start = (BigInt(Date.now() - 3600000) * 1000000n).toString();
      const end = (BigInt(Date.now() + 1000) * 1000000n).toString();
      const entries = async (q) => {
        const body = await getJson('/loki/api/v1/query_range', { query: q, start, end, limit: '100', direction: 'forward' });
        assert.equal(body.status, 'success', JSON.stringify(body));
        assert.equal(body.data.resultType, 'streams');
        for (const s of body.data.result) assert.equal(s.stream.service_name, SERVICE_A, JSON.stringify(s.stream));
        return body.data.result.flatMap((s) => s.values.map(([ts, line]) => `${ts} ${line}`)).sort();
      };
      const line = (l) => `${l.tsNs} ${l.body}`;
      const selector = `{service_name="${SERVICE_A}"}`;
      assert.deepEqual(await entries(selector), sent.logs.map(line).sort());
      const inTrace = sent.logs.filter((l) => l.inTrace).map(line).sort();
      assert.equal(inTrace.length, 3);
      assert.deepEqual(await entries(`${selector} | trace_id="${sent.traceId}"`), inTrace);
      assert.deepEqual(await entries(`{service_name="${SERVICE_B}"}`), [], 'service B emitted no logs');

      const count = await getJson('/loki/api/v1/query', {
        query: `sum(count_over_time(${selector} | trace_id="${sent.traceId}" [1h]))`, time: end,
      });
      assert.equal(count.data.resultType, 'vector', JSON.stringify(count));
      assert.deepEqual(count.data.result.map((r) => r.value[1]), ['3']);

      const labels = await getJson('/loki/api/v1/labels', { start, end });
      assert.ok(labels.data.includes('service_name'), JSON.stringify(labels));
      const values = await getJson('/loki/api/v1/label/service_name/values', { start, end });
      assert.deepEqual(values.data, [SERVICE_A], 'only service A logged');
    }));

  // ---- metrics -------------------------------------------------------------------------------------

  test('SDK counter over two export intervals -> rate() consistent with the stored samples', { timeout: 30000 },
    onFailure(async () => {
      metrics = await runMetrics({ httpBase: `http://127.0.0.1:${otter.ports[1]}` },
        { histValues: HIST_VALUES, histBounds: HIST_BOUNDS, gapMs: GAP_MS });
      assert.deepEqual(metrics.errors, []);
      const [c1, c2] = metrics.collections;
      assert.deepEqual([c1.orders.value, c2.orders.value], [8, 20]);
      const tMs = (c) => Number(BigInt(c.orders.endNs) / 1000000n);
      const evalMs = tMs(c2) + 500;
      metrics.evalMs = evalMs;

      const labels = {
        __name__: 'interop_orders_total', job: SERVICE_A, route: '/checkout',
        otel_scope_name: 'shop.frontend.metrics', otel_scope_version: '1.0.0',
      };
      const series = await getJson('/api/v1/series', {
        'match[]': 'interop_orders_total', start: String((evalMs - 60000) / 1000), end: String(evalMs / 1000),
      });
      assert.deepEqual(series.data, [labels]);

      // The raw samples in the window, as a range selector returns them.
      const raw = await promQuery('interop_orders_total[1m]', evalMs);
      assert.equal(raw.resultType, 'matrix');
      assert.equal(raw.result.length, 1, JSON.stringify(raw));
      const samples = raw.result[0].values.map(([t, v]) => ({ tMs: Math.round(t * 1000), v: Number(v) }));
      assert.deepEqual(samples, [{ tMs: tMs(c1), v: 8 }, { tMs: tMs(c2), v: 20 }]);

      const rate = await promQuery('rate(interop_orders_total[1m])', evalMs);
      assert.equal(rate.resultType, 'vector');
      assert.equal(rate.result.length, 1, JSON.stringify(rate));
      const { __name__: _, ...withoutName } = labels;
      assert.deepEqual(rate.result[0].metric, withoutName, 'rate() drops the metric name');
      const got = Number(rate.result[0].value[1]);
      assert.equal(Math.round(rate.result[0].value[0] * 1000), evalMs);
      const want = counterRate(samples, evalMs - 60000, evalMs);
      assert.ok(got > 0 && Math.abs(got - want) <= 1e-9 * want,
        `rate = ${got}, expected ${want} from ${JSON.stringify(samples)}`);
      // Independent of the exact rules: the increase between the samples (12) over the window, stretched
      // by at most 1.1 average sample spacings at each end.
      assert.ok(got >= 12 / 60 && got <= (12 * 3.2) / 60, `rate ${got} outside [12/60, 12*3.2/60]`);
    }));

  test('SDK histogram with explicit buckets -> histogram_quantile, _count, _sum', { timeout: 30000 },
    onFailure(async () => {
      assert.ok(metrics?.evalMs, 'needs the counter test');
      const { evalMs } = metrics;
      const [h1, h2] = metrics.collections.map((c) => c.latency);
      assert.deepEqual([h1.count, h2.count], [7, 14]);
      assert.deepEqual(h2.buckets.boundaries, HIST_BOUNDS);

      const base = 'http_server_duration_milliseconds';
      const scalar = async (expr) => {
        const d = await promQuery(expr, evalMs);
        assert.equal(d.resultType, 'vector');
        assert.equal(d.result.length, 1, `${expr}: ${JSON.stringify(d)}`);
        return Number(d.result[0].value[1]);
      };
      assert.equal(await scalar(`sum(${base}_count)`), 14);
      assert.equal(await scalar(`sum(${base}_sum)`), 2 * HIST_VALUES.reduce((a, b) => a + b, 0));

      const buckets = await promQuery(`${base}_bucket`, evalMs);
      const byLe = Object.fromEntries(buckets.result.map((r) => [r.metric.le, Number(r.value[1])]));
      const want = Object.fromEntries(cumulativeBuckets(HIST_VALUES, HIST_BOUNDS)
        .map(({ le, count }) => [le === Infinity ? '+Inf' : String(le), 2 * count]));
      assert.deepEqual(byLe, want);

      const expected = bucketQuantile(0.5, cumulativeBuckets(HIST_VALUES, HIST_BOUNDS));
      assert.equal(expected, 6.25); // rank 3.5 of 7 falls in (5, 10] holding 2 values above the 3 below
      const q = await scalar(`histogram_quantile(0.5, sum by (le) (rate(${base}_bucket[1m])))`);
      assert.ok(Math.abs(q - expected) < 1e-9, `histogram_quantile = ${q}, expected ${expected}`);
    }));

  test('SDK counter with delta temporality -> a cumulative series: the running totals, rate()', { timeout: 30000 },
    onFailure(async () => {
      const { points, errors } = await runDeltaCounter({ httpBase: `http://127.0.0.1:${otter.ports[1]}` },
        { gapMs: 1100 });
      assert.deepEqual(errors, []);
      // The interval without measurements gives no point (or a 0): the totals are the same.
      assert.deepEqual(points.map((p) => p.value).filter((v) => v !== 0), [8, 4, 2]);
      const tMs = (p) => Number(BigInt(p.endNs) / 1000000n);
      const evalMs = tMs(points.at(-1)) + 500;
      let total = 0;
      const want = points.map((p) => ({ tMs: tMs(p), v: (total += p.value) }));
      const raw = await promQuery('interop_delta_orders_total[1m]', evalMs);
      assert.equal(raw.result.length, 1, JSON.stringify(raw));
      assert.deepEqual(raw.result[0].metric, {
        __name__: 'interop_delta_orders_total', job: SERVICE_A, route: '/checkout',
        otel_scope_name: 'shop.frontend.metrics', otel_scope_version: '1.0.0',
      });
      const samples = raw.result[0].values.map(([t, v]) => ({ tMs: Math.round(t * 1000), v: Number(v) }));
      assert.deepEqual(samples, want);
      assert.deepEqual(samples.at(-1).v, 14);
      const rate = await promQuery('rate(interop_delta_orders_total[1m])', evalMs);
      assert.equal(rate.result.length, 1, JSON.stringify(rate));
      const got = Number(rate.result[0].value[1]);
      const wantRate = counterRate(samples, evalMs - 60000, evalMs);
      assert.ok(got > 0 && Math.abs(got - wantRate) <= 1e-9 * wantRate, `rate = ${got}, expected ${wantRate}`);
    }));

  test('SDK exponential histogram -> a native histogram: histogram field, count, sum, quantile', { timeout: 30000 },
    onFailure(async () => {
      const values = [1, 2, 3, 5, 8, 13, 100];
      const { collections, errors } = await runExponentialHistogram(
        { httpBase: `http://127.0.0.1:${otter.ports[1]}` }, { values, gapMs: 1100 });
      assert.deepEqual(errors, []);
      const tMs = (c) => Number(BigInt(c.endNs) / 1000000n);
      for (const [i, c] of collections.entries()) {
        const h = c.value;
        assert.equal(h.count, values.length * (i + 1));
        const d = await promQuery('interop_payload_size', tMs(c));
        assert.equal(d.result.length, 1, JSON.stringify(d));
        const r = d.result[0];
        assert.deepEqual(r.metric, { __name__: 'interop_payload_size', job: SERVICE_A, route: '/upload',
          otel_scope_name: 'shop.frontend.metrics', otel_scope_version: '1.0.0' });
        assert.equal(r.value, undefined, 'a histogram sample has no "value"');
        const [t, got] = r.histogram;
        assert.equal(Math.round(t * 1000), tMs(c));
        assert.equal(got.count, String(h.count));
        assert.equal(Number(got.sum), h.sum);
        // OTLP bucket offset+k, (base^(offset+k), base^(offset+k+1)], is Prometheus bucket
        // offset+k+1 with the same bounds; empty buckets are left out.
        const base = 2 ** (2 ** -h.scale);
        const want = h.positive.bucketCounts.map((n, k) => [h.positive.offset + k, n]).filter(([, n]) => n > 0);
        assert.equal(got.buckets.length, want.length, JSON.stringify(got));
        for (const [j, [idx, n]] of want.entries()) {
          const [rule, lo, hi, count] = got.buckets[j];
          assert.equal(rule, 0);
          assert.equal(count, String(n));
          assert.ok(Math.abs(Number(lo) / base ** idx - 1) < 1e-12, `lower ${lo} vs ${base ** idx}`);
          assert.ok(Math.abs(Number(hi) / base ** (idx + 1) - 1) < 1e-12, `upper ${hi} vs ${base ** (idx + 1)}`);
        }
        const scalar = async (expr) => Number((await promQuery(expr, tMs(c))).result[0].value[1]);
        assert.equal(await scalar('histogram_count(interop_payload_size)'), h.count);
        assert.equal(await scalar('histogram_sum(interop_payload_size)'), h.sum);
        // The median: from the top, the bucket where (1-q)·count is reached, interpolated on a log
        // scale (Prometheus 3).
        let rank = 0.5 * h.count;
        let seen = 0;
        for (const [idx, n] of [...want].reverse()) {
          seen += n;
          if (seen >= rank) {
            const fraction = (seen - rank) / n;
            const wantQ = 2 ** (Math.log2(base ** idx) + (Math.log2(base ** (idx + 1)) - Math.log2(base ** idx)) * fraction);
            const q = await scalar('histogram_quantile(0.5, interop_payload_size)');
            assert.ok(Math.abs(q / wantQ - 1) < 1e-9, `histogram_quantile = ${q}, expected ${wantQ}`);
            break;
          }
        }
      }
    }));

  test('SDK delta exponential histogram -> a cumulative native histogram: the intervals added up', { timeout: 30000 },
    onFailure(async () => {
      const values = [0.5, 4, 4, 9, 300];
      const { collections, errors } = await runExponentialHistogram(
        { httpBase: `http://127.0.0.1:${otter.ports[1]}` },
        { values, gapMs: 1100, name: 'interop.payload.delta', delta: true });
      assert.deepEqual(errors, []);
      assert.deepEqual(collections.map((c) => c.value.count), [values.length, values.length]);
      const [c1, c2] = collections;
      assert.equal(c1.value.scale, c2.value.scale, 'the same values: the same scale');
      const tMs = Number(BigInt(c2.endNs) / 1000000n);
      const d = await promQuery('interop_payload_delta', tMs);
      assert.equal(d.result.length, 1, JSON.stringify(d));
      const [, got] = d.result[0].histogram;
      assert.equal(got.count, String(2 * values.length));
      assert.equal(Number(got.sum), c1.value.sum + c2.value.sum);
      // Every bucket holds the two intervals' counts.
      const total = new Map();
      for (const c of collections) {
        c.value.positive.bucketCounts.forEach((n, k) => {
          const idx = c.value.positive.offset + k;
          if (n > 0) total.set(idx, (total.get(idx) ?? 0) + n);
        });
      }
      assert.deepEqual(got.buckets.map((b) => b[3]), [...total.entries()].sort((a, b) => a[0] - b[0])
        .map(([, n]) => String(n)));
    }));

  // ---- exemplars (hand-built OTLP/JSON: the JS SDK sends none) ----------------------------------------

  test('OTLP/JSON histogram with exemplars -> query_exemplars returns exactly their trace ids, each a Jaeger trace',
    { timeout: 30000 }, onFailure(async () => {
      const baseMs = Date.now() - 5000;
      const http = `http://127.0.0.1:${otter.ports[1]}`;
      for (const [signal, body] of [['traces', exemplarTraces(baseMs)], ['metrics', exemplarMetrics(baseMs)]]) {
        const res = await fetch(`${http}/v1/${signal}`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
          signal: AbortSignal.timeout(5000),
        });
        assert.equal(res.status, 200, `POST /v1/${signal}: ${await res.text()}`);
      }
      const body = await getJson('/api/v1/query_exemplars', {
        query: 'checkout_latency_seconds_bucket', start: String((baseMs - 1000) / 1000), end: String((baseMs + 3000) / 1000),
      });
      assert.equal(body.status, 'success', JSON.stringify(body));
      const got = body.data.flatMap((s) => s.exemplars.map((e) => ({
        le: s.seriesLabels.le,
        name: s.seriesLabels.__name__,
        job: s.seriesLabels.job,
        traceId: e.labels.trace_id,
        spanId: e.labels.span_id,
        value: Number(e.value),
        tMs: Math.round(e.timestamp * 1000),
      }))).sort((a, b) => a.tMs - b.tMs);
      assert.deepEqual(got, EXEMPLARS.map((e) => ({
        le: e.le, name: 'checkout_latency_seconds_bucket', job: EXEMPLAR_SERVICE, traceId: e.traceId, spanId: e.spanId,
        value: e.value, tMs: baseMs + e.offsetMs,
      })));

      for (const e of EXEMPLARS) {
        const t = await getJson(`/api/traces/${e.traceId}`);
        assert.deepEqual(t.data.map((x) => [x.traceID, x.spans.map((s) => s.spanID)]), [[e.traceId, [e.spanId]]]);
        assert.deepEqual(Object.values(t.data[0].processes).map((p) => p.serviceName), [EXEMPLAR_SERVICE]);
      }
    }));

  // ---- promtool ------------------------------------------------------------------------------------

  test('promtool query instant / query range against the store\'s Prometheus API', { timeout: 30000 },
    onFailure(async () => {
      assert.ok(fs.existsSync(PROMTOOL), `${PROMTOOL} missing (Debian package prometheus; scripts/install-deps.sh)`);
      assert.ok(metrics?.evalMs, 'needs the counter test');
      const [c1, c2] = metrics.collections.map((c) => Number(BigInt(c.orders.endNs) / 1000000n));
      const run = async (args) => {
        try {
          const { stdout } = await execFileP(PROMTOOL, args, { timeout: 15000 });
          return stdout;
        } catch (e) {
          assert.fail(`promtool ${args.join(' ')} exited ${e.code}: ${e.stderr}${e.stdout}`);
        }
      };
      const server = query;
      const tSec = Math.ceil(metrics.evalMs / 1000);
      const instant = await run(['query', 'instant', `--time=${tSec}`, server, 'sum by (job) (interop_orders_total)']);
      assert.equal(instant.trim(), `{job="${SERVICE_A}"} => 20 @[${tSec}]`);

      // Steps every second from the first whole second after the first sample: each step sees the
      // newest sample at or before it (both are within the 5 m lookback).
      const start = Math.ceil(c1 / 1000);
      const end = Math.ceil(c2 / 1000) + 1;
      const expectedLines = [`{job="${SERVICE_A}"} =>`];
      for (let s = start; s <= end; s++) expectedLines.push(`${s * 1000 >= c2 ? 20 : 8} @[${s}]`);
      const range = await run(['query', 'range', `--start=${start}`, `--end=${end}`, '--step=1s', server,
        'sum by (job) (interop_orders_total)']);
      assert.deepEqual(range.trim().split('\n'), expectedLines);
    }));

  // ---- live tail ---------------------------------------------------------------------------------

  test('Loki live tail over a WebSocket (undici\'s client): history first, then each log as it is stored',
    { timeout: 30000 }, onFailure(async () => {
      assert.equal(typeof WebSocket, 'function', 'run with --experimental-websocket (run.sh sets it)');
      const service = 'tail-svc';
      const postLog = async (tsMs, body, attrs = []) => {
        const res = await fetch(`http://127.0.0.1:${otter.ports[1]}/v1/logs`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ resourceLogs: [{
            resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
            scopeLogs: [{ logRecords: [{ timeUnixNano: nsOf(tsMs), body: { stringValue: body }, attributes: attrs }] }],
          }] }),
        });
        assert.equal(res.status, 200, await res.text());
      };
      const t0 = Date.now() - 5000;
      await postLog(t0, 'cart 1 created');
      await postLog(t0 + 1, 'cart 1 paid');
      const params = new URLSearchParams({ query: `{service_name="${service}"} |= "paid"`, limit: '10' });
      const ws = new WebSocket(`ws://127.0.0.1:${otter.ports[4]}/loki/api/v1/tail?${params}`);
      const messages = [];
      let wake = () => {};
      ws.addEventListener('message', (ev) => { messages.push(JSON.parse(ev.data)); wake(); });
      const next = async () => {
        const deadline = Date.now() + 10000;
        while (!messages.length) {
          assert.ok(Date.now() < deadline, 'no tail message within 10 s');
          await new Promise((resolve) => { wake = resolve; setTimeout(resolve, 200); });
        }
        return messages.shift();
      };
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      const entries = (m) => m.streams.map((st) => [st.stream, st.values]);
      assert.deepEqual(entries(await next()),
        [[{ detected_level: 'unknown', service_name: service }, [[nsOf(t0 + 1), 'cart 1 paid']]]]);
      await postLog(t0 + 2, 'cart 2 created');
      await postLog(t0 + 3, 'cart 2 paid', [{ key: 'user', value: { stringValue: 'u7' } }]);
      assert.deepEqual(entries(await next()),
        [[{ detected_level: 'unknown', service_name: service, user: 'u7' }, [[nsOf(t0 + 3), 'cart 2 paid']]]]);
      ws.close(1000);
    }));

  test('buildinfo answers like Prometheus', onFailure(async () => {
    const b = await getJson('/api/v1/status/buildinfo');
    assert.equal(b.status, 'success');
    assert.equal(typeof b.data.version, 'string');
    assert.ok(b.data.version.length > 0, JSON.stringify(b));
  }));

  test('SIGTERM -> clean exit (code 0) within 5 s', onFailure(async () => {
    const st = await otter.stop(5000);
    assert.deepEqual(st, { code: 0, signal: null });
  }));

  test('restart on the same directory: trace, logs and samples are still queryable (WAL replay)', { timeout: 30000 },
    onFailure(async () => {
      assert.ok(sent && metrics?.evalMs, 'needs the earlier tests');
      if (!otter.exited) await otter.stop(5000);
      otter = await startOtter({ bin: OTTER_BIN, dir: path.join(ROOT, 'store'), name: 'otter-store-restarted', portCount: 5,
        makeConfig: storeConfig(path.join(ROOT, 'store', 'data')) });
      query = `http://127.0.0.1:${otter.ports[4]}`;
      const t = await getJson(`/api/traces/${sent.traceId}`);
      assert.deepEqual(t.data.map((x) => x.spans.map((sp) => sp.spanID).sort()),
        [Object.values(sent.spans).map((sp) => sp.id).sort()]);
      const logs = await getJson('/loki/api/v1/query_range', {
        query: `{service_name="${SERVICE_A}"}`, limit: '100',
        start: (BigInt(Date.now() - 3600000) * 1000000n).toString(), end: (BigInt(Date.now() + 1000) * 1000000n).toString(),
      });
      assert.equal(logs.data.result.reduce((n, st) => n + st.values.length, 0), sent.logs.length);
      const raw = await promQuery('interop_orders_total[1m]', metrics.evalMs);
      assert.deepEqual(raw.result.map((r) => r.values.map(([, v]) => v)), [['8', '20']]);
    }));
});
