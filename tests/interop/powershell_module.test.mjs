// The OTel PowerShell module's golden payloads (clients/powershell/tests/golden: the OTLP/HTTP JSON
// the module sends for a fixed clock and id source) through otter's OTLP/HTTP receiver: accepted,
// and round-tripped field for field (ns timestamps, typed attributes, the exception event) into the
// file exporter. The callee of the module's Invoke-HttpWithTracing is played by the official JS
// SDK: its server span takes the traceparent the module sends (the Pester test checks the module
// sends exactly that), and lands in the same trace.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { propagation, trace, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

import { startOtter, toYaml, waitForFileData } from './lib/harness.mjs';
import { logsFromJsonDoc, spansFromJsonDoc } from './lib/otlp_model.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-powershell-'));
const GOLDEN = path.join(import.meta.dirname, '..', '..', 'clients', 'powershell', 'tests', 'golden');
const procs = [];

after(async () => {
  for (const p of procs.reverse()) await p.stop();
});

test('PowerShell module payloads: accepted by otter, one trace with the JS SDK callee', { timeout: 60000 }, async () => {
  const out = path.join(ROOT, 'out.jsonl');
  const otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter', portCount: 2,
    makeConfig: ([httpPort, healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        exporters: { file: { path: out } },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: {
            traces: { receivers: ['otlp'], exporters: ['file'] },
            logs: { receivers: ['otlp'], exporters: ['file'] },
          },
        },
      }) + '\n',
    }),
  });
  procs.push(otter);
  const base = `http://127.0.0.1:${otter.ports[0]}`;
  const golden = {
    traces: fs.readFileSync(path.join(GOLDEN, 'traces.json'), 'utf8'),
    logs: fs.readFileSync(path.join(GOLDEN, 'logs.json'), 'utf8'),
  };
  for (const [signal, body] of Object.entries(golden)) {
    const r = await fetch(`${base}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await r.text();
    assert.equal(r.status, 200, `${signal}: ${text}`);
    assert.deepEqual(JSON.parse(text), {});  // no partial success: nothing rejected
  }

  // The callee: a server span whose parent is the traceparent Invoke-HttpWithTracing sends.
  const goldenSpans = spansFromJsonDoc(JSON.parse(golden.traces));
  const client = goldenSpans.find((s) => s.kind === 3);
  const traceparent = `00-${client.traceId}-${client.spanId}-01`;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'inventory' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))],
  });
  const parent = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, { traceparent }, {
    get: (c, k) => c[k], keys: (c) => Object.keys(c) });
  const server = provider.getTracer('interop').startSpan('POST /reserve', { kind: SpanKind.SERVER }, parent);
  server.end();
  await provider.forceFlush();
  await provider.shutdown();

  const got = await waitForFileData(out, { spans: 4, logs: 2, points: 0 });
  const byId = new Map(got.spans.map((s) => [s.spanId, s]));
  for (const want of goldenSpans) assert.deepEqual(byId.get(want.spanId), want, `span ${want.name}`);
  assert.deepEqual(got.logs, logsFromJsonDoc(JSON.parse(golden.logs)));
  const callee = got.spans.find((s) => s.resource.attributes['service.name'] === 'inventory' ||
    JSON.stringify(s.resource).includes('inventory'));
  assert.ok(callee, 'the JS SDK span arrived');
  assert.equal(callee.traceId, client.traceId);
  assert.equal(callee.parentSpanId, client.spanId);
  assert.equal(new Set(got.spans.map((s) => s.traceId)).size, 1, 'one trace');
  const services = new Set(got.spans.map((s) => JSON.stringify(s.resource)));
  assert.equal(services.size, 2, 'backup-script and inventory');
});
