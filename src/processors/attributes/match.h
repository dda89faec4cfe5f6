// include/exclude matching of otelcol's filterconfig (MatchProperties), as the `attributes`
// processor uses it: match_type strict|regexp over services, span_names, span_kinds, attributes,
// resources, libraries (spans); attributes, resources, libraries, log_bodies, log_severity_texts,
// log_severity_number (logs); metric_names and resources (metrics). Every property given must
// match (AND); within a list of names any item may match (OR); every listed attribute must match.
// Compiled once (RE2); Match* are const and thread-safe.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "component/component.h"
#include "config/table.h"
#include "pdata/batch.h"
#include "processors/attraction/value.h"

namespace otter::attributes {

struct MatchAttribute {
  std::string key;
  std::optional<attraction::ConfigValue> value;  // unset: the key being present matches
};

struct MatchLibrary {
  std::string name;
  std::optional<std::string> version;  // unset: any version
};

struct SeverityNumberMatch {
  int32_t min = 0;
  bool match_undefined = false;
};

struct MatchProperties {
  std::string match_type;  // strict | regexp
  std::vector<std::string> services;
  std::vector<std::string> span_names;
  std::vector<std::string> span_kinds;
  std::vector<std::string> log_bodies;
  std::vector<std::string> log_severity_texts;
  std::optional<SeverityNumberMatch> log_severity_number;
  std::vector<std::string> metric_names;
  std::vector<MatchAttribute> attributes;
  std::vector<MatchAttribute> resources;
  std::vector<MatchLibrary> libraries;
};

const config::Table<MatchProperties>& MatchPropertiesTable();

class Matcher {
 public:
  // Checks `p` for the signal as otelcol does (e.g. log_bodies are not valid for spans).
  static StatusOr<std::unique_ptr<Matcher>> Create(const MatchProperties& p, Signal signal);

  bool MatchSpan(const pdata::Resource& r, const pdata::InstrumentationScope& s,
                 const pdata::Span& span) const;
  bool MatchLog(const pdata::Resource& r, const pdata::InstrumentationScope& s,
                const pdata::LogRecord& log) const;
  bool MatchMetric(const pdata::Resource& r, const pdata::Metric& m) const;

 private:
  // A list of names matched strictly or by (unanchored) regexps; empty = no constraint.
  struct NameSet {
    std::vector<std::string> strict;
    std::vector<std::unique_ptr<RE2>> regexps;
    bool empty() const { return strict.empty() && regexps.empty(); }
    bool Matches(std::string_view s) const;
  };
  struct AttrMatch {
    std::string key;
    std::optional<attraction::ConfigValue> value;  // strict
    std::unique_ptr<RE2> regexp;                   // regexp
  };
  struct LibMatch {
    NameSet name;
    std::optional<NameSet> version;
  };
  static Status Build(const std::vector<std::string>& in, bool regexp, const char* what,
                      NameSet& out);
  static Status BuildAttrs(const std::vector<MatchAttribute>& in, bool regexp, const char* what,
                           std::vector<AttrMatch>& out);
  static bool MatchAttrs(const std::vector<AttrMatch>& want, const pdata::Attributes& have);
  bool MatchCommon(const pdata::Resource& r, const pdata::InstrumentationScope& s,
                   const pdata::Attributes& attrs) const;

  NameSet services_, span_names_, span_kinds_, log_bodies_, log_severity_texts_, metric_names_;
  std::optional<SeverityNumberMatch> severity_;
  std::vector<AttrMatch> attributes_, resources_;
  std::vector<LibMatch> libraries_;
};

// include/exclude together: an item is processed if it matches include (when set) and does not
// match exclude (when set).
struct MatchConfig {
  std::optional<MatchProperties> include;
  std::optional<MatchProperties> exclude;
};

class ItemFilter {
 public:
  static StatusOr<ItemFilter> Create(const MatchConfig& c, Signal signal);
  bool empty() const { return !include_ && !exclude_; }
  template <class Fn>
  bool Process(Fn&& matches) const {
    if (include_ && !matches(*include_)) return false;
    if (exclude_ && matches(*exclude_)) return false;
    return true;
  }

 private:
  std::shared_ptr<const Matcher> include_, exclude_;
};

}  // namespace otter::attributes
