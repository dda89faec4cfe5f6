// Test-only helpers shared by the proto codec tests: requests built with the protoc classes (the
// oracle) that set every field, and a differencer that explains mismatches. Included only by
// *_test.cc files, which link the protoc-generated otter_proto_oracle library.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/util/message_differencer.h>

#include <set>
#include <string>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace otter::otlp::testing {

namespace pb_common = ::opentelemetry::proto::common::v1;
namespace pb_resource = ::opentelemetry::proto::resource::v1;
namespace pb_trace = ::opentelemetry::proto::trace::v1;
namespace pb_metrics = ::opentelemetry::proto::metrics::v1;
namespace pb_logs = ::opentelemetry::proto::logs::v1;
using PbTraceRequest = ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using PbMetricsRequest =
    ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using PbLogsRequest = ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;

// Empty when equal; otherwise the differencer's report.
inline std::string Diff(const google::protobuf::Message& want,
                        const google::protobuf::Message& got) {
  std::string report;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  if (d.Compare(want, got)) return {};
  return report.empty() ? std::string("messages differ") : report;
}

// Requests in which every field our codec models is set somewhere, to non-default values
// (defined in proto_codec_test.cc).
PbTraceRequest FullTraceRequest();
PbMetricsRequest FullMetricsRequest();
PbLogsRequest FullLogsRequest();

// Full names ("pkg.Message.field") of the fields reachable from `root`'s type that are not set
// anywhere in `root`, ignoring `ignored` (and everything below an ignored message field).
std::set<std::string> UnsetFields(const google::protobuf::Message& root,
                                  const std::set<std::string>& ignored);

}  // namespace otter::otlp::testing
