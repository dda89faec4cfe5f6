// The persistent sending queue with the official JS SDK: spans exported by the SDK to otter A
// (otlp_http exporter, sending_queue.storage: file_storage, fsync) are acknowledged while the
// downstream otter B is not running; A is then killed with SIGKILL, B started, A started again
// on the same storage directory: every span the SDK got SUCCESS for arrives in B's file, as the
// SDK recorded it.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

import { freePorts, startOtter, toYaml, waitForFileData } from './lib/harness.mjs';
import { compareSpans, spanFromSdk } from './lib/otlp_model.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-pqueue-'));
const procs = [];

after(async () => {
  for (const p of procs.reverse()) await p.stop();
});

function forwarder(downstreamPort) {
  return ([httpPort, healthPort]) => ({
    healthPort,
    yaml: toYaml({
      extensions: {
        health_check: { endpoint: `127.0.0.1:${healthPort}` },
        'file_storage/queue': { directory: path.join(ROOT, 'queue'), create_directory: true, fsync: true },
      },
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
      exporters: {
        otlp_http: {
          endpoint: `http://127.0.0.1:${downstreamPort}`,
          sending_queue: { storage: 'file_storage/queue' },
          retry_on_failure: { initial_interval: '100ms', max_interval: '200ms' },
        },
      },
      service: {
        extensions: ['health_check', 'file_storage/queue'],
        telemetry: { metrics: { level: 'none' } },
        pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp_http'] } },
      },
    }) + '\n',
  });
}

test('JS SDK spans acknowledged by otter survive kill -9 in its persistent queue', { timeout: 60000 }, async () => {
  const [downstreamPort] = await freePorts(1);
  let a = await startOtter({ bin: OTTER_BIN, dir: ROOT, name: 'otter-a', portCount: 2, makeConfig: forwarder(downstreamPort) });
  procs.push(a);

  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('pqueue-test', '1.0.0');
  for (let i = 0; i < 20; i++) {
    const span = tracer.startSpan(`op-${i}`, { kind: SpanKind.SERVER, attributes: { 'order.n': i } });
    span.end();
  }
  await provider.forceFlush();
  const sdkSpans = memory.getFinishedSpans();
  assert.equal(sdkSpans.length, 20);
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${a.ports[0]}/v1/traces` });
  const result = await new Promise((resolve) => exporter.export(sdkSpans, resolve));
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  await exporter.shutdown();

  // The downstream has been unreachable all along: the spans are only in A's queue.
  a.child.kill('SIGKILL');
  await a.exitPromise;

  const filePath = path.join(ROOT, 'downstream.json');
  const b = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-b', portCount: 1,
    makeConfig: ([healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${downstreamPort}` } } } },
        exporters: { file: { path: filePath, format: 'json' } },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { traces: { receivers: ['otlp'], exporters: ['file'] } },
        },
      }) + '\n',
    }),
  });
  procs.push(b);
  a = await startOtter({ bin: OTTER_BIN, dir: ROOT, name: 'otter-a2', portCount: 2, makeConfig: forwarder(downstreamPort) });
  procs.push(a);

  const got = await waitForFileData(filePath, { spans: 20, logs: 0, points: 0 });
  assert.equal(got.badLines.length, 0, got.badLines.join('\n'));
  const expected = sdkSpans.map(spanFromSdk);
  const diffs = compareSpans(expected, got.spans);
  assert.deepEqual(diffs, [], `${diffs.length} mismatch(es):\n  ${diffs.join('\n  ')}`);
  assert.equal(new Set(got.spans.map((s) => s.spanId)).size, 20);
});
