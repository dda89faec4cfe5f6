// Runs otter for the UI tests: free loopback ports, a generated YAML config, readiness by polling
// its health check, stop on exit. (tests/interop/lib/harness.mjs does the same for the SDK suite
// but pulls in the SDK's packages; the UI suite installs only playwright-core.)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

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

// Polls `probe` until it returns a truthy value or `timeoutMs` passes.
export async function pollUntil(what, probe, { timeoutMs = 8000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await delay(intervalMs);
  }
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
const live = new Set();
process.on('exit', () => live.forEach((c) => c.kill('SIGKILL')));

// Starts `bin` with the config makeConfig(ports) returns ({yaml, healthPort}); retries on a port
// clash. Resolves to {ports, stop(), log()}.
export async function startOtter({ bin, dir, name, portCount, makeConfig }) {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(portCount);
    const { yaml, healthPort } = makeConfig(ports);
    const configPath = path.join(dir, `${name}.yaml`);
    const logPath = path.join(dir, `${name}.log`);
    fs.writeFileSync(configPath, yaml);
    const fd = fs.openSync(logPath, 'a');
    const args = ['--config', configPath];
    const child = SETPRIV ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args], { stdio: ['ignore', fd, fd] }) : spawn(bin, args, { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    live.add(child);
    let exited = null;
    const done = new Promise((resolve) => child.on('exit', (code, sig) => resolve((exited = { code, sig }))));
    const proc = {
      ports,
      log: () => fs.readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n'),
      async stop() {
        if (!exited) child.kill('SIGTERM');
        const t = setTimeout(() => exited || child.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
        live.delete(child);
      },
    };
    try {
      await pollUntil(`${name} health check`, async () => {
        if (exited) throw Object.assign(new Error(`exited: ${JSON.stringify(exited)}`), { exited });
        const r = await fetch(`http://127.0.0.1:${healthPort}/`, { signal: AbortSignal.timeout(1000) });
        return r.status === 200;
      }, { timeoutMs: 15000 });
      return proc;
    } catch (e) {
      await proc.stop();
      if (attempt >= 3 || !/address.*in use|bind/i.test(proc.log())) throw new Error(`could not start ${name}: ${e.message}\n${proc.log()}`);
    }
  }
}

// Minimal YAML for the config objects the tests build.
export function toYaml(value, indent = '') {
  if (Array.isArray(value)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? `${indent}${k}:\n${toYaml(v, indent + '  ')}` : `${indent}${k}: ${toYaml(v, indent + '  ')}`))
      .join('\n');
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
