#include "query/loki_tail.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "query/json_writer.h"
#include "query/logql/pipeline.h"
#include "query/loki_params.h"
#include "store/hash.h"

namespace otter::query {

namespace {

// RFC 6455 close codes.
constexpr uint16_t kGoingAway = 1001;
constexpr uint16_t kInternalError = 1011;

// How long entries of the history are remembered, so that an entry both in the history and in
// the first live batches (stored while the history was read) goes out once.
constexpr auto kHistoryOverlap = std::chrono::seconds(30);

struct Dropped {
  int64_t ts_ns;
  store::Labels labels;
};

// One entry that passed the pipeline.
struct Ready {
  uint64_t seq = 0;       // arrival order among equal timestamps
  store::Labels labels;   // its stream in the answer (only the stream's own when categorized)
  store::LogEntry entry;  // with metadata and parsed labels when categorized
};

// Min-heap order: oldest first, then arrival.
bool Later(const Ready& a, const Ready& b) {
  return a.entry.ts_ns != b.entry.ts_ns ? a.entry.ts_ns > b.entry.ts_ns : a.seq > b.seq;
}

uint64_t EntryHash(const store::Labels& stream, int64_t ts_ns, std::string_view line) {
  return store::HashLabels(stream) ^ (std::hash<std::string_view>{}(line)*31) ^
         static_cast<uint64_t>(ts_ns) * 0x9e3779b97f4a7c15ULL;
}

std::string MessageJson(const std::vector<Ready>& entries, const std::vector<Dropped>& dropped,
                        bool categorize) {
  JsonWriter w;
  w.BeginObject().Key("streams").BeginArray();
  for (const Ready& r : entries) {
    w.BeginObject().Key("stream");
    loki::WriteLabels(w, r.labels);
    w.Key("values").BeginArray();
    loki::WriteEntry(w, r.entry, categorize);
    w.EndArray().EndObject();
  }
  w.EndArray();
  if (!dropped.empty()) {
    w.Key("dropped_entries").BeginArray();
    for (const Dropped& d : dropped) {
      w.BeginObject().Key("timestamp").String(std::to_string(d.ts_ns)).Key("labels");
      loki::WriteLabels(w, d.labels);
      w.EndObject();
    }
    w.EndArray();
  }
  if (categorize) w.Key("encodingFlags").BeginArray().String(loki::kCategorizeLabels).EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace

struct LokiTail::Session {
  Session(TailRequest r, std::shared_ptr<net::WebSocket> s)
      : request(std::move(r)), pipeline(request.expr->selector.stages), socket(std::move(s)) {}

  // Runs the pipeline over one entry; false when it filters the entry out.
  bool Process(const store::Labels& stream, const store::LogEntry& e, Ready* out) const {
    std::string line;
    if (!pipeline.Process(e.ts_ns, e.line, stream, e.metadata, &line, &out->labels)) return false;
    out->entry.ts_ns = e.ts_ns;
    out->entry.line = std::move(line);
    if (request.categorize_labels)
      logql::CategorizeLabels(stream, e.metadata, &out->labels, &out->entry);
    return true;
  }

  const TailRequest request;
  const logql::Pipeline pipeline;
  const std::shared_ptr<net::WebSocket> socket;
  std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();

  // What the store's writer thread hands over (through the watch), taken by the pump. The watch
  // holds only the inbox, never the session: the last reference to a session (whose destructor
  // ends the watch, waiting for the writer's call in progress) is never dropped inside such a call.
  struct Incoming {
    store::Labels stream;
    store::LogEntry entry;
  };
  struct Inbox {
    std::mutex mu;
    std::vector<Incoming> incoming;                          // GUARDED_BY(mu)
    std::vector<Dropped> dropped;                            // GUARDED_BY(mu), for the next message
    void Drop(int64_t ts_ns, const store::Labels& labels) {  // holding mu
      if (dropped.size() < kMaxDroppedPerMessage) dropped.push_back({ts_ns, labels});
    }
  };
  const std::shared_ptr<Inbox> inbox = std::make_shared<Inbox>();
  // Set by Open before the pump sees the session; reset by the pump (or Stop) when it ends.
  std::unique_ptr<store::LogWatch> watch;

  // The pump's own.
  bool history_sent = false;
  std::vector<Ready> heap;  // waiting for their delay; ordered by Later
  uint64_t seq = 0;
  std::unordered_set<uint64_t> history;  // hashes of the entries the history sent
  std::chrono::steady_clock::time_point history_until;
};

LokiTail::LokiTail(store::LogQuerier& querier, Options options)
    : querier_(querier), options_(std::move(options)) {}

LokiTail::~LokiTail() { Stop(); }

int64_t LokiTail::Now() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

size_t LokiTail::active() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

Status LokiTail::Open(TailRequest request, std::shared_ptr<net::WebSocket> socket) {
  auto session = std::make_shared<Session>(std::move(request), socket);
  auto full = [this] {
    return InvalidArgument(
        fmt::format("max concurrent tail requests limit exceeded, count > limit ({} > {})",
                    sessions_.size() + 1, options_.max_tails));
  };
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("the query server is shutting down");
    if (sessions_.size() >= options_.max_tails) return full();
  }
  const size_t cap = options_.max_buffered;
  session->watch = querier_.Watch(
      session->request.expr->selector.matchers,
      [inbox = session->inbox, cap](const store::Labels& stream, store::LogEntry&& e) {
        std::lock_guard lock(inbox->mu);
        if (inbox->incoming.size() >= cap)
          inbox->Drop(e.ts_ns, stream);
        else
          inbox->incoming.push_back({stream, std::move(e)});
      });
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("the query server is shutting down");
    if (sessions_.size() >= options_.max_tails) return full();
    sessions_.push_back(session);
    if (!pump_.joinable()) pump_ = std::thread([this] { Pump(); });
  }
  socket->OnClose([this] { cv_.notify_all(); });
  cv_.notify_all();
  return Status::Ok();
}

void LokiTail::Stop() {
  std::list<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    sessions.swap(sessions_);
  }
  cv_.notify_all();
  if (pump_.joinable()) pump_.join();
  for (auto& s : sessions) {
    s->socket->Close(kGoingAway, "server shutting down");
    s->watch.reset();
  }
}

void LokiTail::Pump() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    std::vector<std::shared_ptr<Session>> sessions(sessions_.begin(), sessions_.end());
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    std::vector<Session*> over;
    for (auto& s : sessions)
      if (!Serve(*s, now)) over.push_back(s.get());
    for (Session* s : over) s->watch.reset();
    lock.lock();
    std::erase_if(sessions_, [&](const std::shared_ptr<Session>& s) {
      return std::find(over.begin(), over.end(), s.get()) != over.end();
    });
    cv_.wait_for(lock, options_.poll);
  }
}

Status LokiTail::SendHistory(Session& s) {
  const auto& selector = s.request.expr->selector;
  store::LogSelect sel;
  sel.stream_matchers = selector.matchers;
  sel.start_ns = s.request.start_ns;
  sel.end_ns = Now() + 1;
  sel.direction = store::Direction::kBackward;
  sel.trace_id = logql::PushdownTraceId(selector.stages);
  if (s.pipeline.NeverFilters()) sel.limit = s.request.limit;
  auto limits = store::QueryLimits::WithTimeout(
      options_.history_timeout, options_.max_history_entries, std::chrono::steady_clock::now());
  std::vector<Ready> newest_first;
  RETURN_IF_ERROR(querier_.Scan(sel, limits, [&](const store::Labels& stream, store::LogEntry&& e) {
    Ready r;
    if (!s.Process(stream, e, &r)) return true;
    s.history.insert(EntryHash(stream, e.ts_ns, e.line));
    newest_first.push_back(std::move(r));
    return newest_first.size() < s.request.limit;
  }));
  s.history_until = std::chrono::steady_clock::now() + kHistoryOverlap;
  // Oldest first, in messages of at most kMaxEntriesPerMessage.
  std::reverse(newest_first.begin(), newest_first.end());
  for (size_t i = 0; i < newest_first.size(); i += kMaxEntriesPerMessage) {
    size_t n = std::min(kMaxEntriesPerMessage, newest_first.size() - i);
    std::vector<Ready> part(std::make_move_iterator(newest_first.begin() + i),
                            std::make_move_iterator(newest_first.begin() + i + n));
    if (!s.socket->SendText(MessageJson(part, {}, s.request.categorize_labels))) {
      std::lock_guard lock(s.inbox->mu);
      for (const Ready& r : part) s.inbox->Drop(r.entry.ts_ns, r.labels);
    }
  }
  return Status::Ok();
}

bool LokiTail::Serve(Session& s, std::chrono::steady_clock::time_point now) {
  if (s.socket->closed()) return false;
  if (now - s.opened >= options_.max_duration) {
    s.socket->Close(kInternalError, "reached tail max duration limit");
    return false;
  }
  if (!s.history_sent) {
    s.history_sent = true;
    if (Status st = SendHistory(s); !st.ok()) {
      s.socket->Close(kInternalError, std::string(st.message()));
      return false;
    }
  }
  std::vector<Session::Incoming> incoming;
  std::vector<Dropped> dropped;
  {
    std::lock_guard lock(s.inbox->mu);
    incoming.swap(s.inbox->incoming);
  }
  if (!s.history.empty() && now >= s.history_until) s.history.clear();
  for (auto& in : incoming) {
    if (!s.history.empty() && s.history.count(EntryHash(in.stream, in.entry.ts_ns, in.entry.line)))
      continue;
    Ready r;
    if (!s.Process(in.stream, in.entry, &r)) continue;
    if (s.heap.size() >= options_.max_buffered) {
      std::lock_guard lock(s.inbox->mu);
      s.inbox->Drop(r.entry.ts_ns, r.labels);
      continue;
    }
    r.seq = s.seq++;
    s.heap.push_back(std::move(r));
    std::push_heap(s.heap.begin(), s.heap.end(), Later);
  }
  // Out go the entries whose delay has passed, oldest first.
  const int64_t ready_before = Now() - s.request.delay_ns;
  while (true) {
    std::vector<Ready> batch;
    while (batch.size() < kMaxEntriesPerMessage && !s.heap.empty() &&
           s.heap.front().entry.ts_ns < ready_before) {
      std::pop_heap(s.heap.begin(), s.heap.end(), Later);
      batch.push_back(std::move(s.heap.back()));
      s.heap.pop_back();
    }
    if (batch.empty()) break;  // dropped entries wait for the next message with entries
    {
      std::lock_guard lock(s.inbox->mu);
      dropped.swap(s.inbox->dropped);
    }
    if (!s.socket->SendText(MessageJson(batch, dropped, s.request.categorize_labels))) {
      std::lock_guard lock(s.inbox->mu);
      for (Dropped& d : dropped) s.inbox->Drop(d.ts_ns, std::move(d.labels));
      for (const Ready& r : batch) s.inbox->Drop(r.entry.ts_ns, r.labels);
      break;
    }
    dropped.clear();
  }
  return !s.socket->closed();
}

}  // namespace otter::query
