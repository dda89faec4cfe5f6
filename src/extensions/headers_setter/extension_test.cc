// headers_setter: the four actions on an exporter's headers, config parsing and errors.
#include "extensions/headers_setter/extension.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace otter::headers_setter {
namespace {

HeadersSetterConfig Parse(const std::string& yaml, std::string* error = nullptr) {
  auto node = config::ParseYaml(yaml, "h.yaml");
  EXPECT_TRUE(node.ok());
  HeadersSetterConfig c;
  config::Diagnostics d;
  HeadersSetterTable().Parse(*node, c, d);
  if (d.ok()) {
    if (Status s = c.Validate(); !s.ok()) d.Error("h.yaml", std::string(s.message()));
  }
  if (error) *error = d.ErrorsText();
  return c;
}

TEST(HeadersSetterTest, ActionsOnAnExportersHeaders) {
  auto cfg = Parse(R"(headers:
  - {key: X-Scope-OrgID, value: acme}
  - {key: X-Only-New, value: new, action: insert}
  - {key: X-Existing, value: changed, action: update}
  - {key: X-Absent, value: never, action: update}
  - {key: Content-Type, action: insert, value: text/plain}
  - {key: X-Drop, action: delete}
  - {key: X-Tenant, from_context: tenant, default_value: t-default}
  - {key: X-No-Default, from_context: tenant}
)");
  ASSERT_EQ(cfg.headers.size(), 8u);
  HeadersSetter h(ComponentContext{}, cfg);
  auth::HeaderList headers = {{"Content-Type", "application/x-protobuf"},
                              {"x-existing", "old"},
                              {"x-drop", "1"},
                              {"x-scope-orgid", "client-set"}};
  h.AddHeaders(headers);
  EXPECT_EQ(headers, (auth::HeaderList{{"Content-Type", "application/x-protobuf"},
                                       {"x-existing", "changed"},
                                       {"x-scope-orgid", "acme"},
                                       {"X-Only-New", "new"},
                                       {"X-Tenant", "t-default"}}));
}

TEST(HeadersSetterTest, FromContextReadsTheBatchsMetadata) {
  auto cfg = Parse(R"(headers:
  - {key: X-Scope-OrgID, from_context: X-Scope-OrgID, default_value: anonymous}
  - {key: X-Region, from_context: region}
  - {key: X-Only-New, from_context: tenant, action: insert}
)");
  HeadersSetter h(ComponentContext{}, cfg);
  pdata::ArenaSet arenas;
  pdata::Metadata md;
  md.Add(arenas, "X-Scope-OrgID", "tenant-a");  // keys are stored lower-cased
  md.Add(arenas, "tenant", "t1");
  auth::HeaderList headers = {{"x-only-new", "client"}};
  ASSERT_TRUE(h.AddRequestHeaders(headers, md).ok());
  // region: absent and no default_value, so not set; insert keeps the existing header.
  EXPECT_EQ(headers, (auth::HeaderList{{"x-only-new", "client"}, {"X-Scope-OrgID", "tenant-a"}}));

  auth::HeaderList without;
  ASSERT_TRUE(h.AddRequestHeaders(without, pdata::Metadata{}).ok());
  EXPECT_EQ(without,
            (auth::HeaderList{{"X-Scope-OrgID", "anonymous"}}));  // the default, nothing else
}

TEST(HeadersSetterTest, SeveralValuesOfAFromContextKeyFailTheRequest) {
  auto cfg = Parse("headers: [{key: X-Scope-OrgID, from_context: tenant, default_value: d}]\n");
  HeadersSetter h(ComponentContext{}, cfg);
  pdata::ArenaSet arenas;
  pdata::Metadata md;
  md.Add(arenas, "tenant", "a");
  md.Add(arenas, "Tenant", "b");
  auth::HeaderList headers;
  Status s = h.AddRequestHeaders(headers, md);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "headers_setter: header \"X-Scope-OrgID\": 2 values of \"tenant\" in the request "
            "metadata, cannot tell which one to send");
  EXPECT_FALSE(s.retryable());
}

TEST(HeadersSetterTest, ConfigErrors) {
  std::string err;
  Parse("headers: []\n", &err);
  EXPECT_EQ(err, "h.yaml: headers: missing headers configuration\n");
  Parse("headers: [{value: x}]\n", &err);
  EXPECT_EQ(err, "h.yaml: headers: missing header name\n");
  Parse("headers: [{key: a}]\n", &err);
  EXPECT_EQ(err,
            "h.yaml: headers: \"a\": missing header source, must be 'from_context' or 'value'\n");
  Parse("headers: [{key: a, value: x, from_context: y}]\n", &err);
  EXPECT_EQ(
      err,
      "h.yaml: headers: \"a\": invalid header source, must either 'from_context' or 'value'\n");
  Parse("headers: [{key: a, value: x, action: replace}]\n", &err);
  EXPECT_EQ(err, "h.yaml:1: action: \"replace\" is not one of insert, update, upsert, delete\n");
}

}  // namespace
}  // namespace otter::headers_setter
