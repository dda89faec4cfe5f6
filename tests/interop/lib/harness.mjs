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

// ---- Kafka ---------------------------------------------------------------------------------------

// librdkafka's mock cluster (tests/tools/kafka_mock_broker, next to the otter binary `bin`) with
// one topic of `partitions` partitions. Resolves to { bootstrap, stop } once it listens.
export function startKafkaMockBroker({ bin, topic, partitions = 1 }) {
  const brokerBin = path.join(path.dirname(bin), 'kafka_mock_broker');
  if (!fs.existsSync(brokerBin)) return Promise.reject(new Error(`mock broker not found: ${brokerBin}`));
  const child = spawn(brokerBin, ['--topic', `${topic}:${partitions}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /bootstrap=(\S+)\n/.exec(out);
      if (m) resolve({ bootstrap: m[1], stop });
    });
    child.once('exit', (code) => reject(new Error(`kafka_mock_broker exited with ${code}`)));
  });
}

const KAFKA_TOPICS = { traces: 'otlp_spans', metrics: 'otlp_metrics', logs: 'otlp_logs' };

// The Kafka path for one signal ('traces' | 'metrics' | 'logs'): otter A (OTLP/HTTP receiver ->
// `kafka` exporter with `exporter` settings) -> mock broker (the exporter's default topic,
// `partitions` partitions) -> otter B (`kafka` receiver -> `processors`, in key order -> file
// exporter writing `out`). Resolves to { a, b, stop } once both answer their health checks;
// a.ports[0] is A's OTLP/HTTP port.
export async function startKafkaPipeline({ bin, dir, signal, out, partitions = 1, exporter = {}, processors = {} }) {
  const broker = await startKafkaMockBroker({ bin, topic: KAFKA_TOPICS[signal], partitions });
  const procs = [];
  const stop = async () => {
    for (const p of [...procs].reverse()) await p.stop();
    await broker.stop();
  };
  const names = Object.keys(processors);
  const config = (healthPort, rest, pipeline) => toYaml({
    extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
    ...rest,
    service: {
      extensions: ['health_check'], telemetry: { metrics: { level: 'none' } }, pipelines: { [signal]: pipeline },
    },
  }) + '\n';
  try {
    procs.push(await startOtter({
      bin, dir, name: 'otter-b', portCount: 1,
      makeConfig: ([healthPort]) => ({
        healthPort,
        yaml: config(healthPort, {
          receivers: { kafka: { brokers: [broker.bootstrap], initial_offset: 'earliest', session_timeout: '6s', heartbeat_interval: '1s' } },
          ...(names.length ? { processors } : {}),
          exporters: { file: { path: out } },
        }, { receivers: ['kafka'], ...(names.length ? { processors: names } : {}), exporters: ['file'] }),
      }),
    }));
    procs.push(await startOtter({
      bin, dir, name: 'otter-a', portCount: 2,
      makeConfig: ([httpPort, healthPort]) => ({
        healthPort,
        yaml: config(healthPort, {
          receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${httpPort}` } } } },
          exporters: { kafka: { brokers: [broker.bootstrap], ...exporter } },
        }, { receivers: ['otlp'], exporters: ['kafka'] }),
      }),
    }));
  } catch (e) {
    await stop();
    throw e;
  }
  const [b, a] = procs;
  return { a, b, stop };
}
