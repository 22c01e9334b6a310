#include "quant/bias_correct.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib/feed.h"
#include "calib/sample_memo.h"
#include "core/status.h"
#include "exec/engine.h"

/* fs: a session of the float graph fg (created once: fg never changes);
 * the int8 session is made here, because each corrected bias changes what
 * the kernels prepare. */
static nq_status correct_layer(const nq_graph *fg, nq_session *fs, nq_graph *qg, int node,
                               const nq_sample_source *src, const nq_session_options *opts, nq_feeder *feeder,
                               bool *changed, nq_error *err) {
  const nq_node *n = &qg->nodes[node];
  *changed = false;
  int bias = n->n_in > 2 ? n->in[2] : -1, out = n->out[0];
  if (n->op == NQ_OP_TRANSPOSE_CONV || bias < 0) return NQ_OK;
  nq_tensor *bt = &qg->tensors[bias], *ot = &qg->tensors[out];
  if (bt->type != NQ_INT32 || !bt->data || ot->type != NQ_INT8 || ot->q.n != 1 || bt->q.n < 1) return NQ_OK;
  int ft = nq_graph_find_tensor(fg, ot->name);
  if (ft < 0 || fg->tensors[ft].type != NQ_FLOAT32) return NQ_OK;
  /* Both runs stop at the layer: nothing after it changes its output, and
   * running whole models once per corrected layer made this pass quadratic
   * in the depth (mobilenet_v3_small: most of a 520 s convert). */
  int f_upto = 0;
  for (int i = 0; i < fg->n_nodes && !f_upto; i++)
    for (int o = 0; o < fg->nodes[i].n_out; o++)
      if (fg->nodes[i].out[o] == ft) f_upto = i + 1;
  if (!f_upto) return NQ_OK; /* a model input: nothing to correct against */
  int ch = ot->shape[ot->rank - 1];
  if ((int)nq_tensor_elems(bt) != ch) return NQ_OK;
  float lo = -INFINITY, hi = INFINITY;
  if (n->p.act == NQ_ACT_RELU) lo = 0;
  if (n->p.act == NQ_ACT_RELU6) lo = 0, hi = 6;
  if (n->p.act == NQ_ACT_RELU_N1_TO_1) lo = -1, hi = 1;
  double *sum = calloc((size_t)ch, sizeof(double));
  size_t *cnt = calloc((size_t)ch, sizeof(size_t));
  nq_session *qs = NULL;
  nq_status st = sum && cnt ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  if (st == NQ_OK) st = nq_engine_create(qg, opts, &qs, err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(qs, err);
  nq_session *both[2] = {fs, qs};
  const nq_graph *graphs[2] = {fg, qg};
  float sc = ot->q.scale[0];
  int64_t zp = ot->q.zero_point[0];
  for (int k = 0; k < src->n_samples && st == NQ_OK; k++) {
    st = nq_feed_sample(feeder, src, k, 2, both, graphs, err);
    if (st == NQ_OK) st = nq_engine_run_prefix(fs, f_upto, err);
    if (st == NQ_OK) st = nq_engine_run_prefix(qs, node + 1, err);
    const void *fd, *qd;
    size_t fn, qn;
    if (st == NQ_OK) st = nq_session_tensor(fs, ft, &fd, &fn, err);
    if (st == NQ_OK) st = nq_session_tensor(qs, out, &qd, &qn, err);
    if (st != NQ_OK) break;
    const float *f = fd;
    const int8_t *q = qd;
    size_t total = qn;
    if (fn / sizeof(float) != total) break;
    for (size_t e = 0; e < total; e++) {
      float y = f[e];
      if (!(y > lo && y < hi)) continue; /* outside the activation's linear range */
      int c = (int)(e % (size_t)ch);
      sum[c] += (double)(q[e] - zp) * sc - y;
      cnt[c]++;
    }
  }
  nq_session_free(qs);
  if (st == NQ_OK) {
    int32_t *b = (int32_t *)bt->data;
    for (int c = 0; c < ch; c++) {
      if (cnt[c] == 0) continue;
      double mean = sum[c] / (double)cnt[c];
      double step = bt->q.scale[bt->q.n > 1 ? c : 0];
      double delta = nearbyint(mean / step);
      double v = (double)b[c] - delta;
      if (delta != 0 && v > -INT32_MAX && v < INT32_MAX) {
        b[c] = (int32_t)v;
        *changed = true;
      }
    }
  }
  free(sum);
  free(cnt);
  return st;
}

static bool is_weighted(nq_op op) {
  return op == NQ_OP_CONV_2D || op == NQ_OP_DEPTHWISE_CONV_2D || op == NQ_OP_FULLY_CONNECTED;
}

nq_status nq_bias_correct(const nq_graph *float_graph, nq_graph *int8_graph, const nq_sample_source *src,
                          const nq_session_options *opts, nq_stage_progress_fn progress, void *progress_user,
                          int *n_layers, nq_error *err) {
  *n_layers = 0;
  int total = 0, done = 0;
  for (int i = 0; i < int8_graph->n_nodes; i++) total += is_weighted(int8_graph->nodes[i].op);
  nq_feeder feeder = {0};
  nq_session *fs = NULL;
  /* every layer reads every sample: decode them once */
  nq_sample_memo memo;
  nq_status st = nq_sample_memo_init(&memo, src, float_graph, NQ_SAMPLE_MEMO_BYTES, err);
  src = &memo.src;
  if (st == NQ_OK) st = nq_feeder_init(&feeder, float_graph, err);
  if (st == NQ_OK) st = nq_engine_create(float_graph, opts, &fs, err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(fs, err);
  for (int i = 0; i < int8_graph->n_nodes && st == NQ_OK; i++) {
    if (!is_weighted(int8_graph->nodes[i].op)) continue;
    bool changed;
    st = correct_layer(float_graph, fs, int8_graph, i, src, opts, &feeder, &changed, err);
    if (changed) (*n_layers)++;
    if (st == NQ_OK && progress) progress(progress_user, "bias correction", ++done, total);
  }
  nq_session_free(fs);
  nq_feeder_free(&feeder);
  nq_sample_memo_free(&memo);
  return st;
}
