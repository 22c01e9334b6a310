/*
 * The int8 GEMM on AVX-512 VNNI (vpdpbusd on ymm registers, AVX512VL): four
 * u8 x s8 products summed into each int32 lane per instruction, twice the
 * work of the int16 vpmaddwd tile (exec/qgemm.h) per instruction and no
 * separate add. Built into this *_avx2.c file with a per-function target
 * attribute; run only where the CPU has the instructions (see int8_simd.h).
 *
 * vpdpbusd multiplies unsigned by signed bytes, so activations travel as
 * u = x + 128 (int8) or x (uint8), i.e. u = (x - zp_x) + off with
 * off = zp_x + 128 or zp_x, and the weights as w - zp_w, which must fit
 * int8 (|w - zp_w| <= 127: every TFLite int8 weight, zero point 0, values
 * in [-127, 127]). Then
 *     sum_k (x - zp_x) * w = sum_k u * w - off * colsum,  colsum = sum_k w,
 * with colsum computed once at packing. Padding taps carry u = off (the
 * value x = zp_x), reduction padding (k to a multiple of 4) weight 0. The
 * exact result is the reference's accumulator, which int8_weights.h bounds
 * within int32; vpdpbusd and the subtraction wrap modulo 2^32 (no
 * saturation), so any intermediate wrap cancels and the result is that
 * accumulator bit for bit.
 *
 * Panel layout: panel p, quad j of k, channel lane l holds the 4 bytes
 * w[16p + l][4j .. 4j + 3] at byte (j * 16 + l) * 4: one 64-byte line per
 * quad, two ymm loads.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "exec/gemm.h" /* nq_fast_use_avx2 */
#include "exec/int8/int8_simd.h"

#ifdef NQ_QGEMM_HAVE_AVX2
#include "exec/int8/int8_requant_avx2.h"

#define VNNI __attribute__((target("avx2,fma,avx512f,avx512vl,avx512vnni")))

static atomic_int vnni_allowed = 1;
void nq_i8_vnni_allow(bool allow) { atomic_store(&vnni_allowed, allow ? 1 : 0); }

bool nq_i8_vnni_usable(void) {
  static atomic_int cached = -1; /* every thread computes the same value */
  int v = atomic_load_explicit(&cached, memory_order_relaxed);
  if (v < 0) {
    v = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512vnni");
    atomic_store_explicit(&cached, v, memory_order_relaxed);
  }
  return v && atomic_load(&vnni_allowed) && nq_fast_use_avx2();
}

/* A quad of one activation row, broadcast. */
static inline VNNI __m256i quad_at(const uint8_t *row, int j) {
  int32_t v;
  memcpy(&v, row + 4 * j, sizeof v);
  return _mm256_set1_epi32(v);
}

/* The 4 x 16 tile's accumulators: c[2 * i + h] = channels 8h .. 8h + 7 of
 * row i, the zero-point term already subtracted. */
static inline VNNI void vnni_4x16(const nq_i8_vnni *w, int panel, const uint8_t *a, size_t lda, int32_t off,
                                  __m256i c[8]) {
  const int8_t *pw = w->panels + (size_t)panel * w->kq * NQ_QGEMM_NR;
  const uint8_t *r0 = a, *r1 = a + lda, *r2 = a + 2 * lda, *r3 = a + 3 * lda;
  __m256i c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256();
  __m256i c10 = _mm256_setzero_si256(), c11 = _mm256_setzero_si256();
  __m256i c20 = _mm256_setzero_si256(), c21 = _mm256_setzero_si256();
  __m256i c30 = _mm256_setzero_si256(), c31 = _mm256_setzero_si256();
  const int quads = w->kq / 4;
  for (int j = 0; j < quads; j++) {
    const __m256i w0 = _mm256_load_si256((const __m256i *)(const void *)(pw + (size_t)j * 64));
    const __m256i w1 = _mm256_load_si256((const __m256i *)(const void *)(pw + (size_t)j * 64 + 32));
    __m256i x = quad_at(r0, j);
    c00 = _mm256_dpbusd_epi32(c00, x, w0);
    c01 = _mm256_dpbusd_epi32(c01, x, w1);
    x = quad_at(r1, j);
    c10 = _mm256_dpbusd_epi32(c10, x, w0);
    c11 = _mm256_dpbusd_epi32(c11, x, w1);
    x = quad_at(r2, j);
    c20 = _mm256_dpbusd_epi32(c20, x, w0);
    c21 = _mm256_dpbusd_epi32(c21, x, w1);
    x = quad_at(r3, j);
    c30 = _mm256_dpbusd_epi32(c30, x, w0);
    c31 = _mm256_dpbusd_epi32(c31, x, w1);
  }
  const int32_t *cs = w->colsum + (size_t)panel * NQ_QGEMM_NR;
  const __m256i o = _mm256_set1_epi32(off);
  const __m256i z0 = _mm256_mullo_epi32(o, _mm256_loadu_si256((const __m256i *)(const void *)cs));
  const __m256i z1 = _mm256_mullo_epi32(o, _mm256_loadu_si256((const __m256i *)(const void *)(cs + 8)));
  c[0] = _mm256_sub_epi32(c00, z0), c[1] = _mm256_sub_epi32(c01, z1);
  c[2] = _mm256_sub_epi32(c10, z0), c[3] = _mm256_sub_epi32(c11, z1);
  c[4] = _mm256_sub_epi32(c20, z0), c[5] = _mm256_sub_epi32(c21, z1);
  c[6] = _mm256_sub_epi32(c30, z0), c[7] = _mm256_sub_epi32(c31, z1);
}

/* Row 0 of vnni_4x16 alone (c[0], c[1]): the same products and sums, for a
 * tile with one row (FULLY_CONNECTED at batch 1, a last row of pixels),
 * where the 4-row form spends three quarters of its multiplies on rows
 * that are thrown away. */
static inline VNNI void vnni_1x16(const nq_i8_vnni *w, int panel, const uint8_t *a, int32_t off,
                                  __m256i c[2]) {
  const int8_t *pw = w->panels + (size_t)panel * w->kq * NQ_QGEMM_NR;
  __m256i c00 = _mm256_setzero_si256(), c01 = _mm256_setzero_si256();
  __m256i d00 = _mm256_setzero_si256(), d01 = _mm256_setzero_si256(); /* two chains: latency */
  const int quads = w->kq / 4;
  int j = 0;
  for (; j + 2 <= quads; j += 2) {
    const __m256i x0 = quad_at(a, j), x1 = quad_at(a, j + 1);
    c00 =
        _mm256_dpbusd_epi32(c00, x0, _mm256_load_si256((const __m256i *)(const void *)(pw + (size_t)j * 64)));
    c01 = _mm256_dpbusd_epi32(c01, x0,
                              _mm256_load_si256((const __m256i *)(const void *)(pw + (size_t)j * 64 + 32)));
    d00 = _mm256_dpbusd_epi32(d00, x1,
                              _mm256_load_si256((const __m256i *)(const void *)(pw + (size_t)j * 64 + 64)));
    d01 = _mm256_dpbusd_epi32(d01, x1,
                              _mm256_load_si256((const __m256i *)(const void *)(pw + (size_t)j * 64 + 96)));
  }
  if (j < quads) {
    const __m256i x0 = quad_at(a, j);
    c00 =
        _mm256_dpbusd_epi32(c00, x0, _mm256_load_si256((const __m256i *)(const void *)(pw + (size_t)j * 64)));
    c01 = _mm256_dpbusd_epi32(c01, x0,
                              _mm256_load_si256((const __m256i *)(const void *)(pw + (size_t)j * 64 + 32)));
  }
  const int32_t *cs = w->colsum + (size_t)panel * NQ_QGEMM_NR;
  const __m256i o = _mm256_set1_epi32(off);
  const __m256i z0 = _mm256_mullo_epi32(o, _mm256_loadu_si256((const __m256i *)(const void *)cs));
  const __m256i z1 = _mm256_mullo_epi32(o, _mm256_loadu_si256((const __m256i *)(const void *)(cs + 8)));
  /* int32 sums wrap alike in any order; the reference proves they do not overflow */
  c[0] = _mm256_sub_epi32(_mm256_add_epi32(c00, d00), z0);
  c[1] = _mm256_sub_epi32(_mm256_add_epi32(c01, d01), z1);
}

VNNI void nq_i8_vnni_tile(const nq_i8_vnni *w, int panel, const uint8_t *a, size_t lda, int32_t off,
                          int32_t *acc) {
  __m256i c[8];
  vnni_4x16(w, panel, a, lda, off, c);
  for (int i = 0; i < 8; i++) _mm256_storeu_si256((__m256i *)(void *)(acc + 8 * i), c[i]);
}

VNNI void nq_i8_vnni_tile_requant(const nq_i8_vnni *w, int panel, const uint8_t *a, size_t lda, int32_t off,
                                  const nq_i8_wprep *p, int mr, void *out, size_t ldo, nq_dtype t) {
  __m256i c[8];
  if (mr == 1)
    vnni_1x16(w, panel, a, off, c);
  else
    vnni_4x16(w, panel, a, lda, off, c);
  store_rows16(p, c, mr, panel * NQ_QGEMM_NR, out, ldo, t);
}

#else
void nq_i8_vnni_allow(bool allow) { (void)allow; }
bool nq_i8_vnni_usable(void) { return false; }
void nq_i8_vnni_tile(const nq_i8_vnni *w, int panel, const uint8_t *a, size_t lda, int32_t off,
                     int32_t *acc) {
  (void)w, (void)panel, (void)a, (void)lda, (void)off,
      (void)acc; /* unreachable: nq_i8_vnni_usable() is false */
}
void nq_i8_vnni_tile_requant(const nq_i8_vnni *w, int panel, const uint8_t *a, size_t lda, int32_t off,
                             const nq_i8_wprep *p, int mr, void *out, size_t ldo, nq_dtype t) {
  (void)w, (void)panel, (void)a, (void)lda, (void)off, (void)p, (void)mr, (void)out, (void)ldo,
      (void)t; /* unreachable: nq_i8_vnni_usable() is false */
}
#endif

nq_status nq_i8_vnni_pack(const int16_t *w, int n, int k, nq_i8_vnni *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (n < 1 || k < 1 || k > (1 << 28))
    return nq_fail(err, NQ_ERR_INTERNAL, "int8 GEMM of %d x %d cannot be packed", n, k);
  out->n = n;
  out->k = k;
  out->kq = (k + 3) & ~3;
  out->n_panels = (n + NQ_QGEMM_NR - 1) / NQ_QGEMM_NR;
  const size_t bytes = (size_t)out->n_panels * (size_t)out->kq * NQ_QGEMM_NR; /* a multiple of 64 */
  out->panels = aligned_alloc(64, bytes);
  out->colsum = calloc((size_t)out->n_panels * NQ_QGEMM_NR, sizeof *out->colsum);
  if (!out->panels || !out->colsum) {
    nq_i8_vnni_free(out);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory packing %zu weight bytes", bytes);
  }
  memset(out->panels, 0, bytes);
  for (int c = 0; c < n; c++) {
    int8_t *panel = out->panels + (size_t)(c / NQ_QGEMM_NR) * out->kq * NQ_QGEMM_NR;
    const int lane = c % NQ_QGEMM_NR;
    const int16_t *row = w + (size_t)c * k;
    int32_t sum = 0;
    for (int kk = 0; kk < k; kk++) {
      if (row[kk] < -128 || row[kk] > 127) {
        nq_i8_vnni_free(out);
        return nq_fail(err, NQ_ERR_INTERNAL, "weight %d of channel %d does not fit int8", row[kk], c);
      }
      panel[((size_t)(kk / 4) * NQ_QGEMM_NR + lane) * 4 + kk % 4] = (int8_t)row[kk];
      sum += row[kk];
    }
    out->colsum[c] = sum;
  }
  return NQ_OK;
}

void nq_i8_vnni_free(nq_i8_vnni *p) {
  if (!p) return;
  free(p->panels);
  free(p->colsum);
  p->panels = NULL;
  p->colsum = NULL;
}
