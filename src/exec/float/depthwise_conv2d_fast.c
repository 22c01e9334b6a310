/*
 * Fast DEPTHWISE_CONV_2D (float32, NHWC input, [1, KH, KW, C*M] filter):
 * vectorized over channels, threaded over output rows (window_fast.h).
 * The multiplier M comes from the shapes, as in the reference. Hands off to
 * the reference for non-float tensors and TANH/SIGN_BIT fused activations.
 */
#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"
#include "exec/float/window_fast.h"

typedef struct dw_job {
  nq_window_geom g;
  nq_window_row_fn row;
} dw_job;

static bool dw_fast_applies(const nq_kernel_args *a) {
  float lo, hi;
  if (!(a->n_in >= 2 && a->n_out >= 1 && nq_fast_is_f32(a, 0, 4) && nq_fast_is_f32(a, 1, 4) &&
        (a->n_in < 3 || !a->in[2].data || nq_fast_is_f32(a, 2, 1)) && a->out[0].type == NQ_FLOAT32 &&
        a->out[0].rank == 4 && nq_fast_act_range(a->p->act, &lo, &hi) && a->p->stride_h > 0 &&
        a->p->stride_w > 0 && a->p->dilation_h > 0 && a->p->dilation_w > 0))
    return false;
  int c = a->in[0].shape[3], oc = a->in[1].shape[3];
  return c > 0 && oc % c == 0 && a->out[0].shape[3] == oc && a->out[0].shape[0] == a->in[0].shape[0] &&
         (a->n_in < 3 || !a->in[2].data || a->in[2].shape[0] == oc) && a->in[1].shape[0] == 1 &&
         nq_fast_window_fits(a->in[0].shape[1], a->in[0].shape[2], a->out[0].shape[1], a->out[0].shape[2],
                             a->in[1].shape[1], a->in[1].shape[2], a->p->stride_h, a->p->stride_w,
                             a->p->dilation_h, a->p->dilation_w);
}

size_t nq_dw_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(NQ_OP_DEPTHWISE_CONV_2D, a); }

/* Nothing to precompute: the filter is already channel-contiguous. */
nq_status nq_dw_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(NQ_OP_DEPTHWISE_CONV_2D, a, err);
}

static void dw_task(void *ctx, int task) {
  const dw_job *j = ctx;
  j->row(&j->g, task / j->g.oh, task % j->g.oh);
}

nq_status nq_dw_fast_run(const nq_kernel_args *a, nq_error *err) {
  if (!dw_fast_applies(a)) return nq_fast_delegate(NQ_OP_DEPTHWISE_CONV_2D, a, err);
  const nq_tview *x = &a->in[0], *f = &a->in[1], *y = &a->out[0];
  dw_job j = {.g = {.in = x->data,
                    .out = y->data,
                    .filter = f->data,
                    .bias = a->n_in >= 3 ? a->in[2].data : NULL,
                    .h = x->shape[1],
                    .w = x->shape[2],
                    .c = x->shape[3],
                    .mult = f->shape[3] / x->shape[3],
                    .oh = y->shape[1],
                    .ow = y->shape[2],
                    .kh = f->shape[1],
                    .kw = f->shape[2],
                    .stride_h = a->p->stride_h,
                    .stride_w = a->p->stride_w,
                    .dil_h = a->p->dilation_h,
                    .dil_w = a->p->dilation_w}};
  nq_fast_act_range(a->p->act, &j.g.lo, &j.g.hi);
  j.g.pad_t = nq_fast_pad_before(a->p->padding, j.g.h, j.g.oh, j.g.stride_h, j.g.kh, j.g.dil_h);
  j.g.pad_l = nq_fast_pad_before(a->p->padding, j.g.w, j.g.ow, j.g.stride_w, j.g.kw, j.g.dil_w);
  j.row = nq_dw_row(j.g.mult);
  size_t rows = (size_t)y->shape[0] * (size_t)j.g.oh;
  if (rows == 0 || j.g.ow == 0) return NQ_OK;
  if (rows > (size_t)1 << 30)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (DEPTHWISE_CONV_2D): %zu output rows, at most 2^30",
                   a->node_index, rows);
  /* Tiny layers run on the caller: waking a worker costs a few microseconds. */
  double macs = (double)rows * j.g.ow * f->shape[3] * j.g.kh * j.g.kw;
  nq_threadpool_run(macs < 16384.0 ? NULL : a->pool, (int)rows, dw_task, &j);
  return NQ_OK;
}
