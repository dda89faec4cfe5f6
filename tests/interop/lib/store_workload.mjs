// The official JS SDK workloads of the store test (store.test.mjs): a trace across two services
// (context carried between them by the W3C propagator, as over HTTP headers), logs inside and
// outside that trace, and metrics exported at two collection times. Each returns what it sent
// (ids, timestamps, values) and every OTLP export result, so the test asserts exact answers.

import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { setTimeout as delay } from 'node:timers/promises';

import { createOtlpExporters } from './sdk_workload.mjs';

export const SERVICE_A = 'shop-frontend';
export const SERVICE_B = 'shop-payments';

function exportOnce(exporter, items) {
  return new Promise((resolve) => exporter.export(items, resolve));
}

function describeResult(what, r) {
  return r.code === ExportResultCode.SUCCESS ? null : `${what}: ${r.error?.message ?? r.error ?? 'failed'}`;
}

// hrtime [s, ns] -> decimal ns string.
export function hrToNs([s, ns]) {
  return (BigInt(s) * 1000000000n + BigInt(ns)).toString();
}

// Service A (grpc exporter) serves GET /checkout and calls service B (http/protobuf exporter)
// with a client span; B's server span continues the trace from the propagated traceparent.
// Logs of service A (grpc): `inside` ones carry the server span's context, `outside` ones none.
// baseMs: wall-clock ms all timestamps are offsets from (whole ms, so every time is exact).
export async function runTraceAndLogs({ grpcEndpoint, httpBase }, baseMs) {
  const viaGrpc = createOtlpExporters({ protocol: 'grpc', grpcEndpoint });
  const viaProto = createOtlpExporters({ protocol: 'http/protobuf', httpBase });
  const memoryA = new InMemorySpanExporter();
  const memoryB = new InMemorySpanExporter();
  const providerA = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_A, 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(memoryA)],
  });
  const providerB = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_B }),
    spanProcessors: [new SimpleSpanProcessor(memoryB)],
  });
  const tracerA = providerA.getTracer('shop.frontend', '1.0.0');
  const tracerB = providerB.getTracer('shop.payments', '1.0.0');

  const serverA = tracerA.startSpan('GET /checkout', { kind: SpanKind.SERVER, startTime: baseMs }, ROOT_CONTEXT);
  const ctxA = trace.setSpan(ROOT_CONTEXT, serverA);
  const clientA = tracerA.startSpan('POST /pay', { kind: SpanKind.CLIENT, startTime: baseMs + 10 }, ctxA);

  // In-process "HTTP call": inject the client span's context into headers, extract it on B.
  const propagator = new W3CTraceContextPropagator();
  const headers = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, clientA), headers, defaultTextMapSetter);
  const ctxB = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const serverB = tracerB.startSpan('POST /pay', { kind: SpanKind.SERVER, startTime: baseMs + 20 }, ctxB);
  serverB.end(baseMs + 80);
  clientA.end(baseMs + 90);

  // Logs: no context manager is registered, so the span context is passed explicitly.
  const logMemory = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_A }),
    processors: [new SimpleLogRecordProcessor({ exporter: logMemory })],
  });
  const logger = loggerProvider.getLogger('shop.frontend.log');
  const logs = [];
  const emit = (body, offsetMs, ctx) => {
    logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body, timestamp: baseMs + offsetMs,
      ...(ctx ? { context: ctx } : {}) });
    logs.push({ body, tsNs: (BigInt(baseMs + offsetMs) * 1000000n).toString(), inTrace: !!ctx });
  };
  emit('outside: cart loaded', 1, null);
  emit('inside: checkout started', 2, ctxA);
  emit('inside: payment requested', 11, trace.setSpan(ROOT_CONTEXT, clientA));
  emit('inside: checkout done', 95, ctxA);
  emit('outside: cache refreshed', 120, null);
  serverA.end(baseMs + 100);

  await Promise.all([providerA.forceFlush(), providerB.forceFlush(), loggerProvider.forceFlush()]);
  const spansA = memoryA.getFinishedSpans();
  const spansB = memoryB.getFinishedSpans();
  const logRecords = logMemory.getFinishedLogRecords();
  const results = [
    describeResult('traces A (grpc)', await exportOnce(viaGrpc.traces, spansA)),
    describeResult('traces B (http/protobuf)', await exportOnce(viaProto.traces, spansB)),
    describeResult('logs A (grpc)', await exportOnce(viaGrpc.logs, logRecords)),
  ].filter(Boolean);

  const id = (s) => s.spanContext().spanId;
  const out = {
    errors: results,
    traceId: serverA.spanContext().traceId,
    spans: {
      serverA: { id: id(serverA), name: 'GET /checkout', service: SERVICE_A, kind: 'server', startMs: baseMs, durMs: 100 },
      clientA: { id: id(clientA), name: 'POST /pay', service: SERVICE_A, kind: 'client', startMs: baseMs + 10, durMs: 80 },
      serverB: { id: id(serverB), name: 'POST /pay', service: SERVICE_B, kind: 'server', startMs: baseMs + 20, durMs: 60 },
    },
    traceparent: headers.traceparent,
    counts: { spansA: spansA.length, spansB: spansB.length, logs: logRecords.length },
    logs,
    logTraceIds: logRecords.map((r) => r.spanContext?.traceId ?? null),
  };
  await Promise.allSettled([providerA.shutdown(), providerB.shutdown(), loggerProvider.shutdown(),
    ...Object.values(viaGrpc).map((e) => e.shutdown()), ...Object.values(viaProto).map((e) => e.shutdown())]);
  return out;
}

// Collects only when asked, so the test decides the two export times.
class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

// Service A's metrics over two collections ~gapMs apart, exported with http/protobuf:
// counter `interop.orders` (+5 +3, then +4 +2 +6) and histogram `http.server.duration` (ms,
// explicit bounds) that records `histValues` in each interval. Returns per collection the
// data points' end times (ns) and the cumulative values the SDK exported.
export async function runMetrics({ httpBase }, { histValues, histBounds, gapMs }) {
  const exporters = createOtlpExporters({ protocol: 'http/protobuf', httpBase });
  const reader = new ManualReader({
    aggregationTemporalitySelector: (t) => exporters.metrics.selectAggregationTemporality(t),
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_A }),
    readers: [reader],
  });
  const meter = provider.getMeter('shop.frontend.metrics', '1.0.0');
  const orders = meter.createCounter('interop.orders', { description: 'orders placed' });
  const latency = meter.createHistogram('http.server.duration', {
    unit: 'ms', description: 'server latency', advice: { explicitBucketBoundaries: histBounds },
  });
  const collections = [];
  const errors = [];
  const increments = [[5, 3], [4, 2, 6]];
  for (let i = 0; i < increments.length; i++) {
    if (i > 0) await delay(gapMs); // the second export interval: time has to pass between points
    for (const n of increments[i]) orders.add(n, { route: '/checkout' });
    for (const v of histValues) latency.record(v, { route: '/checkout' });
    const { resourceMetrics, errors: collectErrors } = await reader.collect();
    if (collectErrors.length) errors.push(`collect: ${collectErrors.join('; ')}`);
    const metrics = resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics);
    const point = (name) => metrics.find((m) => m.descriptor.name === name).dataPoints[0];
    const o = point('interop.orders');
    const h = point('http.server.duration');
    collections.push({
      orders: { endNs: hrToNs(o.endTime), value: o.value },
      latency: { endNs: hrToNs(h.endTime), count: h.value.count, sum: h.value.sum, buckets: h.value.buckets },
    });
    const r = await exportOnce(exporters.metrics, resourceMetrics);
    const e = describeResult(`metrics export ${i + 1} (http/protobuf)`, r);
    if (e) errors.push(e);
  }
  await Promise.allSettled([provider.shutdown(), exporters.metrics.shutdown()]);
  return { collections, errors };
}

// A counter `interop.delta.orders` exported with delta temporality (http/protobuf) at
// collections ~gapMs apart: +5 +3, then nothing (the SDK sends no point for it), then +4, then
// +1 +1. Returns the exported points (end ns, delta value) in order.
export async function runDeltaCounter({ httpBase }, { gapMs }) {
  const exporters = createOtlpExporters({ protocol: 'http/protobuf', httpBase });
  const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_A }),
    readers: [reader],
  });
  const counter = provider.getMeter('shop.frontend.metrics', '1.0.0').createCounter('interop.delta.orders');
  const points = [];
  const errors = [];
  const increments = [[5, 3], [], [4], [1, 1]];
  for (let i = 0; i < increments.length; i++) {
    if (i > 0) await delay(gapMs);
    for (const n of increments[i]) counter.add(n, { route: '/checkout' });
    const { resourceMetrics, errors: collectErrors } = await reader.collect();
    if (collectErrors.length) errors.push(`collect: ${collectErrors.join('; ')}`);
    const metric = resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics)
      .find((m) => m.descriptor.name === 'interop.delta.orders');
    const p = metric?.dataPoints[0];
    if (!p) continue;
    if (metric.aggregationTemporality !== AggregationTemporality.DELTA) errors.push('not delta');
    points.push({ startNs: hrToNs(p.startTime), endNs: hrToNs(p.endTime), value: p.value });
    const r = await exportOnce(exporters.metrics, resourceMetrics);
    const e = describeResult(`delta metrics export ${i + 1} (http/protobuf)`, r);
    if (e) errors.push(e);
  }
  await Promise.allSettled([provider.shutdown(), exporters.metrics.shutdown()]);
  return { points, errors };
}

// A histogram `name` aggregated as an exponential histogram (a view), cumulative or delta,
// exported (http/protobuf) at two collections ~gapMs apart, `values` recorded in each. Returns
// per collection the point's end ns and its exponential histogram as the SDK exported it.
export async function runExponentialHistogram({ httpBase }, { values, gapMs, name = 'interop.payload.size', delta = false }) {
  const exporters = createOtlpExporters({ protocol: 'http/protobuf', httpBase });
  const reader = new ManualReader({
    aggregationTemporalitySelector: (t) => (delta ? AggregationTemporality.DELTA
      : exporters.metrics.selectAggregationTemporality(t)),
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_A }),
    readers: [reader],
    views: [{ instrumentName: name,
      aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  const size = provider.getMeter('shop.frontend.metrics', '1.0.0').createHistogram(name);
  const collections = [];
  const errors = [];
  for (let i = 0; i < 2; i++) {
    if (i > 0) await delay(gapMs);
    for (const v of values) size.record(v, { route: '/upload' });
    const { resourceMetrics, errors: collectErrors } = await reader.collect();
    if (collectErrors.length) errors.push(`collect: ${collectErrors.join('; ')}`);
    const p = resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics)
      .find((m) => m.descriptor.name === name).dataPoints[0];
    collections.push({ endNs: hrToNs(p.endTime), value: p.value });
    const r = await exportOnce(exporters.metrics, resourceMetrics);
    const e = describeResult(`exponential histogram export ${i + 1} (http/protobuf)`, r);
    if (e) errors.push(e);
  }
  await Promise.allSettled([provider.shutdown(), exporters.metrics.shutdown()]);
  return { collections, errors };
}
