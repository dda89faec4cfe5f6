#!/usr/bin/env python3
"""Deterministic benchmark data for bench/query_compare (fixed seed, python3 stdlib only).

  gen.py openmetrics DIR             metrics as OpenMetrics text files, for promtool's backfill
  gen.py otlp-metrics URL            the same metrics as OTLP/JSON POSTs to URL (/v1/metrics)
  gen.py otlp-logs URL               log records as OTLP/JSON POSTs to URL (/v1/logs)
  gen.py window                      prints the metrics window and the logs window (unix s)

Sizes come from the environment: QC_SERIES_SCALE (1.0 = 5000 counter series + 400 histograms of
11 buckets, i.e. ~10 200 series), QC_HOURS (24), QC_LOGS (10 000 000). The metrics window ends
at QC_END (unix seconds; default: the last UTC midnight, so one 24 h Prometheus block holds it).
"""
import array
import http.client
import math
import os
import random
import sys
import time
import urllib.parse

SEED = 13
STEP_S = 15
BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]  # + the +Inf bucket
CODES = ["200", "201", "404", "500", "503"]


def env_float(name, default):
    return float(os.environ.get(name, default))


SCALE = env_float("QC_SERIES_SCALE", 1.0)
HOURS = env_float("QC_HOURS", 24)
N_LOGS = int(env_float("QC_LOGS", 10_000_000))
N_SERVICES = max(1, int(50 * SCALE))  # counters: services × 20 pods × 5 codes
N_PODS = 20
N_HIST_PODS = 8  # histograms: services × 8 pods
LOG_SERVICES = 10


def window():
    end = int(os.environ.get("QC_END", 0)) or (int(time.time()) // 86400) * 86400
    start = end - int(HOURS * 3600)
    return start, end


def timestamps():
    start, end = window()
    return list(range(start, end, STEP_S))


def counter_series():
    """(labels, values) for each counter series; values are cumulative integers."""
    ts = timestamps()
    for s in range(N_SERVICES):
        for p in range(N_PODS):
            for c, code in enumerate(CODES):
                rng = random.Random(f"{SEED}/c/{s}/{p}/{c}")
                per_step = (1 + rng.random() * 40) / (1 + 4 * c)
                v = 0
                values = []
                for t in ts:
                    daily = 1 + 0.5 * math.sin(2 * math.pi * (t % 86400) / 86400)
                    v += int(per_step * daily * (0.5 + rng.random()))
                    values.append(v)
                labels = {"service": f"svc-{s:02d}", "pod": f"pod-{p:02d}", "code": code}
                yield labels, ts, values


def histogram_series():
    """(labels, ts, points): points are (count, sum, cumulative bucket counts incl. +Inf)."""
    ts = timestamps()
    for s in range(N_SERVICES):
        for p in range(N_HIST_PODS):
            rng = random.Random(f"{SEED}/h/{s}/{p}")
            scale = 0.02 + rng.random() * 0.3  # median latency in seconds
            count, total = 0, 0.0
            cum = [0] * (len(BOUNDS) + 1)
            points = []
            for t in ts:
                phase = 1 + 0.5 * math.sin(2 * math.pi * (t % 86400) / 86400 + s)
                sc = scale * phase
                n = 500 + int(rng.random() * 3000)  # 33-233 requests/s
                # log-logistic latencies: P(x <= le) = (le/sc)^2 / (1 + (le/sc)^2)
                for b, le in enumerate(BOUNDS):
                    r = (le / sc) ** 2
                    cum[b] += round(n * r / (1 + r))
                cum[-1] += n
                count += n
                total = round(total + n * sc * (0.9 + 0.2 * rng.random()), 6)
                points.append((count, total, list(cum)))
            yield {"service": f"svc-{s:02d}", "pod": f"pod-{p:02d}"}, ts, points


def om_labels(labels, extra=""):
    body = ",".join(f'{k}="{v}"' for k, v in labels.items())
    if extra:
        body = f"{body},{extra}" if body else extra
    return "{" + body + "}"


def write_openmetrics(directory):
    """One file per 2 h window (promtool parses its whole input once per 2 h block it writes, so
    one file per block keeps the backfill linear)."""
    start, end = window()
    window_s = 7200
    parts = []
    for w in range(start - start % window_s, end, window_s):
        f = open(os.path.join(directory, f"part-{w}.om"), "w", buffering=1 << 22)
        parts.append(f)

    def part(t):
        return parts[(t - (start - start % window_s)) // window_s]

    def emit(lines_by_time):
        # lines_by_time: (t, text) in time order; each file gets its window's run of them
        run, f = [], None
        for t, text in lines_by_time:
            g = part(t)
            if g is not f:
                if run:
                    f.write("".join(run))
                run, f = [], g
            run.append(text)
        if run:
            f.write("".join(run))

    for f in parts:
        f.write("# TYPE bench_requests counter\n")
    for labels, ts, values in counter_series():
        ls = om_labels(labels)
        emit((t, f"bench_requests_total{ls} {v} {t}\n") for t, v in zip(ts, values))
    for f in parts:
        f.write("# TYPE bench_request_duration_seconds histogram\n")
    les = [repr(b) for b in BOUNDS] + ["+Inf"]
    for labels, ts, points in histogram_series():
        base = om_labels(labels)
        bucket_ls = [om_labels(labels, f'le="{le}"') for le in les]
        lines = []
        for t, (count, total, cum) in zip(ts, points):
            text = "".join(f"bench_request_duration_seconds_bucket{ls} {c} {t}\n"
                           for ls, c in zip(bucket_ls, cum))
            lines.append((t, text + f"bench_request_duration_seconds_count{base} {count} {t}\n"
                          f"bench_request_duration_seconds_sum{base} {total!r} {t}\n"))
        emit(lines)
    for f in parts:
        f.write("# EOF\n")
        f.close()


class Poster:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = u.hostname, u.port, u.path
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        self.items = 0

    def post(self, body, items):
        for attempt in range(50):
            try:
                self.conn.request("POST", self.path, body=body.encode(),
                                  headers={"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                data = resp.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                time.sleep(0.2)
                continue
            if resp.status == 200:
                self.items += items
                return
            if resp.status in (429, 502, 503, 504):  # the store is behind: back off, retry
                time.sleep(0.2 * (attempt + 1))
                continue
            sys.exit(f"POST {self.path}: HTTP {resp.status}: {data[:300]!r}")
        sys.exit(f"POST {self.path}: still refused after 50 attempts")


def attrs_json(labels):
    return ",".join(f'{{"key":"{k}","value":{{"stringValue":"{v}"}}}}' for k, v in labels.items())


def metrics_request(metrics_json):
    return ('{"resourceMetrics":[{"resource":{"attributes":[]},"scopeMetrics":[{"scope":'
            '{"name":"bench"},"metrics":[' + ",".join(metrics_json) + "]}]}]}")


def send_otlp_metrics(url):
    """Time-major, as a collector exports: every series' points of one 10-minute window, then
    the next window's (so the store's head and blocks hold time slices of all series)."""
    poster = Poster(url)
    start_ns = f'"{(window()[0] - STEP_S) * 10**9}"'
    counters = [(attrs_json(labels), ts, array.array("q", values))
                for labels, ts, values in counter_series()]
    hists = []
    for labels, ts, pts in histogram_series():
        counts = array.array("q", (p[0] for p in pts))
        sums = array.array("d", (p[1] for p in pts))
        cum = array.array("q", (c for p in pts for c in p[2]))
        hists.append((attrs_json(labels), ts, counts, sums, cum))
    bounds = ",".join(repr(b) for b in BOUNDS)
    nb = len(BOUNDS) + 1
    per_window = 40
    n_ts = len(timestamps())
    for w0 in range(0, n_ts, per_window):
        ks = range(w0, min(n_ts, w0 + per_window))
        batch, points = [], 0

        def flush():
            nonlocal batch, points
            if batch:
                poster.post(metrics_request(batch), points)
            batch, points = [], 0

        for a, ts, values in counters:
            dps = ",".join(f'{{"attributes":[{a}],"startTimeUnixNano":{start_ns},'
                           f'"timeUnixNano":"{ts[k]}000000000","asInt":"{values[k]}"}}' for k in ks)
            batch.append('{"name":"bench_requests_total","sum":{"aggregationTemporality":2,'
                         f'"isMonotonic":true,"dataPoints":[{dps}]}}}}')
            points += len(ks)
            if points >= 20000:
                flush()
        for a, ts, counts, sums, cum in hists:
            dps = []
            for k in ks:
                c = cum[k * nb:(k + 1) * nb]
                per_bucket = ",".join(f'"{x - p}"' for x, p in zip(c, [0] + list(c[:-1])))
                dps.append(f'{{"attributes":[{a}],"startTimeUnixNano":{start_ns},'
                           f'"timeUnixNano":"{ts[k]}000000000","count":"{counts[k]}",'
                           f'"sum":{sums[k]!r},"bucketCounts":[{per_bucket}],'
                           f'"explicitBounds":[{bounds}]}}')
            batch.append('{"name":"bench_request_duration_seconds","histogram":'
                         f'{{"aggregationTemporality":2,"dataPoints":[{",".join(dps)}]}}}}')
            points += len(ks)
            if points >= 5000:
                flush()
        flush()
    print(f"sent {poster.items} metric points", file=sys.stderr)


WORDS = ["order", "cart", "user", "payment", "stock", "search", "session", "invoice"]
LEVELS = [("INFO", 9)] * 16 + [("WARN", 13)] * 2 + [("ERROR", 17), ("DEBUG", 5)]


def logs_window():
    end = window()[1]
    return end - 3600, end


def send_otlp_logs(url):
    """N_LOGS records over the hour before the metrics window's end, LOG_SERVICES services; about
    1% of the lines contain "timeout"."""
    poster = Poster(url)
    rng = random.Random(f"{SEED}/logs")
    l0, l1 = logs_window()
    step_ns = (l1 - l0) * 10**9 // max(1, N_LOGS)
    per_request = 10000
    for first in range(0, N_LOGS, per_request):
        by_service = [[] for _ in range(LOG_SERVICES)]
        for i in range(first, min(N_LOGS, first + per_request)):
            svc = rng.randrange(LOG_SERVICES)
            sev, num = LEVELS[rng.randrange(len(LEVELS))]
            word = WORDS[rng.randrange(len(WORDS))]
            status, ms = (504, 30000) if rng.random() < 0.01 else (200, rng.randrange(1, 900))
            extra = " error=\\\"upstream timeout\\\"" if status == 504 else ""
            line = (f"method=GET path=/api/{word}/{rng.randrange(100000)} status={status} "
                    f"duration_ms={ms} user=u{rng.randrange(5000)}{extra}")
            by_service[svc].append(
                f'{{"timeUnixNano":"{l0 * 10**9 + i * step_ns}","severityText":"{sev}",'
                f'"severityNumber":{num},"body":{{"stringValue":"{line}"}}}}')
        resources = []
        for s, recs in enumerate(by_service):
            if recs:
                resources.append(
                    '{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":'
                    f'"svc-{s}"}}}}]}},"scopeLogs":[{{"scope":{{"name":"bench"}},'
                    f'"logRecords":[{",".join(recs)}]}}]}}')
        poster.post('{"resourceLogs":[' + ",".join(resources) + "]}",
                    sum(len(r) for r in by_service))
    print(f"sent {poster.items} log records", file=sys.stderr)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "openmetrics":
        write_openmetrics(sys.argv[2])
    elif cmd == "otlp-metrics":
        send_otlp_metrics(sys.argv[2])
    elif cmd == "otlp-logs":
        send_otlp_logs(sys.argv[2])
    elif cmd == "window":
        print(*window(), *logs_window())
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
