/*
 * Fold a MUL or ADD (or SUB) by a per-output-channel or scalar constant into
 * the convolution / fully-connected node that produces its input. This is
 * BatchNormalization in inference form (y = x * s + t), which frontends
 * emit as MUL then ADD; the pass runs to a fixed point, so MUL folds first,
 * then ADD.
 *
 *   x * s:  w'[c] = w[c] * s[c],  b'[c] = b[c] * s[c]
 *   x + t:  b'[c] = b[c] + t[c]   (x - t: b'[c] = b[c] - t[c])
 *
 * Preconditions that keep it exact: the producer has constant float32
 * weights, no fused activation, its output has this one reader and is not a
 * model output, and the MUL/ADD output has the producer's shape (the
 * constant only broadcasts over the channel axis, which is the last one in
 * NHWC). New weight and bias tensors are made so a shared constant is never
 * changed under another reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes/pass_util.h"

/* Where the output channels sit in the weights, and which input the bias is. */
static bool layer_layout(nq_op op, int *w_axis, int *bias_in) {
  switch (op) {
    case NQ_OP_CONV_2D:
    case NQ_OP_FULLY_CONNECTED:
      *w_axis = 0;
      *bias_in = 2;
      return true;
    case NQ_OP_DEPTHWISE_CONV_2D:
      *w_axis = 3;
      *bias_in = 2;
      return true;
    case NQ_OP_TRANSPOSE_CONV:
      *w_axis = 0;
      *bias_in = 3;
      return true;
    default:
      return false;
  }
}

static bool same_shape(const nq_tensor *a, const nq_tensor *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}

/* The constant broadcasts along the channel axis only: it has 1 element, or
 * `channels` elements with every dim but the last equal to 1. */
static bool channel_const(const nq_tensor *c, int channels, int out_rank) {
  size_t n = nq_tensor_elems(c);
  if (c->rank > out_rank) return false;
  if (n == 1) return true;
  if (c->rank == 0 || c->shape[c->rank - 1] != channels || n != (size_t)channels) return false;
  return true;
}

/* Try to fold node `cn` (MUL/ADD/SUB) into its producer. */
static nq_status try_fold(nq_graph *g, int cn, bool *folded, nq_error *err) {
  *folded = false;
  nq_node *c = &g->nodes[cn];
  if (c->op != NQ_OP_MUL && c->op != NQ_OP_ADD && c->op != NQ_OP_SUB) return NQ_OK;
  if (c->n_in != 2 || c->n_out != 1) return NQ_OK;
  int x = -1, k = -1;
  if (nq_pass_is_const_f32(g, c->in[1]) && !nq_pass_is_const_f32(g, c->in[0])) {
    x = c->in[0];
    k = c->in[1];
  } else if (c->op != NQ_OP_SUB && nq_pass_is_const_f32(g, c->in[0]) && !nq_pass_is_const_f32(g, c->in[1])) {
    x = c->in[1];
    k = c->in[0];
  } else {
    return NQ_OK;
  }
  if (x < 0 || nq_pass_is_output(g, x) || nq_pass_single_consumer(g, x) != cn) return NQ_OK;
  int pn = nq_pass_producer(g, x);
  if (pn < 0 || pn > cn) return NQ_OK;
  nq_node *p = &g->nodes[pn];
  int w_axis, bias_in;
  if (!layer_layout(p->op, &w_axis, &bias_in) || p->p.act != NQ_ACT_NONE || p->n_out != 1) return NQ_OK;
  const int wi = 1; /* weights are input 1 of all four ops */
  if (p->n_in <= wi || !nq_pass_is_const_f32(g, p->in[wi])) return NQ_OK;
  int bias = p->n_in > bias_in ? p->in[bias_in] : -1;
  if (bias >= 0 && !nq_pass_is_const_f32(g, bias)) return NQ_OK;
  const nq_tensor *xt = &g->tensors[x];
  const nq_tensor *yt = &g->tensors[c->out[0]];
  const nq_tensor *wt = &g->tensors[p->in[wi]];
  if (xt->type != NQ_FLOAT32 || !same_shape(xt, yt) || xt->rank < 1) return NQ_OK;
  if (w_axis >= wt->rank) return NQ_OK;
  int channels = wt->shape[w_axis];
  if (channels <= 0 || xt->shape[xt->rank - 1] != channels) return NQ_OK;
  const nq_tensor *kt = &g->tensors[k];
  if (!channel_const(kt, channels, xt->rank)) return NQ_OK;
  if (bias >= 0 && nq_tensor_elems(&g->tensors[bias]) != (size_t)channels) return NQ_OK;

  const float *kv = (const float *)kt->data;
  bool scalar = nq_tensor_elems(kt) == 1;
  size_t wn = nq_tensor_elems(wt);
  float *w = malloc(wn * sizeof(float));
  float *b = malloc((size_t)channels * sizeof(float));
  if (!w || !b) {
    free(w);
    free(b);
    return nq_fail(err, NQ_ERR_NOMEM, "fold_batchnorm: node '%s': out of memory", c->name ? c->name : "?");
  }
  memcpy(w, wt->data, wn * sizeof(float));
  for (int ch = 0; ch < channels; ch++) b[ch] = bias >= 0 ? ((const float *)g->tensors[bias].data)[ch] : 0.0f;
  if (c->op == NQ_OP_MUL) {
    /* Stride of the channel axis in the weights and the span it repeats over. */
    size_t inner = 1;
    for (int d = w_axis + 1; d < wt->rank; d++) inner *= (size_t)wt->shape[d];
    for (size_t i = 0; i < wn; i++) {
      size_t ch = (i / inner) % (size_t)channels;
      w[i] *= kv[scalar ? 0 : ch];
    }
    for (int ch = 0; ch < channels; ch++) b[ch] *= kv[scalar ? 0 : ch];
  } else {
    float sign = c->op == NQ_OP_SUB ? -1.0f : 1.0f;
    for (int ch = 0; ch < channels; ch++) b[ch] += sign * kv[scalar ? 0 : ch];
  }
  int32_t wshape[NQ_MAX_RANK];
  memcpy(wshape, wt->shape, sizeof(wshape));
  char *wname = wt->name ? strdup(wt->name) : NULL;
  int new_w = nq_pass_add_const_f32(g, wname, wt->rank, wshape, w, err);
  free(wname);
  free(w);
  int32_t bshape[1] = {channels};
  char bname[256];
  snprintf(bname, sizeof bname, "%s/bias", g->nodes[pn].name ? g->nodes[pn].name : "folded");
  int new_b = new_w < 0 ? -1 : nq_pass_add_const_f32(g, bname, 1, bshape, b, err);
  free(b);
  if (new_w < 0 || new_b < 0) return nq_prefix(err, "fold_batchnorm: ");

  p = &g->nodes[pn]; /* arrays may have moved: re-read */
  c = &g->nodes[cn];
  if (p->n_in <= bias_in) {
    int *in = realloc(p->in, (size_t)(bias_in + 1) * sizeof(int));
    if (!in) return nq_fail(err, NQ_ERR_NOMEM, "fold_batchnorm: out of memory");
    for (int i = p->n_in; i <= bias_in; i++) in[i] = -1;
    p->in = in;
    p->n_in = bias_in + 1;
  }
  p->in[wi] = new_w;
  p->in[bias_in] = new_b;
  p->p.act = c->p.act; /* the MUL/ADD's own fused activation moves with it */
  p->out[0] = c->out[0];
  nq_pass_remove_node(g, cn);
  *folded = true;
  return NQ_OK;
}

nq_status nq_pass_fold_batchnorm(nq_graph *g, bool *changed, nq_error *err) {
  for (int n = 0; n < g->n_nodes;) {
    bool folded;
    NQ_TRY(try_fold(g, n, &folded, err));
    if (folded)
      *changed = true; /* node n was removed: look at the node now at n */
    else
      n++;
  }
  return NQ_OK;
}
