// Every libFuzzer target (src/**/*_fuzz.cc) compiled into the test binary, so that `make test`
// runs each one under the Release build and under ASan+UBSan without a clang build of its own.
// CMake renames each target's entry points (LLVMFuzzerTestOneInput → OtterFuzz_<name>) and lists
// them in fuzz_targets.inc. A target runs over its committed corpus (fuzz/corpus/<name>/), then
// over deterministic mutations of it (bit flips, interesting bytes, inserts, deletes, copies,
// splices, and the tokens of fuzz/<name>'s dictionary), within the -max_len of fuzz/<name>.options,
// for OTTER_FUZZ_REPLAY_SECONDS (default 2) or OTTER_FUZZ_REPLAY_RUNS inputs, whichever ends
// first. A target reports a violated invariant by aborting; the sanitizers report the rest.
// This is the short slice; `make fuzz` runs the real libFuzzer campaigns (docs/fuzzing.md).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#define OTTER_FUZZ_TARGET(name) extern "C" int OtterFuzz_##name(const uint8_t* data, size_t size);
#define OTTER_FUZZ_TARGET_WITH_INIT(name) \
  OTTER_FUZZ_TARGET(name)                 \
  extern "C" int OtterFuzzInit_##name(int* argc, char*** argv);
#include "fuzz_targets.inc"
#undef OTTER_FUZZ_TARGET
#undef OTTER_FUZZ_TARGET_WITH_INIT

namespace otter {
namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;
  int (*run)(const uint8_t*, size_t);
  int (*init)(int*, char***);
};

const std::vector<Target>& Targets() {
  static const std::vector<Target> targets = {
#define OTTER_FUZZ_TARGET(name) {#name, &OtterFuzz_##name, nullptr},
#define OTTER_FUZZ_TARGET_WITH_INIT(name) {#name, &OtterFuzz_##name, &OtterFuzzInit_##name},
#include "fuzz_targets.inc"
#undef OTTER_FUZZ_TARGET
#undef OTTER_FUZZ_TARGET_WITH_INIT
  };
  return targets;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// -max_len=N from fuzz/<name>.options, or 4096.
size_t MaxLen(const std::string& options) {
  size_t at = options.find("-max_len=");
  return at == std::string::npos ? 4096 : std::stoul(options.substr(at + 9));
}

// The tokens of a libFuzzer dictionary: one quoted string per line (optionally name="..."),
// with \\, \" and \xNN escapes.
std::vector<std::string> ReadDictionary(const fs::path& p) {
  std::vector<std::string> tokens;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    size_t open = line.find('"'), close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    std::string token;
    for (size_t i = open + 1; i < close; ++i) {
      if (line[i] != '\\' || i + 1 >= close) {
        token += line[i];
      } else if (line[i + 1] == 'x' && i + 3 < close) {
        token += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
        i += 3;
      } else {
        token += line[++i];
      }
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

class Mutator {
 public:
  Mutator(uint64_t seed, std::vector<std::string> corpus, std::vector<std::string> dictionary,
          size_t max_len)
      : rng_(seed), corpus_(std::move(corpus)), dict_(std::move(dictionary)), max_len_(max_len) {
    if (corpus_.empty()) corpus_.push_back("");
  }

  std::string Next() {
    std::string s = corpus_[Below(corpus_.size())];
    for (size_t ops = 1 + Below(4); ops > 0; --ops) Mutate(s);
    if (s.size() > max_len_) s.resize(max_len_);
    return s;
  }

 private:
  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }

  void Mutate(std::string& s) {
    static constexpr uint8_t kInteresting[] = {0, 1, 0x7f, 0x80, 0xff, '"', '{', '[', '\\', '\n'};
    switch (Below(8)) {
      case 0:  // flip a bit
        if (!s.empty()) s[Below(s.size())] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:  // an interesting byte
        if (!s.empty())
          s[Below(s.size())] = static_cast<char>(kInteresting[Below(sizeof kInteresting)]);
        break;
      case 2: {  // insert random bytes
        std::string bytes(1 + Below(8), '\0');
        for (char& c : bytes) c = static_cast<char>(rng_());
        s.insert(Below(s.size() + 1), bytes);
        break;
      }
      case 3:  // delete a range
        if (!s.empty()) {
          size_t at = Below(s.size());
          s.erase(at, 1 + Below(std::min<size_t>(s.size() - at, 64)));
        }
        break;
      case 4:  // copy a range elsewhere
        if (!s.empty()) {
          size_t from = Below(s.size());
          std::string piece = s.substr(from, 1 + Below(std::min<size_t>(s.size() - from, 64)));
          s.insert(Below(s.size() + 1), piece);
        }
        break;
      case 5:  // truncate
        s.resize(Below(s.size() + 1));
        break;
      case 6: {  // splice with another input
        const std::string& other = corpus_[Below(corpus_.size())];
        s = s.substr(0, Below(s.size() + 1)) + other.substr(Below(other.size() + 1));
        break;
      }
      default:  // a dictionary token
        if (!dict_.empty()) s.insert(Below(s.size() + 1), dict_[Below(dict_.size())]);
        break;
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> corpus_;
  std::vector<std::string> dict_;
  size_t max_len_;
};

double EnvOr(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atof(v) : fallback;
}

class FuzzReplayTest : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplayTest, SurvivesItsCorpusAndMutationsOfIt) {
  const Target& t = GetParam();
  if (t.init) {
    int argc = 1;
    char arg0[] = "otter_tests";
    char* argv_storage[] = {arg0, nullptr};
    char** argv = argv_storage;
    t.init(&argc, &argv);
  }
  fs::path fuzz_dir = fs::path(OTTER_SOURCE_DIR) / "fuzz";
  std::vector<std::string> corpus;
  if (fs::is_directory(fuzz_dir / "corpus" / t.name))
    for (const auto& e : fs::directory_iterator(fuzz_dir / "corpus" / t.name))
      if (e.is_regular_file()) corpus.push_back(ReadFile(e.path()));
  std::string options = fs::exists(fuzz_dir / (std::string(t.name) + ".options"))
                            ? ReadFile(fuzz_dir / (std::string(t.name) + ".options"))
                            : "";
  std::vector<std::string> dictionary;
  if (size_t at = options.find("-dict="); at != std::string::npos) {
    std::string dict = options.substr(at + 6);
    dict = dict.substr(0, dict.find_first_of(" \n"));
    dictionary = ReadDictionary(fs::path(OTTER_SOURCE_DIR) / dict);
  }
  for (const std::string& input : corpus)
    t.run(reinterpret_cast<const uint8_t*>(input.data()), input.size());

  uint64_t seed = std::hash<std::string>{}(t.name);
  Mutator mutator(seed, corpus, dictionary, MaxLen(options));
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(EnvOr("OTTER_FUZZ_REPLAY_SECONDS", 2));
  auto runs = static_cast<uint64_t>(EnvOr("OTTER_FUZZ_REPLAY_RUNS", 1e9));
  uint64_t done = 0;
  for (; done < runs && (done % 64 != 0 || std::chrono::steady_clock::now() < deadline); ++done) {
    std::string input = mutator.Next();
    t.run(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  RecordProperty("inputs", std::to_string(corpus.size() + done));
  EXPECT_GT(corpus.size() + done, 0u);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplayTest, ::testing::ValuesIn(Targets()),
                         [](const ::testing::TestParamInfo<Target>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace otter
