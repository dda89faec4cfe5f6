"""The demo shop's Python services (standard library only), one per process:

  shop.py order PORT      POST /orders: logs, runs the invoice script under `otter span`, then
                          publishes the order to payment (producer span; payment answers 202 and
                          works on it asynchronously, as a queue consumer would)
  shop.py payment PORT    POST /payments: consumer span; declines ~5% of cards; reserves stock
  shop.py inventory PORT  POST /reserve: ~3% out of stock; slower in the afternoon peak

Spans and metrics go out as OTLP/HTTP JSON (tracing.py), logs through otter_logging's
OtlpLogHandler with the trace context of the active span.
"""

import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "clients", "python"))
import otter_logging as ol  # noqa: E402
import tracing  # noqa: E402

ROLE, PORT = sys.argv[1], int(sys.argv[2])
PAYMENT_URL = os.environ.get("PAYMENT_URL", "")
INVENTORY_URL = os.environ.get("INVENTORY_URL", "")
OTTER = os.environ.get("OTTER_BIN", "otter")

log = logging.getLogger(ROLE)
log.setLevel(logging.INFO)
_console = logging.StreamHandler(sys.stdout)
_console.setFormatter(ol.JsonFormatter())
log.addHandler(_console)
log.addHandler(ol.OtlpLogHandler(interval=1.0))


def post(url, body, parent_span):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "traceparent": parent_span.context.traceparent})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, json.loads(r.read() or b"{}")


def handle_order(order, span):
    span.attributes.update({"order.id": order["order_id"], "order.total": float(order["amount"])})
    log.info("order received", extra={"order.id": order["order_id"], "amount": order["amount"]})
    # The billing team's invoice script, traced by `otter span`: it joins this trace through
    # TRACEPARENT and logs through `otter log`.
    env = dict(os.environ, TRACEPARENT=span.context.traceparent, OTEL_SERVICE_NAME="invoice-script")
    rc = subprocess.call([OTTER, "span", "--name", "render-invoice", "--attr", "order.id=" + order["order_id"],
                          "--", "sh", os.path.join(HERE, "invoice.sh"), order["order_id"]], env=env,
                         stdout=subprocess.DEVNULL)
    if rc != 0:
        log.warning("invoice script failed", extra={"exit_code": rc})
    with tracing.span("orders publish", kind="producer", attributes={
            "messaging.system": "http", "messaging.destination.name": "payments"}) as p:
        status, _ = post(PAYMENT_URL + "/payments", order, p)
    tracing.add("shop.orders", 1, outcome="accepted")
    return 201, {"order_id": order["order_id"], "payment": "pending" if status == 202 else "unknown"}


def process_payment(order, parent):
    with tracing.span("payments process", kind="consumer", parent=parent, attributes={
            "messaging.system": "http", "messaging.destination.name": "payments",
            "order.id": order["order_id"]}) as span:
        time.sleep(random.uniform(0.005, 0.03))
        if random.random() < 0.05:
            span.error("card declined")
            log.warning("card declined", extra={"order.id": order["order_id"]})
            tracing.add("shop.payments", 1, outcome="declined")
            return
        try:
            with tracing.span("POST /reserve", kind="client") as c:
                status, _ = post(INVENTORY_URL + "/reserve", order, c)
            tracing.add("shop.payments", 1, outcome="paid")
            log.info("payment captured", extra={"order.id": order["order_id"]})
        except urllib.error.HTTPError as e:
            span.error("inventory answered %d" % e.code)
            log.error("reservation failed", extra={"order.id": order["order_id"], "status": e.code})
            tracing.add("shop.payments", 1, outcome="no_stock")


def handle_payment(order, span):
    # Answer at once; the work happens "from the queue", linked by the producer's context.
    parent = span.context
    threading.Thread(target=process_payment, args=(order, parent), daemon=True).start()
    return 202, {"accepted": True}


def handle_reserve(order, span):
    hour = time.localtime().tm_hour
    time.sleep(random.uniform(0.002, 0.02) * (3 if 13 <= hour <= 17 else 1))
    if random.random() < 0.03:
        span.error("out of stock")
        log.error("out of stock", extra={"sku": order["items"][0]})
        return 409, {"error": "out of stock"}
    log.info("stock reserved", extra={"sku": order["items"][0]})
    return 200, {"reserved": True}


HANDLERS = {"order": ("/orders", handle_order), "payment": ("/payments", handle_payment),
            "inventory": ("/reserve", handle_reserve)}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        path, handler = HANDLERS[ROLE]
        if self.path != path:
            self.send_error(404)
            return
        parent = ol.traceparent_from_headers(self.headers)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        start = time.monotonic()
        with tracing.span("POST " + path, kind="server", parent=parent, attributes={
                "http.request.method": "POST", "url.path": path}) as span:
            try:
                status, reply = handler(body, span)
            except Exception as e:  # noqa: BLE001 (a demo service answers 500 and logs it)
                log.exception("request failed")
                span.error(str(e))
                status, reply = 500, {"error": str(e)}
            span.attributes["http.response.status_code"] = status
            if status >= 500:
                span.error("HTTP %d" % status)
        tracing.record("http.server.duration", (time.monotonic() - start) * 1000, route=path,
                       status=str(status))
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    tracing.start_exporter()
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print("%s listening on %d" % (ROLE, PORT), flush=True)
    server.serve_forever()
