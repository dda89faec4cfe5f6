// The `loki` exporter and the `loki` receiver end to end: the official JS SDK's log records
// (with trace context and a loki.attribute.labels hint) go through otter A's OTLP receiver and
// `loki` exporter (Loki push API, protobuf + snappy) into otter B's `loki` receiver and store;
// B's Loki API must show the exporter's streams (labels from the defaults and the hint, and
// service_name discovered from job) with the JSON lines and the trace ids as structured metadata.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';

import { pollUntil, startOtter, toYaml } from './lib/harness.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-loki-'));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const procs = [];

after(async () => {
  for (const p of procs.reverse()) await p.stop();
});

test('JS SDK logs -> otter A (loki exporter) -> otter B (loki receiver, store) -> Loki API', { timeout: 60000 }, async () => {
  const b = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-b', portCount: 3,
    makeConfig: ([lokiPort, healthPort, queryPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { loki: { protocols: { http: { endpoint: `127.0.0.1:${lokiPort}` } }, use_incoming_timestamp: true } },
        exporters: { store: { directory: path.join(ROOT, 'store'), query: { endpoint: `127.0.0.1:${queryPort}` } } },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { logs: { receivers: ['loki'], exporters: ['store'] } },
        },
      }) + '\n',
    }),
  });
  procs.push(b);
  const a = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-a', portCount: 2,
    makeConfig: ([httpPort, healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        exporters: { loki: { endpoint: `http://127.0.0.1:${b.ports[0]}/loki/api/v1/push` } },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { logs: { receivers: ['otlp'], exporters: ['loki'] } },
        },
      }) + '\n',
    }),
  });
  procs.push(a);

  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.namespace': 'shop' }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const logger = provider.getLogger('app');
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
  const baseMs = Date.now() - 5000;
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'payment failed', timestamp: baseMs,
    attributes: { 'order.id': 'o-1', 'http.status': 502, 'loki.attribute.labels': 'http.status' }, context: ctx });
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'cart loaded', timestamp: baseMs + 1 });
  await provider.forceFlush();
  assert.equal(memory.getFinishedLogRecords().length, 2);
  const exporter = new OTLPLogExporter({ url: `http://127.0.0.1:${a.ports[0]}/v1/logs` });
  const result = await new Promise((resolve) => exporter.export(memory.getFinishedLogRecords(), resolve));
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  await exporter.shutdown();

  const query = async (q) => {
    const params = new URLSearchParams({ query: q, start: `${(baseMs - 60000)}000000`, end: `${Date.now() + 1000}000000`,
      direction: 'forward', limit: '100' });
    // Categorized: `stream` holds the index labels, each value its structured metadata.
    const res = await fetch(`http://127.0.0.1:${b.ports[2]}/loki/api/v1/query_range?${params}`,
      { headers: { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' } });
    const body = await res.json();
    assert.equal(body.status, 'success', JSON.stringify(body));
    return body.data.result;
  };
  const streams = await pollUntil('both records in B', async () => {
    const r = await query('{job="shop/checkout"}');
    if (r.reduce((n, s) => n + s.values.length, 0) !== 2) throw new Error(JSON.stringify(r));
    return r;
  });
  streams.sort((x, y) => (x.stream.level < y.stream.level ? -1 : 1));
  assert.deepEqual(streams.map((s) => s.stream), [
    { exporter: 'OTLP', http_status: '502', job: 'shop/checkout', level: 'ERROR', service_name: 'shop/checkout' },
    { exporter: 'OTLP', job: 'shop/checkout', level: 'INFO', service_name: 'shop/checkout' },
  ]);
  const [errorTs, errorLine, categories] = streams[0].values[0];
  assert.equal(errorTs, `${baseMs}000000`);
  assert.equal(categories.structuredMetadata.trace_id, TRACE_ID);
  assert.equal(categories.structuredMetadata.span_id, SPAN_ID);
  assert.deepEqual(JSON.parse(errorLine), {
    body: 'payment failed', traceid: TRACE_ID, spanid: SPAN_ID, severity: 'ERROR', flags: 1,
    attributes: { 'order.id': 'o-1' },
    resources: { 'service.name': 'checkout', 'service.namespace': 'shop' },
    instrumentation_scope: { name: 'app' },
  });
  // The trace id travelled as structured metadata: a label filter finds the record unparsed.
  const byTrace = await query(`{job="shop/checkout"} | trace_id="${TRACE_ID}"`);
  assert.equal(byTrace.reduce((n, s) => n + s.values.length, 0), 1);
});
