/*
 * Division canonical forms, so no frontend has to spell them:
 *   DIV(x, c)        -> MUL(x, 1/c)       c a float32 constant, every element
 *                                         finite and non-zero (1/c finite);
 *   DIV(x, SQRT(v))  -> MUL(x, RSQRT(v))  when the SQRT has no other reader
 *                                         (the decomposed LayerNorm's
 *                                         (x - mean) / sqrt(var + eps)).
 * TFLite has no int8 DIV; MUL has one, a MUL by a constant can fold into the
 * conv before it (fold_batchnorm.c) and a MUL by 1/6 is part of hard-swish
 * (fuse_unary.c). Float results differ from the division by one rounding.
 * The node keeps its name, output and fused activation.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "passes/pass_util.h"

/* A new constant 1/c with c's shape; -1 (and no error) when some element
 * has no finite reciprocal. */
static int reciprocal_const(nq_graph *g, int c, nq_error *err) {
  const nq_tensor *ct = &g->tensors[c];
  size_t n = nq_tensor_elems(ct);
  if (n == 0 || ct->nbytes < n * sizeof(float)) return -1;
  const float *v = (const float *)ct->data;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i]) || v[i] == 0.0f || !isfinite(1.0f / v[i])) return -1;
  float *r = malloc(n * sizeof(float));
  if (!r) {
    nq_fail(err, NQ_ERR_NOMEM, "div_to_mul: out of memory");
    return -2;
  }
  for (size_t i = 0; i < n; i++) r[i] = 1.0f / v[i];
  char name[300];
  snprintf(name, sizeof name, "%.280s/reciprocal", ct->name ? ct->name : "divisor");
  int32_t shape[NQ_MAX_RANK];
  for (int d = 0; d < ct->rank; d++) shape[d] = ct->shape[d];
  int t = nq_pass_add_const_f32(g, name, ct->rank, shape, r, err);
  free(r);
  return t < 0 ? -2 : t;
}

nq_status nq_pass_div_to_mul(nq_graph *g, bool *changed, nq_error *err) {
  for (int n = 0; n < g->n_nodes; n++) {
    nq_node *node = &g->nodes[n];
    if (node->op != NQ_OP_DIV || node->n_in != 2 || node->n_out != 1 || node->in[0] < 0 || node->in[1] < 0)
      continue;
    if (g->tensors[node->out[0]].type != NQ_FLOAT32 || g->tensors[node->in[0]].type != NQ_FLOAT32) continue;
    int d = node->in[1];
    if (nq_pass_is_const_f32(g, d)) {
      int r = reciprocal_const(g, d, err);
      if (r == -2) return err->code;
      if (r < 0) continue;
      node = &g->nodes[n]; /* adding a tensor does not move nodes, but keep it obvious */
      node->in[1] = r;
      node->op = NQ_OP_MUL;
      *changed = true;
      continue;
    }
    int sn = nq_pass_producer(g, d);
    if (sn < 0 || sn > n || g->nodes[sn].op != NQ_OP_SQRT || g->nodes[sn].n_in != 1 ||
        nq_pass_is_output(g, d) || nq_pass_single_consumer(g, d) != n)
      continue;
    g->nodes[sn].op = NQ_OP_RSQRT;
    node->op = NQ_OP_MUL;
    *changed = true;
  }
  return NQ_OK;
}
