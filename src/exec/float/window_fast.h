/*
 * Row functions of the fast sliding-window kernels (DEPTHWISE_CONV_2D,
 * AVERAGE_POOL_2D, MAX_POOL_2D). One call computes one output row
 * out[n][oy][0..OW)[0..OC), so kernels thread over rows.
 *
 * NHWC keeps a pixel's channels contiguous, so the inner loops run over
 * channels in vector blocks. For each output pixel the ranges of filter
 * taps that fall inside the image are computed once (handling SAME padding
 * at the borders without a test per element; interior pixels simply get the
 * full range). Portable versions live in window_rows_fast.c, AVX2 ones in
 * window_rows_fast_avx2.c (chosen at run time).
 */
#ifndef NQ_EXEC_FLOAT_WINDOW_FAST_H
#define NQ_EXEC_FLOAT_WINDOW_FAST_H

#include <stddef.h>

typedef struct nq_window_geom {
  const float *in;     /* [N, H, W, C] */
  float *out;          /* [N, OH, OW, C * mult] */
  const float *filter; /* depthwise: [KH, KW, C * mult]; pools: NULL */
  const float *bias;   /* depthwise: [C * mult] or NULL */
  int h, w, c, mult;   /* mult: depthwise multiplier (1 for pools) */
  int oh, ow;
  int kh, kw, stride_h, stride_w, dil_h, dil_w, pad_t, pad_l;
  float lo, hi; /* fused activation clamp */
} nq_window_geom;

typedef void (*nq_window_row_fn)(const nq_window_geom *g, int n, int oy);

/* First and one-past-last tap k with 0 <= origin + k * dil < size. */
static inline void nq_window_taps(int origin, int dil, int size, int k_count, int *k0, int *k1) {
  int lo = 0, hi = k_count;
  if (dil == 1) { /* the common case, without the divisions */
    if (origin < 0) lo = -origin;
    if (size - origin < hi) hi = size - origin;
  } else {
    if (origin < 0) lo = (-origin + dil - 1) / dil;
    int room = size - origin; /* taps need origin + k*dil <= size - 1 */
    if (room <= 0)
      hi = 0;
    else if ((room + dil - 1) / dil < hi)
      hi = (room + dil - 1) / dil;
  }
  *k0 = lo;
  *k1 = hi > lo ? hi : lo;
}

void nq_dw_row_portable(const nq_window_geom *g, int n, int oy); /* any multiplier */
void nq_maxpool_row_portable(const nq_window_geom *g, int n, int oy);
void nq_avgpool_row_portable(const nq_window_geom *g, int n, int oy);
#if defined(__x86_64__) && defined(__GNUC__)
#define NQ_WINDOW_HAVE_AVX2 1
void nq_dw_row_avx2(const nq_window_geom *g, int n, int oy); /* multiplier 1 only */
void nq_maxpool_row_avx2(const nq_window_geom *g, int n, int oy);
void nq_avgpool_row_avx2(const nq_window_geom *g, int n, int oy);
#endif
#if NQ_HAVE_NEON                                             /* aarch64 builds (cmake/deps.cmake) */
void nq_dw_row_neon(const nq_window_geom *g, int n, int oy); /* multiplier 1 only */
void nq_maxpool_row_neon(const nq_window_geom *g, int n, int oy);
void nq_avgpool_row_neon(const nq_window_geom *g, int n, int oy);
#endif

/* The row functions to use on this CPU. */
nq_window_row_fn nq_dw_row(int mult);
nq_window_row_fn nq_maxpool_row(void);
nq_window_row_fn nq_avgpool_row(void);

#endif
