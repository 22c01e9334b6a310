/*
 * Fast element-wise activations (float32, any shape): RELU, RELU6,
 * RELU_N1_TO_1, LEAKY_RELU, HARD_SWISH and LOGISTIC. The per-element
 * formulas are the reference's, written the same way (so results are equal
 * to the last bit), but with the op switch hoisted out of the loop so the
 * clamps vectorize, and large tensors split into chunks over threads. The
 * exception is LOGISTIC: its exp is fast_math.h's, within 3 ulp of the
 * reference's expf, because a call to expf per element cannot vectorize.
 * Other types go to the reference.
 */
#include <math.h>

#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"
#include "exec/float/fast_math.h"
#include "exec/gemm.h"

enum { CHUNK = 16384 }; /* elements per task */

typedef struct act_job {
  nq_op op;
  const float *in;
  float *out;
  size_t n;
  float alpha;
} act_job;

static bool act_fast_applies(const nq_kernel_args *a) {
  return a->n_in >= 1 && a->n_out >= 1 && nq_fast_is_f32(a, 0, -1) && a->out[0].type == NQ_FLOAT32 &&
         a->out[0].data && nq_tview_elems(&a->out[0]) == nq_tview_elems(&a->in[0]);
}

static void act_range(nq_op op, const float *in, float *out, size_t n, float alpha) {
  switch (op) {
    case NQ_OP_RELU:
      for (size_t i = 0; i < n; i++) out[i] = in[i] < 0.0f ? 0.0f : in[i];
      break;
    case NQ_OP_RELU6:
      for (size_t i = 0; i < n; i++) {
        float x = in[i];
        out[i] = x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x;
      }
      break;
    case NQ_OP_RELU_N1_TO_1:
      for (size_t i = 0; i < n; i++) {
        float x = in[i];
        out[i] = x < -1.0f ? -1.0f : x > 1.0f ? 1.0f : x;
      }
      break;
    case NQ_OP_LEAKY_RELU:
      for (size_t i = 0; i < n; i++) out[i] = in[i] > 0.0f ? in[i] : alpha * in[i];
      break;
    case NQ_OP_HARD_SWISH:
      for (size_t i = 0; i < n; i++) {
        float x = in[i], r = x + 3.0f;
        r = r < 0.0f ? 0.0f : r > 6.0f ? 6.0f : r;
        out[i] = x * r / 6.0f;
      }
      break;
    default: /* LOGISTIC: the vectorizable exp of fast_math.h (within 3 ulp of expf's) */
#ifdef NQ_FAST_MATH_HAVE_AVX2
      if (nq_fast_use_avx2()) {
        nq_logistic_range_avx2(in, out, n);
        break;
      }
#endif
      nq_logistic_range_portable(in, out, n);
      break;
  }
}

void nq_logistic_range_portable(const float *in, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = nq_fast_logistic(in[i]);
}

static void act_task(void *ctx, int task) {
  const act_job *j = ctx;
  size_t b = (size_t)task * CHUNK, e = b + CHUNK < j->n ? b + CHUNK : j->n;
  act_range(j->op, j->in + b, j->out + b, e - b, j->alpha);
}

static nq_status act_run(nq_op op, const nq_kernel_args *a, nq_error *err) {
  if (!act_fast_applies(a)) return nq_fast_delegate(op, a, err);
  act_job j = {.op = op,
               .in = a->in[0].data,
               .out = a->out[0].data,
               .n = nq_tview_elems(&a->out[0]),
               .alpha = a->p->alpha};
  size_t tasks = (j.n + CHUNK - 1) / CHUNK;
  if (tasks > (size_t)1 << 30)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (%s): %zu elements, too many", a->node_index,
                   nq_op_name(op), j.n);
  nq_threadpool_run(a->pool, (int)tasks, act_task, &j);
  return NQ_OK;
}

/* One entry point per op (the table holds plain function pointers). */
nq_status nq_relu_fast_run(const nq_kernel_args *a, nq_error *err) { return act_run(NQ_OP_RELU, a, err); }
nq_status nq_relu6_fast_run(const nq_kernel_args *a, nq_error *err) { return act_run(NQ_OP_RELU6, a, err); }
nq_status nq_relu_n1_to_1_fast_run(const nq_kernel_args *a, nq_error *err) {
  return act_run(NQ_OP_RELU_N1_TO_1, a, err);
}
nq_status nq_leaky_relu_fast_run(const nq_kernel_args *a, nq_error *err) {
  return act_run(NQ_OP_LEAKY_RELU, a, err);
}
nq_status nq_hard_swish_fast_run(const nq_kernel_args *a, nq_error *err) {
  return act_run(NQ_OP_HARD_SWISH, a, err);
}
nq_status nq_logistic_fast_run(const nq_kernel_args *a, nq_error *err) {
  return act_run(NQ_OP_LOGISTIC, a, err);
}

/* The reference's prepare checks, for whichever of these ops the node is. */
nq_status nq_activation_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(a->node->op, a, err);
}

size_t nq_activation_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(a->node->op, a); }
