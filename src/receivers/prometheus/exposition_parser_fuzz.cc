// libFuzzer target for the scrape path: any body, in either exposition format, must parse or fail
// with InvalidArgument naming a line, and the converter must turn whatever it gets into a batch
// (a failed scrape gives up 0) without crashing; once the state carried between scrapes has
// settled, scraping the same body again must give the same number of points.
//   exposition_parser_fuzz -max_len=65536 corpus/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "receivers/prometheus/exposition_parser.h"
#include "receivers/prometheus/target_converter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otter::promscrape;
  if (size == 0) return 0;
  const bool om = data[0] & 1;
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  otter::pdata::ArenaSet arena;
  ExpositionParser p(body, om ? ExpositionFormat::kOpenMetrics : ExpositionFormat::kText, &arena);
  for (int i = 0; i < 1000000; ++i) {
    auto e = p.Next();
    if (!e.ok()) {
      if (e.status().code() != otter::StatusCode::kInvalidArgument) std::abort();
      if (e.status().message().rfind("line ", 0) != 0) std::abort();
      break;
    }
    if (*e == ExpositionParser::Entry::kEof) break;
  }
  TargetSpec spec;
  spec.labels = LabelSet{{"job", "fuzz"}, {"instance", "127.0.0.1:1"}};
  TargetConverter conv(std::move(spec));
  const char* ctype = om ? "application/openmetrics-text; version=1.0.0" : "text/plain";
  ScrapeStats s1, s2, s3;
  (void)conv.Convert(body, ctype, 1000, 0.1, otter::Status::Ok(), &s1).ItemCount();
  // The first scrape may differ: the metadata it leaves (a # TYPE that comes after samples of its
  // family) applies to the next scrape's earlier lines, as with Prometheus's metadata cache.
  size_t n2 = conv.Convert(body, ctype, 2000, 0.1, otter::Status::Ok(), &s2).ItemCount();
  size_t n3 = conv.Convert(body, ctype, 3000, 0.1, otter::Status::Ok(), &s3).ItemCount();
  if (s1.error.ok() != s2.error.ok() || s2.error.ok() != s3.error.ok()) std::abort();
  if (s2.error.ok() && n2 != n3) std::abort();
  return 0;
}
