/*
 * A channel shuffle becomes one GATHER on the channel axis. An NCHW net
 * (ShuffleNet's reshape [N, C, H, W] -> [N, g, C/g, H, W], transpose
 * (0, 2, 1, 3, 4), reshape back) arrives from the ONNX frontend in NHWC as
 *   RESHAPE [N, H, W, C] -> [N, H, W, g, C/g]
 *   TRANSPOSE (0, 1, 2, 4, 3)
 *   RESHAPE back to [N, H, W, C]
 * and a TF/Keras NHWC net writes the same three ops. Whenever the first
 * reshape only splits the last axis, the transpose only permutes the split
 * pieces and the last reshape restores x's shape, the three ops are a
 * permutation of x's channels: out[..., j] = x[..., idx[j]]. It becomes
 * GATHER(x, idx, axis = last): one op and no TRANSPOSE, which NPUs run
 * slowly or not at all. fold_channel_gather.c then moves the GATHER into the
 * slices and convolutions that read it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "passes/pass_util.h"

/* The single node reading t, or -1 (also when t is a model output). */
static int only_reader(const nq_graph *g, int t, int after) {
  if (t < 0 || nq_pass_is_output(g, t)) return -1;
  int r = nq_pass_single_consumer(g, t);
  return r > after ? r : -1;
}

static bool known_shape(const nq_tensor *t) {
  if (t->rank < 1) return false;
  for (int i = 0; i < t->rank; i++)
    if (t->shape[i] <= 0) return false;
  return true;
}

/* x -> m (RESHAPE) splits only x's last axis: the leading rank(x) - 1 dims are
 * kept and the trailing dims of m multiply to x's channel count. */
static bool splits_last_axis(const nq_tensor *x, const nq_tensor *m) {
  int k = x->rank - 1;
  if (!known_shape(x) || !known_shape(m) || m->rank <= k) return false;
  int64_t prod = 1;
  for (int i = 0; i < m->rank; i++) {
    if (i < k && m->shape[i] != x->shape[i]) return false;
    if (i >= k) prod *= m->shape[i];
  }
  return prod == x->shape[k];
}

/* The channel index x holds for each output channel of RESHAPE(TRANSPOSE(
 * RESHAPE(x, m), perm), x.shape); perm must fix the first k axes. */
static bool channel_map(const nq_tensor *m, const int64_t *perm, int k, int32_t *idx, int channels) {
  int r = m->rank;
  for (int i = 0; i < k; i++)
    if (perm[i] != i) return false;
  int64_t tdims[NQ_MAX_RANK];
  for (int i = 0; i < r; i++) tdims[i] = m->shape[perm[i]];
  for (int j = 0; j < channels; j++) {
    int64_t coord[NQ_MAX_RANK] = {0}, rest = j;
    for (int i = r - 1; i >= k; i--) { /* j in the transposed tensor's trailing dims */
      coord[perm[i]] = rest % tdims[i];
      rest /= tdims[i];
    }
    int64_t src = 0;
    for (int i = k; i < r; i++) src = src * m->shape[i] + coord[i];
    idx[j] = (int32_t)src;
  }
  return true;
}

static nq_status try_lower(nq_graph *g, int n, bool *changed, nq_error *err) {
  const nq_node *r1 = &g->nodes[n];
  if (r1->op != NQ_OP_RESHAPE || r1->n_in < 1 || r1->n_out != 1 || r1->in[0] < 0) return NQ_OK;
  int x = r1->in[0], m1 = r1->out[0];
  const nq_tensor *xt = &g->tensors[x];
  if (xt->type != NQ_FLOAT32 || xt->data || !splits_last_axis(xt, &g->tensors[m1])) return NQ_OK;
  int tn = only_reader(g, m1, n);
  if (tn < 0 || g->nodes[tn].op != NQ_OP_TRANSPOSE || g->nodes[tn].n_in != 2 || g->nodes[tn].in[0] != m1)
    return NQ_OK;
  int rank = g->tensors[m1].rank;
  int64_t perm[NQ_MAX_RANK];
  if (!nq_pass_const_ints(g, g->nodes[tn].in[1], rank, perm)) return NQ_OK;
  int m2 = g->nodes[tn].out[0];
  int rn = only_reader(g, m2, tn);
  if (rn < 0 || g->nodes[rn].op != NQ_OP_RESHAPE || g->nodes[rn].in[0] != m2 || g->nodes[rn].n_out != 1)
    return NQ_OK;
  int y = g->nodes[rn].out[0];
  const nq_tensor *yt = &g->tensors[y];
  if (yt->rank != xt->rank) return NQ_OK;
  for (int i = 0; i < xt->rank; i++)
    if (yt->shape[i] != xt->shape[i]) return NQ_OK;
  int channels = xt->shape[xt->rank - 1], axis = xt->rank - 1; /* xt dangles once a tensor is added */
  int32_t *idx = malloc((size_t)channels * sizeof *idx);
  if (!idx) return nq_fail(err, NQ_ERR_NOMEM, "channel shuffle: out of memory");
  if (!channel_map(&g->tensors[m1], perm, xt->rank - 1, idx, channels)) {
    free(idx);
    return NQ_OK;
  }
  char name[300];
  snprintf(name, sizeof name, "%.270s/channel_order", g->nodes[rn].name ? g->nodes[rn].name : "shuffle");
  int32_t shape[1] = {channels};
  int it = nq_graph_add_tensor(g, name, NQ_INT32, 1, shape, err);
  nq_status s = it < 0 ? err->code : nq_tensor_copy_data(g, it, idx, (size_t)channels * sizeof *idx, err);
  free(idx);
  NQ_TRY(s);
  nq_node *last = &g->nodes[rn];
  int *in = realloc(last->in, 2 * sizeof *in);
  if (!in) return nq_fail(err, NQ_ERR_NOMEM, "channel shuffle: out of memory");
  in[0] = x;
  in[1] = it;
  last->in = in;
  last->n_in = 2;
  last->op = NQ_OP_GATHER;
  last->version = 0;
  last->p = nq_op_params_default();
  last->p.axis = axis;
  nq_pass_edited(g); /* the reshape and transpose are unread now: dead_code drops them */
  *changed = true;
  return NQ_OK;
}

nq_status nq_pass_channel_shuffle(nq_graph *g, bool *changed, nq_error *err) {
  for (int n = 0; n < g->n_nodes; n++) NQ_TRY(try_lower(g, n, changed, err));
  return NQ_OK;
}
