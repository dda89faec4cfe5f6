// The `kafka` exporter and receiver end to end: the official JS SDK's spans (two traces) go
// through otter A's OTLP receiver and `kafka` exporter (one message per trace, keyed by trace id)
// into the loopback mock broker (tests/tools/kafka_mock_broker, next to the otter binary), and
// from there through otter B's `kafka` receiver into a file: B must write exactly the spans the
// SDK recorded (canonical model comparison), each once.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

import { startKafkaPipeline, waitForFileData } from './lib/harness.mjs';
import { spanFromSdk } from './lib/otlp_model.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-kafka-'));
let pipeline;

after(async () => {
  await pipeline?.stop();
  fs.rmSync(ROOT, { recursive: true, force: true });
});

const byId = (a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);

test('JS SDK spans -> otter A (kafka exporter) -> Kafka -> otter B (kafka receiver) -> file', { timeout: 90000 }, async () => {
  const out = path.join(ROOT, 'spans.json');
  pipeline = await startKafkaPipeline({
    bin: OTTER_BIN, dir: ROOT, signal: 'traces', out, partitions: 3,
    exporter: { partition_traces_by_id: true, producer: { compression: 'lz4' } },
  });
  const { a } = pipeline;

  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('kafka.interop', '1.0.0');
  for (let t = 0; t < 2; t++) {
    const root = tracer.startSpan(`order ${t}`, { kind: SpanKind.SERVER, attributes: { 'order.id': `o-${t}` } }, ROOT_CONTEXT);
    const child = tracer.startSpan('charge', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, root));
    child.end();
    root.end();
  }
  const sdkSpans = memory.getFinishedSpans();
  assert.equal(sdkSpans.length, 4);
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${a.ports[0]}/v1/traces` });
  const result = await new Promise((resolve) => exporter.export(sdkSpans, resolve));
  await exporter.shutdown();
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));

  const got = await waitForFileData(out, { spans: 4, logs: 0, points: 0 }, () => true, 45000);
  assert.deepEqual(got.badLines, []);
  assert.equal(got.spans.length, 4, 'every span exactly once');
  assert.deepEqual(got.spans.sort(byId), sdkSpans.map(spanFromSdk).sort(byId));
  // One message per trace: each line of B's file holds the spans of one trace.
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const doc of lines) {
    const ids = new Set(doc.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.traceId))));
    assert.equal(ids.size, 1);
  }
});
