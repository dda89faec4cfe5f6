#!/usr/bin/env bash
# Builds the libFuzzer targets (src/**/*_fuzz.cc) with clang 14 + ASan/UBSan and runs each one.
#
# Each target is linked from the few sources fuzz/targets.txt lists for it (not from a second full
# CMake tree, which would compile all of otter with clang and the sanitizers); a source shared by
# several targets is compiled once. The build is a generated ninja file in $FUZZ_OUT, so a second
# run recompiles only what changed (and ccache makes a fresh tree cheap). Usage:
#   scripts/fuzz.sh [name ...]          # all targets, or the named ones (e.g. promql_fuzz)
# Knobs:
#   FUZZ_SECONDS=20   run each target this long (the smoke run `make test` does uses 10)
#   FUZZ_RUNS=N       run each target for N executions instead (e.g. 10000000), no time limit
#   FUZZ_OUT=build-fuzz, FUZZ_JOBS=2, FUZZ_CXX=clang++-14, FUZZ_NICE=10
#   FUZZ_BUILD_ONLY=1 build, do not run; FUZZ_NO_BUILD=1 run what is built
# Per target, fuzz/<name>.options holds extra libFuzzer flags (max_len, a dictionary from fuzz/),
# fuzz/corpus/<name>/ its committed seeds; the corpus the run grows is $FUZZ_OUT/corpus/<name>/.
# Crashes land in $FUZZ_OUT/artifacts/<name>/ (reproduce: $FUZZ_OUT/<name> <file>).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${FUZZ_OUT:-build-fuzz}
JOBS=${FUZZ_JOBS:-2}
NICE=${FUZZ_NICE:-10}
CXX=${FUZZ_CXX:-clang++-14}
command -v "$CXX" >/dev/null || CXX=clang++
LAUNCHER=$(command -v ccache || true)
mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)

# ---- generate the ninja file from fuzz/targets.txt ---------------------------------------------
declare -A SOURCES
order=()
current=""
while IFS= read -r line; do
  case "$line" in
    '#'* | '') ;;
    ' '* | $'\t'*) SOURCES[$current]+=" $line" ;;
    *:*)
      current=${line%%:*}
      order+=("$current")
      SOURCES[$current]=${line#*:}
      ;;
  esac
done <fuzz/targets.txt
# The query server's web UI table, as the CMake build generates it (here always the placeholder
# page: the fuzzers do not need the UI itself); rewritten only when it changes.
mkdir -p "$OUT/gen"
python3 scripts/embed_ui.py "$OUT/no-ui" "$OUT/gen/ui_assets.cc" >/dev/null
LIBS="-lyaml-cpp -lsimdjson -lspdlog -lfmt -lre2 -lzstd -llz4 -lsnappy -lz -lssl -lcrypto
  -lrdkafka -lcrypt -lpthread"
{
  echo "cxx = $LAUNCHER $CXX"
  echo "cflags = -std=c++20 -O1 -gline-tables-only -fno-omit-frame-pointer" \
    "-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    "-DBOOST_ASIO_NO_DEPRECATED -DSPDLOG_FMT_EXTERNAL -I$PWD/src"
  echo "ldflags = -fsanitize=fuzzer,address,undefined"
  echo "libs = $(echo $LIBS)"
  echo "rule cc"
  echo "  command = \$cxx \$cflags -MMD -MF \$out.d -c \$in -o \$out"
  echo "  depfile = \$out.d"
  echo "  deps = gcc"
  echo "  description = CC \$in"
  echo "rule link"
  echo "  command = $CXX \$ldflags \$in \$libs -o \$out"
  echo "  description = LINK \$out"
  declare -A seen
  for name in "${order[@]}"; do
    main=$(find src -name "$name.cc" | head -1)
    [ -n "$main" ] || { echo "fuzz/targets.txt: no src/**/$name.cc" >&2; exit 1; }
    objs=("obj/${main%.cc}.o")
    echo "build obj/${main%.cc}.o: cc $PWD/$main"
    # The data model and Status: every target needs them (listed once here, not in each entry).
    for src in $(echo common/status otlp/utf8 pdata/arena pdata/batch pdata/common pdata/metadata ${SOURCES[$name]} | tr ' ' '\n' | sort -u); do
      # gen/<x>: a generated source in $OUT/gen (see below), else src/<x>.cc.
      file=$PWD/src/$src.cc
      case "$src" in gen/*) file=$OUT_ABS/$src.cc ;; esac
      [ -f "$file" ] || { echo "fuzz/targets.txt ($name): no $file" >&2; exit 1; }
      if [ -z "${seen[$src]:-}" ]; then
        echo "build obj/src/$src.o: cc $file"
        seen[$src]=1
      fi
      objs+=("obj/src/$src.o")
    done
    echo "build $name: link ${objs[*]}"
  done
  # Every target .cc must be listed: a new one fails here rather than going unbuilt.
  for t in $(find src -name '*_fuzz.cc'); do
    [ -n "${SOURCES[$(basename "$t" .cc)]+x}" ] || { echo "$t is not in fuzz/targets.txt" >&2; exit 1; }
  done
} >"$OUT/build.ninja.new"
cmp -s "$OUT/build.ninja.new" "$OUT/build.ninja" 2>/dev/null || mv "$OUT/build.ninja.new" "$OUT/build.ninja"
rm -f "$OUT/build.ninja.new"

# ---- build --------------------------------------------------------------------------------------
want=("$@")
[ ${#want[@]} -gt 0 ] || want=("${order[@]}")
[ -n "${FUZZ_NO_BUILD:-}" ] || nice -n "$NICE" ninja -C "$OUT" -j"$JOBS" "${want[@]}"
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit 0

# ---- run ----------------------------------------------------------------------------------------
pass=0
fail=0
for name in "${want[@]}"; do
  mkdir -p "$OUT/corpus/$name" "$OUT/artifacts/$name"
  seeds=()
  [ -d "fuzz/corpus/$name" ] && seeds=("fuzz/corpus/$name")
  opts=()
  [ -f "fuzz/$name.options" ] && read -r -a opts <"fuzz/$name.options"
  if [ -n "${FUZZ_RUNS:-}" ]; then
    limit=(-runs="$FUZZ_RUNS")
  else
    limit=(-max_total_time="${FUZZ_SECONDS:-20}")
  fi
  start=$(date +%s)
  if nice -n "$NICE" "$OUT/$name" "${limit[@]}" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$OUT/artifacts/$name/" "${opts[@]}" "$OUT/corpus/$name" "${seeds[@]}" \
    >"$OUT/$name.log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$OUT/$name.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$OUT/$name.log" | tail -1)
    secs=$(($(date +%s) - start))
    echo "fuzz $name: ok, $runs runs in ${secs}s ($((runs / (secs > 0 ? secs : 1))) exec/s), $cov"
    pass=$((pass + 1))
  else
    echo "fuzz $name: FAILED (log: $OUT/$name.log)"
    grep -A30 -m1 'ERROR: \|==ERROR\|runtime error\|deadly signal' "$OUT/$name.log" || tail -40 "$OUT/$name.log"
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
