/* Weight packing, the portable micro-kernel and the run-time choice of the
 * AVX2 or NEON one (see gemm.h for the layout). */
#include "exec/gemm.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/cpu_features.h"

size_t nq_gemm_packed_floats(int n, int k) {
  size_t panels = ((size_t)n + NQ_GEMM_NR - 1) / NQ_GEMM_NR;
  return panels * (size_t)k * NQ_GEMM_NR + panels * NQ_GEMM_NR;
}

void nq_gemm_pack_into(const float *w, const float *bias, int n, int k, float *mem, nq_packed_w *out) {
  int n_panels = (n + NQ_GEMM_NR - 1) / NQ_GEMM_NR;
  out->n = n;
  out->k = k;
  out->n_panels = n_panels;
  out->panels = mem;
  out->bias = mem + (size_t)n_panels * (size_t)k * NQ_GEMM_NR;
  for (int p = 0; p < n_panels; p++) {
    float *dst = out->panels + (size_t)p * (size_t)k * NQ_GEMM_NR;
    for (int kk = 0; kk < k; kk++) {
      for (int j = 0; j < NQ_GEMM_NR; j++) {
        int col = p * NQ_GEMM_NR + j;
        dst[(size_t)kk * NQ_GEMM_NR + j] = col < n ? w[(size_t)col * (size_t)k + (size_t)kk] : 0.0f;
      }
    }
    for (int j = 0; j < NQ_GEMM_NR; j++) {
      int col = p * NQ_GEMM_NR + j;
      out->bias[p * NQ_GEMM_NR + j] = (bias && col < n) ? bias[col] : 0.0f;
    }
  }
}

nq_status nq_gemm_pack(const float *w, const float *bias, int n, int k, nq_packed_w *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (n <= 0 || k <= 0)
    return nq_fail(err, NQ_ERR_SHAPE, "gemm pack: %d output channels x %d inputs, both > 0 expected", n, k);
  size_t floats = nq_gemm_packed_floats(n, k);
  size_t bytes;
  if (!nq_mul_size(floats, sizeof(float), &bytes) || bytes > ((size_t)1 << 34))
    return nq_fail(err, NQ_ERR_NOMEM, "gemm pack: %d x %d weights too large to pack", n, k);
  bytes = (bytes + 63) / 64 * 64; /* aligned_alloc wants a multiple of the alignment */
  float *mem = aligned_alloc(64, bytes);
  if (!mem) return nq_fail(err, NQ_ERR_NOMEM, "gemm pack: out of memory for %zu bytes", bytes);
  nq_gemm_pack_into(w, bias, n, k, mem, out);
  return NQ_OK;
}

void nq_gemm_free(nq_packed_w *p) {
  if (!p) return;
  free(p->panels); /* bias lives in the same block */
  p->panels = NULL;
  p->bias = NULL;
}

void nq_gemm_ukernel_portable(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                              const float *bias, float *c, size_t ldc, float lo, float hi) {
  float acc[NQ_GEMM_MR][NQ_GEMM_NR];
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < NQ_GEMM_NR; j++) acc[i][j] = bias[j];
  const float *b = panel;
  for (int t = 0; t < taps; t++) {
    for (int kk = 0; kk < cin; kk++, b += NQ_GEMM_NR) {
      for (int i = 0; i < mr; i++) {
        float av = a[t * NQ_GEMM_MR + i][kk];
        for (int j = 0; j < NQ_GEMM_NR; j++) acc[i][j] += av * b[j];
      }
    }
  }
  for (int i = 0; i < mr; i++) {
    float *row = c + (size_t)i * ldc;
    for (int j = 0; j < nr; j++) {
      float v = acc[i][j];
      v = v < lo ? lo : v;
      row[j] = v > hi ? hi : v;
    }
  }
}

int nq_fast_use_avx2(void) { return nq_cpu_use_avx2(); }

static nq_gemm_ukernel pick_ukernel(void) {
#ifdef NQ_GEMM_HAVE_AVX2
  if (nq_fast_use_avx2()) return nq_gemm_ukernel_avx2;
#endif
#if NQ_HAVE_NEON
  if (nq_cpu_use_neon()) return nq_gemm_ukernel_neon;
#endif
  return nq_gemm_ukernel_portable;
}

const char *nq_gemm_kernel_name(void) {
  nq_gemm_ukernel uk = pick_ukernel();
  return uk == nq_gemm_ukernel_portable ? "portable" : nq_cpu_use_neon() ? "neon" : "avx2+fma";
}

void nq_gemm_rows(const nq_packed_w *w, int taps, int cin, const float *const *a, int mr, float *c,
                  size_t ldc, int p0, int p1, float lo, float hi) {
  nq_gemm_ukernel uk = pick_ukernel();
  size_t panel_floats = (size_t)w->k * NQ_GEMM_NR;
  for (int p = p0; p < p1; p++) {
    int nr = w->n - p * NQ_GEMM_NR;
    if (nr > NQ_GEMM_NR) nr = NQ_GEMM_NR;
    uk(mr, nr, taps, cin, a, w->panels + (size_t)p * panel_floats, w->bias + p * NQ_GEMM_NR,
       c + (size_t)p * NQ_GEMM_NR, ldc, lo, hi);
  }
}
