// TimeLayout: the timestamp layouts of stanza's time parsing (the filelog receiver's `timestamp`
// blocks and `time_parser`): `strptime` directives (%Y-%m-%d ...), Go reference layouts
// (`gotime`: 2006-01-02T15:04:05Z07:00) and `epoch` (s, ms, us, ns, s.ms, s.us, s.ns), with Go's
// parsing rules: an optional fraction after the seconds, a run of spaces matching a run of
// spaces, no extra text, no year = the current year. Compiled once from config; Parse is const
// and allocation-free.
// Thread-safety: immutable after Compile.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pdata/common.h"

namespace otter::filelog {

class TimeLayout {
 public:
  enum class Type { kStrptime, kGotime, kEpoch };

  // Errors describe the layout problem (the caller prefixes the key).
  static StatusOr<TimeLayout> Compile(Type type, std::string_view layout);

  // Unix nanoseconds. `location` applies when the value has no offset; `zones` maps zone
  // abbreviations (%Z) to locations (time_zone_locations).
  StatusOr<int64_t> Parse(const pdata::AnyValue& value, const absl::TimeZone& location,
                          const std::map<std::string, absl::TimeZone, std::less<>>& zones) const;

 private:
  enum class Tok : uint8_t {
    kLiteral,
    kYear4,
    kYear2,
    kMonth2,      // 01
    kMonthSpace,  // _1
    kMonth,       // 1
    kMonthAbbr,
    kMonthName,
    kDay2,
    kDaySpace,
    kDay,
    kDayOfYear,
    kWeekdayAbbr,
    kWeekdayName,
    kHour24,
    kHour12Zero,
    kHour12,
    kAmPmUpper,
    kAmPmLower,
    kMinute2,
    kMinute,
    kSecond2,
    kSecond,
    kFraction,  // optional '.'/',' + digits
    kZoneName,
    kOffsetHHMM,      // -0700 (Z accepted when z_ok)
    kOffsetHH,        // -07
    kOffsetHH_MM,     // -07:00
    kOffsetHH_MM_SS,  // -07:00:00
    kOffsetHHMMSS,    // -070000
  };
  struct Item {
    Tok tok;
    bool z_ok = false;    // offsets: "Z" means UTC
    std::string literal;  // kLiteral
  };
  struct Fields;

  StatusOr<int64_t> ParseText(
      std::string_view s, const absl::TimeZone& location,
      const std::map<std::string, absl::TimeZone, std::less<>>& zones) const;
  StatusOr<int64_t> ParseEpoch(const pdata::AnyValue& value) const;
  static Status CompileStrptime(std::string_view layout, std::vector<Item>* items);
  static Status CompileGo(std::string_view layout, std::vector<Item>* items);

  Type type_ = Type::kStrptime;
  std::string epoch_;  // kEpoch: s, ms, us, ns, s.ms, s.us, s.ns
  std::vector<Item> items_;
  bool has_year_ = false;
};

}  // namespace otter::filelog
