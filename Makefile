# recur front door. `make demo` and `make test` do all the setup on a fresh Debian machine.
JOBS     ?= 2
BUILD    ?= build
ASAN     ?= build-asan
DB       ?= demo/recur.db
MEMBERS  ?= 50000
SEED     ?= 42
CMAKE_FLAGS ?=

.PHONY: all deps build test test-asan asan demo tour bench format lint clean

all: build

deps:
	@./scripts/deps.sh

$(BUILD)/build.ninja: | deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: deps $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN)/build.ninja: | deps
	@cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRECUR_SANITIZE=ON -DRECUR_BENCH=OFF >/dev/null

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan test-asan: deps $(ASAN)/build.ninja
	@cmake --build $(ASAN) -j $(JOBS)
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

demo: build
	@./scripts/demo.sh $(BUILD)/recur $(DB) $(MEMBERS) $(SEED)

# README.md's five-minute tour, run as written on a copy of the demo store (made if missing).
tour: build
	@[ -f $(DB) ] || $(MAKE) --no-print-directory demo
	@./scripts/tour.sh $(BUILD)/recur $(DB)

bench: build
	@./scripts/bench.sh $(BUILD)

format:
	@find src tests bench -name '*.h' -o -name '*.cpp' | xargs clang-format -i

lint: build
	@find src -name '*.cpp' | xargs clang-tidy -p $(BUILD) --quiet 2>/dev/null

clean:
	rm -rf $(BUILD) $(ASAN)
