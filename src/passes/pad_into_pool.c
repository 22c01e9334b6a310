/*
 * Fold an explicit PAD / PADV2 that only feeds a VALID MAX_POOL_2D into the
 * pool's own SAME padding, where the two are the same function:
 *   - the pads are exactly SAME's for the pool's window and strides (TFLite
 *     puts the odd pad at the end: top = total / 2), on H and W only;
 *   - the pad value can never win a max: -FLT_MAX or -inf (the sentinel a
 *     padded ONNX MaxPool is lowered with), or 0 over an input that is
 *     known non-negative (a RELU/RELU6 producer or fused activation).
 * TFLite's SAME max pool skips padded positions, so the result is equal, one
 * op fewer runs, and no sentinel remains for calibration to count (a -FLT_MAX
 * in a calibrated range gave scales of 1e36; calib/pad_sentinel.c handles the
 * pads this pass cannot fold).
 */
#include <float.h>
#include <math.h>

#include "passes/pass_util.h"

static bool read_pads(const nq_graph *g, int t, int64_t pads[8]) {
  if (t < 0 || t >= g->n_tensors) return false;
  const nq_tensor *x = &g->tensors[t];
  if (!x->data || x->rank != 2 || x->shape[0] != 4 || x->shape[1] != 2) return false;
  if (x->type == NQ_INT32 && x->nbytes == 8 * sizeof(int32_t)) {
    for (int k = 0; k < 8; k++) pads[k] = ((const int32_t *)x->data)[k];
    return true;
  }
  if (x->type == NQ_INT64 && x->nbytes == 8 * sizeof(int64_t)) {
    for (int k = 0; k < 8; k++) pads[k] = ((const int64_t *)x->data)[k];
    return true;
  }
  return false;
}

static bool known_nonneg(const nq_graph *g, int t) {
  int pn = nq_pass_producer(g, t);
  if (pn < 0) return false;
  const nq_node *p = &g->nodes[pn];
  if (p->op == NQ_OP_RELU || p->op == NQ_OP_RELU6) return true;
  return p->p.act == NQ_ACT_RELU || p->p.act == NQ_ACT_RELU6;
}

/* The pad value can never be the maximum of a window that holds a real value. */
static bool never_wins(const nq_graph *g, const nq_node *pad) {
  if (pad->op == NQ_OP_PAD) return known_nonneg(g, pad->in[0]);
  if (pad->n_in < 3 || !nq_pass_is_const_f32(g, pad->in[2])) return false;
  const nq_tensor *v = &g->tensors[pad->in[2]];
  if (v->nbytes != sizeof(float)) return false;
  float pv = *(const float *)v->data;
  return pv <= -FLT_MAX || (pv == 0.0f && known_nonneg(g, pad->in[0]));
}

/* SAME along one axis: total = max((ceil(in / s) - 1) * s + k - in, 0). */
static bool same_pads(int64_t in, int64_t k, int64_t s, int64_t before, int64_t after) {
  if (in <= 0 || k <= 0 || s <= 0) return false;
  int64_t out = (in + s - 1) / s;
  int64_t total = (out - 1) * s + k - in;
  if (total < 0) total = 0;
  return before == total / 2 && after == total - total / 2;
}

static bool foldable(const nq_graph *g, const nq_node *pad, const nq_node *pool) {
  if (pool->op != NQ_OP_MAX_POOL_2D || pool->p.padding != NQ_PAD_VALID || pool->n_in < 1) return false;
  const nq_tensor *x = &g->tensors[pad->in[0]];
  if (x->type != NQ_FLOAT32 || x->rank != 4 || x->q.n > 0) return false;
  int64_t p[8];
  if (!read_pads(g, pad->in[1], p)) return false;
  if (p[0] || p[1] || p[6] || p[7]) return false; /* batch and channel pads change the shape */
  return same_pads(x->shape[1], pool->p.filter_h, pool->p.stride_h, p[2], p[3]) &&
         same_pads(x->shape[2], pool->p.filter_w, pool->p.stride_w, p[4], p[5]) && never_wins(g, pad);
}

nq_status nq_pass_pad_into_pool(nq_graph *g, bool *changed, nq_error *err) {
  (void)err;
  for (int n = 0; n < g->n_nodes;) {
    const nq_node *pad = &g->nodes[n];
    bool folded = false;
    if ((pad->op == NQ_OP_PAD || pad->op == NQ_OP_PADV2) && pad->n_in >= 2 && pad->n_out == 1 &&
        pad->in[0] >= 0 && !nq_pass_is_output(g, pad->out[0])) {
      int pn = nq_pass_single_consumer(g, pad->out[0]);
      if (pn > n && pad->in[0] != pad->out[0] && g->nodes[pn].in[0] == pad->out[0] &&
          foldable(g, pad, &g->nodes[pn])) {
        nq_node *pool = &g->nodes[pn];
        pool->in[0] = pad->in[0];
        pool->p.padding = NQ_PAD_SAME;
        nq_pass_remove_node(g, n);
        folded = true;
        *changed = true;
      }
    }
    if (!folded) n++;
  }
  return NQ_OK;
}
