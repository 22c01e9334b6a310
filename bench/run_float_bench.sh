#!/bin/sh
# Float inference speed, npuquant (bench_float, fast kernels, all cores)
# against LiteRT.js (tests/oracles/litert_run.mjs: TFLite's interpreter in
# WebAssembly with XNNPACK), on the same models and the same random input.
#
#   bench/run_float_bench.sh [BUILD_DIR] [RUNS]
#
# BUILD_DIR defaults to ./build (it must contain bench/bench_float); RUNS
# (default 50) timed runs per engine after warm-up. Ours runs twice: on all
# cores (the default session) and on one thread (-t 1), since on a busy
# machine the second core may not be ours to use. Models come from
# $NQ_SHARED_DIR (default: ../shared beside the source tree). Prints one row
# per model and the ratio ours / LiteRT in images/s (target: >= 2), and our
# effective GFLOP/s against this machine's OpenBLAS sgemm ceiling.
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

# The practical peak first, while nothing else of ours runs.
CEIL=$("$BENCH" --ceiling --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["sgemm_ceiling_gflops"])')
echo "sgemm 2048^3 (OpenBLAS, all cores): $CEIL GFLOP/s"
printf '%-36s %8s %8s %9s %10s %10s %10s %7s %7s %8s %6s\n' model ours_ms ours1t_ms litert_ms \
  ours_img/s ours1t_img/s litert_img/s ratio ratio1t GFLOP/s %ceil
for rel in $MODELS; do
  model=$SHARED/models/$rel
  name=$(basename "$rel" .tflite)
  if [ ! -f "$model" ]; then echo "$name: missing, skipped" >&2; continue; fi
  # One random float32 input in [0, 1) of the model's input shape, for both.
  shape=$(node "$ORACLE" --info "$model" | /usr/bin/python3 -c \
    'import json,sys; print(",".join(str(d) for d in json.load(sys.stdin)["inputs"][0]["shape"]))')
  /usr/bin/python3 -c "import numpy as np; np.save('$TMP/in.npy', np.random.default_rng(1).random(($shape,), dtype=np.float32))"
  # npuquant does not use OpenBLAS; keep its idle thread pool out of the way.
  ours=$(OPENBLAS_NUM_THREADS=1 "$BENCH" -n "$RUNS" -w 5 --json --input "$TMP/in.npy" "$model")
  ours1=$(OPENBLAS_NUM_THREADS=1 "$BENCH" -n "$RUNS" -w 5 -t 1 --json --input "$TMP/in.npy" "$model")
  # LiteRT.js absent or failing: the row still shows our figures.
  theirs=$(node "$ORACLE" --repeat "$RUNS" "$model" "$TMP/out" "$TMP/in.npy" | tail -n 1) ||
    theirs='{"median_ms": null}'
  /usr/bin/python3 - "$name" "$ours" "$ours1" "$theirs" "$CEIL" <<'PY'
import json, sys
name = sys.argv[1]
ours, ours1, theirs = (json.loads(a) for a in sys.argv[2:5])
ceil = float(sys.argv[5])
gflops = max(ours["gflops"], ours1["gflops"])
o_ips, o1_ips = ours["images_per_s"], ours1["images_per_s"]
if theirs.get("median_ms"):
    t_ms = "%9.3f" % theirs["median_ms"]
    t_ips = ours["batch"] * 1000.0 / theirs["median_ms"]
    t_col, r, r1 = "%10.1f" % t_ips, "%7.2f" % (o_ips / t_ips), "%7.2f" % (o1_ips / t_ips)
else:
    t_ms, t_col, r, r1 = "%9s" % "n/a", "%10s" % "n/a", "%7s" % "n/a", "%7s" % "n/a"
print("%-36s %8.3f %8.3f %s %10.1f %10.1f %s %s %s %8.2f %5.0f%%" % (
    name, ours["median_ms"], ours1["median_ms"], t_ms, o_ips, o1_ips, t_col, r, r1, gflops,
    100.0 * gflops / ceil))
PY
done
# Timings on a shared machine move with its load; print it beside them.
echo "load average (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
