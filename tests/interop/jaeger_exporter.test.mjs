// The `jaeger` exporter end to end: the official JS SDK's spans (attributes of every type,
// events, links, an error status, trace state, dropped counts, resource attributes) go through
// otter's OTLP receiver (http/protobuf) to the `jaeger` exporter, which posts them to a loopback
// Jaeger collector: a @grpc/grpc-js server (grpc-js and its @grpc/proto-loader are already
// installed for the SDK's gRPC exporters) serving jaeger.api_v2.CollectorService from otter's own
// proto/jaeger/api_v2/collector.proto. Every field of every span must arrive translated as
// docs/exporters/jaeger.md says; the expected model is derived here from the SDK's in-memory
// record, independently of otter's translator.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { context, trace, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

import { pollUntil, startOtter, toYaml } from './lib/harness.mjs';
import { anyFromJs } from './lib/otlp_model.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-jaeger-'));
const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');
const cleanups = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

// ---- the loopback Jaeger collector ---------------------------------------------------------------

async function startJaegerCollector() {
  const def = protoLoader.loadSync('jaeger/api_v2/collector.proto', {
    includeDirs: [PROTO_DIR], keepCase: true, longs: String, enums: String, bytes: Buffer, defaults: true,
  });
  const api = grpc.loadPackageDefinition(def).jaeger.api_v2;
  const posts = [];
  const server = new grpc.Server();
  server.addService(api.CollectorService.service, {
    PostSpans(call, callback) {
      posts.push({ metadata: call.metadata.getMap(), batch: call.request.batch });
      callback(null, {});
    },
  });
  const port = await new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { port, posts, stop: () => new Promise((resolve) => server.tryShutdown(resolve)) };
}

// ---- the expected Jaeger model, from the SDK's own record -----------------------------------------

const KIND = { [SpanKind.INTERNAL]: 'internal', [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer' };

// pcommon's AsString for lists and maps: JSON (map keys sorted); JSON.stringify writes numbers as
// Go's encoding/json does for the values used here.
function asJson(v) {
  switch (v.t) {
    case 'string': return JSON.stringify(v.v);
    case 'bool': return String(v.v);
    case 'int': return v.v;
    case 'double': return JSON.stringify(v.v);
    case 'array': return `[${v.v.map(asJson).join(',')}]`;
    case 'kvlist': return `{${Object.keys(v.v).sort().map((k) => `${JSON.stringify(k)}:${asJson(v.v[k])}`).join(',')}}`;
    default: throw new Error(`no JSON for ${v.t}`);
  }
}

// A tag as the sink decodes it (proto-loader with defaults: every field present).
function tag(key, jsValue) {
  const v = anyFromJs(jsValue);
  const kv = { key, v_type: 'STRING', v_str: '', v_bool: false, v_int64: '0', v_float64: 0, v_binary: Buffer.alloc(0) };
  switch (v.t) {
    case 'string': return { ...kv, v_str: v.v };
    case 'bool': return { ...kv, v_type: 'BOOL', v_bool: v.v };
    case 'int': return { ...kv, v_type: 'INT64', v_int64: v.v };
    case 'double': return { ...kv, v_type: 'FLOAT64', v_float64: v.v };
    case 'bytes': return { ...kv, v_type: 'BINARY', v_binary: Buffer.from(v.v, 'hex') };
    default: return { ...kv, v_str: asJson(v) };
  }
}
const tags = (attributes) => Object.entries(attributes ?? {}).map(([k, v]) => tag(k, v));

function timestamp([s, ns]) { return { seconds: String(s), nanos: ns }; }
function duration(start, end) {
  const d = (BigInt(end[0]) * 1000000000n + BigInt(end[1])) - (BigInt(start[0]) * 1000000000n + BigInt(start[1]));
  return { seconds: String(d / 1000000000n), nanos: Number(d % 1000000000n) };
}
const idBytes = (hex) => Buffer.from(hex, 'hex');

function expectedSpan(s) {
  const ctx = s.spanContext();
  const refs = [];
  const parent = s.parentSpanContext;
  if (parent) refs.push({ trace_id: idBytes(ctx.traceId), span_id: idBytes(parent.spanId), ref_type: 'CHILD_OF' });
  for (const l of s.links) {
    const type = l.attributes?.['opentracing.ref_type'] === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM';
    if (parent && l.context.traceId === ctx.traceId && l.context.spanId === parent.spanId) {
      refs[0].ref_type = type;
      continue;
    }
    refs.push({ trace_id: idBytes(l.context.traceId), span_id: idBytes(l.context.spanId), ref_type: type });
  }
  const t = [];
  if (s.instrumentationScope.name) t.push(tag('otel.scope.name', s.instrumentationScope.name));
  if (s.instrumentationScope.version) t.push(tag('otel.scope.version', s.instrumentationScope.version));
  t.push(...tags(s.attributes));
  t.push(tag('span.kind', KIND[s.kind]));
  if (s.status.code === SpanStatusCode.ERROR) t.push(tag('otel.status_code', 'ERROR'), tag('error', true));
  if (s.status.code === SpanStatusCode.OK) t.push(tag('otel.status_code', 'OK'));
  if (s.status.message) t.push(tag('otel.status_description', s.status.message));
  const traceState = ctx.traceState?.serialize();
  if (traceState) t.push(tag('w3c.tracestate', traceState));
  if (s.droppedAttributesCount) t.push(tag('otel.dropped_attributes_count', s.droppedAttributesCount));
  if (s.droppedEventsCount) t.push(tag('otel.dropped_events_count', s.droppedEventsCount));
  if (s.droppedLinksCount) t.push(tag('otel.dropped_links_count', s.droppedLinksCount));
  return {
    trace_id: idBytes(ctx.traceId),
    span_id: idBytes(ctx.spanId),
    operation_name: s.name,
    references: refs,
    flags: ctx.traceFlags & TraceFlags.SAMPLED,
    start_time: timestamp(s.startTime),
    duration: duration(s.startTime, s.endTime),
    tags: t,
    logs: s.events.map((e) => ({
      timestamp: timestamp(e.time),
      fields: [
        ...(e.name && !('event' in (e.attributes ?? {})) ? [tag('event', e.name)] : []),
        ...tags(e.attributes),
        ...(e.droppedAttributesCount ? [tag('otel.dropped_attributes_count', e.droppedAttributesCount)] : []),
      ],
    })),
    process: null,
    process_id: '',
    warnings: [],
  };
}

function expectedProcess(resource) {
  const attrs = resource.attributes;
  return { service_name: attrs['service.name'], tags: tags(Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== 'service.name'))) };
}

// ---- the workload --------------------------------------------------------------------------------

function runWorkload() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'jaeger-interop', 'service.version': '3.1.4', 'host.name': 'node-7',
      'process.pid': 4242, 'sample.ratio': 0.75, 'feature.enabled': true, 'zones': ['eu-1', 'eu-2'],
    }),
    spanLimits: { attributeCountLimit: 32, eventCountLimit: 3, linkCountLimit: 2 },
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('interop.jaeger', '2.0.1');
  // A remote parent with a W3C tracestate: the root span continues it.
  const remote = {
    traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', isRemote: true,
    traceFlags: TraceFlags.SAMPLED, traceState: new TraceState('vendor=abc,other=1'),
  };
  const elsewhere = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
  const parentCtx = trace.setSpanContext(context.active(), remote);
  const server = tracer.startSpan('POST /checkout', {
    kind: SpanKind.SERVER,
    attributes: {
      'str': 'hello otter', 'str.empty': '', 'int': 42, 'int.negative': -7, 'int.big': 9007199254740991,
      'double': 3.25, 'double.tiny': 1.5e-300, 'bool.true': true, 'bool.false': false,
      'array.string': ['a', 'b', ''], 'array.int': [1, -2, 3], 'array.double': [0.5, 1.25], 'array.bool': [true, false],
      'array.empty': [],
    },
    links: [
      { context: elsewhere, attributes: { 'link.reason': 'batch' } },
      { context: { ...elsewhere, spanId: '00f067aa0ba902b7' }, attributes: { 'opentracing.ref_type': 'child_of' } },
    ],
  }, parentCtx);
  server.addEvent('cache.miss', { 'cache.key': 'cart:17', 'cache.size': 3 });
  server.addEvent('renamed', { event: 'own name wins' });
  server.recordException(new Error('card declined'));
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'payment failed' });

  const childCtx = trace.setSpan(context.active(), server);
  const client = tracer.startSpan('charge', { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'bank' } }, childCtx);
  client.setStatus({ code: SpanStatusCode.OK });
  client.end();
  // Over the limits: 34 attributes (2 dropped), 4 events (1 dropped), 3 links (1 dropped).
  const attrs = {};
  for (let i = 0; i < 34; i++) attrs[`k${i}`] = i;
  const overflow = tracer.startSpan('overflow', {
    kind: SpanKind.PRODUCER, attributes: attrs,
    links: [0, 1, 2].map((i) => ({ context: { ...elsewhere, spanId: `00000000000000a${i}` } })),
  }, childCtx);
  for (let i = 0; i < 4; i++) overflow.addEvent(`e${i}`);
  overflow.end();
  tracer.startSpan('consume', { kind: SpanKind.CONSUMER }, childCtx).end();
  tracer.startSpan('internal step', {}, childCtx).end();
  server.end();
  return { memory, provider };
}

test('JS SDK spans -> otter (otlp receiver, jaeger exporter) -> Jaeger CollectorService/PostSpans', { timeout: 60000 }, async () => {
  const collector = await startJaegerCollector();
  cleanups.push(collector.stop);
  const otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter', portCount: 2,
    makeConfig: ([httpPort, healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        exporters: {
          jaeger: { endpoint: `127.0.0.1:${collector.port}`, tls: { insecure: true }, headers: { 'x-tenant': 'interop' } },
        },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { traces: { receivers: ['otlp'], exporters: ['jaeger'] } },
        },
      }) + '\n',
    }),
  });
  cleanups.push(() => otter.stop());

  const { memory, provider } = runWorkload();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  assert.equal(spans.length, 5);
  const overflow = spans.find((s) => s.name === 'overflow');
  assert.deepEqual([overflow.droppedAttributesCount, overflow.droppedEventsCount, overflow.droppedLinksCount], [2, 1, 1]);
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${otter.ports[0]}/v1/traces` });
  const result = await new Promise((resolve) => exporter.export(spans, resolve));
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  await exporter.shutdown();

  const posts = await pollUntil('the spans at the Jaeger collector', () => {
    const n = collector.posts.reduce((sum, p) => sum + p.batch.spans.length, 0);
    if (n > spans.length) throw Object.assign(new Error(`${n} spans arrived, expected ${spans.length}`), { fatal: true });
    return n === spans.length && collector.posts;
  });
  // One resource: one PostSpans call, with the headers as metadata.
  assert.equal(posts.length, 1);
  assert.equal(posts[0].metadata['x-tenant'], 'interop');
  const { batch } = posts[0];
  assert.deepEqual(batch.process, expectedProcess(spans[0].resource));
  const byId = new Map(batch.spans.map((s) => [s.span_id.toString('hex'), s]));
  for (const s of spans) {
    const got = byId.get(s.spanContext().spanId);
    assert.ok(got, `span ${s.name} did not arrive`);
    assert.deepEqual(got, expectedSpan(s), `span ${s.name}`);
  }
  // Spot checks of the translation the oracle above encodes, stated plainly.
  const server = byId.get(spans.find((s) => s.name === 'POST /checkout').spanContext().spanId);
  assert.deepEqual(server.references.map((r) => [r.span_id.toString('hex'), r.ref_type]),
    [['eee19b7ec3c1b174', 'CHILD_OF'], ['b7ad6b7169203331', 'FOLLOWS_FROM'], ['00f067aa0ba902b7', 'CHILD_OF']]);
  const tagOf = (key) => server.tags.find((t) => t.key === key);
  assert.equal(tagOf('w3c.tracestate').v_str, 'vendor=abc,other=1');
  assert.equal(tagOf('error').v_bool, true);
  assert.equal(tagOf('array.int').v_str, '[1,-2,3]');
  assert.equal(tagOf('int.big').v_int64, '9007199254740991');
  assert.deepEqual(server.logs.map((l) => l.fields[0].v_str), ['cache.miss', 'own name wins', 'exception']);
});
