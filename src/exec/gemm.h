/*
 * The float GEMM behind the fast CONV_2D and FULLY_CONNECTED kernels.
 *
 * C[m][n] = clamp(bias[n] + sum_k A[m][k] * W[n][k], lo, hi), where W is the
 * TFLite weight layout ([out][in] for FULLY_CONNECTED, OHWI for CONV_2D, both
 * [n][k] row-major) packed once at session creation into panels of
 * NQ_GEMM_NR output channels: panel p holds W[16p .. 16p+15][k] for every k,
 * k-major, zero-padded past N, so the micro-kernel reads it with aligned
 * vector loads and no tail cases.
 *
 * A is "indirect" (as in XNNPACK's indirect convolution): the caller gives,
 * for each of `taps` filter taps and each of NQ_GEMM_MR output rows, a
 * pointer to `cin` contiguous floats. For FULLY_CONNECTED and 1x1 stride-1
 * convolution taps = 1 and the pointers are plain rows of the input; for a
 * general convolution each tap points into the NHWC input at the pixel it
 * reads (or at a zero row for padding), which replaces im2col without
 * copying anything. K = taps * cin, in OHWI order (kh, kw, ci).
 *
 * Why our own micro-kernel rather than OpenBLAS sgemm: the models here are
 * small (VWW has 8..256 channels on 48x48..3x3 maps) and an sgemm call then
 * spends as long in packing and dispatch as in arithmetic. Packing the
 * weights once and fusing bias + activation into the store avoids both.
 * Measured single-threaded on this project's 2-core AVX-512 EPYC (GFLOP/s,
 * ours vs OpenBLAS 0.3.21 sgemm): M,N,K = 9,256,256: 97 vs 46;
 * 1,1000,256 (FC GEMV): 63 vs 8; 144,128,128: 131 vs 116; 2304,16,8: 79 vs
 * 65; 1024^3: 125 vs 120; only a few tall-thin shapes favour OpenBLAS by
 * 10-20% (4096,24,144). So OpenBLAS is not used by the kernels at all.
 */
#ifndef NQ_EXEC_GEMM_H
#define NQ_EXEC_GEMM_H

#include <stddef.h>

#include "core/status.h"

#define NQ_GEMM_MR 6
#define NQ_GEMM_NR 16

typedef struct nq_packed_w {
  int n, k;      /* output channels, reduction length */
  int n_panels;  /* ceil(n / NQ_GEMM_NR) */
  float *panels; /* n_panels * k * NQ_GEMM_NR floats, 64-byte aligned */
  float *bias;   /* n_panels * NQ_GEMM_NR floats (zeros where absent), 64-byte aligned */
} nq_packed_w;

/* Pack w[n][k] (row-major) and bias[n] (may be NULL). Allocates. */
nq_status nq_gemm_pack(const float *w, const float *bias, int n, int k, nq_packed_w *out, nq_error *err);
/* Pack into caller memory of nq_gemm_packed_floats(n, k) floats, 64-byte
 * aligned (used when weights are not constant and are packed per run). */
void nq_gemm_pack_into(const float *w, const float *bias, int n, int k, float *mem, nq_packed_w *out);
size_t nq_gemm_packed_floats(int n, int k);
void nq_gemm_free(nq_packed_w *p);

/*
 * Compute output rows [0, mr) (mr <= NQ_GEMM_MR) for panels [p0, p1):
 * a[t * NQ_GEMM_MR + i] is row i's pointer for tap t (rows >= mr are not
 * read). c points at row 0's first output; rows are ldc floats apart.
 */
void nq_gemm_rows(const nq_packed_w *w, int taps, int cin, const float *const *a, int mr, float *c,
                  size_t ldc, int p0, int p1, float lo, float hi);

/* Whether the AVX2+FMA kernels run: the kernel set active on this thread
 * (core/cpu_features.h: the session's --kernels choice) is avx2. */
int nq_fast_use_avx2(void);

/* Which micro-kernel runs ("avx2+fma", "neon" or "portable"), for benchmarks. */
const char *nq_gemm_kernel_name(void);

/* The micro-kernel signature shared by the portable and AVX2 versions. */
typedef void (*nq_gemm_ukernel)(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                                const float *bias, float *c, size_t ldc, float lo, float hi);
void nq_gemm_ukernel_portable(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                              const float *bias, float *c, size_t ldc, float lo, float hi);
#if defined(__x86_64__) && defined(__GNUC__)
#define NQ_GEMM_HAVE_AVX2 1
void nq_gemm_ukernel_avx2(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                          const float *bias, float *c, size_t ldc, float lo, float hi);
#endif
#if NQ_HAVE_NEON /* aarch64 builds (cmake/deps.cmake) */
void nq_gemm_ukernel_neon(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                          const float *bias, float *c, size_t ldc, float lo, float hi);
#endif

#endif
