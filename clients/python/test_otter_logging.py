"""Tests of otter_logging (python3 -m unittest, run by ctest as clients_python)."""

import http.server
import io
import json
import logging
import os
import sys
import threading
import types
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import otter_logging as ol  # noqa: E402

TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def fake_opentelemetry(trace_id, span_id, flags=1, valid=True):
    """A stand-in for the `opentelemetry` API package: just the calls the helper makes
    (trace.get_current_span().get_span_context() with trace_id/span_id ints, trace_flags,
    is_valid), so the with-SDK path runs without the SDK installed."""
    ctx = types.SimpleNamespace(trace_id=trace_id, span_id=span_id, trace_flags=flags,
                                is_valid=valid)
    span = types.SimpleNamespace(get_span_context=lambda: ctx)
    trace = types.ModuleType("opentelemetry.trace")
    trace.get_current_span = lambda: span
    pkg = types.ModuleType("opentelemetry")
    pkg.trace = trace
    return {"opentelemetry": pkg, "opentelemetry.trace": trace}


def capture(formatter=None, filt=None):
    stream = io.StringIO()
    logger = logging.getLogger("test.%d" % id(stream))
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    h = logging.StreamHandler(stream)
    if formatter:
        h.setFormatter(formatter)
    if filt:
        h.addFilter(filt)
    logger.addHandler(h)
    return logger, stream


class TraceParentTest(unittest.TestCase):
    def test_parse_valid(self):
        self.assertEqual(ol.parse_traceparent(" " + TP + "\t"),
                         ol.TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1))
        ctx = ol.parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-08-extra")
        self.assertEqual(ctx.flags, 8)
        self.assertFalse(ctx.sampled)

    def test_parse_invalid(self):
        for bad in [None, "", TP[:-1], TP + "-x", TP.upper(), "ff" + TP[2:],
                    "00-" + "0" * 32 + "-00f067aa0ba902b7-01",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-" + "0" * 16 + "-01",
                    "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"]:
            self.assertIsNone(ol.parse_traceparent(bad), bad)

    def test_format_and_ids(self):
        self.assertEqual(ol.format_traceparent("4bf92f3577b34da6a3ce929d0e0e4736",
                                               "00f067aa0ba902b7", 1), TP)
        self.assertEqual(ol.parse_traceparent(TP).traceparent, TP)
        t, s = ol.new_trace_id(), ol.new_span_id()
        self.assertRegex(t, r"\A[0-9a-f]{32}\Z")
        self.assertRegex(s, r"\A[0-9a-f]{16}\Z")
        self.assertNotEqual(t, ol.new_trace_id())

    def test_from_headers(self):
        self.assertEqual(ol.traceparent_from_headers({"traceparent": TP}).span_id,
                         "00f067aa0ba902b7")
        self.assertEqual(ol.traceparent_from_headers({"TraceParent": TP}).span_id,
                         "00f067aa0ba902b7")
        self.assertEqual(ol.traceparent_from_headers({"HTTP_TRACEPARENT": TP}).span_id,
                         "00f067aa0ba902b7")
        msg = http.client.HTTPMessage()
        msg["TRACEPARENT"] = TP
        self.assertEqual(ol.traceparent_from_headers(msg).trace_id,
                         "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertIsNone(ol.traceparent_from_headers({}))


@mock.patch.dict(os.environ, {"OTEL_SERVICE_NAME": "checkout"}, clear=False)
class JsonFormatterTest(unittest.TestCase):
    def setUp(self):
        os.environ.pop("TRACEPARENT", None)

    def test_without_sdk_uses_the_request_context(self):
        logger, stream = capture(ol.JsonFormatter())
        with mock.patch.dict(sys.modules, {"opentelemetry": None}):  # import fails
            with ol.use_traceparent(TP):
                logger.info("order %s placed", "A1", extra={"user_id": "12345", "n": 3})
            logger.warning("no context")
        first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
        self.assertRegex(first.pop("timestamp"), r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
        self.assertEqual(first.pop("line") > 0, True)
        self.assertEqual(first, {
            "severity": "INFO", "message": "order A1 placed",
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7",
            "trace_flags": "01", "service.name": "checkout", "logger": logger.name,
            "function": "test_without_sdk_uses_the_request_context", "user_id": "12345", "n": 3})
        self.assertNotIn("trace_id", second)
        self.assertEqual(second["message"], "no context")

    def test_with_sdk_the_active_span_wins(self):
        logger, stream = capture(ol.JsonFormatter(service_name="svc"))
        with mock.patch.dict(sys.modules, fake_opentelemetry(0xabc, 0xdef, 1)):
            with ol.use_traceparent(TP):
                logger.error("boom")
        entry = json.loads(stream.getvalue())
        self.assertEqual(entry["trace_id"], "%032x" % 0xabc)
        self.assertEqual(entry["span_id"], "%016x" % 0xdef)
        self.assertEqual(entry["service.name"], "svc")

    def test_with_sdk_but_no_span_falls_back_to_env(self):
        logger, stream = capture(ol.JsonFormatter())
        with mock.patch.dict(sys.modules, fake_opentelemetry(0, 0, 0, valid=False)), \
                mock.patch.dict(os.environ, {"TRACEPARENT": TP}):
            logger.info("from a script run by otter span")
        self.assertEqual(json.loads(stream.getvalue())["span_id"], "00f067aa0ba902b7")

    def test_exception_is_included(self):
        logger, stream = capture(ol.JsonFormatter())
        try:
            raise ValueError("bad input")
        except ValueError:
            logger.exception("failed")
        entry = json.loads(stream.getvalue())
        self.assertIn("ValueError: bad input", entry["exception"])


class FilterTest(unittest.TestCase):
    def test_plain_format_string(self):
        logger, stream = capture(logging.Formatter("%(trace_id)s %(span_id)s %(message)s"),
                                 ol.TraceContextFilter())
        with mock.patch.dict(sys.modules, {"opentelemetry": None}):
            with ol.use_traceparent(ol.parse_traceparent(TP)):
                logger.info("hi")
            os.environ.pop("TRACEPARENT", None)
            logger.info("bye")
        self.assertEqual(stream.getvalue(),
                         "4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 hi\n  bye\n")


class Collector(http.server.BaseHTTPRequestHandler):
    bodies = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).bodies.append((self.path, self.headers["Content-Type"],
                                  self.headers.get("x-tenant"), json.loads(body)))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


class OtlpLogHandlerTest(unittest.TestCase):
    def setUp(self):
        Collector.bodies, Collector.status = [], 200
        self.server = http.server.HTTPServer(("127.0.0.1", 0), Collector)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_port

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def test_sends_otlp_json_with_trace_context(self):
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": self.url + "/", "OTEL_SERVICE_NAME": "payment",
               "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=acme%20corp",
               "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=demo"}
        with mock.patch.dict(os.environ, env):
            handler = ol.OtlpLogHandler(interval=3600)
        logger, _ = capture()
        logger.addHandler(handler)
        with mock.patch.dict(sys.modules, {"opentelemetry": None}), ol.use_traceparent(TP):
            logger.warning("card declined", extra={"order.id": "A1", "amount": 12.5, "tries": 2,
                                                   "retry": True})
        handler.close()
        self.assertEqual(handler.sent, 1)
        (path, ctype, tenant, body), = Collector.bodies
        self.assertEqual((path, ctype, tenant), ("/v1/logs", "application/json", "acme corp"))
        rl = body["resourceLogs"][0]
        self.assertEqual(rl["resource"]["attributes"][:2], [
            {"key": "deployment.environment", "value": {"stringValue": "demo"}},
            {"key": "service.name", "value": {"stringValue": "payment"}}])
        rec = rl["scopeLogs"][0]["logRecords"][0]
        self.assertEqual(rec["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(rec["spanId"], "00f067aa0ba902b7")
        self.assertEqual(rec["flags"], 1)
        self.assertEqual(rec["severityNumber"], 13)
        self.assertEqual(rec["severityText"], "WARNING")
        self.assertEqual(rec["body"], {"stringValue": "card declined"})
        self.assertRegex(rec["timeUnixNano"], r"\A\d{19}\Z")
        self.assertEqual(rec["attributes"][3:], [
            {"key": "order.id", "value": {"stringValue": "A1"}},
            {"key": "amount", "value": {"doubleValue": 12.5}},
            {"key": "tries", "value": {"intValue": "2"}},
            {"key": "retry", "value": {"boolValue": True}}])

    def test_failures_are_retried_then_dropped_never_raised(self):
        Collector.status = 503
        handler = ol.OtlpLogHandler(endpoint=self.url + "/v1/logs", interval=3600, max_attempts=2)
        logger, _ = capture()
        logger.addHandler(handler)
        logger.info("one")
        handler.flush()
        self.assertEqual((handler.sent, handler.dropped), (0, 0))
        Collector.status = 200
        handler.flush()  # the retry carries the same record
        self.assertEqual((handler.sent, handler.dropped), (1, 0))
        Collector.status = 500
        logger.info("two")
        handler.flush()
        handler.flush()
        self.assertEqual((handler.sent, handler.dropped), (1, 1))
        self.assertIn("500", str(handler.last_error))
        self.assertEqual(len(Collector.bodies), 4)
        handler.close()


if __name__ == "__main__":
    unittest.main()
