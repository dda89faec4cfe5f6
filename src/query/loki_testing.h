// Test-only helpers of the Loki API tests (loki_api_test.cc, loki_grafana_test.cc): a GET
// through LokiApi, URL encoding, and the stats summary Loki's query answers carry. Header-only.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "query/loki_api.h"
#include "util/store_e2e.h"

namespace otter::query::loki_testing {

inline std::string Encode(std::string_view s) { return otter::testing::UrlEncode(std::string(s)); }

// Answers GET `target` (with `headers`) from a fresh LokiApi over `querier`.
inline net::HttpResponse Get(store::LogQuerier& querier, const LokiApi::Options& options,
                             std::string target, net::HttpHeaders headers = {}) {
  net::HttpRequest req;
  req.method = "GET";
  req.target = std::move(target);
  req.headers = std::move(headers);
  LokiApi api(querier, options);
  EXPECT_TRUE(api.Handles(req.path())) << req.target;
  net::HttpResponse resp;
  api.Handle(req, &resp);
  return resp;
}

// The summary of a query's stats (execTime 0: the tests' clock stands still).
inline std::string Stats(int bytes, int lines, int returned, int post_filter) {
  return R"("stats":{"summary":{"bytesProcessedPerSecond":0,"linesProcessedPerSecond":0,)"
         R"("totalBytesProcessed":)" +
         std::to_string(bytes) + R"(,"totalLinesProcessed":)" + std::to_string(lines) +
         R"(,"execTime":0,"queueTime":0,"subqueries":0,"totalEntriesReturned":)" +
         std::to_string(returned) + R"(,"splits":0,"shards":0,"totalPostFilterLines":)" +
         std::to_string(post_filter) + R"(,"totalStructuredMetadataBytesProcessed":0}})";
}

}  // namespace otter::query::loki_testing
