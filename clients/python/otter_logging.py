"""Trace-correlated logging for Python services, standard library only.

Works with or without the official OpenTelemetry SDK installed. The trace context of a log record
comes from, in order:

1. the active OpenTelemetry span, when the ``opentelemetry`` API is importable and a valid span is
   current;
2. the context set with :func:`use_traceparent` (e.g. from an incoming request's ``traceparent``
   header) in this thread / asyncio task;
3. the ``TRACEPARENT`` environment variable (set by ``otter span`` for the commands it runs).

Pieces:

* :class:`JsonFormatter`: one JSON object per record with ``trace_id``, ``span_id`` and
  ``trace_flags`` (the seed's structured-log layout, fixed: ids are lowercase hex, absent when
  there is no context, extras are kept, exceptions are included).
* :class:`TraceContextFilter`: adds ``trace_id`` / ``span_id`` / ``trace_flags`` attributes to
  records, for ``%(trace_id)s`` in plain format strings.
* :class:`OtlpLogHandler`: sends records as OTLP/HTTP JSON to ``<endpoint>/v1/logs`` in batches,
  from a background thread, never raising into the application.
* W3C helpers: :func:`parse_traceparent`, :func:`format_traceparent`, :func:`new_trace_id`,
  :func:`new_span_id`, :func:`traceparent_from_headers`.
"""

import contextlib
import contextvars
import datetime
import json
import logging
import os
import queue
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from typing import Mapping, NamedTuple, Optional

__all__ = [
    "TraceContext", "parse_traceparent", "format_traceparent", "new_trace_id", "new_span_id",
    "traceparent_from_headers", "use_traceparent", "current_trace_context", "JsonFormatter",
    "TraceContextFilter", "OtlpLogHandler", "severity_number",
]

_HEX = re.compile(r"\A[0-9a-f]+\Z")


class TraceContext(NamedTuple):
    trace_id: str  # 32 lowercase hex
    span_id: str  # 16 lowercase hex
    flags: int = 1

    @property
    def sampled(self) -> bool:
        return bool(self.flags & 1)

    @property
    def traceparent(self) -> str:
        return format_traceparent(self.trace_id, self.span_id, self.flags)


def parse_traceparent(value: Optional[str]) -> Optional[TraceContext]:
    """Parses a W3C traceparent; None when absent or invalid (as a W3C receiver treats it).

    Version 00 is exactly ``00-<32 hex>-<16 hex>-<2 hex>``; later versions may append fields
    after a '-'; version ff, uppercase hex and all-zero ids are invalid.
    """
    if not value:
        return None
    v = value.strip(" \t")
    if len(v) < 55 or v[2] != "-" or v[35] != "-" or v[52] != "-":
        return None
    version, trace_id, span_id, flags = v[0:2], v[3:35], v[36:52], v[53:55]
    if not all(_HEX.match(p) for p in (version, trace_id, span_id, flags)) or version == "ff":
        return None
    if version == "00" and len(v) != 55:
        return None
    if len(v) > 55 and v[55] != "-":
        return None
    if trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return TraceContext(trace_id, span_id, int(flags, 16))


def format_traceparent(trace_id: str, span_id: str, flags: int = 1) -> str:
    return "00-%s-%s-%02x" % (trace_id, span_id, flags & 0xFF)


def new_trace_id() -> str:
    """32 lowercase hex from the OS's cryptographic source, never all-zero."""
    while True:
        t = secrets.token_hex(16)
        if t != "0" * 32:
            return t


def new_span_id() -> str:
    while True:
        s = secrets.token_hex(8)
        if s != "0" * 16:
            return s


def traceparent_from_headers(headers: Mapping) -> Optional[TraceContext]:
    """The context of an incoming request's ``traceparent`` header (any header mapping: dict,
    http.client.HTTPMessage, a WSGI environ with HTTP_TRACEPARENT)."""
    if headers is None:
        return None
    get = getattr(headers, "get", None)
    value = None
    if get is not None:
        value = get("traceparent") or get("Traceparent") or get("HTTP_TRACEPARENT")
    if value is None:
        for k, v in getattr(headers, "items", lambda: [])():
            if str(k).lower() == "traceparent":
                value = v
                break
    return parse_traceparent(value)


_current: contextvars.ContextVar = contextvars.ContextVar("otter_trace_context", default=None)


@contextlib.contextmanager
def use_traceparent(context):
    """Makes `context` (a TraceContext or a traceparent string) current for the block."""
    if isinstance(context, str):
        context = parse_traceparent(context)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def _otel_context() -> Optional[TraceContext]:
    try:
        from opentelemetry import trace  # noqa: WPS433 (optional dependency)
    except ImportError:
        return None
    try:
        ctx = trace.get_current_span().get_span_context()
        if not ctx.is_valid:
            return None
        return TraceContext("%032x" % ctx.trace_id, "%016x" % ctx.span_id, int(ctx.trace_flags))
    except Exception:  # a broken API must not break logging
        return None


def current_trace_context() -> Optional[TraceContext]:
    return _otel_context() or _current.get() or parse_traceparent(os.environ.get("TRACEPARENT"))


# logging.LogRecord's own attributes: everything else on a record is an `extra=` field.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "trace_id", "span_id", "trace_flags"}


def _extras(record: logging.LogRecord) -> dict:
    return {k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")}


def _record_context(record: logging.LogRecord) -> Optional[TraceContext]:
    # A context captured by TraceContextFilter (or passed as extra=) wins: the record may be
    # formatted later on another thread, where the span is no longer current.
    tid, sid = getattr(record, "trace_id", None), getattr(record, "span_id", None)
    if tid and sid:
        return TraceContext(tid, sid, int(getattr(record, "trace_flags", 1) or 0))
    return current_trace_context()


class TraceContextFilter(logging.Filter):
    """Adds trace_id, span_id and trace_flags to every record ('' / 0 without a context)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _record_context(record)
        record.trace_id = ctx.trace_id if ctx else ""
        record.span_id = ctx.span_id if ctx else ""
        record.trace_flags = ctx.flags if ctx else 0
        return True


def _rfc3339(created: float) -> str:
    dt = datetime.datetime.fromtimestamp(created, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp (RFC 3339, UTC, ms), severity, message, trace_id,
    span_id, trace_flags (only with a context), service.name, logger, function, line, the
    record's extra fields, and exception text when there is one."""

    def __init__(self, service_name: Optional[str] = None):
        super().__init__()
        self.service_name = service_name or os.environ.get("OTEL_SERVICE_NAME") or "unknown_service"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": _rfc3339(record.created),
            "severity": record.levelname,
            "message": record.getMessage(),
        }
        ctx = _record_context(record)
        if ctx:
            entry["trace_id"] = ctx.trace_id
            entry["span_id"] = ctx.span_id
            entry["trace_flags"] = "%02x" % ctx.flags
        entry["service.name"] = self.service_name
        entry["logger"] = record.name
        entry["function"] = record.funcName
        entry["line"] = record.lineno
        for k, v in _extras(record).items():
            entry.setdefault(k, v)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def severity_number(levelno: int) -> int:
    """OTel SeverityNumber for a logging level (DEBUG 5, INFO 9, WARNING 13, ERROR 17,
    CRITICAL 21; levels in between map to the range they fall in)."""
    if levelno >= logging.CRITICAL:
        return 21
    if levelno >= logging.ERROR:
        return 17
    if levelno >= logging.WARNING:
        return 13
    if levelno >= logging.INFO:
        return 9
    if levelno >= logging.DEBUG:
        return 5
    return 1


def _any_value(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}  # int64 travels as a string in OTLP/JSON
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, (list, tuple)):
        return {"arrayValue": {"values": [_any_value(x) for x in v]}}
    return {"stringValue": str(v)}


def _resource_attributes(service_name: str) -> list:
    attrs = {}
    for item in filter(None, (os.environ.get("OTEL_RESOURCE_ATTRIBUTES") or "").split(",")):
        k, sep, v = item.partition("=")
        if sep and k.strip():
            attrs[k.strip()] = urllib.request.unquote(v.strip())
    attrs["service.name"] = service_name
    attrs.setdefault("telemetry.sdk.name", "otter_logging")
    attrs.setdefault("telemetry.sdk.language", "python")
    return [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()]


def _headers_from_env() -> dict:
    headers = {}
    for item in filter(None, (os.environ.get("OTEL_EXPORTER_OTLP_HEADERS") or "").split(",")):
        k, sep, v = item.partition("=")
        if sep and k.strip():
            headers[k.strip()] = urllib.request.unquote(v.strip())
    return headers


class OtlpLogHandler(logging.Handler):
    """Sends records as OTLP/HTTP JSON log records (with the trace context) to
    ``endpoint`` (default ``$OTEL_EXPORTER_OTLP_LOGS_ENDPOINT``, else
    ``$OTEL_EXPORTER_OTLP_ENDPOINT/v1/logs``, else http://localhost:4318/v1/logs).

    Records queue up (at most `max_queue`; more are counted in ``dropped``) and a daemon thread
    posts them every `interval` seconds or `batch_size` records. Failures are retried on the next
    round up to `max_attempts` times and never raise into the application; the last error is in
    ``last_error``. :meth:`flush` sends what is queued now.
    """

    def __init__(self, endpoint: Optional[str] = None, service_name: Optional[str] = None,
                 headers: Optional[dict] = None, interval: float = 1.0, batch_size: int = 512,
                 max_queue: int = 10000, timeout: float = 5.0, max_attempts: int = 3):
        super().__init__()
        if endpoint is None:
            endpoint = os.environ.get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
        if endpoint is None:
            base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "http://localhost:4318"
            endpoint = base.rstrip("/") + "/v1/logs"
        self.endpoint = endpoint
        self.service_name = service_name or os.environ.get("OTEL_SERVICE_NAME") or "unknown_service"
        self.headers = {**_headers_from_env(), **(headers or {})}
        self._resource = _resource_attributes(self.service_name)
        self.interval, self.batch_size, self.timeout = interval, batch_size, timeout
        self.max_attempts = max_attempts
        self.dropped = 0
        self.sent = 0
        self.last_error = None
        self._queue = queue.Queue(maxsize=max_queue)
        self._send_lock = threading.Lock()
        self._pending = []  # a batch that failed, retried first
        self._attempts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="otter-otlp-logs", daemon=True)
        self._thread.start()

    def _to_otlp(self, record: logging.LogRecord) -> dict:
        ns = int(record.created * 1e9)
        out = {
            "timeUnixNano": str(ns),
            "observedTimeUnixNano": str(time.time_ns()),
            "severityNumber": severity_number(record.levelno),
            "severityText": record.levelname,
            "body": {"stringValue": record.getMessage()},
            "attributes": [{"key": "code.function", "value": {"stringValue": record.funcName}},
                           {"key": "code.lineno", "value": {"intValue": str(record.lineno)}},
                           {"key": "logger.name", "value": {"stringValue": record.name}}]
            + [{"key": k, "value": _any_value(v)} for k, v in _extras(record).items()],
        }
        if record.exc_info:
            exc_type, exc, _ = record.exc_info
            out["attributes"] += [
                {"key": "exception.type", "value": {"stringValue": exc_type.__name__}},
                {"key": "exception.message", "value": {"stringValue": str(exc)}},
                {"key": "exception.stacktrace",
                 "value": {"stringValue": logging.Formatter().formatException(record.exc_info)}}]
        ctx = _record_context(record)
        if ctx:
            out["traceId"] = ctx.trace_id
            out["spanId"] = ctx.span_id
            out["flags"] = ctx.flags
        return out

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._queue.put_nowait(self._to_otlp(record))
        except queue.Full:
            self.dropped += 1
        except Exception:
            self.handleError(record)

    def _post(self, records: list) -> None:
        body = json.dumps({"resourceLogs": [{
            "resource": {"attributes": self._resource},
            "scopeLogs": [{"scope": {"name": "otter_logging"}, "logRecords": records}],
        }]}).encode()
        req = urllib.request.Request(self.endpoint, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **self.headers})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            resp.read()

    def flush(self) -> None:
        with self._send_lock:
            while True:
                batch = self._pending
                while len(batch) < self.batch_size:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if not batch:
                    return
                try:
                    self._post(batch)
                    self.sent += len(batch)
                    self._pending, self._attempts = [], 0
                except (urllib.error.URLError, OSError, ValueError) as e:
                    self.last_error = e
                    self._attempts += 1
                    if self._attempts >= self.max_attempts:
                        self.dropped += len(batch)
                        self._pending, self._attempts = [], 0
                    else:
                        self._pending = batch
                    return

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        self.flush()
        super().close()
