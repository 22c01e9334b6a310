#!/usr/bin/env bash
# Set up this machine, build npuquant twice (Release, and ASan+UBSan), and
# run every test with ctest in both builds; then the core-only build
# (scripts/check-minimal.sh) and the aarch64 cross build under qemu
# (scripts/cross-aarch64.sh; NQ_SKIP_AARCH64=1 leaves it out). Tests that need ../shared skip
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

echo "== Core-only build (every optional dependency off)"
scripts/check-minimal.sh build/npuquant

if [ "${NQ_SKIP_AARCH64:-0}" != "1" ]; then
  echo "== aarch64 cross build, core tests under qemu-aarch64"
  scripts/cross-aarch64.sh
fi
