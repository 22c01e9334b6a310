/*
 * The canonical-form and fusion passes, one case per pattern and spelling:
 * each graph is built twice, one copy goes through nq_passes_optimize, the
 * ops left are checked (what should be fused is one op, what must not be
 * is untouched) and both copies run on the same random inputs (reference
 * kernels) with outputs equal to float rounding.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pass_graph.h"
#include "passes/passes.h"

typedef int (*build_fn)(builder *b, int x); /* returns the output tensor */

static const int32_t SHAPE[4] = {1, 4, 4, 8};

static nq_graph *build(build_fn f) {
  builder b = {.g = nq_graph_new(), .rng = {4242}};
  int x = nq_graph_add_tensor(b.g, "input", NQ_FLOAT32, 4, SHAPE, &b.err);
  int y = f(&b, x);
  CHECK(nq_graph_set_io(b.g, 1, &x, 1, &y, &b.err) == NQ_OK);
  CHECKF(nq_graph_infer_shapes(b.g, true, &b.err) == NQ_OK, "%s", b.err.msg);
  return b.g;
}

/* Optimize a copy of f's graph, check it with `expect`, compare outputs over
 * inputs in [lo, hi). */
static void check_case(const char *what, build_fn f, float lo, float hi, bool (*expect)(const nq_graph *g)) {
  nq_error err = {0};
  nq_graph *ref = build(f), *opt = build(f);
  int before = ref->n_nodes;
  CHECKF(nq_passes_optimize(opt, &err) == NQ_OK, "%s: %s", what, err.msg);
  CHECKF(nq_graph_verify(opt, &err) == NQ_OK, "%s: %s", what, err.msg);
  CHECKF(expect(opt), "%s: unexpected graph after passes (%d nodes, first op %s)", what, opt->n_nodes,
         opt->n_nodes ? nq_op_name(opt->nodes[0].op) : "-");
  int after = opt->n_nodes;
  double e = pg_run_compare(ref, opt, lo, hi);
  CHECKF(e < 2e-6, "%s: relative error %g", what, e);
  fprintf(stderr, "%-28s %d -> %d nodes, relative error %.2g\n", what, before, after, e);
}

static bool only(const nq_graph *g, nq_op op) { return g->n_nodes == 1 && g->nodes[0].op == op; }

/* ---- division by a constant, DIV by SQRT, POW ---------------------------------------- */

static int div_per_channel(builder *b, int x) {
  int32_t c8[1] = {8};
  return pg_bin(b, NQ_OP_DIV, "div", x, pg_konst(b, "d", 1, c8, 0.5f, 3.0f));
}
static bool is_mul(const nq_graph *g) { return only(g, NQ_OP_MUL); }

static int div_by_zero(builder *b, int x) {
  return pg_bin(b, NQ_OP_DIV, "div", x, pg_scalar(b, "zero", 0.0f));
}
static bool is_div(const nq_graph *g) { return only(g, NQ_OP_DIV); }

static int div_by_sqrt(builder *b, int x) {
  int v = pg_bin(b, NQ_OP_ADD, "v", pg_un(b, NQ_OP_ABS, "abs", x), pg_scalar(b, "eps", 0.5f));
  return pg_bin(b, NQ_OP_DIV, "div", x, pg_un(b, NQ_OP_SQRT, "sqrt", v));
}
static bool is_rsqrt_mul(const nq_graph *g) {
  return pg_count_op(g, NQ_OP_RSQRT) == 1 && pg_count_op(g, NQ_OP_MUL) == 1 && !pg_count_op(g, NQ_OP_DIV) &&
         !pg_count_op(g, NQ_OP_SQRT);
}

static int pow2(builder *b, int x) { return pg_bin(b, NQ_OP_POW, "pow", x, pg_scalar(b, "two", 2.0f)); }
static bool is_square(const nq_graph *g) { return only(g, NQ_OP_SQUARE); }
static int pow3(builder *b, int x) { return pg_bin(b, NQ_OP_POW, "pow", x, pg_scalar(b, "three", 3.0f)); }
static bool is_pow(const nq_graph *g) { return only(g, NQ_OP_POW); }

/* ---- clamps ------------------------------------------------------------------------- */

static int clip06(builder *b, int x) {
  int m = pg_bin(b, NQ_OP_MAXIMUM, "max", x, pg_scalar(b, "zero", 0.0f));
  return pg_bin(b, NQ_OP_MINIMUM, "min", m, pg_scalar(b, "six", 6.0f));
}
static bool is_relu6(const nq_graph *g) { return only(g, NQ_OP_RELU6); }
static int clip11(builder *b, int x) {
  int m = pg_bin(b, NQ_OP_MINIMUM, "min", pg_scalar(b, "one", 1.0f), x);
  return pg_bin(b, NQ_OP_MAXIMUM, "max", m, pg_scalar(b, "minus_one", -1.0f));
}
static bool is_relu_n1(const nq_graph *g) { return only(g, NQ_OP_RELU_N1_TO_1); }
static int clip05(builder *b, int x) {
  int m = pg_bin(b, NQ_OP_MAXIMUM, "max", x, pg_scalar(b, "zero", 0.0f));
  return pg_bin(b, NQ_OP_MINIMUM, "min", m, pg_scalar(b, "five", 5.0f));
}
static bool is_relu_min(const nq_graph *g) {
  return g->n_nodes == 2 && g->nodes[0].op == NQ_OP_RELU && g->nodes[1].op == NQ_OP_MINIMUM;
}

/* ---- hard-swish ---------------------------------------------------------------------- */

static int relu6_x3(builder *b, int x, bool fused) {
  if (fused) {
    nq_op_params p = nq_op_params_default();
    p.act = NQ_ACT_RELU6;
    int a = pg_act(b, "add3");
    pg_node(b, NQ_OP_ADD, "add3", 2, (int[]){x, pg_scalar(b, "three", 3.0f)}, a, &p);
    return a;
  }
  return pg_un(b, NQ_OP_RELU6, "relu6", pg_bin(b, NQ_OP_ADD, "add3", pg_scalar(b, "three", 3.0f), x));
}
/* (x * relu6(x + 3)) / 6: the ONNX/PyTorch spelling */
static int hswish_div(builder *b, int x) {
  return pg_bin(b, NQ_OP_DIV, "div6", pg_bin(b, NQ_OP_MUL, "mul", x, relu6_x3(b, x, false)),
                pg_scalar(b, "six", 6));
}
/* x * (relu6(x + 3) * (1/6)), the ADD with a fused RELU6 */
static int hswish_fused(builder *b, int x) {
  int h = pg_bin(b, NQ_OP_MUL, "hsig", relu6_x3(b, x, true), pg_scalar(b, "sixth", 1.0f / 6.0f));
  return pg_bin(b, NQ_OP_MUL, "mul", x, h);
}
/* x * min(max(x + 3, 0), 6) * 0.16666667 (TF ClipByValue) */
static int hswish_clip(builder *b, int x) {
  int a = pg_bin(b, NQ_OP_ADD, "add3", x, pg_scalar(b, "three", 3.0f));
  int c = pg_bin(b, NQ_OP_MINIMUM, "min", pg_bin(b, NQ_OP_MAXIMUM, "max", a, pg_scalar(b, "zero", 0)),
                 pg_scalar(b, "six", 6));
  return pg_bin(b, NQ_OP_MUL, "sixth", pg_bin(b, NQ_OP_MUL, "mul", c, x), pg_scalar(b, "k", 0.16666667f));
}
/* x * hard_sigmoid(x), hard_sigmoid as ONNX HardSigmoid(alpha 1/6, beta 0.5) is emitted */
static int hswish_hsig(builder *b, int x) {
  int s = pg_bin(b, NQ_OP_MUL, "a", x, pg_scalar(b, "six_alpha", 6.0f * (1.0f / 6.0f)));
  int r = pg_un(b, NQ_OP_RELU6, "relu6", pg_bin(b, NQ_OP_ADD, "b", s, pg_scalar(b, "six_beta", 3.0f)));
  return pg_bin(b, NQ_OP_MUL, "mul", pg_bin(b, NQ_OP_MUL, "sixth", r, pg_scalar(b, "k", 1.0f / 6.0f)), x);
}
/* Keras Rescaling(scale=1, offset=3) ... Rescaling(1/6): MUL by 1 first, ADD 0 last (the model output) */
static int hswish_rescaling(builder *b, int x) {
  int s = pg_bin(b, NQ_OP_MUL, "scale1", x, pg_scalar(b, "one", 1.0f));
  int r = pg_un(b, NQ_OP_RELU6, "relu6", pg_bin(b, NQ_OP_ADD, "offset3", s, pg_scalar(b, "three", 3.0f)));
  int m = pg_bin(b, NQ_OP_MUL, "sixth", pg_bin(b, NQ_OP_MUL, "mul", x, r), pg_scalar(b, "k", 1.0f / 6.0f));
  return pg_bin(b, NQ_OP_ADD, "offset0", m, pg_scalar(b, "zero", 0.0f));
}
static bool is_hswish(const nq_graph *g) {
  return only(g, NQ_OP_HARD_SWISH) && g->nodes[0].in[0] == g->inputs[0];
}
/* x * relu6(x + 2) / 6 is not hard-swish */
static int not_hswish(builder *b, int x) {
  int r = pg_un(b, NQ_OP_RELU6, "relu6", pg_bin(b, NQ_OP_ADD, "add2", x, pg_scalar(b, "two", 2.0f)));
  return pg_bin(b, NQ_OP_MUL, "sixth", pg_bin(b, NQ_OP_MUL, "mul", x, r), pg_scalar(b, "k", 1.0f / 6.0f));
}
static bool no_hswish(const nq_graph *g) { return !pg_count_op(g, NQ_OP_HARD_SWISH) && g->n_nodes == 3; }
/* the relu6 result is also read elsewhere: fusing would compute it twice */
static int hswish_shared(builder *b, int x) {
  int r = relu6_x3(b, x, false);
  int h = pg_bin(b, NQ_OP_DIV, "div6", pg_bin(b, NQ_OP_MUL, "mul", x, r), pg_scalar(b, "six", 6));
  return pg_bin(b, NQ_OP_ADD, "sum", h, r);
}
static bool hswish_kept(const nq_graph *g) { return !pg_count_op(g, NQ_OP_HARD_SWISH); }

/* ---- GELU (tanh approximation), SiLU -------------------------------------------------- */

/* PyTorch's gelu(approximate='tanh') export: 0.5 * x * (1 + tanh(c * (x + 0.044715 * x^3))) */
static int gelu_torch(builder *b, int x) {
  int x3 = pg_bin(b, NQ_OP_POW, "pow3", x, pg_scalar(b, "three", 3.0f));
  int inner = pg_bin(b, NQ_OP_ADD, "inner", x, pg_bin(b, NQ_OP_MUL, "k1", x3, pg_scalar(b, "c1", 0.044715f)));
  int t = pg_un(b, NQ_OP_TANH, "tanh", pg_bin(b, NQ_OP_MUL, "k0", inner, pg_scalar(b, "c0", 0.7978845608f)));
  int half = pg_bin(b, NQ_OP_MUL, "half", x, pg_scalar(b, "h", 0.5f));
  return pg_bin(b, NQ_OP_MUL, "gelu", half, pg_bin(b, NQ_OP_ADD, "onep", t, pg_scalar(b, "one", 1.0f)));
}
/* TensorFlow's tf.nn.gelu(approximate=True): x^3 as x * x * x, c distributed */
static int gelu_tf(builder *b, int x) {
  int x3 = pg_bin(b, NQ_OP_MUL, "x3", pg_bin(b, NQ_OP_MUL, "x2", x, x), x);
  int a = pg_bin(b, NQ_OP_MUL, "cx3", pg_scalar(b, "c01", 0.7978845608f * 0.044715f), x3);
  int inner =
      pg_bin(b, NQ_OP_ADD, "inner", pg_bin(b, NQ_OP_MUL, "cx", x, pg_scalar(b, "c0", 0.7978845608f)), a);
  int t = pg_un(b, NQ_OP_TANH, "tanh", inner);
  int h = pg_bin(b, NQ_OP_MUL, "half", pg_scalar(b, "h", 0.5f),
                 pg_bin(b, NQ_OP_ADD, "onep", pg_scalar(b, "one", 1), t));
  return pg_bin(b, NQ_OP_MUL, "gelu", x, h);
}
static bool is_gelu(const nq_graph *g) { return only(g, NQ_OP_GELU) && g->nodes[0].p.approximate; }
/* PyTorch's nn.GELU() export: Div(x, 1.4142135) -> Erf -> Add 1 -> Mul x -> Mul 0.5 */
static int gelu_erf(builder *b, int x) {
  int e = pg_un(b, NQ_OP_ERF, "erf", pg_bin(b, NQ_OP_DIV, "div", x, pg_scalar(b, "sqrt2", 1.4142135f)));
  int u = pg_bin(b, NQ_OP_ADD, "onep", e, pg_scalar(b, "one", 1.0f));
  return pg_bin(b, NQ_OP_MUL, "gelu", pg_bin(b, NQ_OP_MUL, "xu", x, u), pg_scalar(b, "h", 0.5f));
}
static bool is_gelu_erf(const nq_graph *g) { return only(g, NQ_OP_GELU) && !g->nodes[0].p.approximate; }
static int silu(builder *b, int x) {
  return pg_bin(b, NQ_OP_MUL, "silu", x, pg_un(b, NQ_OP_LOGISTIC, "sig", x));
}
static bool is_silu(const nq_graph *g) {
  return g->n_nodes == 2 && g->nodes[0].op == NQ_OP_LOGISTIC && g->nodes[1].op == NQ_OP_MUL;
}

/* ---- LayerNorm, decomposed as PyTorch exports it before opset 17 ----------------------- */

static int layernorm(builder *b, int x) {
  nq_op_params keep = nq_op_params_default();
  keep.keep_dims = true;
  int axis = pg_kint(b, "axis", 1, (int32_t[]){-1});
  int m = pg_act(b, "mean");
  pg_node(b, NQ_OP_MEAN, "mean", 2, (int[]){x, axis}, m, &keep);
  int d = pg_bin(b, NQ_OP_SUB, "sub", x, m);
  int sq = pg_bin(b, NQ_OP_POW, "pow", d, pg_scalar(b, "two", 2.0f));
  int v = pg_act(b, "var");
  pg_node(b, NQ_OP_MEAN, "var", 2, (int[]){sq, axis}, v, &keep);
  int s = pg_un(b, NQ_OP_SQRT, "sqrt", pg_bin(b, NQ_OP_ADD, "eps", v, pg_scalar(b, "e", 1e-5f)));
  int n = pg_bin(b, NQ_OP_DIV, "norm", d, s);
  int32_t c8[1] = {8};
  int y = pg_bin(b, NQ_OP_MUL, "gamma", n, pg_konst(b, "g", 1, c8, 0.5f, 2.0f));
  return pg_bin(b, NQ_OP_ADD, "beta", y, pg_konst(b, "bt", 1, c8, -1.0f, 1.0f));
}
static bool is_layernorm_int8_form(const nq_graph *g) {
  return !pg_count_op(g, NQ_OP_DIV) && !pg_count_op(g, NQ_OP_POW) && !pg_count_op(g, NQ_OP_SQRT) &&
         pg_count_op(g, NQ_OP_RSQRT) == 1 && pg_count_op(g, NQ_OP_SQUARE) == 1 &&
         pg_count_op(g, NQ_OP_MEAN) == 2 && g->n_nodes == 9;
}

/* ---- transposes ---------------------------------------------------------------------- */

static int transpose(builder *b, const char *name, int x, const int32_t *perm) {
  return pg_bin(b, NQ_OP_TRANSPOSE, name, x, pg_kint(b, "perm", 4, perm));
}
static int nchw_roundtrip(builder *b, int x) {
  int t = transpose(b, "to_nchw", x, (int32_t[]){0, 3, 1, 2});
  return pg_un(b, NQ_OP_RELU, "relu", transpose(b, "to_nhwc", t, (int32_t[]){0, 2, 3, 1}));
}
static bool is_relu(const nq_graph *g) { return only(g, NQ_OP_RELU) && g->nodes[0].in[0] == g->inputs[0]; }
static int two_transposes(builder *b, int x) {
  int t = transpose(b, "t1", x, (int32_t[]){0, 3, 1, 2});
  return transpose(b, "t2", t, (int32_t[]){0, 1, 3, 2});
}
static bool is_transpose(const nq_graph *g) {
  return only(g, NQ_OP_TRANSPOSE) && g->nodes[0].in[0] == g->inputs[0];
}

/* ---- channel shuffles (channel_shuffle.c, fold_channel_gather.c) --------------------- */

/* [1,4,4,8] -> [1,4,4,g,8/g] -> swap the last two -> [1,4,4,8]: ShuffleNet's shuffle in NHWC. */
static int shuffle_g(builder *b, int x, int groups, const int32_t *perm) {
  int r =
      pg_bin(b, NQ_OP_RESHAPE, "split_c", x, pg_kint(b, "s5", 5, (int32_t[]){1, 4, 4, groups, 8 / groups}));
  int t = pg_bin(b, NQ_OP_TRANSPOSE, "swap", r, pg_kint(b, "p5", 5, perm));
  return pg_bin(b, NQ_OP_RESHAPE, "merge_c", t, pg_kint(b, "s4", 4, (int32_t[]){1, 4, 4, 8}));
}
static int shuffle(builder *b, int x) { return shuffle_g(b, x, 2, (int32_t[]){0, 1, 2, 4, 3}); }
static bool is_gather(const nq_graph *g) {
  return only(g, NQ_OP_GATHER) && g->nodes[0].in[0] == g->inputs[0] && g->nodes[0].p.axis == 3;
}
static int conv1x1(builder *b, const char *name, int x, int cin, int cout) {
  int y = pg_act(b, name);
  int32_t ws[4] = {cout, 1, 1, cin}, bs[1] = {cout};
  pg_node(b, NQ_OP_CONV_2D, name, 3,
          (int[]){x, pg_konst(b, "w", 4, ws, -1.0f, 1.0f), pg_konst(b, "b", 1, bs, -0.5f, 0.5f)}, y, NULL);
  return y;
}
static int shuffle_conv(builder *b, int x) {
  return conv1x1(b, "conv", shuffle_g(b, x, 4, (int32_t[]){0, 1, 2, 4, 3}), 8, 6);
}
static bool is_conv_on_input(const nq_graph *g) {
  return only(g, NQ_OP_CONV_2D) && g->nodes[0].in[0] == g->inputs[0];
}
static int channel_slice(builder *b, int x, int begin, int end) {
  int y = pg_act(b, "half");
  pg_node(
      b, NQ_OP_STRIDED_SLICE, "half", 4,
      (int[]){x, pg_kint(b, "b", 4, (int32_t[]){0, 0, 0, begin}),
              pg_kint(b, "e", 4, (int32_t[]){1, 4, 4, end}), pg_kint(b, "st", 4, (int32_t[]){1, 1, 1, 1})},
      y, NULL);
  return y;
}
static int shuffle_split(builder *b, int x) {
  int s = shuffle(b, x), y = pg_act(b, "cat");
  nq_op_params p = nq_op_params_default();
  p.axis = 3;
  pg_node(b, NQ_OP_CONCATENATION, "cat", 2, (int[]){channel_slice(b, s, 4, 8), channel_slice(b, s, 0, 4)}, y,
          &p);
  return y;
}
static bool is_two_gathers_concat(const nq_graph *g) {
  return g->n_nodes == 3 && pg_count_op(g, NQ_OP_GATHER) == 2 && pg_count_op(g, NQ_OP_CONCATENATION) == 1;
}
static int shuffle_pad_dw_conv(builder *b, int x) {
  int s = shuffle_g(b, x, 4, (int32_t[]){0, 1, 2, 4, 3});
  int pad = pg_bin(b, NQ_OP_PAD, "pad", s, pg_kint(b, "pads", 8, (int32_t[]){0, 0, 1, 1, 1, 1, 0, 0}));
  int32_t ws[4] = {1, 3, 3, 8}, bs[1] = {8};
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_VALID;
  int dw = pg_act(b, "dw");
  pg_node(b, NQ_OP_DEPTHWISE_CONV_2D, "dw", 3,
          (int[]){pad, pg_konst(b, "dww", 4, ws, -1.0f, 1.0f), pg_konst(b, "dwb", 1, bs, -0.5f, 0.5f)}, dw,
          &p);
  return conv1x1(b, "conv", pg_un(b, NQ_OP_RELU, "relu", dw), 8, 5);
}
static bool is_pad_dw_conv(const nq_graph *g) {
  return g->n_nodes == 3 && g->nodes[0].op == NQ_OP_PAD && g->nodes[0].in[0] == g->inputs[0] &&
         g->nodes[1].op == NQ_OP_DEPTHWISE_CONV_2D && g->nodes[1].p.act == NQ_ACT_RELU &&
         g->nodes[2].op == NQ_OP_CONV_2D;
}
static int half_into_conv(builder *b, int x) {
  return conv1x1(b, "conv", channel_slice(b, shuffle(b, x), 0, 4), 4, 3);
}
static bool is_gather_conv(const nq_graph *g) {
  return g->n_nodes == 2 && g->nodes[0].op == NQ_OP_GATHER && g->nodes[1].op == NQ_OP_CONV_2D;
}
/* The transpose moves a spatial axis: not a channel permutation. */
static int not_a_shuffle(builder *b, int x) { return shuffle_g(b, x, 2, (int32_t[]){0, 2, 1, 3, 4}); }
static bool transpose_kept(const nq_graph *g) {
  return pg_count_op(g, NQ_OP_TRANSPOSE) == 1 && !pg_count_op(g, NQ_OP_GATHER);
}

int main(void) {
  check_case("div by constant", div_per_channel, -3, 3, is_mul);
  check_case("div by zero stays", div_by_zero, 1, 3, is_div);
  check_case("div by sqrt", div_by_sqrt, -3, 3, is_rsqrt_mul);
  check_case("pow 2", pow2, -3, 3, is_square);
  check_case("pow 3 stays", pow3, -3, 3, is_pow);
  check_case("clip 0..6", clip06, -8, 8, is_relu6);
  check_case("clip -1..1", clip11, -3, 3, is_relu_n1);
  check_case("clip 0..5 (relu only)", clip05, -8, 8, is_relu_min);
  check_case("hard-swish / 6", hswish_div, -6, 6, is_hswish);
  check_case("hard-swish fused relu6", hswish_fused, -6, 6, is_hswish);
  check_case("hard-swish clip", hswish_clip, -6, 6, is_hswish);
  check_case("x * hard_sigmoid(x)", hswish_hsig, -6, 6, is_hswish);
  check_case("hard-swish keras rescaling", hswish_rescaling, -6, 6, is_hswish);
  check_case("x * relu6(x + 2) / 6", not_hswish, -6, 6, no_hswish);
  check_case("hard-swish shared relu6", hswish_shared, -6, 6, hswish_kept);
  check_case("gelu erf (torch)", gelu_erf, -5, 5, is_gelu_erf);
  check_case("gelu tanh (torch)", gelu_torch, -5, 5, is_gelu);
  check_case("gelu tanh (tf)", gelu_tf, -5, 5, is_gelu);
  check_case("silu stays", silu, -5, 5, is_silu);
  check_case("layernorm decomposed", layernorm, -3, 3, is_layernorm_int8_form);
  check_case("transposes cancel", nchw_roundtrip, -3, 3, is_relu);
  check_case("transposes compose", two_transposes, -3, 3, is_transpose);
  check_case("channel shuffle -> gather", shuffle, -3, 3, is_gather);
  check_case("shuffle into conv weights", shuffle_conv, -3, 3, is_conv_on_input);
  check_case("shuffle then channel split", shuffle_split, -3, 3, is_two_gathers_concat);
  check_case("shuffle past pad/dw/relu", shuffle_pad_dw_conv, -3, 3, is_pad_dw_conv);
  check_case("shuffle half into conv", half_into_conv, -3, 3, is_gather_conv);
  check_case("spatial transpose stays", not_a_shuffle, -3, 3, transpose_kept);
  return nq_test_finish("test_pattern_passes");
}
