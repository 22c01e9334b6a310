#!/usr/bin/python3
"""Self-tests of the oracle runners in tests/oracles: they run on real models and real
images from ../shared, agree with each other, give known facts, and fail when they must.

    /usr/bin/python3 oracle_selftest.py CASE      (CASE: see CASES at the bottom)

Exit 0 pass, 1 fail, 77 skip (../shared or an oracle missing; a failure when CI=true).
Without ../shared (CI unset) several cases check their runtime agreement on committed
models and synthetic pictures instead (see "stand-ins" below).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLES = os.path.join(os.path.dirname(HERE), "oracles")
sys.path.insert(0, ORACLES)
import oracles  # noqa: E402

PY = oracles.PY
Skip, Fail = oracles.OracleSkip, AssertionError  # oracles.main() applies the exit-code rule
shared_dir = oracles.shared_dir


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def node():
    exe = shutil.which("node")
    if not exe:
        raise Skip("node is not installed (run scripts/setup.sh)")
    return exe


def runner_cmd(name):
    path = os.path.join(ORACLES, name)
    return [node(), path] if name.endswith(".mjs") else [PY, path]


def run(cmd, expect_rc=0, timeout=120):
    """Runs a command; a 77 from a runner means its runtime is missing -> skip."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode == 77:
        raise Skip(p.stderr.strip() or "oracle reported SKIP")
    if expect_rc is not None and p.returncode != expect_rc:
        raise Fail("%s exited %d (expected %d): %s" % (" ".join(os.path.basename(c) for c in cmd[:3]),
                                                       p.returncode, expect_rc, p.stderr.strip()[-400:]))
    return p


def outputs(prefix, count):
    return [np.load("%s.out%d.npy" % (prefix, k)) for k in range(count)]


def facts(model):
    return json.loads(run([PY, os.path.join(ORACLES, "tflite_facts.py"), model]).stdout)


def image_input(tmp, image, model, name, scale=1 / 255.0):
    out = os.path.join(tmp, name + ".npy")
    run([PY, os.path.join(ORACLES, "make_input.py"), "--image", image, "--npy-shape-from", model,
         "--scale", repr(scale), "-o", out])
    return out


# ---- stand-ins for a clone without ../shared ---------------------------------------------
# The runtime-agreement properties of the cases below hold on any model of the kind and any
# picture, so without ../shared (CI unset) they run on committed models (the Fashion-MNIST
# float network of examples/fashion, its int8/uint8 forms from our own convert, the golden
# net_small_cnn) and seeded synthetic pictures, LiteRT.js replayed from tests/golden/recorded
# when node is absent. The labels of real photos need ../shared: a stand-in compares the
# quantized model's top-1 with the float network's instead, never with a label.

FASHION = os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite")
GOLDEN = os.path.join(oracles.SOURCE_DIR, "tests", "golden", "vectors")


def litert_cmd():
    """LiteRT.js's runner, or its recorded answers when node or the npm package is absent."""
    return oracles.command("litert")


def standin_inputs(tmp, model, count, tag, extra=()):
    """`count` seeded synthetic pictures made into inputs of `model` by make_input.py."""
    gray = facts(model)["inputs"][0]["shape"][-1] == 1
    paths = []
    for i in range(count):
        img = oracles.standin_photo(os.path.join(tmp, "%s%d.png" % (tag, i)), seed=40 + i, gray=gray)
        out = os.path.join(tmp, "%s%d.npy" % (tag, i))
        run([PY, os.path.join(ORACLES, "make_input.py"), "--image", img, "--npy-shape-from", model,
             "--scale", repr(1 / 255.0)] + list(extra) + ["-o", out])
        paths.append(out)
    return paths


def own_fashion(tmp, name, *args):
    """The Fashion-MNIST network converted by our CLI, calibrated on 16 synthetic pictures."""
    calib = os.path.join(tmp, "calib.npy")
    if not os.path.exists(calib):
        xs = standin_inputs(tmp, FASHION, 16, "calib")
        np.save(calib, np.concatenate([np.load(x) for x in xs]))
    out = os.path.join(tmp, name + ".tflite")
    oracles.cli("convert", FASHION, "-d", calib, "-o", out, *args, check=True)
    return out


def both_runtimes(tmp, model, x, tag):
    """(LiteRT.js, Arm NN) first outputs on input file x."""
    run(litert_cmd() + [model, os.path.join(tmp, "lt" + tag), x])
    run(runner_cmd("armnn_run.py") + [model, os.path.join(tmp, "an" + tag), x])
    return outputs(os.path.join(tmp, "lt" + tag), 1)[0], outputs(os.path.join(tmp, "an" + tag), 1)[0]


def standin_vww_float(tmp):
    """vww_float's agreement on the Fashion-MNIST float network (softmax of 10)."""
    print("NOTE: ../shared is absent: float LiteRT.js vs Arm NN on %s and synthetic pictures" % FASHION)
    results = []
    for i, x in enumerate(standin_inputs(tmp, FASHION, 3, "img")):
        lt, an = both_runtimes(tmp, FASHION, x, str(i))
        check(lt.shape == (1, 10) and lt.dtype == np.float32, "LiteRT output is %s %s" % (lt.shape, lt.dtype))
        check(an.shape == lt.shape and an.dtype == lt.dtype, "Arm NN output is %s %s" % (an.shape, an.dtype))
        err = float(np.max(np.abs(lt - an)))
        check(err <= 1e-4 * float(np.max(np.abs(lt))) + 1e-6, "picture %d: LiteRT %s vs Arm NN %s (max diff %g)" % (i, lt, an, err))
        check(abs(float(lt.sum()) - 1) < 1e-4, "picture %d: softmax output does not sum to 1: %s" % (i, lt))
        results.append(lt)
        print("picture %d: LiteRT top-1 %d, Arm NN top-1 %d, max diff %.2g" % (i, lt.argmax(), an.argmax(), err))
    diff = max(float(np.max(np.abs(results[0] - r))) for r in results[1:])
    check(diff > 0.01, "outputs do not depend on the picture (max diff %g)" % diff)


def standin_vww_int8(tmp):
    """vww_int8's agreement on int8 models: the golden net_small_cnn and our int8 Fashion-MNIST.
    Their softmax has 5 and 10 classes, where one logit step can move an output by 3 or more
    (VWW's has 2): the runtimes are compared on the logits, as resnet8_int8 does."""
    models = [os.path.join(GOLDEN, "net_small_cnn.tflite"), own_fashion(tmp, "fashion_int8")]
    print("NOTE: ../shared is absent: int8 LiteRT.js vs Arm NN on %s and synthetic pictures" % ", ".join(models))
    for m, model in enumerate(models):
        f = facts(model)
        check(f["inputs"][0]["type"] == "int8" and f["outputs"][0]["type"] == "int8", "%s I/O is not int8" % model)
        logits = logits_copy(model, tmp, "logits%d.tflite" % m)
        for i, x in enumerate(standin_inputs(tmp, model, 2, "q%d_" % m)):
            check(np.load(x).dtype == np.int8, "make_input did not quantize to int8")
            lt, an = both_runtimes(tmp, logits, x, "%d_%d" % (m, i))
            check(lt.dtype == np.int8 and an.dtype == np.int8, "outputs are %s/%s, not int8" % (lt.dtype, an.dtype))
            steps = oracles.max_steps(lt, an)
            check(steps <= 2, "%s picture %d: LiteRT %s vs Arm NN %s differ by %d steps" % (model, i, lt, an, steps))
            print("%s picture %d: LiteRT %s Arm NN %s (%d steps)" % (os.path.basename(model), i, lt.ravel(), an.ravel(), steps))


def logits_copy(model, tmp, name="logits.tflite"):
    """A copy of `model` whose output is its softmax input (found by shape and scale)."""
    f = facts(model)
    want = f["outputs"][0]["shape"]
    for t in range(f["num_tensors"]):
        path = os.path.join(tmp, name)
        retarget_output(model, t, path)
        o = facts(path)["outputs"][0]
        if o["shape"] == want and o["type"] == "int8" and o["scale"] != [1 / 256]:
            return path
    raise Fail("%s: no tensor of shape %s feeds the softmax" % (model, want))


def standin_resnet8_int8(tmp):
    """resnet8_int8's properties on our int8 Fashion-MNIST (the float network stands in for
    TF's float ResNet8): logits agree within 3 steps, int8 top-1 equals float top-1."""
    qmodel = own_fashion(tmp, "fashion_int8")
    print("NOTE: ../shared is absent: int8 logits of %s (our convert) and synthetic pictures" % FASHION)
    logits = logits_copy(qmodel, tmp)
    worst = agree = 0
    qs, fs = standin_inputs(tmp, qmodel, 4, "q"), standin_inputs(tmp, FASHION, 4, "f")
    for i, (q, f) in enumerate(zip(qs, fs)):
        lt, an = both_runtimes(tmp, logits, q, str(i))
        run(litert_cmd() + [FASHION, os.path.join(tmp, "fl%d" % i), f])
        fl = outputs(os.path.join(tmp, "fl%d" % i), 1)[0]
        check(lt.shape == an.shape == fl.shape == (1, 10), "output shapes %s %s %s" % (lt.shape, an.shape, fl.shape))
        worst = max(worst, oracles.max_steps(lt, an))
        agree += int(lt.argmax()) == int(fl.argmax())
    check(worst <= 3, "LiteRT and Arm NN logits differ by %d steps on our int8 Fashion-MNIST" % worst)
    check(agree >= len(qs) - 1, "int8 top-1 equals float top-1 on only %d/%d pictures" % (agree, len(qs)))
    print("fashion int8 logits: LiteRT vs Arm NN max %d steps; top-1 int8 == float on %d/%d" % (worst, agree, len(qs)))


def standin_mobilenet_uint8(tmp):
    """mobilenet_uint8's properties on our uint8-I/O Fashion-MNIST: make_input quantizes from
    the model's own input parameters (--offset moves it), both runtimes give the same top-1,
    and it is the float network's top-1 (a label needs ../shared's photos)."""
    model = own_fashion(tmp, "fashion_uint8", "--input-type", "uint8", "--output-type", "uint8")
    print("NOTE: ../shared is absent: uint8 %s (our convert) on synthetic pictures" % model)
    xs = standin_inputs(tmp, model, 3, "x")
    moved = standin_inputs(tmp, model, 1, "y", ("--offset", "0.2"))
    check(not np.array_equal(np.load(xs[0]), np.load(moved[0])), "--offset had no effect")
    agree = 0
    for i, (x, f) in enumerate(zip(xs, standin_inputs(tmp, FASHION, 3, "f"))):
        lt, an = both_runtimes(tmp, model, x, str(i))
        check(np.load(x).dtype == np.uint8, "make_input did not quantize to uint8")
        check(lt.dtype == an.dtype == np.uint8 and lt.shape == (1, 10), "outputs %s %s" % (lt.shape, lt.dtype))
        check(int(lt.argmax()) == int(an.argmax()), "picture %d: LiteRT says %d, Arm NN %d" % (i, lt.argmax(), an.argmax()))
        run(litert_cmd() + [FASHION, os.path.join(tmp, "fl%d" % i), f])
        agree += int(lt.argmax()) == int(outputs(os.path.join(tmp, "fl%d" % i), 1)[0].argmax())
        print("picture %d: class %d (both runtimes)" % (i, lt.argmax()))
    check(agree >= len(xs) - 1, "uint8 top-1 equals float top-1 on only %d/%d pictures" % (agree, len(xs)))


VWW_IMAGES = [("coral-images/grace_hopper.bmp", 1), ("coral-images/cat.bmp", 0)]  # 1 = person


def case_vww_float(tmp):
    """LiteRT.js and Arm NN agree on TF's float VWW net on real photos, within 1e-4."""
    if not oracles.shared_present():
        return standin_vww_float(tmp)
    sh = shared_dir()
    model = os.path.join(sh, "models/mlperf-tiny-vww/vww_96_float.tflite")
    results = []
    for i, (img, label) in enumerate(VWW_IMAGES):
        x = image_input(tmp, os.path.join(sh, "data", img), model, "img%d" % i)
        run(runner_cmd("litert_run.mjs") + [model, os.path.join(tmp, "lt%d" % i), x])
        run(runner_cmd("armnn_run.py") + [model, os.path.join(tmp, "an%d" % i), x])
        lt = outputs(os.path.join(tmp, "lt%d" % i), 1)[0]
        an = outputs(os.path.join(tmp, "an%d" % i), 1)[0]
        check(lt.shape == (1, 2) and lt.dtype == np.float32, "LiteRT output is %s %s" % (lt.shape, lt.dtype))
        check(an.shape == lt.shape and an.dtype == lt.dtype, "Arm NN output is %s %s" % (an.shape, an.dtype))
        err = float(np.max(np.abs(lt - an)))
        check(err <= 1e-4 * float(np.max(np.abs(lt))) + 1e-6, "%s: LiteRT %s vs Arm NN %s (max diff %g)" % (img, lt, an, err))
        check(abs(float(lt.sum()) - 1) < 1e-4, "%s: softmax output does not sum to 1: %s" % (img, lt))
        check(int(lt.argmax()) == label, "%s: float VWW says class %d, expected %d" % (img, lt.argmax(), label))
        results.append(lt)
        print("%s: LiteRT %s Arm NN %s max diff %.2g" % (img, lt.ravel(), an.ravel(), err))
    check(float(np.max(np.abs(results[0] - results[1]))) > 0.1, "outputs do not depend on the image")


def case_vww_int8(tmp):
    """TF's own int8 VWW: LiteRT.js and Arm NN agree within 2 steps and keep the float top-1."""
    if not oracles.shared_present():
        return standin_vww_int8(tmp)
    sh = shared_dir()
    model = os.path.join(sh, "models/mlperf-tiny-vww/vww_96_int8.tflite")
    f = facts(model)
    check(f["inputs"][0]["type"] == "int8" and f["outputs"][0]["type"] == "int8", "vww_96_int8 I/O is not int8")
    for i, (img, label) in enumerate(VWW_IMAGES):
        x = image_input(tmp, os.path.join(sh, "data", img), model, "q%d" % i)
        check(np.load(x).dtype == np.int8, "make_input did not quantize to int8")
        run(runner_cmd("litert_run.mjs") + [model, os.path.join(tmp, "lt%d" % i), x])
        run(runner_cmd("armnn_run.py") + [model, os.path.join(tmp, "an%d" % i), x])
        lt = outputs(os.path.join(tmp, "lt%d" % i), 1)[0]
        an = outputs(os.path.join(tmp, "an%d" % i), 1)[0]
        check(lt.dtype == np.int8 and an.dtype == np.int8, "outputs are %s/%s, not int8" % (lt.dtype, an.dtype))
        steps = int(np.max(np.abs(lt.astype(np.int32) - an.astype(np.int32))))
        check(steps <= 2, "%s: LiteRT %s vs Arm NN %s differ by %d steps" % (img, lt, an, steps))
        check(int(lt.argmax()) == label, "%s: int8 VWW says class %d, expected %d" % (img, lt.argmax(), label))
        print("%s: LiteRT %s Arm NN %s (%d steps)" % (img, lt.ravel(), an.ravel(), steps))


def case_mobilenet_uint8(tmp):
    """A uint8 ImageNet MobileNet (Coral PTQ) names real photos right in LiteRT.js and Arm NN,
    with inputs quantized by make_input.py from the model's own input parameters."""
    if not oracles.shared_present():
        return standin_mobilenet_uint8(tmp)
    sh = shared_dir()
    model = os.path.join(sh, "models/coral-int8-ptq/mobilenet_v1_0.5_160_quant.tflite")
    labels = open(os.path.join(sh, "data/coral-images/imagenet_labels.txt")).read().split("\n")
    cases = [("parrot.jpg", ("macaw",)), ("cat.bmp", ("tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"))]
    for i, (img, names) in enumerate(cases):
        x = image_input(tmp, os.path.join(sh, "data/coral-images", img), model, "x%d" % i, scale=2 / 255.0)
        # The float input range is [-1, 1]: run the pixels through -1 + 2p/255 first.
        x2 = os.path.join(tmp, "y%d.npy" % i)
        run([PY, os.path.join(ORACLES, "make_input.py"), "--image", os.path.join(sh, "data/coral-images", img),
             "--npy-shape-from", model, "--scale", repr(2 / 255.0), "--offset", "-1", "-o", x2])
        check(not np.array_equal(np.load(x), np.load(x2)), "--offset had no effect")
        run(runner_cmd("litert_run.mjs") + [model, os.path.join(tmp, "lt%d" % i), x2])
        run(runner_cmd("armnn_run.py") + [model, os.path.join(tmp, "an%d" % i), x2])
        lt, an = (outputs(os.path.join(tmp, "%s%d" % (p, i)), 1)[0] for p in ("lt", "an"))
        check(lt.dtype == an.dtype == np.uint8 and lt.shape == (1, len(labels) - (labels[-1] == "")), "outputs %s %s" % (lt.shape, lt.dtype))
        top_lt, top_an = labels[int(lt.argmax())], labels[int(an.argmax())]
        check(top_lt == top_an, "%s: LiteRT says %s, Arm NN %s" % (img, top_lt, top_an))
        check(any(top_lt.startswith(n) for n in names), "%s classified as %r" % (img, top_lt))
        print("%s: %s (both runtimes)" % (img, top_lt))


def retarget_output(model, tensor, out_path):
    """Copies a .tflite with subgraph 0's single output replaced by another tensor (an
    in-place edit of one int32, so the file layout is untouched): a way to look inside."""
    sys.path.insert(0, ORACLES)
    import struct  # noqa: PLC0415
    import tflite_facts as tf  # noqa: PLC0415 (the independent reader, sibling folder)
    from flatbuffers import encode  # noqa: PLC0415
    import flatbuffers.number_types as fbn  # noqa: PLC0415
    data = bytearray(open(model, "rb").read())
    r = tf.Reader(data)
    root = r.table(encode.Get(fbn.UOffsetTFlags.packer_type, r.buf, 0), "model")
    sg = r.tables(root, tf.MODEL_SUBGRAPHS, "subgraphs")[0]
    start, count = r.vector(sg, tf.SUBGRAPH_OUTPUTS, 4, "outputs")
    check(count == 1, "%s: expected one output, found %d" % (model, count))
    struct.pack_into("<i", data, start, tensor)
    with open(out_path, "wb") as fh:
        fh.write(data)


def case_resnet8_int8(tmp):
    """TF's int8 ResNet8 (ADD with rescaling, FC, softmax): LiteRT.js and Arm NN agree within
    3 steps on the logits of real photos, and the int8 top-1 matches TF's float model."""
    if not oracles.shared_present():
        return standin_resnet8_int8(tmp)
    sh = shared_dir()
    qmodel = os.path.join(sh, "models/mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite")
    fmodel = os.path.join(sh, "models/mlperf-tiny-ic-resnet8/pretrainedResnet.tflite")
    # The softmax turns one logit step (scale 0.17) into up to ~20 output steps, so the
    # runtimes are compared on the logits: a copy whose output is the FC result (tensor 36,
    # the softmax input in this file; checked below through its shape and scale).
    logits = os.path.join(tmp, "logits.tflite")
    retarget_output(qmodel, 36, logits)
    lf = facts(logits)["outputs"][0]
    check(lf["shape"] == [1, 10] and lf["type"] == "int8" and lf["scale"] != [1 / 256],
          "tensor 36 is not the logits: %s" % lf)
    worst = 0
    agree = 0
    images = ["coral-images/cat.bmp", "coral-images/bird.bmp", "coral-images/parrot.jpg", "coral-images/owl.jpg"]
    for i, img in enumerate(images):
        # The nets take raw 0..255 pixels; the int8 input has scale 1, zero point -128.
        q = image_input(tmp, os.path.join(sh, "data", img), qmodel, "q%d" % i, scale=1.0)
        f = image_input(tmp, os.path.join(sh, "data", img), fmodel, "f%d" % i, scale=1.0)
        check(np.array_equal(np.load(q).astype(np.int32) + 128, np.load(f).astype(np.int32)), "int8 input != pixels - 128")
        run(runner_cmd("litert_run.mjs") + [logits, os.path.join(tmp, "lt%d" % i), q])
        run(runner_cmd("armnn_run.py") + [logits, os.path.join(tmp, "an%d" % i), q])
        run(runner_cmd("litert_run.mjs") + [fmodel, os.path.join(tmp, "fl%d" % i), f])
        lt, an, fl = (outputs(os.path.join(tmp, "%s%d" % (p, i)), 1)[0] for p in ("lt", "an", "fl"))
        check(lt.shape == an.shape == fl.shape == (1, 10), "output shapes %s %s %s" % (lt.shape, an.shape, fl.shape))
        steps = int(np.max(np.abs(lt.astype(np.int32) - an.astype(np.int32))))
        worst = max(worst, steps)
        agree += int(lt.argmax()) == int(fl.argmax())
    check(worst <= 3, "LiteRT and Arm NN logits differ by %d steps on ResNet8 int8" % worst)
    check(agree >= len(images) - 1, "int8 top-1 equals float top-1 on only %d/%d photos" % (agree, len(images)))
    print("resnet8 int8 logits: LiteRT vs Arm NN max %d steps; top-1 int8 == float on %d/%d" % (worst, agree, len(images)))


def case_facts_resnet8(tmp):
    """tflite_facts.py reads TF's int8 ResNet8 as known, matches LiteRT's and Arm NN's view of
    the I/O of several models, survives bad files. Without ../shared (CI unset): the same on
    committed models (the golden int8 networks, a uint8 one-op model, the Fashion-MNIST float
    network), LiteRT's --info replayed from tests/golden/recorded."""
    golden = os.path.join(oracles.SOURCE_DIR, "tests", "golden", "vectors")
    if oracles.shared_present():
        sh = shared_dir()
        model = os.path.join(sh, "models/mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite")
        others = [os.path.join(sh, "models", o) for o in (
            "mlperf-tiny-vww/vww_96_int8.tflite", "mlperf-tiny-kws/kws_ref_model.tflite",
            "coral-int8-ptq/mobilenet_v1_0.5_160_quant.tflite", "tflm-hello_world/hello_world_int8.tflite")]
        seeds = os.path.join(sh, "models/tflm-fuzz-seed-corpus")
        seeds = [os.path.join(seeds, n) for n in sorted(os.listdir(seeds)) if n.endswith(".tflite")]
    else:
        model = os.path.join(golden, "net_small_cnn.tflite")
        others = [os.path.join(golden, n) for n in ("net_small_mlp.tflite", "mean_spatial_uint8.tflite")]
        others.append(os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.tflite"))
        seeds = []
        print("NOTE: ../shared is absent: facts of committed models (%s and %d others)" % (model, len(others)))
    f = facts(model)
    t_in, t_out = f["inputs"], f["outputs"]
    if seeds:
        check(len(t_in) == 1 and t_in[0]["shape"] == [1, 32, 32, 3] and t_in[0]["type"] == "int8",
              "input is %s" % t_in)
        check(len(t_out) == 1 and t_out[0]["shape"] == [1, 10] and t_out[0]["type"] == "int8", "output is %s" % t_out)
        ops = {o["op"]: o for o in f["ops"]}
        check(ops.get("CONV_2D", {}).get("count", 0) >= 7, "ResNet8 has at least 7 convolutions: %s" % f["ops"])
        want = ("CONV_2D", "ADD", "FULLY_CONNECTED", "SOFTMAX", "AVERAGE_POOL_2D")
    else:  # net_small_cnn, as tests/golden/make_golden_models.c writes it
        check(len(t_in) == 1 and t_in[0]["shape"] == [1, 8, 8, 3] and t_in[0]["type"] == "int8",
              "input is %s" % t_in)
        check(len(t_out) == 1 and t_out[0]["shape"] == [1, 5] and t_out[0]["type"] == "int8", "output is %s" % t_out)
        want = ("CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "FULLY_CONNECTED", "SOFTMAX", "AVERAGE_POOL_2D", "RESHAPE")
    check(len(t_in[0]["scale"]) == 1 and len(t_in[0]["zero_point"]) == 1, "input quantization %s" % t_in[0])
    # A softmax output is quantized with scale 1/256 and zero point -128 (TFLite's rule).
    check(t_out[0]["scale"] == [1 / 256] and t_out[0]["zero_point"] == [-128], "output quantization %s" % t_out[0])
    for name in want:
        check(name in {o["op"] for o in f["ops"]}, "op %s missing from %s" % (name, f["ops"]))
    check(sum(o["count"] for o in f["ops"]) == f["num_operators"], "op counts do not add up")
    check(f["ops"] == sorted(f["ops"], key=lambda o: (o["op"], o["version"])), "ops not sorted")
    check(f["num_tensors"] > f["num_operators"], "implausible tensor count %d" % f["num_tensors"])
    # LiteRT's and Arm NN's own loaders must see the same I/O (Arm NN: with quantization).
    for m in [model] + others:
        fm = f if m == model else facts(m)
        lt = json.loads(run(oracles.command("litert") + ["--info", m]).stdout)
        an = json.loads(run(runner_cmd("armnn_run.py") + ["--info", m]).stdout)
        for side in ("inputs", "outputs"):
            mine = [(t["shape"], t["type"]) for t in fm[side]]
            theirs = [(t["shape"], t["dtype"]) for t in lt[side]]
            check(mine == theirs, "%s %s: tflite_facts %s vs LiteRT %s" % (m, side, mine, theirs))
            mine = [(t["name"], t["shape"], t["type"], t["scale"], t["zero_point"]) for t in fm[side]]
            theirs = [(t["name"], t["shape"], t["dtype"], t["scale"], t["zero_point"]) for t in an[side]]
            check(mine == theirs, "%s %s: tflite_facts %s vs Arm NN %s" % (m, side, mine, theirs))
    # Hostile input: truncations and the fuzz seeds end in exit 0/1, never a traceback.
    data = open(model, "rb").read()
    bad = []
    for k, cut in enumerate([0, 3, 7, 8, 64, len(data) // 3, len(data) // 2, len(data) - 100]):
        p = os.path.join(tmp, "cut%d.tflite" % k)
        with open(p, "wb") as fh:
            fh.write(data[:cut])
        bad.append(p)
    bad += seeds
    rejected = 0
    for p in bad:
        r = run([PY, os.path.join(ORACLES, "tflite_facts.py"), p], expect_rc=None)
        check(r.returncode in (0, 1), "%s: exit %d: %s" % (p, r.returncode, r.stderr[-300:]))
        check(r.returncode == 0 or len(r.stderr.strip().splitlines()) == 1, "%s: not a one-line error: %s" % (p, r.stderr))
        rejected += r.returncode == 1
    check(rejected >= 5, "only %d of %d truncated/malformed files rejected" % (rejected, len(bad)))
    print("%s facts ok: %d ops, %d tensors; I/O of %d models equal to LiteRT's and Arm NN's; "
          "%d/%d bad files rejected cleanly" % (os.path.basename(model), f["num_operators"], f["num_tensors"],
                                                 1 + len(others), rejected, len(bad)))


def case_ort_mnist(tmp):
    """onnxruntime-node classifies 10 real handwritten digits with the mnist.onnx example."""
    if not oracles.shared_present():
        return standin_ort_mnist(tmp)
    sh = shared_dir()
    model = os.path.join(sh, "models/ort-examples-onnx/mnist.onnx")
    info = json.loads(run(runner_cmd("ort_run.mjs") + ["--info", model]).stdout)
    check(info["inputs"][0]["shape"] == [1, 1, 28, 28], "mnist input %s" % info["inputs"])
    correct = 0
    worst = 0.0
    for digit in range(10):
        img = os.path.join(sh, "data/tflm-mnist_lstm-samples/sample%d.png" % digit)
        nhwc = os.path.join(tmp, "d%d.npy" % digit)
        run([PY, os.path.join(ORACLES, "make_input.py"), "--image", img, "--shape", "1x28x28x1",
             "--dtype", "float32", "--scale", repr(1 / 255.0), "-o", nhwc])
        x = np.load(nhwc).transpose(0, 3, 1, 2).copy()
        np.save(nhwc, x)
        run(runner_cmd("ort_run.mjs") + [model, os.path.join(tmp, "o%d" % digit), nhwc])
        y = outputs(os.path.join(tmp, "o%d" % digit), 1)[0]
        check(y.shape == (1, 10) and y.dtype == np.float32, "output %s %s" % (y.shape, y.dtype))
        correct += int(y.argmax()) == digit
        ref = mnist_numpy_reference(model, x)
        err = float(np.max(np.abs(y - ref)))
        worst = max(worst, err / float(np.max(np.abs(ref))))
    check(correct == 10, "only %d/10 digits classified correctly" % correct)
    check(worst <= 1e-4, "onnxruntime differs from the numpy reference by %g (relative)" % worst)
    print("mnist.onnx: %d/10 real digits correct, max relative diff to numpy %.2g" % (correct, worst))


def conv_same(a, k):
    """a: C,H,W; k: O,C,kh,kw; stride 1, SAME_UPPER padding, float64."""
    c, h, wd = a.shape
    kh, kw = k.shape[2:]
    p = np.pad(a, ((0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)))
    cols = np.stack([p[:, i:i + h, j:j + wd] for i in range(kh) for j in range(kw)], axis=1)
    return np.einsum("ocij,cijhw->ohw", k, cols.reshape(c, kh, kw, h, wd))


def maxpool(a, n):
    """Kernel n, stride n, no padding (floor)."""
    c, h, wd = a.shape
    a = a[:, :h // n * n, :wd // n * n]
    return a.reshape(c, h // n, n, wd // n, n).max(axis=(2, 4))


def onnx_weights(model):
    import onnx  # noqa: PLC0415 (python3-onnx; only the ONNX cases need it)
    from onnx import numpy_helper  # noqa: PLC0415
    return {i.name: numpy_helper.to_array(i).astype(np.float64) for i in onnx.load(model).graph.initializer}


def mnist_numpy_reference(model, x):
    """Forward pass of the CNTK mnist.onnx (Conv-Add-Relu-MaxPool x2, MatMul-Add) in numpy
    float64, straight from its initializers: an ONNX Runtime-free reference."""
    w = onnx_weights(model)
    a = x[0].astype(np.float64)
    a = maxpool(np.maximum(conv_same(a, w["Parameter5"]) + w["Parameter6"], 0), 2)
    a = maxpool(np.maximum(conv_same(a, w["Parameter87"]) + w["Parameter88"], 0), 3)
    return a.reshape(1, -1) @ w["Parameter193"].reshape(256, 10) + w["Parameter194"]


def fashion_numpy_reference(model, x):
    """Forward pass of examples/fashion's fashion_cnn.onnx ((Conv 3x3 pad 1, Relu, MaxPool 2)
    x2, Flatten, Gemm, Relu, Gemm, Softmax) in numpy float64 from its initializers."""
    w = onnx_weights(model)
    a = x[0].astype(np.float64)
    for k in ("conv1", "conv2"):
        a = maxpool(np.maximum(conv_same(a, w[k + ".weight"]) + w[k + ".bias"][:, None, None], 0), 2)
    a = np.maximum(a.reshape(1, -1) @ w["fc1.weight"].T + w["fc1.bias"], 0)
    z = a @ w["fc2.weight"].T + w["fc2.bias"]
    e = np.exp(z - z.max())
    return e / e.sum()


def standin_ort_mnist(tmp):
    """ort_mnist's agreement with numpy on the committed Fashion-MNIST ONNX network and 10
    synthetic pictures (the digits' labels need ../shared)."""
    model = os.path.join(oracles.SOURCE_DIR, "examples", "fashion", "fashion_cnn.onnx")
    print("NOTE: ../shared is absent: onnxruntime-node vs numpy on %s and synthetic pictures" % model)
    info = json.loads(run(oracles.command("ort") + ["--info", model]).stdout)
    check(info["inputs"][0]["shape"] == [1, 1, 28, 28], "fashion input %s" % info["inputs"])
    worst = 0.0
    tops = set()
    for i in range(10):
        img = oracles.standin_photo(os.path.join(tmp, "p%d.png" % i), seed=60 + i, gray=True)
        nhwc = os.path.join(tmp, "d%d.npy" % i)
        run([PY, os.path.join(ORACLES, "make_input.py"), "--image", img, "--shape", "1x28x28x1",
             "--dtype", "float32", "--scale", repr(1 / 255.0), "-o", nhwc])
        x = np.load(nhwc).transpose(0, 3, 1, 2).copy()
        np.save(nhwc, x)
        run(oracles.command("ort") + [model, os.path.join(tmp, "o%d" % i), nhwc])
        y = outputs(os.path.join(tmp, "o%d" % i), 1)[0]
        check(y.shape == (1, 10) and y.dtype == np.float32, "output %s %s" % (y.shape, y.dtype))
        ref = fashion_numpy_reference(model, x)
        worst = max(worst, float(np.max(np.abs(y - ref))) / float(np.max(np.abs(ref))))
        tops.add(int(ref.argmax()))
    check(worst <= 1e-4, "onnxruntime differs from the numpy reference by %g (relative)" % worst)
    print("fashion_cnn.onnx: 10 synthetic pictures, max relative diff to numpy %.2g, %d distinct top-1"
          % (worst, len(tops)))


def standin_signature_order(tmp):
    """The committed two_outputs_signature.tflite (tests/golden/signatures): its SignatureDef
    lists the 4-value regression first, subgraph 0 the 2-class softmax first."""
    model = os.path.join(oracles.SOURCE_DIR, "tests", "golden", "signatures", "two_outputs_signature.tflite")
    print("NOTE: ../shared is absent: signature order on the committed %s" % model)
    f = facts(model)
    check([t["shape"] for t in f["outputs"]] == [[1, 2], [1, 4]], "subgraph 0 outputs %s" % f["outputs"])
    x = os.path.join(tmp, "x.npy")
    np.save(x, np.random.default_rng(1).standard_normal(f["inputs"][0]["shape"]).astype(np.float32))
    run(litert_cmd() + [model, os.path.join(tmp, "lt"), x])
    run(runner_cmd("armnn_run.py") + [model, os.path.join(tmp, "an"), x])
    lt, an = outputs(os.path.join(tmp, "lt"), 2), outputs(os.path.join(tmp, "an"), 2)
    for k, (o, t) in enumerate(zip(lt, f["outputs"])):
        check(list(o.shape) == t["shape"] and o.dtype.name == t["type"], "out%d is %s %s, subgraph says %s %s"
              % (k, o.shape, o.dtype, t["shape"], t["type"]))
        check(o.shape == an[k].shape and float(np.max(np.abs(o - an[k]))) <= 1e-5, "out%d: LiteRT %s vs Arm NN %s"
              % (k, o, an[k]))
    err = abs(float(lt[0].sum()) - 1)
    check(err < 1e-5, "out0 is not the softmax output (sum off by %g)" % err)
    print("signature order ok on the stand-in (softmax sum within %.3g, LiteRT = Arm NN)" % err)


def case_litert_signature_order(tmp):
    """Outputs come out in subgraph 0's order even where the SignatureDef lists them otherwise."""
    if not oracles.shared_present():
        return standin_signature_order(tmp)
    sh = shared_dir()
    # SignatureDef lists reg_concat (4 values per box) first, subgraph 0 lists softmax first.
    model = os.path.join(sh, "models/tflm-history/misc/custom_model_rf_keras.tflite")
    f = facts(model)
    x = os.path.join(tmp, "x.npy")
    np.save(x, np.random.default_rng(1).integers(-128, 128, f["inputs"][0]["shape"], dtype=np.int8))
    run(runner_cmd("litert_run.mjs") + [model, os.path.join(tmp, "rf"), x])
    outs = outputs(os.path.join(tmp, "rf"), 2)
    for k, (o, t) in enumerate(zip(outs, f["outputs"])):
        check(list(o.shape) == t["shape"] and o.dtype.name == t["type"], "out%d is %s %s, subgraph says %s %s"
              % (k, o.shape, o.dtype, t["shape"], t["type"]))
    probs = (outs[0].astype(np.float64) - f["outputs"][0]["zero_point"][0]) * f["outputs"][0]["scale"][0]
    err = float(np.max(np.abs(probs.sum(axis=-1) - 1)))
    check(err < 0.02, "out0 is not the softmax output (pair sums off by %g)" % err)
    # Two signatures over two subgraphs, I/O listed in a third order: shapes tell them apart.
    model2 = os.path.join(sh, "models/mediapipe-testmodels/test_two_signature_keys_model.tflite")
    f2 = facts(model2)
    ins = []
    for k, t in enumerate(f2["inputs"]):
        ins.append(os.path.join(tmp, "t%d.npy" % k))
        np.save(ins[-1], np.full(t["shape"], k + 1, np.float32))
    run(runner_cmd("litert_run.mjs") + [model2, os.path.join(tmp, "two")] + ins)
    for k, t in enumerate(f2["outputs"]):
        o = np.load(os.path.join(tmp, "two.out%d.npy" % k))
        check(list(o.shape) == t["shape"], "two-signature out%d shape %s, subgraph 0 says %s" % (k, o.shape, t["shape"]))
    print("signature order ok (softmax pair sums within %.3g)" % err)


def case_runner_contract(tmp):
    """Runners fail with exit 1 and one stderr line on bad input, and time with --repeat."""
    sh = shared_dir()
    model = os.path.join(sh, "models/mlperf-tiny-vww/vww_96_int8.tflite")
    wrong = os.path.join(tmp, "wrong.npy")
    np.save(wrong, np.zeros((1, 96, 96, 3), np.float32))
    good = os.path.join(tmp, "good.npy")
    np.save(good, np.zeros((1, 96, 96, 3), np.int8))
    short = os.path.join(tmp, "short.npy")
    np.save(short, np.zeros((1, 96, 96, 2), np.int8))
    malformed = os.path.join(sh, "models/tflm-fuzz-seed-corpus/malicious.tflite")
    for r in ("litert_run.mjs", "armnn_run.py"):
        for args in ([model, os.path.join(tmp, "w"), wrong], [model, os.path.join(tmp, "w"), short],
                     [model, os.path.join(tmp, "w")], [model, os.path.join(tmp, "w"), good, good],
                     [os.path.join(tmp, "missing.tflite"), os.path.join(tmp, "w"), good],
                     [malformed, os.path.join(tmp, "w"), good]):
            p = run(runner_cmd(r) + args, expect_rc=None)
            check(p.returncode == 1, "%s %s: exit %d, expected 1 (%s)" % (r, [os.path.basename(a) for a in args],
                                                                        p.returncode, p.stderr[-300:]))
            check(len(p.stderr.strip().splitlines()) == 1, "%s: not a one-line error: %r" % (r, p.stderr[-500:]))
        p = run(runner_cmd(r) + ["--repeat", "3", model, os.path.join(tmp, r), good])
        t = json.loads(p.stdout.strip().splitlines()[-1])
        check(0 < t["min_ms"] <= t["median_ms"], "%s --repeat gave %s" % (r, t))
        print("%s: errors ok, --repeat %s" % (r, t))
    a = np.load(os.path.join(tmp, "litert_run.mjs.out0.npy"))
    b = np.load(os.path.join(tmp, "armnn_run.py.out0.npy"))
    check(int(np.max(np.abs(a.astype(int) - b.astype(int)))) <= 2, "zero image: %s vs %s" % (a, b))
    # Dynamic batch (-1 in shape_signature): pinned by default, refused with --strict-shapes.
    hello = os.path.join(sh, "models/tflm-hello_world/hello_world_int8.tflite")
    x = os.path.join(tmp, "h.npy")
    ys = []
    for v in (-100, 0, 60):
        np.save(x, np.array([[v]], np.int8))
        run(runner_cmd("litert_run.mjs") + [hello, os.path.join(tmp, "hl"), x])
        run(runner_cmd("armnn_run.py") + [hello, os.path.join(tmp, "ha"), x])
        a, b = np.load(os.path.join(tmp, "hl.out0.npy")), np.load(os.path.join(tmp, "ha.out0.npy"))
        check(a.shape == b.shape == (1, 1) and abs(int(a[0, 0]) - int(b[0, 0])) <= 1, "hello_world(%d): %s vs %s" % (v, a, b))
        ys.append(int(a[0, 0]))
    check(len(set(ys)) == 3, "hello_world output does not depend on its input: %s" % ys)
    p = run(runner_cmd("litert_run.mjs") + ["--strict-shapes", hello, os.path.join(tmp, "hl"), x], expect_rc=None)
    check(p.returncode == 1, "--strict-shapes accepted a dynamic batch")
    # An output that is a graph input: LiteRT.js leaves it unset, so the runner refuses.
    passthru = os.path.join(sh, "models/mediapipe-testmodels/3in3out_model_swaps_input_2_and_0.tflite")
    ins = []
    for k in range(3):
        ins.append(os.path.join(tmp, "p%d.npy" % k))
        np.save(ins[-1], np.full((1, 1), k, np.float32))
    p = run(runner_cmd("litert_run.mjs") + [passthru, os.path.join(tmp, "pt")] + ins, expect_rc=None)
    check(p.returncode == 1 and "graph input" in p.stderr, "pass-through outputs not refused: %r" % p.stderr)
    mnist = os.path.join(sh, "models/ort-examples-onnx/mnist.onnx")
    p = run(runner_cmd("ort_run.mjs") + [mnist, os.path.join(tmp, "m"), wrong], expect_rc=None)
    check(p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1, "ort_run on a bad input: %d %r" % (p.returncode, p.stderr))


def case_npy_roundtrip(tmp):
    """npy.mjs reads and writes every dtype the runners exchange bit-exactly, like numpy."""
    rng = np.random.default_rng(7)
    arrays = {
        "float32": rng.standard_normal((2, 3, 5)).astype(np.float32),
        "int8": rng.integers(-128, 128, (7, 3), dtype=np.int8),
        "uint8": rng.integers(0, 256, (1, 4, 4, 3), dtype=np.uint8),
        "int16": rng.integers(-32768, 32768, (9,), dtype=np.int16),
        "int32": rng.integers(-2**31, 2**31, (2, 2), dtype=np.int32),
        "int64": rng.integers(-2**62, 2**62, (3, 1), dtype=np.int64),
        "bool": rng.integers(0, 2, (4, 2)).astype(np.bool_),
        "scalar": np.array(3.5, np.float32),
    }
    names = []
    for name, a in arrays.items():
        np.save(os.path.join(tmp, name + ".npy"), a)
        names.append(name)
    script = os.path.join(tmp, "rt.mjs")
    with open(script, "w") as fh:
        fh.write("import { readNpy, writeNpy } from %s;\n" % json.dumps("file://" + os.path.join(ORACLES, "npy.mjs")))
        fh.write("for (const n of process.argv.slice(2)) { const a = readNpy(`%s/${n}.npy`);"
                 " writeNpy(`%s/${n}.back.npy`, a.dtype, a.shape, a.data); }\n" % (tmp, tmp))
    run([node(), script] + names)
    for name, a in arrays.items():
        b = np.load(os.path.join(tmp, name + ".back.npy"))
        check(b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b), "%s changed in the round trip" % name)
    # A Fortran-order array must be refused, not misread.
    np.save(os.path.join(tmp, "fortran.npy"), np.asfortranarray(arrays["int32"].T.copy()))
    p = run([node(), script, "fortran"], expect_rc=None)
    check(p.returncode != 0 and "Fortran" in p.stderr, "Fortran-order array was accepted")
    print("npy round trip ok for %d arrays" % len(arrays))


def case_make_input(tmp):
    """make_input.py: float and int8 tensors of one image agree through the quantization formula
    (a real photo from ../shared; a synthetic one without it: the formula holds on any picture)."""
    img = oracles.image_or_standin("coral-images/grace_hopper.bmp", tmp, width=73, height=91)
    mk = [PY, os.path.join(ORACLES, "make_input.py"), "--image", img, "--shape", "1x40x30x3"]
    f = os.path.join(tmp, "f.npy")
    q = os.path.join(tmp, "q.npy")
    g = os.path.join(tmp, "g.npy")
    run(mk + ["--dtype", "float32", "--scale", "0.5", "--offset", "-3", "-o", f])
    run(mk + ["--dtype", "int8", "--scale", "0.5", "--offset", "-3", "--quant-scale", "0.25", "--quant-zp", "-7", "-o", q])
    run(mk[:-1] + ["1x40x30x1", "--dtype", "uint8", "--resize-mode", "crop", "-o", g])
    fv, qv, gv = np.load(f), np.load(q), np.load(g)
    check(fv.shape == (1, 40, 30, 3) and fv.dtype == np.float32, "float shape %s %s" % (fv.shape, fv.dtype))
    check(fv.min() >= -3 and fv.max() <= 0.5 * 255 - 3 and fv.std() > 5, "float values implausible")
    expect = np.clip(np.sign(fv / 0.25) * np.floor(np.abs(fv / 0.25) + 0.5) - 7, -128, 127)
    check(qv.dtype == np.int8 and np.array_equal(qv.astype(np.float64), expect), "int8 values do not follow the formula")
    check(gv.shape == (1, 40, 30, 1) and gv.dtype == np.uint8 and gv.std() > 5, "gray image %s %s" % (gv.shape, gv.dtype))
    p = run(mk + ["--dtype", "int8", "-o", q, "--image", os.path.join(tmp, "nope.png")], expect_rc=None)
    check(p.returncode != 0, "a missing image was accepted")
    print("make_input ok")


def case_npy_compare(tmp):
    """npy_compare.py computes steps, SQNR and argmax, and enforces the limits it is given."""
    cmp_ = [PY, os.path.join(ORACLES, "npy_compare.py")]
    a, b, c, f = (os.path.join(tmp, n + ".npy") for n in "abcf")
    np.save(a, np.array([[-128, 5, 100, 7]], np.int8))
    np.save(b, np.array([[-127, 5, 97, 7]], np.int8))
    np.save(c, np.array([[-127, 5, 97, 7]], np.int16))
    ref = np.array([1.0, -2.0, 3.0], np.float32)
    np.save(f, ref)
    st = json.loads(run(cmp_ + [a, b, "--max-steps", "3", "--same-argmax"]).stdout)
    check(st["max_steps"] == 3 and st["argmax_equal"], "int8 stats wrong: %s" % st)
    expect = 10 * np.log10(np.sum(np.array([-127, 5, 97, 7.0]) ** 2) / 10)
    check(abs(st["sqnr_db"] - expect) < 1e-9, "sqnr %s, expected %s" % (st["sqnr_db"], expect))
    check(run(cmp_ + [a, b, "--max-steps", "2"], expect_rc=None).returncode == 1, "3 steps passed --max-steps 2")
    check(run(cmp_ + [a, c], expect_rc=None).returncode == 1, "int8 vs int16 was compared")
    noisy = os.path.join(tmp, "noisy.npy")
    np.save(noisy, ref * (1 + 1e-5))
    check(run(cmp_ + [noisy, f, "--rtol", "1e-4"], expect_rc=None).returncode == 0, "1e-5 relative failed --rtol 1e-4")
    check(run(cmp_ + [noisy, f, "--rtol", "1e-6"], expect_rc=None).returncode == 1, "1e-5 relative passed --rtol 1e-6")
    check(run(cmp_ + [noisy, f, "--min-sqnr", "120"], expect_rc=None).returncode == 1, "SQNR 100 dB passed 120")
    print("npy_compare ok")


def case_python_api(tmp):
    """tests/oracles/oracles.py: runs runners on numpy arrays, returns outputs and timings,
    and turns failures into OracleError. Without ../shared (CI unset): the committed golden
    int8 network on a synthetic picture, LiteRT's answers replayed from tests/golden/recorded."""
    try:
        if oracles.shared_present():
            model = os.path.join(shared_dir(), "models/mlperf-tiny-vww/vww_96_int8.tflite")
        else:
            model = os.path.join(oracles.SOURCE_DIR, "tests", "golden", "vectors", "net_small_cnn.tflite")
        shape = oracles.tflite_facts(model)["inputs"][0]["shape"]
        x = np.load(image_input(tmp, oracles.image_or_standin("coral-images/grace_hopper.bmp", tmp), model, "x"))
        lt = oracles.run("litert", model, [x])
        an, t = oracles.run("armnn", model, [x], repeat=2)
    except oracles.OracleSkip as e:
        raise Skip(str(e)) from e
    check(len(lt) == 1 and len(an) == 1 and lt[0].dtype == np.int8, "outputs %s %s" % (lt, an))
    check(int(np.max(np.abs(lt[0].astype(int) - an[0].astype(int)))) <= 2, "%s vs %s" % (lt, an))
    check(t["min_ms"] > 0, "timing %s" % t)
    check(oracles.tflite_facts(model)["inputs"][0]["shape"] == shape and len(shape) == 4, "facts")
    check(oracles.info("armnn", model)["inputs"][0]["dtype"] == "int8", "armnn info")
    try:
        oracles.run("litert", model, [x.astype(np.float32)])
        raise Fail("a float32 input to an int8 model was accepted")
    except oracles.OracleError as e:
        check("dtype" in str(e), "unexpected error text: %s" % e)
    print("oracles.py ok")


CASES = {
    "vww_float": case_vww_float,
    "vww_int8": case_vww_int8,
    "resnet8_int8": case_resnet8_int8,
    "mobilenet_uint8": case_mobilenet_uint8,
    "facts_resnet8": case_facts_resnet8,
    "ort_mnist": case_ort_mnist,
    "litert_signature_order": case_litert_signature_order,
    "runner_contract": case_runner_contract,
    "npy_roundtrip": case_npy_roundtrip,
    "make_input": case_make_input,
    "npy_compare": case_npy_compare,
    "python_api": case_python_api,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.stderr.write("usage: oracle_selftest.py {%s}\n" % ",".join(CASES))
        return 1
    tmp = tempfile.mkdtemp(prefix="nq-oracle-%s-" % sys.argv[1])
    try:
        oracles.main(lambda: CASES[sys.argv[1]](tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
