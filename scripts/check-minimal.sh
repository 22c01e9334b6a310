#!/usr/bin/env bash
# The core build: every optional frontend and library off (NQ_WITH_*=OFF, no
# bench/). It must link only libc, libm and pthreads, convert a float .tflite
# with .npy calibration data to the very bytes the full build writes, and
# refuse an ONNX model with a message naming the missing frontend.
#
#   scripts/check-minimal.sh [FULL_CLI]    # FULL_CLI defaults to build/npuquant
set -euo pipefail
cd "$(dirname "$0")/.."
full_cli=${1:-build/npuquant}
dir=build-minimal
jobs=$(nproc 2>/dev/null || echo 2)
fail() { echo "check-minimal: FAIL: $*" >&2; exit 1; }

echo "== Core-only build in $dir (every NQ_WITH_* off)"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DNQ_WITH_KERAS=OFF -DNQ_WITH_ONNX=OFF \
  -DNQ_WITH_TENSORFLOW=OFF -DNQ_WITH_IMAGES=OFF -DNQ_WITH_ZLIB=OFF -DNQ_BUILD_BENCH=OFF \
  -DNQ_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$dir" -j"$jobs" --target npuquant npuquant_shared npuquant_static >/dev/null
cli=$dir/npuquant

# Only the C runtime: libc, libm, libpthread (merged into libc since glibc 2.34) and the loader.
for f in "$cli" "$dir"/libnpuquant.so; do
  extra=$(readelf -d "$f" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' |
          grep -v -E '^(libc|libm|libpthread)\.so\.[0-9]+$|^ld-linux' || true)
  [ -z "$extra" ] || fail "$f links more than libc/libm/pthreads: $extra"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp/calib.npy" <<'PY'
import sys, numpy as np
# 64 Fashion-MNIST-shaped samples in [0, 1): any fixed data shows the two builds agree.
np.save(sys.argv[1], np.random.default_rng(15).random((64, 28, 28, 1), dtype=np.float32))
PY
model=examples/fashion/fashion_cnn.tflite
"$cli" convert "$model" -d "$tmp/calib.npy" -o "$tmp/core.tflite" >/dev/null
"$cli" inspect "$tmp/core.tflite" | grep -q 'int8 .*\[1, 28, 28, 1\]' || fail "the core build's output has no int8 input"
if [ -x "$full_cli" ]; then
  "$full_cli" convert "$model" -d "$tmp/calib.npy" -o "$tmp/full.tflite" >/dev/null
  cmp "$tmp/core.tflite" "$tmp/full.tflite" || fail "core and full builds write different bytes for $model"
  echo "core build output equals the full build's ($(stat -c %s "$tmp/core.tflite") bytes)"
else
  echo "($full_cli not built: the byte comparison with the full build is skipped)"
fi

# .npz without zlib: stored members (np.savez) are read, CRC-32 checked, to the same
# model; deflated ones (np.savez_compressed) are refused with the option to turn on.
/usr/bin/python3 -c 'import sys, numpy as np; x = np.load(sys.argv[1]); np.savez(sys.argv[2], x=x); np.savez_compressed(sys.argv[3], x=x)' \
  "$tmp/calib.npy" "$tmp/stored.npz" "$tmp/deflated.npz"
"$cli" convert "$model" -d "$tmp/stored.npz" -o "$tmp/npz.tflite" >/dev/null
cmp "$tmp/core.tflite" "$tmp/npz.tflite" || fail "a stored .npz converts differently from the same .npy"
if "$cli" convert "$model" -d "$tmp/deflated.npz" -o "$tmp/z.tflite" 2>"$tmp/err" >/dev/null; then
  fail "the core build read a deflated .npz member without zlib"
fi
grep -q 'NQ_WITH_ZLIB' "$tmp/err" || fail "unexpected message for a deflated .npz: $(cat "$tmp/err")"

# A left-out frontend is named, not a crash or a generic refusal.
if "$cli" convert examples/fashion/fashion_cnn.onnx -d "$tmp/calib.npy" -o "$tmp/x.tflite" 2>"$tmp/err"; then
  fail "the core build converted an ONNX model"
fi
grep -q 'configured without the frontends for ONNX' "$tmp/err" || fail "unexpected message: $(cat "$tmp/err")"
[ ! -e "$tmp/x.tflite" ] || fail "a refused conversion left $tmp/x.tflite behind"
# cmake --install with DESTDIR (as Yocto's cmake class runs it) and a program
# built from the installed header and npuquant.pc alone.
DESTDIR=$tmp/root cmake --install "$dir" >/dev/null
pc=$(find "$tmp/root" -name npuquant.pc)
[ -n "$pc" ] || fail "cmake --install wrote no npuquant.pc"
cat >"$tmp/use.c" <<'C'
#include <npuquant.h>
#include <stdio.h>
int main(int argc, char **argv) {
  nq_model *m;
  nq_error e;
  if (argc < 2 || nq_model_load(argv[1], &m, &e) != NQ_OK) return 1;
  printf("%d\n", nq_model_num_inputs(m));
  nq_model_free(m);
  return 0;
}
C
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -std=c11 "$tmp/use.c" -o "$tmp/use" $(PKG_CONFIG_SYSROOT_DIR="$tmp/root" \
  PKG_CONFIG_LIBDIR="$(dirname "$pc")" pkg-config --cflags --libs npuquant)
[ "$(LD_LIBRARY_PATH="$(dirname "$(dirname "$pc")")" "$tmp/use" "$model")" = 1 ] ||
  fail "a program built with the installed npuquant.pc does not load $model"
# cmake --install --prefix DIR relocates at install time: the .pc must name DIR
# (not the configure-time prefix), so a program builds and runs from it alone.
cmake --install "$dir" --prefix "$tmp/moved" >/dev/null
pc=$(find "$tmp/moved" -name npuquant.pc)
[ -n "$pc" ] || fail "cmake --install --prefix wrote no npuquant.pc"
libdir=$(PKG_CONFIG_LIBDIR="$(dirname "$pc")" pkg-config --variable=libdir npuquant)
[ "$libdir" = "$(dirname "$(dirname "$pc")")" ] || fail "npuquant.pc names libdir $libdir, installed in $(dirname "$(dirname "$pc")")"
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -std=c11 "$tmp/use.c" -o "$tmp/use2" $(PKG_CONFIG_LIBDIR="$(dirname "$pc")" pkg-config --cflags --libs npuquant)
[ "$(LD_LIBRARY_PATH="$libdir" "$tmp/use2" "$model")" = 1 ] ||
  fail "a program built with npuquant.pc after --prefix does not load $model"
echo "check-minimal: OK"
