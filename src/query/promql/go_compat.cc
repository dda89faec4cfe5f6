#include "query/promql/go_compat.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "query/go_parse.h"

namespace otter::query::promql {

std::string FormatGoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  // buf is "[-]d.ddde[+-]XX": digits and decimal exponent.
  std::string s(buf);
  size_t e = s.find('e');
  int exp = std::atoi(s.c_str() + e + 1);
  std::string mant = s.substr(0, e);
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + eb;
  }
  if (exp < 0) return out + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  if (static_cast<size_t>(exp) + 1 >= digits.size())
    return out + digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0');
  return out + digits.substr(0, static_cast<size_t>(exp) + 1) + "." +
         digits.substr(static_cast<size_t>(exp) + 1);
}

void GoSort(Vector& v, const std::function<bool(const Element&, const Element&)>& less) {
  if (v.size() > 12) {
    std::stable_sort(v.begin(), v.end(), less);
    return;
  }
  for (size_t i = 1; i < v.size(); ++i)
    for (size_t j = i; j > 0 && less(v[j], v[j - 1]); --j) std::swap(v[j], v[j - 1]);
}

void GoHeapPush(Vector& heap, Element e,
                const std::function<bool(const Element&, const Element&)>& less) {
  heap.push_back(std::move(e));
  size_t j = heap.size() - 1;
  while (j > 0) {
    size_t parent = (j - 1) / 2;
    if (!less(heap[j], heap[parent])) break;
    std::swap(heap[j], heap[parent]);
    j = parent;
  }
}

void GoHeapFixTop(Vector& heap, const std::function<bool(const Element&, const Element&)>& less) {
  size_t i = 0, n = heap.size();
  while (true) {
    size_t j = 2 * i + 1;
    if (j >= n) break;
    if (j + 1 < n && less(heap[j + 1], heap[j])) ++j;
    if (!less(heap[j], heap[i])) break;
    std::swap(heap[i], heap[j]);
    i = j;
  }
  // (Only the top is ever replaced, so it can only move down.)
}

bool IsValidLabelName(std::string_view s) {
  if (s.empty()) return false;
  // Prometheus 3 accepts any UTF-8 label name; check the encoding.
  for (size_t i = 0, len; i < s.size(); i += len)
    if ((len = query::Utf8SequenceLength(s, i)) == 0) return false;
  return true;
}

// Go's fmt %f: six decimals.
std::string GoFloatF(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

// Natural order of label values as sort_by_label uses it: runs of digits compare as numbers,
// other runs as strings; a value that is a prefix (in whole runs) of the other sorts first.
bool NaturalLess(std::string_view a, std::string_view b) {
  auto chunks = [](std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
      bool digit = std::isdigit(static_cast<unsigned char>(s[i]));
      size_t j = i;
      while (j < s.size() &&
             static_cast<bool>(std::isdigit(static_cast<unsigned char>(s[j]))) == digit)
        ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  };
  auto ca = chunks(a), cb = chunks(b);
  auto as_int = [](std::string_view s, long long* v) {
    if (s.empty() || s.size() > 18) return false;
    *v = 0;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      *v = *v * 10 + (c - '0');
    }
    return true;
  };
  for (size_t i = 0; i < ca.size(); ++i) {
    if (i >= cb.size()) return false;
    long long x, y;
    bool equal;
    if (as_int(ca[i], &x) && as_int(cb[i], &y)) {
      if (x != y) return x < y;
      equal = true;
    } else {
      if (ca[i] != cb[i]) return ca[i] < cb[i];
      equal = true;
    }
    if (equal) {
      if (i == ca.size() - 1) return true;
      if (i == cb.size() - 1) return false;
    }
  }
  return false;
}

// Go's math.Max / math.Min: an infinity in the direction wins, then NaN; +0 > -0.
double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

}  // namespace otter::query::promql
