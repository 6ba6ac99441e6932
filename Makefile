# The two commands of the README, and the benchmarks. CMake does the real work.
JOBS ?= $(shell nproc)
MODEL ?= models/bert-tiny/model.onnx

.PHONY: all run test deps build build-test build-tsan bench bench-serve bench-gemm clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
	cmake --build build -j$(JOBS)

# The test build uses clang so that the same build has ASan+UBSan and libFuzzer.
build-test: deps
	CC=clang cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DTINYRT_SANITIZE=ON -DTINYRT_FUZZ=ON
	cmake --build build-test -j$(JOBS)

# The threaded unit tests again under ThreadSanitizer (it cannot share a build with ASan).
build-tsan: deps
	CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTINYRT_TSAN=ON
	cmake --build build-tsan -j$(JOBS) --target threaded_tests

run: build
	./build/tinyrt report $(MODEL) --html build/report.html

test: build-test build-tsan
	cd build-tsan && ctest --output-on-failure -j$(JOBS) -L threads
	cd build-test && ctest --output-on-failure -j$(JOBS)

# tinyrt against ONNX Runtime (onnxruntime-node, installed into build/ort on first use); ~2 min.
bench: build
	bench/vs_onnxruntime

# The serving targets (throughput with and without batching, p99, mixed-length equality, soak).
bench-serve: build
	bench/serve_bench.sh build/tinyrt $(MODEL)

# SGEMM against oneDNN on one thread (needs libdnnl-dev), then own vector math against SLEEF.
bench-gemm: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
	cmake --build build -j$(JOBS) --target gemm_bench vmath_bench
	./build/bench/gemm_bench
	./build/bench/vmath_bench

clean:
	rm -rf build build-test build-tsan
