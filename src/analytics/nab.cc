#include "analytics/nab.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "common/civil_date.h"

namespace otter::analytics {

namespace fs = std::filesystem;

StatusOr<NabMode> ParseNabMode(std::string_view name) {
  if (name == "streaming") return NabMode::kStreaming;
  if (name == "parity") return NabMode::kParity;
  return InvalidArgument("--mode: want streaming or parity, got \"" + std::string(name) + "\"");
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + n, *out);
  return ec == std::errc() && p == s.data() + pos + n;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  return s;
}

template <class T>
bool SetNumber(std::string_view text, T* out) {
  if constexpr (std::is_same_v<T, bool>) {
    if (text == "true" || text == "1") return *out = true, true;
    if (text == "false" || text == "0") return *out = false, true;
    return false;
  } else {
    T v{};
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) return false;
    *out = v;
    return true;
  }
}

}  // namespace

StatusOr<int64_t> ParseNabTimestamp(std::string_view t) {
  int y, mo, d, h, mi, s;
  if (!Digits(t, 0, 4, &y) || t.size() < 19 || t[4] != '-' || !Digits(t, 5, 2, &mo) ||
      t[7] != '-' || !Digits(t, 8, 2, &d) || (t[10] != ' ' && t[10] != 'T') ||
      !Digits(t, 11, 2, &h) || t[13] != ':' || !Digits(t, 14, 2, &mi) || t[16] != ':' ||
      !Digits(t, 17, 2, &s) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return InvalidArgument("bad timestamp \"" + std::string(t) + "\"");
  }
  int64_t ms = 0;
  if (t.size() > 20 && t[19] == '.') {
    int scale = 100;
    for (size_t i = 20; i < t.size() && i < 23 && t[i] >= '0' && t[i] <= '9'; ++i) {
      ms += (t[i] - '0') * scale;
      scale /= 10;
    }
  }
  return ((DaysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms;
}

Status ReadNabCsv(const std::string& path, std::vector<Sample>* samples,
                  std::vector<std::string>* timestamps) {
  std::ifstream in(path);
  if (!in) return NotFound(path + ": cannot open");
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.find("timestamp") != std::string::npos) continue;
    std::string_view l = Trim(line);
    if (l.empty()) continue;
    size_t comma = l.find(',');
    if (comma == std::string_view::npos) {
      return InvalidArgument(path + ":" + std::to_string(line_no) + ": want timestamp,value");
    }
    std::string_view ts = Trim(l.substr(0, comma));
    std::string_view val = Trim(l.substr(comma + 1));
    auto ms = ParseNabTimestamp(ts);
    if (!ms.ok()) return ms.status().Annotate(path + ":" + std::to_string(line_no));
    Sample smp{*ms, std::numeric_limits<double>::quiet_NaN()};
    if (!val.empty() && !SetNumber(val, &smp.value)) {
      return InvalidArgument(path + ":" + std::to_string(line_no) + ": bad value \"" +
                             std::string(val) + "\"");
    }
    samples->push_back(smp);
    if (timestamps) timestamps->emplace_back(ts);
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> ListNabFiles(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) return NotFound(data_dir + ": not a directory");
  std::vector<std::string> out;
  for (const auto& cat : fs::directory_iterator(data_dir, ec)) {
    if (!cat.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(cat.path(), ec)) {
      if (f.path().extension() == ".csv") {
        out.push_back(cat.path().filename().string() + "/" + f.path().filename().string());
      }
    }
  }
  if (ec) return Internal(data_dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Status SetDetectorOption(DetectorOptions* o, std::string_view a) {
  size_t eq = a.find('=');
  if (eq == std::string_view::npos) return InvalidArgument("--set: want key=value");
  std::string_view key = a.substr(0, eq), val = a.substr(eq + 1);
  bool ok = false;
#define OTTER_OPT(name) else if (key == #name) ok = SetNumber(val, &o->name);
  if (false) {
  }
  OTTER_OPT(warmup)
  OTTER_OPT(learn_hint)
  OTTER_OPT(suppress_learn)
  OTTER_OPT(range_room)
  OTTER_OPT(extreme_range)
  OTTER_OPT(w_range_learned)
  OTTER_OPT(levels)
  OTTER_OPT(context)
  OTTER_OPT(dedup)
  OTTER_OPT(smooth)
  OTTER_OPT(table_bits)
  OTTER_OPT(baseline_horizon)
  OTTER_OPT(stats_horizon)
  OTTER_OPT(running_stats)
  OTTER_OPT(short_window)
  OTTER_OPT(suppress)
  OTTER_OPT(alarm_level)
  OTTER_OPT(suppress_factor)
  OTTER_OPT(override_margin)
  OTTER_OPT(tail_floor)
  OTTER_OPT(combine_sum)
  OTTER_OPT(cusum_k)
  OTTER_OPT(cusum_h)
  OTTER_OPT(w_range)
  OTTER_OPT(w_novelty)
  OTTER_OPT(w_deviation)
  OTTER_OPT(w_shift)
  OTTER_OPT(w_season)
  OTTER_OPT(w_step)
  OTTER_OPT(step_levels)
  OTTER_OPT(max_period)
  OTTER_OPT(w_resid)
  OTTER_OPT(resid_buckets)
  OTTER_OPT(resid_period_s)
  OTTER_OPT(resid_gamma)
  OTTER_OPT(resid_level)
  OTTER_OPT(resid_clip)
  OTTER_OPT(resid_period2_s)
  OTTER_OPT(resid_buckets2)
  OTTER_OPT(resid_gate)
  OTTER_OPT(resid_scale_clip)
  OTTER_OPT(resid_scale_horizon)
  OTTER_OPT(young_stats)
  else return InvalidArgument(std::string(key) + ": unknown detector option");
#undef OTTER_OPT
  if (!ok) return InvalidArgument(std::string(key) + ": bad value \"" + std::string(val) + "\"");
  return Status::Ok();
}

DetectorOptions OptionsForFile(const DetectorOptions& base, NabMode mode,
                               const std::vector<Sample>& samples) {
  DetectorOptions o = base;
  if (mode != NabMode::kParity) return o;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Sample& s : samples) {
    if (std::isnan(s.value)) continue;
    lo = std::min(lo, s.value);
    hi = std::max(hi, s.value);
  }
  if (lo <= hi) {
    o.min_hint = lo;
    o.max_hint = hi;
    o.has_range_hint = true;
  }
  // NAB's harness also gives every detector the file's probation period (unless set explicitly).
  if (o.learn_hint == 0)
    o.learn_hint = static_cast<uint32_t>(
        std::min<size_t>(static_cast<size_t>(std::floor(0.15 * samples.size())), 750));
  return o;
}

Status RunNab(const std::string& data_dir, const std::string& out_dir, NabMode mode,
              const DetectorOptions& base, std::string_view half,
              const std::function<void(const NabProgress&)>& progress) {
  auto files = ListNabFiles(data_dir);
  if (!files.ok()) return files.status();
  if (half != "all" && half != "even" && half != "odd") {
    return InvalidArgument("--half: want all, even or odd");
  }
  NabProgress p;
  p.files_total = half == "all" ? files->size() : (files->size() + (half == "even")) / 2;
  std::vector<Sample> samples;
  std::vector<std::string> stamps;
  for (size_t i = 0; i < files->size(); ++i) {
    if ((half == "even" && i % 2 == 1) || (half == "odd" && i % 2 == 0)) continue;
    const std::string& rel = (*files)[i];
    samples.clear();
    stamps.clear();
    if (Status st = ReadNabCsv(data_dir + "/" + rel, &samples, &stamps); !st.ok()) return st;
    size_t slash = rel.find('/');
    fs::path dir = fs::path(out_dir) / "otter" / rel.substr(0, slash);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Internal(dir.string() + ": " + ec.message());
    fs::path out_path = dir / ("otter_" + rel.substr(slash + 1));
    std::FILE* f = std::fopen(out_path.c_str(), "w");
    if (!f) return Internal(out_path.string() + ": cannot create");
    std::fputs("timestamp,value,anomaly_score\n", f);
    SeriesDetector det(OptionsForFile(base, mode, samples));
    for (size_t k = 0; k < samples.size(); ++k) {
      AnomalyResult r = det.Update(samples[k].timestamp_ms, samples[k].value);
      std::fprintf(f, "%s,%.17g,%.9f\n", stamps[k].c_str(), samples[k].value, r.score);
    }
    bool write_ok = std::ferror(f) == 0;
    if (std::fclose(f) != 0 || !write_ok) return Internal(out_path.string() + ": write failed");
    ++p.files_done;
    p.samples += samples.size();
    p.file = rel;
    if (progress) progress(p);
  }
  return Status::Ok();
}

}  // namespace otter::analytics
