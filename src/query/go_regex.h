// Go regexp behaviour on top of RE2, for the query languages that must answer as Go programs do:
// regexp.Expand (label_replace templates with $1, ${1}, $name, ${name}, $$) and Go's
// regexp/syntax error text. Plain functions; thread-safe.
#pragma once

#include <re2/re2.h>

#include <string>
#include <string_view>
#include <vector>

namespace otter::query {

// `groups` are the match's groups (index 0: the whole match); missing groups expand to "".
std::string ExpandTemplate(std::string_view tmpl, const RE2& re,
                           const std::vector<re2::StringPiece>& groups);

// Go's error text for a regex RE2 rejected ("error parsing regexp: missing closing ): `(a`");
// RE2's own text for errors Go has no name for.
std::string GoRegexError(const RE2& re);

}  // namespace otter::query
