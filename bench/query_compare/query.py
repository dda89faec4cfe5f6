#!/usr/bin/env python3
"""Times the same HTTP queries against one or more servers (python3 stdlib only).

  query.py --requests N --target otter=http://127.0.0.1:P1 [--target prometheus=http://...]
           --query NAME 'PATH?PARAMS' [--query ...] [--samples NAME=COUNT ...]

Per query, the targets are asked in turn (otter, prometheus, otter, ...) over one keep-alive
connection each, so a drift in the machine's speed hits both alike. Prints one row per query and
target: p50/p99/mean latency in ms, the response size, the number of series or streams in the
result, the sum of the values in it (so the targets' answers can be compared), and, with
--samples, stored samples read per second at the p50 latency.
"""
import argparse
import http.client
import json
import math
import time
import urllib.parse


def percentile(xs, q):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def summarize(body):
    """(series or streams, sum of values, sample points) of a Prometheus or Loki JSON answer."""
    d = json.loads(body)
    if d.get("status") != "success":
        return "error", 0.0, 0
    data = d["data"]
    if isinstance(data, list):  # e.g. index/volume_range answers with a list in some versions
        return len(data), 0.0, 0
    result = data.get("result", [])
    total, points = 0.0, 0
    for r in result:
        if "values" in r:
            for v in r["values"]:
                points += 1
                try:
                    total += float(v[1])
                except ValueError:
                    pass  # log lines
        elif "value" in r:
            points += 1
            total += float(r["value"][1])
    return len(result), total, points


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--target", action="append", required=True, help="name=base_url")
    ap.add_argument("--query", nargs=2, action="append", required=True, metavar=("NAME", "PATH"))
    ap.add_argument("--samples", action="append", default=[], help="query=stored samples read")
    ap.add_argument("--only", action="append", default=[],
                    help="query=target: ask only this target (an API the other lacks)")
    args = ap.parse_args()
    samples = dict(s.split("=", 1) for s in args.samples)
    only = dict(s.split("=", 1) for s in args.only)
    targets = []
    for t in args.target:
        name, url = t.split("=", 1)
        u = urllib.parse.urlsplit(url)
        targets.append((name, http.client.HTTPConnection(u.hostname, u.port, timeout=600)))
    print(f"{'query':<24} {'target':<11} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} "
          f"{'bytes':>10} {'series':>7} {'points':>8} {'sum of values':>18} {'samples/s':>10}")
    for qname, path in args.query:
        lat = {name: [] for name, _ in targets}
        last = {}
        for i in range(args.warmup + args.requests):
            for name, conn in targets:
                if qname in only and only[qname] != name:
                    continue
                for attempt in (0, 1):
                    # A server may close a keep-alive connection that idled while another
                    # server was answering: reconnect once.
                    t0 = time.perf_counter()
                    try:
                        conn.request("GET", path)
                        resp = conn.getresponse()
                        body = resp.read()
                        break
                    except (http.client.RemoteDisconnected, ConnectionResetError,
                            BrokenPipeError):
                        conn.close()
                        if attempt:
                            raise
                dt = time.perf_counter() - t0
                if resp.status != 200:
                    raise SystemExit(f"{qname} on {name}: HTTP {resp.status}: {body[:400]!r}")
                if i >= args.warmup:
                    lat[name].append(dt * 1000)
                last[name] = body
        for name, _ in targets:
            if not lat[name]:
                continue
            xs = lat[name]
            series, total, points = summarize(last[name])
            p50 = percentile(xs, 0.5)
            rate = f"{float(samples[qname]) / (p50 / 1000) / 1e6:.1f} M" if qname in samples else ""
            print(f"{qname:<24} {name:<11} {p50:>9.1f} {percentile(xs, 0.99):>9.1f} "
                  f"{sum(xs) / len(xs):>9.1f} {len(last[name]):>10} {series!s:>7} {points:>8} "
                  f"{total:>18.6g} {rate:>10}", flush=True)


if __name__ == "__main__":
    main()
