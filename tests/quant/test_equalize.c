/*
 * Cross-layer equalization keeps the float function and equalizes channel
 * ranges: CONV_2D (fused RELU) -> DEPTHWISE_CONV_2D with channels whose
 * weights differ by 1000x. After equalization both layers' channel ranges
 * match (r_A[c] == r_B[c]) and the outputs agree with the original.
 */
#include <math.h>
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"
#include "quant/equalize.h"
#include "testutil.h"

static nq_graph *build(void) {
  nq_error err;
  nq_rng rng = {42};
  nq_graph *g = nq_graph_new();
  int32_t si[4] = {1, 6, 6, 3}, sw1[4] = {4, 1, 1, 3}, sb[1] = {4}, sm[4] = {1, 6, 6, 4},
          sw2[4] = {1, 3, 3, 4};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, si, &err);
  int w1 = nq_graph_add_tensor(g, "w1", NQ_FLOAT32, 4, sw1, &err);
  int b1 = nq_graph_add_tensor(g, "b1", NQ_FLOAT32, 1, sb, &err);
  int m = nq_graph_add_tensor(g, "m", NQ_FLOAT32, 4, sm, &err);
  int w2 = nq_graph_add_tensor(g, "w2", NQ_FLOAT32, 4, sw2, &err);
  int b2 = nq_graph_add_tensor(g, "b2", NQ_FLOAT32, 1, sb, &err);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 4, sm, &err);
  float v1[12], vb1[4], v2[36], vb2[4];
  const float mag[4] = {0.01f, 1.0f, 10.0f, 0.1f};
  for (int o = 0; o < 4; o++)
    for (int i = 0; i < 3; i++) v1[o * 3 + i] = mag[o] * nq_rng_uniform(&rng, -1, 1);
  for (int k = 0; k < 36; k++) v2[k] = nq_rng_uniform(&rng, -1, 1) / mag[k % 4];
  for (int c = 0; c < 4; c++) {
    vb1[c] = mag[c] * 0.5f;
    vb2[c] = 0.1f * (float)c;
  }
  nq_tensor_copy_data(g, w1, v1, sizeof v1, &err);
  nq_tensor_copy_data(g, b1, vb1, sizeof vb1, &err);
  nq_tensor_copy_data(g, w2, v2, sizeof v2, &err);
  nq_tensor_copy_data(g, b2, vb2, sizeof vb2, &err);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.act = NQ_ACT_RELU;
  int in1[3] = {x, w1, b1}, in2[3] = {m, w2, b2};
  nq_graph_add_node(g, NQ_OP_CONV_2D, "conv", 3, in1, 1, &m, &p, &err);
  p.act = NQ_ACT_NONE;
  nq_graph_add_node(g, NQ_OP_DEPTHWISE_CONV_2D, "dw", 3, in2, 1, &y, &p, &err);
  nq_graph_set_io(g, 1, &x, 1, &y, &err);
  return g;
}

static void run(nq_graph *g, const float *in, float *out) {
  nq_error err = {0};
  nq_model *m = NULL;
  nq_model_wrap(g, NULL, &m, &err);
  nq_session *s = NULL;
  CHECKF(nq_session_create(m, NULL, &s, &err) == NQ_OK, "%s", err.msg);
  if (s) {
    nq_session_set_input(s, 0, in, 108 * sizeof(float), &err);
    CHECKF(nq_session_run(s, &err) == NQ_OK, "%s", err.msg);
    const void *d;
    size_t n;
    nq_session_output(s, 0, &d, &n, &err);
    memcpy(out, d, 144 * sizeof(float));
    nq_session_free(s);
  }
  m->graph = NULL; /* the caller owns g */
  nq_model_free(m);
}

int main(void) {
  nq_error err = {0};
  nq_graph *a = build(), *b = build();
  int pairs = 0;
  CHECK(nq_equalize_graph(b, 4, &pairs, &err) == NQ_OK && pairs == 1);
  const float *w1 = (const float *)b->tensors[1].data, *w2 = (const float *)b->tensors[4].data;
  for (int c = 0; c < 4; c++) {
    float r1 = 0, r2 = 0;
    for (int i = 0; i < 3; i++) r1 = fmaxf(r1, fabsf(w1[c * 3 + i]));
    for (int k = 0; k < 9; k++) r2 = fmaxf(r2, fabsf(w2[k * 4 + c]));
    CHECKF(fabsf(r1 - r2) <= 1e-5f * fmaxf(r1, r2), "channel %d: ranges %g vs %g", c, r1, r2);
  }
  float in[108], ya[144], yb[144];
  nq_rng rng = {3};
  for (int i = 0; i < 108; i++) in[i] = nq_rng_uniform(&rng, -2, 2);
  run(a, in, ya);
  run(b, in, yb);
  float maxd = 0, maxv = 0;
  for (int i = 0; i < 144; i++) {
    maxd = fmaxf(maxd, fabsf(ya[i] - yb[i]));
    maxv = fmaxf(maxv, fabsf(ya[i]));
  }
  CHECKF(maxd <= 1e-5f * maxv, "outputs differ by %g (max %g)", maxd, maxv);
  nq_graph_free(a);
  nq_graph_free(b);
  return nq_test_finish("test_equalize");
}
