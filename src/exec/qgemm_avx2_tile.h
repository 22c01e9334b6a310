/*
 * The AVX2 4 x 16 integer GEMM tile (see qgemm.h), shared by the plain
 * micro-kernel (qgemm_avx2.c: stores int32 accumulators) and the int8
 * kernels' fused tile (int8/int8_avx2.c: requantizes them in registers).
 * Include only from files compiled with -mavx2.
 *
 * 8 ymm int32 accumulators, two aligned panel loads and four 32-bit
 * broadcasts of A pairs per k pair, each feeding two vpmaddwd.
 */
#ifndef NQ_EXEC_QGEMM_AVX2_TILE_H
#define NQ_EXEC_QGEMM_AVX2_TILE_H

#include <immintrin.h>
#include <string.h>

#include "exec/qgemm.h"

static inline __m256i nq_qgemm_pair_at(const int16_t *row, int j) {
  int32_t v;
  memcpy(&v, row + 2 * j, sizeof v); /* unaligned-safe load of (a[2j], a[2j+1]) */
  return _mm256_set1_epi32(v);
}

/* c[2 * i + h] = channels 8h .. 8h + 7 of row i. */
static inline void nq_qgemm_tile_4x16(int kp, const int16_t *a, size_t lda, const int16_t *panel,
                                      __m256i c[8]) {
  const int16_t *r0 = a, *r1 = a + lda, *r2 = a + 2 * lda, *r3 = a + 3 * lda;
  __m256i c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256();
  __m256i c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256();
  __m256i c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256();
  __m256i c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256();
  const int pairs = kp / 2;
  for (int j = 0; j < pairs; j++) {
    const __m256i w0 = _mm256_load_si256((const __m256i *)(const void *)(panel + (size_t)j * 32));
    const __m256i w1 = _mm256_load_si256((const __m256i *)(const void *)(panel + (size_t)j * 32 + 16));
    __m256i x = nq_qgemm_pair_at(r0, j);
    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, w0));
    c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, w1));
    x = nq_qgemm_pair_at(r1, j);
    c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, w0));
    c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, w1));
    x = nq_qgemm_pair_at(r2, j);
    c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, w0));
    c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, w1));
    x = nq_qgemm_pair_at(r3, j);
    c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, w0));
    c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, w1));
  }
  c[0] = c00, c[1] = c01, c[2] = c10, c[3] = c11, c[4] = c20, c[5] = c21, c[6] = c30, c[7] = c31;
}

#endif
