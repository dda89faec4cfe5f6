#include "query/logql/parser.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <charconv>
#include <set>

#include "query/go_regex.h"
#include "query/logql/lexer.h"

namespace otter::query::logql {

namespace {

using K = TokenKind;

const std::set<std::string_view> kRangeOps = {"count_over_time",  "rate",
                                              "rate_counter",     "bytes_over_time",
                                              "bytes_rate",       "avg_over_time",
                                              "sum_over_time",    "min_over_time",
                                              "max_over_time",    "stdvar_over_time",
                                              "stddev_over_time", "quantile_over_time",
                                              "first_over_time",  "last_over_time",
                                              "absent_over_time"};
const std::set<std::string_view> kUnwrapOnly = {
    "rate_counter",    "avg_over_time",    "sum_over_time",    "min_over_time",
    "max_over_time",   "stdvar_over_time", "stddev_over_time", "quantile_over_time",
    "first_over_time", "last_over_time"};
const std::set<std::string_view> kNoUnwrap = {"count_over_time", "bytes_over_time", "bytes_rate"};
// Range aggregations that take `by` / `without` (Loki's RangeAggregationExpr.validate).
const std::set<std::string_view> kGroupable = {
    "avg_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time",
    "max_over_time", "min_over_time",    "first_over_time",  "last_over_time"};
const std::set<std::string_view> kVectorOps = {"sum",     "avg",    "min",      "max",
                                               "count",   "stddev", "stdvar",   "topk",
                                               "bottomk", "sort",   "sort_desc"};
const std::set<std::string_view> kStageKeywords = {
    "json",        "logfmt",       "regexp", "unpack", "pattern",    "xml",
    "line_format", "label_format", "drop",   "keep",   "decolorize", "unwrap"};

bool IsComparison(K k) {
  return k == K::kEq || k == K::kNeq || k == K::kRe || k == K::kNre || k == K::kCmpEq ||
         k == K::kGt || k == K::kGte || k == K::kLt || k == K::kLte;
}

// `go_error`: the error in Go's words (see GoRegexError), else RE2's.
std::shared_ptr<const re2::RE2> CompileRegex(const std::string& pattern, std::string* error,
                                             bool go_error = false) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(8 << 20);
  auto re = std::make_shared<RE2>(pattern, opts);
  if (!re->ok()) {
    *error = go_error ? GoRegexError(*re) : re->error();
    return nullptr;
  }
  return re;
}

// Bounds on recursion so a hostile query cannot exhaust the stack while parsing, evaluating or
// destroying the tree.
constexpr int kMaxDepth = 128;
constexpr int kMaxCompositeNodes = 2048;

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens) : q_(query), t_(std::move(tokens)) {}

  StatusOr<std::shared_ptr<const Expr>> ParseRoot() {
    ASSIGN_OR_RETURN(auto e, ParseBinary(0));
    if (Peek().kind != K::kEnd) return Unexpected(Peek());
    return std::shared_ptr<const Expr>(std::move(e));
  }

  StatusOr<store::Matchers> ParseSelectorOnly() {
    if (Peek().kind != K::kLBrace) return Unexpected(Peek(), {"{"});
    ASSIGN_OR_RETURN(auto m, ParseSelector());
    if (Peek().kind != K::kEnd) return ParseError("only label matchers are supported", 0, 0);
    return m;
  }

 private:
  const Token& Peek(size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& Next() {
    const Token& t = t_[i_];
    if (i_ + 1 < t_.size()) ++i_;
    return t;
  }
  bool PeekIdent(std::string_view text, size_t k = 0) const {
    return Peek(k).kind == K::kIdentifier && Peek(k).text == text;
  }

  Status Unexpected(const Token& t, const std::vector<std::string>& expecting = {}) const {
    std::string msg = "syntax error: unexpected " + TokenName(t);
    for (size_t i = 0; i < expecting.size(); ++i)
      msg += (i == 0 ? ", expecting " : " or ") + expecting[i];
    if (t.kind == K::kRange) return ParseError(msg, 0, static_cast<int>(t.pos) + 1);
    int line, col;
    LineCol(q_, t.kind == K::kEnd ? q_.size() : t.pos, &line, &col);
    return ParseError(msg, line, col);
  }
  Status Expect(K kind, const std::vector<std::string>& expecting) {
    if (Peek().kind != kind) return Unexpected(Peek(), expecting);
    Next();
    return Status::Ok();
  }

  // ---------------------------------------------------------------- selectors

  StatusOr<store::LabelMatcher> ParseMatcher() {
    if (Peek().kind != K::kIdentifier) return Unexpected(Peek(), {"IDENTIFIER"});
    std::string name = Next().text;
    store::LabelMatcher::Op op;
    switch (Peek().kind) {
      case K::kEq:
        op = store::LabelMatcher::Op::kEq;
        break;
      case K::kNeq:
        op = store::LabelMatcher::Op::kNe;
        break;
      case K::kRe:
        op = store::LabelMatcher::Op::kRe;
        break;
      case K::kNre:
        op = store::LabelMatcher::Op::kNre;
        break;
      default:
        return Unexpected(Peek(), {"=", "=~", "!~", "!="});
    }
    Next();
    if (Peek().kind != K::kString) return Unexpected(Peek(), {"STRING"});
    auto m = store::LabelMatcher::Make(op, std::move(name), Next().text);
    if (!m.ok()) return ParseError(m.status().message(), 0, 0);
    return std::move(m).value();
  }

  StatusOr<store::Matchers> ParseSelector() {
    RETURN_IF_ERROR(Expect(K::kLBrace, {"{"}));
    store::Matchers out;
    if (Peek().kind == K::kRBrace) {
      Next();
    } else {
      while (true) {
        if (Peek().kind != K::kIdentifier) return Unexpected(Peek(), {"IDENTIFIER", "}"});
        ASSIGN_OR_RETURN(auto m, ParseMatcher());
        out.push_back(std::move(m));
        if (Peek().kind == K::kComma) {
          Next();
          continue;
        }
        if (Peek().kind == K::kRBrace) {
          Next();
          break;
        }
        return Unexpected(Peek(), {"}", ","});
      }
    }
    bool ok = false;
    for (const auto& m : out) {
      if (!m.MatchesEmpty() &&
          (m.op() == store::LabelMatcher::Op::kEq || m.op() == store::LabelMatcher::Op::kRe))
        ok = true;
    }
    if (!ok) {
      return ParseError(
          "queries require at least one regexp or equality matcher that does not have an "
          "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, "
          "but app=~\".+\" will",
          0, 0);
    }
    return out;
  }

  // ---------------------------------------------------------------- pipelines

  StatusOr<std::vector<Stage>> ParsePipeline() {
    std::vector<Stage> stages;
    while (true) {
      K k = Peek().kind;
      if (k == K::kPipeExact || k == K::kPipeMatch || k == K::kNeq || k == K::kNre ||
          k == K::kPipePattern || k == K::kNpa) {
        ASSIGN_OR_RETURN(LineFilter f, ParseLineFilter());
        if (!stages.empty() && stages.back().kind == Stage::Kind::kLineFilters) {
          stages.back().line_filters.push_back(std::move(f));
        } else {
          Stage s;
          s.kind = Stage::Kind::kLineFilters;
          s.line_filters.push_back(std::move(f));
          stages.push_back(std::move(s));
        }
        continue;
      }
      if (k != K::kPipe || PeekIdent("unwrap", 1)) return stages;
      Next();
      ASSIGN_OR_RETURN(Stage s, ParseStage());
      stages.push_back(std::move(s));
    }
  }

  StatusOr<LineFilter> ParseLineFilter() {
    LineFilter f;
    switch (Next().kind) {
      case K::kPipeExact:
        f.op = LineFilterOp::kContains;
        break;
      case K::kNeq:
        f.op = LineFilterOp::kNotContains;
        break;
      case K::kPipeMatch:
        f.op = LineFilterOp::kRegex;
        break;
      case K::kPipePattern:
        f.op = LineFilterOp::kPattern;
        break;
      case K::kNpa:
        f.op = LineFilterOp::kNotPattern;
        break;
      default:
        f.op = LineFilterOp::kNotRegex;
        break;
    }
    while (true) {
      if (PeekIdent("ip") && Peek(1).kind == K::kLParen) {
        ASSIGN_OR_RETURN(auto ip, ParseIp());
        if (f.op != LineFilterOp::kContains && f.op != LineFilterOp::kNotContains)
          return InvalidArgument("ip: invalid operation");
        f.values.emplace_back();
        f.ips.push_back(std::move(ip));
      } else if (Peek().kind == K::kString) {
        f.values.push_back(Next().text);
        f.ips.push_back(nullptr);
      } else {
        return Unexpected(Peek(), {"STRING", "ip"});
      }
      if (!PeekIdent("or") || (Peek(1).kind != K::kString && !PeekIdent("ip", 1))) break;
      Next();
    }
    if (f.op == LineFilterOp::kRegex || f.op == LineFilterOp::kNotRegex) {
      for (const auto& v : f.values) {
        std::string error;
        auto re = CompileRegex(v, &error);
        if (!re)
          return ParseError(fmt::format("invalid regular expression \"{}\": {}", v, error), 0, 0);
        f.regexes.push_back(std::move(re));
      }
    }
    if (f.op == LineFilterOp::kPattern || f.op == LineFilterOp::kNotPattern) {
      for (const auto& v : f.values) {
        auto p = LinePattern::ParseFilter(v);
        if (!p.ok()) return p.status();
        f.patterns.push_back(std::make_shared<const LinePattern>(std::move(p).value()));
      }
    }
    return f;
  }

  // ip("<address, prefix or range>")
  StatusOr<std::shared_ptr<const IpMatcher>> ParseIp() {
    Next();  // ip
    RETURN_IF_ERROR(Expect(K::kLParen, {"("}));
    if (Peek().kind != K::kString) return Unexpected(Peek(), {"STRING"});
    ASSIGN_OR_RETURN(IpMatcher m, IpMatcher::Parse(Next().text));
    RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
    return std::make_shared<const IpMatcher>(std::move(m));
  }

  StatusOr<std::vector<Extraction>> ParseExtractions() {
    std::vector<Extraction> out;
    while (Peek().kind == K::kIdentifier && !kStageKeywords.count(Peek().text)) {
      Extraction e;
      e.label = Next().text;
      e.path = e.label;
      if (Peek().kind == K::kEq) {
        Next();
        if (Peek().kind != K::kString) return Unexpected(Peek(), {"STRING"});
        e.path = Next().text;
      }
      out.push_back(std::move(e));
      if (Peek().kind != K::kComma) break;
      Next();
    }
    return out;
  }

  StatusOr<Stage> ParseStage() {
    Stage s;
    const Token& t = Peek();
    bool keyword =
        t.kind == K::kIdentifier && kStageKeywords.count(t.text) && !IsComparison(Peek(1).kind);
    if (!keyword) {
      s.kind = Stage::Kind::kLabelFilter;
      ASSIGN_OR_RETURN(s.label_filter, ParseLabelFilterOr());
      return s;
    }
    std::string kw = Next().text;
    if (kw == "json" || kw == "logfmt") {
      s.kind = kw == "json" ? Stage::Kind::kJson : Stage::Kind::kLogfmt;
      while (kw == "logfmt" && Peek().kind == K::kFlag) {
        const std::string& flag = Next().text;
        s.strict = s.strict || flag == "--strict";
        s.keep_empty = s.keep_empty || flag == "--keep-empty";
      }
      ASSIGN_OR_RETURN(s.extractions, ParseExtractions());
    } else if (kw == "unpack") {
      s.kind = Stage::Kind::kUnpack;
    } else if (kw == "decolorize") {
      s.kind = Stage::Kind::kDecolorize;
    } else if (kw == "regexp") {
      s.kind = Stage::Kind::kRegexp;
      if (Peek().kind != K::kString) return Unexpected(Peek(), {"STRING"});
      std::string pattern = Next().text;
      std::string error;
      s.regexp = CompileRegex(pattern, &error, true);
      if (!s.regexp) return ParseError(fmt::format("invalid regexp parser: {}", error), 0, 0);
      if (s.regexp->NamedCapturingGroups().empty())
        return ParseError("invalid regexp parser: at least one named capture must be supplied", 0,
                          0);
    } else if (kw == "pattern") {
      s.kind = Stage::Kind::kPattern;
      if (Peek().kind != K::kString) return Unexpected(Peek(), {"STRING"});
      auto p = LinePattern::ParseExtractor(Next().text);
      if (!p.ok())
        return ParseError(fmt::format("invalid pattern parser: {}", p.status().message()), 0, 0);
      s.pattern = std::make_shared<const LinePattern>(std::move(p).value());
    } else if (kw == "line_format") {
      s.kind = Stage::Kind::kLineFormat;
      if (Peek().kind != K::kString) return Unexpected(Peek(), {"STRING"});
      auto tmpl = LineTemplate::Parse(Next().text);
      if (!tmpl.ok()) return ParseError(tmpl.status().message(), 0, 0);
      s.line_format = std::move(tmpl).value();
    } else if (kw == "label_format") {
      s.kind = Stage::Kind::kLabelFormat;
      while (true) {
        if (Peek().kind != K::kIdentifier) return Unexpected(Peek(), {"IDENTIFIER"});
        LabelFormat f;
        f.name = Next().text;
        RETURN_IF_ERROR(Expect(K::kEq, {"="}));
        if (Peek().kind == K::kIdentifier) {
          f.rename_from = Next().text;
        } else if (Peek().kind == K::kString) {
          auto tmpl = LineTemplate::Parse(Next().text);
          if (!tmpl.ok()) return ParseError(tmpl.status().message(), 0, 0);
          f.tmpl = std::move(tmpl).value();
        } else {
          return Unexpected(Peek(), {"IDENTIFIER", "STRING"});
        }
        s.label_formats.push_back(std::move(f));
        if (Peek().kind != K::kComma) break;
        Next();
      }
    } else if (kw == "drop" || kw == "keep") {
      s.kind = kw == "drop" ? Stage::Kind::kDrop : Stage::Kind::kKeep;
      while (true) {
        if (Peek().kind != K::kIdentifier) return Unexpected(Peek(), {"IDENTIFIER"});
        if (IsComparison(Peek(1).kind)) {
          ASSIGN_OR_RETURN(auto m, ParseMatcher());
          s.name_matchers.push_back(std::move(m));
        } else {
          s.names.push_back(Next().text);
        }
        if (Peek().kind != K::kComma) break;
        Next();
      }
    } else {
      return ParseError(fmt::format("the {} stage is not supported", kw), 0, 0);
    }
    return s;
  }

  // ---------------------------------------------------------------- label filters

  Status Enter() {
    if (++depth_ > kMaxDepth) return ParseError("query is nested too deeply", 0, 0);
    return Status::Ok();
  }
  Status CountNode() {
    if (++composite_nodes_ > kMaxCompositeNodes)
      return ParseError("query has too many operations", 0, 0);
    return Status::Ok();
  }

  StatusOr<std::shared_ptr<const LabelFilter>> ParseLabelFilterOr() {
    RETURN_IF_ERROR(Enter());
    ASSIGN_OR_RETURN(auto f, ParseLabelFilterOrInner());
    --depth_;
    return f;
  }

  StatusOr<std::shared_ptr<const LabelFilter>> ParseLabelFilterOrInner() {
    ASSIGN_OR_RETURN(auto left, ParseLabelFilterAnd());
    while (PeekIdent("or")) {
      Next();
      ASSIGN_OR_RETURN(auto right, ParseLabelFilterAnd());
      RETURN_IF_ERROR(CountNode());
      auto f = std::make_shared<LabelFilter>();
      f->kind = LabelFilter::Kind::kOr;
      f->left = std::move(left);
      f->right = std::move(right);
      left = std::move(f);
    }
    return left;
  }

  bool StartsLabelFilter(size_t k) const {
    if (Peek(k).kind == K::kLParen) return true;
    return Peek(k).kind == K::kIdentifier && Peek(k).text != "or" && Peek(k).text != "and" &&
           IsComparison(Peek(k + 1).kind);
  }

  StatusOr<std::shared_ptr<const LabelFilter>> ParseLabelFilterAnd() {
    ASSIGN_OR_RETURN(auto left, ParseLabelFilterPrimary());
    while (true) {
      if (PeekIdent("and") || Peek().kind == K::kComma) {
        Next();
      } else if (!StartsLabelFilter(0)) {
        return left;
      }
      ASSIGN_OR_RETURN(auto right, ParseLabelFilterPrimary());
      RETURN_IF_ERROR(CountNode());
      auto f = std::make_shared<LabelFilter>();
      f->kind = LabelFilter::Kind::kAnd;
      f->left = std::move(left);
      f->right = std::move(right);
      left = std::move(f);
    }
  }

  StatusOr<std::shared_ptr<const LabelFilter>> ParseLabelFilterPrimary() {
    if (Peek().kind == K::kLParen) {
      Next();
      ASSIGN_OR_RETURN(auto f, ParseLabelFilterOr());
      RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
      return f;
    }
    if (Peek().kind != K::kIdentifier) return Unexpected(Peek());
    auto f = std::make_shared<LabelFilter>();
    f->name = Next().text;
    K op = Peek().kind;
    if (!IsComparison(op)) return Unexpected(Peek());
    Next();
    if ((op == K::kEq || op == K::kNeq || op == K::kRe || op == K::kNre) &&
        Peek().kind == K::kString) {
      store::LabelMatcher::Op mop = op == K::kEq    ? store::LabelMatcher::Op::kEq
                                    : op == K::kNeq ? store::LabelMatcher::Op::kNe
                                    : op == K::kRe  ? store::LabelMatcher::Op::kRe
                                                    : store::LabelMatcher::Op::kNre;
      auto m = store::LabelMatcher::Make(mop, f->name, Next().text);
      if (!m.ok()) return ParseError(m.status().message(), 0, 0);
      f->kind = LabelFilter::Kind::kString;
      f->matcher = std::move(m).value();
      return std::shared_ptr<const LabelFilter>(std::move(f));
    }
    if (op == K::kRe || op == K::kNre) return Unexpected(Peek(), {"STRING"});
    if ((op == K::kEq || op == K::kNeq) && PeekIdent("ip") && Peek(1).kind == K::kLParen) {
      f->kind = LabelFilter::Kind::kIp;
      f->op = op == K::kEq ? CmpOp::kEq : CmpOp::kNe;
      ASSIGN_OR_RETURN(f->ip, ParseIp());
      return std::shared_ptr<const LabelFilter>(std::move(f));
    }
    switch (op) {
      case K::kEq:
      case K::kCmpEq:
        f->op = CmpOp::kEq;
        break;
      case K::kNeq:
        f->op = CmpOp::kNe;
        break;
      case K::kGt:
        f->op = CmpOp::kGt;
        break;
      case K::kGte:
        f->op = CmpOp::kGe;
        break;
      case K::kLt:
        f->op = CmpOp::kLt;
        break;
      default:
        f->op = CmpOp::kLe;
        break;
    }
    double sign = 1;
    if (Peek().kind == K::kSub && Peek(1).kind == K::kNumber) {
      Next();
      sign = -1;
    }
    const Token& v = Peek();
    if (v.kind == K::kNumber) {
      f->kind = LabelFilter::Kind::kNumber;
      f->value = sign * v.number;
    } else if (v.kind == K::kDuration) {
      f->kind = LabelFilter::Kind::kDuration;
      f->value = static_cast<double>(v.duration);  // nanoseconds
    } else if (v.kind == K::kBytes) {
      f->kind = LabelFilter::Kind::kBytes;
      f->value = static_cast<double>(v.bytes);
    } else {
      if (op == K::kEq || op == K::kNeq) return Unexpected(v);
      return Unexpected(v, {"BYTES", "NUMBER", "DURATION"});
    }
    Next();
    return std::shared_ptr<const LabelFilter>(std::move(f));
  }

  // ---------------------------------------------------------------- metric expressions

  StatusOr<Grouping> ParseGrouping() {
    Grouping g;
    g.present = true;
    g.without = Next().text == "without";
    ASSIGN_OR_RETURN(g.labels, ParseLabelList());
    return g;
  }

  Status ParseOffset(Expr* e) {
    if (!PeekIdent("offset")) return Status::Ok();
    Next();
    if (Peek().kind != K::kDuration) return Unexpected(Peek(), {"DURATION"});
    e->offset_ns = Next().duration;
    return Status::Ok();
  }

  Status ParseUnwrap(Expr* e) {
    Next();  // |
    Next();  // unwrap
    Unwrap u;
    if (Peek().kind == K::kIdentifier && Peek(1).kind == K::kLParen &&
        (Peek().text == "bytes" || Peek().text == "duration" ||
         Peek().text == "duration_seconds")) {
      std::string conv = Next().text;
      u.conv = conv == "bytes"      ? Unwrap::Conv::kBytes
               : conv == "duration" ? Unwrap::Conv::kDuration
                                    : Unwrap::Conv::kDurationSeconds;
      Next();
      if (Peek().kind != K::kIdentifier) return Unexpected(Peek(), {"IDENTIFIER"});
      u.label = Next().text;
      RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
    } else {
      if (Peek().kind != K::kIdentifier) return Unexpected(Peek(), {"IDENTIFIER"});
      u.label = Next().text;
    }
    while (Peek().kind == K::kPipe && StartsLabelFilter(1)) {
      Next();
      ASSIGN_OR_RETURN(auto f, ParseLabelFilterOr());
      u.post_filters.push_back(std::move(f));
    }
    e->unwrap = std::move(u);
    return Status::Ok();
  }

  Status ParseLogRange(Expr* e) {
    bool paren = false;
    if (Peek().kind == K::kLParen) {
      paren = true;
      Next();
    }
    if (Peek().kind != K::kLBrace) return Unexpected(Peek());
    ASSIGN_OR_RETURN(e->selector.matchers, ParseSelector());
    bool have_range = false;
    if (!paren && Peek().kind == K::kRange) {
      e->range_ns = Next().duration;
      have_range = true;
      RETURN_IF_ERROR(ParseOffset(e));
    }
    ASSIGN_OR_RETURN(e->selector.stages, ParsePipeline());
    if (Peek().kind == K::kPipe && PeekIdent("unwrap", 1)) RETURN_IF_ERROR(ParseUnwrap(e));
    if (paren) RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
    if (!have_range) {
      if (Peek().kind != K::kRange) return Unexpected(Peek());
      e->range_ns = Next().duration;
      RETURN_IF_ERROR(ParseOffset(e));
    }
    return Status::Ok();
  }

  StatusOr<std::shared_ptr<Expr>> ParseRangeAgg() {
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kRangeAgg;
    e->op = Next().text;
    RETURN_IF_ERROR(Expect(K::kLParen, {"("}));
    if (e->op == "quantile_over_time") {
      if (Peek().kind != K::kNumber) return Unexpected(Peek(), {"NUMBER"});
      e->param = Next().number;
      RETURN_IF_ERROR(Expect(K::kComma, {","}));
    }
    RETURN_IF_ERROR(ParseLogRange(e.get()));
    RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
    if (PeekIdent("by") || PeekIdent("without")) {
      ASSIGN_OR_RETURN(e->grouping, ParseGrouping());
    }
    if (e->grouping.present && !kGroupable.count(e->op))
      return ParseError(fmt::format("grouping not allowed for {} aggregation", e->op), 0, 0);
    if (e->unwrap && kNoUnwrap.count(e->op))
      return ParseError(fmt::format("invalid aggregation {} with unwrap", e->op), 0, 0);
    if (!e->unwrap && kUnwrapOnly.count(e->op))
      return ParseError(fmt::format("invalid aggregation {} without unwrap", e->op), 0, 0);
    return e;
  }

  StatusOr<std::shared_ptr<Expr>> ParseVectorAgg() {
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kVectorAgg;
    e->op = Next().text;
    if (PeekIdent("by") || PeekIdent("without")) {
      ASSIGN_OR_RETURN(e->grouping, ParseGrouping());
    }
    RETURN_IF_ERROR(Expect(K::kLParen, {"("}));
    bool wants_param = e->op == "topk" || e->op == "bottomk";
    std::string param_text;
    if (Peek().kind == K::kNumber && Peek(1).kind == K::kComma) {
      param_text = Peek().text;
      e->param = Next().number;
      Next();
    }
    ASSIGN_OR_RETURN(auto inner, ParseBinary(0));
    if (inner->kind == Expr::Kind::kLogSelector) return Unexpected(Peek());
    e->lhs = std::move(inner);
    RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
    if (!e->grouping.present && (PeekIdent("by") || PeekIdent("without"))) {
      ASSIGN_OR_RETURN(e->grouping, ParseGrouping());
    }
    // Loki's checks, on the parameter's text (strconv.Atoi).
    if (wants_param && !e->param)
      return ParseError(fmt::format("parameter required for operation {}", e->op), 0, 0);
    if (!wants_param && e->param)
      return ParseError(
          fmt::format("unsupported parameter for operation {}({},", e->op, param_text), 0, 0);
    if (wants_param) {
      // Atoi's range too: past int64 is not an integer (found by logql_fuzz: the value reached
      // the evaluator's conversion to size_t out of range).
      int64_t k = 0;
      const char* end = param_text.data() + param_text.size();
      auto [ptr, ec] = std::from_chars(param_text.data(), end, k);
      bool integer = !param_text.empty() && ec == std::errc() && ptr == end &&
                     param_text.find_first_not_of("0123456789") == std::string::npos;
      if (!integer)
        return ParseError(fmt::format("invalid parameter {}({},", e->op, param_text), 0, 0);
      if (*e->param < 1)
        return ParseError(
            fmt::format("invalid parameter (must be greater than 0) {}({}", e->op, param_text), 0,
            0);
    }
    if ((e->op == "sort" || e->op == "sort_desc") && e->grouping.present)
      return ParseError(fmt::format("grouping not allowed for {} aggregation", e->op), 0, 0);
    return e;
  }

  StatusOr<std::shared_ptr<Expr>> ParseLabelReplace() {
    Next();
    RETURN_IF_ERROR(Expect(K::kLParen, {"("}));
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kLabelReplace;
    ASSIGN_OR_RETURN(auto inner, ParseBinary(0));
    if (inner->kind == Expr::Kind::kLogSelector) return Unexpected(Peek());
    e->lhs = std::move(inner);
    std::string* args[] = {&e->dst, &e->replacement, &e->src};
    for (std::string* arg : args) {
      RETURN_IF_ERROR(Expect(K::kComma, {","}));
      if (Peek().kind != K::kString) return Unexpected(Peek(), {"STRING"});
      *arg = Next().text;
    }
    RETURN_IF_ERROR(Expect(K::kComma, {","}));
    if (Peek().kind != K::kString) return Unexpected(Peek(), {"STRING"});
    std::string error;
    e->regex = CompileRegex("^(?:" + Next().text + ")$", &error, true);
    if (!e->regex)
      return ParseError(fmt::format("invalid regex in label_replace: {}", error), 0, 0);
    RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
    return e;
  }

  StatusOr<std::shared_ptr<Expr>> ParsePrimary() {
    const Token& t = Peek();
    if (t.kind == K::kLBrace) {
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kLogSelector;
      ASSIGN_OR_RETURN(e->selector.matchers, ParseSelector());
      ASSIGN_OR_RETURN(e->selector.stages, ParsePipeline());
      return e;
    }
    if (t.kind == K::kLParen) {
      Next();
      ASSIGN_OR_RETURN(auto e, ParseBinary(0));
      RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
      return e;
    }
    if (t.kind == K::kNumber) {
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kLiteral;
      e->value = Next().number;
      return e;
    }
    if ((t.kind == K::kSub || t.kind == K::kAdd) && Peek(1).kind == K::kNumber) {
      bool neg = Next().kind == K::kSub;
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kLiteral;
      e->value = neg ? -Next().number : Next().number;
      return e;
    }
    if (t.kind == K::kIdentifier) {
      if (kRangeOps.count(t.text)) return ParseRangeAgg();
      if (kVectorOps.count(t.text)) return ParseVectorAgg();
      if (t.text == "vector") {
        Next();
        RETURN_IF_ERROR(Expect(K::kLParen, {"("}));
        if (Peek().kind != K::kNumber) return Unexpected(Peek(), {"NUMBER"});
        auto e = std::make_shared<Expr>();
        e->kind = Expr::Kind::kVector;
        e->value = Next().number;
        RETURN_IF_ERROR(Expect(K::kRParen, {")"}));
        return e;
      }
      if (t.text == "label_replace") return ParseLabelReplace();
    }
    return Unexpected(t);
  }

  // Precedence like Loki's grammar: or < and/unless < comparisons < + - < * / % < ^.
  static int Precedence(const Token& t) {
    switch (t.kind) {
      case K::kCmpEq:
      case K::kNeq:
      case K::kGt:
      case K::kGte:
      case K::kLt:
      case K::kLte:
        return 3;
      case K::kAdd:
      case K::kSub:
        return 4;
      case K::kMul:
      case K::kDiv:
      case K::kMod:
        return 5;
      case K::kPow:
        return 6;
      case K::kIdentifier:
        if (t.text == "or") return 1;
        if (t.text == "and" || t.text == "unless") return 2;
        return -1;
      default:
        return -1;
    }
  }

  StatusOr<std::shared_ptr<Expr>> ParseBinary(int min_prec) {
    RETURN_IF_ERROR(Enter());
    ASSIGN_OR_RETURN(auto e, ParseBinaryInner(min_prec));
    --depth_;
    return e;
  }

  StatusOr<std::shared_ptr<Expr>> ParseBinaryInner(int min_prec) {
    ASSIGN_OR_RETURN(auto lhs, ParsePrimary());
    while (true) {
      const Token& op = Peek();
      int prec = Precedence(op);
      if (prec < 0 || prec < min_prec) return lhs;
      std::string name = op.kind == K::kIdentifier ? op.text : TokenName(op);
      if (lhs->kind == Expr::Kind::kLogSelector) return LegError("left", name, *lhs);
      Next();
      auto e = std::make_shared<Expr>();
      e->kind = Expr::Kind::kBinary;
      if (prec == 3 && PeekIdent("bool")) {
        Next();
        e->return_bool = true;
      }
      RETURN_IF_ERROR(ParseVectorMatching(&e->matching));
      ASSIGN_OR_RETURN(auto rhs, ParseBinary(prec == 6 ? prec : prec + 1));
      if (rhs->kind == Expr::Kind::kLogSelector) return LegError("right", name, *rhs);
      // Loki's checks on literal legs (both literal: evaluated as scalars).
      const bool set_op = name == "and" || name == "or" || name == "unless";
      if (set_op && (lhs->kind == Expr::Kind::kLiteral || rhs->kind == Expr::Kind::kLiteral)) {
        bool left = lhs->kind == Expr::Kind::kLiteral;
        return ParseError(
            fmt::format("unexpected literal for {} leg of logical/set binary operation ({}): {:f}",
                        left ? "left" : "right", name, left ? lhs->value : rhs->value),
            0, 0);
      }
      RETURN_IF_ERROR(CountNode());
      e->op = std::move(name);
      e->lhs = std::move(lhs);
      e->rhs = std::move(rhs);
      lhs = std::move(e);
    }
  }

  // Loki names the Go type of a log expression used as a leg of a binary operation.
  Status LegError(std::string_view side, std::string_view op, const Expr& leg) const {
    return ParseError(
        fmt::format("unexpected type for {} leg of binary operation ({}): {}", side, op,
                    leg.selector.stages.empty() ? "*syntax.MatchersExpr" : "*syntax.PipelineExpr"),
        0, 0);
  }

  // [on|ignoring (labels) [group_left|group_right [(labels)]]]
  Status ParseVectorMatching(VectorMatching* m) {
    if (!PeekIdent("on") && !PeekIdent("ignoring")) return Status::Ok();
    m->on = Next().text == "on";
    ASSIGN_OR_RETURN(m->labels, ParseLabelList());
    if (!PeekIdent("group_left") && !PeekIdent("group_right")) return Status::Ok();
    m->card = Next().text == "group_left" ? VectorMatching::Card::kManyToOne
                                          : VectorMatching::Card::kOneToMany;
    if (Peek().kind == K::kLParen) {
      ASSIGN_OR_RETURN(m->include, ParseLabelList());
    }
    return Status::Ok();
  }

  // ( [label {, label}] )
  StatusOr<std::vector<std::string>> ParseLabelList() {
    RETURN_IF_ERROR(Expect(K::kLParen, {"("}));
    std::vector<std::string> out;
    if (Peek().kind == K::kRParen) {
      Next();
      return out;
    }
    while (true) {
      if (Peek().kind != K::kIdentifier) return Unexpected(Peek(), {"IDENTIFIER"});
      out.push_back(Next().text);
      if (Peek().kind == K::kComma) {
        Next();
        continue;
      }
      RETURN_IF_ERROR(Expect(K::kRParen, {")", ","}));
      return out;
    }
  }

  std::string_view q_;
  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  int composite_nodes_ = 0;
};

}  // namespace

StatusOr<std::shared_ptr<const Expr>> ParseQuery(std::string_view query) {
  ASSIGN_OR_RETURN(auto tokens, Lex(query));
  Parser p(query, std::move(tokens));
  return p.ParseRoot();
}

StatusOr<store::Matchers> ParseStreamSelector(std::string_view selector) {
  ASSIGN_OR_RETURN(auto tokens, Lex(selector));
  Parser p(selector, std::move(tokens));
  return p.ParseSelectorOnly();
}

}  // namespace otter::query::logql
