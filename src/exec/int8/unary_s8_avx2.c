/*
 * AVX2 lookup in the 256-byte tables of the fast one-input ops
 * (unary_s8_fast.c): 32 bytes per step. vpshufb looks 32 bytes up in a
 * 16-byte table at once, so each of the 16 table rows is looked up with
 * the low nibbles and kept where the high nibble selects that row: exactly
 * table[x] per byte. Compiled with -mavx2 (cmake/deps.cmake: every
 * *_avx2.c); runs only after the run-time check nq_fast_use_avx2().
 */
#include "exec/int8/int8_kernels.h"

#include "exec/gemm.h"  /* nq_fast_use_avx2 */
#include "exec/qgemm.h" /* NQ_QGEMM_HAVE_AVX2 */

#ifdef NQ_QGEMM_HAVE_AVX2
#include <immintrin.h>

size_t nq_i8_table_lookup_avx2(const uint8_t table[256], const uint8_t *x, uint8_t *o, size_t n) {
  if (!nq_fast_use_avx2()) return 0;
  __m256i rows[16];
  for (int k = 0; k < 16; k++)
    rows[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(table + 16 * k)));
  const __m256i nib = _mm256_set1_epi8(0x0F);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i u = _mm256_loadu_si256((const __m256i *)(const void *)(x + i));
    const __m256i lo = _mm256_and_si256(u, nib), hi = _mm256_and_si256(_mm256_srli_epi16(u, 4), nib);
    __m256i r = _mm256_setzero_si256();
    for (int k = 0; k < 16; k++) {
      const __m256i hit = _mm256_cmpeq_epi8(hi, _mm256_set1_epi8((char)k));
      r = _mm256_blendv_epi8(r, _mm256_shuffle_epi8(rows[k], lo), hit);
    }
    _mm256_storeu_si256((__m256i *)(void *)(o + i), r);
  }
  return i;
}

#else

size_t nq_i8_table_lookup_avx2(const uint8_t table[256], const uint8_t *x, uint8_t *o, size_t n) {
  (void)table, (void)x, (void)o, (void)n;
  return 0;
}

#endif
