#!/bin/sh
# The `convert` figure of issue 12: torchvision resnet50 (ONNX opset 13,
# exported by bench/export_torchvision.py, random weights) converted with
# SAMPLES calibration samples (standard normal, fixed seed) and the default
# (automatic) recipe. Prints the wall time, the CPU time (user + system:
# what the conversion costs, whatever else the machine runs), the peak
# memory (/usr/bin/time), the phases convert reports and the load average.
#
#   bench/run_convert_bench.sh [BUILD_DIR] [THREADS] [SAMPLES] [NET]
#
# BUILD_DIR defaults to ./build (exported models are cached in
# BUILD_DIR/bench_models), THREADS to 2, SAMPLES to 200, NET to resnet50.
# Nothing is asserted: on a shared machine the wall time moves with the
# load, so read it beside the CPU time and the load average.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
THREADS=${2:-2}
SAMPLES=${3:-200}
NET=${4:-resnet50}
CLI=$BUILD/npuquant
PY=/usr/bin/python3
[ -x "$CLI" ] || { echo "run_convert_bench: $CLI not built" >&2; exit 1; }
MODELS=$BUILD/bench_models
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
$PY "$SRC/bench/export_torchvision.py" "$MODELS" "$NET"
$PY -c "import numpy as np; np.save('$TMP/calib.npy', np.random.default_rng(3).standard_normal(($SAMPLES,1,3,224,224)).astype(np.float32))"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/time -f '%e %U %S %M' -o "$TMP/time" "$CLI" convert "$MODELS/$NET.onnx" -d "$TMP/calib.npy" \
  --threads "$THREADS" -o "$TMP/${NET}_int8.tflite" >"$TMP/convert.log" 2>&1 ||
  { echo "convert $NET failed:" >&2; tail -n 3 "$TMP/convert.log" >&2; exit 1; }
read -r secs user sys kb <"$TMP/time"
cpu=$($PY -c "print('%.1f' % ($user + $sys))")
echo "convert $NET.onnx, $SAMPLES calibration samples, default recipe, $THREADS threads: $secs s wall, $cpu s CPU (user+sys), peak memory $((kb / 1024)) MiB"
sed -n -e 's/^ *time *\(load .*\)/  phases: \1/p' -e 's/^ *recipe *\(.*chosen automatically in [0-9.]* s\).*/  recipe: \1/p' "$TMP/convert.log"
# the candidates' table: name, validation SQNR, top-1, seconds (* = chosen)
grep -E '^ +\*? +[a-z][a-z+-]* +[-0-9.]+ dB +[0-9]+/[0-9]+ +[0-9.]+ s$' "$TMP/convert.log" | sed 's/^/  /' || true
# Timings on a shared machine move with its load; print it beside them.
echo "load average (1/5/15 min) before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
