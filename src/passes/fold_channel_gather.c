/*
 * Move a GATHER on the channel (last) axis with constant indices into the
 * nodes that read it, so a channel permutation (channel_shuffle.c) costs
 * nothing where its reader can absorb it:
 *   - a CONV_2D or FULLY_CONNECTED with constant float weights whose input
 *     channel count equals the gathered tensor's: it reads x directly with
 *     w'[o, .., c] = sum of w[o, .., k] over the k with idx[k] == c (a
 *     permutation of the weights' input channels; no extra arithmetic);
 *   - a STRIDED_SLICE or SLICE that cuts only the channel axis (ShuffleNet's
 *     channel split after each shuffle): it becomes GATHER(x, the slice of
 *     idx), one copy instead of two;
 *   - another such GATHER: GATHER(GATHER(x, a), b) = GATHER(x, a[b]);
 *   - when idx is a permutation, a channel-wise reader (PAD/PADV2 that pads
 *     no channels, a depthwise conv with multiplier 1 and constant weights,
 *     a max or average pool, an activation such as RELU) runs on x with its per-channel constants
 *     permuted the other way and the GATHER moves after it, to the conv the
 *     next round folds it into (ShuffleNet's downsampling blocks: shuffle,
 *     PAD, depthwise conv, 1x1 conv).
 * The original GATHER is dropped by dead_code once nothing reads it. Each
 * reader is rewritten on its own, so a GATHER read by a conv and a PAD folds
 * into the conv and stays for the PAD. Indices are bounds-checked first: a
 * hostile index is left for the kernel to reject with its message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/strided_slice.h"
#include "passes/pass_util.h"

/* G is a last-axis GATHER of an activation by n in-range constant indices:
 * x, the index values (caller frees) and their count. */
static bool channel_gather(const nq_graph *g, const nq_node *G, int *x, int64_t **idx, int *n) {
  if (G->op != NQ_OP_GATHER || G->n_in != 2 || G->n_out != 1 || G->in[0] < 0 || G->in[1] < 0) return false;
  const nq_tensor *xt = &g->tensors[G->in[0]], *it = &g->tensors[G->in[1]];
  if (xt->data || xt->rank < 1 || it->rank != 1 || it->shape[0] <= 0) return false;
  int axis = G->p.axis < 0 ? G->p.axis + xt->rank : G->p.axis;
  int channels = xt->shape[xt->rank - 1];
  if (axis != xt->rank - 1 || channels <= 0) return false;
  int64_t *v = malloc((size_t)it->shape[0] * sizeof *v);
  if (!v) return false;
  if (!nq_pass_const_ints(g, G->in[1], it->shape[0], v)) {
    free(v);
    return false;
  }
  for (int i = 0; i < it->shape[0]; i++)
    if (v[i] < 0 || v[i] >= channels) {
      free(v);
      return false;
    }
  *x = G->in[0];
  *idx = v;
  *n = it->shape[0];
  return true;
}

/* The channel indices a slice reader of y (rank r, n channels) keeps, when
 * it keeps every other dim whole and the rank; *m their count. */
static bool slice_channels(const nq_graph *g, const nq_node *s, int y, int64_t *out, int *m) {
  const nq_tensor *yt = &g->tensors[y];
  int r = yt->rank;
  int64_t b[NQ_MAX_RANK], e[NQ_MAX_RANK], st[NQ_MAX_RANK];
  nq_slice_plan plan;
  if (s->op == NQ_OP_STRIDED_SLICE) {
    if (s->n_in != 4 || s->p.ellipsis_mask || s->p.new_axis_mask || s->p.shrink_axis_mask || s->p.offset)
      return false;
    if (!nq_pass_const_ints(g, s->in[1], r, b) || !nq_pass_const_ints(g, s->in[2], r, e) ||
        !nq_pass_const_ints(g, s->in[3], r, st))
      return false;
    char why[128];
    if (!nq_strided_slice_plan(yt->shape, r, b, e, st, r, &s->p, &plan, why, sizeof why)) return false;
  } else if (s->op == NQ_OP_SLICE) {
    if (s->n_in != 3 || !nq_pass_const_ints(g, s->in[1], r, b) || !nq_pass_const_ints(g, s->in[2], r, e))
      return false;
    for (int d = 0; d < r; d++) {
      int64_t size = e[d] < 0 ? yt->shape[d] - b[d] : e[d];
      if (b[d] < 0 || size < 0 || b[d] + size > yt->shape[d]) return false;
      plan.begin[d] = b[d];
      plan.stride[d] = 1;
      plan.count[d] = size;
    }
  } else {
    return false;
  }
  for (int d = 0; d < r - 1; d++)
    if (plan.begin[d] != 0 || plan.stride[d] != 1 || plan.count[d] != yt->shape[d]) return false;
  if (plan.count[r - 1] <= 0) return false;
  for (int64_t i = 0; i < plan.count[r - 1]; i++) {
    int64_t c = plan.begin[r - 1] + i * plan.stride[r - 1];
    if (c < 0 || c >= yt->shape[r - 1]) return false;
    out[i] = c;
  }
  *m = (int)plan.count[r - 1];
  return true;
}

static int add_indices(nq_graph *g, const char *base, const int64_t *v, int n, nq_error *err) {
  int32_t *w = malloc((size_t)n * sizeof *w);
  if (!w) {
    nq_fail(err, NQ_ERR_NOMEM, "channel gather: out of memory");
    return -1;
  }
  for (int i = 0; i < n; i++) w[i] = (int32_t)v[i];
  char name[300];
  snprintf(name, sizeof name, "%.270s/channel_order", base ? base : "gather");
  int32_t shape[1] = {n};
  int t = nq_graph_add_tensor(g, name, NQ_INT32, 1, shape, err);
  nq_status s = t < 0 ? err->code : nq_tensor_copy_data(g, t, w, (size_t)n * sizeof *w, err);
  free(w);
  return s == NQ_OK ? t : -1;
}

/* Reader node rn becomes GATHER(x, v[0..n)) on the last axis. */
static nq_status become_gather(nq_graph *g, int rn, int x, const int64_t *v, int n, nq_error *err) {
  int t = add_indices(g, g->nodes[rn].name, v, n, err);
  if (t < 0) return err->code;
  nq_node *r = &g->nodes[rn]; /* the array may have moved: no pointer kept across the add */
  r->in[0] = x;               /* every slice or gather reader has at least two inputs */
  r->in[1] = t;
  r->n_in = 2;
  r->op = NQ_OP_GATHER;
  r->version = 0;
  r->p = nq_op_params_default();
  r->p.axis = g->tensors[x].rank - 1;
  nq_pass_edited(g);
  return NQ_OK;
}

/* A conv/FC reader with constant weights over exactly the gathered channels,
 * all of x's: reads x with its weights' input channels permuted. */
static nq_status fold_into_weights(nq_graph *g, int rn, int x, const int64_t *v, int n, bool *done,
                                   nq_error *err) {
  *done = false;
  const nq_node *r = &g->nodes[rn];
  if ((r->op != NQ_OP_CONV_2D && r->op != NQ_OP_FULLY_CONNECTED) || r->n_in < 2 ||
      !nq_pass_is_const_f32(g, r->in[1]))
    return NQ_OK;
  const nq_tensor *w = &g->tensors[r->in[1]];
  int channels = g->tensors[x].shape[g->tensors[x].rank - 1];
  if (w->rank < 2 || w->shape[w->rank - 1] != n || n != channels) return NQ_OK;
  size_t total = nq_tensor_elems(w), rows = total / (size_t)n;
  float *nw = calloc(total, sizeof *nw);
  if (!nw) return nq_fail(err, NQ_ERR_NOMEM, "channel gather: out of memory");
  const float *ow = (const float *)w->data;
  for (size_t o = 0; o < rows; o++)
    for (int k = 0; k < n; k++) nw[o * (size_t)n + (size_t)v[k]] += ow[o * (size_t)n + (size_t)k];
  char name[300];
  snprintf(name, sizeof name, "%.270s/in_permuted", w->name ? w->name : "weights");
  int32_t shape[NQ_MAX_RANK];
  memcpy(shape, w->shape, sizeof shape);
  int t = nq_pass_add_const_f32(g, name, w->rank, shape, nw, err);
  free(nw);
  if (t < 0) return err->code;
  g->nodes[rn].in[0] = x;
  g->nodes[rn].in[1] = t;
  nq_pass_edited(g);
  *done = true;
  return NQ_OK;
}

/* v is a permutation of 0..n-1. */
static bool is_permutation(const int64_t *v, int n) {
  bool *seen = calloc((size_t)n, sizeof *seen);
  bool ok = seen != NULL;
  for (int i = 0; ok && i < n; i++) {
    ok = !seen[v[i]];
    seen[v[i]] = true;
  }
  free(seen);
  return ok;
}

/* A reader that treats every channel alike and on its own, with the input
 * index of its per-channel constant (-1: none) and that of its bias. */
static bool channelwise(const nq_graph *g, const nq_node *r, int n, int *w_in, int *b_in) {
  *w_in = *b_in = -1;
  if (r->n_out != 1) return false;
  switch (r->op) {
    case NQ_OP_MAX_POOL_2D:
    case NQ_OP_AVERAGE_POOL_2D:
    case NQ_OP_RELU:
    case NQ_OP_RELU6:
    case NQ_OP_RELU_N1_TO_1:
    case NQ_OP_LEAKY_RELU:
    case NQ_OP_ELU:
    case NQ_OP_LOGISTIC:
    case NQ_OP_TANH:
    case NQ_OP_HARD_SWISH:
    case NQ_OP_GELU:
      return r->n_in == 1;
    case NQ_OP_PAD:
    case NQ_OP_PADV2: {
      int rank = g->tensors[r->in[0]].rank;
      int64_t pads[2 * NQ_MAX_RANK];
      if (r->n_in < 2 || rank < 1 || !nq_pass_const_ints(g, r->in[1], 2 * rank, pads)) return false;
      if (r->n_in > 2 && (r->in[2] < 0 || nq_tensor_elems(&g->tensors[r->in[2]]) != 1)) return false;
      return pads[2 * rank - 2] == 0 && pads[2 * rank - 1] == 0;
    }
    case NQ_OP_DEPTHWISE_CONV_2D: {
      if (r->n_in < 2 || r->p.depth_multiplier != 1 || !nq_pass_is_const_f32(g, r->in[1])) return false;
      const nq_tensor *w = &g->tensors[r->in[1]];
      if (w->rank != 4 || w->shape[3] != n) return false;
      if (r->n_in > 2 && r->in[2] >= 0) {
        if (!nq_pass_is_const_f32(g, r->in[2]) || nq_tensor_elems(&g->tensors[r->in[2]]) != (size_t)n)
          return false;
        *b_in = 2;
      }
      *w_in = 1;
      return true;
    }
    default:
      return false;
  }
}

/* A copy of constant t (last dim n) with c'[..., v[k]] = c[..., k]. */
static int permuted_const(nq_graph *g, int t, const int64_t *v, int n, nq_error *err) {
  const nq_tensor *c = &g->tensors[t];
  size_t total = nq_tensor_elems(c), rows = total / (size_t)n;
  float *nc = malloc(total * sizeof *nc);
  if (!nc) {
    nq_fail(err, NQ_ERR_NOMEM, "channel gather: out of memory");
    return -1;
  }
  const float *oc = (const float *)c->data;
  for (size_t o = 0; o < rows; o++)
    for (int k = 0; k < n; k++) nc[o * (size_t)n + (size_t)v[k]] = oc[o * (size_t)n + (size_t)k];
  char name[300];
  snprintf(name, sizeof name, "%.270s/permuted", c->name ? c->name : "const");
  int32_t shape[NQ_MAX_RANK];
  memcpy(shape, c->shape, sizeof shape);
  int nt = nq_pass_add_const_f32(g, name, c->rank, shape, nc, err);
  free(nc);
  return nt;
}

/* Channel-wise reader rn of GATHER(x, v) (v a permutation) runs on x and a
 * new GATHER(z', v) after it gives its old output z. */
static nq_status sink_past(nq_graph *g, int rn, int x, const int64_t *v, int n, bool *done, nq_error *err) {
  *done = false;
  int w_in, b_in;
  if (!channelwise(g, &g->nodes[rn], n, &w_in, &b_in)) return NQ_OK;
  int z = g->nodes[rn].out[0];
  if (g->tensors[z].rank != g->tensors[x].rank || g->tensors[z].shape[g->tensors[z].rank - 1] != n)
    return NQ_OK;
  int nw = -1, nb = -1;
  if (w_in >= 0 && (nw = permuted_const(g, g->nodes[rn].in[w_in], v, n, err)) < 0) return err->code;
  if (b_in >= 0 && (nb = permuted_const(g, g->nodes[rn].in[b_in], v, n, err)) < 0) return err->code;
  char name[300];
  const nq_tensor *zt = &g->tensors[z];
  snprintf(name, sizeof name, "%.270s/channels_of_input", zt->name ? zt->name : "sunk");
  int32_t shape[NQ_MAX_RANK];
  memcpy(shape, zt->shape, sizeof shape);
  int zp = nq_graph_add_tensor(g, name, NQ_FLOAT32, zt->rank, shape, err);
  int vt = zp < 0 ? -1 : add_indices(g, name, v, n, err);
  if (vt < 0) return err->code;
  nq_op_params p = nq_op_params_default();
  p.axis = g->tensors[z].rank - 1;
  int in[2] = {zp, vt};
  int gn = nq_graph_add_node(g, NQ_OP_GATHER, name, 2, in, 1, &z, &p, err);
  if (gn < 0) return err->code;
  nq_node moved = g->nodes[gn]; /* into place right after rn: execution order */
  memmove(&g->nodes[rn + 2], &g->nodes[rn + 1], (size_t)(gn - rn - 1) * sizeof moved);
  g->nodes[rn + 1] = moved;
  nq_node *r = &g->nodes[rn];
  r->in[0] = x;
  r->out[0] = zp;
  if (nw >= 0) r->in[w_in] = nw;
  if (nb >= 0) r->in[b_in] = nb;
  nq_pass_edited(g);
  *done = true;
  return NQ_OK;
}

static nq_status fold_readers(nq_graph *g, int gn, bool *changed, nq_error *err) {
  int x, n;
  int64_t *idx;
  if (!channel_gather(g, &g->nodes[gn], &x, &idx, &n)) return NQ_OK;
  int y = g->nodes[gn].out[0];
  const nq_tensor *yt = &g->tensors[y];
  if (yt->rank != g->tensors[x].rank || yt->shape[yt->rank - 1] != n) {
    free(idx);
    return NQ_OK;
  }
  int64_t *sel = malloc((size_t)n * sizeof *sel), *comp = malloc((size_t)n * sizeof *comp);
  nq_status s = sel && comp ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "channel gather: out of memory");
  for (int rn = gn + 1; s == NQ_OK && rn < g->n_nodes; rn++) {
    if (g->nodes[rn].n_in < 1 || g->nodes[rn].in[0] != y) continue;
    int m = 0, x2, m2;
    int64_t *inner;
    bool done = false;
    if (slice_channels(g, &g->nodes[rn], y, sel, &m)) {
      for (int i = 0; i < m; i++) comp[i] = idx[sel[i]];
      s = become_gather(g, rn, x, comp, m, err);
      done = true;
    } else if (channel_gather(g, &g->nodes[rn], &x2, &inner, &m2)) {
      for (int i = 0; i < m2; i++) inner[i] = idx[inner[i]]; /* inner indices are < n: checked */
      s = become_gather(g, rn, x, inner, m2, err);
      done = true;
      free(inner);
    } else {
      s = fold_into_weights(g, rn, x, idx, n, &done, err);
      if (s == NQ_OK && !done && n == g->tensors[x].shape[g->tensors[x].rank - 1] && is_permutation(idx, n))
        s = sink_past(g, rn, x, idx, n, &done, err);
    }
    if (done) *changed = true;
  }
  free(sel);
  free(comp);
  free(idx);
  return s;
}

nq_status nq_pass_fold_channel_gather(nq_graph *g, bool *changed, nq_error *err) {
  for (int n = 0; n < g->n_nodes; n++) NQ_TRY(fold_readers(g, n, changed, err));
  return NQ_OK;
}
