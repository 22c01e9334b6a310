"""Helpers of the Keras frontend script tests only: real inputs (images, log-mel
features from a real recording) and the relative error they compare by. The
generic helpers (skip rule, CLI, oracles) are in tests/oracles/oracles.py."""
import wave

import numpy as np


def image(path, h, w, channels, scale=1.0, offset=0.0):
    from PIL import Image
    im = Image.open(path).convert("L" if channels == 1 else "RGB").resize((w, h), Image.BILINEAR)
    a = np.asarray(im, dtype=np.float32).reshape(h, w, channels)
    return (a * scale + offset)[None].astype(np.float32)


def log_mel(wav_path, n_mels, frames, n_fft=1024, hop=512, offset_frames=0):
    """Log-mel power spectrogram (dB) of a real recording, [frames, n_mels]."""
    with wave.open(wav_path) as f:
        sr = f.getframerate()
        raw = f.readframes(f.getnframes())
        x = np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0
        if f.getnchannels() > 1:
            x = x.reshape(-1, f.getnchannels())[:, 0]
    win = np.hanning(n_fft).astype(np.float32)
    need = (offset_frames + frames - 1) * hop + n_fft
    if len(x) < need:
        x = np.pad(x, (0, need - len(x)))
    spec = []
    for t in range(offset_frames, offset_frames + frames):
        seg = x[t * hop:t * hop + n_fft] * win
        spec.append(np.abs(np.fft.rfft(seg)) ** 2)
    spec = np.array(spec)
    mel_pts = np.linspace(0, 2595 * np.log10(1 + (sr / 2) / 700), n_mels + 2)
    hz = 700 * (10 ** (mel_pts / 2595) - 1)
    bins = np.floor((n_fft + 1) * hz / sr).astype(int)
    fb = np.zeros((n_mels, n_fft // 2 + 1), np.float32)
    for m in range(1, n_mels + 1):
        lo, c, hi = bins[m - 1], bins[m], bins[m + 1]
        for k in range(lo, c):
            fb[m - 1, k] = (k - lo) / max(c - lo, 1)
        for k in range(c, hi):
            fb[m - 1, k] = (hi - k) / max(hi - c, 1)
    mel = spec @ fb.T
    return (10 * np.log10(mel + 1e-10)).astype(np.float32)


def rel_err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))

