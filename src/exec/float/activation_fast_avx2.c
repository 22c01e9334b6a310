/* The logistic function of fast_math.h compiled with -mavx2 -mfma
 * (cmake/deps.cmake): 8 lanes per instruction. Called only after the
 * run-time CPU check; -std=c11 keeps multiply-adds unfused, so the results
 * equal the portable build's. */
#include "exec/float/fast_math.h"

#ifdef NQ_FAST_MATH_HAVE_AVX2
void nq_logistic_range_avx2(const float *in, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = nq_fast_logistic(in[i]);
}
#else
typedef int nq_fast_math_avx2_unused; /* ISO C forbids an empty translation unit */
#endif
