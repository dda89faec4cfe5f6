// Alert rules end to end: a metrics stream with an injected incident (a level shift of the
// request rate and a latency spike at a fixed time) goes through OTLP into otter's store; a rule
// group evaluated every 2s fires (for: 0s, so the first evaluation that sees the data fires and
// the bound leaves one interval of slack for a loaded machine); the alert reaches the real Alertmanager (Debian's
// prometheus-alertmanager, API v2) and a generic webhook within 2 evaluation intervals, and carries
// the trace ids of the exemplars — traces the official JS SDK exported, which the Jaeger API then
// returns. The spike ends: the webhook gets the resolved alert. Then the rule files are edited and
// SIGHUP reloads them, LogQL rules are served on Loki's ruler paths, and `otter validate` reports a
// broken rule file with file:line.
//
//   JS SDK spans + OTLP/JSON metrics/logs --> otter [store + rules] --> Alertmanager, webhook
//
// Run with tests/interop/run.sh <path-to-otter> (ctest does this).

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { freePorts, pollUntil, startOtter, toYaml } from './lib/harness.mjs';
import { createOtlpExporters } from './lib/sdk_workload.mjs';

const execFileP = promisify(execFile);
for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ALERTMANAGER = process.env.OTTER_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-rules-'));
const INTERVAL_MS = 2000;
const SERVICE = 'checkout';

const RULES = `groups:
  - name: checkout
    interval: 2s
    rules:
      - record: job:requests:rate10s
        expr: sum by (job) (rate(http_server_request_duration_seconds_count[10s]))
      - alert: CheckoutLatencySpike
        expr: histogram_quantile(0.99, sum by (job, le) (rate(http_server_request_duration_seconds_bucket[10s]))) > 1
        for: 0s
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.job }} latency is {{ $value | humanizeDuration }}'
`;
const LOKI_RULES = `groups:
  - name: checkout-logs
    interval: 2s
    rules:
      - alert: CheckoutErrorsLogged
        expr: sum by (service_name) (count_over_time({service_name="checkout"} |= "error" [1m])) > 0
`;

const nsOf = (ms) => (BigInt(Math.round(ms)) * 1000000n).toString();

async function startAlertmanager(dir) {
  const [port, clusterPort] = await freePorts(2);
  const cfg = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(cfg, "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
  const log = fs.openSync(path.join(dir, 'alertmanager.log'), 'a');
  const child = spawn(ALERTMANAGER, [`--config.file=${cfg}`, `--storage.path=${path.join(dir, 'am-data')}`,
    `--web.listen-address=127.0.0.1:${port}`, `--cluster.listen-address=127.0.0.1:${clusterPort}`],
  { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  await pollUntil('alertmanager ready', async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).status === 200,
    { timeoutMs: 20000, intervalMs: 100 });
  return { port, stop };
}

// A webhook receiver that records every JSON body.
async function startWebhook() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => {
      bodies.push({ at: Date.now(), body: JSON.parse(data) });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, bodies, stop: () => new Promise((r) => server.close(r)) };
}

// OTLP/JSON metrics of one instant: the request-duration histogram per route (cumulative
// bucket counts for bounds 0.25s, 1s, 2.5s); the incident's point carries exemplars (the traces
// behind the slow requests).
const BOUNDS = [0.25, 1, 2.5];
function metricsAt(ms, hist, exemplars) {
  const attr = (k, v) => ({ key: k, value: { stringValue: v } });
  return {
    resourceMetrics: [{
      resource: { attributes: [attr('service.name', SERVICE)] },
      scopeMetrics: [{
        scope: { name: 'interop.rules' },
        metrics: [{
          name: 'http.server.request.duration', unit: 's',
          histogram: { aggregationTemporality: 2, dataPoints: Object.entries(hist).map(([route, h]) => ({
            attributes: [attr('http.route', route)], startTimeUnixNano: nsOf(ms - 600000), timeUnixNano: nsOf(ms),
            count: String(h.buckets.reduce((a, b) => a + b, 0)), sum: h.sum,
            bucketCounts: h.buckets.map(String), explicitBounds: BOUNDS,
            exemplars: route === '/checkout' ? exemplars.map((e) => ({ timeUnixNano: nsOf(ms), asDouble: 2, traceId: e.traceId, spanId: e.spanId })) : [],
          })) },
        }],
      }],
    }],
  };
}

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, `${url}: ${await res.text()}`);
}

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.json();
}

describe('alert rules: OTLP → store → rule → Alertmanager', { timeout: 120000 }, () => {
  let otter;
  let am;
  let hook;
  let httpBase;
  let queryBase;
  const rulesFile = path.join(ROOT, 'rules', 'checkout.yml');

  before(async () => {
    assert.ok(OTTER_BIN, 'OTTER_BIN must point at the otter binary');
    fs.mkdirSync(path.dirname(rulesFile), { recursive: true });
    fs.writeFileSync(rulesFile, RULES);
    fs.writeFileSync(path.join(ROOT, 'rules', 'checkout-logs.yml'), LOKI_RULES);
    am = await startAlertmanager(ROOT);
    hook = await startWebhook();
    otter = await startOtter({
      bin: OTTER_BIN, dir: ROOT, name: 'otter-rules', portCount: 3,
      makeConfig: ([httpPort, healthPort, queryPort]) => {
        httpBase = `http://127.0.0.1:${httpPort}`;
        queryBase = `http://127.0.0.1:${queryPort}`;
        const p = { receivers: ['otlp'], exporters: ['store'] };
        return {
          healthPort,
          yaml: `${toYaml({
            receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
            exporters: { store: {
              directory: path.join(ROOT, 'store'),
              query: { endpoint: `127.0.0.1:${queryPort}` },
              rules: {
                files: ['rules/checkout.yml'], loki_files: ['rules/checkout-logs.yml'],
                evaluation_interval: '2s', resend_delay: '1s',
                external_labels: { cluster: 'interop' },
                alertmanagers: [`http://127.0.0.1:${am.port}`], webhooks: [hook.url],
              },
            } },
            extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
            service: { extensions: ['health_check'], telemetry: { metrics: { level: 'none' } },
              pipelines: { traces: p, metrics: p, logs: p } },
          })}\n`,
        };
      },
    });
  });

  after(async () => {
    if (otter) await otter.stop();
    if (am) await am.stop();
    if (hook) await hook.stop();
  });

  test('an incident fires within 2 evaluation intervals with trace ids the trace store holds', async () => {
    // The traces of the slow requests, from the official SDK.
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': SERVICE }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('interop.rules');
    const now = Date.now();
    const slow = [];
    for (let i = 0; i < 3; i++) {
      const s = tracer.startSpan(`POST /checkout ${i}`, { kind: SpanKind.SERVER, startTime: now - 3000 }, ROOT_CONTEXT);
      s.end(now - 500 + i);
      slow.push({ traceId: s.spanContext().traceId, spanId: s.spanContext().spanId });
    }
    await provider.forceFlush();
    const exporters = createOtlpExporters({ protocol: 'http/protobuf', httpBase });
    const r = await new Promise((res) => exporters.traces.export(memory.getFinishedSpans(), res));
    assert.equal(r.code, ExportResultCode.SUCCESS, String(r.error));

    // Steady traffic: 10 req/s, 90% /home, latency 100ms, reported every 500ms.
    // Points carry the wall-clock time they are sent at (rules evaluate at "now"); the workload
    // is paced, not synchronised, by the delay. Steady traffic: 18 req/s on /home, 2 on
    // /checkout, all under 250ms, reported every 500ms.
    const hist = { '/home': { buckets: [0, 0, 0, 0], sum: 0 }, '/checkout': { buckets: [0, 0, 0, 0], sum: 0 } };
    const add = (route, n, bucket, seconds) => {
      hist[route].buckets[bucket] += n;
      hist[route].sum += n * seconds;
    };
    const step = async () => {
      add('/home', 9, 0, 0.1);
      add('/checkout', 1, 0, 0.1);
      await post(`${httpBase}/v1/metrics`, metricsAt(Date.now(), hist, []));
      await delay(500);
    };
    for (let i = 0; i < 24; i++) await step();  // 12s: the baseline of changed_labels
    // The incident: 20 slow /checkout requests (2s each; a level shift of the route's traffic and
    // a latency spike), with the slow traces as exemplars.
    const incidentAt = Date.now();
    add('/checkout', 20, 3 - 1, 2);
    await post(`${httpBase}/v1/metrics`, metricsAt(incidentAt, hist, slow));
    const amAlert = await pollUntil('the alert in Alertmanager', async () => {
      const alerts = await getJson(`http://127.0.0.1:${am.port}/api/v2/alerts`);
      return alerts.find((a) => a.labels.alertname === 'CheckoutLatencySpike');
    }, { timeoutMs: 4 * INTERVAL_MS, intervalMs: 50 });
    const arrivedAfter = Date.now() - incidentAt;
    assert.ok(arrivedAfter <= 2 * INTERVAL_MS + 500, `alert arrived ${arrivedAfter} ms after the incident`);
    assert.deepEqual(amAlert.labels, { alertname: 'CheckoutLatencySpike', cluster: 'interop', job: SERVICE, severity: 'page' });
    assert.match(amAlert.annotations.summary, new RegExp(`^${SERVICE} latency is 2\\.\\d+s$`));
    assert.match(amAlert.annotations.changed_labels, /^http_route=\/checkout 10%→\d+%$/);
    assert.equal(amAlert.status.state, 'active');
    assert.match(amAlert.generatorURL, /\/graph\?g0\.expr=histogram_quantile%280\.99%2C\+sum\+by\+%28job%2C\+le%29\+%28rate%28http_server_request_duration_seconds_bucket%5B10s%5D%29%29%29\+%3E\+1&g0\.tab=1$/);
    const ids = amAlert.annotations.trace_ids.split(',');
    assert.deepEqual([...ids].sort(), slow.map((s) => s.traceId).sort());
    for (const id of ids) {
      const trace = await getJson(`${queryBase}/api/traces/${id}`);
      assert.equal(trace.data[0].traceID, id);
    }
    // The same alert in otter's own API (Grafana's alert list reads these).
    const own = await getJson(`${queryBase}/api/v1/alerts`);
    assert.equal(own.data.alerts.length, 1);
    assert.equal(own.data.alerts[0].state, 'firing');
    assert.match(own.data.alerts[0].value, /^2\.\d+e\+00$/);
    const rules = await getJson(`${queryBase}/api/v1/rules`);
    assert.deepEqual(rules.data.groups.map((g) => [g.name, g.interval, g.rules.map((r) => [r.name, r.type, r.health])]),
      [['checkout', 2, [['job:requests:rate10s', 'recording', 'ok'], ['CheckoutLatencySpike', 'alerting', 'ok']]]]);
    // The recording rule's series is queryable.
    const rec = await getJson(`${queryBase}/api/v1/query?query=${encodeURIComponent('job:requests:rate10s')}`);
    assert.equal(rec.data.result[0].metric.job, SERVICE);

    // The webhook got the firing alert; once the spike ends it gets it resolved.
    const firing = hook.bodies.find((b) => b.body.alerts.some((a) => a.labels.alertname === 'CheckoutLatencySpike'));
    assert.ok(firing, 'webhook got the alert');
    assert.equal(firing.body.version, '4');
    assert.equal(firing.body.status, 'firing');
    for (let i = 0; i < 4; i++) await step();
    await pollUntil('the resolved alert at the webhook', () => hook.bodies.some((b) => b.body.status === 'resolved' &&
      b.body.alerts.some((a) => a.labels.alertname === 'CheckoutLatencySpike' && a.status === 'resolved')),
    { timeoutMs: 15000 });
  });

  test('LogQL rules on the Loki ruler paths', async () => {
    const yaml = await fetch(`${queryBase}/loki/api/v1/rules`);
    assert.equal(yaml.status, 200);
    assert.match(await yaml.text(), /^"checkout-logs\.yml":\n {4}- name: "checkout-logs"\n/);
    const prom = await getJson(`${queryBase}/prometheus/api/v1/rules`);
    assert.equal(prom.data.groups[0].rules[0].name, 'CheckoutErrorsLogged');
    // An error log makes the LogQL alert fire.
    await post(`${httpBase}/v1/logs`, { resourceLogs: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] },
      scopeLogs: [{ logRecords: [{ timeUnixNano: nsOf(Date.now()), body: { stringValue: 'payment error: card declined' } }] }],
    }] });
    await pollUntil('the LogQL alert', async () => {
      const a = await getJson(`${queryBase}/prometheus/api/v1/alerts`);
      return a.data.alerts.some((x) => x.labels.alertname === 'CheckoutErrorsLogged' && x.state === 'firing');
    }, { timeoutMs: 4 * INTERVAL_MS });
  });

  test('SIGHUP reloads edited rule files; otter validate reports file:line', async () => {
    fs.writeFileSync(rulesFile, `${RULES}      - record: job:requests:total\n        expr: sum by (job) (http_server_request_duration_seconds_count)\n`);
    otter.child.kill('SIGHUP');
    await pollUntil('the reloaded rule', async () => {
      const rules = await getJson(`${queryBase}/api/v1/rules?type=record`);
      return rules.data.groups[0]?.rules.some((r) => r.name === 'job:requests:total');
    }, { timeoutMs: 10000 });
    // A broken file: the running rules stay; validate names the file and line.
    fs.writeFileSync(rulesFile, `${RULES}      - alert: Broken\n        expr: sum(\n`);
    let failed;
    try {
      await execFileP(OTTER_BIN, ['validate', '--config', otter.configPath]);
    } catch (e) {
      failed = e;
    }
    assert.ok(failed, 'validate must fail');
    assert.match(failed.stderr, new RegExp(`${rulesFile}:15: group "checkout", rule 3: could not parse expression: `));
  });
});
