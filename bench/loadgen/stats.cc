#include "stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace otter::loadgen {

// ---- LatencyHistogram ---------------------------------------------------------------------------
//
// Values below kSub are their own bucket. A value whose top bit is e >= kSubBits falls in one of
// kSub sub-buckets of [2^e, 2^(e+1)), each 2^(e - kSubBits) wide.

LatencyHistogram::LatencyHistogram() : counts_(kSub + (64 - kSubBits) * kSub) {}

size_t LatencyHistogram::Index(uint64_t v) {
  if (v < kSub) return static_cast<size_t>(v);
  int e = 63 - std::countl_zero(v);
  int shift = e - kSubBits;
  return kSub + static_cast<size_t>(shift) * kSub + static_cast<size_t>((v >> shift) - kSub);
}

uint64_t LatencyHistogram::Lower(size_t index) {
  if (index < kSub) return index;
  size_t shift = (index - kSub) / kSub;
  size_t sub = (index - kSub) % kSub;
  return static_cast<uint64_t>(kSub + sub) << shift;
}

void LatencyHistogram::Add(uint64_t ns) {
  ++counts_[Index(ns)];
  ++count_;
  max_ = std::max(max_, ns);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t lo = Lower(i);
      uint64_t width = i < kSub ? 1 : Lower(i + 1) - lo;
      return std::min(lo + width / 2, max_);
    }
  }
  return max_;
}

// ---- Stats, StatsSink ---------------------------------------------------------------------------

void Stats::Merge(const Stats& o) {
  requests_ok += o.requests_ok;
  requests_failed += o.requests_failed;
  requests_partial += o.requests_partial;
  items_ok += o.items_ok;
  items_rejected += o.items_rejected;
  items_failed += o.items_failed;
  bytes_ok += o.bytes_ok;
  bytes_raw_ok += o.bytes_raw_ok;
  gen_ns += o.gen_ns;
  gen_requests += o.gen_requests;
  gen_items += o.gen_items;
  latency.Merge(o.latency);
  for (const auto& [k, v] : o.failures) failures[k] += v;
}

namespace {
void Add(Stats& s, const Outcome& o) {
  if (o.ok) {
    ++s.requests_ok;
    s.items_ok += o.items;
    s.items_rejected += o.rejected;
    if (o.rejected) ++s.requests_partial;
    s.bytes_ok += o.bytes;
    s.bytes_raw_ok += o.raw_bytes;
    s.latency.Add(o.latency_ns);
  } else {
    ++s.requests_failed;
    s.items_failed += o.items;
    auto it = s.failures.find(o.failure);
    if (it == s.failures.end()) {
      s.failures.emplace(std::string(o.failure), 1);
    } else {
      ++it->second;
    }
  }
}
}  // namespace

void StatsSink::Record(Clock::time_point done, const Outcome& o) {
  std::lock_guard lock(mu_);
  Add(interval_, o);
  if (done >= schedule_.measure_begin && done < schedule_.end) Add(measured_, o);
}

void StatsSink::RecordGeneration(Clock::time_point done, uint64_t ns, uint64_t items) {
  std::lock_guard lock(mu_);
  for (Stats* s : {&interval_, &measured_}) {
    if (s == &measured_ && (done < schedule_.measure_begin || done >= schedule_.end)) break;
    s->gen_ns += ns;
    ++s->gen_requests;
    s->gen_items += items;
  }
}

Stats StatsSink::TakeInterval() {
  Stats fresh;
  std::lock_guard lock(mu_);
  std::swap(fresh, interval_);
  return fresh;
}

Stats StatsSink::Measured() {
  std::lock_guard lock(mu_);
  return measured_;
}

// ---- formatting ---------------------------------------------------------------------------------

namespace {

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }
double PerSec(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0; }
double PerCpu(uint64_t n, double cpu_s) { return cpu_s > 0 ? static_cast<double>(n) / cpu_s : 0; }
double CpuCores(double cpu_s, double s) { return s > 0 ? cpu_s / s : 0; }

// JSON string escaping for failure keys (they may quote server messages).
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string FormatSummary(const Stats& s, const RunInfo& info) {
  std::string out = fmt::format("otter-loadgen: {} over {:.1f} s\n", info.target, info.seconds);
  out += fmt::format("  requests   ok {}  failed {}  partially rejected {}  ({:.0f} req/s)\n",
                     s.requests_ok, s.requests_failed, s.requests_partial,
                     PerSec(s.requests_ok, info.seconds));
  out += fmt::format(
      "  items      {:.0f} items/s accepted ({} total, {} rejected by partial success)\n",
      PerSec(s.items_ok - s.items_rejected, info.seconds), s.items_ok, s.items_rejected);
  out += fmt::format(
      "  bytes      {:.2f} MB/s request bodies on the wire ({:.2f} MB/s uncompressed, "
      "{:.0f} B/item)\n",
      PerSec(s.bytes_ok, info.seconds) / 1e6, PerSec(s.bytes_raw_ok, info.seconds) / 1e6,
      s.items_ok ? static_cast<double>(s.bytes_raw_ok) / static_cast<double>(s.items_ok) : 0.0);
  out +=
      fmt::format("  latency    p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  max {:.3f} ms\n",
                  Ms(s.latency.Quantile(0.5)), Ms(s.latency.Quantile(0.9)),
                  Ms(s.latency.Quantile(0.99)), Ms(s.latency.Quantile(0.999)), Ms(s.latency.max()));
  uint64_t accepted = s.items_ok - s.items_rejected;
  if (s.gen_requests) {
    out += fmt::format(
        "  loadgen    {:.1f} us (mean, wall) to build a request ({:.0f} ns/item); CPU {:.2f} cores"
        " = {:.0f} items per loadgen CPU-second\n",
        static_cast<double>(s.gen_ns) / 1e3 / static_cast<double>(s.gen_requests),
        static_cast<double>(s.gen_ns) / static_cast<double>(std::max<uint64_t>(1, s.gen_items)),
        CpuCores(info.loadgen_cpu_seconds, info.seconds),
        PerCpu(accepted, info.loadgen_cpu_seconds));
  }
  if (info.target_cpu_seconds >= 0) {
    out += fmt::format("  target     CPU {:.2f} cores = {:.0f} items per target CPU-second\n",
                       CpuCores(info.target_cpu_seconds, info.seconds),
                       PerCpu(accepted, info.target_cpu_seconds));
  }
  if (s.failures.empty()) {
    out += "  errors     none\n";
  } else {
    out += "  errors\n";
    for (const auto& [k, v] : s.failures) out += fmt::format("    {:>10}  {}\n", v, k);
  }
  return out;
}

std::string FormatJson(const Stats& s, const RunInfo& info) {
  std::string failures = "{";
  for (const auto& [k, v] : s.failures) {
    if (failures.size() > 1) failures += ",";
    failures += JsonString(k) + ":" + std::to_string(v);
  }
  failures += "}";
  return fmt::format(
      "{{\"target\":{},\"seconds\":{:.3f},\"requests_ok\":{},\"requests_failed\":{},"
      "\"items_per_sec\":{:.1f},\"items_rejected\":{},\"req_per_sec\":{:.1f},\"mb_per_sec\":{:.3f},"
      "\"raw_mb_per_sec\":{:.3f},\"p50_ms\":{:.3f},\"p90_ms\":{:.3f},\"p99_ms\":{:.3f},"
      "\"max_ms\":{:.3f},\"loadgen_cpu_cores\":{:.3f},\"target_cpu_cores\":{},"
      "\"errors\":{},\"failures\":{}}}",
      JsonString(info.target), info.seconds, s.requests_ok, s.requests_failed,
      PerSec(s.items_ok - s.items_rejected, info.seconds), s.items_rejected,
      PerSec(s.requests_ok, info.seconds), PerSec(s.bytes_ok, info.seconds) / 1e6,
      PerSec(s.bytes_raw_ok, info.seconds) / 1e6, Ms(s.latency.Quantile(0.5)),
      Ms(s.latency.Quantile(0.9)), Ms(s.latency.Quantile(0.99)), Ms(s.latency.max()),
      CpuCores(info.loadgen_cpu_seconds, info.seconds),
      info.target_cpu_seconds >= 0
          ? fmt::format("{:.3f}", CpuCores(info.target_cpu_seconds, info.seconds))
          : std::string("null"),
      s.errors(), failures);
}

std::string FormatProgress(const Stats& s, double elapsed_s, double interval_s, bool warmup) {
  return fmt::format(
      "{:6.1f}s{} {:9.0f} items/s {:8.0f} req/s {:7.2f} MB/s  p50 {:.2f}  p99 {:.2f} ms"
      "  failed {}",
      elapsed_s, warmup ? " warmup" : "       ", PerSec(s.items_ok - s.items_rejected, interval_s),
      PerSec(s.requests_ok, interval_s), PerSec(s.bytes_ok, interval_s) / 1e6,
      Ms(s.latency.Quantile(0.5)), Ms(s.latency.Quantile(0.99)), s.requests_failed);
}

}  // namespace otter::loadgen
