// Serving the embedded UI: index.html at / and as the single-page app's fallback, 404 for a
// missing file, ETag revalidation, gzip as stored or inflated for a client that does not take
// it, caching and security headers. Works against whichever table the build embedded (the built
// UI or the "run make ui" placeholder).
#include "query/ui_files.h"

#include <gtest/gtest.h>

#include <string>

#include "net/compression.h"
#include "query/ui_assets.h"

namespace otter::query {
namespace {

net::HttpResponse Get(const std::string& target, net::HttpHeaders headers = {}) {
  net::HttpRequest r;
  r.method = "GET";
  r.target = target;
  r.headers = std::move(headers);
  net::HttpResponse out;
  UiFiles::Handle(r, &out);
  return out;
}

std::string HeaderOf(const net::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

const UiAsset& Index() {
  for (const auto& a : UiAssets())
    if (std::string_view(a.path) == "/index.html") return a;
  ADD_FAILURE() << "no /index.html in the table";
  return UiAssets()[0];
}

TEST(UiFilesTest, TableIsSortedAndHoldsIndexHtml) {
  auto assets = UiAssets();
  ASSERT_FALSE(assets.empty());
  for (size_t i = 1; i < assets.size(); ++i)
    EXPECT_LT(std::string_view(assets[i - 1].path), std::string_view(assets[i].path));
  EXPECT_EQ(std::string_view(Index().mime), "text/html; charset=utf-8");
  EXPECT_FALSE(Index().immutable);
  for (const auto& a : assets)
    EXPECT_EQ(a.immutable, std::string_view(a.path).starts_with("/assets/")) << a.path;
}

TEST(UiFilesTest, IndexIsServedAtRootAndAsTheAppsFallback) {
  const UiAsset& index = Index();
  std::string_view packed(reinterpret_cast<const char*>(index.gzip), index.gzip_size);
  auto raw = net::Decompress(net::Encoding::kGzip, packed, index.size);
  ASSERT_TRUE(raw.ok());
  for (const char* path : {"/", "/index.html", "/trace/0123abcd", "/search?service=a"}) {
    auto r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, *raw) << path;
    EXPECT_EQ(HeaderOf(r, "Content-Encoding"), "") << path;
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
    EXPECT_EQ(HeaderOf(r, "ETag"), index.etag);
    EXPECT_TRUE(HeaderOf(r, "Content-Security-Policy").starts_with("default-src 'self'; "));
  }
  auto gz = Get("/", {{"Accept-Encoding", "br, gzip;q=0.8"}});
  EXPECT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(gz.body, packed);
  auto refused = Get("/", {{"Accept-Encoding", "gzip;q=0"}});
  EXPECT_EQ(refused.body, *raw);
}

TEST(UiFilesTest, RevalidationAndMissingFiles) {
  auto r = Get("/", {{"If-None-Match", Index().etag}});
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Get("/", {{"If-None-Match", "\"other\""}}).status, 200);
  EXPECT_EQ(Get("/assets/index-missing.js").status, 404);
  EXPECT_EQ(Get("/favicon.ico").status, 404);
}

TEST(UiFilesTest, HashedAssetsAreImmutable) {
  for (const auto& a : UiAssets()) {
    if (!a.immutable) continue;
    auto r = Get(a.path, {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(HeaderOf(r, "Content-Type"), a.mime);
    EXPECT_EQ(r.body.size(), a.gzip_size);
  }
}

TEST(UiFilesTest, ApiPathsAreNotTheUis) {
  net::HttpRequest r;
  r.method = "GET";
  for (const char* t : {"/api/services", "/api/otter/info", "/loki/api/v1/labels"}) {
    r.target = t;
    EXPECT_FALSE(UiFiles::Handles(r)) << t;
  }
  r.target = "/trace/abc";
  EXPECT_TRUE(UiFiles::Handles(r));
  r.method = "POST";
  EXPECT_FALSE(UiFiles::Handles(r));
}

}  // namespace
}  // namespace otter::query
