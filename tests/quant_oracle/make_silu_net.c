/*
 * Writes a small float SiLU conv net (the shape of YOLOv5's blocks) for
 * test_int16.py: conv -> SiLU (LOGISTIC x MUL) -> depthwise -> HARD_SWISH
 * (no int16 kernel in TFLite) -> 1x1 conv -> SiLU -> residual ADD -> max
 * pool -> conv -> average pool -> reshape -> fully connected. Every node and
 * its output tensor carry one name, so the test can name them to
 * --int16-layers. Weights are seeded random, scaled by fan-in so every layer
 * keeps activations of order 1, and lie on their int8 grid (each channel's
 * largest |w| is the limit, the others multiples of limit / 127): int8
 * weights then lose nothing, so the model's int8 and int16 conversions
 * differ by their activations alone.
 *
 *   make_silu_net OUT.tflite [--no-hard-swish]
 *
 * --no-hard-swish leaves HARD_SWISH out, so that every node has an int16
 * kernel (the int8 island around HARD_SWISH caps a 16x8 model's SQNR).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"
#include "ir/shape.h"
#include "npuquant.h"
#include "testutil.h"

static nq_rng g_rng = {20261207};
static nq_error g_err;

/* channels elements, `stride` apart from the first, hold the largest |w|
 * of each quantization channel (0: a bias, off the grid). */
static int weights(nq_graph *g, const char *name, int rank, const int32_t *shape, int fan_in, int channels,
                   int stride) {
  int t = nq_graph_add_tensor(g, name, NQ_FLOAT32, rank, shape, &g_err);
  size_t n = nq_tensor_elems(&g->tensors[t]);
  float *d = malloc(n * sizeof(float) + 4);
  float lim = 1.7f / sqrtf((float)fan_in);
  for (size_t i = 0; i < n; i++) {
    d[i] = nq_rng_uniform(&g_rng, -lim, lim);
    if (channels) d[i] = roundf(d[i] / lim * 127.0f) * (lim / 127.0f);
  }
  for (int c = 0; c < channels; c++) d[(size_t)c * (size_t)stride] = c % 2 ? -lim : lim;
  nq_tensor_copy_data(g, t, d, n * sizeof(float), &g_err);
  free(d);
  return t;
}

static int ints(nq_graph *g, const char *name, int n, const int32_t *v) {
  int32_t shape[1] = {n};
  int t = nq_graph_add_tensor(g, name, NQ_INT32, 1, shape, &g_err);
  nq_tensor_copy_data(g, t, v, sizeof(int32_t) * (size_t)n, &g_err);
  return t;
}

/* A node named `name` whose one float output tensor is named `name` too. */
static int node(nq_graph *g, nq_op op, const char *name, int n_in, const int *in, const nq_op_params *p) {
  int32_t none[1] = {0};
  int out = nq_graph_add_tensor(g, name, NQ_FLOAT32, 0, none, &g_err);
  nq_graph_add_node(g, op, name, n_in, in, 1, &out, p, &g_err);
  return out;
}

static int conv(nq_graph *g, const char *name, int x, int cin, int cout, int k) {
  char wn[64], bn[64];
  snprintf(wn, sizeof wn, "%s_w", name);
  snprintf(bn, sizeof bn, "%s_b", name);
  int32_t ws[4] = {cout, k, k, cin}, bs[1] = {cout};
  int in[3] = {x, weights(g, wn, 4, ws, k * k * cin, cout, k * k * cin), weights(g, bn, 1, bs, 4, 0, 0)};
  nq_op_params p = nq_op_params_default();
  return node(g, NQ_OP_CONV_2D, name, 3, in, &p);
}

static int silu(nq_graph *g, const char *name, int x) {
  char sn[64];
  snprintf(sn, sizeof sn, "%s_sig", name);
  nq_op_params p = nq_op_params_default();
  int s = node(g, NQ_OP_LOGISTIC, sn, 1, &x, &p);
  int in[2] = {x, s};
  return node(g, NQ_OP_MUL, name, 2, in, &p);
}

int main(int argc, char **argv) {
  bool hard_swish = argc == 2;
  if (argc != 2 && !(argc == 3 && strcmp(argv[2], "--no-hard-swish") == 0)) {
    fprintf(stderr, "usage: make_silu_net OUT.tflite [--no-hard-swish]\n");
    return 2;
  }
  nq_graph *g = nq_graph_new();
  int32_t is[4] = {1, 16, 16, 3};
  int x = nq_graph_add_tensor(g, "image", NQ_FLOAT32, 4, is, &g_err);
  nq_op_params p = nq_op_params_default();
  int stem = silu(g, "stem_silu", conv(g, "stem", x, 3, 8, 3));
  int32_t dws[4] = {1, 3, 3, 8}, dbs[1] = {8};
  int dw_in[3] = {stem, weights(g, "dw_w", 4, dws, 9, 8, 1), weights(g, "dw_b", 1, dbs, 4, 0, 0)};
  nq_op_params dp = p;
  dp.depth_multiplier = 1;
  int dw = node(g, NQ_OP_DEPTHWISE_CONV_2D, "dw", 3, dw_in, &dp);
  int hs = hard_swish ? node(g, NQ_OP_HARD_SWISH, "dw_hswish", 1, &dw, &p) : dw;
  int pw = silu(g, "pw_silu", conv(g, "pw", hs, 8, 8, 1));
  int add_in[2] = {pw, stem};
  int res = node(g, NQ_OP_ADD, "res", 2, add_in, &p);
  nq_op_params pool = p;
  pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
  int mp = node(g, NQ_OP_MAX_POOL_2D, "pool", 1, &res, &pool);
  int head = conv(g, "head", mp, 8, 16, 3);
  nq_op_params gap = p;
  gap.filter_h = gap.filter_w = gap.stride_h = gap.stride_w = 8;
  gap.padding = NQ_PAD_VALID;
  int avg = node(g, NQ_OP_AVERAGE_POOL_2D, "gap", 1, &head, &gap);
  int32_t flat[2] = {1, 16};
  int rs_in[2] = {avg, ints(g, "flat_shape", 2, flat)};
  int rs = node(g, NQ_OP_RESHAPE, "flat", 2, rs_in, &p);
  int32_t fws[2] = {10, 16}, fbs[1] = {10};
  /* FULLY_CONNECTED weights are per tensor: one channel */
  int fc_in[3] = {rs, weights(g, "fc_w", 2, fws, 16, 1, 0), weights(g, "fc_b", 1, fbs, 4, 0, 0)};
  int fc = node(g, NQ_OP_FULLY_CONNECTED, "fc", 3, fc_in, &p);
  nq_model *m = NULL;
  nq_status s = g_err.code;
  if (s == NQ_OK) s = nq_graph_set_io(g, 1, &x, 1, &fc, &g_err);
  if (s == NQ_OK) s = nq_graph_infer_shapes(g, true, &g_err);
  if (s == NQ_OK)
    s = nq_model_wrap(g, NULL, &m, &g_err);
  else
    nq_graph_free(g);
  if (s == NQ_OK) s = nq_model_save_tflite(m, argv[1], &g_err);
  nq_model_free(m);
  if (s != NQ_OK) {
    fprintf(stderr, "make_silu_net: %s\n", g_err.msg);
    return 1;
  }
  return 0;
}
