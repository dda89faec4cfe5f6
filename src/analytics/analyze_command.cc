#include "analytics/analyze_command.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "analytics/detector.h"
#include "analytics/nab.h"
#include "analytics/seasonality.h"
#include "query/prometheus_api.h"
#include "query/promql/engine.h"
#include "query/promql/lexer.h"
#include "store/store.h"

namespace otter::analytics {
namespace {

int Fail(std::FILE* err, const Status& st) {
  std::fprintf(err, "otter analyze: %s\n", st.ToString().c_str());
  return 1;
}

Status ApplySets(const std::vector<std::string>& sets, DetectorOptions* o) {
  for (const std::string& s : sets) RETURN_IF_ERROR(SetDetectorOption(o, s));
  return Status::Ok();
}

}  // namespace

int RunAnalyzeNab(const AnalyzeNabArgs& args, std::FILE* out, std::FILE* err) {
  auto mode = ParseNabMode(args.mode);
  if (!mode.ok()) return Fail(err, mode.status());
  DetectorOptions o;
  if (Status st = ApplySets(args.sets, &o); !st.ok()) return Fail(err, st);
  auto start = std::chrono::steady_clock::now();
  uint64_t samples = 0;
  Status st = RunNab(args.data_dir, args.out_dir, *mode, o, args.half, [&](const NabProgress& p) {
    samples = p.samples;
    std::fprintf(err, "\r[%zu/%zu] %-60.60s", p.files_done, p.files_total,
                 std::string(p.file).c_str());
    std::fflush(err);
  });
  std::fputs("\n", err);
  if (!st.ok()) return Fail(err, st);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(out, "scored %llu samples in %.2fs (%s mode); results in %s/otter\n",
               static_cast<unsigned long long>(samples), secs, args.mode.c_str(),
               args.out_dir.c_str());
  return 0;
}

int RunAnalyzeSeries(const AnalyzeSeriesArgs& args, std::FILE* out, std::FILE* err) {
  DetectorOptions o;
  if (Status st = ApplySets(args.sets, &o); !st.ok()) return Fail(err, st);
  auto from = query::ParsePromTimeMillis(args.from);
  if (!from.ok()) return Fail(err, from.status().Annotate("--from"));
  auto to = query::ParsePromTimeMillis(args.to);
  if (!to.ok()) return Fail(err, to.status().Annotate("--to"));
  auto step = query::promql::ParseDurationMillis(args.step);
  if (!step.ok() || *step <= 0) {
    return Fail(err, InvalidArgument("--step: want a positive duration like 60s"));
  }
  if (*to < *from) return Fail(err, InvalidArgument("--to is before --from"));
  store::StoreOptions so;
  so.directory = args.store_dir;
  so.sync = false;
  so.compact_in_background = false;
  so.retention = std::chrono::milliseconds(0);
  auto logger =
      std::make_shared<spdlog::logger>("store", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::warn);
  telemetry::SelfMetrics metrics;
  auto db = store::Store::Open(so, logger, &metrics);
  if (!db.ok()) return Fail(err, db.status().Annotate(args.store_dir));
  query::promql::Engine engine((*db)->metrics(), query::promql::EngineOptions{});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  auto matrix = engine.Range(args.query, *from, *to, *step, deadline);
  if (!matrix.ok()) return Fail(err, matrix.status().Annotate("--query"));
  std::fprintf(out, "series,timestamp,value,anomaly_score,expected,lower,upper,reason\n");
  size_t done = 0;
  for (const auto& s : *matrix) {
    std::string name = store::LabelsToString(s.metric);
    SeriesDetector det(o);
    std::vector<int64_t> ts;
    std::vector<double> vs;
    for (const auto& p : s.points) {
      AnomalyResult r = det.Update(p.t_ms, p.v);
      ts.push_back(p.t_ms);
      vs.push_back(p.v);
      if (r.score < args.min_score) continue;
      std::fprintf(out, "\"%s\",%lld,%.17g,%.4f,%.17g,%.17g,%.17g,%s\n", name.c_str(),
                   static_cast<long long>(p.t_ms), p.v, r.score, r.expected, r.lower, r.upper,
                   std::string(AnomalyReasonName(r.reason)).c_str());
    }
    std::fprintf(out, "# %s\n", DescribeSeason(name, ts, vs).text.c_str());
    std::fprintf(err, "\r[%zu/%zu series]", ++done, matrix->size());
    std::fflush(err);
  }
  std::fputs("\n", err);
  return 0;
}

}  // namespace otter::analytics
