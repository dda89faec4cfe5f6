#include "store/attribute_hash.h"

#include <gtest/gtest.h>

namespace otter::store {
namespace {

using pdata::AnyValue;
using pdata::Attributes;

TEST(AttributeHashTest, OrderDoesNotMatterButKeysValuesAndTypesDo) {
  const Attributes ab = {{"a", AnyValue::String("1")}, {"b", AnyValue::Int(2)}};
  const Attributes ba = {{"b", AnyValue::Int(2)}, {"a", AnyValue::String("1")}};
  EXPECT_EQ(HashAttributeSet(ab), HashAttributeSet(ba));
  EXPECT_NE(HashAttributeSet(ab), HashAttributeSet(ab, 1));  // the seed separates uses
  // A key/value swap, another value, the same text in another type, a missing attribute.
  const Attributes others[] = {
      {{"b", AnyValue::String("1")}, {"a", AnyValue::Int(2)}},
      {{"a", AnyValue::String("1")}, {"b", AnyValue::Int(3)}},
      {{"a", AnyValue::Int(1)}, {"b", AnyValue::Int(2)}},
      {{"a", AnyValue::String("1")}, {"b", AnyValue::String("2")}},
      {{"a", AnyValue::String("1")}, {"b", AnyValue::Double(2)}},
      {{"a", AnyValue::String("1")}},
      {},
  };
  for (const Attributes& o : others) EXPECT_NE(HashAttributeSet(o), HashAttributeSet(ab));
  EXPECT_NE(HashAnyValue(AnyValue::Bool(true)), HashAnyValue(AnyValue::Bool(false)));
  EXPECT_NE(HashAnyValue(AnyValue::Double(0.0)), HashAnyValue(AnyValue::Double(-0.0)));
}

}  // namespace
}  // namespace otter::store
