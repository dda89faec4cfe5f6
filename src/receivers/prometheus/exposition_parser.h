// ExpositionParser: a hand-written pull parser for the Prometheus text format 0.0.4 and
// OpenMetrics 1.0 text, as a scrape returns them. It walks the body line by line and yields
// metadata (HELP / TYPE / UNIT) and samples (name, labels, value, optional timestamp and, in
// OpenMetrics, an exemplar). Strings are views into the body; the rare escaped label value or
// help text is unescaped into the arena given at construction, so the views stay valid as long as
// the body and that arena do. No allocation per sample: the label vectors are reused.
// Errors name the line ("line 12: ..."), as Prometheus's parser does.
// Thread-safety: one parser per scrape, used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pdata/arena.h"

namespace otter::promscrape {

enum class ExpositionFormat : uint8_t { kText, kOpenMetrics };

// Chooses the parser from a response's Content-Type, as Prometheus does: OpenMetrics when it says
// application/openmetrics-text, the 0.0.4 text format otherwise.
ExpositionFormat FormatFromContentType(std::string_view content_type);

// Metric family types as the TYPE line names them ("untyped" in the text format = kUnknown).
enum class FamilyType : uint8_t {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset
};
// The OpenMetrics name of `t` ("unknown", "counter", ...), as otelcol writes it to the metric's
// `prometheus.type` metadata.
std::string_view FamilyTypeName(FamilyType t);

struct Label {
  std::string_view name;
  std::string_view value;
  bool operator==(const Label&) const = default;
};

class ExpositionParser {
 public:
  enum class Entry : uint8_t { kEof, kHelp, kType, kUnit, kSample };

  // `unescape_arena` receives unescaped copies of label values and help texts with escapes.
  ExpositionParser(std::string_view body, ExpositionFormat format, pdata::ArenaSet* unescape_arena);

  // Advances to the next entry. kEof at the end (for OpenMetrics, at "# EOF", which must be
  // there); an error for malformed input, naming the line.
  StatusOr<Entry> Next();

  // kHelp / kType / kUnit: the family named on the line, and its text, type or unit.
  std::string_view family() const { return family_; }
  std::string_view help() const { return text_; }
  std::string_view unit() const { return text_; }
  FamilyType type() const { return type_; }

  // kSample.
  std::string_view name() const { return name_; }
  const std::vector<Label>& labels() const { return labels_; }
  double value() const { return value_; }
  bool has_timestamp() const { return has_ts_; }
  int64_t timestamp_ms() const { return ts_ms_; }
  bool has_exemplar() const { return has_exemplar_; }
  const std::vector<Label>& exemplar_labels() const { return ex_labels_; }
  double exemplar_value() const { return ex_value_; }
  bool exemplar_has_timestamp() const { return ex_has_ts_; }
  int64_t exemplar_timestamp_ms() const { return ex_ts_ms_; }

  int line() const { return line_no_; }
  ExpositionFormat format() const { return format_; }

 private:
  Status Error(std::string what) const;
  StatusOr<Entry> ParseComment(std::string_view line);
  Status ParseSample(std::string_view line);
  // Parses `{name="value",...}` at `*pos`; appends to `out`.
  Status ParseLabels(std::string_view line, size_t* pos, std::vector<Label>* out);
  std::string_view Unescape(std::string_view raw, bool help_text);

  std::string_view body_;
  size_t pos_ = 0;
  int line_no_ = 0;
  ExpositionFormat format_;
  pdata::ArenaSet* arena_;
  bool saw_eof_ = false;

  std::string_view family_, text_;
  FamilyType type_ = FamilyType::kUnknown;
  std::string_view name_;
  std::vector<Label> labels_;
  double value_ = 0;
  bool has_ts_ = false;
  int64_t ts_ms_ = 0;
  bool has_exemplar_ = false;
  std::vector<Label> ex_labels_;
  double ex_value_ = 0;
  bool ex_has_ts_ = false;
  int64_t ex_ts_ms_ = 0;
};

// Parses a Prometheus float ("1.5e3", "+Inf", "-Inf", "NaN", case-insensitive like Go's
// strconv.ParseFloat). False on anything else.
bool ParsePromFloat(std::string_view s, double* out);

}  // namespace otter::promscrape
