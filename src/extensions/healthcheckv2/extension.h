// The `healthcheckv2` extension. Without use_v2 it is the v1 health_check. With use_v2 it serves
// otelcol's component-status model from the StatusHub:
//  - HTTP GET <status.path> (default /status): the collector's aggregate status, or one
//    pipeline's with ?pipeline=<name>, as JSON (?verbose adds pipelines and components); the
//    HTTP code is 200 healthy, 500 unhealthy (fatal, or an included error), 503 starting or
//    stopping.
//  - gRPC grpc.health.v1.Health (Check and Watch): service "" is the collector, "<pipeline>" one
//    pipeline; SERVING when healthy. Refreshed every 500 ms.
// Thread-safety: Start/Shutdown from the service thread; requests on the servers' threads.
#pragma once

#include <memory>

#include "component/component.h"
#include "extensions/healthcheckv2/config.h"
#include "net/http_server.h"

namespace otter::healthcheckv2 {

StatusOr<std::unique_ptr<Extension>> CreateExtension(const ComponentContext& ctx,
                                                     const HealthCheckV2Config& config);

}  // namespace otter::healthcheckv2
