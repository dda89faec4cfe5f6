"""Just enough tracing for the demo's Python services, standard library only: server/client/
producer/consumer spans with W3C propagation (otter_logging's traceparent helpers), exported in
batches as OTLP/HTTP JSON, and a counter + histogram as OTLP/HTTP JSON metrics. Services that can
install packages would use the official SDK instead; otter_logging works with both."""

import contextlib
import contextvars
import json
import os
import threading
import time
import urllib.request

import otter_logging as ol

_current = contextvars.ContextVar("demo_span", default=None)
_ENDPOINT = (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "http://localhost:4318").rstrip("/")
_SERVICE = os.environ.get("OTEL_SERVICE_NAME", "python-service")
_RESOURCE = {"attributes": [{"key": "service.name", "value": {"stringValue": _SERVICE}},
                            {"key": "telemetry.sdk.language", "value": {"stringValue": "python"}}]}
_KINDS = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
_lock = threading.Lock()
_spans = []
_counters = {}  # (name, attrs tuple) -> value
_histograms = {}  # (name, attrs tuple) -> [count, sum, bucket counts]
_BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000]
_START_NS = time.time_ns()


def _attrs(d):
    out = []
    for k, v in d.items():
        if isinstance(v, bool):
            out.append({"key": k, "value": {"boolValue": v}})
        elif isinstance(v, int):
            out.append({"key": k, "value": {"intValue": str(v)}})
        elif isinstance(v, float):
            out.append({"key": k, "value": {"doubleValue": v}})
        else:
            out.append({"key": k, "value": {"stringValue": str(v)}})
    return out


class Span:
    def __init__(self, name, kind, parent, attributes):
        self.name, self.kind, self.attributes = name, kind, dict(attributes or {})
        self.trace_id = parent.trace_id if parent else ol.new_trace_id()
        self.parent_id = parent.span_id if parent else ""
        self.span_id = ol.new_span_id()
        self.start = time.time_ns()
        self.status, self.message, self.events = 0, "", []

    @property
    def context(self):
        return ol.TraceContext(self.trace_id, self.span_id, 1)

    def error(self, message):
        self.status, self.message = 2, message

    def to_otlp(self, end):
        s = {"traceId": self.trace_id, "spanId": self.span_id, "name": self.name,
             "kind": _KINDS[self.kind], "startTimeUnixNano": str(self.start),
             "endTimeUnixNano": str(end), "attributes": _attrs(self.attributes),
             "events": self.events, "status": {"code": self.status, "message": self.message}}
        if self.parent_id:
            s["parentSpanId"] = self.parent_id
        return s


@contextlib.contextmanager
def span(name, kind="internal", parent=None, attributes=None):
    """A span, current for the block (the log helper then stamps its ids on log records). The
    parent is `parent` (a TraceContext, e.g. from an incoming traceparent) or the current span."""
    parent = parent or _current.get()
    s = Span(name, kind, parent.context if isinstance(parent, Span) else parent, attributes)
    token = _current.set(s)
    try:
        with ol.use_traceparent(s.context):
            yield s
    except Exception as e:
        s.events.append({"timeUnixNano": str(time.time_ns()), "name": "exception", "attributes": _attrs(
            {"exception.type": type(e).__name__, "exception.message": str(e)})})
        s.error(str(e))
        raise
    finally:
        _current.reset(token)
        with _lock:
            _spans.append(s.to_otlp(time.time_ns()))


def add(name, value, **attrs):
    with _lock:
        key = (name, tuple(sorted(attrs.items())))
        _counters[key] = _counters.get(key, 0) + value


def record(name, value, **attrs):
    with _lock:
        key = (name, tuple(sorted(attrs.items())))
        h = _histograms.setdefault(key, [0, 0.0, [0] * (len(_BOUNDS) + 1)])
        h[0] += 1
        h[1] += value
        h[2][next((i for i, b in enumerate(_BOUNDS) if value <= b), len(_BOUNDS))] += 1


def _post(path, body):
    req = urllib.request.Request(_ENDPOINT + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()
    except OSError as e:
        print("export to %s failed: %s" % (path, e), flush=True)


def flush():
    with _lock:
        spans, _spans[:] = list(_spans), []
        now = str(time.time_ns())
        sums = [{"name": n, "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": [
            {"attributes": _attrs(dict(a)), "startTimeUnixNano": str(_START_NS), "timeUnixNano": now,
             "asInt": str(v)}]}} for (n, a), v in _counters.items()]
        hists = [{"name": n, "unit": "ms", "histogram": {"aggregationTemporality": 2, "dataPoints": [
            {"attributes": _attrs(dict(a)), "startTimeUnixNano": str(_START_NS), "timeUnixNano": now,
             "count": str(h[0]), "sum": h[1], "explicitBounds": _BOUNDS,
             "bucketCounts": [str(c) for c in h[2]]}]}} for (n, a), h in _histograms.items()]
    if spans:
        _post("/v1/traces", {"resourceSpans": [{"resource": _RESOURCE, "scopeSpans": [
            {"scope": {"name": "demo-tracing"}, "spans": spans}]}]})
    if sums or hists:
        _post("/v1/metrics", {"resourceMetrics": [{"resource": _RESOURCE, "scopeMetrics": [
            {"scope": {"name": "demo-tracing"}, "metrics": sums + hists}]}]})


def start_exporter(interval=1.0):
    def loop():
        while True:
            time.sleep(interval)
            flush()
    threading.Thread(target=loop, daemon=True).start()
