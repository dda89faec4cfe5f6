// OTLP/gRPC driver: one channel per connection (distinct channel arguments and a local subchannel
// pool, so each is its own TCP connection), raw ByteBuffer unary calls through grpc::GenericStub,
// --inflight outstanding calls per connection, all driven by completion queues: thread t polls
// its own queue and owns connections t, t + threads, ...
#include <grpcpp/alarm.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <thread>

#include "driver.h"
#include "otlp/proto_codec.h"

namespace otter::loadgen {
namespace {

std::string MethodFor(Signal s) {
  switch (s) {
    case Signal::kTraces:
      return "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    case Signal::kLogs:
      return "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
    case Signal::kMetrics:
      return "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
  }
  return "";
}

std::chrono::system_clock::time_point ToSystem(Clock::time_point t) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(t - Clock::now());
}

struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  std::unique_ptr<RequestBuilder> builder;
};

// One outstanding call (or a wait for the rate limiter / an error back-off) of a connection.
// The slot itself is the completion-queue tag; `state` says which event it is waiting for.
struct Slot {
  enum class State { kIdle, kWaiting, kInFlight };
  Connection* conn = nullptr;
  State state = State::kIdle;
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::Alarm alarm;
  Clock::time_point sent;
  uint64_t items = 0, bytes = 0, raw_bytes = 0;
};

class GrpcDriver : public Driver {
 public:
  explicit GrpcDriver(const RunContext& ctx)
      : ctx_(ctx),
        opts_(ctx.opts),
        schedule_(ctx.schedule),
        limiter_(ctx.limiter),
        sinks_(ctx.sinks),
        method_(MethodFor(ctx.opts.signal)) {}

  Status Prepare() override {
    for (int i = 0; i < opts_.connections; ++i) {
      grpc::ChannelArguments args;
      // Channels with equal arguments may share one subchannel (one TCP connection); a distinct
      // argument and a per-channel pool keep them apart.
      args.SetInt("otter.loadgen.connection", i);
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetMaxReceiveMessageSize(-1);
      auto conn = std::make_unique<Connection>();
      conn->channel =
          grpc::CreateCustomChannel(opts_.endpoint, grpc::InsecureChannelCredentials(), args);
      conn->stub = std::make_unique<grpc::GenericStub>(conn->channel);
      conn->builder = std::make_unique<RequestBuilder>(ctx_, static_cast<uint32_t>(i), false);
      conns_.push_back(std::move(conn));
    }
    auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(5);
    for (size_t i = 0; i < conns_.size(); ++i) {
      if (!conns_[i]->channel->WaitForConnected(deadline)) {
        return Unavailable("connection " + std::to_string(i) + " to " + opts_.endpoint +
                           " not ready after 5 s");
      }
    }
    return Status::Ok();
  }

  void Run() override {
    std::vector<std::thread> threads;
    for (int t = 0; t < opts_.threads; ++t) threads.emplace_back([this, t] { Loop(t); });
    for (std::thread& th : threads) th.join();
  }

 private:
  void Loop(int t) {
    StatsSink& sink = *sinks_[static_cast<size_t>(t)];
    grpc::CompletionQueue cq;
    std::vector<std::unique_ptr<Slot>> slots;
    for (size_t i = static_cast<size_t>(t); i < conns_.size();
         i += static_cast<size_t>(opts_.threads)) {
      for (int k = 0; k < opts_.inflight; ++k) {
        slots.push_back(std::make_unique<Slot>());
        slots.back()->conn = conns_[i].get();
      }
    }
    size_t busy = 0;  // slots with an event still to come
    bool stopping = false;
    for (auto& s : slots) busy += ScheduleNext(*s, cq, sink, Clock::time_point{}) ? 1 : 0;

    while (busy > 0) {
      void* tag;
      bool ok;
      auto deadline = stopping ? std::chrono::system_clock::now() + std::chrono::seconds(1)
                               : ToSystem(schedule_.end);
      grpc::CompletionQueue::NextStatus st = cq.AsyncNext(&tag, &ok, deadline);
      if (st == grpc::CompletionQueue::SHUTDOWN) break;
      if (!stopping && Clock::now() >= schedule_.end) {
        // The end: wake every waiting slot and cancel every call; their events still arrive.
        stopping = true;
        for (auto& s : slots) {
          if (s->state == Slot::State::kWaiting) s->alarm.Cancel();
          if (s->state == Slot::State::kInFlight) s->ctx->TryCancel();
        }
      }
      if (st == grpc::CompletionQueue::TIMEOUT) continue;
      Slot& s = *static_cast<Slot*>(tag);
      bool more;
      if (stopping) {
        more = false;  // completions after the end are not counted
      } else if (s.state == Slot::State::kWaiting) {
        more = ok;  // the alarm fired (ok) or was cancelled
        if (more) Send(s, cq, sink);
      } else {
        Clock::time_point not_before = Finished(s, sink, Clock::now());
        more = ScheduleNext(s, cq, sink, not_before);
      }
      if (!more) {
        s.state = Slot::State::kIdle;
        --busy;
      }
    }
    cq.Shutdown();
    void* tag;
    bool ok;
    while (cq.Next(&tag, &ok)) {
    }
  }

  // Records a finished call; returns the earliest time the slot may send again.
  Clock::time_point Finished(Slot& s, StatsSink& sink, Clock::time_point now) {
    Outcome o;
    o.items = s.items;
    o.bytes = s.bytes;
    o.raw_bytes = s.raw_bytes;
    o.latency_ns = Nanos(now - s.sent);
    std::string failure;
    if (s.status.ok()) {
      o.ok = true;
      std::vector<grpc::Slice> slices;
      std::string body;
      if (s.response.Dump(&slices).ok()) {
        for (const grpc::Slice& sl : slices) {
          body.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
        }
      }
      StatusOr<otlp::ExportResult> r = otlp::DecodeExportResponse(body);
      if (r.ok()) {
        o.rejected = static_cast<uint64_t>(std::max<int64_t>(r->rejected, 0));
      } else {
        o.ok = false;
        failure = FailureKey("grpc OK with an undecodable response", r.status().message());
      }
    } else {
      failure = FailureKey(
          "grpc " + std::string(StatusCodeName(static_cast<StatusCode>(s.status.error_code()))),
          s.status.error_message());
    }
    o.failure = failure;
    sink.Record(now, o);
    s.ctx.reset();
    s.reader.reset();
    if (o.ok) return Clock::time_point{};
    return now + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double, std::milli>(opts_.error_backoff_ms));
  }

  // Takes a rate-limiter slot and starts the next call, or arms the alarm when it must wait.
  // False when the run is over.
  bool ScheduleNext(Slot& s, grpc::CompletionQueue& cq, StatsSink& sink,
                    Clock::time_point not_before) {
    Clock::time_point now = Clock::now();
    if (now >= schedule_.end) return false;
    Clock::time_point at = std::max(limiter_.Acquire(), not_before);
    if (at >= schedule_.end) return false;
    if (at > now) {
      s.state = Slot::State::kWaiting;
      s.alarm.Set(&cq, ToSystem(at), &s);
    } else {
      Send(s, cq, sink);
    }
    return true;
  }

  void Send(Slot& s, grpc::CompletionQueue& cq, StatsSink& sink) {
    RequestBuilder& b = *s.conn->builder;
    s.items = b.Build(sink);
    s.raw_bytes = b.raw_size();
    s.bytes = b.body().size();
    // The ByteBuffer takes the body without a copy; gRPC frees it when the call is done with it.
    auto* owned = new std::string(std::move(b.body()));
    grpc::Slice slice(
        owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
    grpc::ByteBuffer request(&slice, 1);
    s.ctx = std::make_unique<grpc::ClientContext>();
    s.ctx->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            std::chrono::duration<double>(opts_.timeout_s)));
    if (opts_.gzip) s.ctx->set_compression_algorithm(GRPC_COMPRESS_GZIP);
    s.response.Clear();
    s.state = Slot::State::kInFlight;
    s.sent = Clock::now();
    s.reader = s.conn->stub->PrepareUnaryCall(s.ctx.get(), method_, request, &cq);
    s.reader->StartCall();
    s.reader->Finish(&s.response, &s.status, &s);
  }

  const RunContext ctx_;
  const Options& opts_;
  const Schedule& schedule_;
  RateLimiter& limiter_;
  std::vector<std::unique_ptr<StatsSink>>& sinks_;
  const std::string method_;
  std::vector<std::unique_ptr<Connection>> conns_;
};

}  // namespace

std::unique_ptr<Driver> MakeGrpcDriver(const RunContext& ctx) {
  return std::make_unique<GrpcDriver>(ctx);
}

}  // namespace otter::loadgen
