#!/bin/sh
# The speed table of issue 12, from a fresh build, every ratio measured in
# the same run:
#   1. float: npuquant (`run --repeat`, fast kernels) against
#      onnxruntime-node (tests/oracles/ort_run.mjs), both with THREADS
#      threads, on five torchvision nets exported to ONNX opset 13
#      (bench/export_torchvision.py, random weights, 1x3x224x224);
#   2. int8: npuquant with THREADS threads (single rounding, what LiteRT
#      runs) against LiteRT.js with one thread (tests/oracles/litert_run.mjs),
#      on VWW int8 and ResNet8 int8 from $NQ_SHARED_DIR and on our own int8
#      mobilenet_v2 and mobilenet_v3_small (converted here from the ONNX
#      files), with a column saying whether both outputs are bit-identical;
#   3. `convert` of resnet50 with 200 calibration samples: wall and CPU
#      time and peak memory (bench/run_convert_bench.sh).
#
#   bench/run_speed_table.sh [BUILD_DIR] [RUNS] [ROUNDS] [THREADS]
#
# BUILD_DIR defaults to ./build (it must contain npuquant; exported models
# are cached in BUILD_DIR/bench_models). Each engine runs RUNS (default 30)
# timed inferences after a warm-up, and the two engines alternate ROUNDS
# times (default 3) per model; each engine's figure is the median of its
# round medians, so a burst of load from elsewhere hits both. Ratios are
# "their ms / our ms": above 1 means we are faster. No threshold is
# asserted: the table reports, tests check correctness.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RUNS=${2:-30}
ROUNDS=${3:-3}
THREADS=${4:-2}
SHARED=${NQ_SHARED_DIR:-$SRC/../shared}
CLI=$BUILD/npuquant
ORT=$SRC/tests/oracles/ort_run.mjs
LITERT=$SRC/tests/oracles/litert_run.mjs
PY=/usr/bin/python3
[ -x "$CLI" ] || { echo "run_speed_table: $CLI not built" >&2; exit 1; }
MODELS=$BUILD/bench_models
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
NETS="mobilenet_v2 resnet18 resnet50 efficientnet_b0 mobilenet_v3_small"
$PY "$SRC/bench/export_torchvision.py" "$MODELS" $NETS

median_ms() { sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }
json_median() { $PY -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])["median_ms"])'; }
# median of the numbers on stdin, one a line
med() { $PY -c 'import sys,statistics; v=[float(x) for x in sys.stdin.read().split()]; print(statistics.median(v) if v else "nan")'; }
same() { $PY -c 'import sys,numpy as np; print("yes" if np.array_equal(np.load(sys.argv[1]), np.load(sys.argv[2])) else "NO")' "$1" "$2"; }

$PY -c "import numpy as np; np.save('$TMP/x224.npy', np.random.default_rng(1).standard_normal((1,3,224,224)).astype(np.float32))"

echo "float, $THREADS threads each: npuquant vs onnxruntime-node (median ms of $ROUNDS interleaved rounds of $RUNS runs)"
printf '%-20s %10s %10s %8s\n' model ours_ms ort_ms ort/ours
for net in $NETS; do
  : >"$TMP/o"; : >"$TMP/t"
  r=0
  while [ $r -lt "$ROUNDS" ]; do
    "$CLI" run "$MODELS/$net.onnx" -i "$TMP/x224.npy" -o "$TMP/fo" --repeat "$RUNS" --threads "$THREADS" 2>&1 | median_ms >>"$TMP/o"
    node "$ORT" --repeat "$RUNS" --threads "$THREADS" "$MODELS/$net.onnx" "$TMP/fr" "$TMP/x224.npy" | json_median >>"$TMP/t"
    r=$((r + 1))
  done
  o=$(med <"$TMP/o"); t=$(med <"$TMP/t")
  $PY -c 'import sys; n,o,t=sys.argv[1],float(sys.argv[2]),float(sys.argv[3]); print("%-20s %10.2f %10.2f %8.2f" % (n,o,t,t/o))' "$net" "$o" "$t"
done

# Our own int8 nets: calibrated on 8 photos of $SHARED/data with ImageNet's
# normalisation (the figures are about speed; the accuracy line is ignored).
for net in mobilenet_v2 mobilenet_v3_small; do
  if [ ! -f "$MODELS/${net}_int8.tflite" ]; then
    "$CLI" convert "$MODELS/$net.onnx" -d "$SHARED/data/coral-images" --samples 8 --range 0..1 --channels-first \
      --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --quiet -o "$MODELS/${net}_int8.tflite" >/dev/null
  fi
done
echo
echo "int8: npuquant $THREADS threads (single rounding) vs LiteRT.js 1 thread"
printf '%-28s %10s %10s %8s %10s\n' model ours_ms litert_ms lrt/ours identical
for m in "$SHARED/models/mlperf-tiny-vww/vww_96_int8.tflite" \
  "$SHARED/models/mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite" \
  "$MODELS/mobilenet_v2_int8.tflite" "$MODELS/mobilenet_v3_small_int8.tflite"; do
  name=$(basename "$m" .tflite)
  if [ ! -f "$m" ]; then echo "$name: missing, skipped" >&2; continue; fi
  "$CLI" inspect --json "$m" | $PY -c '
import json, sys, numpy as np
t = json.load(sys.stdin)["inputs"][0]
dt = {"int8": np.int8, "uint8": np.uint8, "float32": np.float32}[t["type"]]
rng = np.random.default_rng(1)
x = rng.integers(np.iinfo(dt).min, np.iinfo(dt).max + 1, t["shape"]).astype(dt) if dt != np.float32 else rng.random(t["shape"], dtype=np.float32)
np.save(sys.argv[1], x)' "$TMP/q.npy"
  : >"$TMP/o"; : >"$TMP/t"
  r=0
  while [ $r -lt "$ROUNDS" ]; do
    "$CLI" run "$m" -i "$TMP/q.npy" -o "$TMP/qo" --single-rounding --repeat "$RUNS" --threads "$THREADS" 2>&1 | median_ms >>"$TMP/o"
    node "$LITERT" --repeat "$RUNS" "$m" "$TMP/qr" "$TMP/q.npy" 2>/dev/null | json_median >>"$TMP/t"
    r=$((r + 1))
  done
  o=$(med <"$TMP/o"); t=$(med <"$TMP/t")
  id=$(same "$TMP/qo.out0.npy" "$TMP/qr.out0.npy")
  $PY -c 'import sys; n,o,t=sys.argv[1],float(sys.argv[2]),float(sys.argv[3]); print("%-28s %10.2f %10.2f %8.2f %10s" % (n,o,t,t/o,sys.argv[4]))' "$name" "$o" "$t" "$id"
done

echo
"$SRC/bench/run_convert_bench.sh" "$BUILD" "$THREADS" 200 resnet50
# Timings on a shared machine move with its load; print it beside them.
echo "load average (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
