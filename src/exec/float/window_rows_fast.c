/* Portable row functions for the sliding-window kernels (window_fast.h)
 * and the run-time choice between them and the AVX2 or NEON ones. The channel
 * loops are written so a compiler can vectorize them for the baseline ISA. */
#include <float.h>

#include "core/cpu_features.h"
#include "exec/float/window_fast.h"
#include "exec/gemm.h"

enum { CBLOCK = 64 }; /* channels accumulated at once (on the stack, in L1) */

static inline float clampf(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

void nq_dw_row_portable(const nq_window_geom *g, int n, int oy) {
  const int oc_n = g->c * g->mult;
  const int iy0 = oy * g->stride_h - g->pad_t;
  int ky0, ky1;
  nq_window_taps(iy0, g->dil_h, g->h, g->kh, &ky0, &ky1);
  const float *img = g->in + (size_t)n * g->h * g->w * g->c;
  float *orow = g->out + ((size_t)n * g->oh + oy) * g->ow * oc_n;
  for (int ox = 0; ox < g->ow; ox++) {
    const int ix0 = ox * g->stride_w - g->pad_l;
    int kx0, kx1;
    nq_window_taps(ix0, g->dil_w, g->w, g->kw, &kx0, &kx1);
    float *o = orow + (size_t)ox * oc_n;
    for (int c0 = 0; c0 < oc_n; c0 += CBLOCK) {
      const int cb = oc_n - c0 < CBLOCK ? oc_n - c0 : CBLOCK;
      float acc[CBLOCK];
      for (int j = 0; j < cb; j++) acc[j] = 0.0f;
      for (int ky = ky0; ky < ky1; ky++) {
        const int iy = iy0 + ky * g->dil_h;
        for (int kx = kx0; kx < kx1; kx++) {
          const int ix = ix0 + kx * g->dil_w;
          const float *x = img + ((size_t)iy * g->w + ix) * g->c;
          const float *wt = g->filter + ((size_t)ky * g->kw + kx) * oc_n + c0;
          if (g->mult == 1) {
            for (int j = 0; j < cb; j++) acc[j] += x[c0 + j] * wt[j];
          } else {
            for (int j = 0; j < cb; j++) acc[j] += x[(c0 + j) / g->mult] * wt[j];
          }
        }
      }
      for (int j = 0; j < cb; j++) {
        float v = acc[j] + (g->bias ? g->bias[c0 + j] : 0.0f);
        o[c0 + j] = clampf(v, g->lo, g->hi);
      }
    }
  }
}

static void pool_row(const nq_window_geom *g, int n, int oy, int average) {
  const int iy0 = oy * g->stride_h - g->pad_t;
  int ky0, ky1;
  nq_window_taps(iy0, 1, g->h, g->kh, &ky0, &ky1);
  const float *img = g->in + (size_t)n * g->h * g->w * g->c;
  float *orow = g->out + ((size_t)n * g->oh + oy) * g->ow * g->c;
  for (int ox = 0; ox < g->ow; ox++) {
    const int ix0 = ox * g->stride_w - g->pad_l;
    int kx0, kx1;
    nq_window_taps(ix0, 1, g->w, g->kw, &kx0, &kx1);
    const long long count = (long long)(ky1 - ky0) * (kx1 - kx0); /* h*w may pass INT_MAX */
    float *o = orow + (size_t)ox * g->c;
    for (int c0 = 0; c0 < g->c; c0 += CBLOCK) {
      const int cb = g->c - c0 < CBLOCK ? g->c - c0 : CBLOCK;
      float acc[CBLOCK];
      for (int j = 0; j < cb; j++) acc[j] = average ? 0.0f : -FLT_MAX;
      for (int ky = ky0; ky < ky1; ky++)
        for (int kx = kx0; kx < kx1; kx++) {
          const float *x = img + ((size_t)(iy0 + ky) * g->w + (ix0 + kx)) * g->c + c0;
          if (average) {
            for (int j = 0; j < cb; j++) acc[j] += x[j];
          } else {
            for (int j = 0; j < cb; j++) acc[j] = x[j] > acc[j] ? x[j] : acc[j];
          }
        }
      for (int j = 0; j < cb; j++) {
        float v = acc[j];
        if (average) v = count ? v / (float)count : 0.0f;
        o[c0 + j] = clampf(v, g->lo, g->hi);
      }
    }
  }
}

void nq_maxpool_row_portable(const nq_window_geom *g, int n, int oy) { pool_row(g, n, oy, 0); }
void nq_avgpool_row_portable(const nq_window_geom *g, int n, int oy) { pool_row(g, n, oy, 1); }

#ifdef NQ_WINDOW_HAVE_AVX2
static int have_avx2(void) { return nq_fast_use_avx2(); }
#endif

nq_window_row_fn nq_dw_row(int mult) {
#ifdef NQ_WINDOW_HAVE_AVX2
  if (mult == 1 && have_avx2()) return nq_dw_row_avx2;
#endif
#if NQ_HAVE_NEON
  if (mult == 1 && nq_cpu_use_neon()) return nq_dw_row_neon;
#endif
  (void)mult;
  return nq_dw_row_portable;
}

nq_window_row_fn nq_maxpool_row(void) {
#ifdef NQ_WINDOW_HAVE_AVX2
  if (have_avx2()) return nq_maxpool_row_avx2;
#endif
#if NQ_HAVE_NEON
  if (nq_cpu_use_neon()) return nq_maxpool_row_neon;
#endif
  return nq_maxpool_row_portable;
}

nq_window_row_fn nq_avgpool_row(void) {
#ifdef NQ_WINDOW_HAVE_AVX2
  if (have_avx2()) return nq_avgpool_row_avx2;
#endif
#if NQ_HAVE_NEON
  if (nq_cpu_use_neon()) return nq_avgpool_row_neon;
#endif
  return nq_avgpool_row_portable;
}
