#!/usr/bin/python3
"""A pre-norm transformer encoder block from torch converts to int8 (issue 10 item 3).

The block (seeded weights, d = 32, 4 heads, 16 tokens) is what ViT-style
classifiers and OCR recognisers repeat: LayerNorm -> one Linear for q, k, v ->
split -> per-head reshape/transpose -> q @ k^T / sqrt(d_head) -> Softmax ->
@ v -> merge heads -> Linear + residual -> LayerNorm -> Linear -> GELU (erf
form) -> Linear + residual. Exported twice: opset 17 (LayerNormalization
op) and opset 14 (LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div).
The two attention MatMuls read two activations: BATCH_MATMUL, quantized with
TFLite's int8 rules (per-tensor int8 inputs, int32 accumulation, one output
scale).
For each export:
  1. float: our output equals torch's within 1e-5 (absolute, outputs of
     order 1) and, when onnxruntime-node is there, onnxruntime's;
  2. the float graph is BATCH_MATMUL x2, SOFTMAX, GELU and the LayerNorm
     canonical form (RSQRT), with no DIV, POW or ERF left;
  3. int8: `convert --eval-data` (random calibration and evaluation token
     sets) gives SQNR >= 25 dB against float, the int8 model is fully int8
     (BATCH_MATMUL v2 and GELU int8) and LiteRT.js runs it bit-identically
     to our int8 executor (single rounding).
Exit: 0 pass, 1 failure, 77 skip (torch, python3-onnx, node or LiteRT.js missing).
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

try:
    import numpy as np
    import torch
except ImportError as e:
    oracles.skip("torch is not installed: %s" % e)

FLOAT_TOL = 1e-5
MIN_SQNR = 25.0
N_CALIB = 32
D, HEADS, TOKENS = 32, 4, 16


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.fc1, self.fc2 = nn.Linear(D, 2 * D), nn.Linear(2 * D, D)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        heads = [z.reshape(b, t, HEADS, d // HEADS).transpose(1, 2) for z in (q, k, v)]
        a = (heads[0] @ heads[1].transpose(-2, -1)) / (d // HEADS) ** 0.5
        o = (a.softmax(-1) @ heads[2]).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(o)
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(x))))


def check_export(c, tmp, model, opset, xs):
    tag = "opset %d" % opset
    path = os.path.join(tmp, "block%d.onnx" % opset)
    x0 = torch.from_numpy(xs[:1])
    torch.onnx.export(model, x0, path, opset_version=opset, input_names=["x"], output_names=["y"])
    x0_path = os.path.join(tmp, "x0.npy")
    np.save(x0_path, xs[:1])
    with torch.no_grad():
        ref = model(x0).numpy()
    ours = oracles.run_ours(path, [x0_path])[0]
    err = float(np.abs(ours - ref).max())
    c.check(err <= FLOAT_TOL, "%s: float output differs from torch by %.3g" % (tag, err))
    try:
        ort = oracles.run("ort", path, [x0_path])[0]
        err = float(np.abs(ours - ort).max())
        c.check(err <= FLOAT_TOL, "%s: float output differs from onnxruntime by %.3g" % (tag, err))
    except oracles.OracleSkip as e:
        print("(onnxruntime-node not available: %s)" % e)

    ops = {o["op"]: o["count"] for o in oracles.cli_json("inspect", path)["ops"]}
    for op, n in (("BATCH_MATMUL", 2), ("SOFTMAX", 1), ("GELU", 1), ("RSQRT", 2)):
        c.check(ops.get(op) == n, "%s: expected %d %s in the float graph, got %s" % (tag, n, op, ops))
    for op in ("DIV", "POW", "ERF"):
        c.check(op not in ops, "%s: %s left in the float graph: %s" % (tag, op, ops))

    calib, evald = os.path.join(tmp, "calib.npy"), os.path.join(tmp, "eval.npy")
    np.save(calib, xs[:N_CALIB])
    np.save(evald, xs[N_CALIB:])
    int8 = os.path.join(tmp, "block%d.int8.tflite" % opset)
    p = oracles.cli("convert", path, "-d", calib, "--eval-data", evald, "-o", int8, "--json")
    if not c.check(p.returncode == 0, "%s: convert failed: %s" % (tag, p.stderr.strip())):
        return
    sq = oracles.sqnr(json.loads(p.stdout)["outputs"][0])
    c.check(sq >= MIN_SQNR, "%s: int8 SQNR %.1f dB (at least %.0f expected)" % (tag, sq, MIN_SQNR))
    facts = oracles.cli_json("inspect", int8, "--tensors")
    floats = [t["name"] for t in facts["tensors"] if t["type"] == "float32"]
    c.check(not floats, "%s: float32 tensors left in the int8 model: %s" % (tag, floats[:5]))

    qi = oracles.tflite_facts(int8)["inputs"][0]
    steps = 0
    for k in range(N_CALIB, N_CALIB + 4):
        xq = np.clip(np.round(xs[k:k + 1] / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
        xq_path = os.path.join(tmp, "xq.npy")
        np.save(xq_path, xq)
        lite = oracles.run("litert", int8, [xq_path])[0]
        mine = oracles.run_ours(int8, [xq_path], ["--single-rounding"])[0]
        steps = max(steps, oracles.max_steps(lite, mine))
    c.check(steps == 0, "%s: int8 output differs from LiteRT.js by %d steps (bit-identical expected)" % (tag, steps))
    print("%s: float |ours - torch| %.2g, int8 SQNR %.1f dB, LiteRT.js steps %d" % (tag, err, sq, steps))


def test():
    c = oracles.Checks("transformer_block")
    torch.manual_seed(10)
    model = Block().eval()
    xs = np.random.default_rng(10).standard_normal((2 * N_CALIB, TOKENS, D)).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="nq-block-") as tmp:
        oracles.require("litert", os.path.join(tmp, "none.tflite"))
        for opset in (17, 14):
            check_export(c, tmp, model, opset, xs)
    c.finish()


if __name__ == "__main__":
    oracles.main(test)
