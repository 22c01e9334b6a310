/*
 * The vector path of the fast int8 ADD, SUB, MUL, MAXIMUM, MINIMUM
 * (elementwise_s8_fast.c; AVX2 in elementwise_s8_avx2.c).
 *
 * It computes, for the nodes nq_i8_binary_vec_params() accepts, exactly
 * the reference's arithmetic (elementwise_s8.c) with the same integer and
 * IEEE operations in the same order:
 *  - ADD/SUB in single rounding, XNNPACK's form: acc = bias + m1 q1 + m2 q2
 *    in int32 (|m_i q_i| < 2^29: no overflow), an arithmetic shift right
 *    (floor), + zp_out, clamped to [lo, hi];
 *  - MUL in single rounding, XNNPACK's form: float((q1 - zp1) (q2 - zp2))
 *    (exact: |product| <= 255^2 < 2^24) times the float scale, clamped to
 *    [lo - zp_out, hi - zp_out], rounded half to even (vcvtps2dq under the
 *    default MXCSR mode, as lrintf), + zp_out;
 *  - MAXIMUM/MINIMUM in both modes: the larger/smaller raw value.
 * Double-rounding ADD/SUB/MUL (TFLite's fixed point) keep the byte table.
 */
#ifndef NQ_EXEC_INT8_BINARY_SIMD_H
#define NQ_EXEC_INT8_BINARY_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec/kernel.h"

typedef enum { NQ_I8_VEC_ADD, NQ_I8_VEC_MUL, NQ_I8_VEC_MAX, NQ_I8_VEC_MIN } nq_i8_vec_kind;

typedef struct nq_i8_binary_vec {
  nq_i8_vec_kind kind;
  bool u8;                /* uint8 elements (else int8) */
  int32_t m1, m2, bias;   /* ADD/SUB: multipliers (SUB's second negated) and bias */
  int shift;              /* ADD/SUB: in [12, 30] */
  int32_t zp1, zp2;       /* MUL: input zero points */
  float scale;            /* MUL: product-to-output scale */
  int32_t zp_out, lo, hi; /* output zero point and the fused activation's range */
} nq_i8_binary_vec;

/* Fill *v from the reference prepare's block (elementwise_s8.c) and return
 * true when the vector form computes exactly what the reference computes
 * for this node in the args' rounding mode. */
bool nq_i8_binary_vec_params(const nq_kernel_args *a, const void *ref_prepared, nq_i8_binary_vec *v);

/* o[i] = op(x[i % px], y[i % py]) for i in [i0, i1), where px and py are
 * each 1 (one value), n, or a period of n (the repeating side), in vector
 * steps of 16 per run of consecutive elements, the rest from `table` (the
 * fast kernel's 256 x 256 results: x byte << 8 | y byte). Returns false,
 * having done nothing, when the CPU or the session's kernel set has no
 * AVX2 (or on a target without it). */
bool nq_i8_binary_vec_range(const nq_i8_binary_vec *v, const uint8_t *table, const uint8_t *x, size_t px,
                            const uint8_t *y, size_t py, uint8_t *o, size_t i0, size_t i1);

#endif
