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

#endif
