#include "quant/prepare_16x8.h"

#include <stdio.h>
#include <stdlib.h>

#include "quant/op_rules.h"

static int add_scalar(nq_graph *g, const char *base, const char *suffix, float v, nq_error *err) {
  char name[320];
  snprintf(name, sizeof name, "%.290s%s", base, suffix);
  const int32_t one = 1;
  int t = nq_graph_add_tensor(g, name, NQ_FLOAT32, 1, &one, err);
  if (t < 0 || nq_tensor_copy_data(g, t, &v, sizeof v, err) != NQ_OK) return -1;
  return t;
}

static int add_like(nq_graph *g, const char *base, const char *suffix, int like, nq_error *err) {
  char name[320];
  snprintf(name, sizeof name, "%.290s%s", base, suffix);
  const nq_tensor *t = &g->tensors[like];
  int32_t shape[NQ_MAX_RANK];
  for (int k = 0; k < t->rank; k++) shape[k] = t->shape[k];
  return nq_graph_add_tensor(g, name, NQ_FLOAT32, t->rank, shape, err);
}

/* Node i (a HARD_SWISH) becomes the ADD; the two MULs follow it. */
static nq_status rewrite(nq_graph *g, int i, nq_error *err) {
  const int x = g->nodes[i].in[0], y = g->nodes[i].out[0];
  const char *base = g->nodes[i].name     ? g->nodes[i].name
                     : g->tensors[y].name ? g->tensors[y].name
                                          : "hard_swish";
  char name[320];
  snprintf(name, sizeof name, "%.300s", base);
  int three = add_scalar(g, name, "_three", 3.0f, err),
      sixth = add_scalar(g, name, "_sixth", 1.0f / 6.0f, err);
  int t = add_like(g, name, "_plus3", y, err), m = add_like(g, name, "_times", y, err);
  if (three < 0 || sixth < 0 || t < 0 || m < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  int mul_in[2] = {x, t}, scale_in[2] = {m, sixth};
  char nm[340];
  snprintf(nm, sizeof nm, "%.300s_times", name);
  int a = nq_graph_add_node(g, NQ_OP_MUL, nm, 2, mul_in, 1, &m, &p, err);
  snprintf(nm, sizeof nm, "%.300s_sixth", name);
  int b = a < 0 ? -1 : nq_graph_add_node(g, NQ_OP_MUL, nm, 2, scale_in, 1, &y, &p, err);
  if (b < 0) return err->code;
  nq_node *n = &g->nodes[i];
  int *in = realloc(n->in, 2 * sizeof *in);
  if (!in) return nq_fail(err, NQ_ERR_NOMEM, "out of memory rewriting HARD_SWISH node %d", i);
  n->in = in;
  n->n_in = 2;
  n->op = NQ_OP_ADD;
  in[0] = x;
  in[1] = three;
  n->out[0] = t;
  n->p = nq_op_params_default();
  n->p.act = NQ_ACT_RELU6;
  nq_graph_move_node(g, a, i + 1);
  nq_graph_move_node(g, b, i + 2);
  return NQ_OK;
}

nq_status nq_hard_swish_to_16x8_ops(nq_graph *g, int *n, nq_error *err) {
  *n = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *nd = &g->nodes[i];
    if (nd->op != NQ_OP_HARD_SWISH || nd->n_in < 1 || nd->n_out != 1 || nd->in[0] < 0) continue;
    const nq_tensor *x = &g->tensors[nd->in[0]];
    if (x->type != NQ_FLOAT32 || x->data) continue;
    NQ_TRY(rewrite(g, i, err));
    ++*n;
    i += 2;
  }
  return NQ_OK;
}

/* Output channels of weighted node n (from its weights' channel axis). */
static int out_channels(const nq_graph *g, const nq_node *n, const nq_qrule *r) {
  const int wt = n->in[r->weight_slot];
  if (wt < 0) return 0;
  const nq_tensor *w = &g->tensors[wt];
  /* DEPTHWISE's channels are its weights' last axis, the others' the first */
  int axis = n->op == NQ_OP_DEPTHWISE_CONV_2D ? w->rank - 1 : 0;
  return axis >= 0 && axis < w->rank ? w->shape[axis] : 0;
}

nq_status nq_add_zero_biases(nq_graph *g, int *n, nq_error *err) {
  *n = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    nq_node *nd = &g->nodes[i];
    const nq_qrule *r = nq_quant_rule(nd->op);
    if (r->kind != NQ_Q_WEIGHTED || r->weight_slot >= nd->n_in) continue;
    if (r->bias_slot < nd->n_in && nd->in[r->bias_slot] >= 0) continue;
    const int c = out_channels(g, nd, r);
    if (c <= 0) continue;
    char name[320];
    const char *base = nd->name                      ? nd->name
                       : g->tensors[nd->out[0]].name ? g->tensors[nd->out[0]].name
                                                     : "layer";
    snprintf(name, sizeof name, "%.290s_zero_bias", base);
    const int32_t shape = c;
    float *zeros = calloc((size_t)c, sizeof(float));
    if (!zeros) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for a zero bias of %d channels", c);
    int t = nq_graph_add_tensor(g, name, NQ_FLOAT32, 1, &shape, err);
    nq_status st = t < 0 ? err->code : nq_tensor_copy_data(g, t, zeros, sizeof(float) * (size_t)c, err);
    free(zeros);
    if (st != NQ_OK) return st;
    nd = &g->nodes[i];
    if (r->bias_slot >= nd->n_in) {
      int *in = realloc(nd->in, sizeof *in * (size_t)(r->bias_slot + 1));
      if (!in) return nq_fail(err, NQ_ERR_NOMEM, "out of memory adding a bias to node %d", i);
      for (int k = nd->n_in; k < r->bias_slot; k++) in[k] = -1;
      nd->in = in;
      nd->n_in = r->bias_slot + 1;
    }
    nd->in[r->bias_slot] = t;
    ++*n;
  }
  return NQ_OK;
}
