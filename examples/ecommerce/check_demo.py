#!/usr/bin/env python3
"""Checks what the e-commerce demo left in otter's query APIs.

  check_demo.py trace URL FRONTEND_LOG   a checkout's trace holds spans of the Node frontend, the
                                         Python order service and the `otter span` invoice
                                         script, and the order service's log of that trace is
                                         found through the Loki API by its trace id
  check_demo.py async URL                some trace holds payment's consumer span and inventory
  check_demo.py metrics URL              the Prometheus API has the services' metrics
Exits 0 when the check holds, else prints why and exits 1.
"""
import json
import sys
import time
import urllib.parse
import urllib.request


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def services_of(url, trace_id):
    data = get(f"{url}/api/traces/{trace_id}")["data"]
    if not data:
        return set(), []
    t = data[0]
    return {p["serviceName"] for p in t["processes"].values()}, t["spans"]


def checkout_trace(url, frontend_log):
    ids = []
    for line in open(frontend_log):
        if line.startswith("{"):
            e = json.loads(line)
            if e.get("status") == 201 and e.get("trace_id"):
                ids.append(e["trace_id"])
    if not ids:
        print("no successful checkout in the frontend's log yet")
        return 1
    want = {"frontend", "order", "invoice-script"}
    for trace_id in ids[:-3][-20:]:  # not the newest: their spans may still be in flight
        services, spans = services_of(url, trace_id)
        if not want <= services:
            continue
        end = time.time_ns()
        q = urllib.parse.urlencode({
            "query": '{service_name="order"} | trace_id="%s"' % trace_id,
            "start": str(end - 3600 * 10**9), "end": str(end), "limit": "100"})
        streams = get(f"{url}/loki/api/v1/query_range?{q}")["data"]["result"]
        lines = [v[1] for s in streams for v in s["values"]]
        if not any("order received" in line for line in lines):
            print(f"trace {trace_id}: Loki has no 'order received' log for it: {lines}")
            return 1
        print(f"trace {trace_id}: {len(spans)} spans from {sorted(services)}; "
              f"{len(lines)} order-service log lines by trace id")
        return 0
    print(f"none of {len(ids)} checkout traces holds spans of all of {sorted(want)} yet "
          f"(last: {sorted(services_of(url, ids[-1])[0])})")
    return 1


def async_trace(url):
    q = urllib.parse.urlencode({"service": "payment", "operation": "payments process",
                                "limit": "50", "lookback": "1h"})
    for t in get(f"{url}/api/traces?{q}")["data"]:
        services = {p["serviceName"] for p in t["processes"].values()}
        if {"frontend", "order", "payment", "inventory"} <= services:
            print(f"trace {t['traceID']}: {sorted(services)}")
            return 0
    print("no trace reaches inventory through payment's consumer span yet")
    return 1


def metrics(url):
    for query in ["shop_checkouts_total", "shop_orders_total",
                  "http_server_duration_milliseconds_count"]:
        r = get(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": query}))["data"]["result"]
        if not r:
            print(f"no series for {query}")
            return 1
        print(f"{query}: {len(r)} series")
    return 0


if __name__ == "__main__":
    what, url = sys.argv[1], sys.argv[2]
    if what == "trace":
        sys.exit(checkout_trace(url, sys.argv[3]))
    sys.exit(async_trace(url) if what == "async" else metrics(url))
