// --verify: decodes requests built as in a run with otter's OTLP decoder and checks the
// loadgen's promises (unique ids, linked parents, fresh timestamps and tokens). Main thread only.
#pragma once

#include "driver.h"

namespace otter::loadgen {

// Checks requests_per_connection requests from each of up to 4 connections; prints a report and
// returns the exit code (0 when every check passed).
int RunVerify(const RunContext& ctx, int requests_per_connection);

}  // namespace otter::loadgen
