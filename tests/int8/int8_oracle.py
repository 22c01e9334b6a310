#!/usr/bin/python3
"""Oracle test of the int8 executor: TensorFlow's own quantized models run by
npuquant (tests/int8/int8_run, the public session API) and by LiteRT.js
(tests/oracles/litert_run.mjs: TFLite + XNNPACK) on the same real inputs.

    int8_oracle.py RUNNER            (env: NQ_SHARED_DIR, NQ_SOURCE_DIR)

Inputs: images from ../shared/data through tests/oracles/make_input.py, mapped
onto the model input's full quantized range; non-image inputs (audio features,
scalars) take samples of a real recording (tflm micro_speech wav) scaled onto
the input's range.

Networks ending in SOFTMAX / DEQUANTIZE / QUANTIZE are compared on the
integer tensor feeding those ops (a copy of the model with its outputs moved
back; the final outputs' differences are printed too): a softmax turns one
logit step into many probability steps, and a float output has no step.

Ours runs in single rounding (closest to XNNPACK) and the assertion is on
that: at most 1 step per element for single-op models, at most 3 for whole
networks, except LIMIT_OVERRIDE (each with its measured reason). Double-
rounding (TFLite reference) figures are printed beside. Models LiteRT refuses
are SKIP rows; a model outside MUST_RUN that npuquant cannot run (ops of other
areas) is a SKIP row too, any other failure to run fails the test.

Exit 0 when every compared model passes, 1 otherwise, 77 when ../shared or
LiteRT.js is missing (unless CI=true).
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

SHARED = os.environ.get("NQ_SHARED_DIR", "")
SRC = os.environ.get("NQ_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
ORACLES = os.path.join(SRC, "tests", "oracles")
CI = os.environ.get("CI", "") == "true"
sys.path.insert(0, ORACLES)
import oracles  # noqa: E402 (the runners' command lines: recorded answers without npm)

LITERT = oracles.command("litert")

# (model path under models/, image under data/ or None for a signal input)
MODELS = [
    ("tflite2onnx-ops/conv.uint8.tflite", "skimage-samples/astronaut.png"),
    ("tflite2onnx-ops/conv-relu.uint8.tflite", "skimage-samples/astronaut.png"),
    ("tflite2onnx-ops/depthwise-conv.uint8.tflite", "skimage-samples/chelsea.png"),
    ("tflm-history/add_model_float/add_model_quant8.tflite", None),
    ("tflm-hello_world/hello_world_int8.tflite", None),
    ("tflm-history/hello_world_old/hello_world.tflite", None),
    ("tflm-person_detect/person_detect.tflite", "tflm-person_detection/person.bmp"),
    ("tflm-keyword_scrambled/keyword_scrambled_8bit.tflite", None),
    ("tflm-micro_speech/micro_speech_quantized.tflite", None),
    ("mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite", "coral-images/bird.bmp"),
    ("mlperf-tiny-vww/vww_96_int8.tflite", "tflm-person_detection/person.bmp"),
    ("mlperf-tiny-kws/kws_ref_model.tflite", None),
    ("mlperf-tiny-ad/ad01_int8.tflite", None),
    ("mlperf-tiny-ad/model_ToyCar_quant_fullint_micro.tflite", None),
    ("mobilenet_v1_0.25_128/mobilenet_v1_0.25_128_quant.tflite", "ort-examples-images/cat.jpg"),
    ("tfls-mobilenet_v1_0.25_224/mobilenet_v1_0.25_224_quant.tflite", "ort-examples-images/goldfish.jpg"),
    ("coral-int8-ptq/split_concat.tflite", "coral-images/bird.bmp"),
    ("coral-int8-ptq/mobilenet_v1_0.5_160_quant.tflite", "coral-images/bird.bmp"),
    ("coral-int8-ptq/tf2_mobilenet_v2_1.0_224_ptq.tflite", "ort-examples-images/daisy.jpg"),
    ("coral-int8-ptq/movenet_single_pose_lightning_ptq.tflite", "skimage-samples/astronaut.png"),
    ("coral-int8-ptq/deeplabv3_mnv2_dm05_pascal_quant.tflite", "coral-images/bird.bmp"),
    ("tfls-misc/mobilenet_v2_1.0_224_quant.tflite", "ort-examples-images/horse-cart.jpg"),
    ("tfls-misc/automl_labeler_model.tflite", "tfls-vision-testimages/burger.jpg"),
    ("tflm-history/misc/custom_model_rf_keras.tflite", "face_classification-images/test_image.jpg"),
    ("tflm-history/misc/id_model.tflite", "face_classification-images/test_image.jpg"),
    ("tflm-history/misc/model.tflite", "tflm-mnist_lstm-samples/sample0.png"),
    ("tflm-history/misc/retinaface.tflite", "face_classification-images/12_angry_men.jpg"),
]
# Models every supported configuration must run end to end.
MUST_RUN = {m for m, _ in MODELS} - {
    "coral-int8-ptq/movenet_single_pose_lightning_ptq.tflite",  # FLOOR_DIV, CAST...: not in npuquant
    "tflm-history/misc/custom_model_rf_keras.tflite",  # SHAPE: not in npuquant
}
# Every network keeps the default limit: since single-rounding mode follows
# XNNPACK's arithmetic (fp32 requantization of conv/FC, Q8 LEAKY_RELU,
# 20-bit ADD/SUB multipliers; see src/exec/int8/int8.h), TF's own int8
# models match LiteRT.js to 0 steps except deeplabv3 (3).
LIMIT_OVERRIDE = {}
QRANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(1 if CI else 77)


def facts(model):
    out = subprocess.run(["/usr/bin/python3", os.path.join(ORACLES, "tflite_facts.py"), model],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("tflite_facts: " + out.stderr.strip())
    return json.loads(out.stdout)


def retargeted_copy(model, out_path):
    """A copy whose outputs are moved back over final DEQUANTIZE, SOFTMAX and
    QUANTIZE ops to the integer tensor feeding them, or None when nothing moves.
    A softmax turns one logit step into many probability steps, and a
    float output has no step, so networks are compared on those integer
    tensors (an in-place edit of int32s in the outputs vector: the file
    layout is untouched)."""
    sys.path.insert(0, ORACLES)
    import struct  # noqa: PLC0415
    import tflite_facts as tf  # noqa: PLC0415 (the independent reader)
    from flatbuffers import encode  # noqa: PLC0415
    import flatbuffers.number_types as fbn  # noqa: PLC0415
    data = bytearray(open(model, "rb").read())
    r = tf.Reader(data)
    root = r.table(encode.Get(fbn.UOffsetTFlags.packer_type, r.buf, 0), "model")
    codes = r.tables(root, tf.MODEL_OPERATOR_CODES, "operator_codes")
    sg = r.tables(root, tf.MODEL_SUBGRAPHS, "subgraphs")[0]
    start, count = r.vector(sg, tf.SUBGRAPH_OUTPUTS, 4, "outputs")
    producer = {}
    for op in r.tables(sg, tf.SUBGRAPH_OPERATORS, "operators"):
        name = tf.op_name(r, codes[r.scalar(op, tf.OPERATOR_OPCODE_INDEX, fbn.Uint32Flags, 0)])
        ins = r.numbers(op, 1, fbn.Int32Flags, "operator inputs")
        for t in r.numbers(op, 2, fbn.Int32Flags, "operator outputs"):
            producer[t] = (name, ins[0] if len(ins) else -1)
    # SignatureDef outputs (Model field 7, SignatureDef.outputs = 1,
    # TensorMap.tensor_index = 1) name tensors too; LiteRT looks outputs up
    # there, so they move with the outputs vector.
    sig_fields = []
    for sd in r.tables(root, 7, "signature_defs"):
        for tm in r.tables(sd, 1, "signature outputs"):
            off = r.field(tm, 1)
            if off:
                sig_fields.append(tm.Pos + off)
    moved = False
    for k in range(count):
        t0 = t = struct.unpack_from("<i", data, start + 4 * k)[0]
        while t in producer and producer[t][0] in ("DEQUANTIZE", "SOFTMAX", "QUANTIZE") and producer[t][1] >= 0:
            t = producer[t][1]
            moved = True
        struct.pack_into("<i", data, start + 4 * k, t)
        for pos in sig_fields:
            if struct.unpack_from("<I", data, pos)[0] == t0:
                struct.pack_into("<I", data, pos, t)
    if not moved:
        return None
    with open(out_path, "wb") as fh:
        fh.write(data)
    return out_path


def compare(runner, model, ins, n_out, tmp, tag):
    """Max step difference per output, ours (single, double) vs LiteRT, or an
    error string ('litert: ...' / 'npuquant: ...')."""
    lp = os.path.join(tmp, tag + "_lite")
    rc, msg = run(LITERT + [model, lp] + ins)
    if rc == 77:  # LiteRT.js not installed and no recorded answer for this model
        return "missing: " + msg
    if rc != 0:
        return "litert: " + msg
    res = {}
    for mode in ("single", "double"):
        op = os.path.join(tmp, tag + "_ours_" + mode)
        flag = ["--single-rounding"] if mode == "single" else []
        rc, msg = run([runner] + flag + [model, op] + ins)
        if rc != 0:
            return "npuquant: " + msg
        diffs = []
        for k in range(n_out):
            a = np.load("%s.out%d.npy" % (op, k))
            b = np.load("%s.out%d.npy" % (lp, k))
            if a.shape != b.shape and a.size == b.size:
                a = a.reshape(b.shape)
            if a.shape != b.shape or a.dtype != b.dtype:
                diffs.append(None)
            elif a.dtype.kind == "f":
                diffs.append(float(np.abs(a.astype(np.float64) - b).max()))
            else:
                diffs.append(int(np.abs(a.astype(np.int64) - b.astype(np.int64)).max()))
        res[mode] = diffs
    return res


def signal(n):
    """n samples of a real recording, in [-1, 1]."""
    path = os.path.join(SHARED, "data", "tflm-micro_speech-wav", "no_1000ms.wav")
    with wave.open(path, "rb") as w:
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    raw = np.resize(raw, n)
    return raw / max(1.0, np.abs(raw).max())


def make_inputs(model, image, info, tmp):
    paths = []
    for k, inp in enumerate(info["inputs"]):
        path = os.path.join(tmp, "in%d.npy" % k)
        dt = inp["type"]
        shape = inp["shape"]
        if dt == "float32" and image and len(shape) == 4 and shape[3] in (1, 3):
            cmd = ["/usr/bin/python3", os.path.join(ORACLES, "make_input.py"), "--image",
                   os.path.join(SHARED, "data", image), "--npy-shape-from", model, "--input", str(k),
                   "--scale", repr(2 / 255.0), "--offset", "-1", "-o", path]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("make_input: " + r.stderr.strip())
            paths.append(path)
            continue
        if dt == "float32":  # a float input in front of a QUANTIZE
            n = int(np.prod(shape)) if shape else 1
            np.save(path, signal(n).astype(np.float32).reshape(shape))
            paths.append(path)
            continue
        if dt not in QRANGE:
            raise RuntimeError("input %d has type %s" % (k, dt))
        lo, hi = QRANGE[dt]
        if image and len(shape) == 4 and shape[3] in (1, 3):
            s = inp["scale"][0] if inp.get("scale") else 1.0
            z = inp["zero_point"][0] if inp.get("zero_point") else 0
            rmin, rmax = (lo - z) * s, (hi - z) * s
            cmd = ["/usr/bin/python3", os.path.join(ORACLES, "make_input.py"), "--image",
                   os.path.join(SHARED, "data", image), "--npy-shape-from", model, "--input", str(k),
                   "--scale", repr((rmax - rmin) / 255.0), "--offset", repr(rmin), "-o", path]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("make_input: " + r.stderr.strip())
        else:
            n = int(np.prod(shape)) if shape else 1
            v = signal(n) * 0.45 + 0.5  # mostly inside the range, real structure
            q = np.clip(np.round(lo + v * (hi - lo)), lo, hi)
            np.save(path, q.astype(dt).reshape(shape))
        paths.append(path)
    return paths


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.returncode, (r.stderr.strip().splitlines() or [""])[-1]


def check_model(runner, rel, image, tmp):
    """One table row and whether it failed, for model `rel` (files in tmp)."""
    model = os.path.join(SHARED, "models", rel)
    name = os.path.basename(rel)
    if not os.path.exists(model):
        return (name, "-", "-", "SKIP (model file missing)"), False
    info = facts(model)
    n_ops = info.get("num_operators", 0)
    quant_ops = sum(o["count"] for o in info["ops"] if o["op"] in ("QUANTIZE", "DEQUANTIZE"))
    single_op = n_ops - quant_ops <= 1
    limit = LIMIT_OVERRIDE.get(rel, 1 if single_op else 3)
    try:
        ins = make_inputs(model, image, info, tmp)
    except RuntimeError as e:
        return (name, "-", "-", "SKIP (%s)" % e), False
    res = compare(runner, model, ins, len(info["outputs"]), tmp, "m")
    if isinstance(res, str) and res.startswith("litert"):
        return (name, "-", "-", "SKIP (LiteRT refuses: %s)" % res[-90:]), False
    probs = ""
    lg = None if isinstance(res, str) else retargeted_copy(model, os.path.join(tmp, "retarget.tflite"))
    if lg:
        fmt0 = lambda r: ",".join("shape" if d is None else ("%.3g" % d) for d in r)
        probs = " final outputs: %s / %s" % (fmt0(res["single"]), fmt0(res["double"]))
        res = compare(runner, lg, ins, len(info["outputs"]), tmp, "l")
        name += " (*)"
    if isinstance(res, str):
        if rel not in MUST_RUN:
            return (name, "-", "-", "SKIP (%s)" % res[-110:]), False
        return (name, "-", "-", "FAIL (%s)" % res[-110:]), True
    fmt = lambda r: ",".join("shape" if d is None else str(d) for d in r)
    failed = any(d is None or d > limit for d in res["single"])
    status = ("FAIL (limit %d)" % limit) if failed else \
        ("PASS (limit %d%s)" % (limit, ", single op" if single_op else ""))
    return (name, fmt(res["single"]), fmt(res["double"]), status + probs), failed


def main():
    if len(sys.argv) != 2:
        print("usage: int8_oracle.py RUNNER")
        return 2
    runner = sys.argv[1]
    if not SHARED or not os.path.isdir(os.path.join(SHARED, "models")):
        skip("../shared not found (NQ_SHARED_DIR)")
    probe = subprocess.run(LITERT + ["--info",
                            os.path.join(SHARED, "models", MODELS[4][0])], capture_output=True)
    if probe.returncode == 77 or probe.returncode == 127:
        skip("LiteRT.js is not installed (tests/oracles: npm ci)")
    t0 = time.time()
    failures = 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # Two workers: LiteRT's start-up dominates and the models are independent.
        def job(k):
            sub = os.path.join(tmp, "m%d" % k)
            os.mkdir(sub)
            return check_model(runner, MODELS[k][0], MODELS[k][1], sub)
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            for row, failed in ex.map(job, range(len(MODELS))):
                rows.append(row)
                failures += failed
    w = max(len(r[0]) for r in rows)
    print("%-*s  %-12s %-12s %s" % (w, "model", "single", "double", "result (max step diff per output vs LiteRT)"))
    for r in rows:
        print("%-*s  %-12s %-12s %s" % (w, r[0], r[1], r[2], r[3]))
    print("%d failure(s), %.1f s" % (failures, time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
