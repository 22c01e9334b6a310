#!/bin/sh
# int8 inference speed, npuquant's executor (`npuquant run --repeat`, fast
# int8 kernels, THREADS threads, and the reference kernels for scale) against
# LiteRT.js (tests/oracles/litert_run.mjs: TFLite in WebAssembly, XNNPACK, one
# thread), on TensorFlow's own int8/uint8 models, and on our own int8
# mobilenet_v2 / mobilenet_v3_small when BUILD_DIR/bench_models holds them
# (bench/run_speed_table.sh converts them), all on the same random input.
#
#   bench/run_int8_bench.sh [BUILD_DIR] [RUNS] [ROUNDS] [THREADS]
#
# BUILD_DIR defaults to ./build (it must contain npuquant); RUNS (default 30)
# timed runs per engine after warm-up; the two engines alternate ROUNDS
# times (default 3) per model and each figure is the median of its round
# medians, so a burst of load from elsewhere hits both; THREADS (default 2)
# for ours. Models come from $NQ_SHARED_DIR (default: ../shared beside the
# source tree). The ratio is LiteRT ms / ours ms (above 1: we are faster);
# "identical" compares both engines' output bytes. Ours runs in
# single-rounding mode, the arithmetic LiteRT uses.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RUNS=${2:-30}
ROUNDS=${3:-3}
THREADS=${4:-2}
SHARED=${NQ_SHARED_DIR:-$SRC/../shared}
CLI=$BUILD/npuquant
ORACLE=$SRC/tests/oracles/litert_run.mjs
PY=/usr/bin/python3
[ -x "$CLI" ] || { echo "run_int8_bench: $CLI not built" >&2; exit 1; }
[ -d "$SHARED/models" ] || { echo "run_int8_bench: no models in $SHARED" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

MODELS="$SHARED/models/mlperf-tiny-vww/vww_96_int8.tflite
$SHARED/models/mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite
$SHARED/models/tfls-mobilenet_v1_0.25_224/mobilenet_v1_0.25_224_quant.tflite
$SHARED/models/coral-int8-ptq/tf2_mobilenet_v2_1.0_224_ptq.tflite
$BUILD/bench_models/mobilenet_v2_int8.tflite
$BUILD/bench_models/mobilenet_v3_small_int8.tflite"

median_ms() { sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }
json_median() { $PY -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["median_ms"])'; }
med() { $PY -c 'import sys,statistics; v=[float(x) for x in sys.stdin.read().split()]; print(statistics.median(v) if v else "nan")'; }
same() { $PY -c 'import sys,numpy as np; print("yes" if np.array_equal(np.load(sys.argv[1]), np.load(sys.argv[2])) else "NO")' "$1" "$2"; }

echo "int8: npuquant $THREADS threads (single rounding) vs LiteRT.js 1 thread (median ms of $ROUNDS interleaved rounds of $RUNS runs)"
printf '%-36s %10s %10s %10s %8s %8s %10s\n' model ref_ms ours_ms litert_ms ours/ref lrt/ours identical
for model in $MODELS; do
  name=$(basename "$model" .tflite)
  if [ ! -f "$model" ]; then echo "$name: missing, skipped" >&2; continue; fi
  # One random input of the model's own type and shape.
  "$CLI" inspect --json "$model" | $PY -c '
import json, sys, numpy as np
t = json.load(sys.stdin)["inputs"][0]
dt = {"int8": np.int8, "uint8": np.uint8, "float32": np.float32}[t["type"]]
rng = np.random.default_rng(1)
x = rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1, t["shape"]).astype(dt) if dt != np.float32 else rng.random(t["shape"], dtype=np.float32)
np.save(sys.argv[1], x)' "$TMP/in.npy"
  ref=$("$CLI" run "$model" -i "$TMP/in.npy" -o "$TMP/r" --single-rounding --reference --repeat 3 2>&1 | median_ms)
  : >"$TMP/o"; : >"$TMP/t"
  r=0
  while [ $r -lt "$ROUNDS" ]; do
    "$CLI" run "$model" -i "$TMP/in.npy" -o "$TMP/ours" --single-rounding --repeat "$RUNS" --threads "$THREADS" 2>&1 | median_ms >>"$TMP/o"
    node "$ORACLE" --repeat "$RUNS" "$model" "$TMP/l" "$TMP/in.npy" 2>/dev/null | json_median >>"$TMP/t" || echo nan >>"$TMP/t"
    r=$((r + 1))
  done
  ours=$(med <"$TMP/o"); theirs=$(med <"$TMP/t")
  id=$(same "$TMP/ours.out0.npy" "$TMP/l.out0.npy" 2>/dev/null || echo "?")
  $PY -c '
import sys
name, ref, ours, theirs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print("%-36s %10.2f %10.2f %10.2f %8.1f %8.2f %10s" % (name, ref, ours, theirs, ref / ours, theirs / ours, sys.argv[5]))' \
    "$name" "$ref" "$ours" "$theirs" "$id"
done
echo "load average (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
