# otter — top-level commands. `make run` and `make test` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: run test build ui deps bench bench-queries nab asan-test format format-check unit-test interop-test clean fuzz \
        fuzz-smoke crash-test tsan-test demo pqueue-crash pqueue-outage package

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

# The web UI (ui/ → ui/dist, embedded into the binary by the build); skipped when unchanged.
ui: deps
	scripts/build-ui.sh $(BUILD)

build: deps $(BUILD)/build.ninja ui
	ninja -C $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/otter $(ARGS)

# The seed's e-commerce example (examples/ecommerce): otter all-in-one and a small shop (Node +
# Python services, a script under `otter span`) with steady traffic; checks that traces, metrics
# and logs reach otter's query APIs, then keeps running (DEMO_PAUSE seconds, default a day).
demo: build
	EXAMPLE_PAUSE=$(or $(DEMO_PAUSE),86400) examples/ecommerce/run.sh $(BUILD)/otter $(BUILD)/otter-loadgen

# Every test CI runs: unit + integration + interop (ctest), then the unit tests under ASan+UBSan,
# then the formatting check.
test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600
	$(MAKE) asan-test
	$(MAKE) format-check

unit-test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE interop

interop-test: build
	cd $(BUILD) && ctest --output-on-failure -L interop

# The sanitizer tree is built by clang (half of GCC's compile time at -O0 with ASan, and a second
# compiler's warnings) with line tables only, all ASan reports need.
$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOTTER_SANITIZE=ON -DOTTER_BENCH=OFF \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only

asan-test: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) -j$(JOBS) otter_tests otter
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --output-on-failure -j$(JOBS) -LE interop --timeout 600

# The long durability runs (CI runs a short slice of each inside `make test`): 200 kill -9
# rounds under load, and 5000 seeded file-system fault schedules.
crash-test: build
	cd $(BUILD) && OTTER_CRASH_ROUNDS=$(or $(CRASH_ROUNDS),200) ./otter_tests --gtest_filter='CrashTest.*'
	cd $(BUILD) && OTTER_FAULT_SCHEDULES=$(or $(FAULT_SCHEDULES),5000) ./otter_tests --gtest_filter='StoreFaultTest.*'

# The persistent sending queue's acceptance runs (ctest runs 5 rounds / a 6 s outage):
# 50 kill -9 rounds under load with the downstream flapping, and the downstream down for 10 min.
pqueue-crash: build
	cd $(BUILD) && PQUEUE_CRASH_ROUNDS=$(or $(CRASH_ROUNDS),50) ./otter_tests --gtest_filter='PqueueCrashTest.*'

pqueue-outage: build
	cd $(BUILD) && PQUEUE_OUTAGE_SECONDS=$(or $(OUTAGE_SECONDS),600) ./otter_tests --gtest_filter='PqueueOutageTest.*'

# ThreadSanitizer over the concurrent parts: the store (writer, flusher, compactor and queries),
# the pipeline, the batch processor and the sending queue. Not part of `make test` (a third full
# build would push CI past its time budget); run it when touching threads.
$(TSAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTTER_TSAN=ON -DOTTER_BENCH=OFF \
	  -DOTTER_WERROR=OFF  # -O2 finds maybe-uninitialized false positives that -O3 does not; warnings are the Release build's job

tsan-test: deps $(TSAN_BUILD)/build.ninja
	ninja -C $(TSAN_BUILD) -j$(JOBS) otter_tests
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ./otter_tests --gtest_filter='Store*:Wal*:Block*:ServiceTest*:FanOut*:BatchProcessor*:SendingQueue*:-StoreE2e*:StoreDamage*'

bench: build
	./$(BUILD)/otter_bench --benchmark_min_time=0.5

# The Numenta Anomaly Benchmark, full corpus, both modes (docs/analytics.md); ctest runs a slice.
NAB_DIR ?= ../shared/nab
nab: build
	@for mode in parity streaming; do \
	  rm -rf $(BUILD)/nab-$$mode; \
	  ./$(BUILD)/otter analyze nab $(NAB_DIR)/data $(BUILD)/nab-$$mode --mode $$mode || exit 1; \
	  echo "==== $$mode mode"; \
	  python3 tools/nab_score.py --results $(BUILD)/nab-$$mode/otter \
	    --windows $(NAB_DIR)/labels/combined_windows.json --protocol || exit 1; \
	done

# PromQL against Prometheus 2.42 on the same data, LogQL over 10 M records (bench/query_compare).
bench-queries: build
	bench/query_compare/run.sh $(BUILD)

format:
	find src bench tests -name '*.cc' -o -name '*.h' | xargs clang-format -i

format-check:
	find src bench tests -name '*.cc' -o -name '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz

# libFuzzer targets (clang 14, ASan+UBSan; docs/fuzzing.md): long runs, FUZZ_SECONDS each (default
# 600) or FUZZ_RUNS executions each; FUZZ_TARGETS="promql_fuzz ..." picks some. fuzz-smoke: 10 s
# of each. Both reuse build-fuzz/ (compiled once, incrementally). `make test` needs no clang build:
# otter_tests replays every target over its corpus and mutations of it (tests/fuzz_replay_test.cc).
fuzz: deps
	FUZZ_JOBS=$(JOBS) FUZZ_SECONDS=$(or $(FUZZ_SECONDS),600) FUZZ_RUNS=$(FUZZ_RUNS) scripts/fuzz.sh $(FUZZ_TARGETS)

fuzz-smoke: deps
	FUZZ_JOBS=$(JOBS) FUZZ_SECONDS=10 FUZZ_RUNS= scripts/fuzz.sh

# A Debian package of the Release build: stripped binary, /etc/otter/config.yaml (the built-in
# all-in-one default with its store in /var/lib/otter) and a systemd unit (packaging/).
package: build
	packaging/build-deb.sh $(BUILD) $(BUILD)
