// The `elasticsearch` exporter end to end: the official JS SDK's spans and log records go through
// otter's OTLP receiver and `elasticsearch` exporter (otel mapping, the default) to a loopback
// _bulk server written here, which checks the NDJSON (action line + source line per document),
// the headers, and answers per document: a "poison" record is rejected (400) and must not come
// back; a "flaky" span is throttled once (429) and must be sent again, alone.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

import { pollUntil, startOtter, toYaml } from './lib/harness.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-es-'));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const procs = [];
let server;

after(async () => {
  for (const p of procs.reverse()) await p.stop();
  if (server) await new Promise((resolve) => server.close(resolve));
});

// A small _bulk endpoint: validates every request and keeps what it indexed.
function startBulkServer() {
  const state = { requests: [], indexed: [], problems: [], throttled: false };
  const srv = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const docs = [];
      try {
        if (req.method !== 'POST' || req.url !== '/_bulk') throw new Error(`${req.method} ${req.url}`);
        if (req.headers['content-type'] !== 'application/x-ndjson') throw new Error(`content-type ${req.headers['content-type']}`);
        if (req.headers.authorization !== 'ApiKey dGVzdDprZXk=') throw new Error(`authorization ${req.headers.authorization}`);
        if (!body.endsWith('\n')) throw new Error('body does not end with a newline');
        const lines = body.slice(0, -1).split('\n');
        if (lines.length % 2) throw new Error(`odd number of lines: ${lines.length}`);
        for (let i = 0; i < lines.length; i += 2) {
          const action = JSON.parse(lines[i]);
          assert.deepEqual(Object.keys(action), ['create']);
          docs.push({ index: action.create._index, source: JSON.parse(lines[i + 1]) });
        }
      } catch (e) {
        state.problems.push(String(e.message ?? e));
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'parse_exception', reason: String(e) }, status: 400 }));
        return;
      }
      state.requests.push(docs);
      const items = docs.map((d) => {
        if (d.source.body?.text === 'poison') {
          return { create: { _index: d.index, status: 400, error: { type: 'document_parsing_exception', reason: 'poison pill' } } };
        }
        if (d.source.name === 'flaky' && !state.throttled) {
          state.throttled = true;
          return { create: { _index: d.index, status: 429, error: { type: 'es_rejected_execution_exception', reason: 'busy' } } };
        }
        state.indexed.push(d);
        return { create: { _index: d.index, status: 201, result: 'created' } };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ took: 1, errors: items.some((i) => i.create.status >= 300), items }));
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, state })));
}

test('JS SDK logs and spans -> otter (elasticsearch exporter) -> _bulk NDJSON', { timeout: 60000 }, async () => {
  const bulk = await startBulkServer();
  server = bulk.srv;
  const esUrl = `http://127.0.0.1:${server.address().port}`;
  const otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-es', portCount: 2,
    makeConfig: ([httpPort, healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        exporters: {
          elasticsearch: {
            endpoint: esUrl, api_key: 'dGVzdDprZXk=',
            flush: { interval: '100ms' },
            retry: { initial_interval: '10ms', max_interval: '50ms' },
          },
        },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: {
            logs: { receivers: ['otlp'], exporters: ['elasticsearch'] },
            traces: { receivers: ['otlp'], exporters: ['elasticsearch'] },
          },
        },
      }) + '\n',
    }),
  });
  procs.push(otter);
  const resource = resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test' });

  // Logs: two good records and a poison one.
  const logMemory = new InMemoryLogRecordExporter();
  const logs = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logMemory })] });
  const logger = logs.getLogger('app', '1.2.3');
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
  const baseMs = Date.now() - 5000;
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'payment failed', timestamp: baseMs,
    attributes: { 'order.id': 'o-1', 'http.status_code': 502 }, context: ctx });
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'cart loaded', timestamp: baseMs + 1 });
  logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'poison', timestamp: baseMs + 2 });
  await logs.forceFlush();

  // Spans: a server span with an event, and a "flaky" one the server throttles once.
  const spanMemory = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(spanMemory)] }).getTracer('http');
  const server_span = tracer.startSpan('GET /pay', { kind: SpanKind.SERVER, startTime: baseMs, attributes: { 'http.route': '/pay' } });
  server_span.addEvent('retry', { attempt: 2 }, baseMs + 10);
  server_span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  server_span.end(baseMs + 250);
  tracer.startSpan('flaky', { kind: SpanKind.CLIENT, startTime: baseMs }).end(baseMs + 5);
  assert.equal(spanMemory.getFinishedSpans().length, 2);

  const httpBase = `http://127.0.0.1:${otter.ports[0]}`;
  const logExporter = new OTLPLogExporter({ url: `${httpBase}/v1/logs` });
  const traceExporter = new OTLPTraceExporter({ url: `${httpBase}/v1/traces` });
  for (const [exporter, items] of [[logExporter, logMemory.getFinishedLogRecords()], [traceExporter, spanMemory.getFinishedSpans()]]) {
    const result = await new Promise((resolve) => exporter.export(items, resolve));
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    await exporter.shutdown();
  }

  // 2 log records + 2 spans + 1 span event document end up indexed.
  await pollUntil('five documents indexed', async () => bulk.state.indexed.length === 5, { timeoutMs: 20000 })
    .catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(bulk.state)}\n${otter.logTail()}`); });
  assert.deepEqual(bulk.state.problems, []);
  const byIndex = (index) => bulk.state.indexed.filter((d) => d.index === index).map((d) => d.source);

  const logDocs = byIndex('logs-generic.otel-default').filter((s) => !s.event_name);
  logDocs.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : 1));
  assert.equal(logDocs.length, 2);
  const observed = logDocs[0].observed_timestamp;
  assert.match(observed, /^\d{13}\.\d{6}$/);
  assert.deepEqual(logDocs[0], {
    '@timestamp': `${baseMs}.000000`,
    observed_timestamp: observed,
    data_stream: { type: 'logs', dataset: 'generic.otel', namespace: 'default' },
    severity_text: 'ERROR',
    severity_number: 17,
    trace_id: TRACE_ID,
    span_id: SPAN_ID,
    attributes: { 'order.id': 'o-1', 'http.status_code': 502 },
    resource: logDocs[0].resource,
    scope: { name: 'app', version: '1.2.3' },
    body: { text: 'payment failed' },
  });
  assert.equal(logDocs[0].resource.attributes['service.name'], 'checkout');
  assert.equal(logDocs[0].resource.attributes['deployment.environment'], 'test');
  assert.equal(logDocs[1].body.text, 'cart loaded');

  const spans = byIndex('traces-generic.otel-default');
  spans.sort((a, b) => (a.name < b.name ? -1 : 1));
  assert.deepEqual(spans.map((s) => s.name), ['GET /pay', 'flaky']);
  const pay = spans[0];
  const sdkPay = spanMemory.getFinishedSpans().find((s) => s.name === 'GET /pay');
  assert.equal(pay.trace_id, sdkPay.spanContext().traceId);
  assert.equal(pay.span_id, sdkPay.spanContext().spanId);
  assert.equal(pay.kind, 'Server');
  assert.equal(pay.duration, 250_000_000);
  assert.deepEqual(pay.attributes, { 'http.route': '/pay' });
  assert.deepEqual(pay.status, { message: 'boom', code: 'Error' });
  assert.deepEqual(pay.links, []);
  assert.equal(pay['@timestamp'], `${baseMs}.000000`);

  const events = byIndex('logs-generic.otel-default').filter((s) => s.event_name);
  assert.equal(events.length, 1);
  assert.deepEqual(events[0].attributes, { attempt: 2, 'event.name': 'retry' });
  assert.equal(events[0].span_id, pay.span_id);
  assert.equal(events[0]['@timestamp'], `${baseMs + 10}.000000`);

  // Only the throttled span was sent again (alone); the rejected record never came back.
  const sent = bulk.state.requests.flat();
  assert.equal(sent.filter((d) => d.source.name === 'flaky').length, 2);
  assert.equal(sent.filter((d) => d.source.body?.text === 'poison').length, 1);
  const retry = bulk.state.requests.find((r) => r.length === 1 && r[0].source.name === 'flaky');
  assert.ok(retry, JSON.stringify(bulk.state.requests.map((r) => r.length)));
  assert.match(fs.readFileSync(otter.logPath, 'utf8'), /Elasticsearch rejected a document .*status 400: document_parsing_exception: poison pill/);
});
