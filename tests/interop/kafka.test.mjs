// The `kafka` exporter and receiver end to end: the official JS SDK's spans (two traces) go
// through otter A's OTLP receiver and `kafka` exporter (one message per trace, keyed by trace id)
// into the loopback mock broker (tests/tools/kafka_mock_broker, next to the otter binary), and
// from there through otter B's `kafka` receiver into a file: B must write exactly the spans the
// SDK recorded (canonical model comparison), each once.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

import { startOtter, toYaml, waitForFileData } from './lib/harness.mjs';
import { spanFromSdk } from './lib/otlp_model.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const BROKER_BIN = path.join(path.dirname(OTTER_BIN), 'kafka_mock_broker');
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-kafka-'));
const procs = [];
let broker;

after(async () => {
  for (const p of procs.reverse()) await p.stop();
  if (broker) broker.kill('SIGTERM');
  fs.rmSync(ROOT, { recursive: true, force: true });
});

function startBroker() {
  return new Promise((resolve, reject) => {
    broker = spawn(BROKER_BIN, ['--topic', 'otlp_spans:3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    broker.stdout.on('data', (d) => {
      out += d;
      const m = /bootstrap=(\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    broker.once('exit', (code) => reject(new Error(`kafka_mock_broker exited with ${code}`)));
  });
}

const byId = (a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);

test('JS SDK spans -> otter A (kafka exporter) -> Kafka -> otter B (kafka receiver) -> file', { timeout: 90000 }, async () => {
  assert.ok(fs.existsSync(BROKER_BIN), `mock broker not found: ${BROKER_BIN}`);
  const bootstrap = await startBroker();
  const out = path.join(ROOT, 'spans.json');
  const common = (healthPort) => ({
    extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
  });
  const service = (pipeline) => ({
    extensions: ['health_check'], telemetry: { metrics: { level: 'none' } }, pipelines: { traces: pipeline },
  });
  const b = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-b', portCount: 1,
    makeConfig: ([healthPort]) => ({
      healthPort,
      yaml: toYaml({
        ...common(healthPort),
        receivers: { kafka: { brokers: [bootstrap], initial_offset: 'earliest', session_timeout: '6s', heartbeat_interval: '1s' } },
        exporters: { file: { path: out } },
        service: service({ receivers: ['kafka'], exporters: ['file'] }),
      }) + '\n',
    }),
  });
  procs.push(b);
  const a = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-a', portCount: 2,
    makeConfig: ([httpPort, healthPort]) => ({
      healthPort,
      yaml: toYaml({
        ...common(healthPort),
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        exporters: { kafka: { brokers: [bootstrap], partition_traces_by_id: true, producer: { compression: 'lz4' } } },
        service: service({ receivers: ['otlp'], exporters: ['kafka'] }),
      }) + '\n',
    }),
  });
  procs.push(a);

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
