#!/usr/bin/env bash
# Set up this machine, build npuquant twice (Release, and ASan+UBSan), and
# run every test with ctest in both builds. Tests that need ../shared skip
# with a message when it is absent (under CI=true they fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

scripts/setup.sh

echo "== Release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== ASan+UBSan build and tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNQ_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
# detect_leaks: the library must not leak either.
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs")
