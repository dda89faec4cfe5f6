// Sends spans made by the official OpenTelemetry JS SDK, shaped like an instrumented web service,
// to an OTLP/gRPC endpoint: for bench/store_sdk_bytes.sh, which measures the bytes per span the
// store spends on them. Usage: node tools/store_sdk_spans.mjs <host:port> <requests>
// Each request is a SERVER span (HTTP semantic conventions) with 2-5 children: a database CLIENT
// span, an outgoing HTTP CLIENT span, INTERNAL spans, sometimes an exception event. Timestamps
// are the SDK's own clock (real, ~µs resolution), ids its random ids; attribute values vary
// like a shop's traffic (routes, users, statuses), from a fixed seed.
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';

const [endpoint, requestsArg] = process.argv.slice(2);
const requests = Number(requestsArg ?? 10000);

let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const routes = ['/api/cart', '/api/cart/:id', '/api/products', '/api/products/:id', '/api/checkout',
  '/api/users/:id', '/api/search', '/health', '/api/orders', '/api/orders/:id'];
const tables = ['orders', 'products', 'users', 'carts', 'payments'];
const services = ['frontend', 'cart', 'checkout'];

const exporter = new OTLPTraceExporter({ url: `http://${endpoint}` });
const providers = services.map((name, i) => new BasicTracerProvider({
  resource: resourceFromAttributes({
    'service.name': name,
    'service.version': '1.4.2',
    'service.instance.id': `${name}-7d9f8c6b5-${i}x2kq`,
    'deployment.environment.name': 'production',
    'host.name': `ip-10-0-${i}-17.ec2.internal`,
    'process.pid': 4000 + i,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': '2.0.0',
  }),
  spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 512, maxQueueSize: 65536 })],
}));
const tracers = providers.map((p) => p.getTracer('@opentelemetry/instrumentation-http', '0.57.0'));
const db = providers.map((p) => p.getTracer('@opentelemetry/instrumentation-pg', '0.50.0'));

const busy = (us) => { const end = process.hrtime.bigint() + BigInt(us) * 1000n; while (process.hrtime.bigint() < end); };

for (let r = 0; r < requests; ++r) {
  const s = r % services.length;
  const route = pick(routes);
  const id = Math.floor(rand() * 100000);
  const path = route.replace(':id', String(id));
  const status = rand() < 0.97 ? 200 : pick([404, 500, 503]);
  const server = tracers[s].startSpan(`GET ${route}`, {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET', 'url.path': path, 'url.scheme': 'https', 'http.route': route,
      'server.address': 'shop.example.com', 'server.port': 443, 'network.protocol.version': '1.1',
      'client.address': `10.1.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`,
      'user_agent.original': pick(['Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148', 'okhttp/4.12.0']),
      'enduser.id': `user-${Math.floor(rand() * 5000)}`,
    },
  });
  const ctx = trace.setSpan(context.active(), server);
  const children = 2 + Math.floor(rand() * 4);
  for (let c = 0; c < children; ++c) {
    const kind = c === 0 ? 'db' : c === 1 ? 'http' : 'internal';
    let span;
    if (kind === 'db') {
      const table = pick(tables);
      span = db[s].startSpan(`SELECT ${table}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql', 'db.namespace': 'shop', 'db.collection.name': table,
          'db.operation.name': 'SELECT', 'db.query.text': `SELECT * FROM ${table} WHERE id = $1`,
          'server.address': 'db.internal', 'server.port': 5432,
        },
      }, ctx);
    } else if (kind === 'http') {
      span = tracers[s].startSpan('GET', {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'GET', 'server.address': 'inventory.internal', 'server.port': 8080,
          'url.full': `http://inventory.internal:8080/stock/${id}`, 'http.response.status_code': 200,
        },
      }, ctx);
    } else {
      span = tracers[s].startSpan(pick(['render', 'validate', 'cache.get']), {
        attributes: { 'code.function.name': pick(['handle', 'render', 'lookup']) },
      }, ctx);
    }
    busy(Math.floor(rand() * 200));
    if (status >= 500 && c === children - 1) {
      span.recordException(new Error('upstream unavailable'));
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream unavailable' });
    }
    span.end();
  }
  server.setAttribute('http.response.status_code', status);
  if (status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
  server.end();
  if (r % 500 === 499) await Promise.all(providers.map((p) => p.forceFlush()));
}
await Promise.all(providers.map((p) => p.forceFlush()));
await Promise.all(providers.map((p) => p.shutdown()));
