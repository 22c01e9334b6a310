"""The YOLO-style detector that test_float_tail.py and test_split_outputs.py export from torch.

Three convs with SiLU, a 1x1 head conv, then YOLOv5's decoding: sigmoid, box centres
(2s - 0.5 + grid) * stride and sizes (2s)^2 * anchor in pixels of the 64x64 input, concatenated
with the objectness and class scores into one [1, 192, 8] output (YOLO's [1, N, 5 + classes]
layout). The head biases of the scores are the tests' own choice (a trained detector's priors
put most scores well under 0.5). Weights and images are seeded, so each test sees the same
model and samples on every run.
"""
import os

import numpy as np
import torch

SIZE, STRIDE, CLASSES = 64, 8, 3
N_CALIB, N_EVAL = 16, 8


class TinyYolo(torch.nn.Module):
    def __init__(self, obj_bias, cls_bias):
        super().__init__()
        nn = torch.nn
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.SiLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.SiLU(),
                                  nn.Conv2d(32, 32, 3, 2, 1), nn.SiLU())
        self.head = nn.Conv2d(32, 3 * (5 + CLASSES), 1)
        with torch.no_grad():  # score priors: the objectness and class logits moved down
            b = self.head.bias.view(3, 5 + CLASSES)
            b[:, 4] += obj_bias
            b[:, 5:] += cls_bias
        g = SIZE // STRIDE
        ys, xs = torch.meshgrid(torch.arange(g), torch.arange(g), indexing="ij")
        self.register_buffer("grid", torch.stack([xs, ys], -1).view(1, 1, g, g, 2).float())
        self.register_buffer("anchor", torch.tensor([[10.0, 13.0], [16.0, 30.0], [33.0, 23.0]]).view(1, 3, 1, 1, 2))

    def forward(self, x):
        y = self.head(self.body(x))
        n, _, h, w = y.shape
        s = torch.sigmoid(y.view(n, 3, 5 + CLASSES, h, w).permute(0, 1, 3, 4, 2))
        xy = (s[..., 0:2] * 2 - 0.5 + self.grid) * STRIDE
        wh = (s[..., 2:4] * 2) ** 2 * self.anchor
        return torch.cat([xy, wh, s[..., 4:]], -1).view(n, -1, 5 + CLASSES)


def images(gen, n):
    """Smooth random images (blurred noise plus a gradient), values 0..1."""
    x = torch.rand(n, 3, SIZE // 8, SIZE // 8, generator=gen)
    x = torch.nn.functional.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    return (0.7 * x + 0.3 * torch.rand(n, 3, SIZE, SIZE, generator=gen)).numpy().astype(np.float32)


def exported(tmp, obj_bias, cls_bias):
    """The seeded detector exported to tmp/tiny_yolo.onnx (opset 13, input 'images', output
    'detections'), its calibration images saved as tmp/calib.npy. Returns (onnx path, calib.npy
    path, calibration images, evaluation images, the float model's output per evaluation image,
    the torch module)."""
    torch.manual_seed(3)
    net = TinyYolo(obj_bias, cls_bias).eval()
    gen = torch.Generator().manual_seed(5)
    calib, evaluation = images(gen, N_CALIB), images(gen, N_EVAL)
    path = os.path.join(tmp, "tiny_yolo.onnx")
    with torch.no_grad():
        torch.onnx.export(net, torch.from_numpy(calib[:1]), path, opset_version=13, input_names=["images"],
                          output_names=["detections"])
        ref = [net(torch.from_numpy(x[None])).numpy() for x in evaluation]
    cal = os.path.join(tmp, "calib.npy")
    np.save(cal, calib)
    return path, cal, calib, evaluation, ref, net
