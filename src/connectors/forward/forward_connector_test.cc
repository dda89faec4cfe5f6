#include "connectors/forward/forward_connector.h"

#include <gtest/gtest.h>

#include "component/registry.h"
#include "config/loader.h"

namespace otter {
namespace {

struct Recorder : LogConsumer {
  std::vector<size_t> items;
  bool mutates = false, undecoded = false;
  void Consume(pdata::LogBatch&& b, Completion done) override {
    items.push_back(b.ItemCount());
    done(Unavailable("downstream full"));
  }
  bool MutatesData() const override { return mutates; }
  bool TakesUndecoded() const override { return undecoded; }
};

TEST(ForwardConnectorTest, PassesBatchesOnAndAnswersWithTheDownstream) {
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kConnector, "forward");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->Connects(Signal::kLogs, Signal::kLogs));
  EXPECT_FALSE(f->Connects(Signal::kTraces, Signal::kMetrics));
  auto node = config::ParseYaml("{}", "f.yaml");
  config::Diagnostics d;
  auto cfg = f->parse_config(*node, d);
  ASSERT_TRUE(d.ok());
  Recorder rec;
  ConnectorNext next;
  next.all.logs = &rec;
  auto c = f->create_connector(ComponentContext{}, *cfg, Signal::kLogs, Signal::kLogs, next);
  ASSERT_TRUE(c.ok());
  LogConsumer* in = (*c)->consumers().logs;
  ASSERT_NE(in, nullptr);
  EXPECT_EQ((*c)->consumers().traces, nullptr);

  pdata::LogBatch b;
  b.resources().emplace_back().scope_logs.emplace_back().log_records.resize(3);
  Status got;
  in->Consume(std::move(b), Completion([&](Status s) { got = s; }));
  EXPECT_EQ(rec.items, (std::vector<size_t>{3}));
  EXPECT_EQ(got.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(in->MutatesData());
  rec.mutates = rec.undecoded = true;  // it declares what its downstream needs
  EXPECT_TRUE(in->MutatesData());
  EXPECT_TRUE(in->TakesUndecoded());
}

}  // namespace
}  // namespace otter
