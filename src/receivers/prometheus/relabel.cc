#include "receivers/prometheus/relabel.h"

#include <re2/re2.h>

#include <algorithm>

#include "config/table.h"
#include "processors/attraction/digest.h"
#include "query/go_regex.h"

namespace otter::promscrape {
namespace {

bool IsLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

struct ActionName {
  std::string_view name;
  RelabelAction action;
};
constexpr ActionName kActions[] = {
    {"replace", RelabelAction::kReplace},     {"keep", RelabelAction::kKeep},
    {"drop", RelabelAction::kDrop},           {"keepequal", RelabelAction::kKeepEqual},
    {"dropequal", RelabelAction::kDropEqual}, {"hashmod", RelabelAction::kHashMod},
    {"labelmap", RelabelAction::kLabelMap},   {"labeldrop", RelabelAction::kLabelDrop},
    {"labelkeep", RelabelAction::kLabelKeep}, {"lowercase", RelabelAction::kLowercase},
    {"uppercase", RelabelAction::kUppercase},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Expands `tmpl` with the groups of `re` fully matching `input`; false when it does not match.
bool MatchExpand(const RE2& re, std::string_view input, std::string_view tmpl, std::string* out) {
  const int n = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<size_t>(n));
  if (!re.Match(re2::StringPiece(input.data(), input.size()), 0, input.size(), RE2::ANCHOR_BOTH,
                groups.data(), n))
    return false;
  *out = query::ExpandTemplate(tmpl, re, groups);
  return true;
}

bool FullMatch(const RE2& re, std::string_view s) {
  return re.Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), RE2::ANCHOR_BOTH, nullptr, 0);
}

}  // namespace

LabelSet::LabelSet(std::initializer_list<OwnedLabel> labels) {
  for (const auto& l : labels) Set(l.name, l.value);
}

std::string_view LabelSet::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const OwnedLabel& l, std::string_view n) { return l.name < n; });
  return it != labels_.end() && it->name == name ? std::string_view(it->value) : std::string_view();
}

bool LabelSet::Has(std::string_view name) const { return !Get(name).empty(); }

void LabelSet::Set(std::string_view name, std::string_view value) {
  if (value.empty()) {
    Del(name);
    return;
  }
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const OwnedLabel& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name)
    it->value.assign(value);
  else
    labels_.insert(it, OwnedLabel{std::string(name), std::string(value)});
}

void LabelSet::Del(std::string_view name) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const OwnedLabel& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) labels_.erase(it);
}

std::string LabelSet::ToString() const {
  std::string s = "{";
  for (const auto& l : labels_) {
    if (s.size() > 1) s += ", ";
    s += l.name + "=\"" + l.value + "\"";
  }
  return s + "}";
}

uint64_t HashMod(std::string_view value, uint64_t modulus) {
  char hex[attraction::kMaxHexDigest];
  size_t n = attraction::HexDigest(attraction::DigestAlgorithm::kMd5, value, hex);
  uint64_t v = 0;
  // Go's sum64 over the 16 MD5 bytes keeps only the last 8 (earlier shifts overflow to 0).
  for (size_t i = n - 16; i < n; ++i) {
    char c = hex[i];
    v = (v << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return modulus ? v % modulus : 0;
}

std::vector<RelabelRule> ParseRelabelRules(const config::Node& list, config::Diagnostics& d) {
  std::vector<RelabelRule> out;
  if (list.IsNull()) return out;
  if (list.kind != config::Node::Kind::kSeq) {
    d.Error(list, "expected a list of relabel configs");
    return out;
  }
  static const std::vector<std::string> kKeys = {"source_labels", "separator",   "regex", "modulus",
                                                 "target_label",  "replacement", "action"};
  for (const config::Node& item : list.seq) {
    if (!item.IsMap()) {
      d.Error(item, "expected a relabel config (a map)");
      continue;
    }
    RelabelRule r;
    bool has_replacement = false;
    const size_t errors_before = d.errors().size();
    for (const auto& [key, v] : item.map) {
      if (key == "source_labels") {
        config::ParseValue(v, r.source_labels, d);
        for (const auto& s : r.source_labels)
          if (!IsLabelName(s)) d.Error(v, "\"" + s + "\" is not a valid label name");
      } else if (key == "separator") {
        config::ParseValue(v, r.separator, d);
      } else if (key == "regex") {
        config::ParseValue(v, r.regex, d);
      } else if (key == "modulus") {
        config::ParseValue(v, r.modulus, d);
      } else if (key == "target_label") {
        config::ParseValue(v, r.target_label, d);
      } else if (key == "replacement") {
        has_replacement = true;
        config::ParseValue(v, r.replacement, d);
      } else if (key == "action") {
        std::string a;
        config::ParseValue(v, a, d);
        std::string la = Lower(a);
        bool found = false;
        for (const auto& an : kActions)
          if (an.name == la) {
            r.action = an.action;
            found = true;
          }
        if (!found) d.Error(v, "unknown relabel action \"" + a + "\"");
      } else {
        std::string near = config::NearestName(key, kKeys);
        d.Error(v.line ? v : item, "unknown key \"" + key + "\" in relabel config" +
                                       (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
      }
    }
    if (d.errors().size() != errors_before) continue;  // the key's error says it all
    auto re = std::make_shared<RE2>("^(?:" + r.regex + ")$", RE2::Quiet);
    if (!re->ok()) {
      d.Error(item, "regex: " + query::GoRegexError(*re));
      continue;
    }
    r.re = std::move(re);
    const bool needs_target =
        r.action == RelabelAction::kReplace || r.action == RelabelAction::kHashMod ||
        r.action == RelabelAction::kLowercase || r.action == RelabelAction::kUppercase ||
        r.action == RelabelAction::kKeepEqual || r.action == RelabelAction::kDropEqual;
    if (needs_target && r.target_label.empty())
      d.Error(item, "relabel configuration for " +
                        std::string(kActions[static_cast<int>(r.action)].name) +
                        " action requires 'target_label' value");
    if (r.action == RelabelAction::kReplace && !r.target_label.empty()) {
      // The target may be a template ($1), so only a literal name is checked, as Prometheus does.
      if (r.target_label.find('$') == std::string::npos && !IsLabelName(r.target_label))
        d.Error(item, "\"" + r.target_label + "\" is invalid 'target_label' for replace action");
    } else if (needs_target && !r.target_label.empty() && !IsLabelName(r.target_label)) {
      d.Error(item, "\"" + r.target_label + "\" is invalid 'target_label'");
    }
    if (r.action == RelabelAction::kHashMod && r.modulus == 0)
      d.Error(item, "relabel configuration for hashmod requires non-zero modulus");
    if ((r.action == RelabelAction::kLabelDrop || r.action == RelabelAction::kLabelKeep) &&
        (!r.source_labels.empty() || !r.target_label.empty() || r.modulus != 0 ||
         r.separator != ";" || has_replacement))
      d.Error(item, std::string(kActions[static_cast<int>(r.action)].name) +
                        " action requires only 'regex', and no other fields");
    out.push_back(std::move(r));
  }
  return out;
}

bool Relabel(const std::vector<RelabelRule>& rules, LabelSet* labels) {
  std::string val, expanded, target;
  for (const RelabelRule& r : rules) {
    val.clear();
    for (size_t i = 0; i < r.source_labels.size(); ++i) {
      if (i) val += r.separator;
      val += labels->Get(r.source_labels[i]);
    }
    const RE2& re = *r.re;
    switch (r.action) {
      case RelabelAction::kDrop:
        if (FullMatch(re, val)) return false;
        break;
      case RelabelAction::kKeep:
        if (!FullMatch(re, val)) return false;
        break;
      case RelabelAction::kDropEqual:
        if (labels->Get(r.target_label) == val) return false;
        break;
      case RelabelAction::kKeepEqual:
        if (labels->Get(r.target_label) != val) return false;
        break;
      case RelabelAction::kReplace: {
        if (!MatchExpand(re, val, r.target_label, &target)) break;
        if (!IsLabelName(target)) break;
        MatchExpand(re, val, r.replacement, &expanded);
        labels->Set(target, expanded);  // empty deletes
        break;
      }
      case RelabelAction::kLowercase:
      case RelabelAction::kUppercase: {
        std::string v = val;
        for (char& c : v) {
          if (r.action == RelabelAction::kLowercase && c >= 'A' && c <= 'Z') c += 'a' - 'A';
          if (r.action == RelabelAction::kUppercase && c >= 'a' && c <= 'z') c -= 'a' - 'A';
        }
        labels->Set(r.target_label, v);
        break;
      }
      case RelabelAction::kHashMod:
        labels->Set(r.target_label, std::to_string(HashMod(val, r.modulus)));
        break;
      case RelabelAction::kLabelMap: {
        LabelSet out = *labels;
        for (const auto& l : labels->labels())
          if (MatchExpand(re, l.name, r.replacement, &expanded)) out.Set(expanded, l.value);
        *labels = std::move(out);
        break;
      }
      case RelabelAction::kLabelDrop:
      case RelabelAction::kLabelKeep: {
        LabelSet out;
        const bool keep_matching = r.action == RelabelAction::kLabelKeep;
        for (const auto& l : labels->labels())
          if (FullMatch(re, l.name) == keep_matching) out.Set(l.name, l.value);
        *labels = std::move(out);
        break;
      }
    }
  }
  return true;
}

}  // namespace otter::promscrape
