// loadbalancing exporter end to end: the official JS SDK sends traces to an otter "agent" whose
// loadbalancing exporter routes them by trace id over three otter gateways (OTLP/gRPC receivers,
// file exporters). Every trace's spans must land on exactly one gateway, the three must share
// the traces, and a gateway that is down when the data is sent must still get its own share once
// it comes up (its part waits in its own queue and is retried there, never rerouted).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

import { freePorts, pollUntil, readOtlpJsonLines, startOtter, toYaml } from './lib/harness.mjs';

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-lb-'));
const TRACES = 300;
const SPANS_PER_TRACE = 3;
const stops = [];

after(async () => {
  for (const s of stops.reverse()) await s();
});

// A gateway: OTLP/gRPC on `grpcPort` into a file exporter.
function startGateway(name, grpcPort) {
  return startOtter({
    bin: OTTER_BIN, dir: ROOT, name, portCount: 1,
    makeConfig: ([healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` } } } },
        exporters: { file: { path: path.join(ROOT, `${name}.jsonl`), format: 'json' } },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { traces: { receivers: ['otlp'], exporters: ['file'] } },
        },
      }) + '\n',
    }),
  });
}

test('the loadbalancing exporter keeps every trace on one gateway and waits for a gateway that is down', { timeout: 90000 }, async () => {
  const gwPorts = await freePorts(3);
  const names = ['gw-a', 'gw-b', 'gw-c'];
  for (let i = 0; i < 2; i++) {
    const gw = await startGateway(names[i], gwPorts[i]);
    stops.push(() => gw.stop());
  }
  const agent = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'agent', portCount: 2,
    makeConfig: ([httpPort, healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        exporters: {
          loadbalancing: {
            routing_key: 'traceID',
            protocol: { otlp: { tls: { insecure: true }, timeout: '2s',
              retry_on_failure: { initial_interval: '100ms', max_interval: '500ms' } } },
            resolver: { static: { hostnames: gwPorts.map((p) => `127.0.0.1:${p}`) } },
          },
        },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { traces: { receivers: ['otlp'], exporters: ['loadbalancing'] } },
        },
      }) + '\n',
    }),
  });
  stops.push(() => agent.stop());

  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'lb-interop' }),
    spanProcessors: [new BatchSpanProcessor(
      new OTLPTraceExporter({ url: `http://127.0.0.1:${agent.ports[0]}/v1/traces`, timeoutMillis: 30000 }),
      { maxQueueSize: 10000, maxExportBatchSize: 1000, scheduledDelayMillis: 600000 })],
  });
  stops.push(() => provider.shutdown());
  const tracer = provider.getTracer('lb.interop');
  const traceIds = new Set();
  for (let i = 0; i < TRACES; i++) {
    const root = tracer.startSpan(`request ${i}`);
    const ctx = trace.setSpan(context.active(), root);
    for (let k = 1; k < SPANS_PER_TRACE; k++) tracer.startSpan(`step ${k}`, {}, ctx).end();
    root.end();
    traceIds.add(root.spanContext().traceId);
  }
  const flushed = provider.forceFlush();
  // gw-c comes up only after the agent has routed and tried to send its part.
  await delay(1500);
  const gwC = await startGateway(names[2], gwPorts[2]);
  stops.push(() => gwC.stop());
  await flushed;

  const files = names.map((n) => path.join(ROOT, `${n}.jsonl`));
  const read = () => files.map((f) => readOtlpJsonLines(f).spans);
  const all = await pollUntil('every span on some gateway', () => {
    const per = read();
    return per.reduce((n, s) => n + s.length, 0) >= TRACES * SPANS_PER_TRACE ? per : null;
  }, { timeoutMs: 30000, intervalMs: 200 });

  const gatewayOf = new Map();
  const spansOf = new Map();
  all.forEach((spans, g) => {
    for (const s of spans) {
      assert.ok(traceIds.has(s.traceId), `unknown trace ${s.traceId}`);
      const prev = gatewayOf.get(s.traceId);
      assert.ok(prev === undefined || prev === g, `trace ${s.traceId} reached ${names[prev]} and ${names[g]}`);
      gatewayOf.set(s.traceId, g);
      spansOf.set(s.traceId, (spansOf.get(s.traceId) ?? 0) + 1);
    }
  });
  assert.equal(gatewayOf.size, TRACES);
  for (const [id, n] of spansOf) assert.equal(n, SPANS_PER_TRACE, `trace ${id}: ${n} spans`);
  const share = names.map((_, g) => [...gatewayOf.values()].filter((x) => x === g).length);
  for (let g = 0; g < 3; g++) {
    assert.ok(share[g] > TRACES * 0.2, `${names[g]} got ${share[g]} of ${TRACES} traces (${share})`);
  }
});
