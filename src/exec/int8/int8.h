/*
 * Integer (int8/uint8/int32-bias) kernels, indexed by nq_op; a NULL entry
 * means the op has no integer kernel yet. The engine uses this table for a
 * node whose activations are quantized (int8/uint8/int16 inputs or outputs)
 * and that has no float32 operand; float <-> int8 QUANTIZE/DEQUANTIZE are
 * float-side kernels, 8-bit -> 8-bit QUANTIZE (requantize) is here.
 *
 * What "bit-exact" means per op (the choice of reference, see also the
 * comment at the top of each *_s8.c file):
 *
 *  - Requantizing ops (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
 *    TRANSPOSE_CONV, BATCH_MATMUL, ADD, SUB, MUL, MEAN (spatial), QUANTIZE,
 *    RELU*, LEAKY_RELU, PRELU, ABS, L2_NORMALIZATION): TFLite's reference integer
 *    kernels with their Prepare-time multipliers, through requant.h, in the
 *    rounding the session asks for: double rounding (TFLite's default
 *    build) or single rounding (TFLITE_SINGLE_ROUNDING). In single-rounding
 *    mode the ops that LiteRT hands to XNNPACK follow XNNPACK's own
 *    arithmetic, so that mode reproduces what users run: fp32
 *    requantization of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED /
 *    TRANSPOSE_CONV (int8_weights.h), 20-bit multipliers for ADD/SUB
 *    (elementwise_s8.c), Q8 multipliers for LEAKY_RELU (activation_s8.c)
 *    and the float32 qs8 mean, half to even, for int8 MEAN on any axes
 *    (reduce_s8.c); TF's own int8 models then match LiteRT.js to 0 steps
 *    (tests/int8). PRELU is not delegated: LiteRT runs TFLite's kernel,
 *    so PRELU is double rounding in both modes (tests/int8_exact).
 *  - SOFTMAX: TFLite's builtin int8/uint8 kernel, the float lookup-table
 *    path (PopulateSoftmaxLookupTable); XNNPACK takes float softmax only, so
 *    this is also what LiteRT runs. Rounding mode does not apply.
 *  - LOG_SOFTMAX, SQUARED_DIFFERENCE, RSQRT (int8 only): TFLite's builtin
 *    kernels (reference_integer_ops::LogSoftmax with gemmlowp fixed-point
 *    exp/log in fixedpoint.h; squared_difference.cc; elementwise.cc), in
 *    the session's rounding variant. XNNPACK takes none of them quantized,
 *    so LiteRT runs these kernels in TFLite's default double rounding: that
 *    mode matches it to 0 steps (tests/int8_ops).
 *  - SQRT (int8): elementwise.cc's float formula with truncation.
 *  - REDUCE_PROD (int8): reduce.cc's per-step rescaled product with the
 *    int64 MultiplyByQuantizedMultiplier (one variant, no rounding mode).
 *  - LOGISTIC, TANH, ELU, GELU, EXP, LOG: TFLite's 256-entry table computed in
 *    float in Prepare (PopulateLookupTable/LUTPopulate, builtin and
 *    reference kernels alike); XNNPACK's int8 sigmoid/tanh/elu tabulate the
 *    same functions. Rounding mode n/a.
 *  - HARD_SWISH: reference_ops::HardSwish (16-bit fixed point), one variant.
 *  - RESIZE_BILINEAR: ResizeBilinearInteger in both rounding variants.
 *  - MEAN (non-spatial; double-rounding mode), SUM, CONCATENATION with
 *    rescaling: TFLite's float formulas (QuantizedMeanOrSum,
 *    ConcatenationWithScaling).
 *  - AVERAGE/MAX_POOL, MAXIMUM/MINIMUM, REDUCE_MAX/MIN, ARG_MAX and data
 *    movement (incl. TILE): exact integer
 *    operations on the raw values (no requantization).
 *
 * int16 activations (TFLite's 16x8 mode, ops.def column INT16X8): the same
 * table entries hand the node to the *_s16.c kernels or run their 8-bit
 * loop on int16 values; TFLite's builtin int16 kernels in its default
 * build, in both rounding modes (weights_s16.h, binary_s16.c, lut_s16.c).
 * The engine refuses int16 on an op without a TFLite int16 kernel and
 * hands int16 nodes to nq_int16_kernels_fast (never to the 8-bit fast
 * table).
 *
 * Checked against LiteRT.js (TFLite + XNNPACK) by tests/int8: per op and
 * on TF's own int8/uint8 networks; int16 per op by int16_ops_oracle.py.
 */
#ifndef NQ_EXEC_INT8_H
#define NQ_EXEC_INT8_H

#include "exec/kernel.h"

extern const nq_kernel nq_int8_kernels[NQ_OP_COUNT];

/* Fast integer kernels (int8_fast_table.c): an entry overrides the
 * reference above unless the session asks for reference kernels only. Each
 * is bit-exact with its reference in both rounding modes (tests/kernels_fast
 * checks it on randomized shapes), so the choice changes speed only. */
extern const nq_kernel nq_int8_kernels_fast[NQ_OP_COUNT];

/* Fast int16x8 kernels (int16 activations, int8 weights): CONV_2D,
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED, bit-identical with the *_s16.c
 * reference kernels in both rounding modes, and PAD / PADV2 (row copies)
 * (tests/kernels_fast test_s16_fast). The engine takes this table for nodes with an int16
 * operand and the reference for ops it lacks. */
extern const nq_kernel nq_int16_kernels_fast[NQ_OP_COUNT];

#endif
