// The trace page's model: Jaeger's JSON trace → a span tree with depth, service, self time;
// visible rows given collapsed spans and a filter; the find syntax; statistics.

// Trace ids are 32 hex digits (shorter hex is zero-padded, as Jaeger does). Returns the padded
// id, or an error message saying what is wrong.
export function checkTraceId(id) {
  if (!/^[0-9a-fA-F]+$/.test(id)) return { error: `"${id}" is not a trace id: a trace id is hex digits (0-9, a-f)` };
  if (id.length > 32) return { error: `"${id.slice(0, 40)}${id.length > 40 ? '…' : ''}" is not a trace id: it has ${id.length} hex digits, a trace id has at most 32` };
  return { id: id.toLowerCase().padStart(32, '0') };
}

export function buildModel(trace) {
  const procs = trace.processes || {};
  const byId = new Map();
  for (const s of trace.spans) {
    byId.set(s.spanID, {
      span: s,
      id: s.spanID,
      service: procs[s.processID]?.serviceName || '?',
      process: procs[s.processID],
      children: [],
      parent: null,
      depth: 0,
      error: (s.tags || []).some((t) => t.key === 'error' && (t.value === true || t.value === 'true')),
      self: s.duration,
    });
  }
  const roots = [];
  for (const n of byId.values()) {
    const ref = (n.span.references || []).find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID));
    if (ref) {
      n.parent = byId.get(ref.spanID);
      n.parent.children.push(n);
    } else roots.push(n);
  }
  const byStart = (a, b) => a.span.startTime - b.span.startTime;
  roots.sort(byStart);
  let start = Infinity;
  let end = 0;
  for (const n of byId.values()) {
    n.children.sort(byStart);
    start = Math.min(start, n.span.startTime);
    end = Math.max(end, n.span.startTime + n.span.duration);
  }
  // Pre-order, iteratively (10k-deep chains must not overflow the stack).
  const order = [];
  const stack = [...roots].reverse();
  while (stack.length) {
    const n = stack.pop();
    n.depth = n.parent ? n.parent.depth + 1 : 0;
    n.index = order.length;
    order.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  for (const n of order) n.self = selfTime(n);
  const services = [...new Set(order.map((n) => n.service))];
  return { trace, byId, roots, order, start, end, duration: Math.max(1, end - start), services };
}

// Time of a span not covered by its children (children clipped to the span, overlaps merged).
function selfTime(n) {
  const s0 = n.span.startTime;
  const s1 = s0 + n.span.duration;
  const iv = n.children.map((c) => [Math.max(s0, c.span.startTime), Math.min(s1, c.span.startTime + c.span.duration)]).filter(([a, b]) => b > a);
  iv.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let cs = -1;
  let ce = -1;
  for (const [a, b] of iv) {
    if (a > ce) {
      covered += ce - cs;
      cs = a;
      ce = b;
    } else ce = Math.max(ce, b);
  }
  covered += ce - cs;
  return Math.max(0, n.span.duration - covered);
}

// The find box: terms separated by spaces, all must hold. `k=v` (a tag, process tag, or
// service/operation/span id), `dur>50ms` / `dur<1s`, `error`, or plain text matched against the
// operation, service and tag values.
export function parseFind(text) {
  const terms = [];
  const re = /(\S+?)(=|>=|<=|>|<)("([^"]*)"|\S+)|"([^"]*)"|(\S+)/g;
  let m;
  while ((m = re.exec(text || ''))) {
    if (m[1] !== undefined) {
      const key = m[1];
      const val = m[4] ?? m[3];
      if (key === 'dur' || key === 'duration') {
        const us = parseDurUs(val);
        if (Number.isFinite(us)) terms.push({ kind: 'dur', op: m[2], us });
        continue;
      }
      terms.push({ kind: 'kv', key, val });
    } else terms.push({ kind: 'text', val: (m[5] ?? m[6]).toLowerCase() });
  }
  return terms;
}

function parseDurUs(s) {
  const m = /^(\d+(?:\.\d+)?)(us|µs|ms|s|m)?$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * { us: 1, µs: 1, ms: 1e3, s: 1e6, m: 60e6 }[m[2] || 'ms'];
}

function tagValue(n, key) {
  if (key === 'service') return n.service;
  if (key === 'operation' || key === 'name') return n.span.operationName;
  if (key === 'span' || key === 'spanID' || key === 'span_id') return n.id;
  for (const t of n.span.tags || []) if (t.key === key) return String(t.value);
  for (const t of n.process?.tags || []) if (t.key === key) return String(t.value);
  return undefined;
}

export function matches(n, terms) {
  for (const t of terms) {
    if (t.kind === 'dur') {
      const d = n.span.duration;
      const ok = { '>': d > t.us, '<': d < t.us, '>=': d >= t.us, '<=': d <= t.us, '=': d === t.us }[t.op];
      if (!ok) return false;
    } else if (t.kind === 'kv') {
      if (tagValue(n, t.key) !== t.val) return false;
    } else if (t.val === 'error') {
      if (!n.error) return false;
    } else {
      const hay = [n.span.operationName, n.service, n.id, ...(n.span.tags || []).map((x) => String(x.value))].join('\n').toLowerCase();
      if (!hay.includes(t.val)) return false;
    }
  }
  return true;
}

// Rows to show: pre-order, skipping descendants of collapsed spans; with `filter`, only matching
// spans and their ancestors (so the tree stays readable).
export function visibleRows(model, collapsed, matchSet, filter) {
  const rows = [];
  let keep = null;
  if (filter && matchSet) {
    keep = new Set();
    for (const n of matchSet) for (let p = n; p && !keep.has(p); p = p.parent) keep.add(p);
  }
  const order = model.order;
  for (let i = 0; i < order.length; i++) {
    const n = order[i];
    if (keep && !keep.has(n)) continue;
    rows.push(n);
    if (collapsed.has(n.id)) {
      // skip the subtree: pre-order, so it ends at the first span not deeper than n
      let j = i + 1;
      while (j < order.length && order[j].depth > n.depth) j++;
      i = j - 1;
    }
  }
  return rows;
}

// Per (service, operation): count, total, self total, avg, max.
export function statistics(model) {
  const m = new Map();
  for (const n of model.order) {
    const k = n.service + '\u0000' + n.span.operationName;
    let s = m.get(k);
    if (!s) m.set(k, (s = { service: n.service, operation: n.span.operationName, count: 0, total: 0, self: 0, max: 0, errors: 0 }));
    s.count++;
    s.total += n.span.duration;
    s.self += n.self;
    s.max = Math.max(s.max, n.span.duration);
    s.errors += n.error ? 1 : 0;
  }
  return [...m.values()].sort((a, b) => b.self - a.self);
}

// OTLP/JSON attribute value → a plain value (maps and arrays as JSON text).
function anyValue(v) {
  if (!v) return '';
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return JSON.stringify((v.arrayValue.values || []).map(anyValue));
  if ('kvlistValue' in v) return JSON.stringify(Object.fromEntries((v.kvlistValue.values || []).map((kv) => [kv.key, anyValue(kv.value)])));
  return '';
}
const tagsOf = (attrs) => (attrs || []).map((kv) => ({ key: kv.key, value: anyValue(kv.value) }));
const us = (ns) => Number(BigInt(ns || 0) / 1000n);
const KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'];

// Jaeger 2's /api/v3/traces/<id> answer (OTLP/JSON; lighter for the server to write than the v1
// JSON) → the span list buildModel reads: {traceID, spans[{spanID, operationName, references,
// startTime, duration (µs), tags, logs, processID}], processes{pN: {serviceName, tags}}}.
export function fromOtlp(result) {
  const processes = {};
  const spans = [];
  let traceID = '';
  (result?.resourceSpans || []).forEach((rs, i) => {
    const rtags = tagsOf(rs.resource?.attributes);
    const svc = rtags.find((t) => t.key === 'service.name');
    const pid = `p${i + 1}`;
    processes[pid] = { serviceName: svc ? String(svc.value) : 'unknown_service', tags: rtags.filter((t) => t !== svc) };
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        traceID = s.traceId;
        const start = us(s.startTimeUnixNano);
        const tags = tagsOf(s.attributes);
        if (ss.scope?.name) tags.push({ key: 'otel.scope.name', value: ss.scope.name });
        if (KINDS[s.kind]) tags.push({ key: 'span.kind', value: KINDS[s.kind] });
        const code = s.status?.code;
        if (code === 2 || code === 'STATUS_CODE_ERROR') {
          tags.push({ key: 'otel.status_code', value: 'ERROR' }, { key: 'error', value: true });
          if (s.status.message) tags.push({ key: 'otel.status_description', value: s.status.message });
        } else if (code === 1 || code === 'STATUS_CODE_OK') tags.push({ key: 'otel.status_code', value: 'OK' });
        const references = [];
        if (s.parentSpanId) references.push({ refType: 'CHILD_OF', traceID: s.traceId, spanID: s.parentSpanId });
        for (const l of s.links || []) references.push({ refType: 'FOLLOWS_FROM', traceID: l.traceId, spanID: l.spanId });
        spans.push({
          traceID: s.traceId,
          spanID: s.spanId,
          operationName: s.name,
          references,
          startTime: start,
          duration: Math.max(0, us(s.endTimeUnixNano) - start),
          tags,
          logs: (s.events || []).map((e) => ({ timestamp: us(e.timeUnixNano), fields: [{ key: 'event', value: e.name }, ...tagsOf(e.attributes)] })),
          processID: pid,
        });
      }
    }
  });
  return { traceID, spans, processes };
}
