// Interop tests: the official OpenTelemetry JS SDK (npm) sends traces, metrics and logs to otter A,
// which forwards them to otter B, which writes OTLP/JSON lines to a file. The oracle is the SDK's
// own in-memory record of the same items; B's file must match it field by field.
//
//   SDK --(grpc | http/protobuf | http/json, ±gzip)--> A [memory_limiter, batch]
//       --(otlp_grpc | otlp_http; plaintext | TLS | mTLS)--> B --> file (json)
//
// Run with tests/interop/run.sh <path-to-otter> (ctest does this). OTTER_BIN names the binary.
// Scenarios run one at a time; each starts and stops its own otter processes on free 127.0.0.1
// ports and cleans up even on failure.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';

import { makeTestPki } from './lib/certs.mjs';
import {
  exemplarRequest, richLogsRequest, richMetricsRequest, richTracesRequest,
} from './lib/fixtures.mjs';
import {
  countPoints, pollUntil, readOtlpJsonLines, startOtter, toYaml, waitForFileData,
} from './lib/harness.mjs';
import { startJsonSink } from './lib/json_sink.mjs';
import {
  compareLogs, compareMetrics, compareSpans, logFromSdk, logsFromJsonDoc, metricsFromJsonDoc, metricsFromSdk,
  spanFromSdk, spansFromJsonDoc,
} from './lib/otlp_model.mjs';
import { createOtlpExporters, runSdkWorkload } from './lib/sdk_workload.mjs';

const execFileP = promisify(execFile);

// The SDK exporters read OTEL_* variables; a developer's shell must not change what is tested.
for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-'));
let anyFailure = false;
let pki;

function scenarioDir(name) {
  const dir = path.join(ROOT, name.replace(/[^A-Za-z0-9._-]+/g, '_'));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function requireOtter() {
  assert.ok(OTTER_BIN && fs.existsSync(OTTER_BIN),
    `otter binary not found: set OTTER_BIN (got ${JSON.stringify(OTTER_BIN)}); run via tests/interop/run.sh <otter>`);
}

const runIdOf = (r) => r.resource.attributes['interop.run']?.v;

// ---- otter configs -------------------------------------------------------------------------------

const BATCH = { timeout: '100ms' };
const MEMORY_LIMITER = { check_interval: '1s', limit_mib: 4000 };

function serverTls(mode) {
  if (mode === 'plain') return undefined;
  const tls = { cert_file: pki.serverCert, key_file: pki.serverKey };
  if (mode === 'mtls') tls.client_ca_file = pki.caFile;
  return tls;
}

function withTls(endpoint, tls) {
  return tls ? { endpoint, tls } : { endpoint };
}

function pipelines(receivers, processors, exporters) {
  const p = { receivers, exporters };
  if (processors.length) p.processors = processors;
  return { traces: p, metrics: p, logs: p };
}

// B: otlp receiver (grpc + http, optionally TLS/mTLS) -> file exporter (OTLP/JSON lines).
function configB(filePath, tlsMode) {
  return (ports) => {
    const [grpcPort, httpPort, healthPort, metricsPort] = ports;
    const tls = serverTls(tlsMode);
    const cfg = {
      extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
      receivers: { otlp: { protocols: {
        grpc: withTls(`127.0.0.1:${grpcPort}`, tls),
        http: withTls(`127.0.0.1:${httpPort}`, tls),
      } } },
      exporters: { file: { path: filePath, format: 'json' } },
      service: {
        extensions: ['health_check'],
        telemetry: { metrics: { address: `127.0.0.1:${metricsPort}` } },
        pipelines: pipelines(['otlp'], [], ['file']),
      },
    };
    return { yaml: `${toYaml(cfg)}\n`, healthPort };
  };
}

// A: otlp receiver (plaintext) -> memory_limiter, batch -> otlp_grpc or otlp_http towards B.
function configA(exporterType, b, tlsMode) {
  return (ports) => {
    const [grpcPort, httpPort, healthPort, metricsPort] = ports;
    const [bGrpc, bHttp] = b.ports;
    let exporter;
    const clientTls = {};
    if (tlsMode !== 'plain') clientTls.ca_file = pki.caFile;
    if (tlsMode === 'mtls') Object.assign(clientTls, { cert_file: pki.clientCert, key_file: pki.clientKey });
    if (exporterType === 'otlp_grpc') {
      exporter = { endpoint: `127.0.0.1:${bGrpc}`, tls: tlsMode === 'plain' ? { insecure: true } : clientTls };
    } else {
      const scheme = tlsMode === 'plain' ? 'http' : 'https';
      exporter = { endpoint: `${scheme}://127.0.0.1:${bHttp}` };
      if (tlsMode !== 'plain') exporter.tls = clientTls;
    }
    const cfg = {
      extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
      receivers: { otlp: { protocols: {
        grpc: { endpoint: `127.0.0.1:${grpcPort}` },
        http: { endpoint: `127.0.0.1:${httpPort}` },
      } } },
      processors: { memory_limiter: MEMORY_LIMITER, batch: BATCH },
      exporters: { [exporterType]: exporter },
      service: {
        extensions: ['health_check'],
        telemetry: { metrics: { address: `127.0.0.1:${metricsPort}` } },
        pipelines: pipelines(['otlp'], ['memory_limiter', 'batch'], [exporterType]),
      },
    };
    return { yaml: `${toYaml(cfg)}\n`, healthPort };
  };
}

// Starts B then A; runs fn({a, b, filePath, dir}); always stops both. On failure the error
// message carries the tail of both otter logs.
async function withTopology(name, { exporter, tls }, fn) {
  requireOtter();
  const dir = scenarioDir(name);
  const filePath = path.join(dir, 'b-output.jsonl');
  const procs = [];
  try {
    const b = await startOtter({ bin: OTTER_BIN, dir, name: 'otter-b', portCount: 4, makeConfig: configB(filePath, tls) });
    procs.push(b);
    const a = await startOtter({ bin: OTTER_BIN, dir, name: 'otter-a', portCount: 4, makeConfig: configA(exporter, b, tls) });
    procs.push(a);
    await fn({ a, b, filePath, dir });
  } catch (e) {
    anyFailure = true;
    e.message += `\n(scenario dir: ${dir})\n${procs.map((p) => p.logTail(30)).join('\n')}`;
    throw e;
  } finally {
    for (const p of procs.reverse()) {
      const st = await p.stop();
      if (st.code !== 0) console.log(`# note: ${name}: ${p.name} exited with ${JSON.stringify(st)} after SIGTERM`);
    }
  }
}

function expectNoDiffs(what, diffs) {
  assert.deepEqual(diffs, [], `${what}: ${diffs.length} mismatch(es):\n  ${diffs.join('\n  ')}`);
}

// Sends the SDK workload to A and checks B's file against the SDK's in-memory record.
async function sdkRoundTrip(ctx, { protocol, gzip }, runId) {
  const { a, filePath } = ctx;
  const [aGrpc, aHttp] = a.ports;
  const { record, errors } = await runSdkWorkload({
    protocol, gzip, grpcEndpoint: `127.0.0.1:${aGrpc}`, httpBase: `http://127.0.0.1:${aHttp}`,
  }, runId);
  assert.deepEqual(errors, [], 'the SDK exporters must report success for every export to otter A');
  const expSpans = record.spans.map(spanFromSdk);
  const expLogs = record.logs.map(logFromSdk);
  const expMetrics = metricsFromSdk(record.metrics);
  const got = await waitForFileData(filePath,
    { spans: expSpans.length, logs: expLogs.length, points: countPoints(expMetrics) },
    (r) => runIdOf(r) === runId);
  assert.deepEqual(got.badLines, [], 'every line of B\'s file must be one OTLP/JSON document');
  expectNoDiffs('traces', compareSpans(expSpans, got.spans));
  expectNoDiffs('metrics', compareMetrics(expMetrics, got.metrics));
  expectNoDiffs('logs', compareLogs(expLogs, got.logs));
}

// ---- suite ---------------------------------------------------------------------------------------

before(() => {
  pki = makeTestPki(path.join(ROOT, 'pki'));
});

after(() => {
  if (anyFailure || process.env.OTTER_INTEROP_KEEP) console.log(`# kept ${ROOT} for inspection`);
  else fs.rmSync(ROOT, { recursive: true, force: true });
});

describe('comparator self-check (no otter)', () => {
  let sample; // {expSpans, expLogs, expMetrics, got} from a run through the node JSON sink

  test('SDK http/json export through a node JSON sink matches the SDK record', async () => {
    const dir = scenarioDir('self-check');
    const file = path.join(dir, 'sink.jsonl');
    const sink = await startJsonSink(file);
    try {
      const { record, errors } = await runSdkWorkload({ protocol: 'http/json', httpBase: sink.base, gzip: true }, 'self');
      assert.deepEqual(errors, []);
      const got = readOtlpJsonLines(file);
      sample = {
        expSpans: record.spans.map(spanFromSdk),
        expLogs: record.logs.map(logFromSdk),
        expMetrics: metricsFromSdk(record.metrics),
        got,
      };
      assert.equal(sample.expSpans.length, 6);
      assert.equal(sample.expLogs.length, 5);
      assert.equal(countPoints(sample.expMetrics), 13);
      expectNoDiffs('traces', compareSpans(sample.expSpans, got.spans));
      expectNoDiffs('metrics', compareMetrics(sample.expMetrics, got.metrics));
      expectNoDiffs('logs', compareLogs(sample.expLogs, got.logs));
    } finally {
      await sink.close();
    }
  });

  test('comparator reports a single flipped value (span attribute, bucket count, log body, id)', () => {
    assert.ok(sample, 'needs the previous self-check test');
    const clone = (x) => structuredClone(x);

    const spans = clone(sample.expSpans);
    const root = spans.find((s) => s.name === 'GET /checkout');
    root.attributes['zoo.int'] = { t: 'int', v: '43' };
    let diffs = compareSpans(spans, sample.got.spans);
    assert.equal(diffs.length, 1, diffs.join('\n'));
    assert.match(diffs[0], /GET \/checkout.*attributes\["zoo\.int"\]\.v: expected "43", got "42"/);

    const typed = clone(sample.expSpans);
    typed.find((s) => s.name === 'GET /checkout').attributes['zoo.double'] = { t: 'int', v: '3' };
    diffs = compareSpans(typed, sample.got.spans);
    assert.ok(diffs.some((d) => /zoo\.double.*\.t: expected "int", got "double"/.test(d)), diffs.join('\n'));

    const metrics = clone(sample.expMetrics);
    metrics.find((m) => m.name === 'interop.latency').dataPoints[0].bucketCounts[2] = '3';
    diffs = compareMetrics(metrics, sample.got.metrics);
    assert.equal(diffs.length, 1, diffs.join('\n'));
    assert.match(diffs[0], /interop\.latency\.dataPoints\[0\]\.bucketCounts\[2\]: expected "3", got "2"/);

    const logs = clone(sample.expLogs);
    const plain = logs.find((l) => l.body.v === 'plain string body ✓');
    plain.body = { t: 'string', v: 'plain string body' };
    diffs = compareLogs(logs, sample.got.logs);
    assert.ok(diffs.length >= 1 && diffs.some((d) => /body/.test(d)), diffs.join('\n'));

    const parent = clone(sample.expSpans);
    parent.find((s) => s.name === 'SELECT orders').parentSpanId = '0000000000000001';
    diffs = compareSpans(parent, sample.got.spans);
    assert.ok(diffs.length === 1 && /parentSpanId/.test(diffs[0]), diffs.join('\n'));

    const missing = clone(sample.got.spans).slice(1);
    diffs = compareSpans(sample.expSpans, missing);
    assert.ok(diffs.length === 1 && /: missing$/.test(diffs[0]), diffs.join('\n'));

    const dup = [...sample.got.spans, sample.got.spans[0]];
    diffs = compareSpans(sample.expSpans, dup);
    assert.ok(diffs.length === 1 && /more than once/.test(diffs[0]), diffs.join('\n'));
  });
});

// SDK protocol x A->B exporter x transport security; every SDK protocol is used with and
// without gzip, every A->B exporter plaintext, TLS and mTLS.
const MATRIX = [
  { protocol: 'grpc', gzip: false, exporter: 'otlp_grpc', tls: 'plain' },
  { protocol: 'http/protobuf', gzip: false, exporter: 'otlp_http', tls: 'plain' },
  { protocol: 'http/json', gzip: false, exporter: 'otlp_grpc', tls: 'plain' },
  { protocol: 'grpc', gzip: true, exporter: 'otlp_http', tls: 'plain' },
  { protocol: 'http/protobuf', gzip: true, exporter: 'otlp_grpc', tls: 'tls' },
  { protocol: 'http/json', gzip: true, exporter: 'otlp_http', tls: 'tls' },
  { protocol: 'grpc', gzip: false, exporter: 'otlp_grpc', tls: 'mtls' },
  { protocol: 'http/protobuf', gzip: false, exporter: 'otlp_http', tls: 'mtls' },
];

describe('JS SDK -> otter A -> otter B -> file', () => {
  for (const m of MATRIX) {
    const name = `SDK ${m.protocol}${m.gzip ? '+gzip' : ''} -> A -> ${m.exporter} (${m.tls}) -> B`;
    test(name, { timeout: 60000 }, async () => {
      await withTopology(name, m, (ctx) => sdkRoundTrip(ctx, m, `run-${m.protocol}-${m.gzip}-${m.exporter}-${m.tls}`));
    });
  }
});

// ---- hand-built OTLP/JSON ------------------------------------------------------------------------

async function postJson(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body,
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

describe('hand-built OTLP/JSON through A -> otlp_grpc -> B', () => {
  // Sends one request of `signal` to A over HTTP/JSON and checks B wrote the same content for it.
  async function roundTrip(ctx, signal, request, runId) {
    const url = `http://127.0.0.1:${ctx.a.ports[1]}/v1/${signal}`;
    const res = await postJson(url, JSON.stringify(request));
    assert.equal(res.status, 200, `POST ${signal}: ${res.text}`);
    const expected = {
      spans: spansFromJsonDoc(request), logs: logsFromJsonDoc(request), metrics: metricsFromJsonDoc(request),
    };
    const got = await waitForFileData(ctx.filePath,
      { spans: expected.spans.length, logs: expected.logs.length, points: countPoints(expected.metrics) },
      (r) => runIdOf(r) === runId);
    if (signal === 'traces') expectNoDiffs('traces', compareSpans(expected.spans, got.spans));
    if (signal === 'metrics') expectNoDiffs('metrics', compareMetrics(expected.metrics, got.metrics));
    if (signal === 'logs') expectNoDiffs('logs', compareLogs(expected.logs, got.logs));
  }

  const baseNs = () => (BigInt(Date.now()) * 1000000n).toString();

  test('histogram and sum exemplars (trace/span ids, filtered attributes) arrive unchanged', { timeout: 60000 }, async () => {
    await withTopology('exemplars', { exporter: 'otlp_grpc', tls: 'plain' },
      (ctx) => roundTrip(ctx, 'metrics', exemplarRequest('exemplars', baseNs()), 'exemplars'));
  });

  test('exponential histogram, summary, no-value flag, int64 extremes arrive unchanged', { timeout: 60000 }, async () => {
    await withTopology('rich-metrics', { exporter: 'otlp_grpc', tls: 'plain' },
      (ctx) => roundTrip(ctx, 'metrics', richMetricsRequest('rich', baseNs()), 'rich'));
  });

  test('bytes/kvlist/empty values, reserved span flags, dropped counts arrive unchanged (traces, logs)', { timeout: 60000 }, async () => {
    await withTopology('rich-traces-logs', { exporter: 'otlp_http', tls: 'plain' }, async (ctx) => {
      await roundTrip(ctx, 'traces', richTracesRequest('rich-traces', baseNs()), 'rich-traces');
      await roundTrip(ctx, 'logs', richLogsRequest('rich-logs', baseNs()), 'rich-logs');
    });
  });
});

// ---- mTLS negative cases -------------------------------------------------------------------------

function httpsPost(url, tlsOptions, body) {
  return new Promise((resolve) => {
    const req = https.request(url, {
      method: 'POST', headers: { 'content-type': 'application/json' }, ...tlsOptions,
      servername: 'localhost', agent: false, timeout: 5000,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (e) => resolve({ error: e.code ?? e.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

// Exports one span with the official SDK exporter; returns the ExportResult.
async function exportProbeSpan(target, runId) {
  const exporter = createOtlpExporters({ ...target, timeoutMillis: 2500 }).traces;
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'mtls-probe', 'interop.run': runId }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  provider.getTracer('probe').startSpan(`probe ${runId}`).end();
  await provider.forceFlush();
  const result = await new Promise((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
  await Promise.allSettled([provider.shutdown(), exporter.shutdown()]);
  return result;
}

describe('mTLS on otter B receivers (official SDK and node https clients)', () => {
  test('clients without a certificate from the trusted CA cannot send; a valid client can', { timeout: 60000 }, async () => {
    requireOtter();
    const dir = scenarioDir('mtls-negative');
    const filePath = path.join(dir, 'b-output.jsonl');
    const b = await startOtter({ bin: OTTER_BIN, dir, name: 'otter-b', portCount: 4, makeConfig: configB(filePath, 'mtls') });
    try {
      const [grpcPort, httpPort] = b.ports;
      const ca = pki.read('caFile');
      const good = { ca, cert: pki.read('clientCert'), key: pki.read('clientKey') };
      const rogue = { ca, cert: pki.read('rogueCert'), key: pki.read('rogueKey') };
      const url = `https://127.0.0.1:${httpPort}/v1/traces`;
      const body = JSON.stringify({ resourceSpans: [] });

      // Raw HTTPS: valid client cert succeeds; none / untrusted CA fail; plaintext fails.
      assert.deepEqual(await httpsPost(url, good, body), { status: 200 }, 'valid client certificate');
      const noCert = await httpsPost(url, { ca }, body);
      assert.ok(noCert.error, `no client certificate must not get an HTTP answer, got ${JSON.stringify(noCert)}`);
      const rogueRes = await httpsPost(url, rogue, body);
      assert.ok(rogueRes.error, `untrusted client certificate must not get an HTTP answer, got ${JSON.stringify(rogueRes)}`);
      const plain = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(3000),
      }).then((r) => `HTTP ${r.status}`, (e) => `error ${e.cause?.code ?? e.message}`);
      assert.ok(!/HTTP 200/.test(plain), `plaintext HTTP to an mTLS port must not succeed (${plain})`);

      // The official SDK exporters: grpc and http/protobuf, with and without a client certificate.
      const grpcTarget = { protocol: 'grpc', grpcEndpoint: `127.0.0.1:${grpcPort}` };
      const httpTarget = { protocol: 'http/protobuf', httpBase: `https://127.0.0.1:${httpPort}` };
      const results = {
        grpcGood: await exportProbeSpan({ ...grpcTarget, tls: good }, 'grpc-good'),
        grpcNoCert: await exportProbeSpan({ ...grpcTarget, tls: { ca } }, 'grpc-nocert'),
        grpcRogue: await exportProbeSpan({ ...grpcTarget, tls: rogue }, 'grpc-rogue'),
        httpGood: await exportProbeSpan({ ...httpTarget, tls: good }, 'http-good'),
        httpNoCert: await exportProbeSpan({ ...httpTarget, tls: { ca } }, 'http-nocert'),
      };
      const codes = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.code === ExportResultCode.SUCCESS ? 'ok' : 'failed']));
      assert.deepEqual(codes, { grpcGood: 'ok', grpcNoCert: 'failed', grpcRogue: 'failed', httpGood: 'ok', httpNoCert: 'failed' });

      // Only the two authenticated probes may have reached the file.
      const got = await waitForFileData(filePath, { spans: 2, logs: 0, points: 0 });
      assert.deepEqual(got.spans.map(runIdOf).sort(), ['grpc-good', 'http-good']);
    } catch (e) {
      anyFailure = true;
      e.message += `\n${b.logTail(30)}`;
      throw e;
    } finally {
      await b.stop();
    }
  });
});

// ---- the troubleshooting calls a user makes with curl -----------------------------------------

async function curl(args) {
  const { stdout } = await execFileP('curl', ['-sS', '-o', '-', '-w', '\n%{http_code} %{content_type}', '--max-time', '5', ...args]);
  const cut = stdout.lastIndexOf('\n');
  const [code, contentType] = stdout.slice(cut + 1).split(' ');
  return { status: Number(code), contentType: contentType ?? '', body: stdout.slice(0, cut) };
}

describe('OTLP/HTTP receiver behaviour seen with curl', () => {
  let otter;
  let http;
  let dir;

  before(async () => {
    requireOtter();
    dir = scenarioDir('curl');
    otter = await startOtter({
      bin: OTTER_BIN, dir, name: 'otter', portCount: 4,
      makeConfig: ([grpcPort, httpPort, healthPort, metricsPort]) => ({
        healthPort,
        yaml: `${toYaml({
          extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
          receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` }, http: { endpoint: `127.0.0.1:${httpPort}` } } } },
          processors: { batch: BATCH },
          exporters: { nop: {}, debug: {} },
          service: {
            extensions: ['health_check'],
            telemetry: { metrics: { address: `127.0.0.1:${metricsPort}` } },
            pipelines: {
              traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['nop'] },
              metrics: { receivers: ['otlp'], exporters: ['debug'] },
              logs: { receivers: ['otlp'], exporters: ['nop', 'debug'] },
            },
          },
        })}\n`,
      }),
    });
    http = `http://127.0.0.1:${otter.ports[1]}`;
  });

  after(async () => {
    if (otter && !otter.exited) await otter.stop();
  });

  function onFailure(fn) {
    return async () => {
      try {
        await fn();
      } catch (e) {
        anyFailure = true;
        e.message += `\n${otter ? otter.logTail(20) : ''}`;
        throw e;
      }
    };
  }

  test('POST {"resourceSpans":[]} as JSON -> 200 with a JSON body', onFailure(async () => {
    const r = await curl(['-X', 'POST', `${http}/v1/traces`, '-H', 'Content-Type: application/json', '-d', '{"resourceSpans":[]}']);
    assert.equal(r.status, 200, r.body);
    assert.match(r.contentType, /^application\/json/);
    assert.doesNotThrow(() => JSON.parse(r.body), `body must be JSON: ${r.body}`);
  }));

  test('empty protobuf body -> 200 with a protobuf answer', onFailure(async () => {
    const r = await curl(['-X', 'POST', `${http}/v1/logs`, '-H', 'Content-Type: application/x-protobuf', '--data-binary', '']);
    assert.equal(r.status, 200, r.body);
    assert.match(r.contentType, /^application\/x-protobuf/);
  }));

  test('gzip-compressed JSON body -> 200', onFailure(async () => {
    const gz = path.join(dir, 'body.json.gz');
    fs.writeFileSync(gz, zlib.gzipSync('{"resourceMetrics":[]}'));
    const r = await curl(['-X', 'POST', `${http}/v1/metrics`, '-H', 'Content-Type: application/json',
      '-H', 'Content-Encoding: gzip', '--data-binary', `@${gz}`]);
    assert.equal(r.status, 200, r.body);
  }));

  test('48-hex-digit traceId -> 400 whose message names traceId and 48', onFailure(async () => {
    const span = {
      resourceSpans: [{ scopeSpans: [{ spans: [{
        traceId: '0123456789abcdef0123456789abcdef0123456789abcdef', spanId: '0011223344556677', name: 'bad',
      }] }] }],
    };
    const r = await curl(['-X', 'POST', `${http}/v1/traces`, '-H', 'Content-Type: application/json', '-d', JSON.stringify(span)]);
    assert.equal(r.status, 400, r.body);
    let msg = r.body;
    try {
      msg = JSON.parse(r.body).message ?? r.body;
    } catch { /* message checked on the raw body */ }
    assert.match(msg, /trace_?id/i, `message must name traceId: ${r.body}`);
    assert.match(msg, /48/, `message must name the length 48: ${r.body}`);
  }));

  test('unknown Content-Type -> 415', onFailure(async () => {
    const r = await curl(['-X', 'POST', `${http}/v1/traces`, '-H', 'Content-Type: text/plain', '-d', 'hello']);
    assert.equal(r.status, 415, r.body);
  }));

  test('GET on an OTLP path -> 405', onFailure(async () => {
    const r = await curl([`${http}/v1/traces`]);
    assert.equal(r.status, 405, r.body);
  }));

  test('health_check -> 200', onFailure(async () => {
    const r = await curl([`http://127.0.0.1:${otter.ports[2]}/`]);
    assert.equal(r.status, 200, r.body);
  }));

  test('self-metrics endpoint serves Prometheus text', onFailure(async () => {
    const r = await curl([`http://127.0.0.1:${otter.ports[3]}/metrics`]);
    assert.equal(r.status, 200, r.body);
    const lines = r.body.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length > 0, 'no metrics at all');
    const bad = lines.filter((l) => !/^#/.test(l) && !/^[A-Za-z_:][A-Za-z0-9_:]*(\{.*\})? [-+0-9.eEIinfNa]+( -?\d+)?$/.test(l));
    assert.deepEqual(bad, [], 'lines that are not Prometheus text exposition');
  }));

  test('SIGTERM -> clean exit (code 0) within 5 s', onFailure(async () => {
    const st = await otter.stop(5000);
    assert.deepEqual(st, { code: 0, signal: null });
  }));
});

// Sanity: the poll helper is a real deadline, not a sleep.
test('pollUntil fails with a clear message at its deadline', async () => {
  await assert.rejects(pollUntil('never', () => false, { timeoutMs: 200, intervalMs: 20 }), /timed out after 200 ms waiting for never/);
});
