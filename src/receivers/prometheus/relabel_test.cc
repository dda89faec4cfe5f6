#include "receivers/prometheus/relabel.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace otter::promscrape {
namespace {

std::vector<RelabelRule> Rules(const std::string& yaml, std::string* errors = nullptr) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  config::Diagnostics d;
  auto rules = ParseRelabelRules(*node, d);
  if (errors)
    *errors = d.ErrorsText();
  else
    EXPECT_TRUE(d.ok()) << d.ErrorsText();
  return rules;
}

// Applies the rules to `in`; "DROPPED" when a keep/drop rule dropped the set.
std::string Apply(const std::string& yaml, LabelSet in) {
  return Relabel(Rules(yaml), &in) ? in.ToString() : "DROPPED";
}

TEST(RelabelTest, Replace) {
  LabelSet in{{"a", "x"}, {"b", "y"}};
  EXPECT_EQ(Apply("- source_labels: [a, b]\n  regex: (.*);(.*)\n  target_label: c\n"
                  "  replacement: $2-${1}\n",
                  in),
            "{a=\"x\", b=\"y\", c=\"y-x\"}");
  // The regex is anchored: "x" alone does not match "x.*y".
  EXPECT_EQ(Apply("- source_labels: [a]\n  regex: y\n  target_label: c\n", in),
            "{a=\"x\", b=\"y\"}");
  // An empty result deletes the target; a template target label.
  EXPECT_EQ(Apply("- source_labels: [a]\n  regex: (x)\n  target_label: b\n  replacement: ''\n", in),
            "{a=\"x\"}");
  EXPECT_EQ(Apply("- source_labels: [a]\n  regex: (.*)\n  target_label: lbl_$1\n"
                  "  replacement: v\n",
                  in),
            "{a=\"x\", b=\"y\", lbl_x=\"v\"}");
  // Default action replace, regex (.*), replacement $1; a missing source label is "".
  EXPECT_EQ(Apply("- source_labels: [a, missing]\n  separator: '|'\n  target_label: j\n", in),
            "{a=\"x\", b=\"y\", j=\"x|\"}");
}

TEST(RelabelTest, KeepDropAndEquality) {
  LabelSet in{{"__name__", "go_gc_duration_seconds"}, {"a", "x"}, {"b", "x"}};
  EXPECT_EQ(Apply("- source_labels: [__name__]\n  regex: go_.*\n  action: drop\n", in), "DROPPED");
  EXPECT_EQ(Apply("- source_labels: [__name__]\n  regex: go\n  action: drop\n", in), in.ToString());
  EXPECT_EQ(Apply("- source_labels: [__name__]\n  regex: node_.*\n  action: keep\n", in),
            "DROPPED");
  EXPECT_EQ(Apply("- source_labels: [a]\n  target_label: b\n  action: keepequal\n", in),
            in.ToString());
  EXPECT_EQ(Apply("- source_labels: [a]\n  target_label: b\n  action: dropequal\n", in), "DROPPED");
}

TEST(RelabelTest, LabelMapDropKeep) {
  LabelSet in{{"__meta_kind", "pod"}, {"__meta_zone", "eu"}, {"job", "j"}};
  EXPECT_EQ(Apply("- regex: __meta_(.+)\n  action: labelmap\n", in),
            "{__meta_kind=\"pod\", __meta_zone=\"eu\", job=\"j\", kind=\"pod\", zone=\"eu\"}");
  EXPECT_EQ(Apply("- regex: __meta_(.+)\n  replacement: k8s_$1\n  action: labelmap\n", in),
            "{__meta_kind=\"pod\", __meta_zone=\"eu\", job=\"j\", k8s_kind=\"pod\", "
            "k8s_zone=\"eu\"}");
  EXPECT_EQ(Apply("- regex: __meta_.*\n  action: labeldrop\n", in), "{job=\"j\"}");
  EXPECT_EQ(Apply("- regex: __meta_k.*|job\n  action: labelkeep\n", in),
            "{__meta_kind=\"pod\", job=\"j\"}");
}

TEST(RelabelTest, HashModAndCase) {
  LabelSet in{{"__address__", "10.0.0.1:9100"}, {"x", "MiXed"}};
  // md5("10.0.0.1:9100"): the last 8 bytes as a big-endian integer, modulo 8, is 5.
  EXPECT_EQ(Apply("- source_labels: [__address__]\n  modulus: 8\n  target_label: shard\n"
                  "  action: hashmod\n",
                  in),
            "{__address__=\"10.0.0.1:9100\", shard=\"5\", x=\"MiXed\"}");
  EXPECT_EQ(HashMod("a", 1000), 697u);
  EXPECT_EQ(Apply("- source_labels: [x]\n  target_label: lo\n  action: lowercase\n"
                  "- source_labels: [x]\n  target_label: up\n  action: uppercase\n",
                  in),
            "{__address__=\"10.0.0.1:9100\", lo=\"mixed\", up=\"MIXED\", x=\"MiXed\"}");
}

TEST(RelabelTest, ConfigErrorsName) {
  std::string errors;
  Rules("- action: explode\n", &errors);
  EXPECT_EQ(errors, "test.yaml:1: unknown relabel action \"explode\"\n");
  Rules("- source_labels: [a]\n  regex: '(a'\n  target_label: b\n", &errors);
  EXPECT_EQ(errors, "test.yaml:1: regex: error parsing regexp: missing closing ): `^(?:(a)$`\n");
  Rules("- source_labels: [a]\n  target_label: b\n  action: hashmod\n", &errors);
  EXPECT_EQ(errors, "test.yaml:1: relabel configuration for hashmod requires non-zero modulus\n");
  Rules("- source_labels: [a]\n  action: replace\n", &errors);
  EXPECT_EQ(errors,
            "test.yaml:1: relabel configuration for replace action requires 'target_label' "
            "value\n");
  Rules("- regex: a\n  target_label: b\n  action: labeldrop\n", &errors);
  EXPECT_EQ(errors, "test.yaml:1: labeldrop action requires only 'regex', and no other fields\n");
  Rules("- regexp: a\n", &errors);
  EXPECT_EQ(errors,
            "test.yaml:1: unknown key \"regexp\" in relabel config; did you mean "
            "\"regex\"?\n");
}

}  // namespace
}  // namespace otter::promscrape
