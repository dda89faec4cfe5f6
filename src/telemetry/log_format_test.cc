#include "telemetry/log_format.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace otter::telemetry {
namespace {

TEST(LogFormatTest, JsonEncodingWritesOneParsableObjectPerLine) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("otter", sink);
  ApplyLogEncoding(logger, "json");
  // A clone (what each component gets) shares the sink, so it is JSON too.
  auto component = logger.clone("receiver/otlp");
  logger.warn("port {} \"taken\"\nsecond line\t\\", 4317);
  component->info("started");

  std::istringstream in(out.str());
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u) << out.str();
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(lines[0]).get(e), simdjson::SUCCESS) << lines[0];
  EXPECT_EQ(std::string_view(e["level"]), "warn");
  EXPECT_EQ(std::string_view(e["logger"]), "otter");
  EXPECT_EQ(std::string_view(e["msg"]), "port 4317 \"taken\"\nsecond line\t\\");
  std::string_view ts = e["ts"];
  EXPECT_EQ(ts.size(), 24u) << ts;  // 2026-01-02T03:04:05.678Z
  EXPECT_EQ(ts.back(), 'Z');
  ASSERT_EQ(parser.parse(lines[1]).get(e), simdjson::SUCCESS) << lines[1];
  EXPECT_EQ(std::string_view(e["logger"]), "receiver/otlp");
  EXPECT_EQ(std::string_view(e["level"]), "info");
  EXPECT_EQ(std::string_view(e["msg"]), "started");
}

TEST(LogFormatTest, ConsoleEncodingIsNotJson) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("otter", sink);
  ApplyLogEncoding(logger, "json");
  ApplyLogEncoding(logger, "console");  // a reload can switch back
  logger.info("hello");
  EXPECT_NE(out.str().find(" info otter hello"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find('{'), std::string::npos) << out.str();
}

}  // namespace
}  // namespace otter::telemetry
