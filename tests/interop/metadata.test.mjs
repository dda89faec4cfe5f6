// Request metadata end to end with the official JS SDK: its OTLP exporters send spans of two
// tenants at the same time (HTTP/protobuf with an `X-Tenant` header, gRPC with `x-tenant`
// metadata) and of nobody (no header). Otter keeps the headers with the data (otlp receiver
// `include_metadata`), writes the tenant into a span attribute (attributes processor
// `from_context`), keeps tenants apart (batch processor `metadata_keys`) and forwards each batch
// with its own tenant header (otlp_http exporter + headers_setter `from_context`). A loopback sink
// records every request's headers and body: each request holds one tenant's spans only, carries
// that tenant's header, and every span's attribute names the same tenant.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';

import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { pollUntil, startOtter } from './lib/harness.mjs';
import { spansFromJsonDoc } from './lib/otlp_model.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-metadata-'));
const cleanups = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

// An OTLP/HTTP JSON backend on loopback that records each request's headers and spans.
async function startRecordingSink() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
        const doc = JSON.parse(body.toString('utf8'));
        requests.push({ url: req.url, headers: req.headers, spans: spansFromJsonDoc(doc) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (e) {
        requests.push({ url: req.url, headers: req.headers, error: e.message });
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// Finished SDK spans named `${prefix}-1` .. `${prefix}-n`.
function makeSpans(prefix, n) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'metadata-interop' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  for (let i = 1; i <= n; i++) provider.getTracer('t').startSpan(`${prefix}-${i}`).end();
  return memory.getFinishedSpans();
}

async function exportWith(exporter, spans) {
  const result = await new Promise((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  return result;
}

test('JS SDK tenants keep their own header and attribute through otter (include_metadata, from_context, metadata_keys, headers_setter)', { timeout: 90000 }, async () => {
  const sink = await startRecordingSink();
  cleanups.push(sink.close);
  const otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter', portCount: 3,
    makeConfig: ([grpcPort, httpPort, healthPort]) => ({
      healthPort,
      // JSON is YAML: lists of maps stay simple.
      yaml: JSON.stringify({
        extensions: {
          health_check: { endpoint: `127.0.0.1:${healthPort}` },
          headers_setter: { headers: [{ key: 'X-Tenant', from_context: 'x-tenant' }] },
        },
        receivers: { otlp: { protocols: {
          grpc: { endpoint: `127.0.0.1:${grpcPort}`, include_metadata: true },
          http: { endpoint: `127.0.0.1:${httpPort}`, include_metadata: true },
        } } },
        processors: {
          attributes: { actions: [{ key: 'tenant', from_context: 'metadata.x-tenant', action: 'insert' }] },
          // A batch window long enough that the concurrent exports below meet in it.
          batch: { metadata_keys: ['X-Tenant'], timeout: '500ms', send_batch_size: 1000 },
        },
        exporters: { otlp_http: { endpoint: sink.base, encoding: 'json', auth: { authenticator: 'headers_setter' } } },
        service: {
          extensions: ['health_check', 'headers_setter'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { traces: { receivers: ['otlp'], processors: ['attributes', 'batch'], exporters: ['otlp_http'] } },
        },
      }, null, 2),
    }),
  });
  cleanups.push(() => otter.stop());
  const [grpcPort, httpPort] = otter.ports;

  const globexMd = new Metadata();
  globexMd.set('x-tenant', 'globex');
  const results = await Promise.all([
    exportWith(new TraceProto({ url: `http://127.0.0.1:${httpPort}/v1/traces`, headers: { 'X-Tenant': 'acme' } }),
      makeSpans('acme', 3)),
    exportWith(new TraceGrpc({ url: `http://127.0.0.1:${grpcPort}`, metadata: globexMd }), makeSpans('globex', 2)),
    exportWith(new TraceProto({ url: `http://127.0.0.1:${httpPort}/v1/traces` }), makeSpans('nobody', 1)),
  ]);
  for (const r of results) assert.equal(r.code, ExportResultCode.SUCCESS, r.error?.message);

  await pollUntil('all 6 spans at the sink', () =>
    sink.requests.reduce((n, r) => n + (r.spans?.length ?? 0), 0) >= 6 ? true : null, { timeoutMs: 20000 })
    .catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(sink.requests)}`); });

  const seen = [];
  for (const r of sink.requests) {
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.url, '/v1/traces');
    const header = r.headers['x-tenant'];  // undefined for the data without a tenant
    for (const s of r.spans) {
      const tenant = s.name.split('-')[0];
      seen.push(s.name);
      if (tenant === 'nobody') {
        assert.equal(header, undefined, `${s.name} went out with X-Tenant ${header}`);
        assert.equal('tenant' in s.attributes, false, `${s.name} got a tenant attribute`);
      } else {
        assert.equal(header, tenant, `${s.name} went out with X-Tenant ${header}`);
        assert.deepEqual(s.attributes.tenant, { t: 'string', v: tenant }, `${s.name}'s tenant attribute`);
      }
    }
  }
  assert.deepEqual(seen.sort(), ['acme-1', 'acme-2', 'acme-3', 'globex-1', 'globex-2', 'nobody-1']);
});
