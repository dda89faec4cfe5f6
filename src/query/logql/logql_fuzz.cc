// libFuzzer target for LogQL: any text must parse or fail with InvalidArgument; whatever parses
// runs against a small in-memory store (logfmt, JSON, plain and pattern-shaped lines, structured
// metadata) as a log query both ways and as an instant and a range metric query, and must return
// a result or an error, never crash. Limits and a deadline keep pathological queries short.
//   logql_fuzz -max_len=512 -dict=fuzz/logql.dict corpus/
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/engine.h"
#include "query/logql/parser.h"
#include "query/logql/testing.h"

namespace {

using otter::query::logql::testing::FakeLogQuerier;

constexpr int64_t kSecond = 1000000000;

otter::store::Labels Labels(std::initializer_list<std::pair<const char*, const char*>> pairs) {
  otter::store::Labels out;
  for (const auto& [n, v] : pairs) out.push_back(otter::store::Label{n, v});
  return out;
}

FakeLogQuerier* Data() {
  static FakeLogQuerier* q = [] {
    auto* f = new FakeLogQuerier;
    const char* levels[] = {"info", "warn", "error"};
    for (int i = 0; i < 16; ++i) {
      int64_t t = i * 40 * kSecond;  // 16 entries a stream over the 10 minutes queried
      std::string n = std::to_string(i);
      f->Add(Labels({{"app", "api"}, {"env", "prod"}}), t,
             "level=" + std::string(levels[i % 3]) + " msg=\"request done\" duration=" + n +
                 "ms status=" + (i % 4 ? "200" : "500") + " bytes=" + std::to_string(i * 100),
             Labels({{"trace_id", i % 2 ? "0af7651916cd43dd8448eb211c80319c" : "00"}}));
      f->Add(Labels({{"app", "web"}, {"env", "dev"}}), t + 1,
             "{\"level\":\"" + std::string(levels[i % 3]) + "\",\"latency\":" + n +
                 ".5,\"user\":{\"id\":" + n + ",\"name\":\"u" + n +
                 "\"},\"tags\":[\"a\",\"b\"],\"ip\":\"10.0.0." + n + "\"}");
      f->Add(Labels({{"app", "proxy"}}), t + 2,
             "10.0.0." + n + " - - [07/Dec/2026:12:00:" + n + " +0000] \"GET /api/v1/items/" + n +
                 " HTTP/1.1\" " + (i % 5 ? "200" : "404") + " " + std::to_string(i * 17));
      f->Add(Labels({{"app", "proxy"}, {"detected_level", "debug"}}), t + 3,
             "plain text line number " + n + " with ÜTF-8 and \\escapes\\ and \ttabs");
    }
    return f;
  }();
  return q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otter::query::logql;
  std::string_view query(reinterpret_cast<const char*>(data), size);
  auto expr = ParseQuery(query);
  if (!expr.ok()) {
    if (expr.status().code() != otter::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  Engine engine(*Data(), EngineOptions{});
  auto limits = otter::store::QueryLimits::WithTimeout(std::chrono::seconds(2), 20000);
  QueryParams p;
  p.start_ns = 0;
  p.end_ns = 600 * kSecond;
  p.step_ns = 60 * kSecond;
  p.limit = 50;
  (void)engine.Exec(**expr, p, limits);
  p.direction = otter::store::Direction::kForward;
  p.instant = true;
  p.categorize_labels = true;
  (void)engine.Exec(**expr, p, limits);
  // The fake records every select it served; release them, or memory grows with every input and
  // libFuzzer runs a full leak scan after each one that leaves more allocations than it freed.
  std::vector<otter::store::LogSelect>().swap(Data()->selects);
  return 0;
}
