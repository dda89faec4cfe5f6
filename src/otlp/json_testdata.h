// OTLP/JSON request bodies that set every field of their signal, shared by the JSON codec tests
// (json_codec_test.cc holds the pdata each must decode to; json_codec_oracle_test.cc checks them
// against protobuf's own JSON implementation).
#pragma once

#include <string>
#include <string_view>

namespace otter::otlp::testdata {

// Every AnyValue variant, nested arrays and maps included.
inline constexpr std::string_view kAllValuesJson = R"([
  {"key":"s","value":{"stringValue":"h\u00e9llo \"q\" \\ \n \ud83d\ude00"}},
  {"key":"b","value":{"boolValue":false}},
  {"key":"i","value":{"intValue":"-9223372036854775808"}},
  {"key":"i2","value":{"intValue":42}},
  {"key":"d","value":{"doubleValue":3.25}},
  {"key":"bytes","value":{"bytesValue":"AAEC/w=="}},
  {"key":"arr","value":{"arrayValue":{"values":[
    {"stringValue":"x"},{"intValue":"1"},{"arrayValue":{"values":[{"boolValue":true}]}},
    {"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":1.5}}]}}]}}},
  {"key":"map","value":{"kvlistValue":{"values":[
    {"key":"nested","value":{"kvlistValue":{"values":[{"key":"deep","value":{"stringValue":"yes"}}]}}},
    {"key":"empty","value":{}}]}}},
  {"key":"emptyArr","value":{"arrayValue":{}}},
  {"key":"empty","value":{}},
  {"key":"noval"}
])";

inline const std::string kFullTraces = R"({"resourceSpans":[{
  "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}],
              "droppedAttributesCount":1},
  "schemaUrl":"https://opentelemetry.io/schemas/1.21.0",
  "scopeSpans":[{
    "scope":{"name":"lib","version":"1.2.3",
             "attributes":[{"key":"scope.attr","value":{"boolValue":true}}],
             "droppedAttributesCount":2},
    "schemaUrl":"https://scope.example/schema",
    "spans":[{
      "traceId":"5B8EFFF798038103D269B633813FC60C",
      "spanId":"eee19b7ec3c1b174",
      "traceState":"vendor=value",
      "parentSpanId":"eee19b7ec3c1b173",
      "flags":769,
      "name":"GET /cart",
      "kind":2,
      "startTimeUnixNano":"1544712660000000000",
      "endTimeUnixNano":"1544712661000000000",
      "attributes":)" + std::string(kAllValuesJson) +
                                       R"(,
      "droppedAttributesCount":3,
      "events":[{"timeUnixNano":"1544712660300000000","name":"ev",
                 "attributes":[{"key":"a","value":{"intValue":"1"}}],"droppedAttributesCount":4},
                {"name":"second"}],
      "droppedEventsCount":5,
      "links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
                "traceState":"k=v","attributes":[{"key":"l","value":{"stringValue":"x"}}],
                "droppedAttributesCount":6,"flags":256}],
      "droppedLinksCount":7,
      "status":{"code":2,"message":"boom"}
    },{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"0000000000000001","name":"child"}]
  }]
}]})";

inline const std::string kFullMetrics = R"({"resourceMetrics":[{
  "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"m"}}]},
  "schemaUrl":"rs-schema",
  "scopeMetrics":[{
    "scope":{"name":"meter","version":"2"},
    "schemaUrl":"sm-schema",
    "metrics":[
      {"name":"g","description":"a gauge","unit":"1",
       "gauge":{"dataPoints":[
         {"attributes":[{"key":"k","value":{"stringValue":"v"}}],"startTimeUnixNano":"1","timeUnixNano":"2",
          "asInt":"-5","flags":1,
          "exemplars":[{"filteredAttributes":[{"key":"f","value":{"intValue":"9"}}],"timeUnixNano":"3",
                        "asDouble":0.5,"spanId":"eee19b7ec3c1b174","traceId":"5b8efff798038103d269b633813fc60c"},
                       {"asInt":"7"}]},
         {"timeUnixNano":"4","asDouble":2.5}]},
       "metadata":[{"key":"meta","value":{"stringValue":"data"}}]},
      {"name":"s","sum":{"dataPoints":[{"asDouble":1e300},{"asInt":"0"},{}],
                         "aggregationTemporality":2,"isMonotonic":true}},
      {"name":"h","histogram":{"aggregationTemporality":1,"dataPoints":[
         {"startTimeUnixNano":"10","timeUnixNano":"11","count":"6","sum":12.5,
          "bucketCounts":["1","2","3"],"explicitBounds":[0.5,1],"min":0.25,"max":9,"flags":0,
          "exemplars":[{"asDouble":1.25}]},
         {"count":"0","bucketCounts":[],"explicitBounds":[]}]}},
      {"name":"e","exponentialHistogram":{"aggregationTemporality":2,"dataPoints":[
         {"count":"10","sum":-3.5,"scale":-2,"zeroCount":"1","zeroThreshold":1e-9,
          "positive":{"offset":3,"bucketCounts":["4","0","2"]},
          "negative":{"offset":-4,"bucketCounts":["1","2"]},
          "min":-2,"max":5,"flags":1,"exemplars":[{"asInt":"3"}],
          "timeUnixNano":"20","startTimeUnixNano":"19"}]}},
      {"name":"sm","summary":{"dataPoints":[
         {"timeUnixNano":"30","count":"4","sum":10,
          "quantileValues":[{"quantile":0,"value":1},{"quantile":0.5,"value":2.5},{"quantile":1,"value":4}]}]}},
      {"name":"nodata"}
    ]}]}]})";

inline const std::string kFullLogs = R"({"resourceLogs":[{
  "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"l"}}]},
  "schemaUrl":"rl",
  "scopeLogs":[{"scope":{"name":"logger"},"schemaUrl":"sl","logRecords":[
    {"timeUnixNano":"100","observedTimeUnixNano":"101","severityNumber":9,"severityText":"INFO",
     "body":{"stringValue":"hello"},"attributes":[{"key":"a","value":{"boolValue":true}}],
     "droppedAttributesCount":2,"flags":1,"traceId":"5b8efff798038103d269b633813fc60c",
     "spanId":"eee19b7ec3c1b174","eventName":"app.start"},
    {"body":{"intValue":"12"}},
    {"body":{"doubleValue":-0.5}},
    {"body":{"boolValue":true}},
    {"body":{"bytesValue":"aGk="}},
    {"body":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":2}]}}},
    {"body":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}},
    {"body":{}},
    {"severityNumber":24,"severityText":"FATAL4"}
  ]}]}]})";

}  // namespace otter::otlp::testdata
