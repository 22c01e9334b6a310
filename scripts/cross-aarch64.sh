#!/usr/bin/env bash
# Cross-build npuquant for aarch64 Linux and test it under qemu-aarch64.
#
#  1. installs the build machine's tools from Debian (gcc-aarch64-linux-gnu,
#     qemu-user, protoc-c, onnx.proto) when missing;
#  2. builds an arm64 sysroot in build-aarch64/sysroot from Debian's arm64
#     packages: `apt-get download` + `dpkg -x` with apt state private to
#     build-aarch64/apt (the host's dpkg database, architectures and installed
#     packages are never touched);
#  3. configures with cmake/aarch64-linux-gnu.cmake and builds into
#     build-aarch64/ (the CLI is build-aarch64/npuquant). Keras is left out
#     (libhdf5's arm64 dependency tree is large); ONNX, TensorFlow, JPEG/PNG and
#     zlib are in;
#  4. runs the core C tests (kernels, the fast paths (NEON, portable) against the reference
#     ones, quantizer, calibration, reader/writer) under qemu-aarch64, and
#  5. converts the README demo model and MLPerf Tiny VWW under qemu and checks
#     the bytes equal those of the native x86 build (build/npuquant, built
#     when missing) with its default kernels.
# Exit 0 when everything passes. NQ_CROSS_JOBS sets the build parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/build-aarch64
sysroot=$out/sysroot
jobs=${NQ_CROSS_JOBS:-$(nproc 2>/dev/null || echo 2)}
say() { printf 'cross-aarch64: %s\n' "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else fail "need root (or sudo) to run: $*"
  fi
}
is_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# ---- 1. build-machine tools -------------------------------------------------------
HOST_PACKAGES="gcc-aarch64-linux-gnu qemu-user cmake pkg-config make binutils
  protobuf-c-compiler libonnx-dev python3-numpy"
missing=""
for p in $HOST_PACKAGES; do is_installed "$p" || missing="$missing $p"; done
if [ -n "$missing" ]; then
  say "installing build-machine packages:$missing"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# ---- 2. arm64 sysroot from Debian packages ----------------------------------------
# The C library, and the -dev packages of the libraries the build enables, with
# the runtime packages their .so links point to.
SYSROOT_PACKAGES="libc6 libc6-dev linux-libc-dev libgcc-s1
  zlib1g zlib1g-dev libjpeg62-turbo libjpeg62-turbo-dev libpng16-16 libpng-dev
  libprotobuf-c1 libprotobuf-c-dev"
stamp=$sysroot/.npuquant-sysroot
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$SYSROOT_PACKAGES" ]; then
  say "building the arm64 sysroot in $sysroot"
  apt_dir=$out/apt
  rm -rf "$sysroot" "$apt_dir"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$sysroot"
  : >"$apt_dir/status"
  # Private apt state: arm64 indexes of the host's own sources, an empty
  # package database, nothing under /var/lib/apt or /var/lib/dpkg changes.
  apt_opts=(-o "APT::Architecture=arm64" -o "APT::Architectures=arm64"
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
            -o "Dir::Cache=$apt_dir/cache" -o "Debug::NoLocking=1" -q)
  # As root, apt would hand downloads to the _apt user, who cannot write here.
  [ "$(id -u)" -ne 0 ] || apt_opts+=(-o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update >/dev/null
  # shellcheck disable=SC2086
  (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download $SYSROOT_PACKAGES >/dev/null)
  for deb in "$apt_dir"/debs/*.deb; do dpkg -x "$deb" "$sysroot"; done
  # Debian's arm64 -dev packages link lib*.so with absolute symlinks
  # (/lib/aarch64-linux-gnu/...); point them into the sysroot.
  find "$sysroot" -type l -lname '/*' | while read -r l; do
    ln -sf "$sysroot$(readlink "$l")" "$l"
  done
  echo "$SYSROOT_PACKAGES" >"$stamp"
fi

# ---- 3. cross build ------------------------------------------------------------------
say "configuring and building build-aarch64/"
cmake -S . -B "$out" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" \
  -DNQ_AARCH64_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE=Release \
  -DNQ_WITH_KERAS=OFF -DNQ_BUILD_BENCH=OFF >/dev/null
cmake --build "$out" -j"$jobs" >/dev/null
file "$out/npuquant" | grep -q 'ARM aarch64' || fail "$out/npuquant is not an aarch64 executable"

# ---- 4. core tests under qemu ------------------------------------------------------
# The kernels (reference, fast against reference: auto and --kernels neon run
# the NEON paths, forced portable; the micro-kernels on edge shapes), int8 kernels
# and requantization, quantizer and calibration, .npy, TFLite write/read.
QEMU_TESTS='^(test_kernels_ref|test_kernels_ref2|test_shape_infer|test_engine_plan|test_kernels_fast|test_kernels_fast_portable|test_kernels_fast_neon|test_kernels_option|test_int8_fast|test_int8_fast_portable|test_int8_fast_neon|test_ukernels|test_threadpool|test_requant|test_int8_kernels|test_int8_ops_kernels|test_compare_kernels|test_quantize_graph|test_calibrate|test_range_snap|test_equalize|test_npy|test_dataset_unit|test_graph|test_passes|test_fb_builder|test_op_version|test_op_runtime|test_tflite_params|test_tflite_roundtrip|test_reader_built|test_reader_malformed)$'
say "core tests under qemu-aarch64"
(cd "$out" && ctest -R "$QEMU_TESTS" --output-on-failure -j"$jobs")

# ---- 5. the same bytes as the native build -----------------------------------------
"$root/scripts/same-bytes.sh" "$out/npuquant" "qemu-aarch64 -L $sysroot"
say "OK"
