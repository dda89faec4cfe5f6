// The `network` scraper: per-interface counters from /proc/net/dev, TCP connections by state
// from /proc/net/tcp and tcp6, conntrack table fill from /proc/sys/net/netfilter, as
// otelcol-contrib reports them on Linux.
#include <cerrno>
#include <cstring>
#include <iterator>

#include "receivers/hostmetrics/scraper.h"

namespace otter::hostmetrics {
namespace {

// The reported TCP states, sorted by name. The `always` ones are otelcol-contrib's state list
// on Linux (reported 0 when absent). gopsutil names two kernel states differently (FIN_WAIT1,
// FIN_WAIT2): contrib then reports them under those names, besides the zero FIN_WAIT_1 and
// FIN_WAIT_2, and so does otter, so dashboards see the same series.
struct TcpState {
  std::string_view name;
  bool always;
};
constexpr TcpState kTcpStates[] = {
    {"CLOSE", true},       {"CLOSE_WAIT", true}, {"CLOSING", true},    {"DELETE", true},
    {"ESTABLISHED", true}, {"FIN_WAIT1", false}, {"FIN_WAIT2", false}, {"FIN_WAIT_1", true},
    {"FIN_WAIT_2", true},  {"LAST_ACK", true},   {"LISTEN", true},     {"SYN_RECV", true},
    {"SYN_SENT", true},    {"TIME_WAIT", true}};

// The kernel's TCP state number (include/net/tcp_states.h) → index into kTcpStates, or -1.
int TcpStateIndex(uint64_t st) {
  // clang-format off
  switch (st) {
    case 0x01: return 4;   // ESTABLISHED
    case 0x02: return 12;  // SYN_SENT
    case 0x03: return 11;  // SYN_RECV
    case 0x04: return 5;   // FIN_WAIT1
    case 0x05: return 6;   // FIN_WAIT2
    case 0x06: return 13;  // TIME_WAIT
    case 0x07: return 0;   // CLOSE
    case 0x08: return 1;   // CLOSE_WAIT
    case 0x09: return 9;   // LAST_ACK
    case 0x0A: return 10;  // LISTEN
    case 0x0B: return 2;   // CLOSING
    default: return -1;
  }
  // clang-format on
}

class NetworkScraper final : public Scraper {
 public:
  NetworkScraper(const HostMetricsScraperConfig& cfg, const HostEnv& env)
      : Scraper(ScraperKind::kNetwork, cfg, env), filter_(cfg.include, cfg.exclude) {}

  void Scrape(pdata::MetricBatch& batch, ScrapeErrors& errors) override {
    const uint64_t now = env_.now_ns();
    MetricSet m = Begin(batch, boot_ns_, now);
    if (m.on(network::kDropped) || m.on(network::kErrors) || m.on(network::kIo) ||
        m.on(network::kPackets))
      ScrapeInterfaces(m, batch, errors);
    if (m.on(network::kConnections)) ScrapeConnections(m, errors);
    if (m.on(network::kConntrackCount) || m.on(network::kConntrackMax)) ScrapeConntrack(m, errors);
    m.Finish();
  }

 private:
  void ScrapeInterfaces(MetricSet& m, pdata::MetricBatch& batch, ScrapeErrors& errors) {
    std::string_view text, line;
    if (!ReadOrReport("/proc/net/dev", &text, errors, "failed to read network IO stats:")) return;
    while (NextLine(text, &line)) {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;  // the two header lines
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      if (name.empty() || !filter_.Allows(name)) continue;
      std::string_view rest = line.substr(colon + 1);
      uint64_t f[16] = {};
      for (auto& v : f) v = ParseU64(NextField(rest));
      // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes
      // packets errs drop fifo colls carrier compressed
      std::string_view dev = batch.arenas().Copy(name);
      pdata::KeyValue d = Attr("device", dev);
      pdata::KeyValue tx = Attr("direction", "transmit"), rx = Attr("direction", "receive");
      auto i64 = [](uint64_t v) { return static_cast<int64_t>(v); };
      m.Int(network::kDropped, i64(f[11]), {d, tx});
      m.Int(network::kDropped, i64(f[3]), {d, rx});
      m.Int(network::kErrors, i64(f[10]), {d, tx});
      m.Int(network::kErrors, i64(f[2]), {d, rx});
      m.Int(network::kIo, i64(f[8]), {d, tx});
      m.Int(network::kIo, i64(f[0]), {d, rx});
      m.Int(network::kPackets, i64(f[9]), {d, tx});
      m.Int(network::kPackets, i64(f[1]), {d, rx});
    }
  }

  void ScrapeConnections(MetricSet& m, ScrapeErrors& errors) {
    int64_t counts[std::size(kTcpStates)] = {};
    bool any = false;
    for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
      std::string_view text, line;
      if (!reader_.Read(file, &text)) continue;  // tcp6 is absent without IPv6
      any = true;
      NextLine(text, &line);  // header
      while (NextLine(text, &line)) {
        SkipFields(line, 3);  // sl, local_address, rem_address
        int i = TcpStateIndex(ParseHex(NextField(line)));
        if (i >= 0) ++counts[i];
      }
    }
    if (!any) {
      errors.Add(std::string("network: failed to read TCP connections: ") +
                 reader_.Path("/proc/net/tcp") + ": " + std::strerror(errno));
      return;
    }
    for (size_t i = 0; i < std::size(kTcpStates); ++i)
      if (kTcpStates[i].always || counts[i] > 0)
        m.Int(network::kConnections, counts[i],
              {Attr("protocol", "tcp"), Attr("state", kTcpStates[i].name)});
  }

  void ScrapeConntrack(MetricSet& m, ScrapeErrors& errors) {
    std::string_view text;
    constexpr std::string_view kContext = "failed to read conntrack info:";
    if (!ReadOrReport("/proc/sys/net/netfilter/nf_conntrack_count", &text, errors, kContext))
      return;
    int64_t count = static_cast<int64_t>(ParseU64(NextField(text)));
    if (!ReadOrReport("/proc/sys/net/netfilter/nf_conntrack_max", &text, errors, kContext)) return;
    m.Int(network::kConntrackCount, count);
    m.Int(network::kConntrackMax, static_cast<int64_t>(ParseU64(NextField(text))));
  }

  IncludeExclude filter_;
};

}  // namespace

std::unique_ptr<Scraper> NewNetworkScraper(const HostMetricsScraperConfig& cfg,
                                           const HostEnv& env) {
  return std::make_unique<NetworkScraper>(cfg, env);
}

}  // namespace otter::hostmetrics
