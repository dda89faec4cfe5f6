// Authentication with the official JS SDK: its OTLP exporters (gRPC with metadata, HTTP/protobuf
// with headers) authenticate to otter B with a bearer token or HTTP Basic credentials; without
// them (or with wrong ones) B refuses and the SDK's export result is a failure. Otter A forwards
// to B through an otlp_grpc exporter with bearertokenauth (an otter -> otter hop with client
// auth). B's store query API takes the same bearer token (401 without). Only what authenticated
// arrives in B's file.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { pollUntil, readOtlpJsonLines, startOtter, toYaml } from './lib/harness.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-auth-'));
const TOKEN = 'interop-token-7f3a';
const procs = [];

after(async () => {
  for (const p of procs.reverse()) await p.stop();
});

// One finished span named `name`, made by the SDK.
function makeSpans(name) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'auth-interop' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  provider.getTracer('t').startSpan(name).end();
  return memory.getFinishedSpans();
}

async function exportWith(exporter, name) {
  const result = await new Promise((resolve) => exporter.export(makeSpans(name), resolve));
  await exporter.shutdown();
  return result;
}

test('JS SDK and otter authenticate to otter (bearer, basic); unauthenticated exports fail and leave no trace', { timeout: 90000 }, async () => {
  const filePath = path.join(ROOT, 'b.jsonl');
  const b = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-b', portCount: 5,
    makeConfig: ([grpcPort, httpPort, basicPort, healthPort, queryPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: {
          health_check: { endpoint: `127.0.0.1:${healthPort}` },
          bearertokenauth: { token: TOKEN },
          basicauth: { htpasswd: { inline: 'alice:wonderland' } },
        },
        receivers: {
          otlp: { protocols: {
            grpc: { endpoint: `127.0.0.1:${grpcPort}`, auth: { authenticator: 'bearertokenauth' } },
            http: { endpoint: `127.0.0.1:${httpPort}`, auth: { authenticator: 'bearertokenauth' } },
          } },
          'otlp/basic': { protocols: { http: { endpoint: `127.0.0.1:${basicPort}`, auth: { authenticator: 'basicauth' } } } },
        },
        exporters: {
          file: { path: filePath, format: 'json' },
          store: { directory: path.join(ROOT, 'store'),
            query: { endpoint: `127.0.0.1:${queryPort}`, auth: { authenticator: 'bearertokenauth' } } },
        },
        service: {
          extensions: ['health_check', 'bearertokenauth', 'basicauth'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { traces: { receivers: ['otlp', 'otlp/basic'], exporters: ['file', 'store'] } },
        },
      }) + '\n',
    }),
  });
  procs.push(b);
  const [grpcPort, httpPort, basicPort, , queryPort] = b.ports;

  const a = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-a', portCount: 2,
    makeConfig: ([aHttp, healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` }, 'bearertokenauth/out': { token: TOKEN } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${aHttp}` } } } },
        exporters: { otlp_grpc: { endpoint: `127.0.0.1:${grpcPort}`, tls: { insecure: true },
          auth: { authenticator: 'bearertokenauth/out' } } },
        service: {
          extensions: ['health_check', 'bearertokenauth/out'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp_grpc'] } },
        },
      }) + '\n',
    }),
  });
  procs.push(a);

  const bearerMd = new Metadata();
  bearerMd.set('authorization', `Bearer ${TOKEN}`);
  const wrongMd = new Metadata();
  wrongMd.set('authorization', 'Bearer not-the-token');
  const basic = (user, pw) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

  const outcomes = {
    grpcBearer: await exportWith(new TraceGrpc({ url: `http://127.0.0.1:${grpcPort}`, metadata: bearerMd }), 'ok-grpc-bearer'),
    grpcWrong: await exportWith(new TraceGrpc({ url: `http://127.0.0.1:${grpcPort}`, metadata: wrongMd }), 'refused-grpc-wrong'),
    grpcNone: await exportWith(new TraceGrpc({ url: `http://127.0.0.1:${grpcPort}` }), 'refused-grpc-none'),
    httpBearer: await exportWith(new TraceProto({ url: `http://127.0.0.1:${httpPort}/v1/traces`,
      headers: { Authorization: `Bearer ${TOKEN}` } }), 'ok-http-bearer'),
    httpNone: await exportWith(new TraceProto({ url: `http://127.0.0.1:${httpPort}/v1/traces` }), 'refused-http-none'),
    httpBasic: await exportWith(new TraceProto({ url: `http://127.0.0.1:${basicPort}/v1/traces`,
      headers: { Authorization: basic('alice', 'wonderland') } }), 'ok-http-basic'),
    httpBasicWrong: await exportWith(new TraceProto({ url: `http://127.0.0.1:${basicPort}/v1/traces`,
      headers: { Authorization: basic('alice', 'looking-glass') } }), 'refused-http-basic'),
    hop: await exportWith(new TraceProto({ url: `http://127.0.0.1:${a.ports[0]}/v1/traces` }), 'ok-hop'),
  };
  for (const [k, r] of Object.entries(outcomes)) {
    const want = k === 'hop' || !/Wrong|None/.test(k) ? ExportResultCode.SUCCESS : ExportResultCode.FAILED;
    assert.equal(r.code, want, `${k}: ${r.error?.message ?? 'no error'}`);
  }
  assert.match(String(outcomes.grpcNone.error?.message), /UNAUTHENTICATED|16/);

  const names = await pollUntil('the authenticated spans in B\'s file', () => {
    const got = readOtlpJsonLines(filePath).spans.map((s) => s.name).sort();
    return got.length >= 4 ? got : null;
  });
  assert.deepEqual(names, ['ok-grpc-bearer', 'ok-hop', 'ok-http-basic', 'ok-http-bearer']);

  // The query API: every route refuses without the token.
  const q = (p, headers = {}) => fetch(`http://127.0.0.1:${queryPort}${p}`, { headers, signal: AbortSignal.timeout(5000) });
  for (const route of ['/api/services', '/api/v1/query?query=up', '/loki/api/v1/labels', '/']) {
    const res = await q(route);
    assert.equal(res.status, 401, route);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer', route);
  }
  const services = await pollUntil('the store to list the service', async () => {
    const res = await q('/api/services', { Authorization: `Bearer ${TOKEN}` });
    const body = await res.json();
    return res.status === 200 && body.data?.includes('auth-interop') ? body.data : null;
  });
  assert.deepEqual(services, ['auth-interop']);
});
