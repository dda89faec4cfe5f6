#include "exporters/elasticsearch/bulk_request.h"

#include "exporters/elasticsearch/bulk_response.h"
#include "exporters/otlp_http/response.h"

namespace otter::elasticsearch_exporter {

BulkRequest::BulkRequest(std::shared_ptr<BulkTarget> target, BulkBody body)
    : target_(std::move(target)), body_(std::move(body)) {
  pending_.resize(body_.docs.size());
  for (uint32_t i = 0; i < pending_.size(); ++i) pending_[i] = i;
}

Status BulkRequest::Send(const exporterhelper::Attempt& a) {
  if (pending_.empty()) return Finish(Status::Ok());
  std::string_view payload = body_.ndjson;
  if (pending_.size() != body_.docs.size()) {
    a.scratch->clear();
    for (uint32_t i : pending_)
      a.scratch->append(body_.ndjson, body_.docs[i].offset, body_.docs[i].size);
    payload = *a.scratch;
  }
  auto& ep = target_->Next();
  auto r = ep.client->Post(ep.url, target_->headers, payload, a.timeout, a.cancel);
  Status http = r.ok() ? otlp_http_exporter::PushStatus(*r, ep.url.text) : r.status();
  if (!http.ok()) {
    if (http.retryable()) return RetryOrGiveUp(a, http);
    for (uint32_t d : pending_) Reject(d, r.ok() ? r->status : 0, http.message());
    pending_.clear();
    return Finish(http);
  }
  auto parsed = ParseBulkResponse(r->body);
  if (parsed.ok() && parsed->errors && parsed->items.size() != pending_.size())
    parsed = InvalidArgument("bulk response has " + std::to_string(parsed->items.size()) +
                             " items for " + std::to_string(pending_.size()) + " documents");
  if (!parsed.ok()) {
    Status bad = Internal("from " + ep.url.text + ": " + std::string(parsed.status().message()));
    for (uint32_t d : pending_) Reject(d, r->status, bad.message());
    pending_.clear();
    return Finish(bad);
  }
  if (!parsed->errors) {
    indexed_docs_ += pending_.size();
    if (target_->indexed) target_->indexed->Add(pending_.size());
    pending_.clear();
    return Finish(Status::Ok());
  }
  std::vector<uint32_t> retry;
  int retry_status = 0;
  for (size_t i = 0; i < pending_.size(); ++i) {
    const BulkItem& item = parsed->items[i];
    if (item.status >= 200 && item.status < 300) {
      ++indexed_docs_;
      if (target_->indexed) target_->indexed->Add(1);
    } else if (target_->retry_on_status.count(item.status)) {
      retry.push_back(pending_[i]);
      retry_status = item.status;
    } else {
      Reject(pending_[i], item.status,
             item.error_type + (item.error_reason.empty() ? "" : ": " + item.error_reason));
    }
  }
  pending_ = std::move(retry);
  if (pending_.empty()) return Finish(Status::Ok());
  return RetryOrGiveUp(a, Unavailable(std::to_string(pending_.size()) + " documents answered " +
                                      std::to_string(retry_status) + " by " + ep.url.text));
}

Status BulkRequest::RetryOrGiveUp(const exporterhelper::Attempt& a, Status why) {
  if (a.number <= target_->max_retries) {
    if (target_->retried) target_->retried->Add(pending_.size());
    return why;
  }
  std::string msg =
      "giving up after " + std::to_string(a.number - 1) + " retries: " + std::string(why.message());
  for (uint32_t d : pending_) Reject(d, 0, msg);
  pending_.clear();
  return Finish(ResourceExhausted(msg));
}

void BulkRequest::Reject(uint32_t doc, int status, std::string_view why) {
  ++rejected_docs_;
  rejected_items_ += body_.docs[doc].items;
  if (target_->rejected) target_->rejected->Add(1);
  std::string line =
      (status ? "status " + std::to_string(status) + ": " : std::string()) + std::string(why);
  if (first_error_.empty()) first_error_ = line;
  uint64_t suppressed = 0;
  if (target_->log && target_->reject_log.Allow(*target_->clock, &suppressed)) {
    // The action line names the index; the document itself may hold sensitive data.
    std::string_view action(body_.ndjson.data() + body_.docs[doc].offset, body_.docs[doc].size);
    action = action.substr(0, action.find('\n'));
    target_->log->warn("Elasticsearch rejected a document ({}): {}{}", action, line,
                       exporterhelper::LogThrottle::Suffix(suppressed));
  }
}

Status BulkRequest::Finish(Status last) {
  if (rejected_docs_ == 0) return Status::Ok();
  if (indexed_docs_ == 0 && rejected_items_ == body_.items) {
    if (last.ok() || last.retryable()) last = FailedPrecondition(first_error_);
    return Status(last.code(), "Elasticsearch rejected all " + std::to_string(rejected_docs_) +
                                   " documents: " + std::string(last.message()));
  }
  if (rejected_items_ == 0) return Status::Ok();  // only span-event documents were rejected
  return Status::PartialSuccess(
      rejected_items_,
      "Elasticsearch rejected " + std::to_string(rejected_docs_) + " documents: " + first_error_);
}

}  // namespace otter::elasticsearch_exporter
