#include "store/loki_mapping.h"

#include <simdjson.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "store/prom_naming.h"

namespace otter::store {

namespace {

// Loki's validation.discover_service_name: index labels whose value names the service when the
// resource has no service.name.
constexpr std::string_view kServiceNameSources[] = {"service",
                                                    "app",
                                                    "application",
                                                    "app_name",
                                                    "name",
                                                    "app_kubernetes_io_name",
                                                    "container",
                                                    "container_name",
                                                    "k8s_container_name",
                                                    "component",
                                                    "workload",
                                                    "job",
                                                    "k8s_job_name"};

// Loki's default log_level_fields, in the order they are tried.
constexpr std::string_view kLevelFields[] = {
    "level",    "LEVEL",         "Level",         "log.level",    "severity",
    "SEVERITY", "Severity",      "SeverityText",  "lvl",          "LVL",
    "Lvl",      "severity_text", "Severity_Text", "SEVERITY_TEXT"};
// log_level_from_json_max_depth's default: the top level and one nested object.
constexpr int kLevelJsonMaxDepth = 2;

bool EqualFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// A known level name or abbreviation as Loki's canonical level; "" when not one.
std::string_view CanonicalLevel(std::string_view v) {
  if (EqualFold(v, "trace") || EqualFold(v, "trc")) return "trace";
  if (EqualFold(v, "debug") || EqualFold(v, "dbg")) return "debug";
  if (EqualFold(v, "info") || EqualFold(v, "inf") || EqualFold(v, "information")) return "info";
  if (EqualFold(v, "warn") || EqualFold(v, "wrn") || EqualFold(v, "warning")) return "warn";
  if (EqualFold(v, "error") || EqualFold(v, "err")) return "error";
  if (EqualFold(v, "critical")) return "critical";
  if (EqualFold(v, "fatal")) return "fatal";
  return {};
}

// A level value found in a label: canonical when known, else kept as it is.
std::string NormalizeLevel(std::string_view v) {
  std::string_view c = CanonicalLevel(v);
  return std::string(c.empty() ? v : c);
}

bool Contains(std::string_view s, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles)
    if (s.find(n) != std::string_view::npos) return true;
  return false;
}

// Loki's last resort: keywords in free text.
std::string_view LevelFromText(std::string_view line) {
  if (Contains(line, {"info:", "INFO:", "[info]", "[INFO]", "info", "INFO"})) return "info";
  if (Contains(line, {"err:", "ERR:", "[err]", "[ERR]", "[error]", "[ERROR]"})) return "error";
  if (Contains(line, {"warn:", "WARN:", "[warn]", "[WARN]", "[warning]", "[WARNING]", "warning",
                      "WARNING"}))
    return "warn";
  if (Contains(line, {"critical:", "CRITICAL:", "[critical]", "[CRITICAL]"})) return "critical";
  if (Contains(line, {"debug:", "DEBUG:", "[debug]", "[DEBUG]", "debug", "DEBUG"})) return "debug";
  return "unknown";
}

std::string_view LevelFromSeverityNumber(std::string_view text) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return "info";
  if (n == 0) return "unknown";
  if (n <= 4) return "trace";
  if (n <= 8) return "debug";
  if (n <= 12) return "info";
  if (n <= 16) return "warn";
  if (n <= 20) return "error";
  if (n <= 24) return "fatal";
  return "unknown";
}

bool IsLevelField(std::string_view key) {
  return std::find(std::begin(kLevelFields), std::end(kLevelFields), key) != std::end(kLevelFields);
}

// The first string field named like a level field, depth first in document order.
bool JsonLevel(simdjson::dom::object object, int depth, std::string_view* out) {
  if (depth >= kLevelJsonMaxDepth) return false;
  for (auto field : object) {
    if (field.value.is_string() && IsLevelField(field.key)) {
      *out = field.value.get_string().value_unsafe();
      return true;
    }
    if (field.value.is_object() &&
        JsonLevel(field.value.get_object().value_unsafe(), depth + 1, out))
      return true;
  }
  return false;
}

// The value of the level field a logfmt line carries (keys compared case-insensitively; an
// earlier field in kLevelFields wins).
std::string_view LogfmtLevel(std::string_view line) {
  std::string_view best;
  size_t best_rank = std::size(kLevelFields);
  size_t i = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    size_t key_start = i;
    while (i < line.size() && line[i] != '=' && !is_space(line[i])) ++i;
    std::string_view key = line.substr(key_start, i - key_start);
    std::string_view value;
    if (i < line.size() && line[i] == '=') {
      ++i;
      if (i < line.size() && line[i] == '"') {
        size_t start = ++i;
        while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
        value = line.substr(start, std::min(i, line.size()) - start);
        ++i;
      } else {
        size_t start = i;
        while (i < line.size() && !is_space(line[i])) ++i;
        value = line.substr(start, i - start);
      }
    }
    if (key.empty()) {
      ++i;
      continue;
    }
    for (size_t r = 0; r < best_rank; ++r) {
      if (EqualFold(key, kLevelFields[r])) {
        best = value;
        best_rank = r;
        if (r == 0) return best;
        break;
      }
    }
  }
  return best;
}

std::string LevelFromLine(std::string_view line) {
  auto first = line.find_first_not_of(" \t\r\n\v\f");
  auto last = line.find_last_not_of(" \t\r\n\v\f");
  std::string_view v;
  if (first != std::string_view::npos && line[first] == '{' && line[last] == '}') {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (!parser.parse(simdjson::padded_string(line)).get(object)) JsonLevel(object, 0, &v);
  } else if (line.find('=') != std::string_view::npos) {
    v = LogfmtLevel(line);
  } else {
    return std::string(LevelFromText(line));
  }
  std::string_view c = CanonicalLevel(v);
  return std::string(c.empty() ? LevelFromText(line) : c);
}

const Label* FindLevelLabel(const Labels& labels) {
  for (std::string_view f : kLevelFields)
    for (const auto& l : labels)
      if (l.name == f) return &l;
  return nullptr;
}

// Loki's attributeToLabels: a map value becomes one label per leaf, names joined by "_".
void AttributeLabels(std::string_view key, const pdata::AnyValue& v, const std::string& prefix,
                     Labels* out) {
  std::string name =
      PrometheusLabelName(prefix.empty() ? std::string(key) : prefix + "_" + std::string(key));
  if (name.empty()) return;
  if (v.type == pdata::AnyValue::Type::kKvList) {
    for (const auto& kv : v.kvlist_value) AttributeLabels(kv.key, kv.value, name, out);
    return;
  }
  std::string value = v.ToString();
  if (!value.empty()) out->push_back(Label{std::move(name), std::move(value)});
}

}  // namespace

const std::vector<std::string>& LokiDefaultIndexAttributes() {
  static const std::vector<std::string> attrs = {"service.name",
                                                 "service.namespace",
                                                 "service.instance.id",
                                                 "deployment.environment",
                                                 "deployment.environment.name",
                                                 "cloud.region",
                                                 "cloud.availability_zone",
                                                 "k8s.cluster.name",
                                                 "k8s.namespace.name",
                                                 "k8s.pod.name",
                                                 "k8s.container.name",
                                                 "container.name",
                                                 "k8s.replicaset.name",
                                                 "k8s.deployment.name",
                                                 "k8s.statefulset.name",
                                                 "k8s.daemonset.name",
                                                 "k8s.cronjob.name",
                                                 "k8s.job.name"};
  return attrs;
}

LokiMapping::LokiMapping() {
  resource_.push_back(Rule{AttributeAction::kIndexLabel, LokiDefaultIndexAttributes(), {}});
}

StatusOr<LokiMapping> LokiMapping::Make(const LokiOtlpConfig& config) {
  LokiMapping m;
  if (config.resource_attributes.ignore_defaults) m.resource_.clear();
  auto convert = [](const std::vector<AttributeRule>& in, std::string_view what, bool index_allowed,
                    std::vector<Rule>* out) -> Status {
    for (size_t i = 0; i < in.size(); ++i) {
      const AttributeRule& r = in[i];
      std::string where = std::string(what) + "[" + std::to_string(i) + "]";
      if (r.action == AttributeAction::kIndexLabel && !index_allowed)
        return InvalidArgument(where +
                               ": index_label action is only supported for "
                               "resource_attributes");
      if (r.attributes.empty() == r.regex.empty())
        return InvalidArgument(where + ": exactly one of attributes or regex must be set");
      Rule rule{r.action, r.attributes, {}};
      if (!r.regex.empty()) {
        auto re = LabelMatcher::Make(LabelMatcher::Op::kRe, "attribute", r.regex);
        if (!re.ok()) return InvalidArgument(where + ": " + std::string(re.status().message()));
        rule.regex.push_back(std::move(*re));
      }
      out->push_back(std::move(rule));
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(convert(config.resource_attributes.attributes_config,
                          "resource_attributes::attributes_config", true, &m.resource_));
  RETURN_IF_ERROR(convert(config.scope_attributes, "scope_attributes", false, &m.scope_));
  RETURN_IF_ERROR(convert(config.log_attributes, "log_attributes", false, &m.log_));
  return m;
}

AttributeAction LokiMapping::ActionFor(const std::vector<Rule>& rules, std::string_view key) {
  for (const Rule& r : rules) {
    if (!r.regex.empty() && r.regex[0].Matches(key)) return r.action;
    for (const auto& a : r.attributes)
      if (a == key) return r.action;
  }
  return AttributeAction::kStructuredMetadata;
}

AttributeAction LokiMapping::ResourceAction(const pdata::Resource& resource,
                                            std::string_view key) const {
  const pdata::AnyValue* hint = pdata::FindAttribute(resource.attributes, kLokiResourceLabelsHint);
  if (hint) {
    if (key == kLokiResourceLabelsHint) return AttributeAction::kDrop;
    // The hint lists attribute names, comma-separated (as the loki exporter reads it).
    std::string_view names = hint->string_value;
    while (!names.empty()) {
      size_t comma = names.find(',');
      std::string_view name = names.substr(0, comma);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      if (name == key) return AttributeAction::kIndexLabel;
      if (comma == std::string_view::npos) break;
      names.remove_prefix(comma + 1);
    }
  }
  return ActionFor(resource_, key);
}

Labels LokiMapping::StreamLabels(const pdata::Resource& resource) const {
  Labels labels;
  const pdata::AnyValue* service = pdata::FindAttribute(resource.attributes, "service.name");
  bool has_service = service && !service->ToString().empty();
  std::string discovered;
  for (const auto& kv : resource.attributes) {
    if (ResourceAction(resource, kv.key) != AttributeAction::kIndexLabel) continue;
    size_t from = labels.size();
    AttributeLabels(kv.key, kv.value, "", &labels);
    for (size_t i = from; i < labels.size() && !has_service; ++i) {
      if (std::find(std::begin(kServiceNameSources), std::end(kServiceNameSources),
                    labels[i].name) != std::end(kServiceNameSources)) {
        discovered = labels[i].value;
        has_service = true;
      }
    }
  }
  SortLabels(labels);
  if (!discovered.empty()) SetLabel(labels, "service_name", discovered);
  if (!has_service) SetLabel(labels, "service_name", "unknown_service");
  return labels;
}

LogEntry LokiMapping::Entry(const Labels& stream, const pdata::Resource& resource,
                            const pdata::InstrumentationScope& scope,
                            const pdata::LogRecord& record) const {
  LogEntry e;
  e.ts_ns = static_cast<int64_t>(record.time_unix_nano ? record.time_unix_nano
                                                       : record.observed_time_unix_nano);
  e.line = record.body.ToString();
  Labels& md = e.metadata;
  auto add = [&md](std::string name, std::string value) {
    if (!value.empty()) md.push_back(Label{std::move(name), std::move(value)});
  };
  for (const auto& kv : record.attributes)
    if (ActionFor(log_, kv.key) == AttributeAction::kStructuredMetadata)
      AttributeLabels(kv.key, kv.value, "", &md);
  if (record.time_unix_nano && record.observed_time_unix_nano)
    add("observed_timestamp", std::to_string(record.observed_time_unix_nano));
  if (record.severity_number) add("severity_number", std::to_string(record.severity_number));
  add("severity_text", std::string(record.severity_text));
  if (record.dropped_attributes_count)
    add("dropped_attributes_count", std::to_string(record.dropped_attributes_count));
  if (record.flags) add("flags", std::to_string(record.flags));
  if (!record.trace_id.empty()) add("trace_id", record.trace_id.Hex());
  if (!record.span_id.empty()) add("span_id", record.span_id.Hex());
  for (const auto& kv : resource.attributes)
    if (ResourceAction(resource, kv.key) == AttributeAction::kStructuredMetadata)
      AttributeLabels(kv.key, kv.value, "", &md);
  for (const auto& kv : scope.attributes)
    if (ActionFor(scope_, kv.key) == AttributeAction::kStructuredMetadata)
      AttributeLabels(kv.key, kv.value, "", &md);
  add("scope_name", std::string(scope.name));
  add("scope_version", std::string(scope.version));
  if (scope.dropped_attributes_count)
    add("scope_dropped_attributes_count", std::to_string(scope.dropped_attributes_count));
  SortLabels(md);
  std::string_view given = GetLabel(md, "detected_level");
  SetLabel(md, "detected_level",
           given.empty() ? LokiDetectedLevel(stream, md, e.line) : NormalizeLevel(given));
  return e;
}

std::string LokiDetectedLevel(const Labels& stream, const Labels& metadata, std::string_view line) {
  if (const Label* l = FindLevelLabel(stream)) return NormalizeLevel(l->value);
  if (const Label* l = FindLevelLabel(metadata)) return NormalizeLevel(l->value);
  std::string_view severity = GetLabel(metadata, "severity_number");
  if (!severity.empty()) return std::string(LevelFromSeverityNumber(severity));
  return LevelFromLine(line);
}

}  // namespace otter::store
