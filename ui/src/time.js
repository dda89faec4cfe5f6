// Time ranges ("now-15m" .. "now", or absolute epoch milliseconds) and timestamp formatting in
// UTC or local time; every timestamp shows which.
import { route } from './state.js';

export const RELATIVE = [
  ['now-5m', 'last 5 min'],
  ['now-15m', 'last 15 min'],
  ['now-1h', 'last 1 hour'],
  ['now-6h', 'last 6 hours'],
  ['now-24h', 'last 24 hours'],
  ['now-7d', 'last 7 days'],
];
export const DEFAULT_FROM = 'now-1h';

const UNIT_MS = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

export function parsePoint(p, now = Date.now()) {
  if (!p || p === 'now') return now;
  const m = /^now-(\d+)([smhd])$/.exec(p);
  if (m) return now - Number(m[1]) * UNIT_MS[m[2]];
  const n = Number(p);
  return Number.isFinite(n) ? n : now;
}

// {from, to, startMs, endMs, label} of the URL's range.
export function currentRange(params = route.get().params) {
  const from = params.get('from') || DEFAULT_FROM;
  const to = params.get('to') || 'now';
  const now = Date.now();
  const startMs = parsePoint(from, now);
  const endMs = parsePoint(to, now);
  const rel = RELATIVE.find(([v]) => v === from);
  const label = rel && to === 'now' ? rel[1] : `${fmtTime(startMs)} – ${fmtTime(endMs)}`;
  return { from, to, startMs, endMs, label };
}

export function isUtc(params = route.get().params) {
  return params.get('tz') !== 'local';
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// "2026-12-07 12:30:01.123 UTC" (or local time with its offset, "+01:00").
export function fmtTime(ms, { seconds = true, millis = true } = {}) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const utc = isUtc();
  const get = (u, l) => (utc ? d[u]() : d[l]());
  let s = `${get('getUTCFullYear', 'getFullYear')}-${pad(get('getUTCMonth', 'getMonth') + 1)}-${pad(
    get('getUTCDate', 'getDate'),
  )} ${pad(get('getUTCHours', 'getHours'))}:${pad(get('getUTCMinutes', 'getMinutes'))}`;
  if (seconds) s += ':' + pad(get('getUTCSeconds', 'getSeconds'));
  if (seconds && millis) s += '.' + pad(d.getUTCMilliseconds(), 3);
  if (utc) return s + ' UTC';
  const off = -d.getTimezoneOffset();
  return `${s} ${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

// A duration in microseconds, e.g. "1.25ms", "3.4s".
export function fmtDur(us) {
  if (!Number.isFinite(us)) return '';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1e6) return `${+(us / 1000).toFixed(2)}ms`;
  if (us < 60e6) return `${+(us / 1e6).toFixed(2)}s`;
  return `${+(us / 60e6).toFixed(1)}min`;
}

// "50ms", "1.5s", "200us" → microseconds; NaN when malformed.
export function parseDur(s) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)?\s*$/.exec(s || '');
  if (!m) return NaN;
  const mult = { us: 1, µs: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 }[m[2] || 'ms'];
  return Number(m[1]) * mult;
}

export function fmtNum(v, digits = 2) {
  if (!Number.isFinite(v)) return '';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(+v.toFixed(digits));
}
