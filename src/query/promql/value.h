// Values a PromQL expression evaluates to at one evaluation time (engine.h): scalar, string,
// instant vector, range vector (matrix). Plain value types; no thread-safety concerns.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/promql/ast.h"
#include "store/labels.h"
#include "store/native_histogram.h"

namespace otter::query::promql {

// One element of an instant vector. `t_ms` is the sample's own timestamp for the output of a
// vector selector (timestamp() reads it) and the evaluation time otherwise.
// `h` is set for a native histogram sample (then `v` is unused).
struct Element {
  Element() = default;
  Element(store::Labels metric, double v, int64_t t_ms,
          std::shared_ptr<const store::NativeHistogram> h = nullptr)
      : metric(std::move(metric)), v(v), t_ms(t_ms), h(std::move(h)) {}
  store::Labels metric;
  double v = 0;
  int64_t t_ms = 0;
  std::shared_ptr<const store::NativeHistogram> h;
};
using Vector = std::vector<Element>;

struct Point {
  Point() = default;
  Point(int64_t t_ms, double v, std::shared_ptr<const store::NativeHistogram> h = nullptr)
      : t_ms(t_ms), v(v), h(std::move(h)) {}
  int64_t t_ms = 0;
  double v = 0;
  std::shared_ptr<const store::NativeHistogram> h;  // a native histogram sample
  friend bool operator==(const Point& a, const Point& b) {
    return a.t_ms == b.t_ms && ((!a.h && !b.h && a.v == b.v) || (a.h && b.h && *a.h == *b.h));
  }
};

struct Series {
  store::Labels metric;
  std::vector<Point> points;
};
using Matrix = std::vector<Series>;

struct Value {
  ValueType type = ValueType::kScalar;
  double scalar = 0;
  std::string str;
  Vector vector;
  Matrix matrix;
};

// Prometheus's staleness marker (a NaN with a distinct bit pattern): a sample that ends a series.
inline bool IsStaleMarker(double v) { return std::bit_cast<uint64_t>(v) == 0x7ff0000000000002ull; }

// Labels without __name__.
store::Labels DropMetricName(store::Labels labels);

}  // namespace otter::query::promql
