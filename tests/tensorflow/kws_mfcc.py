"""MFCC front end of the MLPerf Tiny keyword-spotting benchmark, in numpy.

Parameters (those of the benchmark's reference preprocessing, which uses
tf.signal): 16 kHz mono audio scaled to [-1, 1), 1 s clips (zero-padded or
cut to 16000 samples); STFT with a 480-sample (30 ms) periodic Hann window,
320-sample (20 ms) stride, 512-point FFT, no end padding -> 49 frames of 257
magnitude bins; 40 triangular mel filters on the HTK mel scale
(1127 ln(1 + f/700)) between 20 and 4000 Hz, weights computed in the mel
domain, DC bin excluded; log(mel + 1e-6); DCT-II scaled by 1/sqrt(2*40)
(tf.signal.mfccs_from_log_mel_spectrograms); the first 10 coefficients.
Output: float32 [49, 10].
"""
import wave

import numpy as np

SR = 16000
FRAME, STEP, NFFT = 480, 320, 512
MELS, LO_HZ, HI_HZ, NCOEF = 40, 20.0, 4000.0, 10


def read_wav(path):
    """Mono float samples in [-1, 1) of a 16-bit PCM wav (channels averaged)."""
    with wave.open(path) as w:
        if w.getsampwidth() != 2 or w.getframerate() != SR:
            raise ValueError("%s: need 16-bit %d Hz PCM" % (path, SR))
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        x = x.reshape(-1, w.getnchannels()).mean(axis=1)
    return x / 32768.0


def _mel(f):
    return 1127.0 * np.log1p(f / 700.0)


def mel_matrix():
    bins = NFFT // 2 + 1
    freqs = np.linspace(0.0, SR / 2.0, bins)[1:]  # the DC bin gets no weight
    m = _mel(freqs)[:, None]
    edges = np.linspace(_mel(LO_HZ), _mel(HI_HZ), MELS + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    w = np.maximum(0.0, np.minimum((m - lower) / (center - lower), (upper - m) / (upper - center)))
    return np.vstack([np.zeros((1, MELS)), w])  # [257, 40]


def mfcc(x):
    x = np.asarray(x, dtype=np.float64)
    x = np.pad(x, (0, max(0, SR - len(x))))[:SR]
    n = 1 + (len(x) - FRAME) // STEP  # 49
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME)  # periodic Hann
    frames = np.stack([x[i * STEP:i * STEP + FRAME] * win for i in range(n)])
    spec = np.abs(np.fft.rfft(frames, NFFT))
    logmel = np.log(spec @ mel_matrix() + 1e-6)
    k = np.arange(MELS)
    dct = 2.0 * np.cos(np.pi * np.outer(2 * k + 1, k) / (2.0 * MELS))  # [n, k], unnormalised DCT-II
    return (logmel @ dct / np.sqrt(2.0 * MELS))[:, :NCOEF].astype(np.float32)


def clips(paths, max_windows=4):
    """1-second windows of each file (at most max_windows per file)."""
    out = []
    for p in paths:
        x = read_wav(p)
        starts = list(range(0, max(1, len(x) - SR + 1), SR))[:max_windows]
        for s in starts:
            out.append((p, s, x[s:s + SR]))
    return out
