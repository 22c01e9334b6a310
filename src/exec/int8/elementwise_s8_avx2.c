/*
 * AVX2 form of the fast int8 binary ops (see binary_simd.h for the
 * arithmetic and why it equals the reference's). 16 elements per step:
 * widened to two 8 x int32 registers, computed, narrowed back to bytes
 * (the results are already within the type's range, so the saturating
 * packs change nothing); MAXIMUM/MINIMUM compare bytes directly.
 * Compiled with -mavx2 -mfma (cmake/deps.cmake: every *_avx2.c); runs only
 * after the run-time check nq_fast_use_avx2().
 */
#include "exec/int8/binary_simd.h"

#include "exec/gemm.h"  /* nq_fast_use_avx2 */
#include "exec/qgemm.h" /* NQ_QGEMM_HAVE_AVX2 */

#ifdef NQ_QGEMM_HAVE_AVX2
#include <immintrin.h>

#include "exec/int8/int8_requant_avx2.h" /* narrow16 */

typedef struct vec_consts {
  __m256i m1, m2, bias, zp1, zp2, zp_out, lo, hi;
  __m128i shift;
  __m256 scale, flo, fhi;
} vec_consts;

static vec_consts consts_of(const nq_i8_binary_vec *v) {
  vec_consts c = {
      .m1 = _mm256_set1_epi32(v->m1),
      .m2 = _mm256_set1_epi32(v->m2),
      .bias = _mm256_set1_epi32(v->bias),
      .zp1 = _mm256_set1_epi32(v->zp1),
      .zp2 = _mm256_set1_epi32(v->zp2),
      .zp_out = _mm256_set1_epi32(v->zp_out),
      .lo = _mm256_set1_epi32(v->lo),
      .hi = _mm256_set1_epi32(v->hi),
      .shift = _mm_cvtsi32_si128(v->shift),
      .scale = _mm256_set1_ps(v->scale),
      .flo = _mm256_set1_ps((float)(v->lo - v->zp_out)),
      .fhi = _mm256_set1_ps((float)(v->hi - v->zp_out)),
  };
  return c;
}

static inline __m256i widen(__m128i bytes, bool u8) {
  return u8 ? _mm256_cvtepu8_epi32(bytes) : _mm256_cvtepi8_epi32(bytes);
}

/* ADD/SUB: floor((bias + m1 q1 + m2 q2) / 2^shift) + zp_out, clamped. */
static inline __m256i add8(const vec_consts *c, __m256i x, __m256i y) {
  __m256i acc = _mm256_add_epi32(c->bias, _mm256_mullo_epi32(x, c->m1));
  acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(y, c->m2));
  const __m256i q = _mm256_add_epi32(_mm256_sra_epi32(acc, c->shift), c->zp_out);
  return _mm256_min_epi32(_mm256_max_epi32(q, c->lo), c->hi);
}

/* MUL: round-half-even(clamp(float((q1 - zp1)(q2 - zp2)) * scale)) + zp_out. */
static inline __m256i mul8(const vec_consts *c, __m256i x, __m256i y) {
  const __m256i prod = _mm256_mullo_epi32(_mm256_sub_epi32(x, c->zp1), _mm256_sub_epi32(y, c->zp2));
  __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(prod), c->scale);
  f = _mm256_min_ps(_mm256_max_ps(f, c->flo), c->fhi);
  return _mm256_add_epi32(_mm256_cvtps_epi32(f), c->zp_out);
}

static inline __m128i load16(const uint8_t *p, int step, size_t i) {
  return step ? _mm_loadu_si128((const __m128i *)(const void *)(p + i)) : _mm_set1_epi8((char)p[0]);
}

static size_t run_arith(const nq_i8_binary_vec *v, const vec_consts *cp, const uint8_t *x, int xs,
                        const uint8_t *y, int ys, uint8_t *o, size_t n) {
  const vec_consts c = *cp;
  const nq_dtype t = v->u8 ? NQ_UINT8 : NQ_INT8;
  const bool mul = v->kind == NQ_I8_VEC_MUL;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i bx = load16(x, xs, i), by = load16(y, ys, i);
    const __m256i x0 = widen(bx, v->u8), x1 = widen(_mm_srli_si128(bx, 8), v->u8);
    const __m256i y0 = widen(by, v->u8), y1 = widen(_mm_srli_si128(by, 8), v->u8);
    const __m256i r0 = mul ? mul8(&c, x0, y0) : add8(&c, x0, y0);
    const __m256i r1 = mul ? mul8(&c, x1, y1) : add8(&c, x1, y1);
    _mm_storeu_si128((__m128i *)(void *)(o + i), narrow16(r0, r1, t));
  }
  return i;
}

static size_t run_extreme(const nq_i8_binary_vec *v, const uint8_t *x, int xs, const uint8_t *y, int ys,
                          uint8_t *o, size_t n) {
  const bool mx = v->kind == NQ_I8_VEC_MAX;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i a = load16(x, xs, i), b = load16(y, ys, i);
    __m128i r;
    if (v->u8)
      r = mx ? _mm_max_epu8(a, b) : _mm_min_epu8(a, b);
    else
      r = mx ? _mm_max_epi8(a, b) : _mm_min_epi8(a, b);
    _mm_storeu_si128((__m128i *)(void *)(o + i), r);
  }
  return i;
}

bool nq_i8_binary_vec_range(const nq_i8_binary_vec *v, const uint8_t *table, const uint8_t *x, size_t px,
                            const uint8_t *y, size_t py, uint8_t *o, size_t i0, size_t i1) {
  if (!nq_fast_use_avx2()) return false;
  const vec_consts c = consts_of(v);
  const bool extreme = v->kind == NQ_I8_VEC_MAX || v->kind == NQ_I8_VEC_MIN;
  const int xs = px != 1, ys = py != 1;
  size_t xi = xs ? i0 % px : 0, yi = ys ? i0 % py : 0;
  for (size_t i = i0; i < i1;) {
    size_t len = i1 - i; /* up to the end of the shorter period */
    if (xs && px - xi < len) len = px - xi;
    if (ys && py - yi < len) len = py - yi;
    size_t done = extreme ? run_extreme(v, x + xi, xs, y + yi, ys, o + i, len)
                          : run_arith(v, &c, x + xi, xs, y + yi, ys, o + i, len);
    for (; done < len; done++) /* the tail: the table holds the same results */
      o[i + done] = table[x[xi + done * (size_t)xs] << 8 | y[yi + done * (size_t)ys]];
    i += len;
    if (xs && (xi += len) == px) xi = 0; /* no division per row */
    if (ys && (yi += len) == py) yi = 0;
  }
  return true;
}

#else /* no AVX2 on this target: the byte table does every element */

bool nq_i8_binary_vec_range(const nq_i8_binary_vec *v, const uint8_t *table, const uint8_t *x, size_t px,
                            const uint8_t *y, size_t py, uint8_t *o, size_t i0, size_t i1) {
  (void)v, (void)table, (void)x, (void)px, (void)y, (void)py, (void)o, (void)i0, (void)i1;
  return false;
}

#endif
