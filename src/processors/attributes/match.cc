#include "processors/attributes/match.h"

#include <algorithm>
#include <cctype>

#include "pdata/span_names.h"
#include "processors/attraction/value.h"

namespace otter::attributes {
namespace {

using attraction::ConfigValue;
using pdata::AnyValue;

const config::Table<MatchAttribute>& MatchAttributeTable() {
  using C = MatchAttribute;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("key", &C::key, "attribute key")
          .Custom("value", "any", "", "value to match (strict: typed equality; regexp: a regex)",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    ConfigValue v;
                    if (attraction::ParseConfigValue(n, v, d)) c.value = std::move(v);
                  });
  return table;
}

const config::Table<MatchLibrary>& MatchLibraryTable() {
  using C = MatchLibrary;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("name", &C::name, "instrumentation scope name")
          .Field("version", &C::version, "scope version; unset matches any, \"\" only none");
  return table;
}

// Severity numbers by name (plog.SeverityNumber's names, any case).
bool ParseSeverity(const std::string& s, int32_t& out) {
  static const char* kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  std::string up;
  for (char c : s) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (int i = 0; i < 6; ++i) {
    std::string base = kNames[i];
    if (up == base) {
      out = 1 + 4 * i;
      return true;
    }
    for (int k = 2; k <= 4; ++k) {
      if (up == base + std::to_string(k)) {
        out = 4 * i + k;
        return true;
      }
    }
  }
  if (up == "UNDEFINED" || up == "UNSPECIFIED") {
    out = 0;
    return true;
  }
  return false;
}

const config::Table<SeverityNumberMatch>& SeverityTable() {
  using C = SeverityNumberMatch;
  static const config::Table<C> table =
      config::Table<C>()
          .Custom("min", "severity", "0",
                  "lowest severity matched: a number 1-24 or a name "
                  "(TRACE .. FATAL4)",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    if (ParseSeverity(n.scalar, c.min)) return;
                    int32_t v = 0;
                    if (config::ParseValue(n, v, d)) {
                      if (v < 0 || v > 24)
                        d.Error(n, "min: severity number must be 0-24");
                      else
                        c.min = v;
                    }
                  })
          .Field("match_undefined", &C::match_undefined,
                 "also match records whose severity number is unset (0)");
  return table;
}

template <class T>
config::Table<MatchProperties>::ParseFn ListOf(const config::Table<T>& sub,
                                               std::vector<T> MatchProperties::*member) {
  return [&sub, member](const config::Node& n, MatchProperties& c, config::Diagnostics& d) {
    if (n.kind != config::Node::Kind::kSeq) {
      d.Error(n, "expected a list");
      return;
    }
    for (const auto& item : n.seq) {
      T v;
      sub.Parse(item, v, d);
      (c.*member).push_back(std::move(v));
    }
  };
}

bool EqualsConfig(const AnyValue& have, const ConfigValue& want) {
  if (have.type != want.type) return false;
  switch (want.type) {
    case AnyValue::Type::kString:
    case AnyValue::Type::kBytes:
      return have.string_value == want.str;
    case AnyValue::Type::kInt:
      return have.int_value == want.int_value;
    case AnyValue::Type::kDouble:
      return have.double_value == want.double_value;
    case AnyValue::Type::kBool:
      return have.bool_value == want.bool_value;
    case AnyValue::Type::kArray:
      if (have.array_value.size() != want.items.size()) return false;
      for (size_t i = 0; i < want.items.size(); ++i)
        if (!EqualsConfig(have.array_value[i], want.items[i])) return false;
      return true;
    case AnyValue::Type::kKvList:
      if (have.kvlist_value.size() != want.fields.size()) return false;
      for (const auto& [k, v] : want.fields) {
        const AnyValue* h = pdata::FindAttribute(have.kvlist_value, k);
        if (!h || !EqualsConfig(*h, v)) return false;
      }
      return true;
    case AnyValue::Type::kEmpty:
      return true;
  }
  return false;
}

std::unique_ptr<RE2> CompileRegex(const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  return std::make_unique<RE2>(pattern, opts);
}

}  // namespace

const config::Table<MatchProperties>& MatchPropertiesTable() {
  using C = MatchProperties;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("match_type", &C::match_type, "strict or regexp (required)")
          .NotSupportedYet("regexp", "regexp cache settings")
          .Field("services", &C::services, "spans: service.name of the resource (any of)")
          .Field("span_names", &C::span_names, "spans: span name (any of)")
          .Field("span_kinds", &C::span_kinds, "spans: SPAN_KIND_SERVER, ... (any of)")
          .Field("log_bodies", &C::log_bodies, "logs: the body as a string (any of)")
          .Field("log_severity_texts", &C::log_severity_texts, "logs: severity text (any of)")
          .Section("log_severity_number", &C::log_severity_number, SeverityTable(),
                   "logs: severity number at least `min`")
          .Field("metric_names", &C::metric_names, "metrics: metric name (any of)")
          .Custom("attributes", "[]{key, value}", "[]",
                  "item attributes; all must match (a key alone: present)",
                  ListOf(MatchAttributeTable(), &C::attributes))
          .Custom("resources", "[]{key, value}", "[]", "resource attributes; all must match",
                  ListOf(MatchAttributeTable(), &C::resources))
          .Custom("libraries", "[]{name, version}", "[]",
                  "instrumentation scope name (and version); all must match",
                  ListOf(MatchLibraryTable(), &C::libraries));
  return table;
}

bool Matcher::NameSet::Matches(std::string_view s) const {
  for (const auto& x : strict)
    if (x == s) return true;
  for (const auto& re : regexps)
    if (RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re)) return true;
  return false;
}

Status Matcher::Build(const std::vector<std::string>& in, bool regexp, const char* what,
                      NameSet& out) {
  for (const auto& s : in) {
    if (!regexp) {
      out.strict.push_back(s);
      continue;
    }
    auto re = CompileRegex(s);
    if (!re->ok())
      return InvalidArgument(std::string(what) + ": error parsing regexp \"" + s +
                             "\": " + re->error());
    out.regexps.push_back(std::move(re));
  }
  return Status::Ok();
}

Status Matcher::BuildAttrs(const std::vector<MatchAttribute>& in, bool regexp, const char* what,
                           std::vector<AttrMatch>& out) {
  for (const auto& a : in) {
    if (a.key.empty())
      return InvalidArgument(std::string(what) + ": can't have empty key in the list");
    AttrMatch m;
    m.key = a.key;
    if (a.value) {
      if (regexp) {
        if (a.value->type != AnyValue::Type::kString)
          return InvalidArgument(std::string(what) + ": match_type=regexp for \"" + a.key +
                                 "\" only supports a string value");
        m.regexp = CompileRegex(a.value->str);
        if (!m.regexp->ok())
          return InvalidArgument(std::string(what) + ": error parsing regexp \"" + a.value->str +
                                 "\": " + m.regexp->error());
      } else {
        m.value = a.value;
      }
    }
    out.push_back(std::move(m));
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<Matcher>> Matcher::Create(const MatchProperties& p, Signal signal) {
  if (p.match_type != "strict" && p.match_type != "regexp")
    return InvalidArgument("match_type: unrecognized match_type: \"" + p.match_type +
                           "\", valid types are: [regexp strict]");
  const bool re = p.match_type == "regexp";
  if (signal == Signal::kTraces) {
    if (!p.log_bodies.empty())
      return InvalidArgument("log_bodies should not be specified for trace spans");
    if (!p.log_severity_texts.empty())
      return InvalidArgument("log_severity_texts should not be specified for trace spans");
    if (p.log_severity_number)
      return InvalidArgument("log_severity_number should not be specified for trace spans");
    if (p.services.empty() && p.span_names.empty() && p.attributes.empty() && p.libraries.empty() &&
        p.resources.empty() && p.span_kinds.empty())
      return InvalidArgument(
          "at least one of \"attributes\", \"libraries\",  or \"resources\" field must be "
          "specified");
    if (!re) {
      for (const auto& k : p.span_kinds) {
        if (k != "SPAN_KIND_CLIENT" && k != "SPAN_KIND_CONSUMER" && k != "SPAN_KIND_INTERNAL" &&
            k != "SPAN_KIND_PRODUCER" && k != "SPAN_KIND_SERVER")
          return InvalidArgument(
              "span_kinds string must match one of the standard span kinds when "
              "match_type=strict: [SPAN_KIND_CLIENT SPAN_KIND_CONSUMER SPAN_KIND_INTERNAL "
              "SPAN_KIND_PRODUCER SPAN_KIND_SERVER]");
      }
    }
  } else if (signal == Signal::kLogs) {
    if (!p.span_names.empty() || !p.services.empty() || !p.span_kinds.empty())
      return InvalidArgument("services, span_names, and span_kinds are not valid for log records");
    if (p.attributes.empty() && p.libraries.empty() && p.resources.empty() &&
        p.log_bodies.empty() && p.log_severity_texts.empty() && !p.log_severity_number)
      return InvalidArgument(
          "at least one of \"attributes\", \"libraries\", \"span_kinds\", \"resources\", "
          "\"log_bodies\", \"log_severity_texts\" or \"log_severity_number\" field must be "
          "specified");
  }
  auto m = std::make_unique<Matcher>();
  RETURN_IF_ERROR(Build(p.services, re, "services", m->services_));
  RETURN_IF_ERROR(Build(p.span_names, re, "span_names", m->span_names_));
  RETURN_IF_ERROR(Build(p.span_kinds, re, "span_kinds", m->span_kinds_));
  RETURN_IF_ERROR(Build(p.log_bodies, re, "log_bodies", m->log_bodies_));
  RETURN_IF_ERROR(Build(p.log_severity_texts, re, "log_severity_texts", m->log_severity_texts_));
  RETURN_IF_ERROR(Build(p.metric_names, re, "metric_names", m->metric_names_));
  m->severity_ = p.log_severity_number;
  // Metrics are matched by name and resource only (as otelcol's filtermetric does).
  if (signal != Signal::kMetrics) {
    RETURN_IF_ERROR(BuildAttrs(p.attributes, re, "attributes", m->attributes_));
    for (const auto& lib : p.libraries) {
      LibMatch lm;
      RETURN_IF_ERROR(Build({lib.name}, re, "libraries", lm.name));
      if (lib.version) {
        lm.version.emplace();
        RETURN_IF_ERROR(Build({*lib.version}, re, "libraries", *lm.version));
      }
      m->libraries_.push_back(std::move(lm));
    }
  }
  RETURN_IF_ERROR(BuildAttrs(p.resources, re, "resources", m->resources_));
  return m;
}

bool Matcher::MatchAttrs(const std::vector<AttrMatch>& want, const pdata::Attributes& have) {
  for (const auto& w : want) {
    const AnyValue* v = pdata::FindAttribute(have, w.key);
    if (!v) return false;
    if (w.value && !EqualsConfig(*v, *w.value)) return false;
    if (w.regexp) {
      if (v->type != AnyValue::Type::kString) {
        std::string s = attraction::AsString(*v);
        if (!RE2::PartialMatch(s, *w.regexp)) return false;
      } else if (!RE2::PartialMatch(
                     re2::StringPiece(v->string_value.data(), v->string_value.size()), *w.regexp)) {
        return false;
      }
    }
  }
  return true;
}

bool Matcher::MatchCommon(const pdata::Resource& r, const pdata::InstrumentationScope& s,
                          const pdata::Attributes& attrs) const {
  for (const auto& lib : libraries_) {
    if (!lib.name.Matches(s.name)) return false;
    if (lib.version && !lib.version->Matches(s.version)) return false;
  }
  if (!MatchAttrs(resources_, r.attributes)) return false;
  return MatchAttrs(attributes_, attrs);
}

bool Matcher::MatchSpan(const pdata::Resource& r, const pdata::InstrumentationScope& s,
                        const pdata::Span& span) const {
  if (!services_.empty()) {
    const AnyValue* svc = pdata::FindAttribute(r.attributes, "service.name");
    std::string_view name =
        svc && svc->type == AnyValue::Type::kString ? svc->string_value : std::string_view();
    if (!services_.Matches(name)) return false;
  }
  if (!span_names_.empty() && !span_names_.Matches(span.name)) return false;
  if (!span_kinds_.empty() && !span_kinds_.Matches(pdata::SpanKindEnumName(span.kind)))
    return false;
  return MatchCommon(r, s, span.attributes);
}

bool Matcher::MatchLog(const pdata::Resource& r, const pdata::InstrumentationScope& s,
                       const pdata::LogRecord& log) const {
  if (!log_bodies_.empty()) {
    if (log.body.type == AnyValue::Type::kString) {
      if (!log_bodies_.Matches(log.body.string_value)) return false;
    } else if (!log_bodies_.Matches(attraction::AsString(log.body))) {
      return false;
    }
  }
  if (!log_severity_texts_.empty() && !log_severity_texts_.Matches(log.severity_text)) return false;
  if (severity_) {
    if (log.severity_number == 0) {
      if (!severity_->match_undefined) return false;
    } else if (log.severity_number < severity_->min) {
      return false;
    }
  }
  return MatchCommon(r, s, log.attributes);
}

bool Matcher::MatchMetric(const pdata::Resource& r, const pdata::Metric& m) const {
  if (!metric_names_.empty() && !metric_names_.Matches(m.name)) return false;
  return MatchAttrs(resources_, r.attributes);
}

StatusOr<ItemFilter> ItemFilter::Create(const MatchConfig& c, Signal signal) {
  ItemFilter f;
  if (c.include) {
    auto m = Matcher::Create(*c.include, signal);
    if (!m.ok()) return m.status().Annotate("include");
    f.include_ = std::move(*m);
  }
  if (c.exclude) {
    auto m = Matcher::Create(*c.exclude, signal);
    if (!m.ok()) return m.status().Annotate("exclude");
    f.exclude_ = std::move(*m);
  }
  return f;
}

}  // namespace otter::attributes
