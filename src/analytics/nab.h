// Offline runner for the Numenta Anomaly Benchmark layout: reads DATA_DIR/<category>/<file>.csv
// (timestamp,value) and writes OUT_DIR/otter/<category>/otter_<file>.csv
// (timestamp,value,anomaly_score), one SeriesDetector per file, one configuration for all.
// Used by `otter analyze nab` and the NAB tests. Single-threaded; callers run one at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/detector.h"
#include "common/status.h"

namespace otter::analytics {

struct Sample {
  int64_t timestamp_ms = 0;
  double value = 0;
};

// "streaming": no look-ahead. "parity": each file's min/max are given to the detector, as NAB's
// own harness does.
enum class NabMode { kStreaming, kParity };
StatusOr<NabMode> ParseNabMode(std::string_view name);

// Parses "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) to milliseconds since the epoch.
StatusOr<int64_t> ParseNabTimestamp(std::string_view text);

// Reads one NAB csv (header line, then timestamp,value rows). Keeps the timestamp text too.
Status ReadNabCsv(const std::string& path, std::vector<Sample>* samples,
                  std::vector<std::string>* timestamps);

// Relative paths "<category>/<file>.csv" under data_dir, sorted.
StatusOr<std::vector<std::string>> ListNabFiles(const std::string& data_dir);

// Sets one option from "key=value" (the DetectorOptions field names); error names the key.
Status SetDetectorOption(DetectorOptions* options, std::string_view assignment);

// Detector options for one file in the given mode (adds the min/max hint in parity mode).
DetectorOptions OptionsForFile(const DetectorOptions& base, NabMode mode,
                               const std::vector<Sample>& samples);

struct NabProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  uint64_t samples = 0;
  std::string_view file;
};

// Runs every file (or only those whose sorted position matches `half`: "all", "even", "odd").
Status RunNab(const std::string& data_dir, const std::string& out_dir, NabMode mode,
              const DetectorOptions& base, std::string_view half,
              const std::function<void(const NabProgress&)>& progress);

}  // namespace otter::analytics
