/* Packing for the integer GEMM and its portable micro-kernel (see qgemm.h). */
#include "exec/qgemm.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu_features.h"
#include "exec/gemm.h" /* nq_fast_use_avx2 */

nq_status nq_qgemm_pack(const int16_t *w, int n, int k, nq_qpacked *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (n < 1 || k < 1 || k > (1 << 28))
    return nq_fail(err, NQ_ERR_INTERNAL, "integer GEMM of %d x %d cannot be packed", n, k);
  out->n = n;
  out->k = k;
  out->kp = (k + 1) & ~1;
  out->n_panels = (n + NQ_QGEMM_NR - 1) / NQ_QGEMM_NR;
  const size_t elems = (size_t)out->n_panels * (size_t)out->kp * NQ_QGEMM_NR;
  const size_t bytes = (elems * sizeof(int16_t) + 63) / 64 * 64;
  out->panels = aligned_alloc(64, bytes);
  if (!out->panels) return nq_fail(err, NQ_ERR_NOMEM, "out of memory packing %zu weight bytes", bytes);
  memset(out->panels, 0, bytes);
  for (int c = 0; c < n; c++) {
    int16_t *panel = out->panels + (size_t)(c / NQ_QGEMM_NR) * out->kp * NQ_QGEMM_NR;
    const int lane = c % NQ_QGEMM_NR;
    const int16_t *row = w + (size_t)c * k;
    for (int kk = 0; kk < k; kk++) panel[(size_t)(kk / 2) * 2 * NQ_QGEMM_NR + 2 * lane + (kk & 1)] = row[kk];
  }
  return NQ_OK;
}

void nq_qgemm_free(nq_qpacked *p) {
  if (!p) return;
  free(p->panels);
  p->panels = NULL;
}

void nq_qgemm_ukernel_portable(int kp, const int16_t *a, size_t lda, const int16_t *panel, int32_t *acc) {
  for (int i = 0; i < NQ_QGEMM_MR; i++) {
    int32_t s[NQ_QGEMM_NR] = {0};
    const int16_t *row = a + (size_t)i * lda;
    for (int j = 0; j < kp / 2; j++) {
      const int32_t x0 = row[2 * j], x1 = row[2 * j + 1];
      const int16_t *wp = panel + (size_t)j * 2 * NQ_QGEMM_NR;
      for (int c = 0; c < NQ_QGEMM_NR; c++) s[c] += x0 * wp[2 * c] + x1 * wp[2 * c + 1];
    }
    memcpy(acc + i * NQ_QGEMM_NR, s, sizeof s);
  }
}

nq_qgemm_ukernel nq_qgemm_pick(void) {
#ifdef NQ_QGEMM_HAVE_AVX2
  if (nq_fast_use_avx2()) return nq_qgemm_ukernel_avx2;
#endif
#if NQ_HAVE_NEON
  if (nq_cpu_use_neon()) return nq_qgemm_ukernel_neon;
#endif
  return nq_qgemm_ukernel_portable;
}
