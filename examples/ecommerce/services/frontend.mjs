// The demo shop's frontend: an HTTP service instrumented with the official OpenTelemetry JS SDK
// (the packages tests/interop pins), plus the traffic driver that plays customers: steady checkouts
// whose rate follows a compressed daily curve (DEMO_DAY_SECONDS per "day"), ~2% of them invalid.
//   node frontend.mjs PORT    (ORDER_URL, OTEL_EXPORTER_OTLP_ENDPOINT, DEMO_RPS from the environment)
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', '..', 'tests', 'interop', 'package.json'));
const { context, propagation, trace, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-proto');

const port = Number(process.argv[2]);
const base = (process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/$/, '');
const orderUrl = process.env.ORDER_URL;
const rps = Number(process.env.DEMO_RPS ?? 4);
const daySeconds = Number(process.env.DEMO_DAY_SECONDS ?? 600);

const resource = resourceFromAttributes({ 'service.name': 'frontend', 'deployment.environment': 'demo' });
const tracerProvider = new BasicTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }),
    { scheduledDelayMillis: 500 })],
});
const meterProvider = new MeterProvider({
  resource,
  readers: [new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }), exportIntervalMillis: 1000 })],
});
const loggerProvider = new LoggerProvider({
  resource,
  processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url: `${base}/v1/logs` }),
    { scheduledDelayMillis: 500 })],
});
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = tracerProvider.getTracer('shop-frontend');
const meter = meterProvider.getMeter('shop-frontend');
const logger = loggerProvider.getLogger('shop-frontend');
const checkouts = meter.createCounter('shop.checkouts', { description: 'checkouts by outcome' });
const duration = meter.createHistogram('http.server.duration', { unit: 'ms' });

function emitLog(ctx, severityNumber, body, attributes) {
  logger.emit({ severityNumber, severityText: SeverityNumber[severityNumber], body, attributes, context: ctx });
}

async function checkout(req, body) {
  // No context manager is installed: the context travels explicitly.
  const parentCtx = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'POST', 'url.path': '/checkout' } }, parentCtx);
  const ctx = trace.setSpan(parentCtx, span);
  const started = performance.now();
  let status = 200;
  let reply;
  try {
    const order = JSON.parse(body);
    span.setAttribute('order.id', order.order_id);
    if (!(order.amount > 0)) {
      status = 400;
      reply = { error: 'invalid amount' };
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'invalid amount' });
      emitLog(ctx, SeverityNumber.WARN, 'rejected checkout: invalid amount', { 'order.id': order.order_id });
    } else {
      const client = tracer.startSpan('POST /orders', { kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': 'POST', 'url.full': `${orderUrl}/orders` } }, ctx);
      const headers = { 'content-type': 'application/json' };
      propagation.inject(trace.setSpan(ctx, client), headers);
      try {
        const r = await fetch(`${orderUrl}/orders`, { method: 'POST', headers, body });
        client.setAttribute('http.response.status_code', r.status);
        if (r.status >= 400) client.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${r.status}` });
        status = r.status >= 500 ? 502 : r.status;
        reply = await r.json();
      } finally {
        client.end();
      }
      emitLog(ctx, SeverityNumber.INFO, 'checkout forwarded to order service', { 'order.id': order.order_id });
    }
  } catch (e) {
    status = 502;
    reply = { error: String(e) };
    span.recordException(e);
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(e) });
    emitLog(ctx, SeverityNumber.ERROR, `checkout failed: ${e}`, {});
  }
  span.setAttribute('http.response.status_code', status);
  span.end();
  checkouts.add(1, { outcome: status < 400 ? 'ok' : 'error' });
  duration.record(performance.now() - started, { 'http.route': '/checkout', 'http.response.status_code': status });
  return { status, reply, traceId: span.spanContext().traceId };
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', async () => {
    if (req.method !== 'POST' || req.url !== '/checkout') {
      res.writeHead(404).end();
      return;
    }
    const { status, reply, traceId } = await checkout(req, body);
    res.writeHead(status, { 'content-type': 'application/json', 'x-trace-id': traceId });
    res.end(JSON.stringify(reply));
  });
});

// The customers: rate(t) = DEMO_RPS × (0.6 + 0.4 sin(2π t / DEMO_DAY_SECONDS)), starting at the
// current hour of the real day, so a long run shows the daily peak and trough.
const dayOffset = (new Date().getHours() / 24) * daySeconds;
const t0 = Date.now();
let n = 0;
function rate() {
  const t = (Date.now() - t0) / 1000 + dayOffset;
  return rps * (0.6 + 0.4 * Math.sin((2 * Math.PI * t) / daySeconds));
}
async function customer() {
  n += 1;
  const order = { order_id: `A${String(n).padStart(6, '0')}`, items: [`sku-${1 + (n % 17)}`],
    amount: Math.random() < 0.02 ? 0 : Math.round(Math.random() * 20000) / 100 };
  try {
    const r = await fetch(`http://127.0.0.1:${port}/checkout`, { method: 'POST', body: JSON.stringify(order) });
    await r.text();
    console.log(JSON.stringify({ order: order.order_id, status: r.status, trace_id: r.headers.get('x-trace-id') }));
  } catch (e) {
    console.log(JSON.stringify({ order: order.order_id, error: String(e) }));
  }
}
function schedule() {
  setTimeout(() => { customer(); schedule(); }, 1000 / Math.max(rate(), 0.1));
}

server.listen(port, '127.0.0.1', () => {
  console.log(`frontend listening on ${port}`);
  schedule();
});
async function shutdown() {
  server.close();
  await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
