#include "k8s/objects.h"

#include <simdjson.h>

namespace otter::k8s {
namespace {

using simdjson::dom::element;

std::string Str(element e, const char* key) {
  std::string_view v;
  if (e[key].get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

void StringMap(element e, const char* key, std::map<std::string, std::string>* out) {
  simdjson::dom::object obj;
  if (e[key].get(obj) != simdjson::SUCCESS) return;
  for (auto field : obj) {
    std::string_view v;
    if (field.value.get(v) == simdjson::SUCCESS) out->emplace(field.key, v);
  }
}

void Containers(element spec, const char* key, std::vector<ContainerSpec>* out) {
  simdjson::dom::array arr;
  if (spec[key].get(arr) != simdjson::SUCCESS) return;
  for (element c : arr) out->push_back({Str(c, "name"), Str(c, "image")});
}

void Statuses(element status, const char* key, std::vector<ContainerStatus>* out) {
  simdjson::dom::array arr;
  if (status[key].get(arr) != simdjson::SUCCESS) return;
  for (element c : arr) {
    ContainerStatus s{Str(c, "name"), Str(c, "containerID"), 0};
    int64_t n = 0;
    if (c["restartCount"].get(n) == simdjson::SUCCESS) s.restart_count = n;
    out->push_back(std::move(s));
  }
}

KubeObject FromElement(element e) {
  KubeObject o;
  element meta;
  if (e["metadata"].get(meta) == simdjson::SUCCESS) {
    o.name = Str(meta, "name");
    o.namespace_name = Str(meta, "namespace");
    o.uid = Str(meta, "uid");
    o.resource_version = Str(meta, "resourceVersion");
    o.creation_timestamp = Str(meta, "creationTimestamp");
    StringMap(meta, "labels", &o.labels);
    StringMap(meta, "annotations", &o.annotations);
    simdjson::dom::array owners;
    if (meta["ownerReferences"].get(owners) == simdjson::SUCCESS) {
      for (element r : owners) o.owners.push_back({Str(r, "kind"), Str(r, "name"), Str(r, "uid")});
    }
  }
  element spec;
  if (e["spec"].get(spec) == simdjson::SUCCESS) {
    o.node_name = Str(spec, "nodeName");
    o.hostname = Str(spec, "hostname");
    bool hn = false;
    if (spec["hostNetwork"].get(hn) == simdjson::SUCCESS) o.host_network = hn;
    Containers(spec, "containers", &o.containers);
    Containers(spec, "initContainers", &o.containers);
  }
  element status;
  if (e["status"].get(status) == simdjson::SUCCESS) {
    o.pod_ip = Str(status, "podIP");
    o.start_time = Str(status, "startTime");
    Statuses(status, "containerStatuses", &o.container_statuses);
    Statuses(status, "initContainerStatuses", &o.container_statuses);
  }
  return o;
}

StatusOr<element> Parse(simdjson::dom::parser& parser, std::string_view json, const char* what) {
  element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc); err != simdjson::SUCCESS)
    return InvalidArgument(std::string("kubernetes API: malformed ") + what + ": " +
                           simdjson::error_message(err));
  if (!doc.is_object())
    return InvalidArgument(std::string("kubernetes API: ") + what + " is not a JSON object");
  return doc;
}

}  // namespace

StatusOr<KubeObject> ParseObject(std::string_view json) {
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(element doc, Parse(parser, json, "object"));
  return FromElement(doc);
}

StatusOr<KubeList> ParseList(std::string_view json) {
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(element doc, Parse(parser, json, "list"));
  KubeList list;
  element meta;
  if (doc["metadata"].get(meta) == simdjson::SUCCESS) {
    list.resource_version = Str(meta, "resourceVersion");
    list.continue_token = Str(meta, "continue");
  }
  simdjson::dom::array items;
  if (doc["items"].get(items) == simdjson::SUCCESS) {
    for (element item : items) list.items.push_back(FromElement(item));
  } else if (doc["items"].error() != simdjson::NO_SUCH_FIELD) {
    return InvalidArgument("kubernetes API: list \"items\" is not an array");
  }
  return list;
}

StatusOr<WatchEvent> ParseWatchEvent(std::string_view json) {
  simdjson::dom::parser parser;
  ASSIGN_OR_RETURN(element doc, Parse(parser, json, "watch event"));
  std::string type = Str(doc, "type");
  WatchEvent ev;
  if (type == "ADDED") {
    ev.type = WatchEvent::Type::kAdded;
  } else if (type == "MODIFIED") {
    ev.type = WatchEvent::Type::kModified;
  } else if (type == "DELETED") {
    ev.type = WatchEvent::Type::kDeleted;
  } else if (type == "BOOKMARK") {
    ev.type = WatchEvent::Type::kBookmark;
  } else if (type == "ERROR") {
    ev.type = WatchEvent::Type::kError;
  } else {
    return InvalidArgument("kubernetes API: unknown watch event type \"" + type + "\"");
  }
  element obj;
  if (doc["object"].get(obj) != simdjson::SUCCESS || !obj.is_object())
    return InvalidArgument("kubernetes API: watch event without an object");
  if (ev.type == WatchEvent::Type::kError) {
    int64_t code = 0;
    if (obj["code"].get(code) == simdjson::SUCCESS) ev.error_code = static_cast<int32_t>(code);
    ev.error_message = Str(obj, "message");
    return ev;
  }
  ev.object = FromElement(obj);
  return ev;
}

}  // namespace otter::k8s
