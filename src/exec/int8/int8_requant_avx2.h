/*
 * XNNPACK's float requantization of 8 int32 accumulators at a time, in AVX2
 * registers (see int8_simd.h for why the result equals nq_i8_wfinish):
 * vpaddd (bias), vcvtdq2ps, vmulps (scale), vmaxps/vminps (clamp),
 * vcvtps2dq (round half to even: the default MXCSR mode, as lrintf), vpaddd
 * (zero point). The clamp bounds are integers, so clamping before rounding
 * equals rounding then clamping; the scale is finite (prepare refuses what
 * is not), so no NaN reaches max/min, whose NaN rule differs from C's
 * comparisons. Include only from *_avx2.c files.
 */
#ifndef NQ_EXEC_INT8_REQUANT_AVX2_H
#define NQ_EXEC_INT8_REQUANT_AVX2_H

#include <immintrin.h>

#include "exec/int8/int8_weights.h"

/* The helpers are also inlined into functions built for a wider target
 * (qgemm_vnni_avx2.c). */
#define NQ_I8_AVX2 __attribute__((target("avx2,fma")))

typedef struct rq8 {
  __m256 lo, hi;
  __m256i zp;
} rq8;

static inline NQ_I8_AVX2 rq8 rq_of(const nq_i8_wprep *p) {
  rq8 r = {_mm256_set1_ps((float)(p->act_lo - p->out_zp)), _mm256_set1_ps((float)(p->act_hi - p->out_zp)),
           _mm256_set1_epi32(p->out_zp)};
  return r;
}

static inline NQ_I8_AVX2 __m256i finish8(const rq8 *r, __m256i acc, const int32_t *bias, const float *fs) {
  const __m256i v = _mm256_add_epi32(acc, _mm256_loadu_si256((const __m256i *)(const void *)bias));
  __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(v), _mm256_loadu_ps(fs));
  f = _mm256_min_ps(_mm256_max_ps(f, r->lo), r->hi);
  return _mm256_add_epi32(_mm256_cvtps_epi32(f), r->zp);
}

/* 16 finished int32 (already in the type's range) to 16 bytes. */
static inline NQ_I8_AVX2 __m128i narrow16(__m256i a, __m256i b, nq_dtype t) {
  const __m256i s16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  const __m128i lo = _mm256_castsi256_si128(s16), hi = _mm256_extracti128_si256(s16, 1);
  return t == NQ_UINT8 ? _mm_packus_epi16(lo, hi) : _mm_packs_epi16(lo, hi);
}

/* Finish the 16-column panel starting at column c0 for mr rows of paired
 * int32 accumulators (c[2i], c[2i+1]: row i's columns 0-7 and 8-15) and
 * store them: the last step of every GEMM tile that requantizes in registers. */
static inline NQ_I8_AVX2 void store_rows16(const nq_i8_wprep *p, const __m256i *c, int mr, int c0, void *out,
                                           int ldo, nq_dtype t) {
  const rq8 r = rq_of(p);
  const int32_t *b = p->bias + c0;
  const float *s = p->fscale + c0;
  uint8_t *o = (uint8_t *)out + c0;
  for (int i = 0; i < mr; i++)
    _mm_storeu_si128((__m128i *)(void *)(o + i * ldo),
                     narrow16(finish8(&r, c[2 * i], b, s), finish8(&r, c[2 * i + 1], b + 8, s + 8), t));
}

/* 8 finished int32 to 8 bytes (low half of the result). */
static inline NQ_I8_AVX2 __m128i narrow8(__m256i a, nq_dtype t) {
  const __m128i s16 = _mm_packs_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
  return t == NQ_UINT8 ? _mm_packus_epi16(s16, s16) : _mm_packs_epi16(s16, s16);
}

#endif
