#include "quant/input_moments.h"

#include <stdlib.h>
#include <string.h>

#include "calib/feed.h"
#include "core/status.h"
#include "exec/engine.h"
#include "exec/float/ref.h"

static bool float_const(const nq_graph *g, int t) {
  return t >= 0 && g->tensors[t].data && g->tensors[t].type == NQ_FLOAT32;
}

/* Values per weight row, or 0 when node i is not such a layer. */
static int patch_size(const nq_graph *g, int i, int *n_mat) {
  const nq_node *n = &g->nodes[i];
  if (n->n_in < 2 || n->n_out < 1 || !float_const(g, n->in[1])) return 0;
  const nq_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
  if (x->type != NQ_FLOAT32 || x->data) return 0;
  for (int d = 0; d < x->rank; d++)
    if (x->shape[d] <= 0) return 0;
  *n_mat = 1;
  long long k = 0;
  if (n->op == NQ_OP_CONV_2D) {
    if (w->rank != 4 || x->rank != 4 || y->rank != 4 || w->shape[3] != x->shape[3]) return 0;
    k = (long long)w->shape[1] * w->shape[2] * w->shape[3];
  } else if (n->op == NQ_OP_DEPTHWISE_CONV_2D) {
    if (w->rank != 4 || x->rank != 4 || y->rank != 4 || n->p.depth_multiplier != 1 ||
        w->shape[3] != x->shape[3])
      return 0;
    k = (long long)w->shape[1] * w->shape[2];
    *n_mat = w->shape[3];
  } else if (n->op == NQ_OP_FULLY_CONNECTED) {
    if (w->rank != 2 || x->rank < 1 || x->shape[x->rank - 1] != w->shape[1]) return 0;
    k = w->shape[1];
  } else {
    return 0;
  }
  for (int d = 0; d < y->rank; d++)
    if (y->shape[d] <= 0) return 0;
  return k > 0 && k <= NQ_MOMENTS_MAX_K ? (int)k : 0;
}

bool nq_moments_layer(const nq_graph *g, int i) {
  int n_mat;
  return i >= 0 && i < g->n_nodes && patch_size(g, i, &n_mat) > 0;
}

/* m += p p^T (upper triangle; zeros, frequent after a ReLU, skipped). */
static void add_outer(double *m, const float *p, int k) {
  for (int a = 0; a < k; a++) {
    double pa = p[a];
    if (pa == 0) continue;
    double *row = m + (size_t)a * (size_t)k;
    for (int b = a; b < k; b++) row[b] += pa * (double)p[b];
  }
}

/* Output positions of a layer per sample and the step between the ones used. */
static void positions(const nq_graph *g, int i, int k, int max_positions, long long *n, long long *step) {
  const nq_node *nd = &g->nodes[i];
  const nq_tensor *x = &g->tensors[nd->in[0]], *y = &g->tensors[nd->out[0]];
  *n = nd->op == NQ_OP_FULLY_CONNECTED ? (long long)(nq_tensor_elems(x) / (size_t)k)
                                       : (long long)y->shape[0] * y->shape[1] * y->shape[2];
  *step = *n > max_positions ? (*n + max_positions - 1) / max_positions : 1;
}

/* The input patch of output position pos: patch[(ky * KW + kx) * C + c],
 * zero where the window leaves the input (the row for FULLY_CONNECTED). */
static void gather(const nq_graph *g, int i, const float *in, long long pos, int k, float *patch) {
  const nq_node *n = &g->nodes[i];
  if (n->op == NQ_OP_FULLY_CONNECTED) {
    memcpy(patch, in + (size_t)pos * (size_t)k, sizeof(float) * (size_t)k);
    return;
  }
  const nq_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
  int H = x->shape[1], W = x->shape[2], C = x->shape[3];
  int KH = w->shape[1], KW = w->shape[2];
  int OH = y->shape[1], OW = y->shape[2];
  const nq_op_params *p = &n->p;
  int pad_t = nq_ref_pad_before(p->stride_h, p->dilation_h, H, KH, OH, NULL);
  int pad_l = nq_ref_pad_before(p->stride_w, p->dilation_w, W, KW, OW, NULL);
  int b = (int)(pos / ((long long)OH * OW)), oy = (int)(pos / OW % OH), ox = (int)(pos % OW);
  for (int ky = 0; ky < KH; ky++) {
    int iy = oy * p->stride_h - pad_t + ky * p->dilation_h;
    for (int kx = 0; kx < KW; kx++) {
      int ix = ox * p->stride_w - pad_l + kx * p->dilation_w;
      float *dst = patch + ((size_t)ky * (size_t)KW + (size_t)kx) * (size_t)C;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W)
        memset(dst, 0, sizeof(float) * (size_t)C);
      else
        memcpy(dst, in + (((size_t)b * (size_t)H + (size_t)iy) * (size_t)W + (size_t)ix) * (size_t)C,
               sizeof(float) * (size_t)C);
    }
  }
}

/* m += p' p^T (all of it: not symmetric). */
static void add_cross(double *m, const float *pq, const float *p, int k) {
  for (int a = 0; a < k; a++) {
    double pa = pq[a];
    if (pa == 0) continue;
    double *row = m + (size_t)a * (size_t)k;
    for (int b = 0; b < k; b++) row[b] += pa * (double)p[b];
  }
}

/* Channel c of a depthwise patch of C channels, contiguous. */
static const float *channel(const float *patch, int k, int C, int c, float *dst) {
  for (int t = 0; t < k; t++) dst[t] = patch[(size_t)t * (size_t)C + (size_t)c];
  return dst;
}

/* Patches of one sample: in is the layer's float input, qin (or NULL) the
 * int8 model's, dequantized. */
static void accumulate(const nq_graph *g, int i, const float *in, const float *qin, int max_positions,
                       float *patch, nq_input_moments *mo) {
  long long n, step;
  positions(g, i, mo->k, max_positions, &n, &step);
  int C = mo->n_mat, k = mo->k;
  size_t kk = (size_t)k * (size_t)k, full = (size_t)k * (size_t)C;
  float *qpatch = patch + full, *v = qpatch + full, *qv = v + k;
  for (long long pos = 0; pos < n; pos += step) {
    gather(g, i, in, pos, C > 1 ? k * C : k, patch);
    if (qin) gather(g, i, qin, pos, C > 1 ? k * C : k, qpatch);
    for (int c = 0; c < C; c++) {
      const float *p = C > 1 ? channel(patch, k, C, c, v) : patch;
      if (!qin) {
        add_outer(mo->m + (size_t)c * kk, p, k);
        continue;
      }
      const float *pq = C > 1 ? channel(qpatch, k, C, c, qv) : qpatch;
      add_outer(mo->m + (size_t)c * kk, pq, k);
      add_outer(mo->fm + (size_t)c * kk, p, k);
      add_cross(mo->cross + (size_t)c * kk, pq, p, k);
    }
    mo->count++;
  }
}

/* Divide by the count; mirror the upper triangle of the symmetric ones. */
static void finish(nq_input_moments *mo) {
  int k = mo->k;
  size_t kk = (size_t)k * (size_t)k;
  double inv = mo->count > 0 ? 1.0 / mo->count : 0;
  for (int c = 0; c < mo->n_mat; c++) {
    double *sym[2] = {mo->m + (size_t)c * kk, mo->fm ? mo->fm + (size_t)c * kk : NULL};
    for (int s = 0; s < 2; s++) {
      double *m = sym[s];
      if (!m) continue;
      for (int a = 0; a < k; a++)
        for (int b = a; b < k; b++) {
          m[(size_t)a * (size_t)k + (size_t)b] *= inv;
          m[(size_t)b * (size_t)k + (size_t)a] = m[(size_t)a * (size_t)k + (size_t)b];
        }
    }
    if (mo->cross)
      for (size_t e = 0; e < kk; e++) mo->cross[(size_t)c * kk + e] *= inv;
  }
}

/* Floats of patch buffer a layer needs: float and int8 patches of all
 * channels, and one channel of each. */
static size_t patch_floats(const nq_input_moments *mo) {
  return 2 * (size_t)mo->k * (size_t)mo->n_mat + 2 * (size_t)mo->k;
}

static nq_status moments_alloc(const nq_graph *g, int node, bool quantized, nq_input_moments *mo,
                               nq_error *err) {
  char nb[160];
  int n_mat = 1, k = patch_size(g, node, &n_mat);
  memset(mo, 0, sizeof *mo);
  if (k == 0)
    return nq_fail(err, NQ_ERR_INTERNAL, "%s: not a layer whose input moments can be collected",
                   nq_node_label(g, node, nb, sizeof nb));
  mo->node = node;
  mo->k = k;
  mo->n_mat = n_mat;
  size_t kk = (size_t)n_mat * (size_t)k * (size_t)k;
  mo->m = calloc(kk, sizeof(double));
  if (quantized) {
    mo->cross = calloc(kk, sizeof(double));
    mo->fm = calloc(kk, sizeof(double));
  }
  if (!mo->m || (quantized && (!mo->cross || !mo->fm))) {
    nq_moments_free(mo, 1);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the input moments of %s (%d x %d)",
                   nq_node_label(g, node, nb, sizeof nb), k, k);
  }
  return NQ_OK;
}

void nq_moments_free(nq_input_moments *m, int n) {
  for (int j = 0; m && j < n; j++) {
    free(m[j].m);
    free(m[j].cross);
    free(m[j].fm);
    m[j].m = m[j].cross = m[j].fm = NULL;
  }
}

/* The values of tensor t of session s's graph g as it ran, checked against its shape. */
static nq_status input_of(nq_session *s, const nq_graph *g, int t, const void **d, nq_error *err) {
  size_t nbytes,
      want = nq_tensor_elems(&g->tensors[t]) * (g->tensors[t].type == NQ_FLOAT32 ? sizeof(float) : 1);
  char tb[96];
  NQ_TRY(nq_session_tensor(s, t, d, &nbytes, err));
  if (nbytes != want)
    return nq_fail(err, NQ_ERR_SHAPE, "tensor %s has %zu bytes at run time, %zu expected from its shape",
                   nq_tensor_label(g, t, tb, sizeof tb), nbytes, want);
  return NQ_OK;
}

nq_status nq_moments_collect(const nq_graph *g, const int *nodes, int n, const nq_sample_source *src,
                             const nq_session_options *opts, int max_samples, int max_positions,
                             nq_input_moments *out, nq_error *err) {
  size_t patch_max = 1;
  memset(out, 0, sizeof *out * (size_t)(n > 0 ? n : 0));
  for (int j = 0; j < n; j++) {
    nq_status st = moments_alloc(g, nodes[j], false, &out[j], err);
    if (st != NQ_OK) {
      nq_moments_free(out, j);
      return st;
    }
    if (patch_floats(&out[j]) > patch_max) patch_max = patch_floats(&out[j]);
  }
  float *patch = malloc(sizeof(float) * patch_max);
  nq_feeder feeder = {0};
  nq_session *s = NULL;
  nq_status st = patch ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory for input patches");
  if (st == NQ_OK) st = nq_feeder_init(&feeder, g, err);
  if (st == NQ_OK) st = nq_engine_create(g, opts, &s, err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(s, err);
  int total = src->n_samples, use = total < max_samples ? total : max_samples;
  const nq_graph *graphs[1] = {g};
  for (int u = 0; u < use && st == NQ_OK; u++) {
    int k = (int)((long long)u * total / use); /* evenly spread */
    st = nq_feed_sample(&feeder, src, k, 1, &s, graphs, err);
    if (st == NQ_OK) st = nq_session_run(s, err);
    for (int j = 0; j < n && st == NQ_OK; j++) {
      const void *d;
      st = input_of(s, g, g->nodes[nodes[j]].in[0], &d, err);
      if (st == NQ_OK) accumulate(g, nodes[j], d, NULL, max_positions, patch, &out[j]);
    }
  }
  nq_session_free(s);
  nq_feeder_free(&feeder);
  free(patch);
  for (int j = 0; j < n && st == NQ_OK; j++) finish(&out[j]);
  if (st != NQ_OK) nq_moments_free(out, n);
  return st;
}

nq_status nq_moments_collect_quantized(const nq_graph *g, nq_session *fs, int fnode, const nq_graph *qg,
                                       int qt, const nq_sample_source *src, const nq_session_options *opts,
                                       int max_samples, int max_positions, nq_input_moments *out,
                                       nq_error *err) {
  const nq_tensor *x = &qg->tensors[qt];
  int ft = g->nodes[fnode].in[0];
  char tb[96];
  if (x->type != NQ_INT8 || x->q.n < 1 || nq_tensor_elems(x) != nq_tensor_elems(&g->tensors[ft]))
    return nq_fail(err, NQ_ERR_INTERNAL, "int8 tensor %s does not match the float layer's input",
                   nq_tensor_label(qg, qt, tb, sizeof tb));
  NQ_TRY(moments_alloc(g, fnode, true, out, err));
  size_t elems = nq_tensor_elems(x);
  float *patch = malloc(sizeof(float) * patch_floats(out)), *deq = malloc(sizeof(float) * elems);
  nq_feeder feeder = {0};
  nq_session *qs = NULL;
  nq_status st = patch && deq ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory for input patches");
  if (st == NQ_OK) st = nq_feeder_init(&feeder, g, err);
  if (st == NQ_OK) st = nq_engine_create(qg, opts, &qs, err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(qs, err);
  nq_session *both[2] = {fs, qs};
  const nq_graph *graphs[2] = {g, qg};
  float sc = x->q.scale[0];
  int64_t zp = x->q.zero_point[0];
  int total = src->n_samples, use = total < max_samples ? total : max_samples;
  for (int u = 0; u < use && st == NQ_OK; u++) {
    int k = (int)((long long)u * total / use); /* evenly spread */
    const void *fd = NULL, *qd = NULL;
    st = nq_feed_sample(&feeder, src, k, 2, both, graphs, err);
    if (st == NQ_OK) st = nq_session_run(fs, err);
    if (st == NQ_OK) st = nq_session_run(qs, err);
    if (st == NQ_OK) st = input_of(fs, g, ft, &fd, err);
    if (st == NQ_OK) st = input_of(qs, qg, qt, &qd, err);
    if (st != NQ_OK) break;
    const int8_t *q = qd;
    for (size_t e = 0; e < elems; e++) deq[e] = (float)((q[e] - zp)) * sc;
    accumulate(g, fnode, fd, deq, max_positions, patch, out);
  }
  nq_session_free(qs);
  nq_feeder_free(&feeder);
  free(patch);
  free(deq);
  if (st == NQ_OK)
    finish(out);
  else
    nq_moments_free(out, 1);
  return st;
}
