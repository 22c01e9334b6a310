/*
 * The AVX2 integer GEMM micro-kernel (see qgemm.h). This file alone is
 * compiled with -mavx2 -mfma (cmake/deps.cmake) and runs only when the CPU
 * has AVX2 (qgemm.c asks nq_fast_use_avx2()). The tile itself is in
 * qgemm_avx2_tile.h, which the int8 kernels' fused tile shares.
 */
#include "exec/qgemm.h"

#ifdef NQ_QGEMM_HAVE_AVX2
#include "exec/qgemm_avx2_tile.h"

void nq_qgemm_ukernel_avx2(int kp, const int16_t *a, size_t lda, const int16_t *panel, int32_t *acc) {
  __m256i c[8];
  nq_qgemm_tile_4x16(kp, a, lda, panel, c);
  for (int i = 0; i < 8; i++) _mm256_storeu_si256((__m256i *)(void *)(acc + 8 * i), c[i]);
}
#endif
