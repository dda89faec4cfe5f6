// The forecast accuracy benchmark on NAB's real series (BENCHMARKS.md, "Forecasts"): each file
// (DATA_DIR/<category>/<file>.csv, columns timestamp,value) has its last 20% withheld; the ETS
// forecast (ets.h), seasonal-naive (the value one day earlier, repeated), linear extrapolation
// (least squares over the whole training part) and naive (the last value) forecast it from the
// rest, and each is scored by MASE (mean absolute error over the withheld part divided by the
// training part's mean absolute one-step change). Run by forecast_nab_test.cc; single-threaded.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace otter::analytics::forecast {

struct MaseRow {
  std::string category;
  std::string file;
  size_t train = 0;
  size_t test = 0;
  double ets = 0;
  double seasonal_naive = 0;
  double linear = 0;
  double naive = 0;
};

struct MaseReport {
  std::vector<MaseRow> rows;  // by category, then file
  size_t skipped = 0;         // constant training parts (MASE undefined)
  double fit_seconds = 0;     // CPU time spent fitting the ETS models
};

// Evaluates every CSV of the categories under data_dir; `holdout` is the withheld fraction.
StatusOr<MaseReport> EvaluateMase(const std::string& data_dir,
                                  std::span<const std::string> categories, double holdout = 0.2);

// Markdown: mean MASE per category and overall for each method, the median, and how many
// series ETS beats each baseline on.
std::string FormatMaseReport(const MaseReport& report);

}  // namespace otter::analytics::forecast
