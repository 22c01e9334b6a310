#include "quant/equalize_layer.h"

#include <math.h>

static bool float_const(const nq_graph *g, int t) {
  return t >= 0 && g->tensors[t].data && g->tensors[t].type == NQ_FLOAT32;
}

bool nq_eq_as_layer(nq_graph *g, int i, nq_eq_layer *L) {
  const nq_node *n = &g->nodes[i];
  if (n->op != NQ_OP_CONV_2D && n->op != NQ_OP_DEPTHWISE_CONV_2D) return false;
  if (n->n_in < 2 || n->n_out < 1 || !float_const(g, n->in[1])) return false;
  nq_tensor *w = &g->tensors[n->in[1]];
  if (w->rank != 4) return false;
  L->node = i;
  L->w = (float *)w->data;
  L->b = n->n_in > 2 && float_const(g, n->in[2]) ? (float *)g->tensors[n->in[2]].data : NULL;
  L->dw = n->op == NQ_OP_DEPTHWISE_CONV_2D;
  if (L->dw) {
    if (n->p.depth_multiplier != 1) return false;
    L->oc = w->shape[3];
    L->per_oc = w->shape[1] * w->shape[2];
    L->in_ch = w->shape[3];
  } else {
    L->oc = w->shape[0];
    L->per_oc = w->shape[1] * w->shape[2] * w->shape[3];
    L->in_ch = w->shape[3];
  }
  if (L->b && (int)nq_tensor_elems(&g->tensors[n->in[2]]) != L->oc) return false;
  return true;
}

float *nq_eq_wout(const nq_eq_layer *L, int c, int k) {
  return L->dw ? &L->w[(size_t)k * (size_t)L->oc + (size_t)c]
               : &L->w[(size_t)c * (size_t)L->per_oc + (size_t)k];
}

/* Weight k (0..h*w) of input channel c in output channel o of a conv. */
static float *win(const nq_eq_layer *B, int o, int k, int c) {
  return &B->w[(size_t)o * (size_t)B->per_oc + (size_t)k * (size_t)B->in_ch + (size_t)c];
}

float nq_eq_out_range(const nq_eq_layer *A, int c) {
  float r = 0;
  for (int k = 0; k < A->per_oc; k++) r = fmaxf(r, fabsf(*nq_eq_wout(A, c, k)));
  return r;
}

float nq_eq_in_range(const nq_eq_layer *B, int c) {
  if (B->dw) return nq_eq_out_range(B, c);
  float r = 0;
  int hw = B->per_oc / B->in_ch;
  for (int o = 0; o < B->oc; o++)
    for (int k = 0; k < hw; k++) r = fmaxf(r, fabsf(*win(B, o, k, c)));
  return r;
}

void nq_eq_scale_out(nq_eq_layer *A, int c, float s) {
  for (int k = 0; k < A->per_oc; k++) *nq_eq_wout(A, c, k) *= s;
  if (A->b) A->b[c] *= s;
}

void nq_eq_scale_in(nq_eq_layer *B, int c, float s) {
  if (B->dw) {
    for (int k = 0; k < B->per_oc; k++) *nq_eq_wout(B, c, k) *= s;
    return; /* a depthwise bias belongs to the output channel: unchanged */
  }
  int hw = B->per_oc / B->in_ch;
  for (int o = 0; o < B->oc; o++)
    for (int k = 0; k < hw; k++) *win(B, o, k, c) *= s;
}

int nq_eq_use_count(const nq_graph *g, int t) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++) n += g->nodes[i].in[k] == t;
  return n;
}

int nq_eq_single_consumer(const nq_graph *g, int t) {
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == t) return -1;
  int who = -1;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++)
      if (g->nodes[i].in[k] == t) {
        if (who >= 0 && who != i) return -1;
        if (k != 0) return -1; /* used as weights or bias: leave it */
        who = i;
      }
  return who;
}

bool nq_eq_constants_private(const nq_graph *g, const nq_eq_layer *A, const nq_eq_layer *B) {
  const nq_node *na = &g->nodes[A->node], *nb = &g->nodes[B->node];
  if (nq_eq_use_count(g, na->in[1]) != 1 || nq_eq_use_count(g, nb->in[1]) != 1) return false;
  if (A->b && nq_eq_use_count(g, na->in[2]) != 1) return false;
  return true;
}
