// `otter analyze`: the detectors run offline. `nab` runs them over a NAB-layout corpus and writes
// NAB's results layout; `series` runs them over series of the embedded store selected by a PromQL
// range query and prints each series' seasonal pattern and anomalies. Called by exe/main.cc; runs
// on the calling thread and reports progress on `err`.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace otter::analytics {

struct AnalyzeNabArgs {
  std::string data_dir;
  std::string out_dir;
  std::string mode = "streaming";  // or "parity"
  std::string half = "all";        // "even" / "odd": only the files at those sorted positions
  std::vector<std::string> sets;   // detector option overrides, key=value
};
int RunAnalyzeNab(const AnalyzeNabArgs& args, std::FILE* out, std::FILE* err);

struct AnalyzeSeriesArgs {
  std::string store_dir = "./otter-data";
  std::string query;
  std::string from;  // RFC 3339 or Unix seconds, as the Prometheus API takes
  std::string to;
  std::string step = "60s";
  double min_score = 0.5;  // print points scoring at least this (0 = every point)
  std::vector<std::string> sets;
};
int RunAnalyzeSeries(const AnalyzeSeriesArgs& args, std::FILE* out, std::FILE* err);

}  // namespace otter::analytics
