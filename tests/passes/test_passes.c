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

#include "pass_graph.h"
#include "passes/passes.h"

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
  int s0 = pg_kint(&b, "same_shape", 4, same);
  int x1 = pg_act(&b, "reshaped");
  pg_node(&b, NQ_OP_RESHAPE, "id_reshape", 2, (int[]){x, s0}, x1, NULL);
  int32_t ws[4] = {4, 3, 3, 3}, bs[1] = {4}, c4[4] = {1, 1, 1, 4}, one[1] = {1};
  int w = pg_konst(&b, "conv/w", 4, ws, -1, 1), bias = pg_konst(&b, "conv/b", 1, bs, -1, 1);
  int y = pg_act(&b, "conv");
  pg_node(&b, NQ_OP_CONV_2D, "conv", 3, (int[]){x1, w, bias}, y, &conv);
  int scale = pg_konst(&b, "bn/scale", 1, bs, 0.5f, 2), shift = pg_konst(&b, "bn/shift", 4, c4, -1, 1);
  int y2 = pg_act(&b, "bn/mul"), y3 = pg_act(&b, "bn/add"), y4 = pg_act(&b, "relu");
  pg_node(&b, NQ_OP_MUL, "bn/mul", 2, (int[]){y, scale}, y2, NULL);
  pg_node(&b, NQ_OP_ADD, "bn/add", 2, (int[]){shift, y2}, y3, NULL);
  pg_node(&b, NQ_OP_RELU, "relu", 1, (int[]){y3}, y4, NULL);
  int32_t dws[4] = {1, 3, 3, 4};
  int dww = pg_konst(&b, "dw/w", 4, dws, -1, 1), dwb = pg_konst(&b, "dw/b", 1, bs, -1, 1);
  int z = pg_act(&b, "dw"), z2 = pg_act(&b, "dw/mul"), z3 = pg_act(&b, "relu6");
  pg_node(&b, NQ_OP_DEPTHWISE_CONV_2D, "dw", 3, (int[]){y4, dww, dwb}, z, &dw);
  int sc = pg_konst(&b, "dw/scale", 1, one, 2, 3);
  pg_node(&b, NQ_OP_MUL, "dw/mul", 2, (int[]){z, sc}, z2, NULL);
  pg_node(&b, NQ_OP_RELU6, "relu6", 1, (int[]){z2}, z3, NULL);
  int ca = pg_konst(&b, "ca", 1, bs, -1, 1), cb = pg_konst(&b, "cb", 1, bs, -1, 1), cs = pg_act(&b, "csum");
  pg_node(&b, NQ_OP_ADD, "csum", 2, (int[]){ca, cb}, cs, NULL);
  int z4 = pg_act(&b, "shifted");
  pg_node(&b, NQ_OP_ADD, "shifted", 2, (int[]){z3, cs}, z4, NULL);
  int sa = pg_kint(&b, "sa", 2, (int32_t[]){1, 60}), sb = pg_kint(&b, "sb", 2, (int32_t[]){0, 4});
  int sh = nq_graph_add_tensor(b.g, "shape", NQ_INT32, 0, NULL, &b.err);
  pg_node(&b, NQ_OP_ADD, "shape", 2, (int[]){sa, sb}, sh, NULL);
  int flat = pg_act(&b, "flat");
  /* new_shape too, so the unoptimized graph can run (its shape operand is computed) */
  nq_op_params rp = nq_op_params_default();
  rp.new_shape[0] = 1;
  rp.new_shape[1] = 64;
  rp.new_shape_rank = 2;
  pg_node(&b, NQ_OP_RESHAPE, "flat", 2, (int[]){z4, sh}, flat, &rp);
  int32_t fws[2] = {5, 64}, f5[1] = {5};
  int fw = pg_konst(&b, "fc/w", 2, fws, -0.2f, 0.2f), fb = pg_konst(&b, "fc/b", 1, f5, -1, 1);
  int f = pg_act(&b, "fc"), out = pg_act(&b, "logits"), dead = pg_act(&b, "unused");
  pg_node(&b, NQ_OP_FULLY_CONNECTED, "fc", 3, (int[]){flat, fw, fb}, f, NULL);
  int fs = pg_konst(&b, "fc/scale", 1, f5, -2, 2);
  pg_node(&b, NQ_OP_MUL, "logits", 2, (int[]){f, fs}, out, NULL);
  pg_node(&b, NQ_OP_TANH, "unused", 1, (int[]){x}, dead, NULL);
  CHECK(nq_graph_set_io(b.g, 1, &x, 1, &out, &b.err) == NQ_OK);
  CHECKF(nq_graph_infer_shapes(b.g, true, &b.err) == NQ_OK, "%s", b.err.msg);
  return b.g;
}

/* conv output is both a model output and read by MUL and RELU: nothing may fold. */
static nq_graph *build_shared(void) {
  builder b = {.g = nq_graph_new(), .rng = {777}};
  int32_t in_shape[4] = {1, 5, 5, 2}, ws[4] = {3, 1, 1, 2}, bs[1] = {3};
  int x = nq_graph_add_tensor(b.g, "input", NQ_FLOAT32, 4, in_shape, &b.err);
  int w = pg_konst(&b, "w", 4, ws, -1, 1), bias = pg_konst(&b, "b", 1, bs, -1, 1);
  int y = pg_act(&b, "conv"), m = pg_act(&b, "mul"), r = pg_act(&b, "relu");
  pg_node(&b, NQ_OP_CONV_2D, "conv", 3, (int[]){x, w, bias}, y, NULL);
  int s = pg_konst(&b, "s", 1, bs, 1, 2);
  pg_node(&b, NQ_OP_MUL, "mul", 2, (int[]){y, s}, m, NULL);
  pg_node(&b, NQ_OP_RELU, "relu", 1, (int[]){y}, r, NULL);
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
  int c = pg_act(&b, "cat"), r = pg_act(&b, "relu");
  nq_op_params p = nq_op_params_default();
  p.axis = 1;
  pg_node(&b, NQ_OP_CONCATENATION, "cat", 2, (int[]){x, y}, c, &p);
  pg_node(&b, NQ_OP_RELU, "relu", 1, (int[]){c}, r, NULL);
  CHECK(nq_graph_set_io(b.g, 2, (int[]){x, y}, 1, &r, &b.err) == NQ_OK);
  CHECKF(nq_graph_infer_shapes(b.g, true, &b.err) == NQ_OK, "%s", b.err.msg);
  return b.g;
}

/* input [1,8,8,2] -> act -> PAD/PADV2 (H, W pads `pads`, value `pv`) -> MAX_POOL 3x3 /2 VALID. */
static nq_graph *build_pad_pool(nq_op act_op, nq_op pad_op, float pv, const int32_t pads[4]) {
  builder b = {.g = nq_graph_new(), .rng = {5}};
  int32_t in_shape[4] = {1, 8, 8, 2}, ps[2] = {4, 2},
          pd[8] = {0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0};
  int x = nq_graph_add_tensor(b.g, "input", NQ_FLOAT32, 4, in_shape, &b.err);
  int a = pg_act(&b, "act"), padded = pg_act(&b, "padded"), out = pg_act(&b, "pool");
  pg_node(&b, act_op, "act", 1, (int[]){x}, a, NULL);
  int pt = nq_graph_add_tensor(b.g, "pads", NQ_INT32, 2, ps, &b.err);
  CHECK(nq_tensor_copy_data(b.g, pt, pd, sizeof pd, &b.err) == NQ_OK);
  int vt = nq_graph_add_tensor(b.g, "padval", NQ_FLOAT32, 0, NULL, &b.err);
  CHECK(nq_tensor_copy_data(b.g, vt, &pv, sizeof pv, &b.err) == NQ_OK);
  pg_node(&b, pad_op, "pad", pad_op == NQ_OP_PADV2 ? 3 : 2, (int[]){a, pt, vt}, padded, NULL);
  nq_op_params mp = nq_op_params_default();
  mp.padding = NQ_PAD_VALID;
  mp.filter_h = mp.filter_w = 3;
  mp.stride_h = mp.stride_w = 2;
  pg_node(&b, NQ_OP_MAX_POOL_2D, "pool", 1, (int[]){padded}, out, &mp);
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
  const nq_node *pool = pg_find_op(opt, NQ_OP_MAX_POOL_2D);
  int pads_left = pg_count_op(opt, NQ_OP_PAD) + pg_count_op(opt, NQ_OP_PADV2);
  CHECKF(pool && pads_left == (folds ? 0 : 1) && pool->p.padding == (folds ? NQ_PAD_SAME : NQ_PAD_VALID),
         "%s %s %g pads %d,%d,%d,%d: %d pads left", nq_op_name(act_op), nq_op_name(pad_op), (double)pv,
         pads[0], pads[1], pads[2], pads[3], pads_left);
  double e = pg_run_compare(ref, opt, -2, 2); /* frees both graphs */
  CHECKF(e == 0.0, "pad into pool: relative error %g", e);
}

int main(void) {
  nq_error err = {0};
  /* The chain: everything foldable folds. */
  nq_graph *ref = build_chain(), *opt = build_chain();
  CHECKF(nq_passes_optimize(opt, &err) == NQ_OK, "%s", err.msg);
  CHECKF(nq_graph_verify(opt, &err) == NQ_OK, "%s", err.msg);
  CHECK(opt->n_nodes == 5);
  CHECK(pg_count_op(opt, NQ_OP_MUL) == 0 && pg_count_op(opt, NQ_OP_RELU) == 0 &&
        pg_count_op(opt, NQ_OP_RELU6) == 0 && pg_count_op(opt, NQ_OP_TANH) == 0);
  CHECK(pg_count_op(opt, NQ_OP_RESHAPE) == 1 && pg_count_op(opt, NQ_OP_ADD) == 1);
  const nq_node *conv = pg_find_op(opt, NQ_OP_CONV_2D), *dw = pg_find_op(opt, NQ_OP_DEPTHWISE_CONV_2D);
  CHECK(conv && conv->p.act == NQ_ACT_RELU && conv->in[0] == opt->inputs[0]);
  CHECK(dw && dw->p.act == NQ_ACT_RELU6);
  const nq_node *fc = pg_find_op(opt, NQ_OP_FULLY_CONNECTED);
  CHECK(fc && fc->out[0] == opt->outputs[0]);
  CHECK(strcmp(opt->tensors[opt->outputs[0]].name, "logits") == 0);
  const nq_node *rs = pg_find_op(opt, NQ_OP_RESHAPE);
  CHECK(rs && rs->n_in == 2 && opt->tensors[rs->in[1]].type == NQ_INT32 && opt->tensors[rs->in[1]].data &&
        ((const int32_t *)opt->tensors[rs->in[1]].data)[1] == 64);
  /* every tensor left is referenced: (input, conv w/b, conv out, dw w/b, dw out, csum,
   * shifted, shape, flat, fc w/b, logits) */
  CHECKF(opt->n_tensors == 14, "n_tensors %d", opt->n_tensors);
  int n_after = opt->n_nodes;
  double e = pg_run_compare(ref, opt, -2, 2); /* frees both graphs */
  CHECKF(e < 1e-5, "relative error %g", e);
  fprintf(stderr, "chain: %d nodes after passes, relative error %.3g\n", n_after, e);

  /* Shared / output producers stay as they are. */
  nq_graph *sref = build_shared(), *sopt = build_shared();
  CHECKF(nq_passes_optimize(sopt, &err) == NQ_OK, "%s", err.msg);
  CHECK(sopt->n_nodes == 3 && pg_find_op(sopt, NQ_OP_CONV_2D)->p.act == NQ_ACT_NONE);
  e = pg_run_compare(sref, sopt, -2, 2);
  CHECKF(e < 1e-6, "relative error %g", e);

  nq_graph *cat = build_concat_relu();
  CHECKF(nq_passes_optimize(cat, &err) == NQ_OK, "%s", err.msg);
  CHECK(pg_count_op(cat, NQ_OP_RELU) == 1 && pg_find_op(cat, NQ_OP_CONCATENATION)->p.act == NQ_ACT_NONE);
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
