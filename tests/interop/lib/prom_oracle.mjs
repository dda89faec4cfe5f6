// Reference arithmetic for the store tests: what Prometheus computes for rate() (with its
// extrapolation rules) and histogram_quantile() (linear interpolation inside the bucket), written
// from the documented algorithms so the test can derive the exact expected answer from the raw
// samples the store returns. Pure functions, no I/O.

// samples: [{tMs, v}] in time order, all inside the window (rangeStartMs, rangeEndMs].
// Mirrors Prometheus 3's extrapolatedRate for a counter: resets add the value before the reset;
// the extrapolation reaches to the window edges when the gap is below 1.1 x the average sample
// spacing (else half a spacing), and never to before the counter was (probably) zero.
export function counterRate(samples, rangeStartMs, rangeEndMs) {
  if (samples.length < 2) return undefined;
  const first = samples[0];
  const last = samples[samples.length - 1];
  let increase = last.v - first.v;
  let prev = first.v;
  for (const s of samples) {
    if (s.v < prev) increase += prev;
    prev = s.v;
  }
  const sampled = (last.tMs - first.tMs) / 1000;
  const avgStep = sampled / (samples.length - 1);
  // Prometheus 3 order: the 1.1 x threshold first, then the zero clamp.
  const threshold = avgStep * 1.1;
  let toStart = (first.tMs - rangeStartMs) / 1000;
  let toEnd = (rangeEndMs - last.tMs) / 1000;
  if (toStart >= threshold) toStart = avgStep / 2;
  if (increase > 0 && first.v >= 0) toStart = Math.min(toStart, sampled * (first.v / increase));
  if (toEnd >= threshold) toEnd = avgStep / 2;
  const interval = sampled + toStart + toEnd;
  return (increase * (interval / sampled)) / ((rangeEndMs - rangeStartMs) / 1000);
}

// Cumulative bucket counts for `values` under the explicit upper `bounds` (+Inf appended):
// [{le, count}], le ascending, as the _bucket series of a Prometheus histogram.
export function cumulativeBuckets(values, bounds) {
  const les = [...bounds, Infinity];
  return les.map((le) => ({ le, count: values.filter((v) => v <= le).length }));
}

// histogram_quantile over classic buckets [{le, count}] (cumulative, le ascending, last +Inf):
// the rank q x total falls into the first bucket whose count reaches it, and the answer is
// interpolated linearly between that bucket's bounds (0 as the lower bound of the first one).
export function bucketQuantile(q, buckets) {
  const total = buckets[buckets.length - 1].count;
  let rank = q * total;
  const b = buckets.findIndex((x) => x.count >= rank);
  if (b === buckets.length - 1) return buckets[buckets.length - 2].le;
  if (b === 0 && buckets[0].le <= 0) return buckets[0].le;
  let start = 0;
  let count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].le;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (buckets[b].le - start) * (rank / count);
}

// histogram_quantile() over a native histogram as the query API lists it: buckets
// [[boundaryRule, lower, upper, count], ...] (numbers as strings, ascending), only positive
// buckets. Prometheus 2.x interpolates linearly inside the bucket the rank falls in; Prometheus 3
// interpolates exponentially (linearly in log2 space), which matches exponential bucket widths.
export function nativeQuantile(q, buckets, { exponential }) {
  const bs = buckets.map(([, lo, hi, c]) => ({ lo: Number(lo), hi: Number(hi), c: Number(c) }));
  const total = bs.reduce((a, b) => a + b.c, 0);
  let rank = q * total;
  let seen = 0;
  let b;
  for (b of bs) {
    if (seen + b.c >= rank) break;
    seen += b.c;
  }
  const fraction = (rank - seen) / b.c;
  if (!exponential || b.lo <= 0) return b.lo + (b.hi - b.lo) * fraction;
  const ll = Math.log2(b.lo);
  return 2 ** (ll + (Math.log2(b.hi) - ll) * fraction);
}
