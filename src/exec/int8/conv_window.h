/*
 * The sliding-window geometry shared by every integer CONV_2D and
 * DEPTHWISE_CONV_2D kernel (8-bit and 16x8, reference and fast): the shape
 * checks, the window checks and TFLite's padding, in one place, so the
 * kernels differ only in how they accumulate a window.
 *
 * Layouts: input [N, H, W, C]; CONV_2D weights [O, KH, KW, CI] (OHWI, CI =
 * C / groups); DEPTHWISE_CONV_2D weights [1, KH, KW, O] (O = C * mult);
 * output [N, OH, OW, O]. Taps outside the input are skipped (padding with
 * the input zero point, a real 0).
 */
#ifndef NQ_EXEC_INT8_CONV_WINDOW_H
#define NQ_EXEC_INT8_CONV_WINDOW_H

#include "exec/int8/int8_common.h"

typedef struct nq_i8_window {
  int n, h, w, c;             /* input */
  int o, kh, kw, ci;          /* output channels, window, input channels per output (depthwise: 1) */
  int oh, ow;                 /* output */
  int sh, sw, dh, dw, ph, pw; /* strides, dilations, leading padding */
  int groups;                 /* CONV_2D: C / CI (1: an ordinary convolution) */
  int mult;                   /* DEPTHWISE_CONV_2D: the depth multiplier O / C */
} nq_i8_window;

/* Read and check the geometry of node a (input a->in[0], weights
 * a->in[1], output a->out[0]); `depthwise` selects the weight layout.
 * Fails naming the shapes that do not match. */
nq_status nq_i8_window_get(const nq_kernel_args *a, bool depthwise, nq_i8_window *g, nq_error *err);

/* The taps k in [*lo, *hi) of a window starting at input coordinate i0
 * (dilation d, k_n taps) that fall inside [0, n): the skipped taps of the
 * reference loops, computed once per window instead of tested per tap. */
static inline void nq_i8_tap_range(int i0, int d, int k_n, int n, int *lo, int *hi) {
  int l = i0 < 0 ? (-i0 + d - 1) / d : 0;
  int h = i0 >= n ? 0 : (n - 1 - i0) / d + 1;
  if (h > k_n) h = k_n;
  *lo = l;
  *hi = h > l ? h : l;
}

/* One tap of a window that falls inside the input: the offset of its input
 * pixel (element index of channel 0) and its index ky * KW + kx. */
typedef struct nq_i8_tap {
  size_t x;
  int k;
} nq_i8_tap;

/* Scratch for one window's taps (KH * KW of them), 64-byte aligned. */
static inline size_t nq_i8_window_taps_bytes(const nq_tview *weights) {
  return nq_i8_align64((size_t)weights->shape[1] * (size_t)weights->shape[2] * sizeof(nq_i8_tap));
}

/* The window walker of the reference kernels: the taps of output pixel
 * (n, oy, ox) inside the input, in (ky, kx) order; returns their count.
 * The kernels then only accumulate, every output channel over the same
 * list (integer sums: the order of the taps changes no result). */
static inline int nq_i8_window_taps(const nq_i8_window *g, int n, int oy, int ox, nq_i8_tap *taps) {
  const int iy0 = oy * g->sh - g->ph, ix0 = ox * g->sw - g->pw;
  int ky0, ky1, kx0, kx1;
  nq_i8_tap_range(iy0, g->dh, g->kh, g->h, &ky0, &ky1);
  nq_i8_tap_range(ix0, g->dw, g->kw, g->w, &kx0, &kx1);
  int t = 0;
  for (int ky = ky0; ky < ky1; ky++) {
    const size_t row = ((size_t)n * g->h + (size_t)(iy0 + ky * g->dh)) * g->w;
    for (int kx = kx0; kx < kx1; kx++, t++) {
      taps[t].x = (row + (size_t)(ix0 + kx * g->dw)) * g->c;
      taps[t].k = ky * g->kw + kx;
    }
  }
  return t;
}

/* One depthwise tap on int16 values: acc[c * mult + m] += x[c] *
 * w[c * mult + m] (int32: callers bound the number of taps). The counts
 * are passed by value: read through a pointer, a store to acc (int32_t,
 * the same type as int) could change them, which keeps the compiler from
 * vectorizing the loop. */
static inline void nq_i8_dw_add_tap(int channels, int mult, int32_t *restrict acc, const int16_t *restrict xp,
                                    const int16_t *restrict wp) {
  if (mult == 1) {
    for (int c = 0; c < channels; c++) acc[c] += (int32_t)xp[c] * wp[c];
  } else {
    for (int c = 0; c < channels; c++)
      for (int k = 0; k < mult; k++) acc[c * mult + k] += (int32_t)xp[c] * wp[c * mult + k];
  }
}

#endif
