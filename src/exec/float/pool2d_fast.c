/*
 * Fast AVERAGE_POOL_2D and MAX_POOL_2D (float32, NHWC): vectorized over
 * channels, threaded over output rows (window_fast.h). The average divides
 * by the number of window elements inside the image, as TFLite does. Hands
 * off to the reference for non-float tensors and TANH/SIGN_BIT activations.
 */
#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"
#include "exec/float/window_fast.h"

typedef struct pool_job {
  nq_window_geom g;
  nq_window_row_fn row;
} pool_job;

static bool pool_fast_applies(const nq_kernel_args *a) {
  float lo, hi;
  return a->n_in >= 1 && a->n_out >= 1 && nq_fast_is_f32(a, 0, 4) && a->out[0].type == NQ_FLOAT32 &&
         a->out[0].rank == 4 && a->out[0].shape[0] == a->in[0].shape[0] &&
         a->out[0].shape[3] == a->in[0].shape[3] && nq_fast_act_range(a->p->act, &lo, &hi) &&
         a->p->stride_h > 0 && a->p->stride_w > 0 &&
         nq_fast_window_fits(a->in[0].shape[1], a->in[0].shape[2], a->out[0].shape[1], a->out[0].shape[2],
                             a->p->filter_h, a->p->filter_w, a->p->stride_h, a->p->stride_w, 1, 1);
}

static void pool_task(void *ctx, int task) {
  const pool_job *j = ctx;
  j->row(&j->g, task / j->g.oh, task % j->g.oh);
}

static nq_status pool_run(nq_op op, const nq_kernel_args *a, nq_error *err) {
  if (!pool_fast_applies(a)) return nq_fast_delegate(op, a, err);
  const nq_tview *x = &a->in[0], *y = &a->out[0];
  pool_job j = {.g = {.in = x->data,
                      .out = y->data,
                      .h = x->shape[1],
                      .w = x->shape[2],
                      .c = x->shape[3],
                      .mult = 1,
                      .oh = y->shape[1],
                      .ow = y->shape[2],
                      .kh = a->p->filter_h,
                      .kw = a->p->filter_w,
                      .stride_h = a->p->stride_h,
                      .stride_w = a->p->stride_w,
                      .dil_h = 1,
                      .dil_w = 1}};
  nq_fast_act_range(a->p->act, &j.g.lo, &j.g.hi);
  j.g.pad_t = nq_fast_pad_before(a->p->padding, j.g.h, j.g.oh, j.g.stride_h, j.g.kh, 1);
  j.g.pad_l = nq_fast_pad_before(a->p->padding, j.g.w, j.g.ow, j.g.stride_w, j.g.kw, 1);
  j.row = op == NQ_OP_MAX_POOL_2D ? nq_maxpool_row() : nq_avgpool_row();
  size_t rows = (size_t)y->shape[0] * (size_t)j.g.oh;
  if (rows == 0 || j.g.ow == 0 || j.g.c == 0) return NQ_OK;
  if (rows > (size_t)1 << 30)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (%s): %zu output rows, at most 2^30", a->node_index,
                   nq_op_name(op), rows);
  double work = (double)rows * j.g.ow * j.g.c * j.g.kh * j.g.kw;
  nq_threadpool_run(work < 16384.0 ? NULL : a->pool, (int)rows, pool_task, &j);
  return NQ_OK;
}

nq_status nq_avgpool_fast_run(const nq_kernel_args *a, nq_error *err) {
  return pool_run(NQ_OP_AVERAGE_POOL_2D, a, err);
}
nq_status nq_maxpool_fast_run(const nq_kernel_args *a, nq_error *err) {
  return pool_run(NQ_OP_MAX_POOL_2D, a, err);
}
size_t nq_avgpool_fast_scratch(const nq_kernel_args *a) {
  return nq_fast_ref_scratch(NQ_OP_AVERAGE_POOL_2D, a);
}
size_t nq_maxpool_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(NQ_OP_MAX_POOL_2D, a); }

nq_status nq_avgpool_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(NQ_OP_AVERAGE_POOL_2D, a, err);
}
nq_status nq_maxpool_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(NQ_OP_MAX_POOL_2D, a, err);
}
