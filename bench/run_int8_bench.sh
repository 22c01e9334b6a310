#!/bin/sh
# int8 inference speed, npuquant's executor (`npuquant run --repeat`, fast
# int8 kernels, all cores, and the reference kernels for scale) against
# LiteRT.js (tests/oracles/litert_run.mjs: TFLite in WebAssembly, XNNPACK, one
# thread), on TensorFlow's own int8/uint8 models and the same random input.
#
#   bench/run_int8_bench.sh [BUILD_DIR] [RUNS]
#
# BUILD_DIR defaults to ./build (it must contain npuquant); RUNS (default 30)
# timed runs per engine after warm-up. Models come from $NQ_SHARED_DIR
# (default: ../shared beside the source tree). Both engines are timed in the
# same run, one after the other per model, so the ratio (LiteRT ms / ours ms:
# above 1 means we are faster) holds on a busy machine better than either
# time alone. Ours runs in single-rounding mode, the arithmetic LiteRT uses.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RUNS=${2:-30}
SHARED=${NQ_SHARED_DIR:-$SRC/../shared}
CLI=$BUILD/npuquant
ORACLE=$SRC/tests/oracles/litert_run.mjs
[ -x "$CLI" ] || { echo "run_int8_bench: $CLI not built" >&2; exit 1; }
[ -d "$SHARED/models" ] || { echo "run_int8_bench: no models in $SHARED" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

MODELS="mlperf-tiny-vww/vww_96_int8.tflite
mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite
tfls-mobilenet_v1_0.25_224/mobilenet_v1_0.25_224_quant.tflite
coral-int8-ptq/tf2_mobilenet_v2_1.0_224_ptq.tflite"

median_ms() { sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }

printf '%-40s %10s %10s %10s %8s %8s\n' model ref_ms ours_ms litert_ms ours/ref litert/ours
for rel in $MODELS; do
  model=$SHARED/models/$rel
  name=$(basename "$rel" .tflite)
  if [ ! -f "$model" ]; then echo "$name: missing, skipped" >&2; continue; fi
  # One random input of the model's own type and shape.
  "$CLI" inspect --json "$model" | /usr/bin/python3 -c '
import json, sys, numpy as np
t = json.load(sys.stdin)["inputs"][0]
dt = {"int8": np.int8, "uint8": np.uint8, "float32": np.float32}[t["type"]]
rng = np.random.default_rng(1)
x = rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1, t["shape"]).astype(dt) if dt != np.float32 else rng.random(t["shape"], dtype=np.float32)
np.save(sys.argv[1], x)' "$TMP/in.npy"
  ref=$("$CLI" run "$model" -i "$TMP/in.npy" -o "$TMP/r" --single-rounding --reference --repeat 3 2>&1 | median_ms)
  ours=$("$CLI" run "$model" -i "$TMP/in.npy" -o "$TMP/o" --single-rounding --repeat "$RUNS" 2>&1 | median_ms)
  theirs=$(node "$ORACLE" --repeat "$RUNS" "$model" "$TMP/l" "$TMP/in.npy" 2>/dev/null | tail -n 1 |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])') || theirs=nan
  /usr/bin/python3 -c '
import sys
name, ref, ours, theirs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print("%-40s %10.2f %10.2f %10.2f %8.1f %8.2f" % (name, ref, ours, theirs, ref / ours, theirs / ours))' \
    "$name" "$ref" "$ours" "$theirs"
done
