// The filelog receiver's operators (stanza's, with otelcol-contrib's keys): parsers
// (json_parser, regex_parser, key_value_parser, time_parser, severity_parser, trace_parser, with
// embedded `timestamp:`, `severity:` and `trace:` blocks) and transformers (move, copy, remove,
// add, retain, noop). Each has `id`, `type`, `output`, `on_error` (send, send_quiet, drop,
// drop_quiet) and, where stanza has it, `if`. OperatorPipeline builds the list from config
// (errors at the operator's file:line) and runs entries through it, following `output` ids.
// Thread-safety: a pipeline is used by one thread (the receiver's poller); it keeps scratch
// state (the JSON parser) between entries.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/node.h"
#include "receivers/filelog/entry.h"
#include "receivers/filelog/expr.h"

namespace otter::filelog {

enum class OnError { kSend, kSendQuiet, kDrop, kDropQuiet };

class Operator {
 public:
  virtual ~Operator();
  // Transforms `e`; an error is handled per on_error by the pipeline.
  virtual Status Process(Entry& e, pdata::ArenaSet& arena) = 0;

  std::string id, type;
  std::vector<std::string> outputs;  // ids; empty = the next operator
  OnError on_error = OnError::kSend;
  std::unique_ptr<Condition> condition;
};

class OperatorPipeline {
 public:
  // Builds from the `operators` sequence; on errors (reported to `d` at their node) returns null.
  static std::unique_ptr<OperatorPipeline> Build(const config::Node& list, config::Diagnostics& d);
  ~OperatorPipeline();

  // Runs `e` through the operators; false when an operator dropped it.
  bool Run(Entry& e, pdata::ArenaSet& arena);
  // Called for each operator failure (quiet = on_error *_quiet).
  void SetErrorHandler(std::function<void(const Operator&, const Status&, bool quiet)> fn) {
    on_error_ = std::move(fn);
  }
  size_t size() const { return ops_.size(); }

 private:
  std::vector<std::unique_ptr<Operator>> ops_;
  std::vector<size_t> next_;  // per operator: the index it outputs to (size() = emit)
  std::function<void(const Operator&, const Status&, bool)> on_error_;
};

// ---- shared by the operator builders (operators.cc, parsers.cc, transformers.cc) ----------

// Reads an operator's settings; every error names the key and lands at its line.
class OperatorNode {
 public:
  OperatorNode(const config::Node& n, config::Diagnostics& d, std::string where)
      : n_(n), d_(d), where_(std::move(where)) {}
  const config::Node* Find(const std::string& key) const { return n_.Find(key); }
  std::string String(const std::string& key, std::string def) const;
  bool Bool(const std::string& key, bool def) const;
  // A field setting; `def` when absent. Sets *ok=false on errors.
  Field FieldAt(const std::string& key, const Field& def, bool* ok) const;
  std::optional<Field> OptionalField(const std::string& key, bool* ok) const;
  void Error(const config::Node& at, const std::string& message) const;
  void Error(const std::string& key, const std::string& message) const;
  // Unknown keys → errors naming the nearest valid one.
  bool CheckKeys(const std::vector<std::string>& allowed) const;
  const config::Node& node() const { return n_; }
  config::Diagnostics& diagnostics() const { return d_; }
  const std::string& where() const { return where_; }

 private:
  const config::Node& n_;
  config::Diagnostics& d_;
  std::string where_;
};

// Builders: return null after reporting errors.
std::unique_ptr<Operator> BuildParser(const std::string& type, const OperatorNode& n);
std::unique_ptr<Operator> BuildTransformer(const std::string& type, const OperatorNode& n);
// The keys every operator has (id, type, output, on_error).
extern const std::vector<std::string> kCommonKeys;

// A YAML value as an AnyValue whose strings are views into the node (copy before use).
pdata::AnyValue NodeValue(const config::Node& n);
// A deep copy of `v` whose strings live in `arena`.
pdata::AnyValue CopyInto(const pdata::AnyValue& v, pdata::ArenaSet& arena);

}  // namespace otter::filelog
