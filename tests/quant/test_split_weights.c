/*
 * --split-weights' rewrite (quant/split_weights.h) on graphs built here: a
 * CONV_2D with ReLU6, a DEPTHWISE_CONV_2D and a FULLY_CONNECTED become a
 * layer with W_hi, one with W_lo (zero bias) and an ADD that takes the
 * activation and writes the original output tensor. Asserted: W_hi + W_lo
 * == W bit for bit; W_hi is on the int8 grid the quantizer picks for W
 * (nq_quant_weight_scales: per channel on the op's axis, or per tensor), so
 * its codes are W's; the split float graph computes what the original does
 * (within float rounding); unknown names and non-layers are refused by name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "quant/op_rules.h"
#include "quant/qparams.h"
#include "quant/split_weights.h"
#include "quant/weights.h"
#include "testutil.h"

enum { H = 5, W_ = 5, C = 3, OC = 4 };

/* x [1,5,5,3] -> op (weights from rng, bias cancelling part of W x) -> y */
static nq_graph *build(nq_op op, nq_activation act) {
  nq_graph *g = nq_graph_new();
  nq_rng rng = {12345};
  int32_t s_x[4] = {1, H, W_, C};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, s_x, NULL);
  int32_t s_w[4], s_b[1], s_y[4] = {1, H, W_, OC};
  int rank_w = 4, rank_y = 4;
  int in0 = x;
  if (op == NQ_OP_CONV_2D) {
    int32_t sw[4] = {OC, 3, 3, C};
    memcpy(s_w, sw, sizeof sw);
  } else if (op == NQ_OP_DEPTHWISE_CONV_2D) {
    int32_t sw[4] = {1, 3, 3, C};
    memcpy(s_w, sw, sizeof sw);
    s_y[3] = C;
  } else { /* FC on a [1, 75] input */
    int32_t sx2[2] = {1, H * W_ * C};
    nq_graph_free(g);
    g = nq_graph_new();
    x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 2, sx2, NULL);
    in0 = x;
    s_w[0] = OC, s_w[1] = H * W_ * C;
    rank_w = 2;
    rank_y = 2;
    s_y[0] = 1, s_y[1] = OC;
  }
  int oc = op == NQ_OP_DEPTHWISE_CONV_2D ? C : OC;
  s_b[0] = oc;
  int w = nq_graph_add_tensor(g, "w", NQ_FLOAT32, rank_w, s_w, NULL);
  int b = nq_graph_add_tensor(g, "b", NQ_FLOAT32, 1, s_b, NULL);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, rank_y, s_y, NULL);
  size_t nw = 1;
  for (int d = 0; d < rank_w; d++) nw *= (size_t)s_w[d];
  float *wv = malloc(nw * sizeof(float)), bv[OC];
  for (size_t k = 0; k < nw; k++) wv[k] = nq_rng_uniform(&rng, -0.7f, 0.7f) * (k % 7 == 0 ? 3.0f : 1.0f);
  for (int c = 0; c < oc; c++) bv[c] = -1.5f + 0.3f * (float)c;
  CHECK(nq_tensor_copy_data(g, w, wv, nw * sizeof(float), NULL) == NQ_OK);
  CHECK(nq_tensor_copy_data(g, b, bv, (size_t)oc * sizeof(float), NULL) == NQ_OK);
  free(wv);
  nq_op_params p = nq_op_params_default();
  p.act = act;
  if (op != NQ_OP_FULLY_CONNECTED) p.padding = NQ_PAD_SAME;
  int in[3] = {in0, w, b};
  CHECK(nq_graph_add_node(g, op, "layer", 3, in, 1, &y, &p, NULL) == 0);
  CHECK(nq_graph_set_io(g, 1, &x, 1, &y, NULL) == NQ_OK);
  return g;
}

/* The float outputs of g on a fixed input. */
static float *run(const nq_graph *g0, size_t *n) {
  nq_error err;
  nq_graph *g = nq_graph_clone(g0, &err);
  nq_model *m = NULL;
  CHECKF(g && nq_model_wrap(g, NULL, &m, &err) == NQ_OK, "%s", err.msg);
  nq_session *s = NULL;
  CHECKF(nq_session_create(m, NULL, &s, &err) == NQ_OK, "%s", err.msg);
  float in[H * W_ * C];
  nq_rng rng = {777};
  for (int k = 0; k < H * W_ * C; k++) in[k] = 2.0f + nq_rng_uniform(&rng, -0.5f, 0.5f); /* a common mean */
  float *out = NULL;
  const void *d;
  if (s && nq_session_set_input(s, 0, in, sizeof in, &err) == NQ_OK && nq_session_run(s, &err) == NQ_OK &&
      nq_session_output(s, 0, &d, n, &err) == NQ_OK) {
    out = malloc(*n);
    memcpy(out, d, *n);
    *n /= sizeof(float);
  }
  CHECKF(out != NULL, "%s", err.msg);
  nq_session_free(s);
  nq_model_free(m);
  return out;
}

static void check_split(nq_op op, nq_activation act, nq_split_grid grid) {
  nq_graph *g = build(op, act);
  nq_error err;
  size_t n0 = 0, n1 = 0;
  float *before = run(g, &n0);
  const float w_orig0 = ((const float *)g->tensors[1].data)[0];
  (void)w_orig0;
  int y = g->nodes[0].out[0], wt = g->nodes[0].in[1];
  int n_split = 0;
  CHECKF(
      nq_split_weights(g, "layer", grid, NQ_SPLIT_AUTO_INT8, NULL, NULL, NULL, NULL, &n_split, &err) == NQ_OK,
      "%s", err.msg);
  CHECK(n_split == 1);
  CHECKF(g->n_nodes == 3, "%d nodes after the split", g->n_nodes);
  if (g->n_nodes != 3) return;
  const nq_node *hi = &g->nodes[0], *lo = &g->nodes[1], *add = &g->nodes[2];
  CHECK(hi->op == op && lo->op == op && add->op == NQ_OP_ADD);
  CHECK(hi->p.act == NQ_ACT_NONE && lo->p.act == NQ_ACT_NONE && add->p.act == act);
  CHECK(add->out[0] == y && !strcmp(g->tensors[y].name, "y"));
  CHECK(add->in[0] == hi->out[0] && add->in[1] == lo->out[0]);
  CHECK(!strcmp(hi->name, "layer") && !strcmp(lo->name, "layer_wlo"));
  CHECK(hi->in[0] == lo->in[0] && hi->in[2] == 2); /* the same input; the bias stays on W_hi */
  const nq_tensor *tb = &g->tensors[lo->in[2]];
  for (size_t k = 0; k < nq_tensor_elems(tb); k++) CHECK(((const float *)tb->data)[k] == 0.0f);
  const float *w = (const float *)g->tensors[wt].data;
  const float *wh = (const float *)g->tensors[hi->in[1]].data,
              *wl = (const float *)g->tensors[lo->in[1]].data;
  size_t nw = nq_tensor_elems(&g->tensors[wt]);
  int bad_sum = 0, bad_grid = 0;
  for (size_t k = 0; k < nw; k++) bad_sum += wh[k] + wl[k] != w[k];
  CHECKF(bad_sum == 0, "%d weights where W_hi + W_lo != W", bad_sum);
  /* The quantizer's scales for W and for W_hi (no bias widening: s_in 0). */
  bool per_channel = !grid.per_tensor && op != NQ_OP_FULLY_CONNECTED;
  int axis = per_channel ? nq_quant_rule(op)->weight_axis : -1;
  float *s_w = NULL, *s_h = NULL;
  int n_w = 0, n_h = 0;
  CHECK(nq_quant_weight_scales(g, wt, axis, NULL, 0, 0, &s_w, &n_w, NULL, &err) == NQ_OK);
  CHECK(nq_quant_weight_scales(g, hi->in[1], axis, NULL, 0, 0, &s_h, &n_h, NULL, &err) == NQ_OK);
  CHECK(n_w == n_h && n_w == (per_channel ? (op == NQ_OP_CONV_2D ? OC : C) : 1));
  const nq_tensor *tw = &g->tensors[wt];
  for (size_t k = 0; k < nw && s_w && s_h; k++) {
    size_t c = 0;
    if (per_channel) c = op == NQ_OP_CONV_2D ? k / (nw / OC) : k % C; /* OHWI axis 0; 1HWC axis 3 */
    int32_t q_w = nq_quantize_value(w[k], s_w[c], 0, -127, 127);
    int32_t q_h = nq_quantize_value(wh[k], s_h[c], 0, -127, 127);
    /* the same code, and dequantizing it gives W_hi back */
    bad_grid += q_w != q_h || fabsf((float)q_h * s_h[c] - wh[k]) > 1e-6f * fabsf(wh[k]);
  }
  (void)tw;
  CHECKF(bad_grid == 0, "%s: %d weights of W_hi not on W's grid", nq_op_name(op), bad_grid);
  free(s_w);
  free(s_h);
  CHECKF(nq_graph_verify(g, &err) == NQ_OK, "%s", err.msg);
  float *after = run(g, &n1);
  CHECK(n0 == n1);
  double sig = 0, e = 0;
  for (size_t k = 0; k < n0 && before && after; k++) {
    sig += (double)before[k] * before[k];
    e += ((double)before[k] - after[k]) * ((double)before[k] - after[k]);
  }
  CHECKF(e == 0 || 10 * log10(sig / e) > 100, "%s: split float graph at %.1f dB from the original",
         nq_op_name(op), 10 * log10(sig / e));
  free(before);
  free(after);
  /* The ADD is not a layer; an unknown name is refused by name. */
  nq_status st =
      nq_split_weights(g, "layer_wsum", grid, NQ_SPLIT_AUTO_INT8, NULL, NULL, NULL, NULL, &n_split, &err);
  CHECKF(st == NQ_ERR_INVALID_ARG && strstr(err.msg, "layer_wsum") && strstr(err.msg, "CONV_2D"), "%s",
         err.msg);
  st = nq_split_weights(g, "layer,nope", grid, NQ_SPLIT_AUTO_INT8, NULL, NULL, NULL, NULL, &n_split, &err);
  CHECKF(st == NQ_ERR_INVALID_ARG && strstr(err.msg, "'nope'"), "%s", err.msg);
  st = nq_split_weights(g, "layer,", grid, NQ_SPLIT_AUTO_INT8, NULL, NULL, NULL, NULL, &n_split, &err);
  CHECKF(st == NQ_ERR_INVALID_ARG, "a trailing comma: %s", err.msg);
  nq_graph_free(g);
}

int main(void) {
  nq_split_grid pc = {false, false}, pt = {true, false};
  check_split(NQ_OP_CONV_2D, NQ_ACT_RELU6, pc);
  check_split(NQ_OP_CONV_2D, NQ_ACT_RELU, pt);
  check_split(NQ_OP_DEPTHWISE_CONV_2D, NQ_ACT_RELU6, pc);
  check_split(NQ_OP_DEPTHWISE_CONV_2D, NQ_ACT_NONE, pt);
  check_split(NQ_OP_FULLY_CONNECTED, NQ_ACT_NONE, pc);
  return nq_test_finish("test_split_weights");
}
