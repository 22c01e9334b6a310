/*
 * The NEON integer GEMM micro-kernel (see qgemm.h). Built only for aarch64
 * (cmake/deps.cmake); qgemm.c picks it when the active kernel set is neon.
 * ARMv8.0 only: the i.MX 8M Plus's Cortex-A53 has no SDOT, so the products
 * go through SMLAL/SMLAL2 (int16 x int16 widened into int32 lanes).
 *
 * The panel is laid out for a 2-way dot product (qgemm.h): 8 int16 hold
 * channels c..c+3 as (w[c][2j], w[c][2j+1]) pairs. Broadcasting the row's
 * pair (a[2j], a[2j+1]) as one 32-bit lane and multiplying lane by lane
 * gives each channel's even-k and odd-k product in adjacent int32 lanes;
 * those lanes accumulate separately over the whole reduction and one ADDP
 * per four channels folds them at the end. Every lane is a partial sum of
 * the reference's accumulator, bounded by the same sum of |products|
 * (int8_weights.h), so nothing can overflow and the integer result equals
 * the reference's bit for bit whatever the order.
 *
 * Two rows at a time: 16 accumulators, 4 panel registers and 2 broadcasts
 * fit aarch64's 32 vector registers without spilling (four rows would
 * need 32 accumulators alone); the panel is read twice per call, from L1.
 */
#include "exec/qgemm.h"

#if NQ_HAVE_NEON
#include <arm_neon.h>
#include <string.h>

static inline int16x8_t pair_at(const int16_t *row, int j) {
  int32_t v;
  memcpy(&v, row + 2 * j, sizeof v); /* alignment-safe load of (a[2j], a[2j+1]) */
  return vreinterpretq_s16_s32(vdupq_n_s32(v));
}

/* Accumulators of one row: s0..s7 hold channels (2q, 2q+1)'s even/odd k
 * sums in lanes (0,1) and (2,3). */
#define ROW_DECL(r)                                                                                 \
  int32x4_t r##0 = vdupq_n_s32(0), r##1 = r##0, r##2 = r##0, r##3 = r##0, r##4 = r##0, r##5 = r##0, \
            r##6 = r##0, r##7 = r##0
#define ROW_MAC(r, x)                              \
  do {                                             \
    const int16x4_t xl_ = vget_low_s16(x);         \
    r##0 = vmlal_s16(r##0, xl_, vget_low_s16(w0)); \
    r##1 = vmlal_high_s16(r##1, x, w0);            \
    r##2 = vmlal_s16(r##2, xl_, vget_low_s16(w1)); \
    r##3 = vmlal_high_s16(r##3, x, w1);            \
    r##4 = vmlal_s16(r##4, xl_, vget_low_s16(w2)); \
    r##5 = vmlal_high_s16(r##5, x, w2);            \
    r##6 = vmlal_s16(r##6, xl_, vget_low_s16(w3)); \
    r##7 = vmlal_high_s16(r##7, x, w3);            \
  } while (0)
#define ROW_STORE(r, out)                          \
  do {                                             \
    vst1q_s32((out), vpaddq_s32(r##0, r##1));      \
    vst1q_s32((out) + 4, vpaddq_s32(r##2, r##3));  \
    vst1q_s32((out) + 8, vpaddq_s32(r##4, r##5));  \
    vst1q_s32((out) + 12, vpaddq_s32(r##6, r##7)); \
  } while (0)

void nq_qgemm_ukernel_neon(int kp, const int16_t *a, size_t lda, const int16_t *panel, int32_t *acc) {
  const int pairs = kp / 2;
  for (int i = 0; i < NQ_QGEMM_MR; i += 2) {
    const int16_t *r0 = a + (size_t)i * lda, *r1 = r0 + lda;
    ROW_DECL(s);
    ROW_DECL(t);
    for (int j = 0; j < pairs; j++) {
      const int16_t *wp = panel + (size_t)j * 2 * NQ_QGEMM_NR;
      const int16x8_t w0 = vld1q_s16(wp), w1 = vld1q_s16(wp + 8), w2 = vld1q_s16(wp + 16),
                      w3 = vld1q_s16(wp + 24);
      const int16x8_t x0 = pair_at(r0, j), x1 = pair_at(r1, j);
      ROW_MAC(s, x0);
      ROW_MAC(t, x1);
    }
    ROW_STORE(s, acc + (size_t)i * NQ_QGEMM_NR);
    ROW_STORE(t, acc + (size_t)(i + 1) * NQ_QGEMM_NR);
  }
}
#else
typedef int nq_qgemm_neon_unused; /* ISO C forbids an empty translation unit */
#endif
