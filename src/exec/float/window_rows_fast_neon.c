/*
 * NEON row functions for DEPTHWISE_CONV_2D (multiplier 1) and the 2-D pools
 * (window_fast.h). Built only for aarch64 (cmake/deps.cmake); chosen by
 * window_rows_fast.c when the active kernel set is neon.
 *
 * The same walk as the AVX2 rows with 4-float vectors: runs of four output
 * pixels whose windows lie inside the image horizontally share each weight
 * load across four independent FMA chains (the A53's FMA latency is 4
 * cycles at one issue per cycle, so four chains keep it busy); border pixels
 * go one at a time in channel blocks of 16, then 4. NEON has no masked
 * load, so the last C % 4 channels take a scalar loop with the same
 * arithmetic (fmaf: one FMADD instruction here). Like the reference,
 * accumulation starts at zero and the bias is added last; max pooling
 * starts at -FLT_MAX and ignores NaN inputs as the reference's `v > acc`
 * test does (FMAXNM's rule for one quiet NaN operand is not that rule, so
 * max goes through a compare and select).
 */
#include "exec/float/window_fast.h"

#if NQ_HAVE_NEON
#include <arm_neon.h>
#include <float.h>
#include <math.h>

static inline float32x4_t clampq(float32x4_t v, float32x4_t lo, float32x4_t hi) {
  return vminq_f32(vmaxq_f32(v, lo), hi); /* FMAX/FMIN keep a NaN */
}

static inline float clampf_keep_nan(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

/* max as the reference takes it: acc stays unless v > acc (so NaN v is skipped). */
static inline float32x4_t max_ref(float32x4_t v, float32x4_t acc) {
  return vbslq_f32(vcgtq_f32(v, acc), v, acc);
}

typedef struct pix {
  const float *x;      /* input at the first tap, channel 0 */
  const float *w;      /* filter at the first tap, channel 0 (NULL for pools) */
  int ny, nx;          /* tap counts */
  size_t x_row, x_col; /* input floats between taps vertically / horizontally */
  size_t w_row;        /* filter floats between tap rows (kw * C) */
} pix;

static void dw_pixel(const nq_window_geom *g, const pix *p, float *o) {
  const int C = g->c;
  const float32x4_t vlo = vdupq_n_f32(g->lo), vhi = vdupq_n_f32(g->hi);
  int c = 0;
  for (; c + 16 <= C; c += 16) {
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c, *w = p->w + y * p->w_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col, w += C) {
        a0 = vfmaq_f32(a0, vld1q_f32(x), vld1q_f32(w));
        a1 = vfmaq_f32(a1, vld1q_f32(x + 4), vld1q_f32(w + 4));
        a2 = vfmaq_f32(a2, vld1q_f32(x + 8), vld1q_f32(w + 8));
        a3 = vfmaq_f32(a3, vld1q_f32(x + 12), vld1q_f32(w + 12));
      }
    }
    if (g->bias) {
      a0 = vaddq_f32(a0, vld1q_f32(g->bias + c));
      a1 = vaddq_f32(a1, vld1q_f32(g->bias + c + 4));
      a2 = vaddq_f32(a2, vld1q_f32(g->bias + c + 8));
      a3 = vaddq_f32(a3, vld1q_f32(g->bias + c + 12));
    }
    vst1q_f32(o + c, clampq(a0, vlo, vhi));
    vst1q_f32(o + c + 4, clampq(a1, vlo, vhi));
    vst1q_f32(o + c + 8, clampq(a2, vlo, vhi));
    vst1q_f32(o + c + 12, clampq(a3, vlo, vhi));
  }
  for (; c + 4 <= C; c += 4) {
    float32x4_t a0 = vdupq_n_f32(0.0f);
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c, *w = p->w + y * p->w_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col, w += C)
        a0 = vfmaq_f32(a0, vld1q_f32(x), vld1q_f32(w));
    }
    if (g->bias) a0 = vaddq_f32(a0, vld1q_f32(g->bias + c));
    vst1q_f32(o + c, clampq(a0, vlo, vhi));
  }
  for (; c < C; c++) {
    float a0 = 0.0f;
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c, *w = p->w + y * p->w_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col, w += C) a0 = fmaf(*x, *w, a0);
    }
    if (g->bias) a0 += g->bias[c];
    o[c] = clampf_keep_nan(a0, g->lo, g->hi);
  }
}

/* Four horizontally adjacent interior pixels (same taps); px_step: input
 * floats from one pixel's window to the next. */
static void dw_pixels4(const nq_window_geom *g, const pix *p, size_t px_step, float *o) {
  const int C = g->c;
  const float32x4_t vlo = vdupq_n_f32(g->lo), vhi = vdupq_n_f32(g->hi);
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c, *w = p->w + y * p->w_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col, w += C) {
        const float32x4_t wv = vld1q_f32(w);
        a0 = vfmaq_f32(a0, vld1q_f32(x), wv);
        a1 = vfmaq_f32(a1, vld1q_f32(x + px_step), wv);
        a2 = vfmaq_f32(a2, vld1q_f32(x + 2 * px_step), wv);
        a3 = vfmaq_f32(a3, vld1q_f32(x + 3 * px_step), wv);
      }
    }
    if (g->bias) {
      const float32x4_t b = vld1q_f32(g->bias + c);
      a0 = vaddq_f32(a0, b);
      a1 = vaddq_f32(a1, b);
      a2 = vaddq_f32(a2, b);
      a3 = vaddq_f32(a3, b);
    }
    vst1q_f32(o + c, clampq(a0, vlo, vhi));
    vst1q_f32(o + (size_t)C + c, clampq(a1, vlo, vhi));
    vst1q_f32(o + 2 * (size_t)C + c, clampq(a2, vlo, vhi));
    vst1q_f32(o + 3 * (size_t)C + c, clampq(a3, vlo, vhi));
  }
  for (; c < C; c++) {
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c, *w = p->w + y * p->w_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col, w += C)
        for (int q = 0; q < 4; q++) acc[q] = fmaf(x[q * px_step], *w, acc[q]);
    }
    for (int q = 0; q < 4; q++) {
      float v = acc[q] + (g->bias ? g->bias[c] : 0.0f);
      o[(size_t)q * C + c] = clampf_keep_nan(v, g->lo, g->hi);
    }
  }
}

/* average != 0: sum / count; else max. */
static inline void pool_pixel(const nq_window_geom *g, const pix *p, float *o, int average) {
  const int C = g->c;
  const float32x4_t vlo = vdupq_n_f32(g->lo), vhi = vdupq_n_f32(g->hi);
  const long long count = (long long)p->ny * p->nx; /* h*w may pass INT_MAX */
  const float fcount = (float)count;
  const float32x4_t init = vdupq_n_f32(average ? 0.0f : -FLT_MAX);
  int c = 0;
  for (; c + 16 <= C; c += 16) {
    float32x4_t a0 = init, a1 = init, a2 = init, a3 = init;
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col) {
        const float32x4_t v0 = vld1q_f32(x), v1 = vld1q_f32(x + 4), v2 = vld1q_f32(x + 8),
                          v3 = vld1q_f32(x + 12);
        if (average) {
          a0 = vaddq_f32(a0, v0);
          a1 = vaddq_f32(a1, v1);
          a2 = vaddq_f32(a2, v2);
          a3 = vaddq_f32(a3, v3);
        } else {
          a0 = max_ref(v0, a0);
          a1 = max_ref(v1, a1);
          a2 = max_ref(v2, a2);
          a3 = max_ref(v3, a3);
        }
      }
    }
    if (average) {
      if (count) {
        const float32x4_t vc = vdupq_n_f32(fcount);
        a0 = vdivq_f32(a0, vc);
        a1 = vdivq_f32(a1, vc);
        a2 = vdivq_f32(a2, vc);
        a3 = vdivq_f32(a3, vc);
      } else {
        a0 = a1 = a2 = a3 = vdupq_n_f32(0.0f);
      }
    }
    vst1q_f32(o + c, clampq(a0, vlo, vhi));
    vst1q_f32(o + c + 4, clampq(a1, vlo, vhi));
    vst1q_f32(o + c + 8, clampq(a2, vlo, vhi));
    vst1q_f32(o + c + 12, clampq(a3, vlo, vhi));
  }
  for (; c < C; c++) {
    float acc = average ? 0.0f : -FLT_MAX;
    for (int y = 0; y < p->ny; y++) {
      const float *x = p->x + y * p->x_row + c;
      for (int xx = 0; xx < p->nx; xx++, x += p->x_col) {
        if (average)
          acc += *x;
        else
          acc = *x > acc ? *x : acc;
      }
    }
    if (average) acc = count ? acc / fcount : 0.0f;
    o[c] = clampf_keep_nan(acc, g->lo, g->hi);
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
    if (kind == 0 && p.ny > 0 && ox + 4 <= g->ow && ix0 >= 0 && ix0 + 3 * g->stride_w + last_x < g->w) {
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

void nq_dw_row_neon(const nq_window_geom *g, int n, int oy) { window_row(g, n, oy, 0); }
void nq_maxpool_row_neon(const nq_window_geom *g, int n, int oy) { window_row(g, n, oy, 1); }
void nq_avgpool_row_neon(const nq_window_geom *g, int n, int oy) { window_row(g, n, oy, 2); }
#else
typedef int nq_window_neon_unused; /* ISO C forbids an empty translation unit */
#endif
