// End-to-end test of the attribute processors with the official JS SDK:
//
//   SDK (http/protobuf) --> otter [resourcedetection, resource, attributes/redact, redaction]
//       --> file exporter (OTLP/JSON lines)
//
// The SDK sends a span and a log record carrying secrets; the file must hold exactly the
// attributes the processors produce: detected host/env attributes, the resource processor's upsert
// and hash, the seed's attributes/redact deletions, and redaction's masking and summary.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';

import { pollUntil, readOtlpJsonLines, startOtter } from './lib/harness.mjs';

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-attrs-'));
let failed = false;
after(() => { if (!failed) fs.rmSync(ROOT, { recursive: true, force: true }); });

const str = (v) => ({ t: 'string', v });
const int = (v) => ({ t: 'int', v: String(v) });
const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const OTEL_ARCH = { x64: 'amd64', arm64: 'arm64', ia32: 'x86', arm: 'arm32', ppc64: 'ppc64', s390x: 's390x' };

function sorted(obj) {
  const out = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}

function otterConfig(ports, filePath) {
  const [httpPort, healthPort] = ports;
  // JSON is YAML: the config is written as JSON to keep lists of maps simple.
  const config = {
    extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
    processors: {
      'resourcedetection/system': {
        detectors: ['env', 'system'],
        system: { hostname_sources: ['os'], resource_attributes: { 'host.arch': { enabled: true } } },
      },
      resource: {
        attributes: [
          { key: 'deployment.environment', action: 'upsert', value: 'production' },
          { key: 'secret.token', action: 'hash' },
        ],
      },
      'attributes/redact': {
        actions: [{ key: 'password', action: 'delete' }, { key: 'api_key', action: 'delete' }],
      },
      redaction: { allow_all_keys: true, blocked_values: ['4[0-9]{15}'], summary: 'debug' },
    },
    exporters: { file: { path: filePath, format: 'json' } },
    service: {
      extensions: ['health_check'],
      pipelines: Object.fromEntries(['traces', 'logs'].map((signal) => [signal, {
        receivers: ['otlp'],
        processors: ['resourcedetection/system', 'resource', 'attributes/redact', 'redaction'],
        exporters: ['file'],
      }])),
    },
  };
  return { yaml: JSON.stringify(config, null, 2), healthPort };
}

test('JS SDK -> resourcedetection, resource, attributes/redact, redaction -> file', { timeout: 60000 }, async (t) => {
  assert.ok(OTTER_BIN && fs.existsSync(OTTER_BIN), `otter binary not found: ${OTTER_BIN}`);
  const dir = fs.mkdtempSync(path.join(ROOT, 'run-'));
  const filePath = path.join(dir, 'out.jsonl');
  // Only otter sees OTEL_RESOURCE_ATTRIBUTES (the env detector); the SDK's resource is explicit.
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.region=eu%20west, team=payments';
  let otter;
  try {
    otter = await startOtter({
      bin: OTTER_BIN, dir, name: 'otter', portCount: 2, makeConfig: (p) => otterConfig(p, filePath),
    });
  } finally {
    delete process.env.OTEL_RESOURCE_ATTRIBUTES;
  }
  try {
    const base = `http://127.0.0.1:${otter.ports[0]}`;
    const resource = resourceFromAttributes({
      'service.name': 'attrs-e2e', 'secret.token': 'abc', 'host.name': 'sdk-host',
    });
    const tracerProvider = new BasicTracerProvider({
      resource, spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))],
    });
    const span = tracerProvider.getTracer('e2e').startSpan('login', {
      attributes: {
        user: 'ann', password: 'hunter2', api_key: 'k-1', card: 'paid with 4111111111111111',
        'http.status_code': 200,
      },
    });
    span.end();
    await tracerProvider.forceFlush();

    const loggerProvider = new LoggerProvider({
      resource, processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${base}/v1/logs` }) })],
    });
    loggerProvider.getLogger('e2e').emit({
      severityNumber: SeverityNumber.INFO, body: 'charged 4111111111111111', attributes: { password: 'x', order: 7 },
    });
    await loggerProvider.forceFlush();

    const got = await pollUntil('a span and a log record in the file', () => {
      const d = readOtlpJsonLines(filePath);
      return d.spans.length >= 1 && d.logs.length >= 1 ? d : null;
    }, { timeoutMs: 20000, intervalMs: 100 });
    assert.deepEqual(got.badLines, []);
    assert.equal(got.spans.length, 1);
    assert.equal(got.logs.length, 1);

    const wantResource = sorted({
      'service.name': str('attrs-e2e'),
      'secret.token': str(sha256('abc')),
      // override (default true): the detected host name replaces the SDK's.
      'host.name': str(os.hostname()),
      'os.type': str('linux'),
      'host.arch': str(OTEL_ARCH[process.arch] ?? process.arch),
      'deployment.region': str('eu west'),
      team: str('payments'),
      'deployment.environment': str('production'),
    });
    assert.deepEqual(got.spans[0].resource.attributes, wantResource);
    assert.deepEqual(got.logs[0].resource.attributes, wantResource);

    assert.deepEqual(got.spans[0].attributes, sorted({
      user: str('ann'),
      card: str('paid with ****'),
      'http.status_code': int(200),
      'redaction.masked.keys': str('card'),
      'redaction.masked.count': int(1),
    }));
    assert.deepEqual(got.logs[0].body, str('charged ****'));
    assert.deepEqual(got.logs[0].attributes, sorted({
      order: int(7),
      'redaction.body.masked.keys': str('body'),
      'redaction.body.masked.count': int(1),
    }));
    await tracerProvider.shutdown();
    await loggerProvider.shutdown();
  } catch (e) {
    failed = true;
    t.diagnostic(otter.logTail());
    throw e;
  } finally {
    await otter.stop();
  }
});
