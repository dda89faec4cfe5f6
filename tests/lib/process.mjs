// Process plumbing shared by otter's node test suites (tests/interop, tests/ui): free loopback
// ports, polling with deadlines, starting/stopping otter with a generated YAML config. Imports
// node: builtins only, so it resolves the same from either suite's node_modules root. Everything
// binds 127.0.0.1 only. No sleeps are used as synchronisation: every wait is a poll of an
// observable condition bounded by a deadline.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

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

export function tail(file, lines = 40) {
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
