/*
 * One small hand-built graph per bug the hostile-model tests found: each
 * must now be refused cleanly (status, message naming the node and what was
 * expected) where it used to crash or trip a sanitizer.
 */
#include <limits.h>
#include <string.h>

#include "api/model_internal.h"
#include "ir/shape.h"
#include "report/compare.h"
#include "testutil.h"

/* input [1,8,8,2] -> op(input, const weight [1,3,3,2]) -> output [1,8,8,2] */
static nq_graph *window_graph(nq_op op) {
  nq_error e;
  nq_graph *g = nq_graph_new();
  int32_t xs[4] = {1, 8, 8, 2}, ws[4] = {1, 3, 3, 2};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, xs, &e);
  int w = nq_graph_add_tensor(g, "w", NQ_FLOAT32, 4, ws, &e);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 4, xs, &e);
  float wd[18] = {0};
  nq_tensor_copy_data(g, w, wd, sizeof wd, &e);
  nq_op_params p = nq_op_params_default();
  int in[3] = {x, w, -1};
  nq_graph_add_node(g, op, "win", 3, in, 1, &y, &p, &e);
  nq_graph_set_io(g, 1, &x, 1, &y, &e);
  return g;
}

/* Session creation must fail with `code` and a message containing `needle`. */
static void expect_refused(nq_graph *g, nq_status code, const char *needle, const char *what) {
  nq_model *m = NULL;
  nq_error e = {0};
  if (nq_model_wrap(g, NULL, &m, &e) != NQ_OK) {
    CHECKF(0, "%s: wrap: %s", what, e.msg);
    return;
  }
  nq_session *s = NULL;
  nq_status st = nq_session_create(m, NULL, &s, &e);
  CHECKF(st == code && strstr(e.msg, needle) && strstr(e.msg, "win"), "%s: status %d, message '%s'", what,
         (int)st, e.msg);
  nq_session_free(s);
  nq_model_free(m);
}

static nq_status fill_none(void *ctx, int sample, int input, float *dst, size_t n, nq_error *err) {
  for (size_t i = 0; i < n; i++) dst[i] = 0.5f;
  return NQ_OK;
}

/* Bug 2: a model whose intermediate tensors are all empty (a 0 in a shape)
 * has an empty activation arena (NULL); nq_session_tensor() returned NULL
 * data for those tensors and `compare` passed it to memcpy (UBSan). Data of
 * a zero-byte tensor must still be a valid pointer. */
static void empty_arena(void) {
  nq_error e = {0};
  nq_graph *g = nq_graph_new();
  int32_t s0[2] = {0, 4};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 2, s0, &e);
  int mid = nq_graph_add_tensor(g, "mid", NQ_FLOAT32, 2, s0, &e);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 2, s0, &e);
  nq_op_params p = nq_op_params_default();
  nq_graph_add_node(g, NQ_OP_RELU, "r1", 1, &x, 1, &mid, &p, &e);
  nq_graph_add_node(g, NQ_OP_RELU, "r2", 1, &mid, 1, &y, &p, &e);
  nq_graph_set_io(g, 1, &x, 1, &y, &e);
  nq_model *m = NULL;
  CHECK(nq_model_wrap(g, NULL, &m, &e) == NQ_OK);
  nq_session *s = NULL;
  CHECKF(nq_session_create(m, NULL, &s, &e) == NQ_OK, "empty tensors: %s", e.msg);
  if (s) {
    CHECK(nq_session_keep_all_tensors(s, &e) == NQ_OK);
    CHECK(nq_session_run(s, &e) == NQ_OK);
    const void *d = NULL;
    size_t n = 1;
    CHECKF(nq_session_tensor(s, mid, &d, &n, &e) == NQ_OK && n == 0 && d != NULL,
           "empty tensor: data %p, %zu bytes", d, n);
  }
  nq_session_free(s);
  nq_sample_source src = {.n_samples = 1, .fill = fill_none};
  nq_compare_result cmp = {0};
  CHECKF(nq_compare_models(m->graph, m->graph, &src, true, NULL, 0, NULL, &cmp, &e) == NQ_OK,
         "compare empty: %s", e.msg);
  nq_compare_result_free(&cmp);
  nq_model_free(m);
}

/* Bug 3: `compare` dequantized outputs as (value - zero_point) * scale in
 * int64; a file's zero point of INT64_MIN overflowed it (UBSan). */
static void compare_hostile_zero_point(void) {
  nq_error e = {0};
  nq_graph *g = nq_graph_new();
  int32_t s0[2] = {1, 4};
  int x = nq_graph_add_tensor(g, "x", NQ_INT8, 2, s0, &e);
  int y = nq_graph_add_tensor(g, "y", NQ_INT8, 2, s0, &e);
  float sc = 0.1f;
  int64_t zx = 0, zy = INT64_MIN;
  nq_tensor_set_quant(g, x, 1, &sc, &zx, 0, &e);
  nq_tensor_set_quant(g, y, 1, &sc, &zy, 0, &e);
  nq_op_params p = nq_op_params_default();
  nq_graph_add_node(g, NQ_OP_RESHAPE, "win", 1, &x, 1, &y, &p, &e);
  g->nodes[0].p.new_shape_rank = 2;
  g->nodes[0].p.new_shape[0] = 1;
  g->nodes[0].p.new_shape[1] = 4;
  nq_graph_set_io(g, 1, &x, 1, &y, &e);
  /* The verifier (run on every loaded file) refuses it up front, naming the tensor. */
  nq_status vs = nq_graph_verify(g, &e);
  CHECKF(vs == NQ_ERR_FORMAT && strstr(e.msg, "'y'") && strstr(e.msg, "outside the int8 range"),
         "verify zero point: %d '%s'", (int)vs, e.msg);
  nq_model *m = NULL;
  CHECK(nq_model_wrap(g, NULL, &m, &e) == NQ_OK);
  nq_sample_source src = {.n_samples = 1, .fill = fill_none};
  nq_compare_result cmp = {0};
  nq_status st = nq_compare_models(m->graph, m->graph, &src, false, NULL, 0, NULL, &cmp, &e);
  if (getenv("NQ_HOSTILE_VERBOSE")) fprintf(stderr, "compare zero point: %s\n", e.msg);
  CHECKF(st != NQ_OK && st != NQ_ERR_INTERNAL && strstr(e.msg, "zero point"), "compare zero point: %d '%s'",
         (int)st, e.msg);
  nq_compare_result_free(&cmp);
  nq_model_free(m);
}

int main(void) {
  /* Bug 1: a huge dilation with SAME padding passed shape inference (the
   * output size does not depend on it) and overflowed int in the kernels'
   * (filter - 1) * dilation + 1. Found as mutant #2312 (depthwise-conv). */
  static const nq_op window_ops[] = {NQ_OP_DEPTHWISE_CONV_2D, NQ_OP_CONV_2D};
  for (size_t i = 0; i < 2; i++) {
    nq_graph *g = window_graph(window_ops[i]);
    g->nodes[0].p.dilation_w = INT_MAX;
    expect_refused(g, NQ_ERR_SHAPE, "dilation", nq_op_name(window_ops[i]));
  }
  { /* the same through a pool's filter size */
    nq_graph *g = window_graph(NQ_OP_MAX_POOL_2D);
    g->nodes[0].n_in = 1;
    g->nodes[0].p.filter_h = INT_MAX;
    g->nodes[0].p.filter_w = 2;
    expect_refused(g, NQ_ERR_SHAPE, "window", "MAX_POOL_2D filter");
  }
  empty_arena();
  compare_hostile_zero_point();
  return nq_test_finish("test_hostile_regress");
}
