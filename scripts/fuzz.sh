#!/usr/bin/env bash
# Builds the libFuzzer targets (src/**/*_fuzz.cc) with clang 14 + ASan/UBSan and runs each for
# FUZZ_SECONDS (default 20). The codecs only need pdata/common/otlp, so the fuzzers are compiled
# straight from those sources rather than through a second full CMake build.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
OUT=${FUZZ_OUT:-build-fuzz}
mkdir -p "$OUT"
CXX=${FUZZ_CXX:-clang++-14}
command -v "$CXX" >/dev/null || CXX=clang++
FLAGS=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc)
LIB_SOURCES=$(ls src/common/*.cc src/pdata/*.cc src/otlp/*.cc | grep -vE '_(test|bench|fuzz)\.cc$')
targets=$(find src -name '*_fuzz.cc' | sort)
[ -n "$targets" ] || { echo "no fuzz targets"; exit 0; }
pass=0; fail=0
for t in $targets; do
  name=$(basename "$t" .cc)
  if [ ! "$OUT/$name" -nt "$t" ] || [ -n "$(find src/otlp src/pdata src/common -newer "$OUT/$name" -name '*.[ch]*' | head -1)" ]; then
    echo "building $name"
    "$CXX" "${FLAGS[@]}" $LIB_SOURCES "$t" -lsimdjson -lfmt -o "$OUT/$name"
  fi
  mkdir -p "$OUT/corpus-$name"
  if "$OUT/$name" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -max_len=65536 \
       "$OUT/corpus-$name" >"$OUT/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$OUT/$name.log" || grep -o '#[0-9]* *DONE' "$OUT/$name.log" | tail -1))"
    pass=$((pass+1))
  else
    echo "fuzz $name: FAILED"; tail -40 "$OUT/$name.log"; fail=$((fail+1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
