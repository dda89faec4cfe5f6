#include "processors/attraction/actions.h"

#include <gtest/gtest.h>

namespace otter::attraction {
namespace {

using pdata::AnyValue;
using pdata::Attributes;

ActionConfig Act(std::string action, std::string key) {
  ActionConfig a;
  a.action = std::move(action);
  a.key = std::move(key);
  return a;
}

ConfigValue Str(std::string s) {
  ConfigValue v;
  v.type = AnyValue::Type::kString;
  v.str = std::move(s);
  return v;
}

class ActionsTest : public ::testing::Test {
 protected:
  // Applies `actions` to `attrs` and returns the result.
  Attributes Run(const std::vector<ActionConfig>& actions, Attributes attrs) {
    auto compiled = AttrActions::Compile(actions);
    EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
    if (!compiled.ok()) return {};
    auto bound = (*compiled)->Bind(arenas_);
    (*compiled)->Apply(attrs, bound, arenas_);
    return attrs;
  }
  std::string CompileError(const std::vector<ActionConfig>& actions) {
    auto compiled = AttrActions::Compile(actions);
    return compiled.ok() ? "" : std::string(compiled.status().message());
  }
  pdata::ArenaSet arenas_;
};

TEST_F(ActionsTest, InsertUpdateUpsertFollowPresence) {
  auto ins = Act("insert", "a");
  ins.value = Str("new");
  auto upd = Act("UPDATE", "b");
  upd.value = Str("changed");
  auto upd_missing = Act("update", "zz");
  upd_missing.value = Str("never");
  auto ups = Act("Upsert", "c");
  ups.value = Str("up");
  Attributes in = {{"a", AnyValue::String("old")}, {"b", AnyValue::Int(1)}};
  Attributes want = {{"a", AnyValue::String("old")},
                     {"b", AnyValue::String("changed")},
                     {"c", AnyValue::String("up")}};
  EXPECT_EQ(Run({ins, upd, upd_missing, ups}, in), want);

  Attributes empty;
  Attributes want2 = {{"a", AnyValue::String("new")}, {"c", AnyValue::String("up")}};
  EXPECT_EQ(Run({ins, upd, upd_missing, ups}, empty), want2);
}

TEST_F(ActionsTest, FromAttributeCopiesTypedValueAndSkipsWhenSourceMissing) {
  auto a = Act("upsert", "copy");
  a.from_attribute = "src";
  Attributes in = {{"src", AnyValue::Int(7)}};
  Attributes want = {{"src", AnyValue::Int(7)}, {"copy", AnyValue::Int(7)}};
  EXPECT_EQ(Run({a}, in), want);
  Attributes none = {{"other", AnyValue::Bool(true)}};
  EXPECT_EQ(Run({a}, none), none);
}

TEST_F(ActionsTest, DeleteByKeyAndPattern) {
  auto by_key = Act("delete", "password");
  auto by_pattern = Act("delete", "");
  by_pattern.pattern = "^http\\..*";
  Attributes in = {{"password", AnyValue::String("x")},
                   {"http.url", AnyValue::String("/a")},
                   {"keep", AnyValue::Int(1)},
                   {"http.method", AnyValue::String("GET")}};
  Attributes want = {{"keep", AnyValue::Int(1)}};
  EXPECT_EQ(Run({by_key, by_pattern}, in), want);
}

TEST_F(ActionsTest, HashIsLowercaseSha256OfTypedBytes) {
  auto pat = Act("hash", "");
  pat.pattern = "^h_";
  Attributes in = {{"h_s", AnyValue::String("secret")}, {"h_i", AnyValue::Int(42)},
                   {"h_d", AnyValue::Double(1.5)},      {"h_b", AnyValue::Bool(true)},
                   {"h_empty", AnyValue::String("")},   {"other", AnyValue::String("secret")}};
  Attributes want = {
      {"h_s", AnyValue::String("2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b")},
      {"h_i", AnyValue::String("ed049108bc18f2c64369e8d0ea42850bdd1a7d1dd340cfde716315579702a76c")},
      {"h_d", AnyValue::String("e163f8cb0f7067a7fc78ca859a77f849aea3214f38fb75b884e4a16be725c905")},
      {"h_b", AnyValue::String("4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a")},
      {"h_empty", AnyValue::String("")},
      {"other", AnyValue::String("secret")}};
  EXPECT_EQ(Run({pat}, in), want);
}

TEST_F(ActionsTest, ExtractNamedGroupsOverwrite) {
  auto a = Act("extract", "http.url");
  a.pattern = R"(^/api/(?P<version>v\d+)/users/(?P<user_id>\d+))";
  Attributes in = {{"http.url", AnyValue::String("/api/v2/users/1234/orders")},
                   {"version", AnyValue::Int(1)}};
  Attributes want = {{"http.url", AnyValue::String("/api/v2/users/1234/orders")},
                     {"version", AnyValue::String("v2")},
                     {"user_id", AnyValue::String("1234")}};
  EXPECT_EQ(Run({a}, in), want);
  Attributes nomatch = {{"http.url", AnyValue::String("/health")}};
  EXPECT_EQ(Run({a}, nomatch), nomatch);
  Attributes not_string = {{"http.url", AnyValue::Int(3)}};
  EXPECT_EQ(Run({a}, not_string), not_string);
}

TEST_F(ActionsTest, ConvertAsOtelcol) {
  auto to_int = Act("convert", "i");
  to_int.converted_type = "int";
  auto to_double = Act("convert", "d");
  to_double.converted_type = "double";
  auto to_string = Act("convert", "s");
  to_string.converted_type = "string";
  auto bad_int = Act("convert", "bad");
  bad_int.converted_type = "int";
  Attributes in = {{"i", AnyValue::String("-12")},
                   {"d", AnyValue::Int(3)},
                   {"s", AnyValue::Double(0.1)},
                   {"bad", AnyValue::String("12abc")}};
  Attributes want = {{"i", AnyValue::Int(-12)},
                     {"d", AnyValue::Double(3)},
                     {"s", AnyValue::String("0.1")},
                     {"bad", AnyValue::String("12abc")}};
  EXPECT_EQ(Run({to_int, to_double, to_string, bad_int}, in), want);

  Attributes more = {{"i", AnyValue::Double(-2.9)}, {"s", AnyValue::Bool(true)}};
  Attributes want_more = {{"i", AnyValue::Int(-2)}, {"s", AnyValue::String("true")}};
  EXPECT_EQ(Run({to_int, to_string}, more), want_more);
}

TEST_F(ActionsTest, TypedValuesFromYaml) {
  config::Diagnostics d;
  auto scalar = [&](std::string s) {
    config::Node n;
    n.kind = config::Node::Kind::kScalar;
    n.scalar = std::move(s);
    ConfigValue v;
    EXPECT_TRUE(ParseConfigValue(n, v, d));
    return Materialize(v, arenas_);
  };
  EXPECT_EQ(scalar("123"), AnyValue::Int(123));
  EXPECT_EQ(scalar("-0x10"), AnyValue::Int(-16));
  EXPECT_EQ(scalar("1.5"), AnyValue::Double(1.5));
  EXPECT_EQ(scalar("true"), AnyValue::Bool(true));
  EXPECT_EQ(scalar("production"), AnyValue::String("production"));
  EXPECT_EQ(scalar("1.2.3"), AnyValue::String("1.2.3"));

  config::Node list;
  list.kind = config::Node::Kind::kSeq;
  list.seq.resize(2);
  list.seq[0].kind = list.seq[1].kind = config::Node::Kind::kScalar;
  list.seq[0].scalar = "a";
  list.seq[1].scalar = "2";
  ConfigValue v;
  ASSERT_TRUE(ParseConfigValue(list, v, d));
  AnyValue want;
  want.type = AnyValue::Type::kArray;
  want.array_value = {AnyValue::String("a"), AnyValue::Int(2)};
  EXPECT_EQ(Materialize(v, arenas_), want);
  EXPECT_EQ(AsString(want), R"(["a",2])");
}

TEST_F(ActionsTest, ValidationErrorsNameTheActionIndex) {
  auto ok = Act("delete", "x");
  EXPECT_EQ(CompileError({ok, Act("insert", "k")}),
            "error creating AttrProc. Either field \"value\", \"from_attribute\" or "
            "\"from_context\" setting must be specified for 1-th action");
  EXPECT_EQ(CompileError({Act("frobnicate", "k")}),
            "error creating AttrProc due to unsupported action \"frobnicate\" at the 0-th "
            "actions");
  EXPECT_EQ(CompileError({Act("delete", "")}),
            "error creating AttrProc due to missing required field (at least one of \"key\" and "
            "\"pattern\" have to be used) at the 0-th actions");
  EXPECT_EQ(CompileError({Act("upsert", "")}),
            "error creating AttrProc due to missing required field \"key\" at the 0-th actions");
  auto two = Act("upsert", "k");
  two.value = Str("v");
  two.from_attribute = "f";
  EXPECT_EQ(CompileError({two}),
            "error creating AttrProc due to multiple value sources being set at the 0-th actions");
  auto unnamed = Act("extract", "k");
  unnamed.pattern = "(?P<a>x)(y)";
  EXPECT_EQ(CompileError({unnamed}),
            "error creating AttrProc. Field \"pattern\" contains at least one unnamed matcher "
            "group at the 0-th actions");
  auto conv = Act("convert", "k");
  conv.converted_type = "float";
  EXPECT_EQ(CompileError({conv}),
            "error creating AttrProc due to invalid value \"float\" in field \"converted_type\" "
            "for action \"convert\" at the 0-th action");
  auto ctx = Act("insert", "k");
  ctx.from_context = "auth.subject";
  EXPECT_EQ(CompileError({ok, ctx}),
            "from_context \"auth.subject\" is not supported by otter (receivers do not keep "
            "authentication data with the data); use \"metadata.<header>\" or "
            "\"client.address\" at the 1-th action");
  ctx.from_context = "metadata.";
  EXPECT_EQ(CompileError({ctx}),
            "from_context \"metadata.\" names no metadata key at the 0-th action");
  ctx.from_context = "metadata.tenant";
  ctx.from_attribute = "t";
  EXPECT_EQ(CompileError({ctx}),
            "error creating AttrProc due to multiple value sources being set at the 0-th actions");
  auto del = Act("delete", "k");
  del.from_context = "metadata.tenant";
  EXPECT_EQ(CompileError({del}), "");  // otelcol ignores from_context on delete/hash, too
}

TEST_F(ActionsTest, FromContextReadsTheBatchMetadata) {
  pdata::Metadata md;
  md.Add(arenas_, "X-Tenant", "acme");
  md.Add(arenas_, "x-team", "red");
  md.Add(arenas_, "X-Team", "blue");
  md.Add(arenas_, "x-empty", "");
  auto ins = Act("insert", "tenant");
  ins.from_context = "metadata.X-TENANT";  // keys match in any case
  auto bare = Act("insert", "tenant2");
  bare.from_context = "x-tenant";  // no prefix: metadata too
  auto team = Act("upsert", "team");
  team.from_context = "metadata.x-team";  // several values: joined with ';'
  auto empty = Act("insert", "empty");
  empty.from_context = "metadata.x-empty";  // present but empty: set to ""
  auto missing = Act("upsert", "region");
  missing.from_context = "metadata.x-region";  // absent: nothing happens
  auto upd = Act("update", "absent");
  upd.from_context = "metadata.x-tenant";  // update needs the attribute
  auto addr = Act("insert", "client");
  addr.from_context = "client.address";

  auto compiled = AttrActions::Compile({ins, bare, team, empty, missing, upd, addr});
  ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
  Attributes attrs = {{"tenant", AnyValue::String("kept")}, {"region", AnyValue::String("eu")}};
  auto bound = (*compiled)->Bind(arenas_, md, "10.1.2.3");
  (*compiled)->Apply(attrs, bound, arenas_);
  Attributes want = {
      {"tenant", AnyValue::String("kept")},  {"region", AnyValue::String("eu")},
      {"tenant2", AnyValue::String("acme")}, {"team", AnyValue::String("red;blue")},
      {"empty", AnyValue::String("")},       {"client", AnyValue::String("10.1.2.3")}};
  EXPECT_EQ(attrs, want);

  // Without metadata (the receiver had no include_metadata) only client.address is set: "" when
  // the receiver does not know the address, as otelcol does.
  Attributes none;
  auto bound2 = (*compiled)->Bind(arenas_);
  (*compiled)->Apply(none, bound2, arenas_);
  Attributes want2 = {{"client", AnyValue::String("")}};
  EXPECT_EQ(none, want2);
}

}  // namespace
}  // namespace otter::attraction
