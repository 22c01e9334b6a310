#!/usr/bin/python3
"""Export a torchvision model with seeded random weights to ONNX, with a
seeded random input and torch's own output as the reference.

  export_torchvision.py NAME[,NAME...] OUTDIR [--opset N]
NAME is a torchvision model, or opmix (a small CNN of less common ops, see
OpMix) or opmix_opsetN (opmix exported with opset N).
writes OUTDIR/NAME.onnx, OUTDIR/NAME.in.npy (NCHW float32) and
OUTDIR/NAME.torch.npy (torch's output) for each NAME (one process: torch
is imported once). Exits 77 (skip) when torch or
torchvision is not installed.
"""
import sys

try:
    import numpy as np
    import torch
    import torchvision
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {e}")
    sys.exit(77)


def main():
    names, out = sys.argv[1].split(","), sys.argv[2]
    opset = int(sys.argv[sys.argv.index("--opset") + 1]) if "--opset" in sys.argv else 13
    for name in names:
        export(name, out, int(name.split("_opset")[1]) if "_opset" in name else opset)


class OpMix(torch.nn.Module):
    """A small CNN that uses the ops torchvision's models do not: grouped and
    dilated convs, ConvTranspose, PReLU, LeakyReLU, Hardsigmoid, avg-pool
    with ceil_mode, padding, nearest and bilinear resize, chunk + cat,
    x.view(x.size(0), -1) (exported as Shape/Gather/Unsqueeze/Concat/Reshape)
    and a softmax over channels."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.c1 = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.g = nn.Conv2d(16, 16, 3, padding=2, dilation=2, groups=4)
        self.pr = nn.PReLU(16)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.c2 = nn.Conv2d(16, 8, 3, padding=1)
        self.c3 = nn.Conv2d(8, 8, 1)
        self.pool = nn.AvgPool2d(3, stride=2, ceil_mode=True)
        self.fc = nn.Linear(8 * 28 * 28, 10)

    def forward(self, x):
        F = torch.nn.functional
        y = F.leaky_relu(self.bn1(self.c1(x)), 0.1)          # 112
        y = self.pr(self.g(y))
        a, b = torch.chunk(y, 2, dim=1)
        y = torch.cat([b, a * F.hardsigmoid(b)], dim=1)
        u = self.up(y)                                        # 224, 8 ch
        y = F.interpolate(y, scale_factor=2, mode="nearest")  # 224, 16 ch
        y = torch.cat([self.c2(y), u], dim=1)[:, :8]
        y = F.pad(y, (1, 0, 0, 1))
        y = self.pool(F.relu6(y))                             # 112
        y = F.interpolate(y, size=(56, 56), mode="bilinear", align_corners=False)
        y = F.max_pool2d(self.c3(y), 2)                       # 28
        s = torch.softmax(y, dim=1)
        return self.fc((y * s).view(y.size(0), -1))


def export(name, out, opset):
    torch.manual_seed(1234)
    model = OpMix() if name.startswith("opmix") else getattr(torchvision.models, name)(weights=None)
    model.eval()
    # Random BN statistics so folding is exercised with non-trivial values.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    gen = torch.Generator().manual_seed(99)
    x = torch.rand(1, 3, 224, 224, generator=gen) * 2 - 1
    with torch.no_grad():
        y = model(x)
        torch.onnx.export(model, x, f"{out}/{name}.onnx", opset_version=opset,
                          input_names=["input"], output_names=["logits"])
    np.save(f"{out}/{name}.in.npy", x.numpy().astype(np.float32))
    np.save(f"{out}/{name}.torch.npy", y.numpy().astype(np.float32))


if __name__ == "__main__":
    main()
