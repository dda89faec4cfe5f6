// Values a PromQL expression evaluates to at one evaluation time (engine.h): scalar, string,
// instant vector, range vector (matrix). Plain value types; no thread-safety concerns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query/promql/ast.h"
#include "store/labels.h"

namespace otter::query::promql {

// One element of an instant vector. `t_ms` is the sample's own timestamp for the output of a
// vector selector (timestamp() reads it) and the evaluation time otherwise.
struct Element {
  store::Labels metric;
  double v = 0;
  int64_t t_ms = 0;
};
using Vector = std::vector<Element>;

struct Point {
  int64_t t_ms = 0;
  double v = 0;
  friend bool operator==(const Point&, const Point&) = default;
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
bool IsStaleMarker(double v);

// Labels without __name__.
store::Labels DropMetricName(store::Labels labels);

}  // namespace otter::query::promql
