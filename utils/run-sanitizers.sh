#!/usr/bin/env bash
# ASan + UBSan run for CI: builds the unit tests and the fuzz replay drivers
# into build-asan with clang-15 and
#   -fsanitize=address,undefined -fno-sanitize-recover=undefined
#   -fno-omit-frame-pointer  (-O1 -g1: line numbers in reports, quick builds)
# (ccache when present, through the top-level CMakeLists.txt) and runs a
# subset of ctest that fits about 10-15 minutes on 2 cores, build included:
#   BaseTest GraphTest OnnxImporterTest QuantizationTest MixedPrecisionTest
#   TunerTest
#   ReferenceModelTest OperatorTest.{Interpreter,CPU}
#   Int8KernelTest.{Interpreter,CPU} FuzzRegression, and the tool-level
#   BadInput, HostileInput and ToolsSmoke (image-classifier, model-runner,
#   model-compiler, network-benchmark built with the sanitizers)
# (about 15 min of build with -j1, so about 8 with -j2 on 2 cores, and
# 1-2 min of tests). Left out: everything OpenCL (the */OpenCL test
# entries and the OpenCL scripts: PoCL loads its own libLLVM and compiles
# kernels at run time; under ASan it is slow and its reports are about
# PoCL, not this project), BackendCorrectnessTest (many configurations,
# minutes each under ASan), the 10k-image accuracy, ONNX conformance,
# precision-tuner and bundle scripts (long, and they need every tool).
# The CPU backend's ORC JIT runs under ASan (the JIT-compiled kernel
# library itself is not instrumented).
# Leak checking (LeakSanitizer) is on: LLVM's and protobuf's globals are
# still reachable at exit and are not reported. Should a leak inside an
# uninstrumented library ever get in the way, run with
# ASAN_OPTIONS=detect_leaks=0 (the variable replaces the defaults below).
#   utils/run-sanitizers.sh [extra ctest arguments]
# Environment: JOBS (ninja and ctest parallelism, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build-asan
JOBS=${JOBS:-2}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
TESTS=(BaseTest GraphTest OnnxImporterTest QuantizationTest MixedPrecisionTest TunerTest
       ReferenceModelTest OperatorTest Int8KernelTest
       image-classifier model-runner model-compiler network-benchmark)

start=$SECONDS
if [ ! -f "$B/build.ninja" ]; then
  mkdir -p "$B"
  CC=clang-15 CXX=clang++-15 cmake -S . -B "$B" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS="$SAN" -DCMAKE_CXX_FLAGS="$SAN" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" > "$B/configure.log" ||
    { cat "$B/configure.log"; exit 2; }
fi
ninja -C "$B" -j"$JOBS" "${TESTS[@]}" fuzz-replay
build_s=$((SECONDS - start))
echo "build-asan: built in ${build_s} s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
start=$SECONDS
cd "$B"
rc=0
ctest --output-on-failure -j"$JOBS" \
  -R '^(BaseTest|GraphTest|OnnxImporterTest|QuantizationTest|MixedPrecisionTest|TunerTest|ReferenceModelTest|OperatorTest\.(Interpreter|CPU)|Int8KernelTest\.(Interpreter|CPU)|FuzzRegression|BadInput|HostileInput|ToolsSmoke)$' \
  "$@" || rc=$?
echo "build-asan: build ${build_s} s, tests $((SECONDS - start)) s"
exit $rc
