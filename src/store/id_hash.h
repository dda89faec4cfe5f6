// Hash for trace/span ids in unordered containers: the ids are random, so their leading bytes
// already are a good hash. Stateless.
#pragma once

#include <cstring>

#include "pdata/common.h"

namespace otter::store {

struct IdHash {
  template <size_t N>
  size_t operator()(const pdata::Id<N>& id) const {
    size_t h;
    std::memcpy(&h, id.bytes.data() + N - sizeof(size_t), sizeof(size_t));
    return h;
  }
};

}  // namespace otter::store
