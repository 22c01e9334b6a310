/*
 * Fast FULLY_CONNECTED (float32): out[m][n] = act(bias[n] + sum_k in[m][k] * w[n][k])
 * with the input flattened to rows of K = w.shape[1] (TFLite semantics;
 * keep_num_dims only changes the output shape). The weights are packed once
 * in prepare; the GEMM micro-kernel has a one-row path, so batch 1 runs as a
 * GEMV over the packed weights. Tasks are ranges of row tiles when there are
 * many rows, else of output-channel panels, several per thread. No scratch:
 * the row pointers live on the stack.
 *
 * Falls back to the reference kernel for non-float tensors, weights that are
 * not constant, and TANH/SIGN_BIT fused activations.
 */
#include <stdlib.h>

#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"
#include "exec/gemm.h"

typedef struct fc_job {
  const nq_packed_w *w;
  const float *in;
  float *out;
  int rows, split_rows, n_tasks;
  float lo, hi;
} fc_job;

static bool fc_fast_applies(const nq_kernel_args *a) {
  float lo, hi;
  if (!(a->n_in >= 2 && a->n_out >= 1 && nq_fast_is_f32(a, 0, -1) && nq_fast_is_f32(a, 1, 2) &&
        (a->n_in < 3 || !a->in[2].data || nq_fast_is_f32(a, 2, 1)) && a->out[0].type == NQ_FLOAT32 &&
        nq_fast_input_is_const(a, 1) && (a->n_in < 3 || !a->in[2].data || nq_fast_input_is_const(a, 2)) &&
        nq_fast_act_range(a->p->act, &lo, &hi)))
    return false;
  size_t k = (size_t)a->in[1].shape[1], n = (size_t)a->in[1].shape[0];
  if (k == 0 || n == 0) return false;
  size_t in_elems = nq_tview_elems(&a->in[0]);
  return in_elems % k == 0 && nq_tview_elems(&a->out[0]) == in_elems / k * n &&
         (a->n_in < 3 || !a->in[2].data || (size_t)a->in[2].shape[0] == n);
}

void nq_fc_fast_release(void *prepared) {
  nq_packed_w *w = prepared;
  if (!w) return;
  nq_gemm_free(w);
  free(w);
}

nq_status nq_fc_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  NQ_TRY(nq_fast_ref_check(NQ_OP_FULLY_CONNECTED, a, err));
  if (!fc_fast_applies(a)) return NQ_OK;
  nq_packed_w *w = calloc(1, sizeof *w);
  if (!w) return nq_fail(err, NQ_ERR_NOMEM, "node %d (FULLY_CONNECTED): out of memory", a->node_index);
  const float *bias = a->n_in >= 3 ? a->in[2].data : NULL;
  nq_status s = nq_gemm_pack(a->in[1].data, bias, a->in[1].shape[0], a->in[1].shape[1], w, err);
  if (s != NQ_OK) {
    free(w);
    return nq_prefix(err, "node %d (FULLY_CONNECTED): ", a->node_index);
  }
  *prepared = w;
  return NQ_OK;
}

size_t nq_fc_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(NQ_OP_FULLY_CONNECTED, a); }

static void fc_task(void *ctx, int task) {
  const fc_job *j = ctx;
  int tiles = (j->rows + NQ_GEMM_MR - 1) / NQ_GEMM_MR, panels = j->w->n_panels;
  int t0 = 0, t1 = tiles, p0 = 0, p1 = panels;
  if (j->split_rows) {
    t0 = (int)((long)tiles * task / j->n_tasks);
    t1 = (int)((long)tiles * (task + 1) / j->n_tasks);
  } else {
    p0 = (int)((long)panels * task / j->n_tasks);
    p1 = (int)((long)panels * (task + 1) / j->n_tasks);
  }
  size_t k = (size_t)j->w->k, n = (size_t)j->w->n;
  const float *ptrs[NQ_GEMM_MR];
  for (int t = t0; t < t1; t++) {
    int m0 = t * NQ_GEMM_MR;
    int mr = j->rows - m0 < NQ_GEMM_MR ? j->rows - m0 : NQ_GEMM_MR;
    for (int i = 0; i < NQ_GEMM_MR; i++) ptrs[i] = j->in + (size_t)(m0 + (i < mr ? i : 0)) * k;
    nq_gemm_rows(j->w, 1, (int)k, ptrs, mr, j->out + (size_t)m0 * n, n, p0, p1, j->lo, j->hi);
  }
}

nq_status nq_fc_fast_run(const nq_kernel_args *a, nq_error *err) {
  const nq_packed_w *w = a->prepared;
  if (!w || !fc_fast_applies(a)) return nq_fast_delegate(NQ_OP_FULLY_CONNECTED, a, err);
  if (a->in[1].shape[0] != w->n || a->in[1].shape[1] != w->k)
    return nq_fail(err, NQ_ERR_SHAPE, "node %d (FULLY_CONNECTED): weights %dx%d, prepared %dx%d",
                   a->node_index, a->in[1].shape[0], a->in[1].shape[1], w->n, w->k);
  size_t rows = nq_tview_elems(&a->in[0]) / (size_t)w->k;
  if (rows == 0) return NQ_OK;
  if (rows > (size_t)1 << 30)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (FULLY_CONNECTED): %zu rows, at most 2^30",
                   a->node_index, rows);
  fc_job j = {.w = w, .in = a->in[0].data, .out = a->out[0].data, .rows = (int)rows};
  nq_fast_act_range(a->p->act, &j.lo, &j.hi);
  int threads = nq_threadpool_size(a->pool);
  int tiles = (j.rows + NQ_GEMM_MR - 1) / NQ_GEMM_MR;
  j.split_rows = tiles >= 4 * threads || w->n_panels < threads;
  int units = j.split_rows ? tiles : w->n_panels;
  /* Several tasks per thread (claimed dynamically) of >= ~64K MACs each;
   * a small layer is not worth waking threads for. */
  double macs = (double)rows * w->k * w->n;
  int want = threads == 1 ? 1 : 8 * threads;
  double by_size = macs / 65536.0; /* double: no int overflow */
  if ((double)want > by_size) want = by_size >= 2.0 ? (int)by_size : 1;
  j.n_tasks = want < units ? want : units;
  nq_threadpool_run(j.n_tasks > 1 ? a->pool : NULL, j.n_tasks, fc_task, &j);
  return NQ_OK;
}
