# Switchboard: `make run` and `make test` do all set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
export SWITCHBOARD_DATA_DIR ?= $(CURDIR)/var
JOBS ?= $(shell nproc)
# ccache hits across clones in other folders (CI builds a fresh clone).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
# Precompiled headers are cacheable only with these.
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
RELEASE_DIR := build/release
DEBUG_DIR := build/debug
CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

.PHONY: deps build build-debug run test bench fmt lint clean

deps:
	@infra/scripts/install-deps.sh

$(RELEASE_DIR)/build.ninja:
	cmake -S . -B $(RELEASE_DIR) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release

$(DEBUG_DIR)/build.ninja:
	cmake -S . -B $(DEBUG_DIR) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug -DSWITCHBOARD_SANITIZE=ON

build: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target switchboard

build-debug: deps $(DEBUG_DIR)/build.ninja
	cmake --build $(DEBUG_DIR) -j $(JOBS)

run: build
	@infra/scripts/run-local.sh $(RELEASE_DIR)/switchboard

test: build-debug
	cd $(DEBUG_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600

bench: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS)
	@infra/scripts/run-bench.sh $(RELEASE_DIR)

fmt:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

lint: deps $(RELEASE_DIR)/build.ninja
	@git ls-files '*.cc' | grep -v '^tests/\|^bench/' | xargs clang-tidy -p $(RELEASE_DIR) --quiet

clean:
	rm -rf build
