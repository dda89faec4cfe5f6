#!/usr/bin/env python3
"""Expected values of tail_sampling's `probabilistic` policy in tail_sampler_test.cc, computed
independently of otter from otelcol-contrib's published algorithm:

  threshold = uint64(big.Float(MaxUint64) * big.Float(pct/100))   (product rounded to 64
              significant bits, nearest even, then truncated; exact rational arithmetic here)
  sampled   = FNV-1a-64(salt || trace id bytes) <= threshold        (salt "default-hash-seed")

Trace ids are the first 16 bytes of sha256("trace-<i>"). Run: python3 gen_probabilistic_table.py
"""
from fractions import Fraction
import hashlib


def round64(x):
    e = x.numerator.bit_length() - x.denominator.bit_length() - 64
    while x / Fraction(2) ** e >= 2 ** 64:
        e += 1
    while x / Fraction(2) ** e < 2 ** 63:
        e -= 1
    m = x / Fraction(2) ** e
    f = m.numerator // m.denominator
    rem = m - f
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and f % 2 == 1):
        f += 1
    return Fraction(f) * Fraction(2) ** e


def threshold(pct):
    p = round64(Fraction(2 ** 64 - 1) * Fraction(pct / 100))
    return min(p.numerator // p.denominator, 2 ** 64 - 1)


def fnv64(data):
    h = 14695981039346656037
    for b in data:
        h = ((h ^ b) * 1099511628211) % 2 ** 64
    return h


for pct in (10, 1, 33.3, 50, 99.9):
    print('      {%r, %du},' % (pct, threshold(pct)))
for i in range(8):
    tid = hashlib.sha256(b'trace-%d' % i).digest()[:16]
    sampled = fnv64(b'default-hash-seed' + tid) <= threshold(10)
    print('      {"%s", %s},' % (tid.hex(), 'true' if sampled else 'false'))
