#!/usr/bin/python3
"""1-D convolution nets and grouped/dilated ConvTranspose from PyTorch through
the ONNX frontend, end to end.

Small models with seeded random weights (and BatchNorm statistics) are
exported with Debian's python3-torch (torch.onnx.export, opset 13) into a temp
dir; each is checked against torch itself, an independent implementation:
  1. float: `npuquant run` on the ONNX file equals torch's output within
     REL_TOL (max|ours - torch| / max|torch|);
  2. layout: the translated float graph (`npuquant inspect --json`) has at
     most the TRANSPOSE ops listed in MODELS: the one at a channels-first
     input with C > 1, none between convolutions;
  3. int8: `npuquant convert` with 16 random samples writes a .tflite that
     LiteRT.js runs with outputs bit-identical to our int8 executor
     (`npuquant run --single-rounding`: XNNPACK rounds once), the same
     TRANSPOSE bound holds in it, and the dequantized int8 output has an SQNR
     vs torch's float output of at least MIN_SQNR dB;
  4. conv1d_net with --nhwc-input (an [N, L, C] input): same output, no
     TRANSPOSE at all.
Exit: 0 pass, 1 failure, 77 skip (no torch / torch.onnx, or no LiteRT.js).
`test_conv1d_torch.py torch` runs all but 3's LiteRT.js identity, `... litert` only
that (ctest: onnx_conv1d_torch and onnx_conv1d_int8_litert).
"""
import os
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
import oracles  # noqa: E402

REL_TOL = 1e-5
MIN_SQNR = 25.0
N_CALIB = 16


def build_models(torch):
    nn = torch.nn

    class Conv1dNet(nn.Module):
        """A small audio/sensor CNN: Conv1d + BatchNorm1d + ReLU, max pools
        (one padded), a BatchNorm1d after a pool, depthwise (multiplier 2),
        grouped (strided, padded) and dilated Conv1d, a residual add,
        average pool, and two heads: global average + max pool -> Linear,
        and a flatten of the [N, C, L] features -> Linear (whose channel
        order differs from the NLC data's)."""

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv1d(3, 16, 5, padding=2)
            self.bn1 = nn.BatchNorm1d(16)
            self.p1 = nn.MaxPool1d(2)
            self.bnp = nn.BatchNorm1d(16)
            self.dw = nn.Conv1d(16, 32, 3, padding=1, groups=16)
            self.bn2 = nn.BatchNorm1d(32)
            self.gc = nn.Conv1d(32, 32, 3, stride=2, padding=1, groups=2)
            self.dc = nn.Conv1d(32, 32, 3, padding=2, dilation=2)
            self.p2 = nn.MaxPool1d(3, stride=2, padding=1)
            self.p3 = nn.AvgPool1d(2)
            self.gap = nn.AdaptiveAvgPool1d(1)
            self.fc1 = nn.Linear(32, 10)
            self.fc3 = nn.Linear(32, 10)
            self.fc2 = nn.Linear(32 * 4, 10)

        def forward(self, x):
            x = self.bnp(self.p1(torch.relu(self.bn1(self.c1(x)))))
            x = torch.relu(self.bn2(self.dw(x)))
            # A pre-activation residual: the grouped conv's CONCATENATION is
            # read twice, so no RELU is fused into it (see the report: a RELU
            # fused into an int8 CONCATENATION is lost).
            y = self.gc(x)
            x = torch.relu(y + self.dc(torch.relu(y)))
            x = self.p3(self.p2(x))
            # (Not cat([mean, max]): a MEAN whose output scale is tied to its
            # input's is 1 step off LiteRT.js, see the report.)
            g, h = self.gap(x).flatten(1), torch.amax(x, dim=2)
            return self.fc1(g) + self.fc3(h) + self.fc2(torch.flatten(x, 1))

    class PermuteNet(nn.Module):
        """Time-major sensor input [N, L, C]: permute -> Conv1d stack ->
        permute back -> per-step Linear: no TRANSPOSE at all is needed."""

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv1d(6, 16, 3, padding=1)
            self.c2 = nn.Conv1d(16, 16, 3, padding=2, dilation=2)
            self.fc = nn.Linear(16, 4)

        def forward(self, x):
            x = x.permute(0, 2, 1)
            x = torch.relu(self.c1(x))
            x = torch.relu(self.c2(x))
            return self.fc(x.permute(0, 2, 1))

    class TcnNet(nn.Module):
        """Temporal-conv idioms: a causal left pad (F.pad), a trailing trim
        of the padded conv's output (Slice), a gated linear unit (chunk ->
        Split, sigmoid, Mul), nearest 2x upsampling (1-D Resize), a concat
        over channels and a softmax over channels."""

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv1d(4, 16, 3)
            self.c2 = nn.Conv1d(16, 32, 3, padding=2)
            self.up = nn.Upsample(scale_factor=2, mode="nearest")
            self.c3 = nn.Conv1d(16, 16, 3, padding=1)
            self.c4 = nn.Conv1d(32, 8, 1)

        def forward(self, x):
            x = torch.relu(self.c1(torch.nn.functional.pad(x, (2, 0))))
            x = self.c2(x)[:, :, :-2]
            a, b = x.chunk(2, dim=1)
            u = self.up(a * torch.sigmoid(b))
            x = torch.cat([u, torch.relu(self.c3(u))], dim=1)
            return torch.softmax(self.c4(x), dim=1)

    class CrnnNet(nn.Module):
        """2-D and 1-D convs mixed: a 2-D stem whose [N, C, H, W] features
        are reshaped to [N, C*H, W] for a Conv1d (a CRNN), then unsqueeze(2)
        -> Conv2d (1, k) -> squeeze(2), as 1-D layers written in 2-D are."""

        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(2, 4, 3, padding=1)
            self.p1 = nn.MaxPool2d((2, 1))
            self.c2 = nn.Conv1d(16, 8, 3, padding=1)
            self.c3 = nn.Conv2d(8, 6, (1, 3), padding=(0, 1))
            self.c4 = nn.Conv1d(6, 5, 1)

        def forward(self, x):
            x = self.p1(torch.relu(self.c1(x)))
            x = torch.relu(self.c2(x.reshape(x.shape[0], -1, x.shape[3])))
            x = torch.relu(self.c3(x.unsqueeze(2))).squeeze(2)
            return self.c4(x)

    class ConvT1d(nn.Module):
        """Grouped, dilated, strided ConvTranspose1d with pads and
        output_padding, then a depthwise one (groups = C)."""

        def __init__(self):
            super().__init__()
            self.t1 = nn.ConvTranspose1d(8, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2)
            self.t2 = nn.ConvTranspose1d(6, 6, 4, stride=2, padding=1, groups=6)

        def forward(self, x):
            return self.t2(torch.relu(self.t1(x)))

    class ConvT2d(nn.Module):
        """Grouped + dilated ConvTranspose2d, then a plain one with a
        3x1 dilated kernel."""

        def __init__(self):
            super().__init__()
            self.t1 = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2, dilation=2)
            self.t2 = nn.ConvTranspose2d(6, 5, (3, 1), stride=1, dilation=(2, 1))

        def forward(self, x):
            return self.t2(torch.relu(self.t1(x)))

    class Generator(nn.Module):
        """DCGAN-style: a 1x1 input grows through transposed convs whose
        kernel is larger than their input."""

        def __init__(self):
            super().__init__()
            self.t1 = nn.ConvTranspose2d(8, 4, 4)
            self.t2 = nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1)

        def forward(self, x):
            return torch.tanh(self.t2(torch.relu(self.t1(x))))

    # name: (module, input shape, TRANSPOSE ops allowed)
    return {
        "conv1d_net": (Conv1dNet(), (1, 3, 64), 1),
        "permute_net": (PermuteNet(), (1, 50, 6), 0),
        "tcn_net": (TcnNet(), (1, 4, 32), 2),
        "crnn_net": (CrnnNet(), (1, 2, 8, 20), 3),
        "convt1d": (ConvT1d(), (1, 8, 16), 2),
        "convt2d": (ConvT2d(), (1, 4, 6, 6), 2),
        "generator": (Generator(), (1, 8, 1, 1), 1),
    }


def randomize(torch, m):
    g = torch.Generator().manual_seed(7)
    for mod in m.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.running_mean.copy_(torch.randn(mod.num_features, generator=g) * 0.3)
            mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
            mod.weight.data.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
            mod.bias.data.copy_(torch.randn(mod.num_features, generator=g) * 0.2)
    m.eval()


def export(tmp):
    try:
        import torch
        import torch.onnx  # noqa: F401
    except ImportError as e:
        raise oracles.OracleSkip("python3-torch is not installed: %s" % e)
    torch.manual_seed(0)
    out = {}
    for name, (m, shape, n_tr) in build_models(torch).items():
        randomize(torch, m)
        rng = np.random.default_rng(sum(map(ord, name)))
        xs = rng.standard_normal((N_CALIB,) + shape[1:]).astype(np.float32)
        path = os.path.join(tmp, name + ".onnx")
        try:
            with warnings.catch_warnings():  # torch's exporter is chatty about constant folding
                warnings.simplefilter("ignore")
                torch.onnx.export(m, torch.from_numpy(xs[:1]), path, opset_version=13, input_names=["x"],
                                  output_names=["y"])
        except Exception as e:  # torch.onnx missing pieces on this machine
            raise oracles.OracleSkip("torch.onnx.export cannot export here: %s" % e)
        with torch.no_grad():
            ref = m(torch.from_numpy(xs)).numpy()
        np.save(os.path.join(tmp, name + ".calib.npy"), xs)
        np.save(os.path.join(tmp, name + ".in.npy"), xs[:1])
        out[name] = (path, xs, ref, n_tr)
    return out


def transposes(ops):
    return sum(o["count"] for o in ops if o["op"] == "TRANSPOSE")


def check(name, tmp, path, xs, ref, n_tr, part):
    """part "torch": checks 1-3 without LiteRT.js; "litert": only 3's LiteRT.js identity."""
    rel, n_float = float("nan"), -1
    if part != "litert":
        x_path = os.path.join(tmp, name + ".in.npy")
        ours = oracles.run_ours(path, [x_path])[0]
        assert ours.shape == ref[:1].shape, "%s: shape %s vs torch %s" % (name, ours.shape, ref[:1].shape)
        rel = float(np.abs(ours - ref[:1]).max() / np.abs(ref[:1]).max())
        assert rel <= REL_TOL, "%s: float output differs from torch by %.3g relative (limit %g)" % (name, rel, REL_TOL)
        n_float = transposes(oracles.cli_json("inspect", path)["ops"])
        assert n_float <= n_tr, "%s: %d TRANSPOSE ops in the float graph; at most %d expected" % (name, n_float, n_tr)

    int8 = os.path.join(tmp, name + ".int8.tflite")
    oracles.cli("convert", path, "-d", os.path.join(tmp, name + ".calib.npy"), "-o", int8, "--quiet", check=True)
    tf = oracles.tflite_facts(int8)
    n_int8 = transposes(tf["ops"])
    assert n_int8 <= n_tr, "%s: %d TRANSPOSE ops in the int8 model; at most %d expected" % (name, n_int8, n_tr)
    qi, qo = tf["inputs"][0], tf["outputs"][0]
    worst = float("inf")
    max_steps = 0
    for k in range(0, N_CALIB, 4):
        xq = np.clip(np.round(xs[k:k + 1] / qi["scale"][0]) + qi["zero_point"][0], -128, 127).astype(np.int8)
        xq_path = os.path.join(tmp, "%s.inq%d.npy" % (name, k))
        np.save(xq_path, xq)
        mine = oracles.run_ours(int8, [xq_path], ["--single-rounding"])[0].astype(np.int32)
        if part != "torch":
            lite = oracles.run("litert", int8, [xq_path])[0].astype(np.int32)
            max_steps = max(max_steps, int(np.abs(lite - mine).max()))
        deq = (mine.astype(np.float64) - qo["zero_point"][0]) * qo["scale"][0]
        worst = min(worst, oracles.sqnr_db(ref[k:k + 1], deq))
    assert max_steps == 0, "%s: int8 output differs from LiteRT.js by %d steps (bit-identical expected)" % (
        name, max_steps)
    assert worst >= MIN_SQNR, "%s: int8 SQNR vs torch %.1f dB (at least %.0f expected)" % (name, worst, MIN_SQNR)
    print("%-12s float rel %.2e  transposes float %d int8 %d (<= %d)  int8 %s  SQNR min %.1f dB" %
          (name, rel, n_float, n_int8, n_tr, "not run in LiteRT.js" if part == "torch" else "= LiteRT.js", worst))


def check_channels_last(name, tmp, path, ref):
    """--nhwc-input: the [N, C, L] input becomes [N, L, C]; the same output
    and no TRANSPOSE at all."""
    x = np.load(os.path.join(tmp, name + ".in.npy"))
    x_path = os.path.join(tmp, name + ".nlc.npy")
    np.save(x_path, np.ascontiguousarray(x.transpose(0, 2, 1)))
    ours = oracles.run_ours(path, [x_path], ["--nhwc-input"])[0]
    rel = float(np.abs(ours - ref[:1]).max() / np.abs(ref[:1]).max())
    assert rel <= REL_TOL, "%s --nhwc-input: float output differs from torch by %.3g relative" % (name, rel)
    facts = oracles.cli_json("inspect", "--nhwc-input", path)
    assert facts["inputs"][0]["shape"] == list(x.shape[:1]) + [x.shape[2], x.shape[1]], facts["inputs"][0]
    n = transposes(facts["ops"])
    assert n == 0, "%s --nhwc-input: %d TRANSPOSE ops; none expected" % (name, n)
    print("%-12s --nhwc-input: input %s, float rel %.2e, no TRANSPOSE" % (name, facts["inputs"][0]["shape"], rel))


def test():
    """`test_conv1d_torch.py torch|litert` (no argument: both): two ctest tests, so a
    missing LiteRT.js skips only the LiteRT.js identity."""
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    assert part in ("torch", "litert", "all"), "usage: test_conv1d_torch.py [torch|litert]"
    with tempfile.TemporaryDirectory(prefix="nq-c1d-") as tmp:
        for name, (path, xs, ref, n_tr) in export(tmp).items():
            check(name, tmp, path, xs, ref, n_tr, part)
            if name == "conv1d_net" and part != "litert":
                check_channels_last(name, tmp, path, ref)


if __name__ == "__main__":
    oracles.main(test)
