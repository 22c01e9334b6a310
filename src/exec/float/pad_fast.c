/*
 * Fast PAD and PADV2 for float32 (any rank): whole rows are copied with
 * memcpy and padding runs filled in blocks, instead of computing a source
 * index per element. The fill is 0 for PAD and PADV2's scalar input 2, as in
 * the reference. Quantized/integer tensors, MIRROR_PAD, negative paddings
 * or shapes that do not add up go to the reference.
 */
#include <string.h>

#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"

typedef struct pad_job {
  int rank;
  int64_t before[NQ_MAX_RANK], after[NQ_MAX_RANK];
  size_t in_shape[NQ_MAX_RANK];
  size_t in_stride[NQ_MAX_RANK], out_stride[NQ_MAX_RANK]; /* elements */
  float fill;
} pad_job;

/* Paddings and fill for a float32 PAD/PADV2 the fast path handles. */
static bool pad_plan(const nq_kernel_args *a, nq_op op, pad_job *j) {
  if (a->n_in < 2 || a->n_out < 1 || !nq_fast_is_f32(a, 0, -1) || a->out[0].type != NQ_FLOAT32 ||
      !a->out[0].data || a->in[0].rank != a->out[0].rank || a->in[0].rank < 1)
    return false;
  const nq_tview *x = &a->in[0], *o = &a->out[0];
  int64_t pads[2 * NQ_MAX_RANK];
  int np;
  if (!nq_ref_ints(&a->in[1], pads, 2 * NQ_MAX_RANK, &np) || np != 2 * x->rank) return false;
  j->rank = x->rank;
  for (int d = 0; d < x->rank; d++) {
    j->before[d] = pads[2 * d];
    j->after[d] = pads[2 * d + 1];
    if (j->before[d] < 0 || j->after[d] < 0 || x->shape[d] + j->before[d] + j->after[d] != o->shape[d])
      return false;
    j->in_shape[d] = (size_t)x->shape[d];
  }
  size_t si = 1, so = 1;
  for (int d = x->rank - 1; d >= 0; d--) {
    j->in_stride[d] = si;
    j->out_stride[d] = so;
    si *= (size_t)x->shape[d];
    so *= (size_t)o->shape[d];
  }
  j->fill = 0.0f;
  if (op == NQ_OP_PADV2 && a->n_in > 2 && a->in[2].data) {
    if (a->in[2].type != NQ_FLOAT32) return false;
    memcpy(&j->fill, a->in[2].data, sizeof(float));
  }
  return true;
}

static void fill_run(float *dst, size_t n, float v) {
  for (size_t i = 0; i < n; i++) dst[i] = v;
}

/* Output block of dimension d (out_stride[d-1] elements) from input block src. */
static void pad_block(const pad_job *j, int d, const float *src, float *dst) {
  const size_t ostride = j->out_stride[d];
  fill_run(dst, (size_t)j->before[d] * ostride, j->fill);
  dst += (size_t)j->before[d] * ostride;
  if (d == j->rank - 1) {
    memcpy(dst, src, j->in_shape[d] * sizeof(float));
  } else {
    for (size_t i = 0; i < j->in_shape[d]; i++)
      pad_block(j, d + 1, src + i * j->in_stride[d], dst + i * ostride);
  }
  dst += j->in_shape[d] * ostride;
  fill_run(dst, (size_t)j->after[d] * ostride, j->fill);
}

static nq_status pad_run(nq_op op, const nq_kernel_args *a, nq_error *err) {
  pad_job j;
  if (!pad_plan(a, op, &j)) return nq_fast_delegate(op, a, err);
  if (nq_tview_elems(&a->in[0]) == 0) {
    fill_run(a->out[0].data, nq_tview_elems(&a->out[0]), j.fill);
    return NQ_OK;
  }
  pad_block(&j, 0, a->in[0].data, a->out[0].data);
  return NQ_OK;
}

nq_status nq_pad_fast_run(const nq_kernel_args *a, nq_error *err) { return pad_run(NQ_OP_PAD, a, err); }
nq_status nq_padv2_fast_run(const nq_kernel_args *a, nq_error *err) { return pad_run(NQ_OP_PADV2, a, err); }

nq_status nq_pad_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(a->node->op, a, err);
}

size_t nq_pad_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(a->node->op, a); }
