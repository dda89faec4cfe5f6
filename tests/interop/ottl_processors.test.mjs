// End-to-end test of the OTTL processors with the official OpenTelemetry JS SDK:
//
//   SDK --(http/protobuf)--> otter [filter, transform] --> file exporter (OTLP/JSON lines)
//
// The SDK sends spans (one to drop, one span event to drop), log records (one to drop, one with a
// JSON body to parse) and two counters (one metric and one data point to drop). The test asserts
// exactly what reaches the file and the filter's drop counters on the self-metrics endpoint.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';

import { startOtter, waitForFileData } from './lib/harness.mjs';
import { createOtlpExporters } from './lib/sdk_workload.mjs';

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-ottl-'));
let failed = false;
after(() => {
  if (!failed) fs.rmSync(ROOT, { recursive: true, force: true });
});

// Statements are YAML single-quoted scalars: OTTL's double quotes and backslashes stay literal.
function config(filePath) {
  return ([grpcPort, httpPort, healthPort, metricsPort]) => ({
    healthPort,
    yaml: `
extensions:
  health_check: { endpoint: "127.0.0.1:${healthPort}" }
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:${grpcPort}" }
      http: { endpoint: "127.0.0.1:${httpPort}" }
processors:
  filter:
    error_mode: ignore
    traces:
      span:
        - 'name == "GET /healthz"'
      spanevent:
        - 'name == "cache.miss" and span.kind == SPAN_KIND_SERVER'
    metrics:
      metric: ['name == "drop.me"']
      datapoint: ['attributes["route"] == "/b"']
    logs:
      log_record: ['severity_number < SEVERITY_NUMBER_INFO']
  transform:
    trace_statements:
      - 'set(span.attributes["service"], resource.attributes["service.name"])'
      - 'delete_key(span.attributes, "password")'
      - 'replace_pattern(span.name, "/\\d+$", "/{id}")'
      - context: span
        conditions: ['attributes["http.response.status_code"] >= 500']
        statements: ['set(attributes["error"], true)']
    metric_statements:
      - 'set(metric.description, Concat(["kept", metric.name], ": "))'
    log_statements:
      - 'merge_maps(log.attributes, ParseJSON(log.body), "upsert") where IsMatch(log.body, "^\\{")'
      - 'set(log.severity_text, ToUpperCase(log.severity_text))'
exporters:
  file: { path: "${filePath}", format: json }
service:
  extensions: [health_check]
  telemetry: { metrics: { address: "127.0.0.1:${metricsPort}" } }
  pipelines:
    traces: { receivers: [otlp], processors: [filter, transform], exporters: [file] }
    metrics: { receivers: [otlp], processors: [filter, transform], exporters: [file] }
    logs: { receivers: [otlp], processors: [filter, transform], exporters: [file] }
`,
  });
}

class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const exportOnce = (exporter, items) => new Promise((resolve) => exporter.export(items, resolve));
const str = (v) => ({ t: 'string', v });

test('filter and transform between the OTLP receiver and the file exporter', async () => {
  assert.ok(OTTER_BIN && fs.existsSync(OTTER_BIN), 'set OTTER_BIN (run via tests/interop/run.sh)');
  const filePath = path.join(ROOT, 'out.jsonl');
  const otter = await startOtter({ bin: OTTER_BIN, dir: ROOT, name: 'otter', portCount: 4, makeConfig: config(filePath) });
  try {
    const [, httpPort, , metricsPort] = otter.ports;
    const exporters = createOtlpExporters({ protocol: 'http/protobuf', httpBase: `http://127.0.0.1:${httpPort}` });
    const resource = resourceFromAttributes({ 'service.name': 'cart' });

    const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporters.traces)] });
    const tracer = tracerProvider.getTracer('ottl.interop');
    tracer.startSpan('GET /healthz', { kind: SpanKind.SERVER }).end();
    const cart = tracer.startSpan('GET /cart/123', {
      kind: SpanKind.SERVER, attributes: { password: 'hunter2', 'http.response.status_code': 503 },
    });
    cart.addEvent('cache.miss');
    cart.addEvent('exception', { 'exception.type': 'IOError' });
    cart.end();
    tracer.startSpan('SELECT cart', { kind: SpanKind.CLIENT, attributes: { 'http.response.status_code': 200 } }).end();
    await tracerProvider.forceFlush();

    const loggerProvider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: exporters.logs })] });
    const logger = loggerProvider.getLogger('ottl.interop');
    logger.emit({ severityNumber: SeverityNumber.DEBUG, severityText: 'debug', body: 'noise' });
    logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'error', body: '{"user":"ann","code":"E42"}' });
    await loggerProvider.forceFlush();

    const reader = new Reader();
    const meterProvider = new MeterProvider({ resource, readers: [reader] });
    const meter = meterProvider.getMeter('ottl.interop');
    const keep = meter.createCounter('keep.me');
    keep.add(5, { route: '/a' });
    keep.add(7, { route: '/b' });
    meter.createCounter('drop.me').add(1);
    const collected = await reader.collect();
    const result = await exportOnce(exporters.metrics, collected.resourceMetrics);
    assert.equal(result.code, 0, `metrics export failed: ${result.error}`);

    const data = await waitForFileData(filePath, { spans: 2, logs: 1, points: 1 });

    const spans = data.spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events.map((e) => e.name) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    assert.deepEqual(spans, [
      {
        name: 'GET /cart/{id}',
        attributes: { error: { t: 'bool', v: true }, 'http.response.status_code': { t: 'int', v: '503' }, service: str('cart') },
        events: ['exception'],
      },
      {
        name: 'SELECT cart',
        attributes: { 'http.response.status_code': { t: 'int', v: '200' }, service: str('cart') },
        events: [],
      },
    ]);

    assert.equal(data.logs.length, 1);
    assert.equal(data.logs[0].severityText, 'ERROR');
    assert.deepEqual(data.logs[0].attributes, { code: str('E42'), user: str('ann') });

    assert.deepEqual(data.metrics.map((m) => [m.name, m.description, m.dataPoints.map((p) => p.attributes)]), [
      ['keep.me', 'kept: keep.me', [{ route: str('/a') }]],
    ]);

    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const [name, n] of [['spans', 1], ['logs', 1], ['datapoints', 2]]) {
      const re = new RegExp(`^otelcol_processor_filter_${name}_filtered\\{filter="filter"\\} ${n}$`, 'm');
      assert.match(text, re, `self-metrics:\n${text.split('\n').filter((l) => l.includes('filter_')).join('\n')}`);
    }
    await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown(), meterProvider.shutdown()]);
  } catch (e) {
    failed = true;
    e.message += `\n${otter.logTail(30)}`;
    throw e;
  } finally {
    await otter.stop();
  }
});
