// `otter tap` end to end: the official JS SDK sends spans through otter's OTLP receiver and a
// `batch` processor while two `otter tap` processes read the admin listener, one the batches as
// received (stage 0), one as the batch processor hands them on (stage 1). Each must print one JSON
// line holding the SDK's spans as OTLP/JSON.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';

import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

import { startOtter, toYaml } from './lib/harness.mjs';

const execFileP = promisify(execFile);
const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-tap-'));
let otter;

after(async () => {
  if (otter) await otter.stop();
});

test('otter tap shows a pipeline before and after its processor', async () => {
  otter = await startOtter({
    bin: OTTER_BIN, dir: ROOT, name: 'otter-tap', portCount: 3,
    makeConfig: ([httpPort, healthPort, adminPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
        processors: { batch: { timeout: '50ms' } },
        exporters: { nop: {} },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          admin: { endpoint: `127.0.0.1:${adminPort}` },
          pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['nop'] } },
        },
      }) + '\n',
    }),
  });
  const admin = `127.0.0.1:${otter.ports[2]}`;

  const list = await execFileP(OTTER_BIN, ['tap', '--admin', admin]);
  assert.equal(list.stdout, 'traces: receivers → batch\n');

  const tap = (stage) => execFileP(OTTER_BIN,
    ['tap', '--admin', admin, '--pipeline', 'traces', '--stage', String(stage), '--count', '1'],
    { timeout: 20000 });
  const taps = Promise.all([tap(0), tap(1)]);
  let finished = false;
  taps.finally(() => { finished = true; });

  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${otter.ports[0]}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'tap-app' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('tap-test');
  for (let i = 0; !finished && i < 200; i++) {
    tracer.startSpan(`op-${i}`).end();
    await provider.forceFlush();
    await new Promise((r) => setTimeout(r, 50));
  }
  const [stage0, stage1] = await taps;
  await provider.shutdown();

  for (const [stage, out, after] of [[0, stage0.stdout, 'receivers'], [1, stage1.stdout, 'batch']]) {
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 1, out);
    const e = JSON.parse(lines[0]);
    assert.equal(e.stage, stage);
    assert.equal(e.after, after);
    const spans = e.data.resourceSpans.flatMap((rs) => rs.scopeSpans).flatMap((ss) => ss.spans);
    assert.equal(spans.length, e.items);
    assert.ok(e.items >= 1);
    for (const s of spans) assert.match(s.name, /^op-\d+$/);
    const svc = e.data.resourceSpans[0].resource.attributes.find((a) => a.key === 'service.name');
    assert.equal(svc.value.stringValue, 'tap-app');
  }
});
