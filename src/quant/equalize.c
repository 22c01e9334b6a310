#include "quant/equalize.h"

#include <math.h>
#include <stdlib.h>

#include "core/status.h"

typedef struct layer {
  int node;
  float *w;   /* weights, row-major in the tensor's shape */
  float *b;   /* bias or NULL */
  int oc;     /* output channels */
  bool dw;    /* depthwise: weights [1, h, w, C], channel = last dim */
  int per_oc; /* weight values per output channel (conv: h*w*in) */
  int in_ch;  /* conv: input channels (last dim) */
} layer;

static bool float_const(const nq_graph *g, int t) {
  return t >= 0 && g->tensors[t].data && g->tensors[t].type == NQ_FLOAT32;
}

static bool as_layer(nq_graph *g, int i, layer *L) {
  const nq_node *n = &g->nodes[i];
  if (n->op != NQ_OP_CONV_2D && n->op != NQ_OP_DEPTHWISE_CONV_2D) return false;
  if (n->n_in < 2 || !float_const(g, n->in[1])) return false;
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

/* Weight value k (0..per_oc) of output channel c. */
static float *wout(const layer *L, int c, int k) {
  return L->dw ? &L->w[(size_t)k * (size_t)L->oc + (size_t)c]
               : &L->w[(size_t)c * (size_t)L->per_oc + (size_t)k];
}

/* Range of input channel c of B over all its weights. */
static float in_range(const layer *B, int c) {
  float r = 0;
  if (B->dw) {
    for (int k = 0; k < B->per_oc; k++) r = fmaxf(r, fabsf(*wout(B, c, k)));
  } else {
    int hw = B->per_oc / B->in_ch;
    for (int o = 0; o < B->oc; o++)
      for (int k = 0; k < hw; k++)
        r = fmaxf(r, fabsf(B->w[(size_t)o * (size_t)B->per_oc + (size_t)k * (size_t)B->in_ch + (size_t)c]));
  }
  return r;
}

static void scale_in(layer *B, int c, float s) {
  if (B->dw) {
    for (int k = 0; k < B->per_oc; k++) *wout(B, c, k) *= s;
    return; /* a depthwise bias belongs to the output channel: unchanged */
  }
  int hw = B->per_oc / B->in_ch;
  for (int o = 0; o < B->oc; o++)
    for (int k = 0; k < hw; k++)
      B->w[(size_t)o * (size_t)B->per_oc + (size_t)k * (size_t)B->in_ch + (size_t)c] *= s;
}

/* The single consumer of tensor t, or -1. Model outputs count as consumers. */
static int single_consumer(const nq_graph *g, int t) {
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

static int use_count(const nq_graph *g, int t) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++) n += g->nodes[i].in[k] == t;
  return n;
}

nq_status nq_equalize_graph(nq_graph *g, int iterations, int *n_pairs, nq_error *err) {
  (void)err;
  *n_pairs = 0;
  for (int it = 0; it < iterations; it++) {
    for (int i = 0; i < g->n_nodes; i++) {
      layer A, B;
      if (!as_layer(g, i, &A)) continue;
      const nq_node *na = &g->nodes[i];
      if (na->p.act != NQ_ACT_NONE && na->p.act != NQ_ACT_RELU) continue;
      int j = single_consumer(g, na->out[0]);
      if (j < 0 || !as_layer(g, j, &B) || B.in_ch != A.oc) continue;
      /* Constants shared with other nodes would change them too. */
      const nq_node *nb = &g->nodes[j];
      if (use_count(g, na->in[1]) != 1 || use_count(g, nb->in[1]) != 1) continue;
      if (A.b && use_count(g, na->in[2]) != 1) continue;
      for (int c = 0; c < A.oc; c++) {
        float r1 = 0;
        for (int k = 0; k < A.per_oc; k++) r1 = fmaxf(r1, fabsf(*wout(&A, c, k)));
        float r2 = in_range(&B, c);
        if (!(r1 > 0) || !(r2 > 0)) continue;
        float s = sqrtf(r1 / r2);
        if (!(s > 1e-8f && s < 1e8f)) continue;
        for (int k = 0; k < A.per_oc; k++) *wout(&A, c, k) /= s;
        if (A.b) A.b[c] /= s;
        scale_in(&B, c, s);
      }
      if (it == 0) (*n_pairs)++;
    }
  }
  return NQ_OK;
}
