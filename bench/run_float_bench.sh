#!/bin/sh
# Float inference speed, npuquant (bench_float, fast kernels, all cores)
# against LiteRT.js (tests/oracles/litert_run.mjs: TFLite's interpreter in
# WebAssembly with XNNPACK), on the same models and the same random input.
#
#   bench/run_float_bench.sh [BUILD_DIR] [RUNS]
#
# BUILD_DIR defaults to ./build (it must contain bench/bench_float); RUNS
# (default 50) timed runs per engine after warm-up. Models come from
# $NQ_SHARED_DIR (default: ../shared beside the source tree). Prints one row
# per model and the ratio ours / LiteRT in images/s (target: >= 2), then the
# OpenBLAS sgemm ceiling of this machine.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
RUNS=${2:-50}
SHARED=${NQ_SHARED_DIR:-$SRC/../shared}
BENCH=$BUILD/bench/bench_float
ORACLE=$SRC/tests/oracles/litert_run.mjs
[ -x "$BENCH" ] || { echo "run_float_bench: $BENCH not built" >&2; exit 1; }
[ -d "$SHARED/models" ] || { echo "run_float_bench: no models in $SHARED" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

MODELS="mlperf-tiny-vww/vww_96_float.tflite
mlperf-tiny-ic-resnet8/pretrainedResnet.tflite
tfls-mobilenet_v1_0.25_224/mobilenet_v1_0.25_224_1_default_1.tflite
tfls-deeplabv3/deeplabv3.tflite"

printf '%-42s %9s %9s %10s %10s %7s %8s\n' model ours_ms litert_ms ours_img/s litert_img/s ratio GFLOP/s
for rel in $MODELS; do
  model=$SHARED/models/$rel
  name=$(basename "$rel" .tflite)
  if [ ! -f "$model" ]; then echo "$name: missing, skipped" >&2; continue; fi
  # One random float32 input in [0, 1) of the model's input shape, for both.
  shape=$(node "$ORACLE" --info "$model" | /usr/bin/python3 -c \
    'import json,sys; print(",".join(str(d) for d in json.load(sys.stdin)["inputs"][0]["shape"]))')
  /usr/bin/python3 -c "import numpy as np; np.save('$TMP/in.npy', np.random.default_rng(1).random(($shape,), dtype=np.float32))"
  ours=$("$BENCH" -n "$RUNS" -w 5 --json --input "$TMP/in.npy" "$model")
  theirs=$(node "$ORACLE" --repeat "$RUNS" "$model" "$TMP/out" "$TMP/in.npy" | tail -n 1)
  /usr/bin/python3 - "$name" "$ours" "$theirs" <<'PY'
import json, sys
name, ours, theirs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
batch = ours["batch"]
o_ips = ours["images_per_s"]
t_ips = batch * 1000.0 / theirs["median_ms"]
print("%-42s %9.3f %9.3f %10.1f %10.1f %7.2f %8.2f" % (name, ours["median_ms"], theirs["median_ms"],
      o_ips, t_ips, o_ips / t_ips, ours["gflops"]))
PY
done
"$BENCH" -n 3 -w 1 --ceiling "$SHARED/models/mlperf-tiny-vww/vww_96_float.tflite" | grep sgemm
