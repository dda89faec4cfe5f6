// Process and I/O plumbing for the interop tests: free loopback ports, polling with deadlines,
// starting/stopping otter with a generated YAML config, reading otter's OTLP/JSON-lines file
// output. Everything binds 127.0.0.1 only. No sleeps are used as synchronisation: every wait is
// a poll of an observable condition bounded by a deadline.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { logsFromJsonDoc, metricsFromJsonDoc, spansFromJsonDoc } from './otlp_model.mjs';

// Asks the kernel for `n` distinct free ports (all held open at once, then released).
export async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      await new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', resolve);
      });
      servers.push(s);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

// Polls `probe` (async; returns a truthy value when done) every `intervalMs` until the deadline.
// A probe error marked {fatal: true} ends the wait at once; other errors are retried.
export async function pollUntil(what, probe, { timeoutMs = 15000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw e;
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
    }
    await delay(intervalMs);
  }
}

export async function httpStatus(url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status;
}

// ---- otter process -------------------------------------------------------------------------------

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// If the test process dies without cleaning up (e.g. killed by a ctest timeout), the kernel
// kills otter too: setpriv --pdeathsig survives the exec. Without setpriv, plain spawn.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));

function otterCommand(bin, configPath, extraArgs = []) {
  const args = [...extraArgs, '--config', configPath];
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, args];
}

// Every otter still running, so an unexpected exit of the test process can still stop them.
const live = new Set();
process.on('exit', () => {
  for (const p of live) p.child.kill('SIGKILL');
});

export class OtterProcess {
  constructor(name, child, logPath, configPath) {
    this.name = name;
    this.child = child;
    this.logPath = logPath;
    this.configPath = configPath;
    this.exited = null; // {code, signal} once the process is gone
    live.add(this);
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        live.delete(this);
        resolve(this.exited);
      });
    });
  }

  logTail(lines = 40) {
    return `---- ${this.name} (${this.logPath}) ----\n${tail(this.logPath, lines)}`;
  }

  // SIGTERM, then SIGKILL if it has not exited within graceMs. Returns the exit status.
  async stop(graceMs = 5000) {
    if (this.exited) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => { if (!this.exited) this.child.kill('SIGKILL'); }, graceMs);
    const r = await this.exitPromise;
    clearTimeout(timer);
    return r;
  }
}

// Starts otter with the YAML produced by makeConfig(ports) and waits until its health_check
// endpoint answers 200. Retries with fresh ports if otter exits during start-up (a port taken
// between allocation and bind). portCount ports are passed to makeConfig; makeConfig returns
// {yaml, healthPort}.
// `extraArgs` come before `--config <generated>`: a `--config` given there is merged under the
// generated one, whose keys win.
export async function startOtter({ bin, dir, name, portCount, makeConfig, readyTimeoutMs = 15000, extraArgs = [] }) {
  let lastFailure = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const ports = await freePorts(portCount);
    const { yaml, healthPort } = makeConfig(ports);
    const configPath = path.join(dir, `${name}.yaml`);
    const logPath = path.join(dir, `${name}.log`);
    fs.writeFileSync(configPath, yaml);
    const logFd = fs.openSync(logPath, 'a');
    const child = spawn(...otterCommand(bin, configPath, extraArgs), { stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    const proc = new OtterProcess(name, child, logPath, configPath);
    proc.ports = ports;
    try {
      await pollUntil(`${name} health_check on 127.0.0.1:${healthPort}`, async () => {
        if (proc.exited) throw Object.assign(new Error(`exited early: ${JSON.stringify(proc.exited)}`), { fatal: true });
        return (await httpStatus(`http://127.0.0.1:${healthPort}/`)) === 200;
      }, { timeoutMs: readyTimeoutMs });
      return proc;
    } catch (e) {
      await proc.stop(1000);
      lastFailure = `${e.message}\n${proc.logTail()}`;
      if (!proc.exited || !/address (already )?in use|EADDRINUSE|bind/i.test(tail(logPath))) break;
    }
  }
  throw new Error(`could not start ${name}: ${lastFailure}`);
}

// ---- YAML ----------------------------------------------------------------------------------------

// Minimal YAML emitter for the config objects the tests build (maps, lists, scalars).
export function toYaml(value, indent = '') {
  if (Array.isArray(value)) {
    return `[${value.map((v) => yamlScalar(v)).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    return keys.map((k) => {
      const v = value[k];
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
        return `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
      }
      return `${indent}${k}: ${toYaml(v, `${indent}  `)}`;
    }).join('\n');
  }
  return yamlScalar(value);
}

function yamlScalar(v) {
  if (typeof v === 'string') return JSON.stringify(v); // JSON strings are valid YAML double-quoted scalars
  return String(v);
}

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
