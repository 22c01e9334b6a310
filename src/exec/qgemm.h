/*
 * The integer GEMM behind the fast int8 CONV_2D and FULLY_CONNECTED kernels.
 *
 * acc[i][c] = sum_k A[i][k] * W[c][k] in int32, where A holds activations
 * re-centred as int16 (x - zp_x, in [-255, 255]) and W the weights re-centred
 * the same way (w - zp_w, |w - zp_w| <= 255), exactly as the reference
 * kernels compute them (src/exec/int8/int8_weights.h). Integer addition is
 * associative and int8_weights.h proves the sum cannot overflow int32, so
 * any summation order gives the reference's accumulator bit for bit: the
 * fast kernels differ from the reference only in speed.
 *
 * W ([n][k] row-major: the FULLY_CONNECTED layout and OHWI for CONV_2D) is
 * packed once at session creation into panels of NQ_QGEMM_NR = 16 output
 * channels. k is padded to an even kp; panel p holds, for each pair j of
 * k, the 16 channels' (W[c][2j], W[c][2j+1]) side by side (32 int16 = 64
 * bytes), zero past n and past k. That is the operand layout of x86's
 * vpmaddwd (and of a 2-way int16 dot product on any SIMD): one instruction
 * multiplies a broadcast A pair with 8 channels' W pairs and adds each
 * pair, giving 8 int32 partial sums. |product sums| <= 2 * 255 * 255, so
 * vpmaddwd's own saturation never engages.
 *
 * A rows are kp int16 long (the caller zero-pads past k), lda apart.
 */
#ifndef NQ_EXEC_QGEMM_H
#define NQ_EXEC_QGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define NQ_QGEMM_MR 4
#define NQ_QGEMM_NR 16

typedef struct nq_qpacked {
  int n, k, kp;    /* output channels, reduction length, k rounded up to even */
  int n_panels;    /* ceil(n / NQ_QGEMM_NR) */
  int16_t *panels; /* n_panels * kp * NQ_QGEMM_NR int16, 64-byte aligned */
} nq_qpacked;

/* Pack w[n][k] (row-major, already re-centred). Allocates; n, k >= 1. */
nq_status nq_qgemm_pack(const int16_t *w, int n, int k, nq_qpacked *out, nq_error *err);
void nq_qgemm_free(nq_qpacked *p);

/* The micro-kernel: acc[i * NQ_QGEMM_NR + c] for rows i < NQ_QGEMM_MR (row
 * i reads a + i * lda; rows the caller does not need may repeat a valid
 * row) and the 16 channels of `panel`. */
typedef void (*nq_qgemm_ukernel)(int kp, const int16_t *a, size_t lda, const int16_t *panel, int32_t *acc);

void nq_qgemm_ukernel_portable(int kp, const int16_t *a, size_t lda, const int16_t *panel, int32_t *acc);
#if defined(__x86_64__) && defined(__GNUC__)
#define NQ_QGEMM_HAVE_AVX2 1
void nq_qgemm_ukernel_avx2(int kp, const int16_t *a, size_t lda, const int16_t *panel, int32_t *acc);
#endif
#if NQ_HAVE_NEON /* aarch64 builds (cmake/deps.cmake) */
void nq_qgemm_ukernel_neon(int kp, const int16_t *a, size_t lda, const int16_t *panel, int32_t *acc);
#endif

/* The micro-kernel of the active kernel set (AVX2 or NEON where the
 * session's set says so, else portable). */
nq_qgemm_ukernel nq_qgemm_pick(void);

#endif
