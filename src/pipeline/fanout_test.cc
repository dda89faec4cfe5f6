#include "pipeline/fanout.h"

#include <gtest/gtest.h>

#include "processors/memory_limiter/memory_limiter.h"
#include "receivers/otlp/test_fakes.h"

namespace otter::pipeline {
namespace {

using otlp_receiver::testing::FakeConsumer;
using otlp_receiver::testing::TraceRequest;

// A fan-out takes undecoded batches only when every consumer behind it does, and hands each a
// copy that is still undecoded.
TEST(FanOutTest, TakesUndecodedBatchesOnlyIfEveryConsumerDoes) {
  FakeConsumer<pdata::TraceBatch> a, b;
  a.TakeUndecoded(true);
  FanOut<pdata::TraceBatch> both({&a, &b});
  EXPECT_FALSE(both.TakesUndecoded());
  b.TakeUndecoded(true);
  EXPECT_TRUE(both.TakesUndecoded());

  std::string body = TraceRequest(4);
  both.Consume(pdata::TraceBatch::Undecoded(body, 4), Completion());
  for (auto* c : {&a, &b}) {
    ASSERT_EQ(c->batches(), 1u);
    pdata::TraceBatch got = c->TakeBatch(0);
    EXPECT_TRUE(got.undecoded());
    EXPECT_EQ(got.ItemCount(), 4u);
    EXPECT_EQ(got.wire(), body);
  }
}

// memory_limiter does not read the data: it passes the question on.
TEST(FanOutTest, MemoryLimiterAsksTheNextConsumer) {
  FakeConsumer<pdata::TraceBatch> next;
  MemoryLimiterProcessor<pdata::TraceBatch> limiter(ComponentContext{}, nullptr, &next);
  EXPECT_FALSE(limiter.TakesUndecoded());
  next.TakeUndecoded(true);
  EXPECT_TRUE(limiter.TakesUndecoded());
}

}  // namespace
}  // namespace otter::pipeline
