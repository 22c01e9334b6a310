/*
 * Ranges clipped where every reader saturates (quant/saturation_clip.h): a
 * SiLU's input loses its negative tail below -8, a sigmoid-only input (also
 * through RESHAPE / STRIDED_SLICE) is held to [-8, 8], a tanh-only input to
 * [-4, 4]; a tensor with any other reader, a model output and a tensor read
 * by a LOGISTIC and an ADD keep their calibrated ranges.
 */
#include <math.h>

#include "quant/saturation_clip.h"
#include "testutil.h"

static int act(nq_graph *g, const char *name) {
  const int32_t shape[4] = {1, 2, 2, 3};
  return nq_graph_add_tensor(g, name, NQ_FLOAT32, 4, shape, NULL);
}

static void node(nq_graph *g, nq_op op, int a, int b, int out) {
  nq_op_params p = nq_op_params_default();
  int in[2] = {a, b};
  CHECK(nq_graph_add_node(g, op, NULL, b < 0 ? 1 : 2, in, 1, &out, &p, NULL) >= 0);
}

int main(void) {
  nq_graph *g = nq_graph_new();
  int x = act(g, "x"), s = act(g, "s"), y = act(g, "y"); /* y = silu(x) */
  int h = act(g, "head"), r = act(g, "reshaped"), hs = act(g, "head_sigmoid");
  int tt = act(g, "tanh_in"), th = act(g, "tanh_out");
  int both = act(g, "both"), bs = act(g, "both_sigmoid"), ba = act(g, "both_add");
  int out = act(g, "out_logits"), os = act(g, "out_sigmoid");
  node(g, NQ_OP_LOGISTIC, x, -1, s);
  node(g, NQ_OP_MUL, x, s, y);
  node(g, NQ_OP_RESHAPE, h, -1, r);
  node(g, NQ_OP_LOGISTIC, r, -1, hs);
  node(g, NQ_OP_TANH, tt, -1, th);
  node(g, NQ_OP_LOGISTIC, both, -1, bs);
  node(g, NQ_OP_ADD, both, both, ba);
  node(g, NQ_OP_LOGISTIC, out, -1, os);
  const int ins[5] = {x, h, tt, both, out};
  const int outs[6] = {y, hs, th, bs, ba, out};
  CHECK(nq_graph_set_io(g, 5, ins, 6, outs, NULL) == NQ_OK);
  nq_ranges rg;
  CHECK(nq_ranges_init(&rg, g->n_tensors, NULL) == NQ_OK);
  for (int t = 0; t < g->n_tensors; t++) {
    rg.min[t] = -30.0f;
    rg.max[t] = 20.0f;
    rg.seen[t] = 1;
  }
  int n = nq_clip_saturating_ranges(g, &rg);
  CHECKF(n == 4, "%d ranges clipped, 4 expected", n);
  CHECKF(rg.min[x] == -8.0f && rg.max[x] == 20.0f, "silu input [%g, %g]", (double)rg.min[x],
         (double)rg.max[x]);
  CHECKF(rg.min[r] == -8.0f && rg.max[r] == 8.0f, "sigmoid input [%g, %g]", (double)rg.min[r],
         (double)rg.max[r]);
  CHECKF(rg.min[h] == -8.0f && rg.max[h] == 8.0f, "reshape input [%g, %g]", (double)rg.min[h],
         (double)rg.max[h]);
  CHECKF(rg.min[tt] == -4.0f && rg.max[tt] == 4.0f, "tanh input [%g, %g]", (double)rg.min[tt],
         (double)rg.max[tt]);
  CHECK(rg.min[both] == -30.0f && rg.max[both] == 20.0f);
  CHECK(rg.min[out] == -30.0f && rg.max[out] == 20.0f);
  CHECK(rg.min[y] == -30.0f && rg.min[s] == -30.0f);
  /* all values beyond the bound: a degenerate range at it, never min > max */
  rg.min[x] = -50.0f;
  rg.max[x] = -20.0f;
  nq_clip_saturating_ranges(g, &rg);
  CHECKF(rg.min[x] == -8.0f && rg.max[x] == -8.0f, "all-negative silu input [%g, %g]", (double)rg.min[x],
         (double)rg.max[x]);
  nq_ranges_free(&rg);
  nq_graph_free(g);
  return nq_test_finish("test_saturation_clip");
}
