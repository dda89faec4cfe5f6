// The resourcedetection detectors otter implements: `env` (OTEL_RESOURCE_ATTRIBUTES, or the
// deprecated OTEL_RESOURCE) and `system` (host.name, os.type, host.id, host.arch). Each reads the
// host only through a HostEnv. Plain functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "processors/resourcedetection/config.h"
#include "processors/resourcedetection/host_env.h"

namespace otter::resourcedetection {

// Detected attributes in detection order (all string-valued).
using Detected = std::vector<std::pair<std::string, std::string>>;

// OTEL_RESOURCE_ATTRIBUTES: comma-separated key=value pairs, surrounding spaces trimmed, values
// percent-decoded as the spec says ('+' stays '+'). A malformed list is an error (and nothing of
// it is used).
StatusOr<Detected> DetectEnv(const HostEnv& env);
StatusOr<Detected> DetectSystem(const SystemDetectorConfig& cfg, const HostEnv& env);

// Runs `cfg.detectors` in order and merges their results: on a key two detectors set, the
// earlier detector's value stays (as otelcol merges). Errors name the detector.
StatusOr<Detected> DetectAll(const ResourceDetectionConfig& cfg, const HostEnv& env);

// Runs DetectAll on its own thread and waits at most cfg.timeout (name resolution cannot be
// cancelled; a detection that overruns is abandoned and fails start-up).
StatusOr<Detected> DetectWithTimeout(const ResourceDetectionConfig& cfg, HostEnv env);

// The OTel host.arch value for uname's machine (x86_64 → amd64, aarch64 → arm64, i686 → x86...).
std::string HostArch(std::string_view machine);

// Percent-decodes `s` (%XX → byte); a '%' without two hex digits is an error.
StatusOr<std::string> PercentDecode(std::string_view s);

}  // namespace otter::resourcedetection
