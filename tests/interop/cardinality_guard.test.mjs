// cardinality_guard end to end: the official JS SDK's counters, with a user id on every data
// point and one attribute of too many values, go through otter's OTLP receiver and the
// cardinality_guard processor into the file exporter; the file must hold the merged series with
// the user ids in exemplars, and the excess series folded into otel.metric.overflow.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';

import { pollUntil, readOtlpJsonLines, startOtter, toYaml } from './lib/harness.mjs';

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-cardinality-'));
let otter;

after(async () => {
  if (otter) await otter.stop();
});

class ManualReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

test('cardinality_guard moves user ids into exemplars and caps series', async () => {
  const filePath = path.join(ROOT, 'metrics.jsonl');
  otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-cardinality', portCount: 2,
    makeConfig: ([httpPort, healthPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        processors: {
          cardinality_guard: { exemplar_attributes: ['user.id'], max_series_per_metric: 3 },
        },
        exporters: { file: { path: filePath, format: 'json' } },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { metrics: { receivers: ['otlp'], processors: ['cardinality_guard'], exporters: ['file'] } },
        },
      }) + '\n',
    }),
  });

  const reader = new ManualReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'cardinality-app' }),
    readers: [reader],
  });
  const meter = provider.getMeter('checkout');
  const logins = meter.createCounter('logins');
  for (let i = 0; i < 10; i++) {
    logins.add(1, { route: '/a', 'user.id': `u${i}` });
    logins.add(2, { route: '/b', 'user.id': `v${i}` });
  }
  const clicks = meter.createCounter('clicks');
  for (let b = 0; b < 6; b++) clicks.add(b + 1, { button: `b${b}` });

  const { resourceMetrics } = await reader.collect();
  const exporter = new OTLPMetricExporter({ url: `http://127.0.0.1:${otter.ports[0]}/v1/metrics` });
  const result = await new Promise((resolve) => exporter.export(resourceMetrics, resolve));
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  await exporter.shutdown();

  const points = (name) => readOtlpJsonLines(filePath).lines === 0 ? [] :
    fs.readFileSync(filePath, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .flatMap((d) => d.resourceMetrics).flatMap((rm) => rm.scopeMetrics)
      .flatMap((sm) => sm.metrics).filter((m) => m.name === name).flatMap((m) => m.sum.dataPoints);
  await pollUntil('both metrics in the file', () => points('logins').length && points('clicks').length);
  const value = (p) => Number(p.asInt ?? p.asDouble);

  // logins: 20 SDK points, one per (route, user) → one point per route once user.id has left
  // the points, each carrying (at most 8) exemplars with the user ids.
  const loginPoints = points('logins');
  assert.equal(loginPoints.length, 2);
  for (const p of loginPoints) {
    assert.equal(p.attributes.length, 1);
    const route = p.attributes[0].value.stringValue;
    assert.equal(value(p), route === '/a' ? 10 : 20);
    assert.equal(p.exemplars.length, 8);
    for (const e of p.exemplars) {
      assert.equal(e.filteredAttributes.length, 1);
      assert.equal(e.filteredAttributes[0].key, 'user.id');
      assert.match(e.filteredAttributes[0].value.stringValue, route === '/a' ? /^u\d$/ : /^v\d$/);
    }
  }

  // clicks: 6 series over a limit of 3 → 3 kept as they were + one overflow series holding the
  // sum of the other 3.
  const clickPoints = points('clicks');
  assert.equal(clickPoints.length, 4);
  const kept = clickPoints.filter((p) => p.attributes[0].key === 'button');
  const overflow = clickPoints.filter((p) => p.attributes[0].key !== 'button');
  assert.equal(kept.length, 3);
  for (const p of kept) assert.equal(value(p), Number(p.attributes[0].value.stringValue.slice(1)) + 1);
  assert.deepEqual(overflow[0].attributes, [{ key: 'otel.metric.overflow', value: { boolValue: true } }]);
  assert.equal(value(overflow[0]) + kept.reduce((n, p) => n + value(p), 0), 1 + 2 + 3 + 4 + 5 + 6);
});
