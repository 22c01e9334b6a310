#!/usr/bin/python3
"""`npuquant inspect/convert --npu T` on real models, against facts that do not come
from npuquant:

- tflm-person_detect: person_detect_vela.tflite is person_detect.tflite after Vela.
  Read with tests/oracles/tflite_facts.py (an independent flatbuffer reader) it holds one
  operator, the ethos-u custom op: Vela put every node on the NPU. So the ethos-u report
  on person_detect.tflite must find no fallback.
- The documented op lists, typed here from the sources (Vela 3.6.1 SUPPORTED_OPS.md,
  "TFLite Summary Table"; coral.ai/docs/edgetpu/models-intro "Supported operations"):
  every node whose op is not listed must fall back, counted per op with tflite_facts.
  This runs on the shared int8 models and on one-op int8 models (one per integer
  kernel) written by tests/int8's nq_make_op_models.
- The Edge TPU compiler maps one segment: the CPU nodes form a tail of the graph
  (boundary QUANTIZE/DEQUANTIZE aside).
- Float models run on no int8 NPU: every node falls back, for float compute.
- The CLI: text and --json for each target, the unknown-target error, convert --npu,
  help texts and docs/cli.md naming the targets.

    test_npu_models.py shared    sections 1-2 and 4-5 on ../shared's models
    test_npu_models.py own       sections 3 and 6, and 4-5 on the committed Fashion-MNIST
                                 float network and the golden int8 net_small_cnn (runs on
                                 a clean clone: a missing ../shared never hides them)
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

PART = sys.argv[1] if len(sys.argv) == 2 and sys.argv[1] in ("shared", "own") else None
if PART is None:
    print("usage: test_npu_models.py shared|own")
    sys.exit(2)
T = oracles.Checks("npu_report_models_" + PART)
TARGETS = ["imx8mp", "ethos-u", "edgetpu"]

VELA_OPS = set("""ABS ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D EXPAND_DIMS
FULLY_CONNECTED HARD_SWISH LEAKY_RELU LOGISTIC MAXIMUM MAX_POOL_2D MEAN MINIMUM MUL PACK PAD PRELU
QUANTIZE RELU RELU6 RELU_N1_TO_1 RESHAPE RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR SHAPE SLICE SOFTMAX
SPLIT SPLIT_V SQUEEZE STRIDED_SLICE SUB TANH TRANSPOSE_CONV UNPACK""".split())
EDGETPU_OPS = set("""ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D EXPAND_DIMS
FULLY_CONNECTED L2_NORMALIZATION LOGISTIC UNIDIRECTIONAL_SEQUENCE_LSTM MAXIMUM MAX_POOL_2D MEAN
MINIMUM MUL PACK PAD PRELU QUANTIZE REDUCE_MAX REDUCE_MIN RELU RELU6 RELU_N1_TO_1 RESHAPE
RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR RSQRT SLICE SOFTMAX SPACE_TO_DEPTH SPLIT SQUEEZE
STRIDED_SLICE SUB SUM SQUARED_DIFFERENCE TANH TRANSPOSE TRANSPOSE_CONV""".split())
DOC_OPS = {"ethos-u": VELA_OPS, "edgetpu": EDGETPU_OPS}


def op_counts(fa):
    counts = {}
    for o in fa["ops"]:
        counts[o["op"]] = counts.get(o["op"], 0) + o["count"]
    return counts


def npu_json(path, target):
    r = oracles.cli("inspect", path, "--json", "--npu", target)
    if not T.check(r.returncode == 0, "inspect %s --npu %s: exit %d %r" % (path, target, r.returncode, r.stderr)):
        return None
    return json.loads(r.stdout).get("npu")


def check_doc_lists(path, fa, target, npu):
    """Every node of an op the target's documents do not list falls back, per op count."""
    name = os.path.basename(path)
    counts = op_counts(fa)
    fb = [f for f in npu["findings"] if f["cpu_fallback"]]
    for op, n in counts.items():
        got = sum(1 for f in fb if f.get("op") == op)
        if op not in DOC_OPS[target]:
            T.check(got == n, "%s %s: %d %s nodes (not in the documented list), %d reported on the CPU"
                    % (name, target, n, op, got))
            T.check(all("not supported" in f["reason"] for f in fb if f.get("op") == op and target == "ethos-u"),
                    "%s %s: unlisted %s reason names the op list" % (name, target, op))
        else:
            # A listed op may fall back for a constraint, never for "not supported".
            T.check(not any(f.get("op") == op and "op not supported" in f["reason"] for f in fb),
                    "%s %s: listed op %s reported as unsupported" % (name, target, op))


def check_edgetpu_tail(path, npu):
    fb = sorted(f["node"] for f in npu["findings"] if f["cpu_fallback"]
                and f.get("op") not in ("QUANTIZE", "DEQUANTIZE"))
    if not fb:
        return
    cut = fb[0]
    on_cpu = {f["node"] for f in npu["findings"] if f["cpu_fallback"]}
    T.check(all(i in on_cpu for i in range(cut, npu["nodes"])),
            "%s edgetpu: the CPU nodes are not the tail from node %d" % (os.path.basename(path), cut))
    T.check(any(f["node"] == -1 and ("ends at node %d " % cut) in f["reason"] for f in npu["findings"]),
            "%s edgetpu: no note that the segment ends at node %d" % (os.path.basename(path), cut))


def shared_models():
    # 1. person_detect and its Vela-compiled twin.
    pd = oracles.model("tflm-person_detect/person_detect.tflite")
    pdv = oracles.model("tflm-person_detect/person_detect_vela.tflite")
    vf = oracles.tflite_facts(pdv)
    T.check(vf["num_operators"] == 1 and op_counts(vf) == {"CUSTOM:ethos-u": 1},
            "person_detect_vela.tflite is one ethos-u custom op: %s" % vf["ops"])
    pf = oracles.tflite_facts(pd)
    npu = npu_json(pd, "ethos-u")
    if npu:
        T.check(npu["target"] == "ethos-u" and npu["nodes"] == pf["num_operators"],
                "person_detect ethos-u: %d nodes reported, the file has %d" % (npu["nodes"], pf["num_operators"]))
        T.check(npu["cpu_fallback_nodes"] == 0 and npu["findings"] == [],
                "person_detect: Vela ran every node on the NPU, our report says %s" % npu["findings"])
    T.check(set(op_counts(pf)) <= VELA_OPS, "person_detect's ops are all in Vela's list")

    # 2. Shared int8 models: documented op lists, and the Edge TPU tail.
    INT8 = ["mlperf-tiny-vww/vww_96_int8.tflite", "mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite",
            "mobilenet_v1_0.25_128/mobilenet_v1_0.25_128_quant.tflite", "mlperf-tiny-kws/kws_ref_model.tflite",
            "mlperf-tiny-ad/ad01_int8.tflite", "coral-int8-ptq/mobilenet_v1_0.5_160_quant.tflite",
            "coral-int8-ptq/tf2_mobilenet_v2_1.0_224_ptq.tflite", "coral-int8-ptq/deeplabv3_mnv2_dm05_pascal_quant.tflite"]
    for rel in INT8:
        path = oracles.model(rel)
        fa = oracles.tflite_facts(path)
        for target in ["ethos-u", "edgetpu"]:
            npu = npu_json(path, target)
            if not npu:
                continue
            T.check(npu["nodes"] == fa["num_operators"], "%s %s: node count" % (rel, target))
            check_doc_lists(path, fa, target, npu)
            if target == "edgetpu":
                check_edgetpu_tail(path, npu)

    # Coral publishes these two compiled for the Edge TPU from exactly these files (their
    # test_data *_edgetpu.tflite twins): nothing may fall back.
    for rel in ["coral-int8-ptq/mobilenet_v1_0.5_160_quant.tflite", "coral-int8-ptq/tf2_mobilenet_v2_1.0_224_ptq.tflite"]:
        npu = npu_json(oracles.model(rel), "edgetpu")
        T.check(npu and npu["cpu_fallback_nodes"] == 0, "%s: edgetpu fallbacks %s" % (rel, npu and npu["findings"]))
    # deeplab ends in ARG_MAX (in neither list): the Edge TPU segment ends there.
    npu = npu_json(oracles.model("coral-int8-ptq/deeplabv3_mnv2_dm05_pascal_quant.tflite"), "edgetpu")
    T.check(npu and any(f.get("op") == "ARG_MAX" and f["cpu_fallback"] for f in npu["findings"]), "deeplab ARG_MAX on CPU")


def one_op_models(tmp):
    # 3. One-op int8 models: the whole op table against the documented lists.
    gen = os.path.join(oracles.BINARY_DIR, "tests", "int8", "nq_make_op_models")
    T.check(os.path.exists(gen), "the one-op model writer %s is built" % gen)
    if os.path.exists(gen):
        r = subprocess.run([gen, tmp], capture_output=True, text=True, timeout=60)
        T.check(r.returncode == 0, "nq_make_op_models: %r" % r.stderr)
        models = sorted(f for f in os.listdir(tmp) if f.endswith(".tflite"))
        T.check(len(models) >= 40, "%d one-op models written" % len(models))
        for m in models:
            path = os.path.join(tmp, m)
            fa = oracles.tflite_facts(path)
            for target in ["ethos-u", "edgetpu"]:
                npu = npu_json(path, target)
                if npu:
                    check_doc_lists(path, fa, target, npu)
                    if target == "edgetpu":
                        check_edgetpu_tail(path, npu)


def float_and_cli(tmp, floats, int8_model, float_model):
    # 4. Float models: float compute everywhere.
    for path in floats:
        rel = os.path.basename(path)
        n_ops = oracles.tflite_facts(path)["num_operators"]
        for target in TARGETS:
            npu = npu_json(path, target)
            if not npu:
                continue
            T.check(npu["nodes"] == n_ops and npu["cpu_fallback_nodes"] == n_ops,
                    "%s %s: %d of %d nodes on the CPU" % (rel, target, npu["cpu_fallback_nodes"], n_ops))
            T.check(all("float32" in f["reason"] for f in npu["findings"] if f["node"] >= 0),
                    "%s %s: every node's reason is float compute" % (rel, target))

    # 5. CLI text output and errors.
    names = {"imx8mp": "i.MX 8M Plus", "ethos-u": "Ethos-U", "edgetpu": "Edge TPU"}
    for target in TARGETS:
        r = oracles.cli("inspect", int8_model, "--npu", target)
        T.check(r.returncode == 0 and ("%s" % names[target]) in r.stdout and
                "of %d nodes run on the NPU" % oracles.tflite_facts(int8_model)["num_operators"] in r.stdout,
                "inspect --npu %s text: %r" % (target, r.stdout[-300:]))
    r = oracles.cli("inspect", int8_model, "--npu", "hexagon")
    T.check(r.returncode == 2 and all(t in r.stderr for t in TARGETS + ["hexagon"]),
            "unknown --npu target: exit %d %r" % (r.returncode, r.stderr))
    calib = os.path.join(tmp, "calib.npy")
    # 2 calibration samples in [0, 1): enough for a report on the model.
    shape = oracles.tflite_facts(float_model)["inputs"][0]["shape"][1:]
    numpy.save(calib, numpy.random.RandomState(1).rand(2, *shape).astype(numpy.float32))
    out = os.path.join(tmp, "npu_int8.tflite")
    vwwf = float_model
    r = oracles.cli("convert", vwwf, "-d", calib, "-o", out, "--npu", "hexagon")
    T.check(r.returncode == 2 and "ethos-u" in r.stderr and "edgetpu" in r.stderr, "convert --npu hexagon: %r" % r.stderr)
    for target in ["ethos-u", "edgetpu"]:
        r = oracles.cli("convert", vwwf, "-d", calib, "-o", out, "--npu", target, "--input-type", "float32", "--json")
        if not T.check(r.returncode == 0, "convert --npu %s: exit %d %r" % (target, r.returncode, r.stderr)):
            continue
        npu = json.loads(r.stdout)["npu"]
        fa = oracles.tflite_facts(out)
        T.check(npu["target"] == target and npu["nodes"] == fa["num_operators"], "convert --npu %s json" % target)
        # The float input's QUANTIZE is the only CPU node on both: Vela takes no float
        # tensor, the Edge TPU keeps boundary conversions on the CPU but maps the rest.
        fb = [f for f in npu["findings"] if f["cpu_fallback"]]
        T.check(len(fb) == 1 and fb[0]["op"] == "QUANTIZE" and fb[0]["node"] == 0,
                "convert --npu %s, float input: %s" % (target, npu["findings"]))
        T.check(not any(f["node"] == -1 for f in npu["findings"]), "convert --npu %s: no segment note" % target)
        r = oracles.cli("convert", vwwf, "-d", calib, "-o", out, "--npu", target)
        T.check(r.returncode == 0 and names[target] in r.stdout, "convert --npu %s text: %r" % (target, r.stdout))


if PART == "shared":
    shared_models()
    with tempfile.TemporaryDirectory() as tmp:
        float_and_cli(tmp, [oracles.model(r) for r in ["mlperf-tiny-vww/vww_96_float.tflite",
                                                        "mlperf-tiny-ic-resnet8/pretrainedResnet.tflite",
                                                        "mobilenet_v1_0.25_128/mobilenet_v1_0.25_128.tflite"]],
                      oracles.model("mlperf-tiny-vww/vww_96_int8.tflite"),
                      oracles.model("mlperf-tiny-vww/vww_96_float.tflite"))
else:
    fashion = os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite")
    net = os.path.join(oracles.SOURCE_DIR, "tests", "golden", "vectors", "net_small_cnn.tflite")
    with tempfile.TemporaryDirectory() as tmp:
        one_op_models(tmp)
        float_and_cli(tmp, [fashion], net, fashion)
# 6. Help texts and docs name every target.
docs = open(os.path.join(oracles.SOURCE_DIR, "docs", "cli.md")).read()
for cmd in ["inspect", "convert"]:
    h = oracles.cli(cmd, "--help").stdout
    T.check(all(t in h for t in TARGETS), "%s --help names every --npu target" % cmd)
T.check(all(("`%s`" % t) in docs for t in TARGETS), "docs/cli.md names every --npu target")
T.finish()
