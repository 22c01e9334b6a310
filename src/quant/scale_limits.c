#include "quant/scale_limits.h"

#include <float.h>
#include <math.h>

nq_range_fix nq_range_sanitize(float *min, float *max) {
  float lo = *min < 0.0f ? *min : 0.0f, hi = *max > 0.0f ? *max : 0.0f;
  nq_range_fix fix = NQ_RANGE_OK;
  if (!isfinite(hi - lo)) {
    if (lo < -FLT_MAX / 2) lo = -FLT_MAX / 2;
    if (hi > FLT_MAX / 2) hi = FLT_MAX / 2;
    fix = NQ_RANGE_CLAMPED;
  }
  float width = hi - lo;
  if (width > 0.0f && width < 255.0f * NQ_MIN_ACT_SCALE) {
    /* Grow away from 0 on the side(s) the values are on, keeping their ratio. */
    float f = 255.0f * NQ_MIN_ACT_SCALE / width * 1.0001f;
    lo *= f;
    hi *= f;
    fix = NQ_RANGE_WIDENED;
  }
  if (fix != NQ_RANGE_OK) {
    *min = lo;
    *max = hi;
  }
  return fix;
}

float nq_weight_scale_max(const nq_tensor *w) {
  if (!w->data || w->type != NQ_FLOAT32) return 0.0f;
  const float *v = (const float *)w->data;
  float absmax = 0.0f;
  for (size_t i = 0; i < w->nbytes / sizeof(float); i++)
    if (fabsf(v[i]) > absmax) absmax = fabsf(v[i]);
  return absmax / 127.0f;
}

bool nq_op_multiplies_inputs(nq_op op) {
  return op == NQ_OP_MUL || op == NQ_OP_PRELU || op == NQ_OP_BATCH_MATMUL || op == NQ_OP_SQUARED_DIFFERENCE;
}
