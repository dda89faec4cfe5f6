#!/usr/bin/env python3
"""Writes the hand-made seed corpora under fuzz/corpus/ (queries, requests, configs, OTTL,
exposition text and the remote-write / Loki push bodies, encoded here by hand from the .proto
field numbers). The OTLP seeds come from the JS SDK (tests/interop/tools/capture_fuzz_seeds.mjs),
the WAL and block seeds from the fuzzers themselves (FUZZ_WRITE_SEEDS=<dir> build-fuzz/wal_fuzz).
Run from the repository root: python3 fuzz/seeds.py"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def many(target, items, prefix=b""):
    for i, item in enumerate(items):
        write(target, "seed-%02d" % i, prefix + (item.encode() if isinstance(item, str) else item))


# ---- protobuf by hand ------------------------------------------------------------------------
def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def zigzag(v):
    return (v << 1) ^ (v >> 63)


def key(field, wire):
    return varint(field << 3 | wire)


def ld(field, payload):
    payload = payload.encode() if isinstance(payload, str) else payload
    return key(field, 2) + varint(len(payload)) + payload


def vi(field, v):
    return key(field, 0) + varint(v & 0xFFFFFFFFFFFFFFFF)


def dbl(field, v):
    return key(field, 1) + struct.pack("<d", v)


# prometheus.WriteRequest
def rw_label(n, v):
    return ld(1, n) + ld(2, v)


def rw_sample(v, t):
    return dbl(1, v) + vi(2, t)


def rw_series(labels, samples=(), exemplars=(), histograms=()):
    out = b"".join(ld(1, rw_label(n, v)) for n, v in labels)
    out += b"".join(ld(2, rw_sample(v, t)) for v, t in samples)
    out += b"".join(ld(3, e) for e in exemplars)
    out += b"".join(ld(4, h) for h in histograms)
    return out


def rw_histogram():
    span = ld(1, vi(1, zigzag(0)) + vi(2, 2))  # BucketSpan offset=0 length=2 (field 1 in span)
    h = vi(1, 10) + dbl(3, 12.5) + vi(4, zigzag(1)) + dbl(5, 0.001) + vi(6, 2)
    h += ld(11, vi(1, zigzag(0)) + vi(2, 2))
    h += ld(12, varint(zigzag(3)) + varint(zigzag(2)))  # packed sint64 deltas
    h += vi(15, 1700000000000)
    del span
    return h


def write_requests():
    metadata = ld(3, vi(1, 1) + ld(2, "http_requests_total") + ld(4, "Requests.") + ld(5, ""))
    basic = ld(1, rw_series([("__name__", "http_requests_total"), ("job", "ns/api"),
                             ("instance", "10.0.0.1:9090"), ("code", "200")],
                            [(1.0, 1700000000000), (5.0, 1700000015000)],
                            [rw_label("trace_id", "0af7651916cd43dd8448eb211c80319c") and
                             ld(1, rw_label("trace_id", "0af7651916cd43dd8448eb211c80319c")) +
                             dbl(2, 4.0) + vi(3, 1700000015000)])) + metadata
    stale = ld(1, rw_series([("__name__", "temperature"), ("job", "x")],
                            [(struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000002))[0],
                              1700000000000), (float("inf"), 1700000001000)]))
    hist = ld(1, rw_series([("__name__", "rpc_seconds"), ("job", "api")], histograms=[rw_histogram()]))
    nameless = ld(1, rw_series([("job", "api")], [(1.0, 1)]))
    return [basic, stale, hist, nameless, basic + hist]


# logproto.PushRequest
def push_entry(sec, nanos, line, metadata=()):
    ts = vi(1, sec) + vi(2, nanos)
    out = ld(1, ts) + ld(2, line)
    out += b"".join(ld(3, ld(1, n) + ld(2, v)) for n, v in metadata)
    return out


def push_stream(labels, entries):
    return ld(1, labels) + b"".join(ld(2, e) for e in entries)


def push_requests():
    one = ld(1, push_stream('{app="api", env="prod"}',
                            [push_entry(1700000000, 5, "level=info msg=hello"),
                             push_entry(1700000001, 0, "ünïcødé line",
                                        [("trace_id", "0af7651916cd43dd8448eb211c80319c")])]))
    two = one + ld(1, push_stream('{job="x",__name__="y"}', [push_entry(0, 0, "")]))
    return [one, two]


def main():
    many("promql_fuzz", [
        'sum by (job) (rate(http_requests_total{code=~"2.."}[5m]))',
        'histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket[5m])))',
        'histogram_quantile(0.5, rate(rpc_duration_seconds[5m]))',
        'topk(2, temperature) or on(job) vector(1) unless absent(x)',
        'max_over_time(deriv(temperature[2m])[5m:30s] offset 1m) @ 300',
        'label_replace(http_requests_total, "dst", "$1", "code", "(.*)")',
        'count_values("v", http_requests_total) / ignoring(v) group_left sum(http_requests_total)',
        'quantile_over_time(0.5, http_requests_total[10m]) > bool 3 * -2 ^ 2',
        'predict_linear(http_requests_total[5m], 60) and on() time() % 2 == 0',
        'sort_desc(clamp(irate(http_requests_total[1m]), 0, 1e3)) atan2 scalar(temperature)',
        'histogram_count(rpc_duration_seconds) + histogram_sum(rpc_duration_seconds)',
        'avg(timestamp(temperature)) - day_of_week() + hour(vector(time()))',
    ])
    many("logql_fuzz", [
        '{app="api"} |= "request" | logfmt | duration > 10ms | line_format "{{.level}} {{.msg}}"',
        '{app="web"} | json latency, user_id="user.id" | latency > 2.5 | label_format u="{{.user_id}}"',
        '{app="proxy"} | pattern "<ip> - - [<_>] \\"<method> <path> <_>\\" <status> <size>" | status >= 400',
        'sum by (level) (count_over_time({env=~"prod|dev"} | logfmt [1m]))',
        'topk(2, rate({app="api"} |~ "status=5.." [5m])) / on() group_left sum(bytes_over_time({app="api"}[5m]))',
        'quantile_over_time(0.99, {app="api"} | logfmt | unwrap duration(duration) [5m]) by (app)',
        '{app="proxy"} | regexp "(?P<ip>\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+)" | ip = ip("10.0.0.0/24") | drop ip',
        '{app=~".+"} != "plain" | unpack | detected_level="debug" or trace_id="00" | decolorize',
        'absent_over_time({app="nope"}[5m]) or vector(0)',
        '{app="web"} | json | keep level | line_format `{{ .level | upper | trunc 3 }}`',
    ])
    many("http_fuzz", [
        "GET /api/v1/query?query=up&time=1700000000 HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /api/v1/query_range HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 61\r\n\r\nquery=sum(rate(x%5B5m%5D))&start=1700000000&end=1700000600&step=60",
        "GET /api/v1/series?match[]=%7Bjob%3D%22api%22%7D&start=-1h HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/v1/labels HTTP/1.1\r\n\r\n",
        "GET /api/v1/label/__name__/values?limit=5 HTTP/1.1\r\n\r\n",
        "GET /loki/api/v1/query_range?query=%7Bservice_name%3D%22a%22%7D&limit=10&direction=forward&start=1h HTTP/1.1\r\n\r\n",
        "GET /loki/api/v1/query?query=count_over_time(%7Ba%3D%22b%22%7D%5B1m%5D) HTTP/1.1\r\n\r\n",
        "GET /loki/api/v1/labels?since=1h HTTP/1.1\r\n\r\n",
        "GET /loki/api/v1/index/volume_range?query=%7Ba%3D~%22.%2B%22%7D&step=60 HTTP/1.1\r\n\r\n",
        "GET /api/traces?service=svc&limit=5&lookback=2h&tags=%7B%22error%22%3A%22true%22%7D HTTP/1.1\r\n\r\n",
        "GET /api/traces/0af7651916cd43dd8448eb211c80319c HTTP/1.1\r\n\r\n",
        "GET /api/services/svc/operations HTTP/1.1\r\n\r\n",
        "GET /api/v3/traces?query.service_name=svc&query.start_time_min=2023-01-01T00:00:00Z HTTP/1.1\r\n\r\n",
        "POST /api/v1/query HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nquery=\r\n2\r\nup\r\n0\r\n\r\n",
    ])
    many("config_fuzz", [
        "receivers:\n  loki:\n    protocols:\n      http:\n        endpoint: ${env:ENDPOINT}\n"
        "processors:\n  batch:\n    timeout: 1s\n  transform:\n    log_statements:\n"
        "      - context: log\n        statements:\n          - set(attributes[\"x\"], \"y\") where body != nil\n"
        "exporters:\n  nop:\nservice:\n  pipelines:\n    logs:\n      receivers: [loki]\n"
        "      processors: [batch, transform]\n      exporters: [nop]\n",
        "receivers:\n  prometheusremotewrite:\n    endpoint: \"localhost:0\"\n"
        "processors:\n  filter:\n    error_mode: ignore\n    metrics:\n      metric:\n"
        "        - 'name == \"x\"'\n  resource:\n    attributes:\n      - key: a\n        value: ${env:NESTED}\n"
        "        action: upsert\nconnectors:\n  forward:\n  routing:\n    table:\n"
        "      - statement: route() where attributes[\"t\"] == \"a\"\n        pipelines: [metrics/b]\n"
        "    default_pipelines: [metrics/b]\nexporters:\n  nop:\nservice:\n  pipelines:\n"
        "    metrics/a:\n      receivers: [prometheusremotewrite]\n      exporters: [routing]\n"
        "    metrics/b:\n      receivers: [routing]\n      processors: [filter, resource]\n      exporters: [nop]\n",
        "processors:\n  attributes:\n    include:\n      match_type: regexp\n      services: [\"a.*\"]\n"
        "    actions:\n      - {key: k, pattern: '^(?P<x>.*)$', action: extract}\n"
        "      - {key: h, action: hash}\n  batch/2: {send_batch_size: 10, send_batch_max_size: 5}\n"
        "service:\n  telemetry:\n    metrics: {level: none}\n    logs: {level: debug, encoding: json}\n"
        "  pipelines:\n    traces:\n      receivers: [nop]\n      exporters: [nop]\n",
        "exporters:\n  nop: ${env:YAMLISH}\n  nop/2: $${env:LITERAL}\nservice: ${env:EMPTY}\n",
        "a: &anchor\n  b: [1, 2, {c: d}]\nreceivers: *anchor\n? complex key\n: value\n",
    ])
    # The selector byte: bit 7 = condition, low bits = context (0 resource .. 6 log).
    many("ottl_fuzz", [b"\x02" + s for s in [
        b'set(attributes["http.route"], Concat([name, "x"], "/")) where kind == SPAN_KIND_SERVER',
        b'replace_pattern(name, "^GET (.*)$", "$1")',
        b'keep_keys(attributes, ["a", "b"]) where IsMatch(name, "^S")',
        b'set(status.code, STATUS_CODE_ERROR) where Len(events) > 0 and end_time_unix_nano - start_time_unix_nano > 1000',
        b'merge_maps(attributes, ParseJSON("{\\"a\\": 1}"), "upsert")',
        b'set(attributes["h"], SHA256(String(trace_id.string)))',
    ]] + [b"\x06" + s for s in [
        b'set(body, Format("%s-%d", [body, severity_number]))',
        b'set(attributes["k"], ExtractPatterns(body, "(?P<w>\\\\w+)")) where body != nil',
        b'truncate_all(attributes, 10)',
        b'set(severity_text, ConvertCase(severity_text, "upper")) where time > Now()',
    ]] + [b"\x05" + s for s in [
        b'set(value_double, value_double * 2) where metric.name == "x"',
        b'set(attributes["le"], "x") where metric.type == METRIC_DATA_TYPE_HISTOGRAM',
    ]] + [b"\x84" + b'name == "compute" or IsString(attributes["x"])',
          b"\x80" + b'resource.attributes["service.name"] != nil',
          b"\x86" + b'severity_number >= SEVERITY_NUMBER_WARN and IsMatch(body, "err")'])
    text = ("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
            'http_requests_total{code="200",path="/a"} 1027 1700000000000\n'
            'http_requests_total{code="500"} 3\n# TYPE lat histogram\n'
            'lat_bucket{le="0.1"} 1\nlat_bucket{le="+Inf"} 5\nlat_sum 1.5\nlat_count 5\n'
            "# TYPE s summary\ns{quantile=\"0.5\"} NaN\ns_sum 1\ns_count 2\nuntyped_metric -Inf\n")
    om = ("# TYPE foo counter\n# UNIT foo seconds\n# HELP foo Foo.\nfoo_total 17.0 1520879607.789 "
          '# {trace_id="0af7651916cd43dd8448eb211c80319c"} 1 1520879607.1\nfoo_created 1520430000.123\n'
          '# TYPE g gaugehistogram\ng_bucket{le="1"} 1\ng_bucket{le="+Inf"} 2\ng_gcount 2\ng_gsum 3\n'
          "# TYPE i info\ni_info{v=\"1\"} 1\n# TYPE st stateset\nst{st=\"a\"} 1\n# EOF\n")
    many("exposition_parser_fuzz", [b"\x00" + text.encode(), b"\x01" + om.encode()])
    many("write_request_fuzz", write_requests())
    many("push_request_fuzz", [b"\x00" + r for r in push_requests()] + [
        b"\x01" + b'{"streams":[{"stream":{"app":"api"},"values":[["1700000000000000000","line"],'
        b'["1700000000000000001","with meta",{"trace_id":"0af7651916cd43dd8448eb211c80319c"}]]}]}',
        b"\x03" + b'{"streams":[{"stream":{},"values":[]},{"stream":{"a":"\\u00fc"},"values":[["0",""]]}]}',
    ])


if __name__ == "__main__":
    main()
