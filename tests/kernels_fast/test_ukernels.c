/*
 * The GEMM micro-kernels of every kernel set this machine runs (portable,
 * and avx2 or neon) called directly on edge shapes the layer tests reach
 * only by chance: 1..6 live rows (the NEON float kernel reuses row 0's
 * pointer for missing rows and must not store them), 1..16 live columns of
 * a last panel (nothing past them may be written), several taps, k = 1, and
 * the extreme integer operands (+-255 everywhere, where a 16-bit
 * intermediate would overflow).
 *
 * Float: every output within (k + 2) unit roundoffs of the sum of |terms|
 * of a double-precision sum, clamped as the kernel clamps; columns past nr and
 * rows past mr keep their sentinel. Integer: every set's int32 accumulators
 * equal the portable kernel's bit for bit and a 64-bit sum (integer sums are
 * exact, so there is one right answer).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu_features.h"
#include "exec/gemm.h"
#include "exec/qgemm.h"
#include "testutil.h"

#define SENTINEL 12345.0f

static void float_case(nq_rng *r, int mr, int nr, int taps, int cin) {
  const int k = taps * cin, n = nr;
  float *w = malloc(sizeof(float) * (size_t)n * k), *bias = malloc(sizeof(float) * (size_t)n);
  float *rows = malloc(sizeof(float) * (size_t)taps * NQ_GEMM_MR * cin);
  for (int i = 0; i < n * k; i++) w[i] = nq_rng_uniform(r, -1.0f, 1.0f);
  for (int i = 0; i < n; i++) bias[i] = nq_rng_uniform(r, -1.0f, 1.0f);
  for (int i = 0; i < taps * NQ_GEMM_MR * cin; i++) rows[i] = nq_rng_uniform(r, -2.0f, 2.0f);
  const float *a[8 * NQ_GEMM_MR];
  for (int t = 0; t < taps; t++)
    for (int i = 0; i < NQ_GEMM_MR; i++)
      a[t * NQ_GEMM_MR + i] = i < mr ? rows + ((size_t)t * NQ_GEMM_MR + i) * cin : NULL; /* unread */
  nq_packed_w pw;
  nq_error err = {0};
  CHECK(nq_gemm_pack(w, bias, n, k, &pw, &err) == NQ_OK);
  const float lo = nq_rng_int(r, 0, 1) ? -1e30f : -1.0f, hi = nq_rng_int(r, 0, 1) ? 1e30f : 1.5f;
  const size_t ldc = NQ_GEMM_NR + 3;
  float c[(NQ_GEMM_MR + 1) * (NQ_GEMM_NR + 3)];
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) c[i] = SENTINEL;
  nq_gemm_rows(&pw, taps, cin, a, mr, c, ldc, 0, 1, lo, hi);
  for (int i = 0; i < NQ_GEMM_MR + 1; i++) {
    for (int j = 0; j < (int)ldc; j++) {
      const float got = c[(size_t)i * ldc + j];
      if (i >= mr || j >= nr) {
        CHECKF(got == SENTINEL, "%s: mr %d nr %d: c[%d][%d] written (%g) outside the live block",
               nq_kernels_name(nq_cpu_active()), mr, nr, i, j, got);
        continue;
      }
      double sum = bias[j], mag = fabs(bias[j]);
      for (int t = 0; t < taps; t++)
        for (int kk = 0; kk < cin; kk++) {
          double term = (double)a[t * NQ_GEMM_MR + i][kk] * w[(size_t)j * k + t * cin + kk];
          sum += term;
          mag += fabs(term);
        }
      double want = sum < lo ? lo : sum > hi ? hi : sum;
      /* (k + 2) unit roundoffs of the sum of |terms|: the error bound of any
       * summation order of k + 1 terms, with or without fused multiply-adds. */
      CHECKF(fabs(got - want) <= (k + 2) * 0x1p-24 * mag,
             "%s: mr %d nr %d taps %d cin %d: c[%d][%d] = %.9g, expected %.9g",
             nq_kernels_name(nq_cpu_active()), mr, nr, taps, cin, i, j, got, want);
    }
  }
  nq_gemm_free(&pw);
  free(w);
  free(bias);
  free(rows);
}

/* extreme: operands all +-255 (signs random), else random in [-255, 255]. */
static void int_case(nq_rng *r, int n, int k, int extreme) {
  int16_t *w = malloc(sizeof(int16_t) * (size_t)n * k);
  for (int i = 0; i < n * k; i++)
    w[i] = (int16_t)(extreme ? (nq_rng_int(r, 0, 1) ? 255 : -255) : nq_rng_int(r, -255, 255));
  nq_qpacked qp;
  nq_error err = {0};
  CHECK(nq_qgemm_pack(w, n, k, &qp, &err) == NQ_OK);
  const size_t lda = (size_t)qp.kp + 2 * (size_t)nq_rng_int(r, 0, 3); /* any even stride */
  int16_t *a = calloc((size_t)NQ_QGEMM_MR * lda, sizeof(int16_t));
  for (int i = 0; i < NQ_QGEMM_MR; i++)
    for (int kk = 0; kk < k; kk++)
      a[(size_t)i * lda + kk] =
          (int16_t)(extreme ? (nq_rng_int(r, 0, 1) ? 255 : -255) : nq_rng_int(r, -255, 255));
  for (int p = 0; p < qp.n_panels; p++) {
    const int16_t *panel = qp.panels + (size_t)p * qp.kp * NQ_QGEMM_NR;
    int32_t want[NQ_QGEMM_MR * NQ_QGEMM_NR], got[NQ_QGEMM_MR * NQ_QGEMM_NR];
    nq_qgemm_ukernel_portable(qp.kp, a, lda, panel, want);
    nq_qgemm_pick()(qp.kp, a, lda, panel, got);
    for (int i = 0; i < NQ_QGEMM_MR; i++)
      for (int c = 0; c < NQ_QGEMM_NR; c++) {
        const int ch = p * NQ_QGEMM_NR + c;
        long long exact = 0;
        for (int kk = 0; ch < n && kk < k; kk++)
          exact += (long long)a[(size_t)i * lda + kk] * w[(size_t)ch * k + kk];
        CHECKF(got[i * NQ_QGEMM_NR + c] == want[i * NQ_QGEMM_NR + c] && want[i * NQ_QGEMM_NR + c] == exact,
               "%s: n %d k %d row %d channel %d: %d, portable %d, exact %lld",
               nq_kernels_name(nq_cpu_active()), n, k, i, ch, got[i * NQ_QGEMM_NR + c],
               want[i * NQ_QGEMM_NR + c], exact);
      }
  }
  nq_qgemm_free(&qp);
  free(a);
  free(w);
}

int main(void) {
  nq_rng r = {0x0b1e55edULL};
  int sets = 0;
  for (int s = NQ_KERNELS_PORTABLE; s <= NQ_KERNELS_NEON; s++) {
    nq_kernels use;
    nq_error err = {0};
    if (nq_cpu_resolve((nq_kernels)s, &use, &err) != NQ_OK) {
      printf("%s: not on this machine (%s)\n", nq_kernels_name((nq_kernels)s), err.msg);
      continue;
    }
    nq_kernels prev = nq_cpu_enter(use);
    sets++;
    for (int mr = 1; mr <= NQ_GEMM_MR; mr++)
      for (int nr = 1; nr <= NQ_GEMM_NR; nr++)
        float_case(&r, mr, nr, 1 + (mr + nr) % 3, 1 + (nr * 7 + mr) % 23);
    for (int i = 0; i < 40; i++)
      float_case(&r, nq_rng_int(&r, 1, 6), 16, nq_rng_int(&r, 1, 8), nq_rng_int(&r, 1, 70));
    for (int i = 0; i < 60; i++) int_case(&r, nq_rng_int(&r, 1, 40), nq_rng_int(&r, 1, 300), i % 3 == 0);
    int_case(&r, 16, 20000, 1); /* 20000 * 255^2 ~ 1.3e9: near the int32 limit, no lane may wrap */
    printf("%s: float GEMM (%s) on %d edge shapes, integer GEMM on 61 shapes\n", nq_kernels_name(use),
           nq_gemm_kernel_name(), NQ_GEMM_MR * NQ_GEMM_NR + 40);
    nq_cpu_leave(prev);
  }
  CHECK(sets >= 1);
  return nq_test_finish("test_ukernels");
}
