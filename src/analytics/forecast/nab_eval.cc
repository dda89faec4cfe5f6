// NAB forecast benchmark (nab_eval.h).
#include "analytics/forecast/nab_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include "analytics/forecast/ets.h"
#include "analytics/forecast/structure.h"

namespace otter::analytics::forecast {
namespace {

StatusOr<std::vector<Sample>> ReadNabCsv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot open " + path.string());
  std::vector<Sample> out;
  std::string line;
  std::getline(in, line);  // header
  size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    struct tm tm = {};
    double v;
    if (std::sscanf(line.c_str(), "%d-%d-%d %d:%d:%d,%lf", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &v) != 7)
      return InvalidArgument(path.string() + ":" + std::to_string(line_no) +
                             ": expected \"YYYY-MM-DD hh:mm:ss,value\"");
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    out.push_back(Sample{static_cast<double>(timegm(&tm)), v});
  }
  return out;
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

}  // namespace

StatusOr<MaseReport> EvaluateMase(const std::string& data_dir,
                                  std::span<const std::string> categories, double holdout) {
  MaseReport report;
  for (const auto& category : categories) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/" + category, ec))
      if (entry.path().extension() == ".csv") files.push_back(entry.path());
    if (ec) return NotFound(data_dir + "/" + category + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto data = ReadNabCsv(file);
      if (!data.ok()) return data.status();
      const std::vector<Sample>& s = *data;
      auto train = static_cast<size_t>(std::floor(static_cast<double>(s.size()) * (1 - holdout)));
      if (train < 3 || train >= s.size()) continue;
      std::span<const Sample> fit(s.data(), train);
      double scale = 0;
      for (size_t i = 1; i < train; ++i) scale += std::fabs(s[i].v - s[i - 1].v);
      scale /= static_cast<double>(train - 1);
      if (!(scale > 0)) {
        ++report.skipped;
        continue;
      }
      // Seasonal naive: one day back at the training part's typical step.
      std::vector<double> diffs;
      for (size_t i = 1; i < train; ++i) diffs.push_back(s[i].t_s - s[i - 1].t_s);
      double step = MedianInPlace(diffs);
      auto m = static_cast<size_t>(std::max(1.0, std::round(86400 / step)));
      if (m > train) m = 1;
      // Linear: least squares over the training part, by time.
      double mt = 0, mv = 0;
      for (const auto& p : fit) {
        mt += p.t_s;
        mv += p.v;
      }
      mt /= static_cast<double>(train);
      mv /= static_cast<double>(train);
      double stv = 0, stt = 0;
      for (const auto& p : fit) {
        stv += (p.t_s - mt) * (p.v - mv);
        stt += (p.t_s - mt) * (p.t_s - mt);
      }
      double slope = stt > 0 ? stv / stt : 0;

      FitOptions opts;
      opts.horizon_s = s.back().t_s - fit.back().t_s;
      std::clock_t c0 = std::clock();
      auto model = FitEts(fit, opts);
      report.fit_seconds += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
      if (!model) continue;

      double e_ets = 0, e_snaive = 0, e_lin = 0, e_naive = 0;
      for (size_t i = train; i < s.size(); ++i) {
        size_t h = i - train;  // 0-based step into the withheld part
        double y = s[i].v;
        e_ets += std::fabs(y - model->Mean(s[i].t_s - model->last_t_s()));
        e_snaive += std::fabs(y - s[train - m + h % m].v);
        e_lin += std::fabs(y - (mv + slope * (s[i].t_s - mt)));
        e_naive += std::fabs(y - s[train - 1].v);
      }
      double k = static_cast<double>(s.size() - train) * scale;
      report.rows.push_back(MaseRow{category, file.stem().string(), train, s.size() - train,
                                    e_ets / k, e_snaive / k, e_lin / k, e_naive / k});
    }
  }
  return report;
}

std::string FormatMaseReport(const MaseReport& report) {
  struct Acc {
    std::vector<double> ets, snaive, lin, naive;
    size_t beats_snaive = 0, beats_lin = 0;
  };
  std::map<std::string, Acc> by;
  Acc all;
  for (const auto& r : report.rows) {
    for (Acc* a : {&by[r.category], &all}) {
      a->ets.push_back(r.ets);
      a->snaive.push_back(r.seasonal_naive);
      a->lin.push_back(r.linear);
      a->naive.push_back(r.naive);
      a->beats_snaive += r.ets < r.seasonal_naive;
      a->beats_lin += r.ets < r.linear;
    }
  }
  char buf[256];
  std::string out =
      "| category | series | ETS | seasonal naive | linear | naive | ETS better than s-naive / "
      "linear |\n|---|---|---|---|---|---|---|\n";
  auto row = [&](const std::string& name, const Acc& a) {
    std::snprintf(buf, sizeof(buf), "| %s | %zu | %.3f | %.3f | %.3f | %.3f | %zu / %zu |\n",
                  name.c_str(), a.ets.size(), Mean(a.ets), Mean(a.snaive), Mean(a.lin),
                  Mean(a.naive), a.beats_snaive, a.beats_lin);
    out += buf;
  };
  for (const auto& [name, a] : by) row(name, a);
  row("**all (mean MASE)**", all);
  auto median = [](std::vector<double> v) { return MedianInPlace(v); };
  std::snprintf(buf, sizeof(buf), "| all (median MASE) | %zu | %.3f | %.3f | %.3f | %.3f | |\n",
                all.ets.size(), median(all.ets), median(all.snaive), median(all.lin),
                median(all.naive));
  out += buf;
  return out;
}

}  // namespace otter::analytics::forecast
