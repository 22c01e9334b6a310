#!/usr/bin/env bash
# Records the npm oracles' answers (LiteRT.js, onnxruntime-node) for the tests that
# run them on models and inputs they build themselves, so that a clone without node,
# the npm packages or ../shared replays them (tests/oracles/recorded_run.py; answers in
# tests/golden/recorded, each with its provenance line). Run it after a change that
# alters those models or inputs: a replay whose model or input bytes changed misses,
# and the test then skips on such a clone (never passes on a stale answer).
#
#   scripts/record-oracles.sh [BUILD_DIR]     (default: build)
#
# The tests run with ../shared hidden (NQ_SHARED_DIR pointed nowhere, restored at the
# end), so they build exactly the inputs a clean clone builds. Old answers are removed
# first. Needs scripts/setup.sh's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
jobs=${JOBS:-2}
TESTS='^(writer_oracle_roundtrip|onnx_real_models|oracle_facts_resnet8|oracle_python_api|onnx_torchvision_a|onnx_torchvision_b|float_oracle|cli_run_vs_litert|quant_io_types|quant_convert_all|float_op_oracle|int8_ops_oracle_litert|int8_exact_litert|int8_ops_quantized_litert|onnx_conv1d_int8_litert|onnx_pad_sentinel|tf_ops_int8_litert|passes_formats|writer_tflite_version|writer_tflite_version_vww|oracle_vww_float|oracle_vww_int8|oracle_resnet8_int8|oracle_mobilenet_uint8|oracle_litert_signature_order|oracle_ort_mnist|keras_int8_litert|onnx_channel_shuffle|onnx_transformer_block|onnx_select_ops|python_pip_install|onnx_compare_ops|onnx_float_tail|reader_detection_postprocess|int16_ops_oracle_litert|quant_int16|quant_split_weights|onnx_split_outputs)$'
say() { printf 'record-oracles: %s\n' "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }
for p in @litertjs/core onnxruntime-node; do
  [ -f "tests/oracles/node_modules/$p/package.json" ] || fail "npm package $p is not installed (scripts/setup.sh)"
done
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
shared=$(sed -n 's/^NQ_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")
trap 'cmake -S . -B "$build" -DNQ_SHARED_DIR="$shared" >/dev/null' EXIT
cmake -S . -B "$build" -DNQ_SHARED_DIR=/nonexistent/shared-hidden-while-recording >/dev/null
cmake --build "$build" -j"$jobs" >/dev/null
find tests/golden/recorded -name '*.npz' -delete 2>/dev/null || true
(cd "$build" && env -u CI NQ_ORACLE_RECORD=1 ctest -R "$TESTS" -j"$jobs" --output-on-failure)
say "$(find tests/golden/recorded -name '*.npz' | wc -l) answers, $(du -sh tests/golden/recorded | cut -f1)"
