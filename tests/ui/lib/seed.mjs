// The UI tests' deterministic OTLP data set: 4 services, normal and error traces, one 10k-span
// trace, one 6-day-old trace, logs with and without stored traces (one a JSON line), a
// histogram with exemplars, a checkout counter whose errors (with exemplars of the error traces)
// fire the alert rule of RULES, and a gauge with one spike for the anomaly bands. Ids come from a
// counter, times from `nowMs`, so every count the tests assert follows from the constants here.

export const SERVICES = ['frontend', 'checkout', 'payment', 'inventory'];
export const NORMAL_TRACES = 20;
export const ERROR_TRACES = 5;
export const BIG_CHILDREN = 99; // root + 99 children × 100 grandchildren = 10 000 spans
export const BIG_GRANDCHILDREN = 100;
export const ORPHAN_LOGS = 3; // logs whose trace id is not stored
// In this normal checkout the checkout service answers 409 once: frontend's client span fails,
// checkout's server span does not (a 4xx), and the map counts the call as failed.
export const CLIENT_ERROR_TRACE = 3;
export const QUEUE_SPIKE_AGO_S = 120; // the queue-depth gauge jumps to 60 this long before `nowMs`
export const SPIKE_S = 30; // for this long

// The rule file of the seeded otter: the checkout error ratio fires at once (5 of the 11
// checkouts of the last 5 minutes failed, none before), the queue depth stays pending (`for:
// 1h`), the anomaly rule stays inactive (the spike is over by the time it is evaluated).
export const RULES = `groups:
  - name: checkout
    interval: 1s
    rules:
      - record: ui:checkout_error_ratio:5m
        expr: sum(rate(ui_checkout_requests_total{status="error"}[5m])) / sum(rate(ui_checkout_requests_total[5m]))
      - alert: CheckoutErrorsHigh
        expr: sum(rate(ui_checkout_requests_total{status="error"}[5m])) / sum(rate(ui_checkout_requests_total[5m])) > 0.2
        labels:
          severity: page
          service: checkout
        annotations:
          summary: '{{ $value | humanizePercentage }} of checkouts fail'
          runbook_url: https://runbooks.example.com/checkout-errors
  - name: queue
    interval: 1s
    rules:
      - alert: QueueDepthHigh
        expr: ui_queue_depth > 15
        for: 1h
        labels:
          severity: ticket
        annotations:
          summary: 'queue depth {{ $value }}'
      - alert: QueueDepthAnomalous
        expr: anomaly_score(ui_queue_depth[10m]) > 0.5
        labels:
          severity: ticket
`;

const hex = (n, width) => n.toString(16).padStart(width, '0');
const traceId = (n) => 'a0a0' + hex(n, 28);
const spanId = (t, n) => hex(t, 8) + hex(n, 8);
const attr = (key, value) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : typeof value === 'boolean' ? { boolValue: value } : { stringValue: value } });
const ns = (ms) => String(BigInt(Math.round(ms * 1000)) * 1000n);

function resource(service) {
  return { attributes: [attr('service.name', service), attr('deployment.environment', 'test')] };
}

// Groups spans by service into one OTLP/JSON request.
function traceRequest(spans) {
  const by = new Map();
  for (const s of spans) {
    if (!by.has(s.service)) by.set(s.service, []);
    const { service, ...span } = s;
    by.get(s.service).push(span);
  }
  return {
    resourceSpans: [...by].map(([svc, list]) => ({ resource: resource(svc), scopeSpans: [{ scope: { name: 'otter-ui-seed' }, spans: list }] })),
  };
}

function span(service, t, n, parent, name, kind, startMs, durMs, extra = {}) {
  return {
    service,
    traceId: traceId(t),
    spanId: spanId(t, n),
    parentSpanId: parent === null ? '' : spanId(t, parent),
    name,
    kind,
    startTimeUnixNano: ns(startMs),
    endTimeUnixNano: ns(startMs + durMs),
    attributes: extra.attributes || [],
    status: extra.error ? { code: 2, message: extra.message || 'card declined' } : {},
    events: extra.events || [],
  };
}

// A checkout: 7 spans over the 4 services. `error`: payment fails.
function checkoutTrace(t, startMs, error) {
  const d = 40 + (t % 7) * 10; // 40..100 ms
  return [
    span('frontend', t, 1, null, 'GET /checkout', 2, startMs, d + 20, { attributes: [attr('http.method', 'GET'), attr('http.route', '/checkout'), attr('http.status_code', error ? 500 : 200), attr('seed.index', t)] }),
    span('frontend', t, 2, 1, 'POST checkout', 3, startMs + 2, d + 15, {
      attributes: [attr('peer.service', 'checkout'), attr('http.response.status_code', t === CLIENT_ERROR_TRACE ? 409 : 200)],
      error: t === CLIENT_ERROR_TRACE,
      message: '409 Conflict',
    }),
    span('checkout', t, 3, 2, 'POST /order', 2, startMs + 4, d + 10, { attributes: [attr('order.items', 1 + (t % 4))] }),
    span('checkout', t, 4, 3, 'charge', 3, startMs + 6, d / 2, {}),
    span('payment', t, 5, 4, 'Charge', 2, startMs + 7, d / 2 - 2, { error, attributes: [attr('payment.method', 'card')], events: error ? [{ name: 'exception', timeUnixNano: ns(startMs + 8), attributes: [attr('exception.message', 'card declined')] }] : [] }),
    span('checkout', t, 6, 3, 'reserve', 3, startMs + 8 + d / 2, d / 3, {}),
    span('inventory', t, 7, 6, 'Reserve', 2, startMs + 9 + d / 2, d / 3 - 2, { attributes: [attr('sku', `sku-${t % 5}`)] }),
  ];
}

function bigTrace(t, startMs) {
  const spans = [span('frontend', t, 0, null, 'GET /big-report', 2, startMs, 5000, { attributes: [attr('report.rows', 9900)] })];
  let n = 1;
  for (let c = 0; c < BIG_CHILDREN; c++) {
    const cid = n++;
    const cStart = startMs + c * 50;
    spans.push(span('frontend', t, cid, 0, 'load-batch', 1, cStart, 48, { attributes: [attr('batch', c)] }));
    for (let g = 0; g < BIG_GRANDCHILDREN; g++) spans.push(span('frontend', t, n++, cid, 'read-row', 1, cStart + g * 0.4, 0.3, { attributes: [attr('row', c * 100 + g)] }));
  }
  return spans;
}

function logRecord(service, ms, body, severity, t, n) {
  return {
    service,
    timeUnixNano: ns(ms),
    severityText: severity,
    severityNumber: { DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17 }[severity],
    body: { stringValue: body },
    traceId: t === null ? '' : traceId(t),
    spanId: t === null ? '' : spanId(t, n),
    attributes: [],
  };
}

function logsRequest(records) {
  const by = new Map();
  for (const r of records) {
    if (!by.has(r.service)) by.set(r.service, []);
    const { service, ...rec } = r;
    by.get(r.service).push(rec);
  }
  return { resourceLogs: [...by].map(([svc, list]) => ({ resource: resource(svc), scopeLogs: [{ scope: { name: 'otter-ui-seed' }, logRecords: list }] })) };
}

// Checkouts by status, a cumulative counter sampled every 10 s over the last 30 minutes: one ok
// checkout every 20 s up to the last normal trace, then the 5 error traces' checkouts, each
// counted with an exemplar of its trace.
function checkoutCounter(nowMs, t0) {
  const first = nowMs - 30 * 60e3;
  const lastOk = t0 + NORMAL_TRACES * 20e3;
  const errors = [...Array(ERROR_TRACES).keys()].map((i) => ({ t: NORMAL_TRACES + 1 + i, ms: t0 + (NORMAL_TRACES + 1 + i) * 20e3 }));
  const ok = [];
  const failed = [];
  for (let ms = first; ms <= nowMs; ms += 10e3) {
    const okCount = Math.floor((Math.min(ms, lastOk) - first) / 20e3) + 1;
    const now = errors.filter((e) => e.ms <= ms && e.ms > ms - 10e3);
    const errCount = errors.filter((e) => e.ms <= ms).length;
    const p = (status, count, ex) => ({
      attributes: [attr('status', status)],
      startTimeUnixNano: ns(first - 1000),
      timeUnixNano: ns(ms),
      asInt: String(count),
      exemplars: ex.map((e) => ({ timeUnixNano: ns(e.ms), asInt: '1', traceId: traceId(e.t), spanId: spanId(e.t, 1) })),
    });
    ok.push(p('ok', okCount, []));
    failed.push(p('error', errCount, now));
  }
  return { name: 'ui.checkout.requests', description: 'checkouts by status', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [...ok, ...failed] } };
}

// Queue depth, a gauge sampled every 2 s over the last 20 minutes: a triangle wave between 16
// and 24 (period 200 s) that jumps to 60 for SPIKE_S seconds QUEUE_SPIKE_AGO_S before `nowMs`.
// (A shape otter's detector learns within the chart's window, so the jump is what scores.)
function queueGauge(nowMs) {
  const points = [];
  for (let i = 0; i < 600; i++) {
    const ms = nowMs - (599 - i) * 2e3;
    const ago = (nowMs - ms) / 1e3;
    const wave = 20 + 4 * (1 - 2 * Math.abs(((i % 100) / 100) * 2 - 1));
    const spike = ago <= QUEUE_SPIKE_AGO_S && ago > QUEUE_SPIKE_AGO_S - SPIKE_S;
    points.push({ timeUnixNano: ns(ms), asDouble: spike ? 60 : +wave.toFixed(3) });
  }
  return { name: 'ui.queue.depth', description: 'jobs waiting', gauge: { dataPoints: points } };
}

export function buildSeed(nowMs) {
  const t0 = nowMs - 10 * 60e3; // traces spread over the last 10 minutes
  const traces = [];
  const logs = [];
  const expected = { normal: [], errors: [], traceLogs: {} };
  const total = NORMAL_TRACES + ERROR_TRACES;
  for (let t = 1; t <= total; t++) {
    const error = t > NORMAL_TRACES;
    const start = t0 + t * 20e3;
    traces.push(...checkoutTrace(t, start, error));
    (error ? expected.errors : expected.normal).push(traceId(t));
    logs.push(logRecord('checkout', start + 5, `order received: ${1 + (t % 4)} items`, 'INFO', t, 3));
    logs.push(logRecord('payment', start + 8, error ? 'charge failed: card declined' : 'charge ok', error ? 'ERROR' : 'INFO', t, 5));
    expected.traceLogs[traceId(t)] = 2;
  }
  const bigId = 1000;
  const big = bigTrace(bigId, nowMs - 3 * 60e3);
  const oldId = 2000;
  const oldStart = nowMs - 6 * 86400e3;
  const old = [span('frontend', oldId, 1, null, 'GET /old-report', 2, oldStart, 120, {}), span('checkout', oldId, 2, 1, 'POST /order', 2, oldStart + 10, 80, {})];
  for (let i = 0; i < ORPHAN_LOGS; i++) logs.push(logRecord('frontend', nowMs - 60e3 + i * 1000, `cache miss for session s-${i}`, 'WARN', 3000 + i, 1));
  logs.push(logRecord('frontend', nowMs - 30e3, '{"event":"login","user":"u-17","ok":true}', 'INFO', null, 0));

  // A histogram with one exemplar per point, pointing at the first normal trace and the first
  // error trace.
  const point = (ms, count, exT, exVal) => ({
    attributes: [attr('http.route', '/checkout')],
    startTimeUnixNano: ns(t0),
    timeUnixNano: ns(ms),
    count: String(count),
    sum: count * 0.06,
    bucketCounts: [String(count - 2), String(1), String(1)],
    explicitBounds: [0.05, 0.1],
    exemplars: [{ timeUnixNano: ns(ms - 1000), asDouble: exVal, traceId: traceId(exT), spanId: spanId(exT, 1) }],
  });
  const metrics = {
    resourceMetrics: [
      {
        resource: resource('frontend'),
        scopeMetrics: [
          {
            scope: { name: 'otter-ui-seed' },
            metrics: [
              {
                name: 'ui.request.duration',
                unit: 's',
                description: 'request duration',
                histogram: { aggregationTemporality: 2, dataPoints: [point(nowMs - 5 * 60e3, 10, 1, 0.06), point(nowMs - 60e3, 25, total, 0.12)] },
              },
              checkoutCounter(nowMs, t0),
              queueGauge(nowMs),
            ],
          },
        ],
      },
    ],
  };
  return {
    requests: {
      traces: [traceRequest(traces), traceRequest(big), traceRequest(old)],
      logs: [logsRequest(logs)],
      metrics: [metrics],
    },
    expected: {
      ...expected,
      bigTraceId: traceId(bigId),
      bigSpans: 1 + BIG_CHILDREN * (1 + BIG_GRANDCHILDREN),
      oldTraceId: traceId(oldId),
      orphanTraceIds: [...Array(ORPHAN_LOGS).keys()].map((i) => traceId(3000 + i)),
      exemplarTraceIds: [traceId(1), traceId(total)],
      entrySpans: { frontend: total + 1, checkout: total, payment: total, inventory: total },
      paymentErrorPct: (100 * ERROR_TRACES) / total,
      edges: { 'frontend->checkout': total, 'checkout->payment': total, 'checkout->inventory': total },
      edgeErrors: { 'frontend->checkout': 1, 'checkout->payment': ERROR_TRACES, 'checkout->inventory': 0 },
      // CheckoutErrorsHigh's exemplar traces: the error traces' checkouts.
      alertTraceIds: expected.errors,
      queueSpikeMs: [nowMs - QUEUE_SPIKE_AGO_S * 1e3, nowMs - (QUEUE_SPIKE_AGO_S - SPIKE_S) * 1e3],
      spansAccepted: traces.length + big.length + old.length,
      logCount: logs.length,
    },
  };
}
