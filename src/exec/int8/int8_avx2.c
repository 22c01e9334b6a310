/*
 * AVX2 paths of the int8 weighted kernels (see int8_simd.h). This file is
 * compiled with -mavx2 -mfma (cmake/deps.cmake: every *_avx2.c) and its
 * functions run only after nq_i8_simd_ok() said yes. On other targets
 * nq_i8_simd_ok() is always false and the entry points below the #else
 * exist only so that the callers link. The requantization itself is in
 * int8_requant_avx2.h.
 */
#include "exec/int8/int8_simd.h"

#include <string.h>

#include "exec/gemm.h" /* nq_fast_use_avx2 */

#ifdef NQ_QGEMM_HAVE_AVX2
#include "exec/int8/int8_requant_avx2.h"
#include "exec/qgemm_avx2_tile.h"

static void finish_tail(const nq_i8_wprep *p, const rq8 *r, int c0, int nc, const int32_t *acc, uint8_t *o,
                        nq_dtype t) {
  int32_t a[8] = {0}, b[8] = {0};
  float s[8] = {0};
  memcpy(a, acc, (size_t)nc * sizeof *a);
  memcpy(b, p->bias + c0, (size_t)nc * sizeof *b);
  memcpy(s, p->fscale + c0, (size_t)nc * sizeof *s);
  uint8_t bytes[16];
  _mm_storeu_si128((__m128i *)(void *)bytes,
                   narrow8(finish8(r, _mm256_loadu_si256((const __m256i *)(const void *)a), b, s), t));
  memcpy(o, bytes, (size_t)nc);
}

void nq_i8_wfinish_row_simd(const nq_i8_wprep *p, int c0, int nc, const int32_t *acc, void *out, nq_dtype t,
                            size_t off) {
  const rq8 r = rq_of(p);
  uint8_t *o = (uint8_t *)out + off; /* int8 and uint8 alike: bytes */
  int c = 0;
  for (; c + 16 <= nc; c += 16) {
    const __m256i a = finish8(&r, _mm256_loadu_si256((const __m256i *)(const void *)(acc + c)),
                              p->bias + c0 + c, p->fscale + c0 + c);
    const __m256i b = finish8(&r, _mm256_loadu_si256((const __m256i *)(const void *)(acc + c + 8)),
                              p->bias + c0 + c + 8, p->fscale + c0 + c + 8);
    _mm_storeu_si128((__m128i *)(void *)(o + c), narrow16(a, b, t));
  }
  for (; c + 8 <= nc; c += 8) {
    const __m256i a = finish8(&r, _mm256_loadu_si256((const __m256i *)(const void *)(acc + c)),
                              p->bias + c0 + c, p->fscale + c0 + c);
    _mm_storel_epi64((__m128i *)(void *)(o + c), narrow8(a, t));
  }
  if (c < nc) finish_tail(p, &r, c0 + c, nc - c, acc + c, o + c, t);
}

void nq_i8_qgemm_tile_simd(const nq_i8_wprep *p, int kp, const int16_t *a, size_t lda, const int16_t *panel,
                           int c0, int nc, int mr, void *out, size_t ldo, nq_dtype t) {
  __m256i c[8];
  nq_qgemm_tile_4x16(kp, a, lda, panel, c);
  if (nc < NQ_QGEMM_NR) { /* the last panel of a channel count that is not a multiple of 16 */
    int32_t acc[NQ_QGEMM_MR * NQ_QGEMM_NR];
    for (int i = 0; i < 8; i++) _mm256_storeu_si256((__m256i *)(void *)(acc + 8 * i), c[i]);
    for (int i = 0; i < mr; i++)
      nq_i8_wfinish_row_simd(p, c0, nc, acc + i * NQ_QGEMM_NR, out, t, i * ldo + c0);
    return;
  }
  store_rows16(p, c, mr, c0, out, ldo, t);
}

static inline __m256i tap8(const int16_t *x, const int16_t *w) {
  const __m256i xv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)x));
  const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));
  return _mm256_mullo_epi32(xv, wv);
}

/* The taps of one output pixel that fall inside the image: offsets of the
 * input pixel and of the weights, in int16 elements. */
typedef struct dw_taps {
  int n;
  size_t x[64], w[64];
} dw_taps;

/* Channels [cb, cb + 32) of one pixel: four accumulators stay in registers
 * over every tap. */
static void dw_block32(const nq_i8_wprep *p, const rq8 *r, const nq_i8_dw_row *d, const dw_taps *tp, int cb,
                       uint8_t *o, nq_dtype t) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  const int16_t *x = d->x + cb, *w = d->wts + cb;
  for (int i = 0; i < tp->n; i++) {
    const int16_t *xp = x + tp->x[i], *wp = w + tp->w[i];
    a0 = _mm256_add_epi32(a0, tap8(xp, wp));
    a1 = _mm256_add_epi32(a1, tap8(xp + 8, wp + 8));
    a2 = _mm256_add_epi32(a2, tap8(xp + 16, wp + 16));
    a3 = _mm256_add_epi32(a3, tap8(xp + 24, wp + 24));
  }
  const int32_t *b = p->bias + cb;
  const float *s = p->fscale + cb;
  _mm_storeu_si128((__m128i *)(void *)o, narrow16(finish8(r, a0, b, s), finish8(r, a1, b + 8, s + 8), t));
  _mm_storeu_si128((__m128i *)(void *)(o + 16),
                   narrow16(finish8(r, a2, b + 16, s + 16), finish8(r, a3, b + 24, s + 24), t));
}

/* Channels [cb, cb + 8). */
static void dw_block8(const nq_i8_wprep *p, const rq8 *r, const nq_i8_dw_row *d, const dw_taps *tp, int cb,
                      uint8_t *o, nq_dtype t) {
  __m256i a0 = _mm256_setzero_si256();
  for (int i = 0; i < tp->n; i++)
    a0 = _mm256_add_epi32(a0, tap8(d->x + cb + tp->x[i], d->wts + cb + tp->w[i]));
  _mm_storel_epi64((__m128i *)(void *)o, narrow8(finish8(r, a0, p->bias + cb, p->fscale + cb), t));
}

/* The last c % 8 channels, in scalar code. */
static void dw_tail(const nq_i8_wprep *p, const rq8 *r, const nq_i8_dw_row *d, const dw_taps *tp, int cb,
                    uint8_t *o, nq_dtype t) {
  int32_t acc[8] = {0};
  const int n = d->c - cb;
  for (int i = 0; i < tp->n; i++) {
    const int16_t *xp = d->x + cb + tp->x[i], *wp = d->wts + cb + tp->w[i];
    for (int ch = 0; ch < n; ch++) acc[ch] += (int32_t)xp[ch] * wp[ch];
  }
  finish_tail(p, r, cb, n, acc, o, t);
}

void nq_i8_dw_row_simd(const nq_i8_wprep *p, const nq_i8_dw_row *d, void *out, nq_dtype t, size_t off) {
  const rq8 r = rq_of(p);
  dw_taps tp;
  for (int ox = 0; ox < d->ow; ox++) {
    const int ix0 = ox * d->sw - d->pw;
    tp.n = 0;
    for (int ky = 0; ky < d->kh; ky++) {
      const int iy = d->iy0 + ky * d->dh;
      if (iy < 0 || iy >= d->h) continue;
      for (int kx = 0; kx < d->kw; kx++) {
        const int ix = ix0 + kx * d->dw;
        if (ix < 0 || ix >= d->w) continue;
        tp.x[tp.n] = ((size_t)iy * d->w + ix) * d->c;
        tp.w[tp.n] = ((size_t)ky * d->kw + kx) * d->c;
        tp.n++;
      }
    }
    uint8_t *o = (uint8_t *)out + off + (size_t)ox * d->c;
    int cb = 0;
    for (; cb + 32 <= d->c; cb += 32) dw_block32(p, &r, d, &tp, cb, o + cb, t);
    for (; cb + 8 <= d->c; cb += 8) dw_block8(p, &r, d, &tp, cb, o + cb, t);
    if (cb < d->c) dw_tail(p, &r, d, &tp, cb, o + cb, t);
  }
}

bool nq_i8_simd_ok(const nq_i8_wprep *p, int single) {
  return single && p->bias_cannot_saturate && nq_fast_use_avx2();
}

#else /* no AVX2 on this target: the portable loops always run */

bool nq_i8_simd_ok(const nq_i8_wprep *p, int single) {
  (void)p;
  (void)single;
  return false;
}
void nq_i8_wfinish_row_simd(const nq_i8_wprep *p, int c0, int nc, const int32_t *acc, void *out, nq_dtype t,
                            size_t off) {
  nq_i8_wfinish_row(p, c0, nc, acc, out, t, off, 1);
}
void nq_i8_dw_row_simd(const nq_i8_wprep *p, const nq_i8_dw_row *r, void *out, nq_dtype t, size_t off) {
  (void)p, (void)r, (void)out, (void)t, (void)off; /* unreachable: nq_i8_simd_ok() is false */
}
void nq_i8_qgemm_tile_simd(const nq_i8_wprep *p, int kp, const int16_t *a, size_t lda, const int16_t *panel,
                           int c0, int nc, int mr, void *out, size_t ldo, nq_dtype t) {
  (void)p, (void)kp, (void)a, (void)lda, (void)panel, (void)c0, (void)nc, (void)mr, (void)out, (void)ldo,
      (void)t; /* unreachable: nq_i8_simd_ok() is false */
}
#endif
