#include "telemetry/log_format.h"

#include <spdlog/pattern_formatter.h>

#include <chrono>
#include <ctime>

#include "otlp/json_codec.h"

namespace otter::telemetry {
namespace {
constexpr const char* kConsolePattern = "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %n %v";
}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  auto since_epoch = msg.time.time_since_epoch();
  std::time_t secs = duration_cast<seconds>(since_epoch).count();
  int millis = int(duration_cast<milliseconds>(since_epoch).count() % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[40];
  size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(ts + n, sizeof ts - n, ".%03dZ", millis);

  std::string line = "{\"level\":";
  auto level = spdlog::level::to_string_view(msg.level);
  // otelcol (zap) spells the levels debug/info/warn/error.
  otlp::AppendJsonString(line, level == "warning" ? std::string_view("warn")
                                                  : std::string_view(level.data(), level.size()));
  line += ",\"ts\":\"";
  line += ts;
  line += "\",\"logger\":";
  otlp::AppendJsonString(line, std::string_view(msg.logger_name.data(), msg.logger_name.size()));
  line += ",\"msg\":";
  otlp::AppendJsonString(line, std::string_view(msg.payload.data(), msg.payload.size()));
  line += "}\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

void ApplyLogEncoding(spdlog::logger& logger, const std::string& encoding) {
  if (encoding == "json")
    logger.set_formatter(std::make_unique<JsonLogFormatter>());
  else
    logger.set_formatter(std::make_unique<spdlog::pattern_formatter>(kConsolePattern));
}

}  // namespace otter::telemetry
