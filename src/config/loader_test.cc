#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "config/table.h"

namespace otter::config {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name, std::string* v) {
    auto it = vars.find(name);
    if (it == vars.end()) return false;
    *v = it->second;
    return true;
  };
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() /
              ("otter_loader_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigLoaderTest, ExpandsEnvForms) {
  LoadOptions o;
  o.uris = {WriteTemp("env.yaml",
                      "a: ${env:HOST}\nb: ${PORT}\nc: ${env:MISSING:-dflt}\nd: ${env:EMPTY:-x}\ne: "
                      "$$literal\nf: pre-${HOST}-post\n")};
  o.env = FakeEnv({{"HOST", "h1"}, {"PORT", "99"}, {"EMPTY", ""}});
  auto root = Load(o);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->Find("a")->scalar, "h1");
  EXPECT_EQ(root->Find("b")->scalar, "99");
  EXPECT_EQ(root->Find("c")->scalar, "dflt");
  EXPECT_EQ(root->Find("d")->scalar, "");  // set-but-empty does not take the default
  EXPECT_EQ(root->Find("e")->scalar, "$literal");
  EXPECT_EQ(root->Find("f")->scalar, "pre-h1-post");
}

TEST(ConfigLoaderTest, UnsetEnvExpandsToEmptyWithAWarningNamingIt) {
  LoadOptions o;
  o.uris = {
      WriteTemp("unset.yaml",
                "a: ${env:NOPE_NOT_SET}\nb: ${env:HOST}\nc: ${env:GONE:-d}\nd: x${BARE_UNSET}y\n")};
  o.env = FakeEnv({{"HOST", "h1"}});
  std::vector<std::string> warnings;
  auto root = Load(o, &warnings);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->Find("a")->scalar, "");
  EXPECT_EQ(root->Find("d")->scalar, "xy");
  // One warning per unset reference without a default, naming the variable and where it is.
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("unset.yaml:1"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("NOPE_NOT_SET"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("unset.yaml:4"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[1].find("BARE_UNSET"), std::string::npos) << warnings[1];
}

TEST(ConfigLoaderTest, UnknownProviderIsAnError) {
  LoadOptions o;
  o.uris = {WriteTemp("prov.yaml", "a: ${vault:secret}\n")};
  o.env = FakeEnv({});
  auto root = Load(o);
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find("vault"), std::string_view::npos);
  EXPECT_NE(root.status().message().find("prov.yaml:1"), std::string_view::npos);
}

TEST(ConfigLoaderTest, MergesFilesInOrderAndAppliesSet) {
  LoadOptions o;
  o.uris = {WriteTemp("m1.yaml", "x:\n  a: 1\n  b: 2\nlist: [1, 2]\n"),
            WriteTemp("m2.yaml", "x:\n  b: 3\n  c: 4\nlist: [9]\n"), "yaml:x::d: 5"};
  o.sets = {"x::a=7"};
  o.env = FakeEnv({});
  auto root = Load(o);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  const Node* x = root->Find("x");
  EXPECT_EQ(x->Find("a")->scalar, "7");
  EXPECT_EQ(x->Find("b")->scalar, "3");
  EXPECT_EQ(x->Find("c")->scalar, "4");
  EXPECT_EQ(x->Find("d")->scalar, "5");
  ASSERT_EQ(root->Find("list")->seq.size(), 1u);  // lists are replaced, not merged
  EXPECT_EQ(root->Find("list")->seq[0].scalar, "9");
}

TEST(ConfigLoaderTest, EnvUriAndLineNumbers) {
  LoadOptions o;
  o.uris = {"env:CFG"};
  o.env = FakeEnv({{"CFG", "a: 1\nb:\n  c: 2\n"}});
  auto root = Load(o);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->Find("b")->Find("c")->line, 3);
  EXPECT_EQ(root->Find("b")->Find("c")->Where(), "env:CFG:3");
}

TEST(ConfigLoaderTest, InvalidYamlNamesFileAndLine) {
  LoadOptions o;
  // The defect is on line 3 ("c: d: e"); lines after it are fine.
  const std::string path = WriteTemp("bad.yaml", "a: 1\nb: 2\nc: d: e\nf: 4\n");
  o.uris = {path};
  auto root = Load(o);
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(root.status().message().find(path + ":3: invalid YAML: illegal map value"),
            std::string_view::npos)
      << root.status().message();
  // An unclosed flow sequence is found where the input ends (line 3 of a two-line file).
  const std::string unclosed = WriteTemp("unclosed.yaml", "a: 1\nb: [1, 2\n");
  o.uris = {unclosed};
  root = Load(o);
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find(unclosed + ":3: invalid YAML: end of sequence flow"),
            std::string_view::npos)
      << root.status().message();
}

TEST(ConfigLoaderTest, MissingFile) {
  LoadOptions o;
  o.uris = {"/nonexistent/otter.yaml"};
  auto root = Load(o);
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find("/nonexistent/otter.yaml"), std::string_view::npos);
}

struct Inner {
  int64_t n = 3;
};
struct Outer {
  std::string s = "d";
  Duration timeout = std::chrono::milliseconds(200);
  bool flag = false;
  std::vector<std::string> list;
  std::optional<Inner> inner;
};

const Table<Inner>& InnerTable() {
  static const auto t = Table<Inner>().Field("n", &Inner::n, "a number");
  return t;
}
const Table<Outer>& OuterTable() {
  static const auto t = Table<Outer>()
                            .Field("s", &Outer::s, "a string")
                            .Field("timeout", &Outer::timeout, "a duration")
                            .Field("flag", &Outer::flag, "a bool")
                            .Field("list", &Outer::list, "a list")
                            .Section("inner", &Outer::inner, InnerTable(), "a section")
                            .NotSupportedYet("auth", "authentication");
  return t;
}

TEST(ConfigTableTest, ParsesEveryType) {
  auto root =
      ParseYaml("s: hi\ntimeout: 1m30s\nflag: true\nlist: [a, b]\ninner:\n  n: 42\n", "t.yaml");
  ASSERT_TRUE(root.ok());
  Outer o;
  Diagnostics d;
  OuterTable().Parse(*root, o, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(o.s, "hi");
  EXPECT_EQ(o.timeout, std::chrono::seconds(90));
  EXPECT_TRUE(o.flag);
  EXPECT_EQ(o.list, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(o.inner.has_value());
  EXPECT_EQ(o.inner->n, 42);
}

TEST(ConfigTableTest, EmptySectionEnablesWithDefaults) {
  auto root = ParseYaml("inner:\n", "t.yaml");
  Outer o;
  Diagnostics d;
  OuterTable().Parse(*root, o, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  ASSERT_TRUE(o.inner.has_value());
  EXPECT_EQ(o.inner->n, 3);
}

TEST(ConfigTableTest, ErrorsNameFileLineAndNearestKey) {
  auto root = ParseYaml("s: ok\ntimout: 5s\nflag: maybe\ninner:\n  n: x\nauth: {}\n", "t.yaml");
  Outer o;
  Diagnostics d;
  OuterTable().Parse(*root, o, d);
  ASSERT_EQ(d.errors().size(), 4u) << d.ErrorsText();
  EXPECT_NE(d.errors()[0].find("t.yaml:2"), std::string::npos);
  EXPECT_NE(d.errors()[0].find("did you mean \"timeout\""), std::string::npos);
  EXPECT_NE(d.errors()[1].find("t.yaml:3"), std::string::npos);
  EXPECT_NE(d.errors()[1].find("maybe"), std::string::npos);
  EXPECT_NE(d.errors()[2].find("t.yaml:5"), std::string::npos);
  EXPECT_NE(d.errors()[3].find("not supported yet"), std::string::npos);
}

TEST(ConfigTableTest, DurationForms) {
  Diagnostics d;
  Duration v{};
  Node n;
  n.kind = Node::Kind::kScalar;
  for (auto [text, want] :
       std::vector<std::pair<std::string, Duration>>{{"200ms", std::chrono::milliseconds(200)},
                                                     {"5s", std::chrono::seconds(5)},
                                                     {"1h", std::chrono::hours(1)},
                                                     {"1.5s", std::chrono::milliseconds(1500)},
                                                     {"100", Duration(100)},
                                                     {"10us", std::chrono::microseconds(10)}}) {
    n.scalar = text;
    ASSERT_TRUE(ParseValue(n, v, d)) << text;
    EXPECT_EQ(v, want) << text;
  }
  n.scalar = "5 seconds";
  EXPECT_FALSE(ParseValue(n, v, d));
  EXPECT_EQ(d.errors().size(), 1u);
}

TEST(ConfigTableTest, DocsListKeysAndDefaults) {
  auto docs = OuterTable().Docs();
  ASSERT_EQ(docs.size(), 6u);
  EXPECT_EQ(docs[1].key, "timeout");
  EXPECT_EQ(docs[1].default_value, "200ms");
  EXPECT_EQ(docs[4].children.size(), 1u);
}

}  // namespace
}  // namespace otter::config

namespace otter::config {
namespace {

TEST(ConfigLoaderTest, AnAliasInsideItsOwnAnchorIsAnErrorNotARecursion) {
  auto n = ParseYaml("a: &x\n  - *x\n", "c.yaml");
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(std::string(n.status().message()), ::testing::StartsWith("c.yaml:"));
  EXPECT_THAT(std::string(n.status().message()), ::testing::HasSubstr("nested deeper than 128"));
}

TEST(ConfigLoaderTest, ExponentialAliasExpansionIsRefused) {
  std::string doc = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 8; ++i)
    doc += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [*l" + std::to_string(i - 1) +
           ", *l" + std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" +
           std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" + std::to_string(i - 1) +
           ", *l" + std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" +
           std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + "]\n";
  auto n = ParseYaml(doc, "c.yaml");
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(std::string(n.status().message()),
              ::testing::HasSubstr("more than 1000000 values once aliases are expanded"));
}

}  // namespace
}  // namespace otter::config
