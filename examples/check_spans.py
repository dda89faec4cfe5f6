#!/usr/bin/env python3
"""Checks spans an otter store or file exporter holds, for the example scripts.

  check_spans.py jaeger URL SERVICE_PREFIX MIN_SPANS [--tag KEY=VALUE] [--exact N]
                                                       spans the Jaeger API returns over all
                                                       services starting with the prefix
  check_spans.py file PATH... [--min-spans N] [--complete K] [--attr KEY=VALUE]
                                                       spans in OTLP/JSON-lines files; --complete:
                                                       every trace has exactly K spans; --attr: a
                                                       resource attribute every span must carry
  check_spans.py tail PATH... --spans-per-trace K      tail-sampled output: every trace whole
                                                       and holding a 5xx span
Exits 0 when the check holds, else prints why and exits 1.
"""
import argparse
import collections
import json
import sys
import urllib.request


def jaeger(url, prefix, min_spans, tag=None, exact=None):
    services = json.load(urllib.request.urlopen(f"{url}/api/services"))["data"] or []
    services = [s for s in services if s.startswith(prefix)]
    spans = 0
    for s in services:
        q = f"{url}/api/traces?service={s}&limit=100000&lookback=1h"
        for t in json.load(urllib.request.urlopen(q))["data"]:
            spans += len(t["spans"])
            if tag:
                key, value = tag.split("=", 1)
                for sp in t["spans"]:
                    if not any(x["key"] == key and str(x["value"]) == value for x in sp["tags"]):
                        print(f"span {sp['spanID']} of {s} has no tag {tag}")
                        return 1
    if spans < min_spans:
        print(f"{spans} spans of {len(services)} services {services}, expected >= {min_spans}")
        return 1
    if exact is not None and spans != exact:
        print(f"{spans} spans, expected exactly {exact}")
        return 1
    print(f"{spans} spans of {len(services)} services")
    return 0


def read_spans(paths):
    out = []
    for p in paths:
        try:
            lines = open(p).read().splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            if not line.strip():
                continue
            for rs in json.loads(line).get("resourceSpans", []):
                res = {a["key"]: a["value"] for a in rs.get("resource", {}).get("attributes", [])}
                for ss in rs.get("scopeSpans", []):
                    for span in ss.get("spans", []):
                        out.append((res, span))
    return out


def int_attr(span, key):
    for a in span.get("attributes", []):
        if a["key"] == key:
            v = a["value"]
            return int(v.get("intValue", v.get("stringValue", 0)))
    return None


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    j = sub.add_parser("jaeger")
    j.add_argument("url")
    j.add_argument("prefix")
    j.add_argument("min_spans", type=int)
    j.add_argument("--tag", help="KEY=VALUE every span must carry")
    j.add_argument("--exact", type=int, help="the span count must be exactly this")
    f = sub.add_parser("file")
    f.add_argument("paths", nargs="+")
    f.add_argument("--min-spans", type=int, default=1)
    f.add_argument("--complete", type=int)
    f.add_argument("--attr")
    t = sub.add_parser("tail")
    t.add_argument("paths", nargs="+")
    t.add_argument("--spans-per-trace", type=int, required=True)
    a = p.parse_args(argv)
    if a.cmd == "jaeger":
        return jaeger(a.url, a.prefix, a.min_spans, a.tag, a.exact)
    spans = read_spans(a.paths)
    by_trace = collections.defaultdict(list)
    for res, span in spans:
        by_trace[span["traceId"]].append((res, span))
    if a.cmd == "file":
        if len(spans) < a.min_spans:
            print(f"{len(spans)} spans, expected >= {a.min_spans}")
            return 1
        if a.complete:
            bad = {t: len(v) for t, v in by_trace.items() if len(v) != a.complete}
            if bad:
                print(f"{len(bad)} incomplete traces, e.g. {list(bad.items())[:3]}")
                return 1
        if a.attr:
            key, value = a.attr.split("=", 1)
            missing = [r for r, _ in spans if r.get(key, {}).get("stringValue") != value]
            if missing:
                print(f"{len(missing)} spans without resource attribute {key}={value}")
                return 1
        print(f"{len(spans)} spans in {len(by_trace)} traces")
        return 0
    if not by_trace:
        print("no traces kept")
        return 1
    for tid, v in by_trace.items():
        if len(v) != a.spans_per_trace:
            print(f"trace {tid} has {len(v)} spans, expected {a.spans_per_trace}: split across gateways?")
            return 1
        if not any((int_attr(s, "http.response.status_code") or 0) >= 500 for _, s in v):
            print(f"trace {tid} was kept without a 5xx span")
            return 1
    print(f"{len(by_trace)} traces kept, each whole and with a 5xx span")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
