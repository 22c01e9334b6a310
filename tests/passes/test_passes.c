/*
 * Graph passes (src/passes/): hand-built float graphs run before and after
 * nq_passes_optimize give the same outputs (reference kernels, relative
 * 1e-5), and the op counts show what was folded; cases where folding would
 * be wrong (two readers, a model output in the middle) stay untouched.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "ir/shape.h"
#include "passes/passes.h"
#include "testutil.h"

typedef struct builder {
  nq_graph *g;
  nq_error err;
  nq_rng rng;
} builder;

static int act(builder *b, const char *name) {
  return nq_graph_add_tensor(b->g, name, NQ_FLOAT32, 0, NULL, &b->err);
}

static int konst(builder *b, const char *name, int rank, const int32_t *shape, float lo, float hi) {
  int t = nq_graph_add_tensor(b->g, name, NQ_FLOAT32, rank, shape, &b->err);
  size_t n = nq_tensor_elems(&b->g->tensors[t]);
  float *d = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) d[i] = nq_rng_uniform(&b->rng, lo, hi);
  CHECK(nq_tensor_set_data(b->g, t, (uint8_t *)d, n * sizeof(float), &b->err) == NQ_OK);
  return t;
}

static int kint(builder *b, const char *name, int n, const int32_t *vals) {
  int32_t shape[1] = {n};
  int t = nq_graph_add_tensor(b->g, name, NQ_INT32, 1, shape, &b->err);
  CHECK(nq_tensor_copy_data(b->g, t, vals, (size_t)n * 4, &b->err) == NQ_OK);
  return t;
}

static void node(builder *b, nq_op op, const char *name, int n_in, const int *in, int out,
                 const nq_op_params *p) {
  nq_op_params d = nq_op_params_default();
  CHECK(nq_graph_add_node(b->g, op, name, n_in, in, 1, &out, p ? p : &d, &b->err) >= 0);
}

/* input -> identity RESHAPE -> CONV -> MUL[c] -> ADD[1,1,1,c] -> RELU -> DW -> MUL scalar
 * -> RELU6 -> ADD(const+const) -> RESHAPE(int32 ADD) -> FC -> MUL[5] = output "logits";
 * plus an unused TANH branch. */
static nq_graph *build_chain(void) {
  builder b = {.g = nq_graph_new(), .rng = {12345}};
  nq_op_params conv = nq_op_params_default(), dw = nq_op_params_default();
  conv.padding = NQ_PAD_VALID;
  dw.padding = NQ_PAD_SAME;
  dw.depth_multiplier = 1;
  int32_t in_shape[4] = {1, 6, 6, 3};
  int x = nq_graph_add_tensor(b.g, "input", NQ_FLOAT32, 4, in_shape, &b.err);
  int32_t same[4] = {1, 6, 6, 3};
  int s0 = kint(&b, "same_shape", 4, same);
  int x1 = act(&b, "reshaped");
  node(&b, NQ_OP_RESHAPE, "id_reshape", 2, (int[]){x, s0}, x1, NULL);
  int32_t ws[4] = {4, 3, 3, 3}, bs[1] = {4}, c4[4] = {1, 1, 1, 4}, one[1] = {1};
  int w = konst(&b, "conv/w", 4, ws, -1, 1), bias = konst(&b, "conv/b", 1, bs, -1, 1);
  int y = act(&b, "conv");
  node(&b, NQ_OP_CONV_2D, "conv", 3, (int[]){x1, w, bias}, y, &conv);
  int scale = konst(&b, "bn/scale", 1, bs, 0.5f, 2), shift = konst(&b, "bn/shift", 4, c4, -1, 1);
  int y2 = act(&b, "bn/mul"), y3 = act(&b, "bn/add"), y4 = act(&b, "relu");
  node(&b, NQ_OP_MUL, "bn/mul", 2, (int[]){y, scale}, y2, NULL);
  node(&b, NQ_OP_ADD, "bn/add", 2, (int[]){shift, y2}, y3, NULL);
  node(&b, NQ_OP_RELU, "relu", 1, (int[]){y3}, y4, NULL);
  int32_t dws[4] = {1, 3, 3, 4};
  int dww = konst(&b, "dw/w", 4, dws, -1, 1), dwb = konst(&b, "dw/b", 1, bs, -1, 1);
  int z = act(&b, "dw"), z2 = act(&b, "dw/mul"), z3 = act(&b, "relu6");
  node(&b, NQ_OP_DEPTHWISE_CONV_2D, "dw", 3, (int[]){y4, dww, dwb}, z, &dw);
  int sc = konst(&b, "dw/scale", 1, one, 2, 3);
  node(&b, NQ_OP_MUL, "dw/mul", 2, (int[]){z, sc}, z2, NULL);
  node(&b, NQ_OP_RELU6, "relu6", 1, (int[]){z2}, z3, NULL);
  int ca = konst(&b, "ca", 1, bs, -1, 1), cb = konst(&b, "cb", 1, bs, -1, 1), cs = act(&b, "csum");
  node(&b, NQ_OP_ADD, "csum", 2, (int[]){ca, cb}, cs, NULL);
  int z4 = act(&b, "shifted");
  node(&b, NQ_OP_ADD, "shifted", 2, (int[]){z3, cs}, z4, NULL);
  int sa = kint(&b, "sa", 2, (int32_t[]){1, 60}), sb = kint(&b, "sb", 2, (int32_t[]){0, 4});
  int sh = nq_graph_add_tensor(b.g, "shape", NQ_INT32, 0, NULL, &b.err);
  node(&b, NQ_OP_ADD, "shape", 2, (int[]){sa, sb}, sh, NULL);
  int flat = act(&b, "flat");
  /* new_shape too, so the unoptimized graph can run (its shape operand is computed) */
  nq_op_params rp = nq_op_params_default();
  rp.new_shape[0] = 1;
  rp.new_shape[1] = 64;
  rp.new_shape_rank = 2;
  node(&b, NQ_OP_RESHAPE, "flat", 2, (int[]){z4, sh}, flat, &rp);
  int32_t fws[2] = {5, 64}, f5[1] = {5};
  int fw = konst(&b, "fc/w", 2, fws, -0.2f, 0.2f), fb = konst(&b, "fc/b", 1, f5, -1, 1);
  int f = act(&b, "fc"), out = act(&b, "logits"), dead = act(&b, "unused");
  node(&b, NQ_OP_FULLY_CONNECTED, "fc", 3, (int[]){flat, fw, fb}, f, NULL);
  int fs = konst(&b, "fc/scale", 1, f5, -2, 2);
  node(&b, NQ_OP_MUL, "logits", 2, (int[]){f, fs}, out, NULL);
  node(&b, NQ_OP_TANH, "unused", 1, (int[]){x}, dead, NULL);
  CHECK(nq_graph_set_io(b.g, 1, &x, 1, &out, &b.err) == NQ_OK);
  CHECKF(nq_graph_infer_shapes(b.g, true, &b.err) == NQ_OK, "%s", b.err.msg);
  return b.g;
}

/* conv output is both a model output and read by MUL and RELU: nothing may fold. */
static nq_graph *build_shared(void) {
  builder b = {.g = nq_graph_new(), .rng = {777}};
  int32_t in_shape[4] = {1, 5, 5, 2}, ws[4] = {3, 1, 1, 2}, bs[1] = {3};
  int x = nq_graph_add_tensor(b.g, "input", NQ_FLOAT32, 4, in_shape, &b.err);
  int w = konst(&b, "w", 4, ws, -1, 1), bias = konst(&b, "b", 1, bs, -1, 1);
  int y = act(&b, "conv"), m = act(&b, "mul"), r = act(&b, "relu");
  node(&b, NQ_OP_CONV_2D, "conv", 3, (int[]){x, w, bias}, y, NULL);
  int s = konst(&b, "s", 1, bs, 1, 2);
  node(&b, NQ_OP_MUL, "mul", 2, (int[]){y, s}, m, NULL);
  node(&b, NQ_OP_RELU, "relu", 1, (int[]){y}, r, NULL);
  int outs[3] = {y, m, r};
  CHECK(nq_graph_set_io(b.g, 1, &x, 3, outs, &b.err) == NQ_OK);
  CHECKF(nq_graph_infer_shapes(b.g, true, &b.err) == NQ_OK, "%s", b.err.msg);
  return b.g;
}

/* a, b -> CONCATENATION -> RELU: the RELU must stay a node (TFLite's int8
 * CONCATENATION ignores a fused activation). */
static nq_graph *build_concat_relu(void) {
  builder b = {.g = nq_graph_new(), .rng = {99}};
  int32_t shape[2] = {1, 4};
  int x = nq_graph_add_tensor(b.g, "a", NQ_FLOAT32, 2, shape, &b.err);
  int y = nq_graph_add_tensor(b.g, "b", NQ_FLOAT32, 2, shape, &b.err);
  int c = act(&b, "cat"), r = act(&b, "relu");
  nq_op_params p = nq_op_params_default();
  p.axis = 1;
  node(&b, NQ_OP_CONCATENATION, "cat", 2, (int[]){x, y}, c, &p);
  node(&b, NQ_OP_RELU, "relu", 1, (int[]){c}, r, NULL);
  CHECK(nq_graph_set_io(b.g, 2, (int[]){x, y}, 1, &r, &b.err) == NQ_OK);
  CHECKF(nq_graph_infer_shapes(b.g, true, &b.err) == NQ_OK, "%s", b.err.msg);
  return b.g;
}

static int count_op(const nq_graph *g, nq_op op) {
  int c = 0;
  for (int n = 0; n < g->n_nodes; n++) c += g->nodes[n].op == op;
  return c;
}

static const nq_node *find_op(const nq_graph *g, nq_op op) {
  for (int n = 0; n < g->n_nodes; n++)
    if (g->nodes[n].op == op) return &g->nodes[n];
  return NULL;
}

/* Run both graphs on the same random input; return the worst relative error.
 * Takes ownership of both graphs (they are freed with their models). */
static double run_compare(nq_graph *a, nq_graph *b) {
  nq_error err = {0};
  nq_model *ma = NULL, *mb = NULL;
  CHECK(nq_model_wrap(a, NULL, &ma, &err) == NQ_OK);
  CHECK(nq_model_wrap(b, NULL, &mb, &err) == NQ_OK);
  nq_session_options opts = {.num_threads = 1, .reference_only = 1};
  nq_session *sa = NULL, *sb = NULL;
  CHECKF(nq_session_create(ma, &opts, &sa, &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_session_create(mb, &opts, &sb, &err) == NQ_OK, "%s", err.msg);
  double worst = INFINITY;
  if (sa && sb) {
    worst = 0;
    size_t n = nq_tensor_elems(&a->tensors[a->inputs[0]]);
    float *in = malloc(n * sizeof(float));
    nq_rng rng = {99};
    for (size_t i = 0; i < n; i++) in[i] = nq_rng_uniform(&rng, -2, 2);
    CHECK(nq_session_set_input(sa, 0, in, n * 4, &err) == NQ_OK);
    CHECK(nq_session_set_input(sb, 0, in, n * 4, &err) == NQ_OK);
    CHECK(nq_session_run(sa, &err) == NQ_OK);
    CHECK(nq_session_run(sb, &err) == NQ_OK);
    for (int o = 0; o < a->n_outputs; o++) {
      const void *da, *db;
      size_t na, nb;
      CHECK(nq_session_output(sa, o, &da, &na, &err) == NQ_OK);
      CHECK(nq_session_output(sb, o, &db, &nb, &err) == NQ_OK);
      CHECK(na == nb);
      double maxabs = 1e-6, maxdiff = 0;
      for (size_t i = 0; i < na / 4; i++) {
        double va = ((const float *)da)[i], vb = ((const float *)db)[i];
        if (fabs(va) > maxabs) maxabs = fabs(va);
        if (fabs(va - vb) > maxdiff) maxdiff = fabs(va - vb);
      }
      if (maxdiff / maxabs > worst) worst = maxdiff / maxabs;
    }
    free(in);
  }
  nq_session_free(sa);
  nq_session_free(sb);
  nq_model_free(ma);
  nq_model_free(mb);
  return worst;
}

/* input [1,8,8,2] -> act -> PAD/PADV2 (H, W pads `pads`, value `pv`) -> MAX_POOL 3x3 /2 VALID. */
static nq_graph *build_pad_pool(nq_op act_op, nq_op pad_op, float pv, const int32_t pads[4]) {
  builder b = {.g = nq_graph_new(), .rng = {5}};
  int32_t in_shape[4] = {1, 8, 8, 2}, ps[2] = {4, 2}, pd[8] = {0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0};
  int x = nq_graph_add_tensor(b.g, "input", NQ_FLOAT32, 4, in_shape, &b.err);
  int a = act(&b, "act"), padded = act(&b, "padded"), out = act(&b, "pool");
  node(&b, act_op, "act", 1, (int[]){x}, a, NULL);
  int pt = nq_graph_add_tensor(b.g, "pads", NQ_INT32, 2, ps, &b.err);
  CHECK(nq_tensor_copy_data(b.g, pt, pd, sizeof pd, &b.err) == NQ_OK);
  int vt = nq_graph_add_tensor(b.g, "padval", NQ_FLOAT32, 0, NULL, &b.err);
  CHECK(nq_tensor_copy_data(b.g, vt, &pv, sizeof pv, &b.err) == NQ_OK);
  node(&b, pad_op, "pad", pad_op == NQ_OP_PADV2 ? 3 : 2, (int[]){a, pt, vt}, padded, NULL);
  nq_op_params mp = nq_op_params_default();
  mp.padding = NQ_PAD_VALID;
  mp.filter_h = mp.filter_w = 3;
  mp.stride_h = mp.stride_w = 2;
  node(&b, NQ_OP_MAX_POOL_2D, "pool", 1, (int[]){padded}, out, &mp);
  CHECK(nq_graph_set_io(b.g, 1, &x, 1, &out, &b.err) == NQ_OK);
  CHECKF(nq_graph_infer_shapes(b.g, true, &b.err) == NQ_OK, "%s", b.err.msg);
  return b.g;
}

/* Folds into a SAME pool (and gives the same outputs) exactly when `folds`. */
static void check_pad_pool(nq_op act_op, nq_op pad_op, float pv, const int32_t pads[4], bool folds) {
  nq_error err = {0};
  nq_graph *ref = build_pad_pool(act_op, pad_op, pv, pads), *opt = build_pad_pool(act_op, pad_op, pv, pads);
  CHECKF(nq_passes_optimize(opt, &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_graph_verify(opt, &err) == NQ_OK, "%s", err.msg);
  const nq_node *pool = find_op(opt, NQ_OP_MAX_POOL_2D);
  int pads_left = count_op(opt, NQ_OP_PAD) + count_op(opt, NQ_OP_PADV2);
  CHECKF(pool && pads_left == (folds ? 0 : 1) && pool->p.padding == (folds ? NQ_PAD_SAME : NQ_PAD_VALID),
         "%s %s %g pads %d,%d,%d,%d: %d pads left", nq_op_name(act_op), nq_op_name(pad_op), (double)pv, pads[0],
         pads[1], pads[2], pads[3], pads_left);
  double e = run_compare(ref, opt);
  CHECKF(e == 0.0, "pad into pool: relative error %g", e);
}

int main(void) {
  nq_error err = {0};
  /* The chain: everything foldable folds. */
  nq_graph *ref = build_chain(), *opt = build_chain();
  CHECKF(nq_passes_optimize(opt, &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_graph_verify(opt, &err) == NQ_OK, "%s", err.msg);
  CHECK(opt->n_nodes == 5);
  CHECK(count_op(opt, NQ_OP_MUL) == 0 && count_op(opt, NQ_OP_RELU) == 0 &&
        count_op(opt, NQ_OP_RELU6) == 0 && count_op(opt, NQ_OP_TANH) == 0);
  CHECK(count_op(opt, NQ_OP_RESHAPE) == 1 && count_op(opt, NQ_OP_ADD) == 1);
  const nq_node *conv = find_op(opt, NQ_OP_CONV_2D), *dw = find_op(opt, NQ_OP_DEPTHWISE_CONV_2D);
  CHECK(conv && conv->p.act == NQ_ACT_RELU && conv->in[0] == opt->inputs[0]);
  CHECK(dw && dw->p.act == NQ_ACT_RELU6);
  const nq_node *fc = find_op(opt, NQ_OP_FULLY_CONNECTED);
  CHECK(fc && fc->out[0] == opt->outputs[0]);
  CHECK(strcmp(opt->tensors[opt->outputs[0]].name, "logits") == 0);
  const nq_node *rs = find_op(opt, NQ_OP_RESHAPE);
  CHECK(rs && rs->n_in == 2 && opt->tensors[rs->in[1]].type == NQ_INT32 &&
        opt->tensors[rs->in[1]].data && ((const int32_t *)opt->tensors[rs->in[1]].data)[1] == 64);
  /* every tensor left is referenced: (input, conv w/b, conv out, dw w/b, dw out, csum,
   * shifted, shape, flat, fc w/b, logits) */
  CHECKF(opt->n_tensors == 14, "n_tensors %d", opt->n_tensors);
  int n_after = opt->n_nodes;
  double e = run_compare(ref, opt); /* frees both graphs */
  CHECKF(e < 1e-5, "relative error %g", e);
  fprintf(stderr, "chain: %d nodes after passes, relative error %.3g\n", n_after, e);

  /* Shared / output producers stay as they are. */
  nq_graph *sref = build_shared(), *sopt = build_shared();
  CHECKF(nq_passes_optimize(sopt, &err) == NQ_OK, "%s", err.msg);
  CHECK(sopt->n_nodes == 3 && find_op(sopt, NQ_OP_CONV_2D)->p.act == NQ_ACT_NONE);
  e = run_compare(sref, sopt);
  CHECKF(e < 1e-6, "relative error %g", e);

  nq_graph *cat = build_concat_relu();
  CHECKF(nq_passes_optimize(cat, &err) == NQ_OK, "%s", err.msg);
  CHECK(count_op(cat, NQ_OP_RELU) == 1 && find_op(cat, NQ_OP_CONCATENATION)->p.act == NQ_ACT_NONE);
  nq_graph_free(cat);

  /* A pad that only feeds a max pool becomes the pool's SAME padding when the
   * pads are SAME's (0 before, 1 after for 3x3 /2 on 8) and the value can
   * never win; ONNX-style pads (1 before) or a zero pad over negatives stay. */
  const int32_t same_pads[4] = {0, 1, 0, 1}, onnx_pads[4] = {1, 1, 1, 1};
  check_pad_pool(NQ_OP_HARD_SWISH, NQ_OP_PADV2, -FLT_MAX, same_pads, true);
  check_pad_pool(NQ_OP_HARD_SWISH, NQ_OP_PADV2, -INFINITY, same_pads, true);
  check_pad_pool(NQ_OP_RELU, NQ_OP_PAD, 0.0f, same_pads, true);
  check_pad_pool(NQ_OP_HARD_SWISH, NQ_OP_PAD, 0.0f, same_pads, false);
  check_pad_pool(NQ_OP_HARD_SWISH, NQ_OP_PADV2, -1.0f, same_pads, false);
  check_pad_pool(NQ_OP_HARD_SWISH, NQ_OP_PADV2, -FLT_MAX, onnx_pads, false);
  return nq_test_finish("test_passes");
}
