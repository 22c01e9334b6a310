#!/usr/bin/env bash
# The same conversion must give the same model everywhere: converts the README
# demo model (examples/fashion, calibrated on the demo's 300 Fashion-MNIST
# images) and MLPerf Tiny VWW (../shared, calibrated on the Coral sample
# images) with
#   - the native build's default kernels (AVX2+FMA where the CPU has them),
#   - the native build forced onto the portable kernels (--kernels portable),
#   - TARGET_CLI (run through RUNNER, e.g. "qemu-aarch64 -L SYSROOT"),
# and fails unless all three outputs are byte-identical.
#
#   scripts/same-bytes.sh TARGET_CLI [RUNNER]     (native CLI: build/npuquant)
# VWW needs ../shared (NQ_SHARED_DIR): without it, it is skipped with a
# message, unless CI=true, where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
runner=${2:-}
native=${NQ_NATIVE_CLI:-build/npuquant}
shared=${NQ_SHARED_DIR:-../shared}
say() { printf 'same-bytes: %s\n' "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }
[ -x "$native" ] || fail "$native is not built (cmake --build build)"
[ -e "$target" ] || fail "$target does not exist"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compare NAME MODEL DATA: three conversions, one set of bytes.
compare() {
  local name=$1 model=$2 data=$3
  "$native" convert "$model" -d "$data" -o "$tmp/$name.native.tflite" >/dev/null
  "$native" convert "$model" -d "$data" -o "$tmp/$name.portable.tflite" --kernels portable >/dev/null
  # shellcheck disable=SC2086 # the runner is a command line
  $runner "$target" convert "$model" -d "$data" -o "$tmp/$name.target.tflite" >/dev/null
  cmp "$tmp/$name.native.tflite" "$tmp/$name.portable.tflite" ||
    fail "$name: native default and portable kernels give different models"
  cmp "$tmp/$name.native.tflite" "$tmp/$name.target.tflite" ||
    fail "$name: $target gives a different model than $native"
  say "$name: identical ($(stat -c %s "$tmp/$name.native.tflite") bytes, $(sha256sum <"$tmp/$name.native.tflite" | cut -c1-16))"
}

/usr/bin/python3 examples/fashion/prepare_data.py "$tmp/fashion" --calib 300
compare fashion examples/fashion/fashion_cnn.onnx "$tmp/fashion/calib.npy"

vww=$shared/models/mlperf-tiny-vww/vww_96_float.tflite
if [ ! -f "$vww" ]; then
  [ "${CI:-}" = "true" ] && fail "$vww is missing (CI=true)"
  say "skipping VWW: $vww is absent (set NQ_SHARED_DIR)"
  exit 0
fi
/usr/bin/python3 - "$shared/data/coral-images" "$tmp/vww.npy" <<'PY'
import glob, sys
import numpy as np
from PIL import Image
# The Coral sample pictures, 96x96 RGB in [0, 1]: decoded once, here, so both
# builds read the very same floats.
files = sorted(glob.glob(sys.argv[1] + "/*.bmp"))
if not files:
    sys.exit("no .bmp images in " + sys.argv[1])
x = np.stack([np.asarray(Image.open(f).convert("RGB").resize((96, 96), Image.BILINEAR), np.float32) / 255.0
              for f in files])
np.save(sys.argv[2], x)
PY
compare vww "$vww" "$tmp/vww.npy"
