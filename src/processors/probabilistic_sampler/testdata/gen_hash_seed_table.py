#!/usr/bin/env python3
"""Writes the hash_seed decision table of probabilistic_sampler_test.cc, independently of otter's
C++ code, from the published algorithm of otelcol-contrib's probabilistic_sampler (hash_seed mode):

  h         = FNV-1a-32 over the 4 little-endian bytes of hash_seed, then the 16 trace id bytes
  bucket    = h & 0x3FFF
  rate      = uint32(float32(pct) * float32(16384/100))   (float32 product, truncated)
  keep      = bucket < rate

and, for kept spans, the tracestate the current Go processor writes: ot=rv:<R>;th:<T> where
R = (16383 - bucket) << 42 | mix28 << 14 | bucket with mix28 = u ^ (u << 10), u = h >> 14, printed
as 14 hex digits, and T = (16384 - rate) << 42 as 14 hex digits with trailing zeros removed.
Trace ids are the first 16 bytes of sha256("otter-<i>"). Run: python3 gen_hash_seed_table.py
"""
import hashlib
import struct


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def fnv1a32(data):
    h = 2166136261
    for b in data:
        h ^= b
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def row(tid, seed, pct):
    h = fnv1a32(struct.pack('<I', seed) + tid)
    bucket = h & 0x3FFF
    rate = int(f32(f32(pct) * f32(16384 / 100)))
    keep = bucket < rate
    if not keep:
        return keep, ''
    u = h >> 14
    mix = (u ^ (u << 10)) & ((1 << 28) - 1)
    rv = ((16383 - bucket) << 42) | (mix << 14) | bucket
    th = format((16384 - rate) << 42, '014x').rstrip('0') or '0'
    return keep, 'ot=rv:%014x;th:%s' % (rv, th)


for seed in (0, 1, 22, 4294967295):
    for pct in (0.5, 10, 33.3, 50, 99.99):
        for i in range(6):
            tid = hashlib.sha256(b'otter-%d' % i).digest()[:16]
            keep, ts = row(tid, seed, pct)
            print('    {"%s", %du, %sf, %s, "%s"},' % (tid.hex(), seed, repr(float(pct)), 'true' if keep else 'false', ts))

# Logs with attribute_source: record: the from_attribute string's UTF-8 bytes replace the trace id.
print('// logs')
for v in ('alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'):
    keep, ts = row(v.encode(), 7, 50)
    rv = ts.split(';')[0][len('ot=rv:'):] if ts else ''
    print('    {"%s", %s, "%s"},' % (v, 'true' if keep else 'false', rv))

# OTEP 235 thresholds for probability p at precision 4 (the spec's algorithm).
import math
print('// thresholds')
for p in (0.1, 0.5, 0.25, 1 / 3, 0.001, 0.999, 1e-9):
    prec = 4
    _, ef = math.frexp(p)
    _, er = math.frexp(1 - p)
    prec = min(14, max(prec + int(ef / -4), prec + int(er / -4)))
    t = (1 << 56) - round(p * (1 << 56))
    shift = 4 * (14 - prec)
    if shift:
        t = ((t + (1 << (shift - 1))) >> shift) << shift
    print('    {%r, "%s"},' % (p, format(t, '014x').rstrip('0') or '0'))
