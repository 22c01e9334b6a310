/*
 * The AVX2 integer GEMM micro-kernel (see qgemm.h). This file alone is
 * compiled with -mavx2 -mfma (cmake/deps.cmake) and runs only when the CPU
 * has AVX2 (qgemm.c asks nq_fast_use_avx2()).
 *
 * 4 rows x 16 channels: 8 ymm int32 accumulators, two aligned panel loads
 * and four 32-bit broadcasts of A pairs per k pair, each feeding two
 * vpmaddwd. Accumulators are named variables so GCC keeps them in
 * registers across the loop.
 */
#include "exec/qgemm.h"

#ifdef NQ_QGEMM_HAVE_AVX2
#include <immintrin.h>
#include <string.h>

static inline __m256i pair_at(const int16_t *row, int j) {
  int32_t v;
  memcpy(&v, row + 2 * j, sizeof v); /* unaligned-safe load of (a[2j], a[2j+1]) */
  return _mm256_set1_epi32(v);
}

void nq_qgemm_ukernel_avx2(int kp, const int16_t *a, size_t lda, const int16_t *panel, int32_t *acc) {
  const int16_t *r0 = a, *r1 = a + lda, *r2 = a + 2 * lda, *r3 = a + 3 * lda;
  __m256i c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256();
  __m256i c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256();
  __m256i c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256();
  __m256i c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256();
  const int pairs = kp / 2;
  for (int j = 0; j < pairs; j++) {
    const __m256i w0 = _mm256_load_si256((const __m256i *)(const void *)(panel + (size_t)j * 32));
    const __m256i w1 = _mm256_load_si256((const __m256i *)(const void *)(panel + (size_t)j * 32 + 16));
    __m256i x = pair_at(r0, j);
    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, w0));
    c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, w1));
    x = pair_at(r1, j);
    c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, w0));
    c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, w1));
    x = pair_at(r2, j);
    c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, w0));
    c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, w1));
    x = pair_at(r3, j);
    c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, w0));
    c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, w1));
  }
  _mm256_storeu_si256((__m256i *)(void *)(acc + 0), c00);
  _mm256_storeu_si256((__m256i *)(void *)(acc + 8), c01);
  _mm256_storeu_si256((__m256i *)(void *)(acc + 16), c10);
  _mm256_storeu_si256((__m256i *)(void *)(acc + 24), c11);
  _mm256_storeu_si256((__m256i *)(void *)(acc + 32), c20);
  _mm256_storeu_si256((__m256i *)(void *)(acc + 40), c21);
  _mm256_storeu_si256((__m256i *)(void *)(acc + 48), c30);
  _mm256_storeu_si256((__m256i *)(void *)(acc + 56), c31);
}
#endif
