// Connectors interop: the official OpenTelemetry JS SDK sends spans of two services over OTLP to
// one otter whose traces pipeline exports to the store and to the spanmetrics and servicegraph
// connectors, and whose metrics pipeline receives from both connectors into the same store. The
// test reads the RED and service-graph metrics back through the store's Prometheus API:
//
//   SDK --(grpc)--> otlp --> traces pipeline --> store
//                                      |--> spanmetrics  --\
//                                      '--> servicegraph --> metrics pipeline --> store --> PromQL
//
// The calls counter must equal the spans sent per service and status exactly, and rate() over it
// must equal what Prometheus' algorithm gives for the raw samples the store holds.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { pollUntil, startOtter, toYaml } from './lib/harness.mjs';
import { counterRate } from './lib/prom_oracle.mjs';
import { createOtlpExporters } from './lib/sdk_workload.mjs';

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-connectors-'));
const SHOP = 'conn-shop';
const STOCK = 'conn-stock';

function config(dataDir) {
  return ([grpcPort, healthPort, metricsPort, queryPort]) => {
    const cfg = {
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` } } } },
      exporters: { store: { directory: dataDir, sync: true, query: { endpoint: `127.0.0.1:${queryPort}` } } },
      connectors: {
        spanmetrics: { metrics_flush_interval: '1s' },
        servicegraph: { metrics_flush_interval: '1s' },
      },
      extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
      service: {
        extensions: ['health_check'],
        telemetry: { metrics: { address: `127.0.0.1:${metricsPort}` } },
        pipelines: {
          traces: { receivers: ['otlp'], exporters: ['store', 'spanmetrics', 'servicegraph'] },
          metrics: { receivers: ['otlp', 'spanmetrics', 'servicegraph'], exporters: ['store'] },
        },
      },
    };
    return { yaml: `${toYaml(cfg)}\n`, healthPort };
  };
}

// SHOP serves `calls` requests (every third fails) and calls STOCK from each; STOCK's server
// span continues SHOP's client span. Returns {sent: {"service|status": n}, pairs}.
async function sendSpans(grpcEndpoint, calls) {
  const memory = new InMemorySpanExporter();
  const provider = (service) => new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const shop = provider(SHOP).getTracer('conn.shop');
  const stock = provider(STOCK).getTracer('conn.stock');
  const sent = {};
  const count = (service, status) => { sent[`${service}|${status}`] = (sent[`${service}|${status}`] ?? 0) + 1; };
  for (let i = 0; i < calls; i++) {
    const server = shop.startSpan('GET /cart', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    const client = shop.startSpan('GET /stock', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, server));
    const remote = stock.startSpan('GET /stock', { kind: SpanKind.SERVER }, trace.setSpan(ROOT_CONTEXT, client));
    remote.end();
    client.end();
    const failed = i % 3 === 0;
    server.setStatus({ code: failed ? SpanStatusCode.ERROR : SpanStatusCode.OK });
    server.end();
    count(STOCK, 'STATUS_CODE_UNSET');
    count(SHOP, 'STATUS_CODE_UNSET');
    count(SHOP, failed ? 'STATUS_CODE_ERROR' : 'STATUS_CODE_OK');
  }
  const exporter = createOtlpExporters({ protocol: 'grpc', grpcEndpoint }).traces;
  const result = await new Promise((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
  await exporter.shutdown();
  assert.equal(result.code, ExportResultCode.SUCCESS, `export failed: ${result.error?.message}`);
  return { sent, pairs: calls };
}

describe('JS SDK -> otter spanmetrics and servicegraph connectors -> store -> PromQL', () => {
  let otter;
  let query;

  before(async () => {
    assert.ok(OTTER_BIN && fs.existsSync(OTTER_BIN), 'otter binary not found: set OTTER_BIN');
    const dir = path.join(ROOT, 'connectors');
    fs.mkdirSync(dir, { recursive: true });
    otter = await startOtter({ bin: OTTER_BIN, dir, name: 'otter-connectors', portCount: 4,
      makeConfig: config(path.join(dir, 'data')) });
    query = `http://127.0.0.1:${otter.ports[3]}`;
  });

  after(async () => {
    if (otter && !otter.exited) await otter.stop();
    fs.rmSync(ROOT, { recursive: true, force: true });
  });

  async function promQuery(expr, timeS) {
    const params = new URLSearchParams({ query: expr, ...(timeS ? { time: String(timeS) } : {}) });
    const res = await fetch(`${query}/api/v1/query?${params}`, { signal: AbortSignal.timeout(10000) });
    const body = await res.json();
    assert.equal(body.status, 'success', JSON.stringify(body));
    return body.data;
  }

  test('calls per service and status equal the spans sent; rate() matches the raw samples; edges are counted', async () => {
    const { sent, pairs } = await sendSpans(`127.0.0.1:${otter.ports[0]}`, 12);
    // The connectors flush every second; wait until the store holds every count.
    let totals = {};
    await pollUntil('spanmetrics calls in the store', async () => {
      const d = await promQuery(`sum by (service_name, status_code) (traces_span_metrics_calls_total{service_name=~"${SHOP}|${STOCK}"})`);
      totals = Object.fromEntries(d.result.map((r) => [`${r.metric.service_name}|${r.metric.status_code}`, Number(r.value[1])]));
      return JSON.stringify(Object.entries(totals).sort()) === JSON.stringify(Object.entries(sent).sort());
    }, { timeoutMs: 20000, intervalMs: 250 }).catch((e) => {
      e.message += `\nsent ${JSON.stringify(sent)}\nstore ${JSON.stringify(totals)}\n${otter.logTail(20)}`;
      throw e;
    });

    // rate() at a sample time equals Prometheus' extrapolated rate over the store's raw samples.
    const series = `traces_span_metrics_calls_total{service_name="${SHOP}",status_code="STATUS_CODE_ERROR"}`;
    await pollUntil('a second sample after the last span', async () => {
      const raw = await promQuery(`${series}[1m]`);
      return raw.result[0]?.values.length >= 2;
    }, { timeoutMs: 10000, intervalMs: 250 });
    const raw = await promQuery(`${series}[1m]`);
    const values = raw.result[0].values;
    const evalS = Number(values[values.length - 1][0]);
    const samples = (await promQuery(`${series}[1m]`, evalS)).result[0].values
      .map(([t, v]) => ({ tMs: Math.round(Number(t) * 1000), v: Number(v) }));
    const want = counterRate(samples, evalS * 1000 - 60000, evalS * 1000);
    const got = Number((await promQuery(`rate(${series}[1m])`, evalS)).result[0].value[1]);
    assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `rate ${got} != oracle ${want}`);

    // Every SHOP -> STOCK call is one edge.
    let edges;
    await pollUntil('every edge in the store', async () => {
      edges = await promQuery(`traces_service_graph_request_total{client="${SHOP}",server="${STOCK}"}`);
      return edges.result.length === 1 && Number(edges.result[0].value[1]) === pairs;
    }, { timeoutMs: 10000, intervalMs: 250 }).catch((e) => {
      e.message += `\n${JSON.stringify(edges)}`;
      throw e;
    });
    assert.equal(edges.result[0].metric.connection_type ?? '', '');
    assert.equal(edges.result[0].metric.failed, 'false');
    const lat = await promQuery(`traces_service_graph_request_server_seconds_count{client="${SHOP}",server="${STOCK}"}`);
    assert.equal(Number(lat.result[0].value[1]), pairs);
  });
});
