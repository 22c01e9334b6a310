/*
 * The inputs of an ADD with a fused clamp (quant/saturation_clip.c): each
 * is clipped to [lo - max b, hi - min b] when both are outputs of two
 * layers of one op on one input that only the ADD reads, which
 * --split-weights makes of every split layer (W_hi x + b beside W_lo x,
 * then ADD with the layer's activation).
 *
 * Asserted: the cut on a graph with such an ADD (ReLU6: a's [-27, 30]
 * beside b's [-0.5, 0.4] becomes [-0.4, 6.5], b's stays), and none where an
 * input is read twice, is a model input, is not a layer's output, the two
 * layers read different inputs (a residual block), or the ADD has no
 * clamp; and the cut's premise on 200,000 random pairs each for ReLU,
 * ReLU6 and RELU_N1_TO_1: clamp(a' + b') == clamp(a + b) with both inputs
 * clipped at once from the calibrated ranges.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant/saturation_clip.h"
#include "testutil.h"

static int act(nq_graph *g, const char *name) {
  const int32_t shape[4] = {1, 2, 2, 1};
  return nq_graph_add_tensor(g, name, NQ_FLOAT32, 4, shape, NULL);
}

/* A 1x1 conv x -> out with constant weights and bias. */
static void conv(nq_graph *g, int x, int out, const char *name) {
  const int32_t wshape[4] = {1, 1, 1, 1}, bshape[1] = {1};
  char wn[64], bn[64];
  snprintf(wn, sizeof wn, "%s_w", name);
  snprintf(bn, sizeof bn, "%s_b", name);
  int w = nq_graph_add_tensor(g, wn, NQ_FLOAT32, 4, wshape, NULL);
  int b = nq_graph_add_tensor(g, bn, NQ_FLOAT32, 1, bshape, NULL);
  float *wd = malloc(sizeof(float)), *bd = malloc(sizeof(float));
  CHECK(wd && bd);
  *wd = 1.0f;
  *bd = 0.0f;
  CHECK(nq_tensor_set_data(g, w, (uint8_t *)wd, sizeof(float), NULL) == NQ_OK);
  CHECK(nq_tensor_set_data(g, b, (uint8_t *)bd, sizeof(float), NULL) == NQ_OK);
  nq_op_params p = nq_op_params_default();
  p.stride_w = p.stride_h = 1;
  int in[3] = {x, w, b};
  CHECK(nq_graph_add_node(g, NQ_OP_CONV_2D, name, 3, in, 1, &out, &p, NULL) >= 0);
}

static void add(nq_graph *g, int a, int b, int out, nq_activation fused) {
  nq_op_params p = nq_op_params_default();
  p.act = fused;
  int in[2] = {a, b};
  CHECK(nq_graph_add_node(g, NQ_OP_ADD, NULL, 2, in, 1, &out, &p, NULL) >= 0);
}

static void set(nq_ranges *r, int t, float lo, float hi) {
  r->min[t] = lo;
  r->max[t] = hi;
  r->seen[t] = 1;
}

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* clamp(a + b) unchanged by clipping a and b to the cuts, on random pairs
 * drawn from (and a little beyond) the calibrated ranges, since the
 * quantizer saturates beyond them. */
static void check_premise(nq_rng *rng, float lo, float hi, const char *what) {
  int bad = 0;
  for (int k = 0; k < 200000; k++) {
    float amin = -50.0f * nq_rng_uniform(rng, 0.0f, 1.0f), amax = 50.0f * nq_rng_uniform(rng, 0.0f, 1.0f);
    float bmin = -50.0f * nq_rng_uniform(rng, 0.0f, 1.0f), bmax = 50.0f * nq_rng_uniform(rng, 0.0f, 1.0f);
    float a = clampf(amin + (amax - amin) * nq_rng_uniform(rng, 0.0f, 1.0f), amin, amax);
    float b = clampf(bmin + (bmax - bmin) * nq_rng_uniform(rng, 0.0f, 1.0f), bmin, bmax);
    float a2 = clampf(a, fmaxf(amin, lo - bmax), fminf(amax, hi - bmin));
    float b2 = clampf(b, fmaxf(bmin, lo - amax), fminf(bmax, hi - amin));
    /* a cut past the whole range leaves a point (saturation_clip.c) */
    float want = clampf(a + b, lo, hi), got = clampf(a2 + b2, lo, hi);
    bad += fabsf(want - got) > 1e-4f * (1.0f + fabsf(want));
  }
  CHECKF(bad == 0, "%s: clamp(a' + b') differs from clamp(a + b) on %d of 200000 pairs", what, bad);
}

int main(void) {
  nq_graph *g = nq_graph_new();
  int x = act(g, "x");
  int a = act(g, "a_whi"), b = act(g, "a_wlo"), y = act(g, "y");            /* the split pair */
  int c = act(g, "c"), d = act(g, "d"), e = act(g, "e"), y2 = act(g, "y2"); /* c read twice */
  int f = act(g, "f"), y3 = act(g, "y3");                                   /* x: a model input */
  int h = act(g, "h"), k = act(g, "k"), y4 = act(g, "y4");                  /* no clamp */
  int u = act(g, "u"), v = act(g, "v"), w = act(g, "w"), y5 = act(g, "y5"); /* residual */
  conv(g, x, a, "a");
  conv(g, x, b, "b");
  add(g, a, b, y, NQ_ACT_RELU6);
  conv(g, x, c, "c");
  conv(g, x, d, "d");
  add(g, c, d, y2, NQ_ACT_RELU6);
  add(g, c, y2, e, NQ_ACT_NONE);
  conv(g, x, f, "f");
  add(g, f, x, y3, NQ_ACT_RELU);
  conv(g, x, h, "h");
  conv(g, x, k, "k");
  add(g, h, k, y4, NQ_ACT_NONE);
  conv(g, x, u, "u");
  conv(g, u, v, "v");
  conv(g, x, w, "w");
  add(g, w, v, y5, NQ_ACT_RELU6);
  const int outs[5] = {y, e, y3, y4, y5};
  CHECK(nq_graph_set_io(g, 1, &x, 5, outs, NULL) == NQ_OK);
  nq_ranges rg;
  CHECK(nq_ranges_init(&rg, g->n_tensors, NULL) == NQ_OK);
  for (int t = 0; t < g->n_tensors; t++) set(&rg, t, -27.0f, 30.0f);
  set(&rg, b, -0.5f, 0.4f);
  int n = nq_clip_saturating_ranges(g, &rg);
  CHECKF(n == 1, "%d ranges clipped, 1 expected (the split pair's W_hi x + b)", n);
  CHECKF(rg.min[a] == -0.4f && rg.max[a] == 6.5f, "W_hi x + b before ReLU6: [%g, %g], [-0.4, 6.5] expected",
         (double)rg.min[a], (double)rg.max[a]);
  CHECKF(rg.min[b] == -0.5f && rg.max[b] == 0.4f, "W_lo x: [%g, %g] kept", (double)rg.min[b],
         (double)rg.max[b]);
  CHECK(rg.min[c] == -27.0f && rg.max[c] == 30.0f && rg.min[d] == -27.0f); /* c has a second reader */
  CHECK(rg.min[f] == -27.0f && rg.max[f] == 30.0f);                        /* beside a model input */
  CHECK(rg.min[h] == -27.0f && rg.min[k] == -27.0f);                       /* ADD without a clamp */
  nq_ranges_free(&rg);
  nq_graph_free(g);

  nq_rng rng = {2024};
  check_premise(&rng, 0.0f, 6.0f, "ReLU6");
  check_premise(&rng, 0.0f, INFINITY, "ReLU");
  check_premise(&rng, -1.0f, 1.0f, "RELU_N1_TO_1");
  return nq_test_finish("test_clamped_add_clip");
}
