// Canonical, encoding-independent form of OTLP telemetry, built from two independent sources:
//   - the SDK's own in-memory records (ReadableSpan, ResourceMetrics, ReadableLogRecord): the oracle;
//   - OTLP/JSON documents (what otter's file exporter writes, or a hand-built request).
// Both sides become plain objects with the same shape, so a generic deep diff can name the exact
// field that differs. Proto3 defaults are made explicit (absent == 0 / "" / []), so an encoder may
// omit default values; anything present must match exactly (type, value, order of events/links).
//
// Used only by the interop tests; no state, safe to call from anywhere.

import { ValueType } from '@opentelemetry/api';
import { DataPointType, AggregationTemporality } from '@opentelemetry/sdk-metrics';

// ---- scalars -------------------------------------------------------------------------------------

export function hrTimeToNs(hr) {
  if (hr == null) return '0';
  return (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();
}

// 64-bit integers arrive as decimal strings (proto3 JSON) or numbers; compare as decimal strings.
function u64(x) {
  if (x == null || x === '') return '0';
  return BigInt(x).toString();
}

function f64(x) {
  if (x == null) return 0;
  if (typeof x === 'string') return Number(x); // "NaN", "Infinity", "-Infinity"
  return x;
}

function optF64(x) {
  return x == null ? null : f64(x);
}

function hexId(x) {
  return x == null ? '' : String(x);
}

// ---- AnyValue / attributes -----------------------------------------------------------------------

// Canonical AnyValue: {t: type, v: value}. Unknown JSON shapes are kept visibly ("?keys") so an
// encoder that invents or misspells a key fails the comparison instead of passing as "empty".
export function anyFromJson(v) {
  if (v == null) return { t: 'empty' };
  const keys = Object.keys(v);
  if (keys.length === 0) return { t: 'empty' };
  if (keys.length !== 1) return { t: `?${keys.sort().join(',')}`, v };
  if ('stringValue' in v) return { t: 'string', v: v.stringValue };
  if ('boolValue' in v) return { t: 'bool', v: v.boolValue };
  if ('intValue' in v) return { t: 'int', v: u64(v.intValue) };
  if ('doubleValue' in v) return { t: 'double', v: f64(v.doubleValue) };
  if ('arrayValue' in v) return { t: 'array', v: (v.arrayValue?.values ?? []).map(anyFromJson) };
  if ('kvlistValue' in v) return { t: 'kvlist', v: attrsFromJson(v.kvlistValue?.values) };
  if ('bytesValue' in v) return { t: 'bytes', v: Buffer.from(v.bytesValue, 'base64').toString('hex') };
  return { t: `?${keys[0]}`, v };
}

// Attributes become an object keyed by attribute key (so a diff names the key). A duplicate key
// is kept under "key#dup<n>" so it shows up as an extra attribute.
export function attrsFromJson(list) {
  const out = {};
  for (const kv of list ?? []) {
    let k = kv.key;
    for (let n = 2; k in out; n++) k = `${kv.key}#dup${n}`;
    out[k] = anyFromJson(kv.value);
  }
  return sortKeys(out);
}

// The JS SDK's own typing rule (otlp-transformer toAnyValue): integral numbers are ints, others
// doubles; arrays and plain objects nest; Uint8Array is bytes; null/undefined is empty.
export function anyFromJs(v) {
  if (v == null) return { t: 'empty' };
  if (typeof v === 'string') return { t: 'string', v };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { t: 'int', v: BigInt(v).toString() } : { t: 'double', v };
  }
  if (v instanceof Uint8Array) return { t: 'bytes', v: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return { t: 'array', v: v.map(anyFromJs) };
  if (typeof v === 'object') return { t: 'kvlist', v: attrsFromJs(v) };
  return { t: `?js:${typeof v}` };
}

export function attrsFromJs(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj ?? {})) out[k] = anyFromJs(v);
  return sortKeys(out);
}

function sortKeys(obj) {
  const out = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}

// ---- resource / scope ----------------------------------------------------------------------------

function resourceFromJson(resource, schemaUrl) {
  return {
    attributes: attrsFromJson(resource?.attributes),
    droppedAttributesCount: resource?.droppedAttributesCount ?? 0,
    schemaUrl: schemaUrl ?? '',
  };
}

function scopeFromJson(scope, schemaUrl) {
  return {
    name: scope?.name ?? '',
    version: scope?.version ?? '',
    attributes: attrsFromJson(scope?.attributes),
    droppedAttributesCount: scope?.droppedAttributesCount ?? 0,
    schemaUrl: schemaUrl ?? '',
  };
}

function resourceFromSdk(resource) {
  return {
    attributes: attrsFromJs(resource.attributes),
    droppedAttributesCount: 0,
    schemaUrl: resource.schemaUrl ?? '',
  };
}

function scopeFromSdk(scope) {
  return {
    name: scope.name ?? '',
    version: scope.version ?? '',
    attributes: attrsFromJs(scope.attributes),
    droppedAttributesCount: 0,
    schemaUrl: scope.schemaUrl ?? '',
  };
}

// ---- traces --------------------------------------------------------------------------------------

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

// Span/link flags as the OTLP spec (and the JS SDK) define them: W3C flags in the low byte plus
// the "is-remote known" bit and, for a remote parent/link, the "is remote" bit.
function sdkFlags(traceFlags, isRemote) {
  return ((traceFlags ?? 0) & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

export function spanFromSdk(span) {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: parent?.spanId ?? '',
    traceState: ctx.traceState?.serialize() ?? '',
    flags: sdkFlags(ctx.traceFlags, parent?.isRemote),
    name: span.name,
    kind: span.kind + 1, // API enum has no UNSPECIFIED
    startTimeUnixNano: hrTimeToNs(span.startTime),
    endTimeUnixNano: hrTimeToNs(span.endTime),
    attributes: attrsFromJs(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount ?? 0,
    events: span.events.map((e) => ({
      timeUnixNano: hrTimeToNs(e.time),
      name: e.name,
      attributes: attrsFromJs(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: span.droppedEventsCount ?? 0,
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() ?? '',
      flags: sdkFlags(l.context.traceFlags, l.context.isRemote),
      attributes: attrsFromJs(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
    })),
    droppedLinksCount: span.droppedLinksCount ?? 0,
    status: { code: span.status.code ?? 0, message: span.status.message ?? '' },
    resource: resourceFromSdk(span.resource),
    scope: scopeFromSdk(span.instrumentationScope),
  };
}

function spanFromJson(s, resource, scope) {
  return {
    traceId: hexId(s.traceId),
    spanId: hexId(s.spanId),
    parentSpanId: hexId(s.parentSpanId),
    traceState: s.traceState ?? '',
    flags: s.flags ?? 0,
    name: s.name ?? '',
    kind: s.kind ?? 0,
    startTimeUnixNano: u64(s.startTimeUnixNano),
    endTimeUnixNano: u64(s.endTimeUnixNano),
    attributes: attrsFromJson(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount ?? 0,
    events: (s.events ?? []).map((e) => ({
      timeUnixNano: u64(e.timeUnixNano),
      name: e.name ?? '',
      attributes: attrsFromJson(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount ?? 0,
    links: (s.links ?? []).map((l) => ({
      traceId: hexId(l.traceId),
      spanId: hexId(l.spanId),
      traceState: l.traceState ?? '',
      flags: l.flags ?? 0,
      attributes: attrsFromJson(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
    })),
    droppedLinksCount: s.droppedLinksCount ?? 0,
    status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
    resource,
    scope,
  };
}

// Every item of an OTLP/JSON document (resource -> scope -> items), canonicalised by
// fromJson(item, resource, scope).
function itemsFromJsonDoc(doc, resourceKey, scopeKey, itemKey, fromJson) {
  const out = [];
  for (const r of doc[resourceKey] ?? []) {
    const resource = resourceFromJson(r.resource, r.schemaUrl);
    for (const sc of r[scopeKey] ?? []) {
      const scope = scopeFromJson(sc.scope, sc.schemaUrl);
      for (const item of sc[itemKey] ?? []) out.push(fromJson(item, resource, scope));
    }
  }
  return out;
}

export function spansFromJsonDoc(doc) {
  return itemsFromJsonDoc(doc, 'resourceSpans', 'scopeSpans', 'spans', spanFromJson);
}

// ---- logs ----------------------------------------------------------------------------------------

export function logFromSdk(r) {
  const sc = r.spanContext;
  return {
    timeUnixNano: hrTimeToNs(r.hrTime),
    observedTimeUnixNano: hrTimeToNs(r.hrTimeObserved),
    severityNumber: r.severityNumber ?? 0,
    severityText: r.severityText ?? '',
    eventName: r.eventName ?? '',
    body: anyFromJs(r.body),
    attributes: attrsFromJs(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount ?? 0,
    flags: sc?.traceFlags ?? 0,
    traceId: sc?.traceId ?? '',
    spanId: sc?.spanId ?? '',
    resource: resourceFromSdk(r.resource),
    scope: scopeFromSdk(r.instrumentationScope),
  };
}

function logFromJson(l, resource, scope) {
  return {
    timeUnixNano: u64(l.timeUnixNano),
    observedTimeUnixNano: u64(l.observedTimeUnixNano),
    severityNumber: l.severityNumber ?? 0,
    severityText: l.severityText ?? '',
    eventName: l.eventName ?? '',
    body: anyFromJson(l.body),
    attributes: attrsFromJson(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount ?? 0,
    flags: l.flags ?? 0,
    traceId: hexId(l.traceId),
    spanId: hexId(l.spanId),
    resource,
    scope,
  };
}

export function logsFromJsonDoc(doc) {
  return itemsFromJsonDoc(doc, 'resourceLogs', 'scopeLogs', 'logRecords', logFromJson);
}

// ---- metrics -------------------------------------------------------------------------------------

// A metric is compared per (scope, name); its data points are sorted by their attribute set.
function sortPoints(points) {
  return points
    .map((p) => [JSON.stringify(p.attributes), p])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((x) => x[1]);
}

function exemplarFromJson(e) {
  return {
    timeUnixNano: u64(e.timeUnixNano),
    value: 'asInt' in e ? { int: u64(e.asInt) } : { double: f64(e.asDouble) },
    traceId: hexId(e.traceId),
    spanId: hexId(e.spanId),
    filteredAttributes: attrsFromJson(e.filteredAttributes),
  };
}

function numberPointFromJson(p) {
  return {
    attributes: attrsFromJson(p.attributes),
    startTimeUnixNano: u64(p.startTimeUnixNano),
    timeUnixNano: u64(p.timeUnixNano),
    value: 'asInt' in p ? { int: u64(p.asInt) } : 'asDouble' in p ? { double: f64(p.asDouble) } : {},
    exemplars: (p.exemplars ?? []).map(exemplarFromJson),
    flags: p.flags ?? 0,
  };
}

function histogramPointFromJson(p) {
  return {
    attributes: attrsFromJson(p.attributes),
    startTimeUnixNano: u64(p.startTimeUnixNano),
    timeUnixNano: u64(p.timeUnixNano),
    count: u64(p.count),
    sum: optF64(p.sum),
    bucketCounts: (p.bucketCounts ?? []).map(u64),
    explicitBounds: (p.explicitBounds ?? []).map(f64),
    min: optF64(p.min),
    max: optF64(p.max),
    exemplars: (p.exemplars ?? []).map(exemplarFromJson),
    flags: p.flags ?? 0,
  };
}

function buckets(b) {
  return { offset: b?.offset ?? 0, bucketCounts: (b?.bucketCounts ?? []).map(u64) };
}

function expHistogramPointFromJson(p) {
  return {
    attributes: attrsFromJson(p.attributes),
    startTimeUnixNano: u64(p.startTimeUnixNano),
    timeUnixNano: u64(p.timeUnixNano),
    count: u64(p.count),
    sum: optF64(p.sum),
    scale: p.scale ?? 0,
    zeroCount: u64(p.zeroCount),
    zeroThreshold: f64(p.zeroThreshold),
    positive: buckets(p.positive),
    negative: buckets(p.negative),
    min: optF64(p.min),
    max: optF64(p.max),
    exemplars: (p.exemplars ?? []).map(exemplarFromJson),
    flags: p.flags ?? 0,
  };
}

function summaryPointFromJson(p) {
  return {
    attributes: attrsFromJson(p.attributes),
    startTimeUnixNano: u64(p.startTimeUnixNano),
    timeUnixNano: u64(p.timeUnixNano),
    count: u64(p.count),
    sum: f64(p.sum),
    quantileValues: (p.quantileValues ?? []).map((q) => ({ quantile: f64(q.quantile), value: f64(q.value) })),
    flags: p.flags ?? 0,
  };
}

function metricFromJson(m, resource, scope) {
  const base = {
    name: m.name ?? '',
    description: m.description ?? '',
    unit: m.unit ?? '',
    metadata: attrsFromJson(m.metadata),
    resource,
    scope,
  };
  if (m.sum) {
    return { ...base, type: 'sum', aggregationTemporality: m.sum.aggregationTemporality ?? 0,
      isMonotonic: m.sum.isMonotonic ?? false, dataPoints: sortPoints((m.sum.dataPoints ?? []).map(numberPointFromJson)) };
  }
  if (m.gauge) {
    return { ...base, type: 'gauge', aggregationTemporality: 0, isMonotonic: false,
      dataPoints: sortPoints((m.gauge.dataPoints ?? []).map(numberPointFromJson)) };
  }
  if (m.histogram) {
    return { ...base, type: 'histogram', aggregationTemporality: m.histogram.aggregationTemporality ?? 0,
      isMonotonic: false, dataPoints: sortPoints((m.histogram.dataPoints ?? []).map(histogramPointFromJson)) };
  }
  if (m.exponentialHistogram) {
    return { ...base, type: 'exponentialHistogram',
      aggregationTemporality: m.exponentialHistogram.aggregationTemporality ?? 0, isMonotonic: false,
      dataPoints: sortPoints((m.exponentialHistogram.dataPoints ?? []).map(expHistogramPointFromJson)) };
  }
  if (m.summary) {
    return { ...base, type: 'summary', aggregationTemporality: 0, isMonotonic: false,
      dataPoints: sortPoints((m.summary.dataPoints ?? []).map(summaryPointFromJson)) };
  }
  return { ...base, type: 'none', dataPoints: [] };
}

export function metricsFromJsonDoc(doc) {
  return itemsFromJsonDoc(doc, 'resourceMetrics', 'scopeMetrics', 'metrics', metricFromJson);
}

const SDK_TEMPORALITY = {
  [AggregationTemporality.DELTA]: 1,
  [AggregationTemporality.CUMULATIVE]: 2,
};

// From the SDK's collected ResourceMetrics (the same object handed to every exporter).
export function metricsFromSdk(resourceMetricsList) {
  const out = [];
  for (const rm of resourceMetricsList) {
    const resource = resourceFromSdk(rm.resource);
    for (const sm of rm.scopeMetrics) {
      const scope = scopeFromSdk(sm.scope);
      for (const md of sm.metrics) {
        const d = md.descriptor;
        const base = { name: d.name, description: d.description ?? '', unit: d.unit ?? '', metadata: {},
          resource, scope };
        const pointTimes = (p) => ({
          attributes: attrsFromJs(p.attributes),
          startTimeUnixNano: hrTimeToNs(p.startTime),
          timeUnixNano: hrTimeToNs(p.endTime),
        });
        const number = (p) => ({
          ...pointTimes(p),
          value: d.valueType === ValueType.INT ? { int: BigInt(p.value).toString() } : { double: p.value },
          exemplars: [],
          flags: 0,
        });
        switch (md.dataPointType) {
          case DataPointType.SUM:
            out.push({ ...base, type: 'sum', aggregationTemporality: SDK_TEMPORALITY[md.aggregationTemporality],
              isMonotonic: md.isMonotonic, dataPoints: sortPoints(md.dataPoints.map(number)) });
            break;
          case DataPointType.GAUGE:
            out.push({ ...base, type: 'gauge', aggregationTemporality: 0, isMonotonic: false,
              dataPoints: sortPoints(md.dataPoints.map(number)) });
            break;
          case DataPointType.HISTOGRAM:
            out.push({ ...base, type: 'histogram', aggregationTemporality: SDK_TEMPORALITY[md.aggregationTemporality],
              isMonotonic: false,
              dataPoints: sortPoints(md.dataPoints.map((p) => ({
                ...pointTimes(p),
                count: String(p.value.count),
                sum: p.value.sum ?? null,
                bucketCounts: p.value.buckets.counts.map(String),
                explicitBounds: [...p.value.buckets.boundaries],
                min: p.value.min ?? null,
                max: p.value.max ?? null,
                exemplars: [],
                flags: 0,
              }))) });
            break;
          default:
            throw new Error(`metricsFromSdk: data point type ${md.dataPointType} not used by the workload`);
        }
      }
    }
  }
  return out;
}

// ---- comparison ----------------------------------------------------------------------------------

function isPlainObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function sameScalar(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || (a === b);
  return a === b;
}

// Generic structural diff; appends "path: expected X, got Y" lines to out (bounded).
export function deepDiff(exp, act, path, out, limit = 60) {
  if (out.length >= limit) return out;
  if (Array.isArray(exp) && Array.isArray(act)) {
    if (exp.length !== act.length) {
      out.push(`${path}: expected ${exp.length} elements, got ${act.length}`);
    }
    const n = Math.min(exp.length, act.length);
    for (let i = 0; i < n; i++) deepDiff(exp[i], act[i], `${path}[${i}]`, out, limit);
    return out;
  }
  if (isPlainObject(exp) && isPlainObject(act)) {
    const keys = new Set([...Object.keys(exp), ...Object.keys(act)]);
    for (const k of keys) {
      const p = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
      if (!(k in act)) out.push(`${p}: missing (expected ${show(exp[k])})`);
      else if (!(k in exp)) out.push(`${p}: unexpected ${show(act[k])}`);
      else deepDiff(exp[k], act[k], p, out, limit);
      if (out.length >= limit) break;
    }
    return out;
  }
  if (!sameScalar(exp, act)) out.push(`${path}: expected ${show(exp)}, got ${show(act)}`);
  return out;
}

function show(x) {
  const s = JSON.stringify(x, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  return s === undefined ? String(x) : s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

// Pairs records by a key; reports missing, unexpected and duplicated records, then diffs pairs.
function compareKeyed(kind, expected, actual, keyOf, labelOf) {
  const out = [];
  const exp = new Map();
  for (const e of expected) {
    const k = keyOf(e);
    if (exp.has(k)) throw new Error(`oracle has duplicate ${kind} key ${k}`);
    exp.set(k, e);
  }
  const act = new Map();
  for (const a of actual) {
    const k = keyOf(a);
    if (act.has(k)) out.push(`${kind} ${labelOf(a)}: received more than once`);
    else act.set(k, a);
  }
  for (const [k, e] of exp) {
    if (!act.has(k)) out.push(`${kind} ${labelOf(e)}: missing`);
    else deepDiff(e, act.get(k), `${kind} ${labelOf(e)}`, out);
  }
  for (const [k, a] of act) if (!exp.has(k)) out.push(`${kind} ${labelOf(a)}: unexpected`);
  return out;
}

export function compareSpans(expected, actual) {
  return compareKeyed('span', expected, actual, (s) => `${s.traceId}/${s.spanId}`,
    (s) => `${s.traceId}/${s.spanId} (${JSON.stringify(s.name)})`);
}

export function compareMetrics(expected, actual) {
  return compareKeyed('metric', expected, actual, (m) => `${m.scope.name}|${m.name}`,
    (m) => `${m.scope.name}|${m.name}`);
}

// Log records have no identity of their own: sort both sides by time and content, pair in order.
export function compareLogs(expected, actual) {
  const keyed = (l) => `${l.timeUnixNano.padStart(20, '0')}|${l.observedTimeUnixNano.padStart(20, '0')}|${JSON.stringify(l.body)}|${JSON.stringify(l.attributes)}`;
  const sort = (list) => [...list].sort((a, b) => (keyed(a) < keyed(b) ? -1 : keyed(a) > keyed(b) ? 1 : 0));
  const out = [];
  const e = sort(expected);
  const a = sort(actual);
  if (e.length !== a.length) out.push(`logs: expected ${e.length} records, got ${a.length}`);
  for (let i = 0; i < Math.min(e.length, a.length); i++) deepDiff(e[i], a[i], `log[${i}]`, out);
  return out;
}
