#include "pdata/batch.h"

#include <iterator>

namespace otter::pdata {
namespace {

size_t ScopeItems(const ScopeSpans& s) { return s.spans.size(); }
size_t ScopeItems(const ScopeLogs& s) { return s.log_records.size(); }
size_t ScopeItems(const ScopeMetrics& s) { return ResourceMetrics::ItemCount(s); }

template <class R>
size_t ResourceItems(const R& r) {
  size_t n = 0;
  for (const auto& s : r.*R::kScopes) n += ScopeItems(s);
  return n;
}

template <class T>
void MoveFront(std::vector<T>& from, size_t n, std::vector<T>& to) {
  to.insert(to.end(), std::make_move_iterator(from.begin()),
            std::make_move_iterator(from.begin() + static_cast<ptrdiff_t>(n)));
  from.erase(from.begin(), from.begin() + static_cast<ptrdiff_t>(n));
}

// Moves the first `n` items (n < ScopeItems(from)) of a scope into `to`.
void SplitScope(ScopeSpans& from, size_t n, ScopeSpans& to) { MoveFront(from.spans, n, to.spans); }
void SplitScope(ScopeLogs& from, size_t n, ScopeLogs& to) {
  MoveFront(from.log_records, n, to.log_records);
}
void SplitScope(ScopeMetrics& from, size_t n, ScopeMetrics& to) {
  size_t whole = 0;
  while (whole < from.metrics.size() && from.metrics[whole].DataPointCount() <= n) {
    n -= from.metrics[whole].DataPointCount();
    ++whole;
  }
  MoveFront(from.metrics, whole, to.metrics);
  if (n == 0 || from.metrics.empty()) return;
  Metric& m = from.metrics.front();
  Metric part;
  part.name = m.name;
  part.description = m.description;
  part.unit = m.unit;
  part.type = m.type;
  part.temporality = m.temporality;
  part.is_monotonic = m.is_monotonic;
  part.metadata = m.metadata;
  MoveFront(m.number_points, std::min(n, m.number_points.size()), part.number_points);
  MoveFront(m.histogram_points, std::min(n, m.histogram_points.size()), part.histogram_points);
  MoveFront(m.exp_histogram_points, std::min(n, m.exp_histogram_points.size()),
            part.exp_histogram_points);
  MoveFront(m.summary_points, std::min(n, m.summary_points.size()), part.summary_points);
  to.metrics.push_back(std::move(part));
}

}  // namespace

template <class R>
size_t Batch<R>::ItemCount() const {
  if (undecoded()) return undecoded_items_;
  size_t n = 0;
  for (const auto& r : resources_.get()) n += ResourceItems(r);
  return n;
}

template <class R>
void Batch<R>::Append(Batch&& other) {
  assert(!undecoded() && !other.undecoded());
  wire_ = {};
  other.wire_ = {};
  if (resources_.get().empty()) {
    client_ip_ = std::move(other.client_ip_);
    metadata_ = std::move(other.metadata_);
    resources_ = std::move(other.resources_);  // shared with whatever `other` shared it with
  } else {
    if (client_ip_ != other.client_ip_) client_ip_.clear();
    if (!(metadata_ == other.metadata_)) metadata_.clear();
  }
  other.metadata_.clear();
  if (other.resources_.shared()) {  // a clone holds it too: copy
    const auto& from = other.resources_.get();
    auto& to = resources_.mut();
    to.insert(to.end(), from.begin(), from.end());
  } else if (!other.resources_.get().empty()) {
    auto& from = other.resources_.mut();
    auto& to = resources_.mut();
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  }
  other.resources_ = {};
  arenas_.Absorb(std::move(other.arenas_));
}

template <class R>
Batch<R> Batch<R>::SplitOff(size_t max_items) {
  assert(!undecoded());
  wire_ = {};
  Batch out;
  out.arenas_ = arenas_.ShareForRead();
  out.client_ip_ = client_ip_;
  out.metadata_ = metadata_;
  auto& mine = resources_.mut();
  auto& out_resources = out.resources_.mut();
  size_t left = max_items;
  size_t whole = 0;
  while (whole < mine.size() && left > 0) {
    size_t n = ResourceItems(mine[whole]);
    if (n > left) break;
    left -= n;
    ++whole;
  }
  MoveFront(mine, whole, out_resources);
  if (left == 0 || mine.empty()) return out;

  R& r = mine.front();
  R part;
  part.resource = r.resource;
  part.schema_url = r.schema_url;
  auto& scopes = r.*R::kScopes;
  auto& part_scopes = part.*R::kScopes;
  size_t whole_scopes = 0;
  while (whole_scopes < scopes.size() && ScopeItems(scopes[whole_scopes]) <= left) {
    left -= ScopeItems(scopes[whole_scopes]);
    ++whole_scopes;
  }
  MoveFront(scopes, whole_scopes, part_scopes);
  if (left > 0 && !scopes.empty()) {
    typename R::Scope ps;
    ps.scope = scopes.front().scope;
    ps.schema_url = scopes.front().schema_url;
    SplitScope(scopes.front(), left, ps);
    part_scopes.push_back(std::move(ps));
  }
  out_resources.push_back(std::move(part));
  return out;
}

template <class R>
Batch<R> Batch<R>::Clone() const {
  Batch out;
  out.arenas_ = arenas_.ShareForRead();
  out.resources_ = resources_;
  out.wire_ = wire_;  // points into the shared arenas
  out.undecoded_items_ = undecoded_items_;
  out.client_ip_ = client_ip_;
  out.metadata_ = metadata_;
  return out;
}

template class Batch<ResourceSpans>;
template class Batch<ResourceMetrics>;
template class Batch<ResourceLogs>;

}  // namespace otter::pdata
