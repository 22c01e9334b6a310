/*
 * Vector paths of the int8 weighted kernels (int8_avx2.c). They implement,
 * for the cases they accept, exactly what the portable loops compute: the
 * same int32 accumulators and XNNPACK's float requantization
 * (nq_i8_wfinish, single rounding) - float(acc + bias) * scale, clamped,
 * rounded half to even, plus the output zero point - with the same IEEE
 * operations in the same order, so results are identical bytes.
 *
 * Callers ask nq_i8_simd_ok() first: it is true only on a CPU with AVX2
 * (nq_fast_use_avx2, so `--kernels portable` turns these paths off), in
 * single-rounding mode, and when the prepared bias cannot saturate the
 * accumulator (else the reference's saturating add is needed).
 */
#ifndef NQ_EXEC_INT8_SIMD_H
#define NQ_EXEC_INT8_SIMD_H

#include "exec/int8/int8_weights.h"
#include "exec/qgemm.h"

bool nq_i8_simd_ok(const nq_i8_wprep *p, int single);

/* nq_i8_wfinish_row for channels [c0, c0 + nc), single rounding. */
void nq_i8_wfinish_row_simd(const nq_i8_wprep *p, int c0, int nc, const int32_t *acc, void *out, nq_dtype t,
                            size_t off);

/* One NQ_QGEMM_MR x NQ_QGEMM_NR tile of the integer GEMM (exec/qgemm.h)
 * requantized in registers: rows i < mr of the output, at out + i * ldo,
 * channels [c0, c0 + nc) (nc <= 16) of `panel`. */
void nq_i8_qgemm_tile_simd(const nq_i8_wprep *p, int kp, const int16_t *a, size_t lda, const int16_t *panel,
                           int c0, int nc, int mr, void *out, size_t ldo, nq_dtype t);

/* One output row of a depthwise convolution with depth multiplier 1:
 * x is the re-centred int16 image (one batch element, h x w x c), wts the
 * re-centred weights [kh * kw][c]; output pixel ox reads rows
 * iy0 + ky * dh and columns ox * sw - pw + kx * dw, and is written at
 * out[off + ox * c ..]. At most 64 taps: kh * kw <= 64. */
typedef struct nq_i8_dw_row {
  const int16_t *x, *wts;
  int h, w, c, kh, kw, dh, dw, sw, pw, ow, iy0;
} nq_i8_dw_row;
void nq_i8_dw_row_simd(const nq_i8_wprep *p, const nq_i8_dw_row *r, void *out, nq_dtype t, size_t off);

/* The int8 GEMM on AVX-512 VNNI (qgemm_vnni_avx2.c). */
typedef struct nq_i8_vnni {
  int n, k, kq;    /* output channels, reduction length, k rounded up to 4 */
  int n_panels;    /* ceil(n / NQ_QGEMM_NR) */
  int8_t *panels;  /* n_panels * kq * NQ_QGEMM_NR bytes, 64-byte aligned */
  int32_t *colsum; /* n_panels * NQ_QGEMM_NR: sum over k of each channel's weights */
} nq_i8_vnni;

/* The CPU has AVX-512 VNNI (with VL) and the session's kernels are avx2. */
bool nq_i8_vnni_usable(void);
/* Tests: false makes nq_i8_vnni_usable() false, so that a VNNI machine
 * also runs the int16 AVX2 tile. Affects sessions prepared afterwards. */
void nq_i8_vnni_allow(bool allow);
/* Pack w[n][k] (re-centred; fails unless every value fits int8). */
nq_status nq_i8_vnni_pack(const int16_t *w, int n, int k, nq_i8_vnni *out, nq_error *err);
void nq_i8_vnni_free(nq_i8_vnni *p);
/* acc[i * 16 + l] = the reference accumulator of row i < NQ_QGEMM_MR and
 * channel 16 * panel + l, from activation rows of u = x - zp_x + off bytes
 * (kq long, lda apart). */
void nq_i8_vnni_tile(const nq_i8_vnni *w, int panel, const uint8_t *a, size_t lda, int32_t off, int32_t *acc);
/* The same tile requantized in registers (as nq_i8_qgemm_tile_simd) into
 * rows i < mr at out + i * ldo; only for a full panel (16 channels) and
 * where nq_i8_simd_ok(). */
void nq_i8_vnni_tile_requant(const nq_i8_vnni *w, int panel, const uint8_t *a, size_t lda, int32_t off,
                             const nq_i8_wprep *p, int mr, void *out, size_t ldo, nq_dtype t);

#endif
