#!/usr/bin/python3
"""npuquant.Converter on the bundled demo models (no ../shared needed):
  - every form of representative_dataset (a generator function of lists,
    single arrays, dicts, batches of 4; a list of samples; one [N, ...]
    array) and every spelling of the inference types (np.uint8, "uint8",
    np.dtype) give the same bytes;
  - the report against the CLI: report.outputs' SQNR/max error equal
    `npuquant compare --json` of the float model and the written file on the
    same data (eval_dataset too), report.npu equals `inspect --npu --json`;
    report.save() writes that as JSON (inf SQNR as null), str() sums it up;
  - conv.compare() is npuquant.compare on the last result;
  - inference_output_type=np.float32 gives a float output; .model runs;
  - recipe="auto" writes the CLI's default file (the automatic recipe),
    recipe="tf" TensorFlow's min/max whatever calibration says, and any
    other recipe is refused by name;
  - report.data holds the data notes only, report.notes the others with
    their topic, and the CLI marks only the data notes "data:"."""
import json
import os
import subprocess
import tempfile
import warnings

import numpy as np

from pyhelpers import SOURCE, check, finish, npuquant

CLI = os.environ["NQ_CLI"]
ONNX = os.path.join(SOURCE, "examples", "fashion", "fashion_cnn.onnx")


def cli_json(*args):
    r = subprocess.run([CLI, *args, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"npuquant {' '.join(args)}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def converted(data, **attrs):
    conv = npuquant.Converter.from_onnx(ONNX)
    conv.representative_dataset = data
    for k, v in attrs.items():
        setattr(conv, k, v)
    with warnings.catch_warnings():
        warnings.simplefilter("error", npuquant.NpuquantWarning)  # clean data: no warning expected
        return conv, conv.convert()


def main():
    rng = np.random.default_rng(21)
    x = rng.random((12, 1, 1, 28, 28), dtype=np.float32)  # 12 samples, each the input's shape
    ev = rng.random((20, 1, 1, 28, 28), dtype=np.float32)
    conv, ref = converted(lambda: ([s] for s in x), inference_input_type=np.uint8)
    forms = {
        "single arrays": lambda: (s for s in x),
        "dicts": lambda: ({"input": s} for s in x),
        "batches of 4": lambda: ([x[i:i + 4, 0]] for i in range(0, 12, 4)),
        "a list of samples": [[s] for s in x],
        "one [N, ...] array": x[:, 0],
    }
    for what, data in forms.items():
        check(bytes(converted(data, inference_input_type=np.uint8)[1]) == bytes(ref),
              f"representative_dataset as {what}: the same bytes")
    for t in ("uint8", np.dtype("uint8")):
        check(bytes(converted(x[:, 0], inference_input_type=t)[1]) == bytes(ref),
              f"inference_input_type={t!r}: the same bytes as np.uint8")

    with tempfile.TemporaryDirectory() as tmp:
        calib, evp, out = (os.path.join(tmp, n) for n in ("calib.npy", "ev.npy", "q.tflite"))
        np.save(calib, x[:, 0])
        np.save(evp, ev[:, 0])
        ref.save(out)
        rep, last = ref.report, ref
        for name, data, path in (("calibration", x, calib), ("eval_dataset", ev, evp)):
            if name == "eval_dataset":
                conv.eval_dataset = ev[:, 0]
                last = conv.convert()
                rep = last.report
            want = cli_json("compare", ONNX, out, "-d", path)["outputs"][0]
            got = rep.outputs[0]
            check(rep.samples == 12 and got["samples"] == len(data)
                  and abs(got["sqnr_db"] - want["sqnr_db"]) < 1e-6 * abs(want["sqnr_db"])
                  and abs(got["max_abs_error"] - want["max_abs_error"]) <= 1e-6,
                  f"report SQNR on the {name} samples equals `npuquant compare --json`: {got['sqnr_db']:.4f} vs "
                  f"{want['sqnr_db']:.4f} dB")
        npu = cli_json("inspect", out, "--npu", "imx8mp")["npu"]
        check(rep.npu["nodes"] == npu["nodes"] and rep.npu["cpu_fallback_nodes"] == npu["cpu_fallback_nodes"]
              and len(rep.npu["findings"]) == len(npu["findings"]),
              f"report.npu equals `inspect --npu imx8mp --json`: {rep.npu['nodes']} nodes, "
              f"{rep.npu['cpu_fallback_nodes']} on the CPU")
        saved = os.path.join(tmp, "report.json")
        rep.save(saved)
        with open(saved) as f:
            j = json.load(f)
        check(j["outputs"][0]["sqnr_db"] == rep.outputs[0]["sqnr_db"] and j["options"]["input_type"] == "uint8"
              and j["data"] == rep.data, "report.save() writes the report as JSON (figures, recipe, data)")
        text = str(rep)
        check("SQNR" in text and "on the NPU" in text and "12 samples" in text, f"str(report) sums it up: {text}")

    r = conv.compare(samples=ev[:, 0])
    want = npuquant.compare(conv.model, last.model, ev[:, 0])
    check(r["outputs"][0]["sqnr_db"] == want["outputs"][0]["sqnr_db"], "conv.compare() is npuquant.compare")
    same = npuquant.Converter.from_onnx(ONNX).compare(ref.model, x[:, 0])
    check(same["samples"] == 12, "compare(int8_model, samples) on a fresh Converter")

    with tempfile.TemporaryDirectory() as tmp:
        calib, cli_auto = os.path.join(tmp, "calib.npy"), os.path.join(tmp, "auto.tflite")
        np.save(calib, x[:, 0])
        subprocess.run([CLI, "convert", ONNX, "-d", calib, "--input-type", "uint8", "-o", cli_auto, "--quiet"],
                       check=True)
        with open(cli_auto, "rb") as f:
            want = f.read()
        _, auto = converted(x[:, 0], inference_input_type=np.uint8, recipe="auto")
        check(bytes(auto) == want and auto.report.options["recipe"] == "auto",
              "recipe='auto': the bytes of `npuquant convert` with its default (automatic) recipe")
        # target None (the CPU) lets the automatic recipe escalate to 16x8, as `--npu none` does
        cli_cpu = os.path.join(tmp, "cpu.tflite")
        subprocess.run([CLI, "convert", ONNX, "-d", calib, "--input-type", "uint8", "-o", cli_cpu, "--quiet",
                        "--npu", "none"], check=True)
        with open(cli_cpu, "rb") as f:
            want_cpu = f.read()
        _, cpu = converted(x[:, 0], inference_input_type=np.uint8, recipe="auto", target=None)
        check(bytes(cpu) == want_cpu and cpu.report.options["recipe_int16"] is True,
              "recipe='auto', target=None: the bytes of `npuquant convert --npu none`")
        # per_channel_fc and recipe_budget reach the library as the CLI's flags do.
        for attrs, flags in (({"recipe": "tf", "per_channel_fc": True}, ["--recipe", "tf", "--per-channel-fc"]),
                             ({"recipe": "auto", "recipe_budget": 1e-9}, ["--recipe-budget", "1e-9"]),
                             ({"recipe": "tf", "activations": "int16"}, ["--recipe", "tf", "--activations", "int16"])):
            path = os.path.join(tmp, "flags.tflite")
            subprocess.run([CLI, "convert", ONNX, "-d", calib, "--input-type", "uint8", "-o", path, "--quiet", *flags],
                           check=True, capture_output=True)
            with open(path, "rb") as f:
                want = f.read()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", npuquant.NpuquantWarning)  # per-channel FC warns by design
                conv_f = npuquant.Converter.from_onnx(ONNX)
                conv_f.representative_dataset, conv_f.inference_input_type = x[:, 0], np.uint8
                for k, v in attrs.items():
                    setattr(conv_f, k, v)
                got = conv_f.convert()
            check(bytes(got) == want and bytes(got) != bytes(ref) and bytes(got) != bytes(auto),
                  f"{attrs}: the bytes of `npuquant convert {' '.join(flags)}` (and not the default's)")
        for bad in ("int4", None):
            try:
                converted(x[:, 0], recipe="tf", activations=bad)
                check(False, f"activations={bad!r} is refused")
            except npuquant.InvalidArgument as e:
                check("activations" in str(e), f"activations={bad!r} is refused: {e}")
        for bad in (0, float("nan"), "big", True):
            try:
                converted(x[:, 0], recipe="auto", recipe_budget=bad)
                check(False, f"recipe_budget={bad!r} is refused")
            except (npuquant.InvalidArgument, TypeError) as e:
                check("recipe_budget" in str(e), f"recipe_budget={bad!r} is refused: {e}")
    _, tf = converted(x[:, 0], inference_input_type=np.uint8, recipe="tf", calibration="mse", equalize=True)
    check(bytes(tf) == bytes(ref), "recipe='tf': TensorFlow's min/max whatever calibration/equalize say")
    try:
        converted(x[:, 0], recipe="best")
        check(False, "recipe='best' is refused")
    except npuquant.InvalidArgument as e:
        check("recipe must be" in str(e) and "'best'" in str(e), f"recipe='best' is refused: {e}")

    _, f32 = converted(x[:, 0], inference_output_type=np.float32)
    check(f32.model.outputs[0]["dtype"] == np.float32 and f32.model.inputs[0]["dtype"] == np.int8,
          "inference_output_type=np.float32: a float output, int8 input")
    qi = ref.model.inputs[0]
    xq = np.clip(np.round(x[0] / qi["scale"][0]) + qi["zero_point"][0], 0, 255).astype(np.uint8)
    y = ref.model.run([xq])[0]
    check(y.shape == (1, 10) and y.dtype == np.int8, f"convert().model runs: {y.shape} {y.dtype}")
    # split_weights: as `convert --split-weights`; one layer by name becomes two and an ADD,
    # and the CLI writes the same bytes; an unknown name is refused by name.
    _, ws = converted(x[:, 0], recipe="tf", split_weights=["/conv2/Conv"])
    with tempfile.TemporaryDirectory() as tmp:
        calib, out = os.path.join(tmp, "calib.npy"), os.path.join(tmp, "ws.tflite")
        np.save(calib, x[:, 0])
        subprocess.run([CLI, "convert", ONNX, "-d", calib, "--recipe", "tf", "--split-weights", "/conv2/Conv",
                        "-o", out, "--quiet"], check=True, capture_output=True)
        check(open(out, "rb").read() == bytes(ws), "split_weights=[name]: the CLI's --split-weights bytes")
        facts = cli_json("inspect", out)
        ops = {o["op"]: o["count"] for o in facts["ops"]}
        check(ops.get("CONV_2D") == 3 and ops.get("ADD") == 1, f"split_weights: one conv more and an ADD ({ops})")
        # Each note carries its topic from the library: report.data is the samples' line alone,
        # the split and the layer-wise ranges are notes of their topics, and the CLI marks
        # only the data line "data:".
        _, tn = converted(x[:, 0], split_weights=["/conv2/Conv"], calibration="layerwise")
        topics = [n["topic"] for n in tn.report.notes]
        check(len(tn.report.data) == 1 and tn.report.data[0].startswith("input 'input' ")
              and topics == ["calibration", "split_weights"]
              and tn.report.notes[0]["text"].startswith("layer-wise ranges")
              and tn.report.notes[1]["text"].startswith("--split-weights: weight-only SQNR"),
              f"notes by topic: data {tn.report.data}, notes {tn.report.notes}")
        r = subprocess.run([CLI, "convert", ONNX, "-d", calib, "--split-weights", "/conv2/Conv", "--calibration",
                            "layerwise", "-o", out], capture_output=True, text=True)
        said = [ln for ln in r.stderr.splitlines() if ln.startswith("npuquant: ")]
        want = ["npuquant: data: " + tn.report.data[0]] + ["npuquant: " + n["text"] for n in tn.report.notes]
        check(r.returncode == 0 and all(w in r.stderr.splitlines() for w in want),
              f"the CLI prints the data line as 'data:' and the other notes as they are: {said}")
    names = [npuquant._native.text(npuquant._native.lib.nq_note_topic_name(t)) for t in range(7)]
    check(names == ["data", "calibration", "recipe", "float_tail", "split_outputs", "split_weights", "int16"]
          and npuquant._native.lib.nq_note_topic_name(7) is None and npuquant._native.lib.nq_note_topic_name(-1) is None,
          f"nq_note_topic_name: one name per topic, NULL past them ({names})")
    try:
        converted(x[:, 0], split_weights="no_such_layer")
        check(False, "split_weights='no_such_layer' is refused")
    except npuquant.InvalidArgument as e:
        check("'no_such_layer'" in str(e), f"split_weights with an unknown name is refused by name: {e}")
    return finish("python_converter")


if __name__ == "__main__":
    raise SystemExit(main())
