// Go-compatible formatting, quoting, ordering and float helpers: Prometheus writes numbers and
// strings in its messages with Go's fmt/strconv and orders results with Go's sort and heap,
// so matching its answers exactly needs the same rules. Pure functions; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "query/promql/value.h"

namespace otter::query::promql {

// Go's %v / %g of a float64: shortest round-trip digits, exponent form ("1e+06") when the
// decimal exponent is < -4 or >= 6. For error and annotation texts Prometheus formats so.
std::string FormatGoFloat(double v);

// Go's sort.Sort as Prometheus gets it: insertion sort up to 12 elements (so equal elements
// keep their order except where `less` says otherwise), a stable sort beyond. `less` follows
// Go's sort.Interface Less. Used where Prometheus's result order is part of its answer.
void GoSort(Vector& v, const std::function<bool(const Element&, const Element&)>& less);

// Go's container/heap Push and Fix(0) over `heap` with `less` (a min-heap by `less`).
void GoHeapPush(Vector& heap, Element e,
                const std::function<bool(const Element&, const Element&)>& less);
void GoHeapFixTop(Vector& heap, const std::function<bool(const Element&, const Element&)>& less);

// A label name Prometheus 3 accepts (non-empty UTF-8).
bool IsValidLabelName(std::string_view s);

// Go's fmt %f: six decimals.
std::string GoFloatF(double v);

// Natural order of label values as sort_by_label uses it (github.com/facette/natsort): runs of
// digits compare as numbers, other runs as strings; when one value runs out first it is the
// smaller, and an empty value is never smaller.
bool NaturalLess(std::string_view a, std::string_view b);

// Go's math.Max / math.Min: an infinity in the direction wins, then NaN; +0 > -0.
double GoMax(double a, double b);
double GoMin(double a, double b);

}  // namespace otter::query::promql
