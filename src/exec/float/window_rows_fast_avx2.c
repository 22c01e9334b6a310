/*
 * AVX2 row functions for DEPTHWISE_CONV_2D (multiplier 1) and the 2-D
 * pools (window_fast.h). Compiled with -mavx2 -mfma (cmake/deps.cmake),
 * called only after a run-time CPU check.
 *
 * Depthwise: runs of four output pixels whose windows lie inside the image
 * horizontally go together (one weight load feeds four independent FMA
 * chains, in blocks of 8 channels); the border pixels go one at a time in
 * channel blocks of 32 (four accumulators), then 8. A masked tail means
 * channel counts that are not a multiple of 8 need no scalar loop. Pools
 * work one pixel at a time in blocks of 32. Like the reference, accumulation starts
 * at zero and the bias is added last; max pooling starts at -FLT_MAX and
 * ignores NaN inputs (the reference's `v > acc` test does too).
 */
#include "exec/float/window_fast.h"

#ifdef NQ_WINDOW_HAVE_AVX2
#include <float.h>
#include <immintrin.h>

static inline __m256 clampv(__m256 v, __m256 lo, __m256 hi) {
  return _mm256_min_ps(hi, _mm256_max_ps(lo, v)); /* this order keeps NaN */
}

static inline __m256i tail_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* One pixel's window: taps [ky0,ky1) x [kx0,kx1) starting at input pixel
 * (iy0, ix0) with the given dilations; x_step/w_step are the pointer steps. */
typedef struct pix {
  const float *x;      /* input at (iy0 + ky0*dil_h, ix0 + kx0*dil_w), channel 0 */
  const float *w;      /* filter at (ky0, kx0), channel 0, or NULL for pools */
  int ny, nx;          /* tap counts */
  size_t x_row, x_col; /* input floats between taps vertically / horizontally */
  size_t w_row;        /* filter floats between tap rows (kw * C) */
} pix;

static void dw_pixel(const nq_window_geom *g, const pix *p, float *o) {
  const int C = g->c;
  const __m256 vlo = _mm256_set1_ps(g->lo), vhi = _mm256_set1_ps(g->hi);
  int c = 0;
  for (; c + 32 <= C; c += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c, *w = p->w + y * p->w_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col, w += C) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(w), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 8), _mm256_loadu_ps(w + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 16), _mm256_loadu_ps(w + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 24), _mm256_loadu_ps(w + 24), a3);
      }
    }
    if (g->bias) {
      a0 = _mm256_add_ps(a0, _mm256_loadu_ps(g->bias + c));
      a1 = _mm256_add_ps(a1, _mm256_loadu_ps(g->bias + c + 8));
      a2 = _mm256_add_ps(a2, _mm256_loadu_ps(g->bias + c + 16));
      a3 = _mm256_add_ps(a3, _mm256_loadu_ps(g->bias + c + 24));
    }
    _mm256_storeu_ps(o + c, clampv(a0, vlo, vhi));
    _mm256_storeu_ps(o + c + 8, clampv(a1, vlo, vhi));
    _mm256_storeu_ps(o + c + 16, clampv(a2, vlo, vhi));
    _mm256_storeu_ps(o + c + 24, clampv(a3, vlo, vhi));
  }
  for (; c < C; c += 8) {
    const int full = C - c >= 8;
    const __m256i m = tail_mask(C - c);
    __m256 a0 = _mm256_setzero_ps();
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c, *w = p->w + y * p->w_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col, w += C) {
        __m256 xv = full ? _mm256_loadu_ps(x) : _mm256_maskload_ps(x, m);
        __m256 wv = full ? _mm256_loadu_ps(w) : _mm256_maskload_ps(w, m);
        a0 = _mm256_fmadd_ps(xv, wv, a0);
      }
    }
    if (g->bias)
      a0 = _mm256_add_ps(a0, full ? _mm256_loadu_ps(g->bias + c) : _mm256_maskload_ps(g->bias + c, m));
    a0 = clampv(a0, vlo, vhi);
    if (full)
      _mm256_storeu_ps(o + c, a0);
    else
      _mm256_maskstore_ps(o + c, m, a0);
  }
}

/* Four horizontally adjacent pixels whose windows are all inside the image
 * in x (same taps): each weight vector is loaded once for four FMAs, and
 * the four accumulators are independent chains, so even 8 channels (one
 * vector) keep the FMA units busy instead of waiting on one chain's
 * latency. px_step: input floats from one pixel's window to the next. */
static void dw_pixels4(const nq_window_geom *g, const pix *p, size_t px_step, float *o) {
  const int C = g->c;
  const __m256 vlo = _mm256_set1_ps(g->lo), vhi = _mm256_set1_ps(g->hi);
  for (int c = 0; c < C; c += 8) {
    const int full = C - c >= 8;
    const __m256i m = tail_mask(C - c);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c, *w = p->w + y * p->w_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col, w += C) {
        if (full) {
          const __m256 wv = _mm256_loadu_ps(w);
          a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x), wv, a0);
          a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + px_step), wv, a1);
          a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 2 * px_step), wv, a2);
          a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + 3 * px_step), wv, a3);
        } else {
          const __m256 wv = _mm256_maskload_ps(w, m);
          a0 = _mm256_fmadd_ps(_mm256_maskload_ps(x, m), wv, a0);
          a1 = _mm256_fmadd_ps(_mm256_maskload_ps(x + px_step, m), wv, a1);
          a2 = _mm256_fmadd_ps(_mm256_maskload_ps(x + 2 * px_step, m), wv, a2);
          a3 = _mm256_fmadd_ps(_mm256_maskload_ps(x + 3 * px_step, m), wv, a3);
        }
      }
    }
    if (g->bias) {
      const __m256 b = full ? _mm256_loadu_ps(g->bias + c) : _mm256_maskload_ps(g->bias + c, m);
      a0 = _mm256_add_ps(a0, b);
      a1 = _mm256_add_ps(a1, b);
      a2 = _mm256_add_ps(a2, b);
      a3 = _mm256_add_ps(a3, b);
    }
    __m256 r[4] = {clampv(a0, vlo, vhi), clampv(a1, vlo, vhi), clampv(a2, vlo, vhi), clampv(a3, vlo, vhi)};
    for (int q = 0; q < 4; q++) {
      if (full)
        _mm256_storeu_ps(o + (size_t)q * C + c, r[q]);
      else
        _mm256_maskstore_ps(o + (size_t)q * C + c, m, r[q]);
    }
  }
}

/* average != 0: sum / count; else max. */
static inline void pool_pixel(const nq_window_geom *g, const pix *p, float *o, int average) {
  const int C = g->c;
  const __m256 vlo = _mm256_set1_ps(g->lo), vhi = _mm256_set1_ps(g->hi);
  const long long count = (long long)p->ny * p->nx; /* h*w may pass INT_MAX */
  const __m256 vcount = _mm256_set1_ps((float)count);
  const __m256 init = average ? _mm256_setzero_ps() : _mm256_set1_ps(-FLT_MAX);
  for (int c = 0; c < C; c += 32) {
    const int left = C - c;
    const __m256i m0 = tail_mask(left), m1 = tail_mask(left - 8), m2 = tail_mask(left - 16),
                  m3 = tail_mask(left - 24);
    __m256 a0 = init, a1 = init, a2 = init, a3 = init;
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col) {
        __m256 v0, v1, v2, v3;
        if (left >= 32) {
          v0 = _mm256_loadu_ps(x);
          v1 = _mm256_loadu_ps(x + 8);
          v2 = _mm256_loadu_ps(x + 16);
          v3 = _mm256_loadu_ps(x + 24);
        } else {
          v0 = _mm256_maskload_ps(x, m0);
          v1 = _mm256_maskload_ps(x + 8, m1);
          v2 = _mm256_maskload_ps(x + 16, m2);
          v3 = _mm256_maskload_ps(x + 24, m3);
        }
        if (average) {
          a0 = _mm256_add_ps(a0, v0);
          a1 = _mm256_add_ps(a1, v1);
          a2 = _mm256_add_ps(a2, v2);
          a3 = _mm256_add_ps(a3, v3);
        } else { /* max(v, acc) returns acc when v is NaN */
          a0 = _mm256_max_ps(v0, a0);
          a1 = _mm256_max_ps(v1, a1);
          a2 = _mm256_max_ps(v2, a2);
          a3 = _mm256_max_ps(v3, a3);
        }
      }
    }
    if (average) {
      if (count) {
        a0 = _mm256_div_ps(a0, vcount);
        a1 = _mm256_div_ps(a1, vcount);
        a2 = _mm256_div_ps(a2, vcount);
        a3 = _mm256_div_ps(a3, vcount);
      } else {
        a0 = a1 = a2 = a3 = _mm256_setzero_ps();
      }
    }
    if (left >= 32) {
      _mm256_storeu_ps(o + c, clampv(a0, vlo, vhi));
      _mm256_storeu_ps(o + c + 8, clampv(a1, vlo, vhi));
      _mm256_storeu_ps(o + c + 16, clampv(a2, vlo, vhi));
      _mm256_storeu_ps(o + c + 24, clampv(a3, vlo, vhi));
    } else {
      _mm256_maskstore_ps(o + c, m0, clampv(a0, vlo, vhi));
      _mm256_maskstore_ps(o + c + 8, m1, clampv(a1, vlo, vhi));
      _mm256_maskstore_ps(o + c + 16, m2, clampv(a2, vlo, vhi));
      _mm256_maskstore_ps(o + c + 24, m3, clampv(a3, vlo, vhi));
    }
  }
}

/* Walk one output row, giving each pixel its clipped window. */
static inline void window_row(const nq_window_geom *g, int n, int oy, int kind) {
  const int oc_n = g->c * g->mult;
  const int iy0 = oy * g->stride_h - g->pad_t;
  int ky0, ky1;
  nq_window_taps(iy0, g->dil_h, g->h, g->kh, &ky0, &ky1);
  const float *img = g->in + (size_t)n * g->h * g->w * g->c;
  float *orow = g->out + ((size_t)n * g->oh + oy) * g->ow * oc_n;
  pix p;
  p.ny = ky1 - ky0;
  p.x_row = (size_t)g->dil_h * g->w * g->c;
  p.x_col = (size_t)g->dil_w * g->c;
  p.w_row = (size_t)g->kw * oc_n;
  const int last_x = (g->kw - 1) * g->dil_w; /* window extent - 1 */
  for (int ox = 0; ox < g->ow; ox++) {
    const int ix0 = ox * g->stride_w - g->pad_l;
    if (kind == 0 && p.ny > 0 && ox + 4 <= g->ow && ix0 >= 0 &&
        ix0 + 3 * g->stride_w + last_x < g->w) { /* four interior pixels at once */
      p.nx = g->kw;
      p.x = img + ((size_t)(iy0 + ky0 * g->dil_h) * g->w + (size_t)ix0) * g->c;
      p.w = g->filter + (size_t)ky0 * g->kw * oc_n;
      dw_pixels4(g, &p, (size_t)g->stride_w * g->c, orow + (size_t)ox * oc_n);
      ox += 3;
      continue;
    }
    int kx0, kx1;
    nq_window_taps(ix0, g->dil_w, g->w, g->kw, &kx0, &kx1);
    p.nx = kx1 - kx0;
    float *o = orow + (size_t)ox * oc_n;
    if (p.ny <= 0 || p.nx <= 0) { /* a window entirely in the padding */
      p.ny = p.ny < 0 ? 0 : p.ny;
      p.nx = 0;
      p.x = img;
      p.w = g->filter;
    } else {
      p.x = img + ((size_t)(iy0 + ky0 * g->dil_h) * g->w + (size_t)(ix0 + kx0 * g->dil_w)) * g->c;
      p.w = g->filter ? g->filter + ((size_t)ky0 * g->kw + kx0) * oc_n : NULL;
    }
    if (kind == 0)
      dw_pixel(g, &p, o);
    else
      pool_pixel(g, &p, o, kind == 2);
    p.ny = ky1 - ky0;
  }
}

void nq_dw_row_avx2(const nq_window_geom *g, int n, int oy) { window_row(g, n, oy, 0); }
void nq_maxpool_row_avx2(const nq_window_geom *g, int n, int oy) { window_row(g, n, oy, 1); }
void nq_avgpool_row_avx2(const nq_window_geom *g, int n, int oy) { window_row(g, n, oy, 2); }
#else
typedef int nq_window_avx2_unused; /* ISO C forbids an empty translation unit */
#endif
