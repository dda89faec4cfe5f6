// The leaf policy types of tail_sampling, with otelcol-contrib's keys and matching rules.
#include <re2/re2.h>

#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "common/fnv.h"
#include "processors/tail_sampling/policy.h"

namespace otter::tailsampling {
namespace {

using pdata::AnyValue;

// Parses `section` with `table` into a fresh Cfg (defaults when the section is absent).
template <class Cfg>
Cfg ParseSection(const config::Table<Cfg>& table, const config::Node* section,
                 config::Diagnostics& d) {
  Cfg c{};
  if (section) table.Parse(*section, c, d);
  return c;
}

const config::Node& At(const config::Node* section, const config::Node& entry) {
  return section ? *section : entry;
}

// --- always_sample -----------------------------------------------------------------------------
class AlwaysSample final : public PolicyEvaluator {
 public:
  Decision Evaluate(const TraceView&, const EvalContext&) override { return Decision::kSampled; }
};

// --- latency -----------------------------------------------------------------------------------
struct LatencyCfg {
  int64_t threshold_ms = 0;
  int64_t upper_threshold_ms = 0;
};
const config::Table<LatencyCfg>& LatencyTable() {
  static const config::Table<LatencyCfg> t =
      config::Table<LatencyCfg>()
          .Field("threshold_ms", &LatencyCfg::threshold_ms,
                 "sample traces lasting at least this long (first span start to last span end)")
          .Field("upper_threshold_ms", &LatencyCfg::upper_threshold_ms,
                 "when set: sample traces lasting more than threshold_ms and at most this");
  return t;
}
class Latency final : public PolicyEvaluator {
 public:
  explicit Latency(LatencyCfg c) : c_(c) {}
  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    // The duration grows as spans are visited, and the trace matches as soon as the running
    // duration does (otelcol's order of evaluation, which matters with an upper bound).
    uint64_t min_start = 0, max_end = 0;
    bool hit = AnySpan(t, [&](const pdata::Span& s) {
      if (min_start == 0 || s.start_time_unix_nano < min_start) min_start = s.start_time_unix_nano;
      if (max_end == 0 || s.end_time_unix_nano > max_end) max_end = s.end_time_unix_nano;
      int64_t ms = (static_cast<int64_t>(max_end) - static_cast<int64_t>(min_start)) / 1000000;
      if (c_.upper_threshold_ms == 0) return ms >= c_.threshold_ms;
      return c_.threshold_ms < ms && ms <= c_.upper_threshold_ms;
    });
    return hit ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  LatencyCfg c_;
};

// --- numeric_attribute -------------------------------------------------------------------------
struct NumericCfg {
  std::string key;
  int64_t min_value = 0;
  int64_t max_value = 0;
  bool invert_match = false;
};
const config::Table<NumericCfg>& NumericTable() {
  static const config::Table<NumericCfg> t =
      config::Table<NumericCfg>()
          .Field("key", &NumericCfg::key, "span attribute to compare")
          .Field("min_value", &NumericCfg::min_value, "lowest matching value (0 = no lower bound)")
          .Field("max_value", &NumericCfg::max_value, "highest matching value (0 = no upper bound)")
          .Field("invert_match", &NumericCfg::invert_match,
                 "sample traces with no span whose value is in range");
  return t;
}
class NumericAttribute final : public PolicyEvaluator {
 public:
  explicit NumericAttribute(NumericCfg c)
      : c_(std::move(c)),
        min_(c_.min_value ? c_.min_value : std::numeric_limits<int64_t>::min()),
        max_(c_.max_value ? c_.max_value : std::numeric_limits<int64_t>::max()) {}
  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    bool hit = AnySpan(t, [&](const pdata::Span& s) {
      const AnyValue* v = pdata::FindAttribute(s.attributes, c_.key);
      if (!v) return false;
      int64_t x = v->type == AnyValue::Type::kInt ? v->int_value : 0;  // Go's Value.Int()
      return x >= min_ && x <= max_;
    });
    if (c_.invert_match) return hit ? Decision::kInvertNotSampled : Decision::kInvertSampled;
    return hit ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  NumericCfg c_;
  int64_t min_, max_;
};

// --- probabilistic -----------------------------------------------------------------------------
struct ProbabilisticCfg {
  std::string hash_salt;
  double sampling_percentage = 0;
};
const config::Table<ProbabilisticCfg>& ProbabilisticTable() {
  static const config::Table<ProbabilisticCfg> t =
      config::Table<ProbabilisticCfg>()
          .Field("hash_salt", &ProbabilisticCfg::hash_salt,
                 "salt of the trace id hash (\"\" = otelcol's default-hash-seed); use different "
                 "salts in collector tiers with different rates")
          .Field("sampling_percentage", &ProbabilisticCfg::sampling_percentage,
                 "percentage of traces sampled; >= 100 samples all");
  return t;
}
class Probabilistic final : public PolicyEvaluator {
 public:
  explicit Probabilistic(const ProbabilisticCfg& c)
      : salt_(c.hash_salt.empty() ? "default-hash-seed" : c.hash_salt),
        threshold_(ProbabilisticThreshold(c.sampling_percentage)) {}
  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    return ProbabilisticHash(salt_, t.id) <= threshold_ ? Decision::kSampled
                                                        : Decision::kNotSampled;
  }

 private:
  std::string salt_;
  uint64_t threshold_;
};

// --- status_code -------------------------------------------------------------------------------
struct StatusCodeCfg {
  std::vector<std::string> status_codes;
};
const config::Table<StatusCodeCfg>& StatusCodeTable() {
  static const config::Table<StatusCodeCfg> t = config::Table<StatusCodeCfg>().Field(
      "status_codes", &StatusCodeCfg::status_codes,
      "sample traces with a span whose status is one of these (OK, ERROR, UNSET)");
  return t;
}
class StatusCodeFilter final : public PolicyEvaluator {
 public:
  explicit StatusCodeFilter(std::vector<pdata::StatusCode> codes) : codes_(std::move(codes)) {}
  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    bool hit = AnySpan(t, [&](const pdata::Span& s) {
      for (pdata::StatusCode c : codes_)
        if (s.status.code == c) return true;
      return false;
    });
    return hit ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::vector<pdata::StatusCode> codes_;
};

// Resource first, then spans (otelcol's order); with `invert`, a trace is sampled unless a
// resource or span matches.
template <class ResourceMatch, class SpanMatch>
Decision MatchResourceOrSpan(const TraceView& t, bool invert, ResourceMatch&& rm, SpanMatch&& sm) {
  for (const auto& rs : *t.resources) {
    if (rm(rs.resource.attributes))
      return invert ? Decision::kInvertNotSampled : Decision::kSampled;
    for (const auto& ss : rs.scope_spans)
      for (const auto& span : ss.spans)
        if (sm(span)) return invert ? Decision::kInvertNotSampled : Decision::kSampled;
  }
  return invert ? Decision::kInvertSampled : Decision::kNotSampled;
}

// --- string_attribute --------------------------------------------------------------------------
struct StringCfg {
  std::string key;
  std::vector<std::string> values;
  bool enabled_regex_matching = false;
  int64_t cache_max_size = 128;
  bool invert_match = false;
};
const config::Table<StringCfg>& StringTable() {
  static const config::Table<StringCfg> t =
      config::Table<StringCfg>()
          .Field("key", &StringCfg::key, "resource or span attribute to match")
          .Field("values", &StringCfg::values, "exact values, or regexes (RE2 syntax, unanchored)")
          .Field("enabled_regex_matching", &StringCfg::enabled_regex_matching,
                 "treat values as regular expressions")
          .Field("cache_max_size", &StringCfg::cache_max_size,
                 "attribute values whose regex result is remembered (<= 0: 128)")
          .Field("invert_match", &StringCfg::invert_match,
                 "sample traces where no resource or span matches");
  return t;
}
class StringAttribute final : public PolicyEvaluator {
 public:
  StringAttribute(StringCfg c, std::vector<std::unique_ptr<RE2>> regexes)
      : c_(std::move(c)), regexes_(std::move(regexes)) {
    for (const auto& v : c_.values)
      if (!v.empty()) exact_.insert(v);
    if (c_.cache_max_size <= 0) c_.cache_max_size = 128;
  }
  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    return MatchResourceOrSpan(
        t, c_.invert_match,
        [&](const pdata::Attributes& a) {
          const AnyValue* v = pdata::FindAttribute(a, c_.key);
          return v && Matches(Str(*v));
        },
        [&](const pdata::Span& s) {
          const AnyValue* v = pdata::FindAttribute(s.attributes, c_.key);
          return v && !Str(*v).empty() && Matches(Str(*v));
        });
  }

 private:
  static std::string_view Str(const AnyValue& v) {
    return v.type == AnyValue::Type::kString ? v.string_value : std::string_view();
  }
  bool Matches(std::string_view s) {
    if (!c_.enabled_regex_matching) return exact_.count(std::string(s)) > 0;
    std::string key(s);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    bool hit = false;
    for (const auto& re : regexes_)
      if (RE2::PartialMatch(s, *re)) {
        hit = true;
        break;
      }
    // Bounded: when full, start over (the values seen recently come back quickly).
    if (cache_.size() >= static_cast<size_t>(c_.cache_max_size)) cache_.clear();
    cache_.emplace(std::move(key), hit);
    return hit;
  }
  StringCfg c_;
  std::vector<std::unique_ptr<RE2>> regexes_;
  std::unordered_set<std::string> exact_;
  std::unordered_map<std::string, bool> cache_;
};

// --- boolean_attribute -------------------------------------------------------------------------
struct BoolCfg {
  std::string key;
  bool value = false;
  bool invert_match = false;
};
const config::Table<BoolCfg>& BoolTable() {
  static const config::Table<BoolCfg> t =
      config::Table<BoolCfg>()
          .Field("key", &BoolCfg::key, "resource or span attribute (bool) to match")
          .Field("value", &BoolCfg::value, "the value that matches")
          .Field("invert_match", &BoolCfg::invert_match,
                 "sample traces where no resource or span matches");
  return t;
}
class BooleanAttribute final : public PolicyEvaluator {
 public:
  explicit BooleanAttribute(BoolCfg c) : c_(std::move(c)) {}
  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    auto match = [&](const pdata::Attributes& a) {
      const AnyValue* v = pdata::FindAttribute(a, c_.key);
      return v && v->type == AnyValue::Type::kBool && v->bool_value == c_.value;
    };
    return MatchResourceOrSpan(t, c_.invert_match, match,
                               [&](const pdata::Span& s) { return match(s.attributes); });
  }

 private:
  BoolCfg c_;
};

// --- rate_limiting / bytes_limiting ------------------------------------------------------------
struct RateCfg {
  int64_t spans_per_second = 0;
};
const config::Table<RateCfg>& RateTable() {
  static const config::Table<RateCfg> t = config::Table<RateCfg>().Field(
      "spans_per_second", &RateCfg::spans_per_second,
      "sample whole traces while fewer spans than this were sampled in the current second");
  return t;
}
class RateLimiting final : public PolicyEvaluator {
 public:
  explicit RateLimiting(int64_t sps) : sps_(sps) {}
  Decision Evaluate(const TraceView& t, const EvalContext& ctx) override {
    if (int64_t s = ctx.Second(); s != second_) {
      second_ = s;
      spans_ = 0;
    }
    if (spans_ + t.span_count < sps_) {
      spans_ += t.span_count;
      return Decision::kSampled;
    }
    return Decision::kNotSampled;
  }

 private:
  int64_t sps_, second_ = -1, spans_ = 0;
};

struct BytesCfg {
  int64_t bytes_per_second = 0;
  int64_t burst_capacity = 0;
};
const config::Table<BytesCfg>& BytesTable() {
  static const config::Table<BytesCfg> t =
      config::Table<BytesCfg>()
          .Field("bytes_per_second", &BytesCfg::bytes_per_second,
                 "token bucket refill rate, in estimated trace bytes per second")
          .Field("burst_capacity", &BytesCfg::burst_capacity,
                 "token bucket size (0 = 2 x bytes_per_second)");
  return t;
}
class BytesLimiting final : public PolicyEvaluator {
 public:
  explicit BytesLimiting(BytesCfg c)
      : rate_(static_cast<double>(c.bytes_per_second)),
        capacity_(
            static_cast<double>(c.burst_capacity ? c.burst_capacity : 2 * c.bytes_per_second)),
        tokens_(capacity_) {}
  Decision Evaluate(const TraceView& t, const EvalContext& ctx) override {
    if (started_) {
      double secs = std::chrono::duration<double>(ctx.now - last_).count();
      if (secs > 0) tokens_ = std::min(capacity_, tokens_ + secs * rate_);
    }
    started_ = true;
    last_ = ctx.now;
    double need = static_cast<double>(t.bytes);
    if (need <= tokens_) {
      tokens_ -= need;
      return Decision::kSampled;
    }
    return Decision::kNotSampled;
  }

 private:
  double rate_, capacity_, tokens_;
  bool started_ = false;
  std::chrono::steady_clock::time_point last_;
};

// --- span_count --------------------------------------------------------------------------------
struct SpanCountCfg {
  int32_t min_spans = 0;
  int32_t max_spans = 0;
};
const config::Table<SpanCountCfg>& SpanCountTable() {
  static const config::Table<SpanCountCfg> t =
      config::Table<SpanCountCfg>()
          .Field("min_spans", &SpanCountCfg::min_spans,
                 "sample traces with at least this many spans")
          .Field("max_spans", &SpanCountCfg::max_spans, "and at most this many (0 = no limit)");
  return t;
}
class SpanCount final : public PolicyEvaluator {
 public:
  explicit SpanCount(SpanCountCfg c) : c_(c) {}
  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    bool hit = t.span_count >= c_.min_spans && (c_.max_spans == 0 || t.span_count <= c_.max_spans);
    return hit ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  SpanCountCfg c_;
};

// --- trace_state -------------------------------------------------------------------------------
struct TraceStateCfg {
  std::string key;
  std::vector<std::string> values;
};
const config::Table<TraceStateCfg>& TraceStateTable() {
  static const config::Table<TraceStateCfg> t =
      config::Table<TraceStateCfg>()
          .Field("key", &TraceStateCfg::key, "W3C tracestate member key")
          .Field("values", &TraceStateCfg::values,
                 "sample traces with a span whose member has one "
                 "of these values");
  return t;
}
class TraceStateFilter final : public PolicyEvaluator {
 public:
  explicit TraceStateFilter(TraceStateCfg c) : key_(std::move(c.key)) {
    for (auto& v : c.values)
      if (!v.empty() && key_.size() + v.size() < 256) values_.insert(std::move(v));
  }
  Decision Evaluate(const TraceView& t, const EvalContext&) override {
    bool hit = AnySpan(t, [&](const pdata::Span& s) {
      std::string_view ts = s.trace_state;
      while (!ts.empty()) {
        size_t comma = ts.find(',');
        std::string_view m = ts.substr(0, comma);
        while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
        while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
        size_t eq = m.find('=');
        if (eq != std::string_view::npos && m.substr(0, eq) == key_)
          return values_.count(std::string(m.substr(eq + 1))) > 0;
        if (comma == std::string_view::npos) break;
        ts.remove_prefix(comma + 1);
      }
      return false;
    });
    return hit ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::string key_;
  std::unordered_set<std::string> values_;
};

template <class Cfg>
PolicyType Type(std::string name, const config::Table<Cfg>& table,
                std::function<std::unique_ptr<PolicyEvaluator>(Cfg, const config::Node& at,
                                                               config::Diagnostics&)>
                    make) {
  return PolicyType{name,
                    [&table, make](const config::Node* section, const config::Node& entry,
                                   config::Diagnostics& d) -> std::unique_ptr<PolicyEvaluator> {
                      size_t before = d.errors().size();
                      Cfg c = ParseSection(table, section, d);
                      if (d.errors().size() != before) return nullptr;
                      return make(std::move(c), At(section, entry), d);
                    },
                    table.Docs()};
}

std::vector<PolicyType> MakeTypes() {
  std::vector<PolicyType> types;
  types.push_back({"always_sample",
                   [](const config::Node*, const config::Node&, config::Diagnostics&) {
                     return std::unique_ptr<PolicyEvaluator>(std::make_unique<AlwaysSample>());
                   },
                   {}});
  types.push_back(Type<LatencyCfg>(
      "latency", LatencyTable(), [](LatencyCfg c, const config::Node& at, config::Diagnostics& d) {
        if (c.upper_threshold_ms != 0 && c.upper_threshold_ms < c.threshold_ms) {
          d.Error(at, "latency: upper_threshold_ms must be at least threshold_ms");
          return std::unique_ptr<PolicyEvaluator>();
        }
        return std::unique_ptr<PolicyEvaluator>(std::make_unique<Latency>(c));
      }));
  types.push_back(Type<NumericCfg>(
      "numeric_attribute", NumericTable(),
      [](NumericCfg c, const config::Node& at, config::Diagnostics& d) {
        if (c.key.empty()) {
          d.Error(at, "numeric_attribute: key must be set");
          return std::unique_ptr<PolicyEvaluator>();
        }
        return std::unique_ptr<PolicyEvaluator>(std::make_unique<NumericAttribute>(std::move(c)));
      }));
  types.push_back(Type<ProbabilisticCfg>(
      "probabilistic", ProbabilisticTable(),
      [](ProbabilisticCfg c, const config::Node& at, config::Diagnostics& d) {
        if (c.sampling_percentage < 0) {
          d.Error(at, "probabilistic: sampling_percentage must not be negative");
          return std::unique_ptr<PolicyEvaluator>();
        }
        return std::unique_ptr<PolicyEvaluator>(std::make_unique<Probabilistic>(c));
      }));
  types.push_back(Type<StatusCodeCfg>(
      "status_code", StatusCodeTable(),
      [](StatusCodeCfg c, const config::Node& at, config::Diagnostics& d) {
        std::vector<pdata::StatusCode> codes;
        if (c.status_codes.empty()) d.Error(at, "status_code: status_codes must not be empty");
        for (const auto& s : c.status_codes) {
          if (s == "OK")
            codes.push_back(pdata::StatusCode::kOk);
          else if (s == "ERROR")
            codes.push_back(pdata::StatusCode::kError);
          else if (s == "UNSET")
            codes.push_back(pdata::StatusCode::kUnset);
          else
            d.Error(at,
                    "status_code: unknown status code \"" + s + "\", supported: OK, ERROR, UNSET");
        }
        if (codes.size() != c.status_codes.size() || codes.empty())
          return std::unique_ptr<PolicyEvaluator>();
        return std::unique_ptr<PolicyEvaluator>(std::make_unique<StatusCodeFilter>(codes));
      }));
  types.push_back(Type<StringCfg>(
      "string_attribute", StringTable(),
      [](StringCfg c, const config::Node& at, config::Diagnostics& d) {
        std::vector<std::unique_ptr<RE2>> res;
        if (c.enabled_regex_matching) {
          const config::Node* list = at.Find("values");
          for (size_t i = 0; i < c.values.size(); ++i) {
            const std::string& v = c.values[i];
            auto re = std::make_unique<RE2>(v, RE2::Quiet);
            if (!re->ok()) {
              const config::Node& where =
                  list && i < list->seq.size() && list->seq[i].line ? list->seq[i] : at;
              d.Error(where, "string_attribute: invalid regex \"" + v + "\": " + re->error());
              return std::unique_ptr<PolicyEvaluator>();
            }
            res.push_back(std::move(re));
          }
        }
        return std::unique_ptr<PolicyEvaluator>(
            std::make_unique<StringAttribute>(std::move(c), std::move(res)));
      }));
  types.push_back(Type<RateCfg>(
      "rate_limiting", RateTable(), [](RateCfg c, const config::Node&, config::Diagnostics&) {
        return std::unique_ptr<PolicyEvaluator>(std::make_unique<RateLimiting>(c.spans_per_second));
      }));
  types.push_back(
      Type<BytesCfg>("bytes_limiting", BytesTable(),
                     [](BytesCfg c, const config::Node& at, config::Diagnostics& d) {
                       if (c.bytes_per_second <= 0) {
                         d.Error(at, "bytes_limiting: bytes_per_second must be greater than zero");
                         return std::unique_ptr<PolicyEvaluator>();
                       }
                       return std::unique_ptr<PolicyEvaluator>(std::make_unique<BytesLimiting>(c));
                     }));
  types.push_back(
      Type<SpanCountCfg>("span_count", SpanCountTable(),
                         [](SpanCountCfg c, const config::Node& at, config::Diagnostics& d) {
                           if (c.max_spans != 0 && c.max_spans < c.min_spans) {
                             d.Error(at, "span_count: max_spans must be at least min_spans");
                             return std::unique_ptr<PolicyEvaluator>();
                           }
                           return std::unique_ptr<PolicyEvaluator>(std::make_unique<SpanCount>(c));
                         }));
  types.push_back(Type<BoolCfg>(
      "boolean_attribute", BoolTable(), [](BoolCfg c, const config::Node&, config::Diagnostics&) {
        return std::unique_ptr<PolicyEvaluator>(std::make_unique<BooleanAttribute>(std::move(c)));
      }));
  types.push_back(Type<TraceStateCfg>(
      "trace_state", TraceStateTable(),
      [](TraceStateCfg c, const config::Node&, config::Diagnostics&) {
        return std::unique_ptr<PolicyEvaluator>(std::make_unique<TraceStateFilter>(std::move(c)));
      }));
  types.push_back(OttlConditionPolicyType());
  return types;
}

}  // namespace

const std::vector<PolicyType>& PolicyTypes() {
  static const std::vector<PolicyType> types = MakeTypes();
  return types;
}

uint64_t ProbabilisticThreshold(double sampling_percentage) {
  double ratio = sampling_percentage / 100;
  if (ratio <= 0) return 0;
  // Go multiplies big.Floats of 64-bit precision: x86-64's long double has exactly that
  // significand and rounds to nearest even, like big.Float; the cast truncates like Uint64().
  long double product = static_cast<long double>(std::numeric_limits<uint64_t>::max()) *
                        static_cast<long double>(ratio);
  if (product >= 18446744073709551615.0L) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(product);
}

uint64_t ProbabilisticHash(std::string_view salt, const pdata::TraceId& id) {
  return Fnv1a64().Add(salt).Add(id.bytes.data(), id.bytes.size()).value();
}

}  // namespace otter::tailsampling
