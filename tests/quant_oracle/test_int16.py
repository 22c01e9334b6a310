#!/usr/bin/python3
"""TFLite's 16x8 quantization (`convert --activations int16`, `--int16-layers`), checked in LiteRT.js.

The model is a small float SiLU conv net written by make_silu_net (argv[1]): conv, SiLU
(LOGISTIC x MUL), depthwise, HARD_SWISH (TFLite has no int16 kernel for it), 1x1 conv, SiLU,
residual ADD, max pool, conv, average pool, reshape, fully connected. Samples are seeded
Gaussian images (24 to calibrate, 8 others to evaluate). Asserted:
- with --activations int16 every activation is int16 with zero point 0 and
  scale = max|range| / 32767 within rounding, the LOGISTIC outputs are 1/32768 zero point 0,
  the conv/depthwise/FC biases are int64 (weights int8), HARD_SWISH is computed by ADD + RELU6,
  MUL, MUL in int16 (TFLite has no int16 HARD_SWISH) and a note
  names it;
- LiteRT.js runs the int16 model and its SQNR against the float model (LiteRT.js too) is
  at least 15 dB above the int8 conversion's;
- npuquant's executor's output equals LiteRT.js's bit for bit on the 16x8 models (with every
  node but the fully connected one int16, and with all of them: its per-tensor 16x8
  FULLY_CONNECTED requantizes in double as LiteRT does, once one step off on 3 of 8 samples);
  a model with a kernel it lacks says it was not checked (a NOTE);
- --int16-layers pw,pw_silu: those two nodes' outputs are int16 and the rest int8, with a
  DEQUANTIZE + QUANTIZE into the int16 region (TFLite's QUANTIZE cannot widen int8) and a
  QUANTIZE out of it; LiteRT.js runs it;
- bad input: an unknown name in --int16-layers fails (exit 1) naming every unknown name;
  --bias-correct or --weight-round with int16 activations is a usage error (exit 2);
  --int16-layers naming HARD_SWISH warns that it stays int8.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import oracles  # noqa: E402

MIN_GAIN_DB = 15.0
IO = ["--recipe", "tf", "--input-type", "float32", "--output-type", "float32", "--no-float-tail",
      "--npu", "none", "--quiet"]


def tensors(path):
    return {t["name"]: t for t in oracles.cli_json("inspect", path, "--tensors")["tensors"]}


def run_all(model, xs):
    return np.concatenate([oracles.run("litert", model, [x])[0].ravel().astype(np.float64) for x in xs])


def test():
    gen = sys.argv[1]
    checks = oracles.Checks("quant_int16")
    with tempfile.TemporaryDirectory(prefix="nq-int16-") as tmp:
        model = os.path.join(tmp, "silu.tflite")
        subprocess.run([gen, model], check=True)
        oracles.require("litert", model)
        rng = np.random.default_rng(7)
        cal = os.path.join(tmp, "cal.npy")
        np.save(cal, rng.normal(0, 1, (24, 16, 16, 3)).astype(np.float32))
        xs = [rng.normal(0, 1, (1, 16, 16, 3)).astype(np.float32) for _ in range(8)]
        ref = run_all(model, xs)

        q8, q16 = os.path.join(tmp, "int8.tflite"), os.path.join(tmp, "int16.tflite")
        oracles.cli("convert", model, "-d", cal, "-o", q8, *IO, check=True)
        p = oracles.cli("convert", model, "-d", cal, "-o", q16, "--activations", "int16", *IO, check=True)
        # TFLite has no int16 HARD_SWISH: with every node in 16x8 it is computed by ADD(x, 3) with
        # RELU6, MUL and MUL (a note says so without --quiet), so nothing stays int8
        checks.check("stay" not in p.stderr, "no node stays int8: " + p.stderr[-400:])
        loud = oracles.cli("convert", model, "-d", cal, "-o", q16, "--activations", "int16",
                           *[a for a in IO if a != "--quiet"], check=True)
        checks.check("npuquant: 16x8: 1 HARD_SWISH node computed as ADD(x, 3) with RELU6" in loud.stderr,
                     "a note says the HARD_SWISH is computed by int16 ops: " + loud.stderr[-400:])
        t = tensors(q16)
        for name in ("stem", "stem_silu", "dw", "pw", "pw_silu", "res", "pool", "head", "gap", "flat"):
            x = t[name]
            checks.check(x["type"] == "int16" and x["zero_point"] == [0],
                         "%s: int16, zero point 0 (%s %s)" % (name, x["type"], x["zero_point"]))
        for name in ("dw_hswish", "dw_hswish_plus3", "dw_hswish_times"):
            checks.check(t[name]["type"] == "int16", "%s: int16 (%s)" % (name, t[name]["type"]))
        for name in ("stem_silu_sig", "pw_silu_sig"):
            checks.check(abs(t[name]["scale"][0] * 32768 - 1) < 1e-6 and t[name]["zero_point"] == [0],
                         "%s: LOGISTIC output at 1/32768, zero point 0 (%s)" % (name, t[name]["scale"]))
        for name in ("stem_b", "dw_b", "pw_b", "head_b", "fc_b"):
            checks.check(t[name]["type"] == "int64", "%s: int64 bias (%s)" % (name, t[name]["type"]))
        for name in ("stem_w", "dw_w", "pw_w", "head_w", "fc_w"):
            checks.check(t[name]["type"] == "int8", "%s: int8 weights (%s)" % (name, t[name]["type"]))
        # the symmetric scale: max|calibrated range| / 32767 (the model input's range is the samples')
        inner = t["image_int16"]
        amax = float(np.max(np.abs(np.load(cal))))
        checks.check(abs(inner["scale"][0] * 32767 / amax - 1) < 1e-3,
                     "input scale %.6g = max|x| / 32767 (%.6g)" % (inner["scale"][0], amax / 32767))

        s8 = oracles.sqnr_db(ref, run_all(q8, xs))
        out16 = [oracles.run("litert", q16, [x])[0] for x in xs]
        s16 = oracles.sqnr_db(ref, np.concatenate([o.ravel().astype(np.float64) for o in out16]))
        print("with HARD_SWISH, SQNR against float in LiteRT.js: int8 %.2f dB, int16 %.2f dB" % (s8, s16))
        checks.check(s16 >= s8 + MIN_GAIN_DB, "int16 SQNR %.2f dB >= int8's %.2f + %.0f dB (HARD_SWISH by int16 ops)"
                     % (s16, s8, MIN_GAIN_DB))

        # without HARD_SWISH every node is int16: the gain of 16x8 itself
        pure = os.path.join(tmp, "silu_pure.tflite")
        subprocess.run([gen, pure, "--no-hard-swish"], check=True)
        pref = run_all(pure, xs)
        p8, p16 = os.path.join(tmp, "pure8.tflite"), os.path.join(tmp, "pure16.tflite")
        oracles.cli("convert", pure, "-d", cal, "-o", p8, *IO, check=True)
        pp = oracles.cli("convert", pure, "-d", cal, "-o", p16, "--activations", "int16", *IO, check=True)
        checks.check("stay" not in pp.stderr, "no node stays int8 without HARD_SWISH")
        g8, g16 = oracles.sqnr_db(pref, run_all(p8, xs)), oracles.sqnr_db(pref, run_all(p16, xs))
        print("without HARD_SWISH: int8 %.2f dB, int16 %.2f dB" % (g8, g16))
        checks.check(g16 >= g8 + MIN_GAIN_DB, "int16 SQNR %.2f dB >= int8's %.2f + %.0f dB" % (g16, g8, MIN_GAIN_DB))

        # int16 model I/O: the int16 tensors themselves are the model's input and output
        io16 = os.path.join(tmp, "io16.tflite")
        oracles.cli("convert", pure, "-d", cal, "-o", io16, *IO, "--activations", "int16", "--input-type", "int16",
                    "--output-type", "int16", check=True)
        facts = oracles.tflite_facts(io16)
        fin, fout = facts["inputs"][0], facts["outputs"][0]
        checks.check(fin["type"] == fout["type"] == "int16" and fin["zero_point"] == fout["zero_point"] == [0],
                     "--input-type/--output-type int16: int16 I/O with zero point 0 (%s, %s)"
                     % (fin["type"], fout["type"]))
        got = []
        for x in xs:
            q = np.clip(np.round(x / fin["scale"][0]), -32768, 32767).astype(np.int16)
            got.append(oracles.run("litert", io16, [q])[0].astype(np.float64).ravel() * fout["scale"][0])
        gio = oracles.sqnr_db(pref, np.concatenate(got))
        print("without HARD_SWISH, int16 I/O: %.2f dB" % gio)
        checks.check(gio >= g16 - 1.0, "int16 I/O in LiteRT.js: %.2f dB, as float I/O's %.2f dB" % (gio, g16))
        bad_io = oracles.cli("convert", pure, "-d", cal, "-o", os.path.join(tmp, "bad_io.tflite"), *IO[:2],
                             "--input-type", "int16")
        checks.check(bad_io.returncode == 2 and "int16 activations" in bad_io.stderr,
                     "--input-type int16 without int16 activations: a usage error (exit %d)" % bad_io.returncode)

        # npuquant's executor, where it has the int16 kernels: bit-identical to LiteRT.js, with
        # and without the 16x8 FULLY_CONNECTED (whose per-tensor requantization is in double in
        # LiteRT: the int64 fixed-point form was one step off on some samples).
        but_fc = os.path.join(tmp, "but_fc.tflite")
        oracles.cli("convert", pure, "-d", cal, "-o", but_fc, *IO, "--int16-layers",
                    "stem,stem_silu_sig,stem_silu,dw,pw,pw_silu_sig,pw_silu,res,pool,head,gap,flat", check=True)
        fc_step = tensors(p16)["fc_int16"]["scale"][0]
        for name, path, steps in (("every node but fc int16", but_fc, 0), ("all int16", p16, 0),
                                  ("with HARD_SWISH", q16, 0)):
            theirs = [oracles.run("litert", path, [x])[0] for x in xs]
            try:
                ours = [oracles.run_ours(path, [x])[0] for x in xs]
            except (AssertionError, oracles.OracleError, subprocess.CalledProcessError) as e:
                print("NOTE: %s: npuquant's executor does not run this 16x8 model yet, not compared: %s"
                      % (name, str(e).strip().splitlines()[-1][-200:]))
                continue
            # float32 outputs dequantized from int16 at the fc output's scale
            worst = max(float(np.max(np.abs(a.astype(np.float64) - b))) for a, b in zip(ours, theirs)) / fc_step
            print("%s: npuquant's executor vs LiteRT.js: %.3f int16 steps at most" % (name, worst))
            checks.check(worst <= steps + 1e-3, "%s: npuquant's executor within %d int16 steps of LiteRT.js on %d "
                         "samples (%.3f)" % (name, steps, len(xs), worst))

        mixed = os.path.join(tmp, "mixed.tflite")
        oracles.cli("convert", model, "-d", cal, "-o", mixed, "--int16-layers", "pw,pw_silu", *IO, check=True)
        t = tensors(mixed)
        wide = sorted(n for n, x in t.items() if x["type"] == "int16" and not x["constant"])
        checks.check({"pw", "pw_silu"} <= set(wide), "pw and pw_silu are int16 (int16 tensors: %s)" % wide)
        for name in ("stem", "stem_silu", "dw", "res", "head", "pw_silu_sig"):
            # pw_silu_sig is LOGISTIC, not named: int8 at 1/256
            checks.check(t[name]["type"] == "int8", "%s stays int8 (%s)" % (name, t[name]["type"]))
        facts = oracles.tflite_facts(mixed)
        ops = {o["op"]: o["count"] for o in facts["ops"]}
        print("mixed model ops: %s" % ops)
        # into the int16 region: DEQUANTIZE + QUANTIZE; out of it: QUANTIZE (int16 -> int8);
        # plus the float32 model input's QUANTIZE and output's DEQUANTIZE
        checks.check(ops.get("DEQUANTIZE", 0) >= 2 and ops.get("QUANTIZE", 0) >= 3,
                     "QUANTIZE/DEQUANTIZE at the borders (%d QUANTIZE, %d DEQUANTIZE)"
                     % (ops.get("QUANTIZE", 0), ops.get("DEQUANTIZE", 0)))
        sm = oracles.sqnr_db(ref, run_all(mixed, xs))
        print("mixed (pw, pw_silu int16): %.2f dB in LiteRT.js" % sm)
        checks.check(np.isfinite(sm) and sm >= s8 - 1.0, "the mixed model runs in LiteRT.js, %.2f dB" % sm)

        bad = oracles.cli("convert", model, "-d", cal, "-o", os.path.join(tmp, "bad.tflite"),
                          "--int16-layers", "pw,nosuch,other_missing", *IO)
        checks.check(bad.returncode == 1 and "'nosuch'" in bad.stderr and "'other_missing'" in bad.stderr
                     and "'pw'" not in bad.stderr,
                     "unknown --int16-layers names fail naming them (exit %d: %s)"
                     % (bad.returncode, bad.stderr.strip().splitlines()[-1][:200]))
        checks.check(not os.path.exists(os.path.join(tmp, "bad.tflite")), "nothing written on that error")
        for extra in (["--bias-correct"], ["--weight-round", "clip"]):
            combo = oracles.cli("convert", model, "-d", cal, "-o", os.path.join(tmp, "combo.tflite"),
                                "--activations", "int16", *extra)
            checks.check(combo.returncode == 2 and extra[0] in combo.stderr,
                         "%s with --activations int16: a usage error naming it (exit %d)"
                         % (extra[0], combo.returncode))
        hs = oracles.cli("convert", model, "-d", cal, "-o", os.path.join(tmp, "hs.tflite"),
                         "--int16-layers", "dw_hswish", *IO, check=True)
        checks.check("HARD_SWISH 'dw_hswish'" in hs.stderr, "--int16-layers dw_hswish warns that it stays int8")
        bias_free_conv(checks, tmp)
    return checks.finish()


def bias_free_conv(checks, tmp):
    """A conv without a bias: LiteRT refuses a 16x8 CONV_2D without its bias tensor, so the
    converted model carries int64 zeros there and runs, as our executor does."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        print("python3-onnx missing: the bias-free conv case is not run")
        return
    rng = np.random.default_rng(11)
    w = rng.normal(0, 0.5, size=(6, 3, 3, 3)).astype(np.float32)
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], name="nobias")],
                          "nobias", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 8, 8])],
                          [numpy_helper.from_array(w, "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    path, out = os.path.join(tmp, "nobias.onnx"), os.path.join(tmp, "nobias16.tflite")
    onnx.save(m, path)
    cal = os.path.join(tmp, "nobias_cal.npy")
    np.save(cal, rng.normal(0, 1, (16, 1, 3, 8, 8)).astype(np.float32))
    oracles.cli("convert", path, "-d", cal, "-o", out, "--activations", "int16", *IO, check=True)
    t = tensors(out)
    biases = [n for n, x in t.items() if x["type"] == "int64"]
    checks.check(len(biases) == 1, "the bias-free conv gets an int64 bias (%s)" % biases)
    x = rng.normal(0, 1, (1, 3, 8, 8)).astype(np.float32)
    lite, ours = oracles.run("litert", out, [x])[0], oracles.run_ours(out, [x])[0]
    checks.check(np.array_equal(lite, ours), "LiteRT.js runs it as npuquant does (max diff %g)"
                 % float(np.max(np.abs(lite - ours))))


if __name__ == "__main__":
    oracles.main(test)
