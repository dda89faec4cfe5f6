// Internals shared by JaegerApi's route handlers: the v1 "internal" API (jaeger_api.cc) and
// api_v3's HTTP gateway (jaeger_api_v3.cc). A Call is one request's context; the writers
// produce Jaeger's bodies, headers and status codes. Used only by JaegerApi; reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "net/http_server.h"
#include "query/http_params.h"
#include "query/http_route.h"
#include "query/jaeger_api.h"
#include "store/querier.h"

namespace otter::query::jaeger {

// Jaeger's spanstore.ErrTraceNotFound.
inline constexpr std::string_view kTraceNotFound = "trace not found";

struct Call {
  const net::HttpRequest& request;
  store::TraceQuerier& querier;
  const JaegerApiOptions& options;
  int64_t now_ns;
  const HttpParams& params;
  const PathVars& vars;
  const store::QueryLimits& limits;
  net::HttpResponse* out;
};

// A 200 with a JSON body (json.Encoder's trailing newline when `newline`).
void JsonOk(net::HttpResponse* out, std::string body, bool newline);
// Go's http.Error: text/plain, nosniff, the body plus a newline.
void HttpError(net::HttpResponse* out, int status, std::string body);
// api_v3's GRPCGatewayError: {"error":{"httpCode":404,"message":"..."}} through http.Error.
void V3Error(net::HttpResponse* out, int status, std::string_view msg);

// The HTTP status and message a store error answers with.
int StatusForStoreError(const Status& s);
std::string StoreErrorMessage(const Status& s);

// One JSON object of strings (Go: json.Unmarshal into map[string]string) merged into *tags;
// errors are InvalidArgument `<prefix><Go-like reason>`.
Status ParseJsonStringMap(const std::string& json, std::string_view error_prefix,
                          std::map<std::string, std::string>* tags);

// The earliest span start of a trace (UINT64_MAX when it has no spans).
uint64_t TraceStartNs(const pdata::TraceBatch& batch);

// api_v3 handlers (jaeger_api_v3.cc).
void V3Services(const Call& call);
void V3Operations(const Call& call);
void V3GetTrace(const Call& call);
void V3FindTraces(const Call& call);
void V3FindTraceSummaries(const Call& call);

}  // namespace otter::query::jaeger
