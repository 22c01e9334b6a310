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

/* Patches of one sample: in is the layer's float input. */
static void accumulate(const nq_graph *g, int i, const float *in, int max_positions, float *patch,
                       nq_input_moments *mo) {
  const nq_node *n = &g->nodes[i];
  const nq_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
  if (n->op == NQ_OP_FULLY_CONNECTED) {
    size_t rows = nq_tensor_elems(x) / (size_t)mo->k;
    size_t step =
        rows > (size_t)max_positions ? (rows + (size_t)max_positions - 1) / (size_t)max_positions : 1;
    for (size_t r = 0; r < rows; r += step) {
      add_outer(mo->m, in + r * (size_t)mo->k, mo->k);
      mo->count++;
    }
    return;
  }
  int N = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
  int KH = w->shape[1], KW = w->shape[2];
  int OH = y->shape[1], OW = y->shape[2];
  const nq_op_params *p = &n->p;
  int pad_t = nq_ref_pad_before(p->stride_h, p->dilation_h, H, KH, OH, NULL);
  int pad_l = nq_ref_pad_before(p->stride_w, p->dilation_w, W, KW, OW, NULL);
  long long positions = (long long)N * OH * OW;
  long long step = positions > max_positions ? (positions + max_positions - 1) / max_positions : 1;
  bool dw = n->op == NQ_OP_DEPTHWISE_CONV_2D;
  for (long long pos = 0; pos < positions; pos += step) {
    int b = (int)(pos / ((long long)OH * OW)), oy = (int)(pos / OW % OH), ox = (int)(pos % OW);
    /* patch[(ky * KW + kx) * C + c]: zero where the window leaves the input */
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
    if (!dw) {
      add_outer(mo->m, patch, mo->k);
    } else {
      float one[64];
      float *v = mo->k <= 64 ? one : patch + (size_t)KH * (size_t)KW * (size_t)C;
      for (int c = 0; c < C; c++) {
        for (int t = 0; t < mo->k; t++) v[t] = patch[(size_t)t * (size_t)C + (size_t)c];
        add_outer(mo->m + (size_t)c * (size_t)mo->k * (size_t)mo->k, v, mo->k);
      }
    }
    mo->count++;
  }
}

void nq_moments_free(nq_input_moments *m, int n) {
  for (int j = 0; m && j < n; j++) {
    free(m[j].m);
    m[j].m = NULL;
  }
}

nq_status nq_moments_collect(const nq_graph *g, const int *nodes, int n, const nq_sample_source *src,
                             const nq_session_options *opts, int max_samples, int max_positions,
                             nq_input_moments *out, nq_error *err) {
  char nb[160];
  size_t patch_max = 1;
  memset(out, 0, sizeof *out * (size_t)(n > 0 ? n : 0));
  for (int j = 0; j < n; j++) {
    int n_mat = 1, k = patch_size(g, nodes[j], &n_mat);
    if (k == 0) {
      nq_moments_free(out, j);
      return nq_fail(err, NQ_ERR_INTERNAL, "%s: not a layer whose input moments can be collected",
                     nq_node_label(g, nodes[j], nb, sizeof nb));
    }
    out[j].node = nodes[j];
    out[j].k = k;
    out[j].n_mat = n_mat;
    out[j].m = calloc((size_t)n_mat * (size_t)k * (size_t)k, sizeof(double));
    if (!out[j].m) {
      nq_moments_free(out, j + 1);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the input moments of %s (%d x %d)",
                     nq_node_label(g, nodes[j], nb, sizeof nb), k, k);
    }
    /* a depthwise patch of all channels, and one channel's copy after it */
    size_t need = (size_t)k * (size_t)n_mat + (size_t)k;
    if (need > patch_max) patch_max = need;
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
      int t = g->nodes[nodes[j]].in[0];
      const void *d;
      size_t nbytes;
      st = nq_session_tensor(s, t, &d, &nbytes, err);
      if (st == NQ_OK && nbytes != nq_tensor_elems(&g->tensors[t]) * sizeof(float))
        st = nq_fail(err, NQ_ERR_SHAPE, "%s: input has %zu bytes at run time, %zu expected from its shape",
                     nq_node_label(g, nodes[j], nb, sizeof nb), nbytes,
                     nq_tensor_elems(&g->tensors[t]) * sizeof(float));
      if (st == NQ_OK) accumulate(g, nodes[j], d, max_positions, patch, &out[j]);
    }
  }
  nq_session_free(s);
  nq_feeder_free(&feeder);
  free(patch);
  for (int j = 0; j < n && st == NQ_OK; j++) {
    int k = out[j].k;
    double inv = out[j].count > 0 ? 1.0 / out[j].count : 0;
    for (int c = 0; c < out[j].n_mat; c++) {
      double *m = out[j].m + (size_t)c * (size_t)k * (size_t)k;
      for (int a = 0; a < k; a++)
        for (int b = a; b < k; b++) {
          m[(size_t)a * (size_t)k + (size_t)b] *= inv;
          m[(size_t)b * (size_t)k + (size_t)a] = m[(size_t)a * (size_t)k + (size_t)b];
        }
    }
  }
  if (st != NQ_OK) nq_moments_free(out, n);
  return st;
}
