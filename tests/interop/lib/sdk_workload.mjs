// Drives the official OpenTelemetry JS SDK: builds tracer/meter/logger providers that record every
// item twice — into the SDK's in-memory exporters (the oracle) and through a real OTLP exporter
// (grpc, http/protobuf or http/json, optionally gzip, optionally TLS) — then emits a fixed workload
// that covers every field the comparison checks. One call = one independent run (fresh providers).

import * as grpc from '@grpc/grpc-js';
import { context, trace, SpanKind, SpanStatusCode, TraceFlags, ValueType } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality, InMemoryMetricExporter, MeterProvider, MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as TraceJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter as MetricGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as MetricJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter as LogGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as LogJson } from '@opentelemetry/exporter-logs-otlp-http';

export const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'];

// target: {protocol, grpcEndpoint: 'host:port', httpBase: 'http(s)://host:port', gzip: bool,
//          tls: {ca, cert, key} (PEM Buffers; cert/key optional) or undefined}
export function createOtlpExporters(target) {
  const compression = target.gzip ? 'gzip' : 'none';
  const timeoutMillis = target.timeoutMillis ?? 10000;
  if (target.protocol === 'grpc') {
    const scheme = target.tls ? 'https' : 'http';
    const opts = { url: `${scheme}://${target.grpcEndpoint}`, compression, timeoutMillis };
    if (target.tls) {
      opts.credentials = grpc.credentials.createSsl(target.tls.ca, target.tls.key ?? null, target.tls.cert ?? null);
    }
    return { traces: new TraceGrpc(opts), metrics: new MetricGrpc(opts), logs: new LogGrpc(opts) };
  }
  const mk = (signal) => {
    const opts = { url: `${target.httpBase}/v1/${signal}`, compression, timeoutMillis };
    // servername: the certificate also names localhost; an IP as SNI is deprecated in node (DEP0123).
    if (target.tls) {
      opts.httpAgentOptions = { ca: target.tls.ca, cert: target.tls.cert, key: target.tls.key, keepAlive: false,
        servername: 'localhost' };
    }
    return opts;
  };
  if (target.protocol === 'http/protobuf') {
    return { traces: new TraceProto(mk('traces')), metrics: new MetricProto(mk('metrics')), logs: new LogProto(mk('logs')) };
  }
  if (target.protocol === 'http/json') {
    return { traces: new TraceJson(mk('traces')), metrics: new MetricJson(mk('metrics')), logs: new LogJson(mk('logs')) };
  }
  throw new Error(`unknown protocol ${target.protocol}`);
}

// Wraps an exporter and remembers every export result, so the test can assert the collector
// accepted each request instead of relying on the SDK's diagnostic logging.
class RecordingExporter {
  constructor(inner) {
    this.inner = inner;
    this.results = [];
  }
  export(items, done) {
    this.inner.export(items, (r) => {
      this.results.push(r);
      done(r);
    });
  }
  forceFlush() { return this.inner.forceFlush?.() ?? Promise.resolve(); }
  shutdown() { return this.inner.shutdown(); }
}

// A reader that only collects when asked, so the oracle and the OTLP exporter see the very same
// ResourceMetrics (two periodic readers would collect at different times).
class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

function exportOnce(exporter, items) {
  return new Promise((resolve) => exporter.export(items, resolve));
}

function failures(kind, results) {
  return results
    .filter((r) => r.code !== ExportResultCode.SUCCESS)
    .map((r) => `${kind} export failed: ${r.error?.message ?? r.error ?? 'unknown error'}`);
}

// Attribute values of every type the API allows on spans (homogeneous arrays of primitives).
function attributeZoo(tag) {
  return {
    'zoo.tag': tag,
    'zoo.string': 'hello otter',
    'zoo.string.empty': '',
    'zoo.string.unicode': 'ünïcødé ✓ "quoted" \\ back\nnew line \u0001 😀',
    'zoo.int': 42,
    'zoo.int.negative': -7,
    'zoo.int.zero': 0,
    'zoo.int.big': 9007199254740991,
    'zoo.double': 3.25,
    'zoo.double.negative': -0.001,
    'zoo.double.tiny': 1.5e-300,
    'zoo.bool.true': true,
    'zoo.bool.false': false,
    'zoo.array.string': ['a', 'b', ''],
    'zoo.array.int': [1, -2, 3],
    'zoo.array.double': [0.5, 1.25],
    'zoo.array.bool': [true, false],
    'zoo.array.empty': [],
  };
}

const SCHEMA = 'https://opentelemetry.io/schemas/1.26.0';

// Emits the workload through `target` and returns the SDK-side record plus export failures.
// runId makes this run's data distinguishable (resource attribute interop.run).
export async function runSdkWorkload(target, runId) {
  const exporters = createOtlpExporters(target);
  const resource = resourceFromAttributes({
    'service.name': 'otter-interop',
    'service.version': '1.0.0',
    'interop.run': runId,
    'interop.protocol': target.protocol,
    'res.int': 7,
    'res.double': 0.5,
    'res.bool': true,
    'res.array': ['x', 'y'],
  }, { schemaUrl: SCHEMA });

  // ---- traces ----
  const spanMemory = new InMemorySpanExporter();
  const spanOtlp = new RecordingExporter(exporters.traces);
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(spanMemory), new BatchSpanProcessor(spanOtlp, { scheduledDelayMillis: 60000 })],
  });
  // A second provider with a different resource and tight limits, so dropped counts are non-zero.
  const limitedProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'otter-interop-limited', 'interop.run': runId }),
    spanLimits: { attributeCountLimit: 2, eventCountLimit: 1, linkCountLimit: 1, attributePerEventCountLimit: 1,
      attributePerLinkCountLimit: 1 },
    spanProcessors: [new SimpleSpanProcessor(spanMemory), new BatchSpanProcessor(spanOtlp, { scheduledDelayMillis: 60000 })],
  });
  const tracerA = tracerProvider.getTracer('interop.scope.a', '1.2.3', { schemaUrl: SCHEMA });
  const tracerB = tracerProvider.getTracer('interop.scope.b');

  const t0 = Math.floor(Date.now() / 1000) - 5; // whole seconds; nanos chosen below
  const other = tracerB.startSpan('other-trace-root', { kind: SpanKind.PRODUCER });
  other.end();

  const root = tracerA.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    attributes: attributeZoo('root'),
    startTime: [t0, 123456789],
  });
  root.addEvent('request.received', { 'event.int': 1, 'event.string': 'ev', 'event.array': [1.5, 2.5] }, [t0, 223456789]);
  root.addEvent('no-attributes', [t0, 323456789]);
  const rootCtx = trace.setSpan(context.active(), root);

  const client = tracerA.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system': 'postgresql', 'db.rows': 17, 'db.ratio': 0.75 },
    startTime: [t0, 400000001],
  }, rootCtx);
  client.setStatus({ code: SpanStatusCode.OK });
  client.end([t0 + 1, 999999999]);

  const internal = tracerA.startSpan('compute', {
    kind: SpanKind.INTERNAL,
    links: [{
      context: other.spanContext(),
      attributes: { 'link.reason': 'fan-in', 'link.n': 3, 'link.ok': true },
    }, {
      context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED,
        isRemote: true, traceState: new TraceState('vendor=v1,other=o2') },
    }],
  }, rootCtx);
  internal.setAttribute('late.attribute', 'set after start');
  internal.end();

  // A span whose parent is remote and carries tracestate: exercises traceState and flags 0x301.
  const remoteParent = trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED,
    isRemote: true, traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
  });
  const consumer = tracerB.startSpan('queue receive', { kind: SpanKind.CONSUMER, attributes: { 'messaging.batch.size': 3 } },
    remoteParent);
  consumer.end();

  root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom: "quoted" ünïcødé' });

  // Logs emitted while the root span is active carry its trace and span ids.
  const logMemory = new InMemoryLogRecordExporter();
  const logOtlp = new RecordingExporter(exporters.logs);
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logMemory }),
      new BatchLogRecordProcessor({ exporter: logOtlp, scheduledDelayMillis: 60000 })],
  });
  const logger = loggerProvider.getLogger('interop.logger', '2.0.0', { schemaUrl: SCHEMA });
  const loggerB = loggerProvider.getLogger('interop.logger.b');
  logger.emit({
    severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'plain string body ✓',
    attributes: attributeZoo('log'), timestamp: [t0, 500000001], observedTimestamp: [t0, 500000002],
  });
  // No context manager is registered, so the span context is passed explicitly.
  logger.emit({
    severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', eventName: 'interop.failure',
    body: { msg: 'failed', code: 42, ratio: 0.5, ok: false, nested: { list: [1, 'two', 3.5], empty: '' } },
    attributes: { 'exception.type': 'Error', 'map.attr': { k: 'v', n: 1 } },
    timestamp: [t0, 600000001], context: rootCtx,
  });
  loggerB.emit({ attributes: { 'only.attributes': true }, timestamp: [t0, 700000001] });
  loggerB.emit({ severityNumber: SeverityNumber.WARN3, body: new Uint8Array([0, 1, 2, 254, 255]), timestamp: [t0, 800000001] });
  loggerB.emit({ severityNumber: SeverityNumber.DEBUG, body: ['array', 1, true], timestamp: [t0, 900000001],
    context: trace.setSpan(context.active(), consumer) });

  root.end([t0 + 2, 5]);

  const limitedTracer = limitedProvider.getTracer('interop.scope.limited', '0.0.1');
  const limited = limitedTracer.startSpan('limited', { attributes: { a: 1, b: 2, c: 3, d: 4 } });
  // The SDK keeps the newest event/link past the limit: give the kept ones excess attributes.
  limited.addEvent('e1');
  limited.addEvent('e2', { x: 1, y: 2 });
  limited.addLink({ context: root.spanContext() });
  limited.addLink({ context: other.spanContext(), attributes: { l1: 1, l2: 2 } });
  limited.end();

  // ---- metrics ----
  const metricMemory = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new ManualReader({
    aggregationTemporalitySelector: (t) => exporters.metrics.selectAggregationTemporality(t),
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const meter = meterProvider.getMeter('interop.meter', '0.9.0', { schemaUrl: SCHEMA });
  const meterB = meterProvider.getMeter('interop.meter.b');
  const requests = meter.createCounter('interop.requests', { unit: '{request}', description: 'Requests served', valueType: ValueType.INT });
  requests.add(3, { route: '/a', code: 200 });
  requests.add(2, { route: '/b', code: 500, ok: false });
  requests.add(1, { route: '/a', code: 200 });
  const bytes = meter.createCounter('interop.bytes', { unit: 'By' });
  bytes.add(1.5);
  bytes.add(2.25);
  const depth = meter.createUpDownCounter('interop.queue.depth', { valueType: ValueType.INT, description: 'Queue depth' });
  depth.add(5, { queue: 'q1' });
  depth.add(-2, { queue: 'q1' });
  depth.add(-4, { queue: 'q2' });
  const latency = meter.createHistogram('interop.latency', {
    unit: 's', description: 'Latency', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.1, 1, 10] },
  });
  for (const v of [0.001, 0.05, 0.05, 3, 42]) latency.record(v, { route: '/a' });
  latency.record(0.2, { route: '/b', 'zoo.array': ['p', 'q'] });
  const sizes = meterB.createHistogram('interop.payload.size', { unit: 'By', valueType: ValueType.INT });
  sizes.record(100);
  sizes.record(7000);
  meter.createObservableGauge('interop.temperature', { unit: 'Cel' }).addCallback((r) => {
    r.observe(21.5, { room: 'a' });
    r.observe(-3.25, { room: 'b' });
  });
  meterB.createObservableGauge('interop.threads', { valueType: ValueType.INT }).addCallback((r) => r.observe(12));
  meterB.createObservableCounter('interop.cpu.time', { unit: 's' }).addCallback((r) => r.observe(123.5, { cpu: 0 }));
  meterB.createObservableUpDownCounter('interop.connections', { valueType: ValueType.INT })
    .addCallback((r) => r.observe(-3, { pool: 'p' }));

  // ---- flush everything through the OTLP exporters ----
  await tracerProvider.forceFlush();
  await limitedProvider.forceFlush();
  await loggerProvider.forceFlush();
  const collected = await reader.collect();
  if (collected.errors.length) throw new Error(`metric collection errors: ${collected.errors.join('; ')}`);
  await exportOnce(metricMemory, collected.resourceMetrics);
  const metricResult = await exportOnce(exporters.metrics, collected.resourceMetrics);

  const errors = [
    ...failures('traces', spanOtlp.results),
    ...failures('logs', logOtlp.results),
    ...failures('metrics', [metricResult]),
  ];
  if (spanOtlp.results.length === 0) errors.push('traces: no export happened');
  if (logOtlp.results.length === 0) errors.push('logs: no export happened');

  const record = {
    spans: spanMemory.getFinishedSpans(),
    metrics: metricMemory.getMetrics(),
    logs: logMemory.getFinishedLogRecords(),
  };
  await Promise.allSettled([tracerProvider.shutdown(), limitedProvider.shutdown(), loggerProvider.shutdown(),
    meterProvider.shutdown()]);
  return { record, errors };
}
