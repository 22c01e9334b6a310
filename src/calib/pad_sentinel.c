#include "calib/pad_sentinel.h"

#include <math.h>
#include <stdlib.h>

#include "core/status.h"

/* Every reader of t is a `op` node reading it as its data input, and t is
 * no model output (an output's padding or fill is visible). */
static bool only_read_by(const nq_graph *g, int t, nq_op op) {
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == t) return false;
  int readers = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in; k++) {
      if (n->in[k] != t) continue;
      if (n->op != op || k != 0) return false;
      readers++;
    }
  }
  return readers > 0;
}

static bool moves_values(nq_op op) {
  return op == NQ_OP_TRANSPOSE || op == NQ_OP_RESHAPE || op == NQ_OP_SQUEEZE || op == NQ_OP_EXPAND_DIMS;
}

/* Every path from t ends in a SOFTMAX after at most `depth` data-movement
 * ops (the NCHW -> NHWC transpose before a softmax over ONNX's last axis);
 * with `fill`, marks `value` on t and on the moved copies. */
static bool feeds_only_softmax(const nq_graph *g, int t, int depth, bool fill, float value, float *v) {
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == t) return false;
  int readers = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in; k++) {
      if (n->in[k] != t) continue;
      if (k != 0) return false;
      readers++;
      if (n->op == NQ_OP_SOFTMAX) continue;
      if (!moves_values(n->op) || depth == 0 || n->n_out != 1 || n->out[0] < 0 ||
          !feeds_only_softmax(g, n->out[0], depth - 1, fill, value, v))
        return false;
    }
  }
  if (fill && readers > 0) v[t] = value;
  return readers > 0;
}

nq_status nq_calib_ignored_values(const nq_graph *g, float **out, nq_error *err) {
  float *v = malloc(sizeof(float) * (size_t)(g->n_tensors ? g->n_tensors : 1));
  if (!v) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %d tensors", g->n_tensors);
  for (int t = 0; t < g->n_tensors; t++) v[t] = NAN;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    if (n->op != NQ_OP_PADV2 || n->n_in < 3 || n->n_out != 1 || n->in[2] < 0 || n->out[0] < 0) continue;
    const nq_tensor *pv = &g->tensors[n->in[2]];
    if (!pv->data || pv->type != NQ_FLOAT32 || pv->nbytes != sizeof(float)) continue;
    if (only_read_by(g, n->out[0], NQ_OP_MAX_POOL_2D)) v[n->out[0]] = *(const float *)pv->data;
  }
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    if (n->op != NQ_OP_SELECT_V2 || n->n_in != 3 || n->n_out != 1 || n->out[0] < 0) continue;
    for (int k = 1; k <= 2; k++) {
      const nq_tensor *c = n->in[k] >= 0 ? &g->tensors[n->in[k]] : NULL;
      if (!c || !c->data || c->type != NQ_FLOAT32 || c->nbytes != sizeof(float)) continue;
      const float f = *(const float *)c->data;
      if (fabsf(f) >= 1e4f && feeds_only_softmax(g, n->out[0], 3, false, f, v))
        (void)feeds_only_softmax(g, n->out[0], 3, true, f, v);
    }
  }
  *out = v;
  return NQ_OK;
}
