/*
 * Limits that keep every scale the quantizer picks usable by TFLite's int8
 * kernels, whatever the calibration saw (issue: degenerate ranges wrote
 * models that then failed with "effective scale 7.1e+34 cannot be
 * represented").
 *
 *  - An activation scale is at least NQ_MIN_ACT_SCALE: a range of zero width
 *    other than all-zero, or of denormal width (1e-40), is widened; at most
 *    one that keeps max - min finite: a range overflowing float (outliers
 *    near 3.4e38) is clamped to +-FLT_MAX / 2.
 *  - Every effective scale a kernel turns into a fixed-point multiplier
 *    (s_in * s_w / s_out for weighted ops, s_a * s_b / s_out for MUL-like
 *    ops, s_in / s_out for rescaling ops) must be below 2^31 (TFLite's
 *    QuantizeMultiplier): the quantizer widens an output range until it is
 *    below NQ_MAX_EFFECTIVE_SCALE = 2^30 (headroom for the kernels' own
 *    factors of two). A tiny effective scale is representable (it flushes
 *    to zero) and is left alone.
 * Each widening is reported per layer through the quantizer's warn hook.
 */
#ifndef NQ_QUANT_SCALE_LIMITS_H
#define NQ_QUANT_SCALE_LIMITS_H

#include <stdbool.h>

#include "ir/graph.h"

#define NQ_MIN_ACT_SCALE 1e-12f
#define NQ_MAX_EFFECTIVE_SCALE 1073741824.0

typedef enum nq_range_fix {
  NQ_RANGE_OK = 0,
  NQ_RANGE_CLAMPED = 1, /* max - min overflowed float */
  NQ_RANGE_WIDENED = 2, /* the scale was below NQ_MIN_ACT_SCALE */
} nq_range_fix;

/* 16x8 ADD/SUB (TFLite's general int16 path, left shift 15 instead of int8's
 * 20): its output multiplier 2 max(s_a, s_b) / (2^15 s_out) must stay below
 * 1 (QuantizeMultiplierSmallerThanOneExp, a CHECK in TFLite), so s_out must
 * exceed max(s_a, s_b) / 2^14; int8's bound (2^19) never binds in practice,
 * this one does where the sum cancels (x - x'). */
#define NQ_INT16_ADD_MIN_OUT_RATIO (1.0 / 16384.0)

/* 16x8 conv-like ops requantize with TFLite's int64 MultiplyByQuantizedMultiplier,
 * whose shift must stay below 8: s_in * s_w / s_out under 2^7. 2^6 leaves the
 * same kind of headroom as NQ_MAX_EFFECTIVE_SCALE does for int8. */
#define NQ_INT16_MAX_EFFECTIVE_SCALE 64.0

/* Make [*min, *max] (0 is included by the caller's parameter choice) give a
 * finite scale of at least NQ_MIN_ACT_SCALE; an all-zero range is left as
 * it is (nq_affine_from_range handles it). */
nq_range_fix nq_range_sanitize(float *min, float *max);

/* Largest symmetric weight scale of float constant w: max|w| / 127. */
float nq_weight_scale_max(const nq_tensor *w);

/* Ops whose int8 kernel multiplies two quantized inputs (the multiplier is
 * s_a * s_b / s_out); the others rescale one input at a time. */
bool nq_op_multiplies_inputs(nq_op op);

#endif
