#!/usr/bin/python3
"""Model facts and the NPU report from the binding equal what
`npuquant inspect --json --tensors --npu T` prints, for shared models of
every kind (int8, uint8 and float TFLite, Keras .h5, ONNX) and all three NPU
targets: Model.source, .inputs, .outputs, .tensors, .nodes, .ops and
Model.npu_report(T). Without ../shared: the committed golden models (int8 and uint8
TFLite, the Keras and ONNX CNNs of tests/golden)."""
import json
import os
import subprocess
import sys

from pyhelpers import check, finish, npuquant

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

CLI = os.environ["NQ_CLI"]
MODELS = [
    "coral-int8-ptq/deeplabv3_mnv2_dm05_pascal_quant.tflite",
    "tflm-micro_speech/micro_speech_quantized.tflite",
    "tflm-person_detect/person_detect.tflite",
    "tfls-misc/mobilenet_v2_1.0_224_quant.tflite",
    "coral-int8-ptq/split_concat.tflite",
    "mlperf-tiny-ad/ad01_int8.tflite",
    "tfls-misc/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite",  # a CUSTOM op, counted by its code
    "mlperf-tiny-vww/vww_96_int8.tflite",
    "mlperf-tiny-kws/kws_ref_model.tflite",
    "mobilenet_v1_0.25_128/mobilenet_v1_0.25_128_quant.tflite",
    "mlperf-tiny-ic-resnet8/pretrainedResnet.tflite",
    "keras-h5-face_classification/fer2013_mini_XCEPTION.102-0.66.hdf5",
    "ort-examples-onnx/mnist.onnx",
]
GOLDEN_MODELS = ["net_small_cnn.tflite", "net_small_mlp.tflite", "mean_spatial_uint8.tflite",
                 "../frontends/cnn.h5", "../frontends/cnn.onnx"]


def close_list(a, b):
    return len(a) == len(b) and all(abs(x - y) <= 1e-8 * max(abs(x), abs(y)) for x, y in zip(a, b))


def same_tensor(p, c):
    """One tensor description: the binding's dict against inspect's JSON."""
    return (p["name"] == c["name"] and p["shape"] == c["shape"] and p["dtype"].name == c["type"]
            and close_list(p["scale"], c["scale"]) and p["zero_point"] == c["zero_point"]
            and p["quantized_dimension"] == c["quantized_dimension"]
            and ("constant" not in c or (p["constant"] == c["constant"] and p["bytes"] == c["bytes"]))
            and ("index" not in c or p["index"] == c["index"]))


def same_npu(p, c):
    if (p["target"], p["nodes"], p["cpu_fallback_nodes"]) != (c["target"], c["nodes"], c["cpu_fallback_nodes"]):
        return False
    if len(p["findings"]) != len(c["findings"]):
        return False
    for pf, cf in zip(p["findings"], c["findings"]):
        if (pf["node"], pf["op"], pf["name"], pf["cpu_fallback"], pf["reason"]) != (
                cf["node"], cf.get("op"), cf.get("name"), cf["cpu_fallback"], cf["reason"]):
            print(f"  finding differs: binding {pf}, CLI {cf}")
            return False
    return True


def main():
    models, golden = oracles.models_dir()
    targets = npuquant.npu_targets()
    check(targets == ["imx8mp", "ethos-u", "edgetpu"], f"npu_targets() lists the three targets: {targets}")
    fallbacks_seen = 0
    for rel in GOLDEN_MODELS if golden else MODELS:
        path = os.path.join(models, rel)
        m = npuquant.Model(path)
        name = os.path.basename(rel)
        facts = None
        for t in targets:
            out = subprocess.run([CLI, "inspect", path, "--json", "--tensors", "--npu", t], check=True,
                                 capture_output=True, text=True).stdout
            facts = json.loads(out)
            rep = m.npu_report(t)
            fallbacks_seen += rep["cpu_fallback_nodes"]
            check(same_npu(rep, facts["npu"]),
                  f"{name}: npu_report('{t}') equals inspect --npu {t} --json "
                  f"({rep['cpu_fallback_nodes']} of {rep['nodes']} nodes on the CPU)")
        check(m.source == path, f"{name}: Model.source is the file")
        check(m.ops == facts["ops"], f"{name}: Model.ops equals inspect's ops ({len(m.ops)} kinds)")
        check(len(m.nodes) == facts["num_operators"] and sum(o["count"] for o in m.ops) == len(m.nodes),
              f"{name}: Model.nodes has every operator")
        check(all(same_tensor(p, c) for p, c in zip(m.inputs, facts["inputs"])) and
              all(same_tensor(p, c) for p, c in zip(m.outputs, facts["outputs"])) and
              len(m.inputs) == len(facts["inputs"]) and len(m.outputs) == len(facts["outputs"]),
              f"{name}: inputs and outputs equal inspect's")
        ts = m.tensors
        check(len(ts) == facts["num_tensors"] and all(same_tensor(p, c) for p, c in zip(ts, facts["tensors"])),
              f"{name}: all {len(ts)} tensors (quantization, constness, bytes) equal inspect --tensors")
        m.close()
    check(fallbacks_seen > 0, "some nodes fall back somewhere (the comparison is not all-empty)")
    return finish("python_model_facts")


if __name__ == "__main__":
    sys.exit(main())
