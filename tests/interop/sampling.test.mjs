// Sampling interop: the official OpenTelemetry JS SDK sends traces and logs over OTLP/HTTP to one
// otter whose pipelines run the samplers, each into its own file exporter:
//
//   SDK --(http/protobuf)--> otter --traces/tail--> tail_sampling (the seed's policies) --> file
//                                 --traces/prob--> probabilistic_sampler (hash_seed 22, 50%) --> file
//                                 --logs--------> probabilistic_sampler (same) --> file
//
// Expected decisions are computed here, independently of otter, from the Go collector's published
// algorithms (FNV-1a-64 with "default-hash-seed" for the tail probabilistic policy, FNV-1a-32 over
// the seed's little-endian bytes then the trace id for probabilistic_sampler), so the files must
// hold exactly the traces and log records the Go collector would keep.
//
// Run with tests/interop/run.sh <path-to-otter> (ctest does this).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';

import { pollUntil, readOtlpJsonLines, startOtter, toYaml } from './lib/harness.mjs';

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-sampling-'));
const SEED = 22;
const TRACES = 200;
// Exports happen at forceFlush only.
const BATCHING = { maxQueueSize: 10000, maxExportBatchSize: 1000, scheduledDelayMillis: 600000 };

// ---- the Go algorithms ---------------------------------------------------------------------------

const bytesOf = (hex) => Buffer.from(hex, 'hex');

function fnv1a64(buf) {
  let h = 14695981039346656037n;
  for (const b of buf) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 1099511628211n);
  return h;
}

function fnv1a32(buf) {
  let h = 2166136261;
  for (const b of buf) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h;
}

// tail_sampling probabilistic, 10%: uint64(MaxUint64 * 0.1) at 64-bit precision (see
// src/processors/tail_sampling/testdata/gen_probabilistic_table.py for the derivation).
const TAIL_THRESHOLD_10 = 1844674407370955263n;
const tailKeeps = (traceId) =>
  fnv1a64(Buffer.concat([Buffer.from('default-hash-seed'), bytesOf(traceId)])) <= TAIL_THRESHOLD_10;

// probabilistic_sampler hash_seed, 50%: bucket < uint32(float32(50) * float32(163.84)) = 8192; a
// kept item carries rv (the bucket mirrored into 56 bits) and th:8.
function hashSeed(traceId, seed, pct) {
  const le = Buffer.alloc(4);
  le.writeUInt32LE(seed);
  const h = fnv1a32(Buffer.concat([le, bytesOf(traceId)]));
  const bucket = h & 0x3fff;
  const rate = Math.trunc(Math.fround(Math.fround(pct) * Math.fround(163.84)));
  const u = BigInt(h >>> 14);
  const mix = u ^ (u << 10n);
  const rv = (BigInt(0x3fff - bucket) << 42n) | (mix << 14n) | BigInt(bucket);
  return { keep: bucket < rate, rv: rv.toString(16).padStart(14, '0') };
}

// ---- otter ---------------------------------------------------------------------------------------

function samplingConfig(dir) {
  return ([grpcPort, httpPort, healthPort, metricsPort]) => {
    const cfg = {
      receivers: { otlp: { protocols: {
        grpc: { endpoint: `127.0.0.1:${grpcPort}` },
        http: { endpoint: `127.0.0.1:${httpPort}` },
      } } },
      processors: {
        tail_sampling: { decision_wait: '1s' },
        probabilistic_sampler: { hash_seed: SEED, sampling_percentage: 50 },
      },
      exporters: {
        'file/tail': { path: path.join(dir, 'tail.jsonl'), format: 'json' },
        'file/prob': { path: path.join(dir, 'prob.jsonl'), format: 'json' },
        'file/logs': { path: path.join(dir, 'logs.jsonl'), format: 'json' },
      },
      extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
      service: {
        extensions: ['health_check'],
        telemetry: { metrics: { address: `127.0.0.1:${metricsPort}` } },
        pipelines: {
          'traces/tail': { receivers: ['otlp'], processors: ['tail_sampling'], exporters: ['file/tail'] },
          'traces/prob': { receivers: ['otlp'], processors: ['probabilistic_sampler'], exporters: ['file/prob'] },
          logs: { receivers: ['otlp'], processors: ['probabilistic_sampler'], exporters: ['file/logs'] },
        },
      },
    };
    // The seed's policies, verbatim (toYaml cannot write lists of maps).
    const policies = `
  tail_sampling:
    decision_wait: "1s"
    policies:
      - name: errors
        type: status_code
        status_code:
          status_codes: [ERROR]
      - name: probabilistic
        type: probabilistic
        probabilistic:
          sampling_percentage: 10`;
    const yaml = toYaml(cfg).replace(/\n  tail_sampling:\n    decision_wait: "1s"/, policies);
    return { yaml: `${yaml}\n`, healthPort };
  };
}

describe('samplers through the OTLP receiver', () => {
  let otter;
  let dir;
  let tracerProvider;
  let loggerProvider;

  before(async () => {
    assert.ok(OTTER_BIN, 'OTTER_BIN must name the otter binary');
    dir = fs.mkdtempSync(path.join(ROOT, 'run-'));
    otter = await startOtter({ bin: OTTER_BIN, dir, name: 'otter', portCount: 4, makeConfig: samplingConfig(dir) });
    const [, httpPort] = otter.ports;
    const resource = resourceFromAttributes({ 'service.name': 'sampling-interop' });
    tracerProvider = new BasicTracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${httpPort}/v1/traces` }), BATCHING)],
    });
    loggerProvider = new LoggerProvider({
      resource,
      processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${httpPort}/v1/logs` }), ...BATCHING })],
    });
  });

  after(async () => {
    await tracerProvider?.shutdown();
    await loggerProvider?.shutdown();
    if (otter && !otter.exited) {
      const st = await otter.stop();
      assert.equal(st.code, 0, otter.logTail());
    }
  });

  test('tail_sampling keeps every error trace and the Go-hashed 10% of the rest; late spans follow; probabilistic_sampler keeps the Go-hashed 50% of spans and logs', async () => {
    const tracer = tracerProvider.getTracer('sampling.interop');
    const logger = loggerProvider.getLogger('sampling.interop');
    const traces = [];
    const held = []; // one open child per trace, ended after the decision
    for (let i = 0; i < TRACES; i++) {
      const root = tracer.startSpan(`request ${i}`);
      const ctx = trace.setSpan(context.active(), root);
      const child = tracer.startSpan('db query', {}, ctx);
      const isError = i % 10 === 3;
      if (isError) child.setStatus({ code: SpanStatusCode.ERROR, message: 'query failed' });
      child.end();
      held.push(tracer.startSpan('late span', {}, ctx));
      logger.emit({ severityNumber: SeverityNumber.INFO, body: `log of request ${i}`, context: ctx });
      root.end();
      traces.push({ traceId: root.spanContext().traceId, isError });
    }
    await tracerProvider.forceFlush();
    await loggerProvider.forceFlush();

    const tailKept = traces.filter((t) => t.isError || tailKeeps(t.traceId));
    const errors = traces.filter((t) => t.isError).length;
    assert.ok(tailKept.length > errors && tailKept.length < TRACES / 2, `kept ${tailKept.length}`);
    const tailFile = path.join(dir, 'tail.jsonl');
    await pollUntil('tail_sampling decisions', () => readOtlpJsonLines(tailFile).spans.length >= 2 * tailKept.length,
      { timeoutMs: 20000 });

    // Late spans: every trace's third span arrives after its decision.
    for (const s of held) s.end();
    await tracerProvider.forceFlush();
    await pollUntil('late spans of sampled traces', () => readOtlpJsonLines(tailFile).spans.length >= 3 * tailKept.length,
      { timeoutMs: 20000 });
    // A marker trace decided after the late spans were processed: once it is in the file, any
    // late span of a dropped trace would be too.
    const marker = tracer.startSpan('marker');
    marker.setStatus({ code: SpanStatusCode.ERROR });
    marker.end();
    await tracerProvider.forceFlush();
    const markerId = marker.spanContext().traceId;
    const tail = await pollUntil('marker trace', () => {
      const d = readOtlpJsonLines(tailFile);
      return d.spans.some((s) => s.traceId === markerId) ? d : null;
    }, { timeoutMs: 20000 });

    const byTrace = new Map();
    for (const s of tail.spans) {
      if (s.traceId === markerId) continue;
      if (!byTrace.has(s.traceId)) byTrace.set(s.traceId, []);
      byTrace.get(s.traceId).push(s.name);
    }
    assert.deepEqual([...byTrace.keys()].sort(), tailKept.map((t) => t.traceId).sort());
    for (const [id, names] of byTrace) {
      assert.deepEqual(names.slice().sort(), ['db query', 'late span', `request ${traces.findIndex((t) => t.traceId === id)}`].sort(), id);
    }

    // probabilistic_sampler: exactly the Go hash_seed decisions, with the tracestate Go writes.
    const probFile = path.join(dir, 'prob.jsonl');
    const expectProb = traces.map((t) => ({ ...t, ...hashSeed(t.traceId, SEED, 50) }));
    const keptProb = expectProb.filter((t) => t.keep);
    assert.ok(keptProb.length > TRACES / 4 && keptProb.length < (3 * TRACES) / 4, `kept ${keptProb.length}`);
    const prob = await pollUntil('probabilistic_sampler output', () => {
      const d = readOtlpJsonLines(probFile);
      // All spans were flushed before the marker: the marker (kept or not) comes last.
      return d.spans.filter((s) => s.traceId !== markerId).length >= 3 * keptProb.length ? d : null;
    }, { timeoutMs: 20000 });
    const probSpans = prob.spans.filter((s) => s.traceId !== markerId);
    assert.equal(probSpans.length, 3 * keptProb.length);
    const wantState = new Map(keptProb.map((t) => [t.traceId, `ot=rv:${t.rv};th:8`]));
    for (const s of probSpans) assert.equal(s.traceState, wantState.get(s.traceId), s.traceId);

    const logsFile = path.join(dir, 'logs.jsonl');
    const logs = await pollUntil('sampled logs', () => {
      const d = readOtlpJsonLines(logsFile);
      return d.logs.length >= keptProb.length ? d : null;
    }, { timeoutMs: 20000 });
    assert.deepEqual(logs.logs.map((l) => l.traceId).sort(), keptProb.map((t) => t.traceId).sort());
    for (const l of logs.logs) {
      assert.equal(l.attributes['sampling.threshold']?.v, '8');
      assert.equal(l.attributes['sampling.randomness']?.v, wantState.get(l.traceId).slice(6, 20));
    }
  });
});
