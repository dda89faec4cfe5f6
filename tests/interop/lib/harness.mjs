// Interop-test plumbing on top of tests/lib/process.mjs (re-exported here): reading otter's
// OTLP/JSON-lines file output, otter as a remote-write store, Debian's Prometheus.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePorts, pollUntil, startOtter, tail, toYaml } from '../../lib/process.mjs';
import { logsFromJsonDoc, metricsFromJsonDoc, spansFromJsonDoc } from './otlp_model.mjs';

export { freePorts, httpStatus, OtterProcess, pollUntil, startOtter, toYaml } from '../../lib/process.mjs';

// ---- otter's file exporter output ----------------------------------------------------------------

// Reads an OTLP/JSON-lines file (one TracesData / MetricsData / LogsData per line) into canonical
// records. A line that does not parse is reported, not skipped silently.
export function readOtlpJsonLines(filePath) {
  const out = { spans: [], metrics: [], logs: [], badLines: [], lines: 0 };
  let text;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return out;
    throw e;
  }
  const lines = text.split('\n');
  // A final line without '\n' may still be being written: leave it for the next poll.
  if (!text.endsWith('\n')) lines.pop();
  for (const line of lines) {
    if (line.trim() === '') continue;
    out.lines++;
    let doc;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      out.badLines.push(`${e.message}: ${line.slice(0, 200)}`);
      continue;
    }
    const known = ['resourceSpans', 'resourceMetrics', 'resourceLogs'];
    if (!known.some((k) => k in doc)) out.badLines.push(`no resourceSpans/resourceMetrics/resourceLogs key: ${line.slice(0, 200)}`);
    out.spans.push(...spansFromJsonDoc(doc));
    out.metrics.push(...metricsFromJsonDoc(doc));
    out.logs.push(...logsFromJsonDoc(doc));
  }
  out.metrics = mergeMetrics(out.metrics);
  return out;
}

// A collector may legitimately split one metric's data points over several requests (batching);
// merge them back per (resource, scope, metric) before comparing.
export function mergeMetrics(metrics) {
  const byKey = new Map();
  for (const m of metrics) {
    const key = JSON.stringify([m.resource, m.scope, m.name]);
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, { ...m, dataPoints: [...m.dataPoints] });
    } else {
      prev.dataPoints.push(...m.dataPoints);
      prev.dataPoints.sort((a, b) => {
        const x = JSON.stringify(a.attributes);
        const y = JSON.stringify(b.attributes);
        return x < y ? -1 : x > y ? 1 : 0;
      });
    }
  }
  return [...byKey.values()];
}

export function countPoints(metrics) {
  return metrics.reduce((n, m) => n + m.dataPoints.length, 0);
}

// Waits until the file holds at least the expected number of spans, log records and metric data
// points (of this run: filtered by `keep`), then returns the parsed content.
export async function waitForFileData(filePath, expected, keep = () => true, timeoutMs = 20000) {
  let last;
  try {
    return await pollUntil(`data in ${filePath}`, () => {
      const d = readOtlpJsonLines(filePath);
      d.spans = d.spans.filter(keep);
      d.logs = d.logs.filter(keep);
      d.metrics = d.metrics.filter(keep);
      last = d;
      return d.spans.length >= expected.spans && d.logs.length >= expected.logs &&
        countPoints(d.metrics) >= expected.points ? d : null;
    }, { timeoutMs, intervalMs: 100 });
  } catch (e) {
    const got = last ? `spans ${last.spans.length}/${expected.spans}, logs ${last.logs.length}/${expected.logs}, ` +
      `points ${countPoints(last.metrics)}/${expected.points}, lines ${last.lines}` : 'nothing';
    throw new Error(`${e.message}: got ${got}`);
  }
}

// otter as a remote-write target: the prometheusremotewrite receiver into a store whose query API
// answers PromQL. ports = [remote-write, health, query].
export function startRemoteWriteStore({ bin, dir, name }) {
  return startOtter({
    bin, dir, name, portCount: 3,
    makeConfig: ([rwPort, healthPort, queryPort]) => ({
      healthPort,
      yaml: toYaml({
        extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
        receivers: { prometheusremotewrite: { endpoint: `127.0.0.1:${rwPort}` } },
        exporters: { store: { directory: path.join(dir, `${name}-store`), query: { endpoint: `127.0.0.1:${queryPort}` } } },
        service: {
          extensions: ['health_check'],
          telemetry: { metrics: { level: 'none' } },
          pipelines: { metrics: { receivers: ['prometheusremotewrite'], exporters: ['store'] } },
        },
      }) + '\n',
    }),
  });
}

// Debian's Prometheus 2.42 on a free loopback port with `configYaml` (TSDB and log under `dir`),
// ready when this resolves. Returns { port, stop }.
export async function startPrometheus({ dir, name, configYaml, flags = [] }) {
  const bin = process.env.OTTER_PROMETHEUS ?? '/usr/bin/prometheus';
  const [port] = await freePorts(1);
  const cfg = path.join(dir, `${name}.yml`);
  fs.writeFileSync(cfg, configYaml);
  const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
  const child = spawn(bin, [`--config.file=${cfg}`, `--storage.tsdb.path=${path.join(dir, `${name}-tsdb`)}`,
    `--web.listen-address=127.0.0.1:${port}`, ...flags], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  try {
    await pollUntil(`${name} ready`, async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).status === 200,
      { timeoutMs: 20000, intervalMs: 100 });
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n${tail(path.join(dir, `${name}.log`))}`);
  }
  return { port, stop };
}
