#include "rules/alert_template.h"

#include <gtest/gtest.h>

namespace otter::rules {
namespace {

std::string Expand(const std::string& text, double value = 0.1234567) {
  store::Labels labels{{"instance", "web-1.example.com:8080"}, {"job", "api"}};
  store::Labels ext{{"cluster", "eu1"}};
  auto t = ParseAlertTemplate(text, "__alert_T");
  if (!t.ok()) return "parse: " + std::string(t.status().message());
  auto out = ExpandAlertTemplate(*t, {&labels, &ext, value, "http://otter:16686"});
  return out.ok() ? *out : "exec: " + std::string(out.status().message());
}

TEST(AlertTemplateTest, VariablesAndFields) {
  EXPECT_EQ(Expand("{{ $labels.job }} on {{ .Labels.instance }} = {{ $value }}"),
            "api on web-1.example.com:8080 = 0.1234567");
  EXPECT_EQ(Expand("{{ $externalLabels.cluster }} {{ $externalURL }} [{{ $labels.nope }}]"),
            "eu1 http://otter:16686 []");
  EXPECT_EQ(Expand("{{ .Value }}", 1e6), "1e+06");
  EXPECT_EQ(Expand("{{ $labels }}"), "map[instance:web-1.example.com:8080 job:api]");
  EXPECT_EQ(Expand("a {{/* a comment */}}b"), "a b");
}

TEST(AlertTemplateTest, Functions) {
  EXPECT_EQ(Expand("{{ $value | humanizePercentage }}"), "12.35%");
  EXPECT_EQ(Expand("{{ humanize $value }}", 1234567), "1.235M");
  EXPECT_EQ(Expand("{{ $value | humanize1024 }}", 2048), "2ki");
  EXPECT_EQ(Expand("{{ humanizeDuration $value }}", 93784), "1d 2h 3m 4s");
  EXPECT_EQ(Expand("{{ $value | humanizeTimestamp }}", 1700000000),
            "2023-11-14 22:13:20 +0000 UTC");
  EXPECT_EQ(Expand("{{ printf \"%.2f\" $value }}"), "0.12");
  EXPECT_EQ(Expand("{{ $labels.instance | stripPort }}"), "web-1.example.com");
  EXPECT_EQ(Expand("{{ $labels.instance | stripDomain }}"), "web-1:8080");
  EXPECT_EQ(Expand("{{ $labels.job | toUpper }} {{ title \"hello world\" }}"), "API Hello World");
  EXPECT_EQ(Expand("{{ reReplaceAll \"web-(\\\\d)\" \"node$1\" $labels.instance }}"),
            "node1.example.com:8080");
  EXPECT_EQ(Expand("{{ if gt $value 0.1 }}high{{ else }}low{{ end }}"), "high");
  EXPECT_EQ(Expand("{{ if match \"^web\" $labels.instance }}y{{ end }}"), "y");
}

TEST(AlertTemplateTest, HumanizeMatchesPrometheus) {
  EXPECT_EQ(Humanize(0), "0");
  EXPECT_EQ(Humanize(0.001234), "1.234m");
  EXPECT_EQ(Humanize(999), "999");
  EXPECT_EQ(Humanize(1000), "1k");
  EXPECT_EQ(Humanize1024(1), "1");
  EXPECT_EQ(Humanize1024(1048576), "1Mi");
  EXPECT_EQ(HumanizeDuration(0), "0s");
  EXPECT_EQ(HumanizeDuration(0.0012), "1.2ms");
  EXPECT_EQ(HumanizeDuration(42.5), "42.5s");
  EXPECT_EQ(HumanizeDuration(3600), "1h 0m 0s");
  EXPECT_EQ(HumanizePercentage(0.5), "50%");
}

TEST(AlertTemplateTest, Errors) {
  EXPECT_EQ(Expand("{{ nosuch }}"),
            "parse: template: __alert_T:1: function \"nosuch\" not defined");
  EXPECT_EQ(Expand("{{ $x }}"), "parse: template: __alert_T:1: undefined variable \"$x\"");
  EXPECT_EQ(Expand("{{ humanize $labels.job }}"),
            "exec: error calling humanize: can't convert \"api\" to float");
}

}  // namespace
}  // namespace otter::rules
