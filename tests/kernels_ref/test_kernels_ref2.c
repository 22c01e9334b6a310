/*
 * More float reference kernels against hand-computed values: the ops the
 * real-model oracle test does not reach (data movement, reductions, casts,
 * quantize/dequantize, batch matmul, ...). Values are worked out in comments.
 */
#include <math.h>
#include <string.h>

#include "core/status.h"
#include "kref_util.h"
#include "testutil.h"

/* One-input (plus constant operands) node; checks float output. */
static void unary_case(nq_op op, const char *what, const nq_op_params *p, int rank, const int32_t *shape,
                       const float *x, int n_const, const int *(*consts)(kb *), int out_rank,
                       const int32_t *out_shape, const float *want, size_t n_want, float tol) {
  kb b;
  kb_init(&b);
  int in[4];
  in[0] = kb_input(&b, rank, shape, x);
  const int *c = consts ? consts(&b) : NULL;
  for (int i = 0; i < n_const; i++) in[1 + i] = c[i];
  int out = kb_output(&b, out_rank, out_shape);
  kb_node(&b, op, what, 1 + n_const, in, 1, &out, p);
  float got[64];
  nq_error err;
  nq_status s = kb_run(&b, 0, got, n_want, &err);
  CHECKF(s == NQ_OK, "%s: %s", what, err.msg);
  if (s == NQ_OK) CHECKF(kb_close(what, got, want, n_want, tol), "%s", what);
}

static int g_c[4];
static const int32_t s1[1] = {1}, s2[1] = {2}, s4[1] = {4};

static const int *axis_last(kb *b) {
  static const int32_t v[1] = {-1};
  g_c[0] = kb_const_i(b, 1, s1, v);
  return g_c;
}

static void test_math(void) {
  float x[4] = {0.25f, 1, 4, 9};
  int32_t shp[1] = {4};
  nq_op_params p = nq_op_params_default();
  float sq[4] = {0.5f, 1, 2, 3}, rs[4] = {2, 1, 0.5f, 1.0f / 3}, sqr[4] = {0.0625f, 1, 16, 81};
  float lg[4] = {logf(0.25f), 0, logf(4), logf(9)}, ex[4] = {expf(0.25f), expf(1), expf(4), expf(9)};
  unary_case(NQ_OP_SQRT, "sqrt", &p, 1, shp, x, 0, NULL, 1, shp, sq, 4, 1e-6f);
  unary_case(NQ_OP_RSQRT, "rsqrt", &p, 1, shp, x, 0, NULL, 1, shp, rs, 4, 1e-6f);
  unary_case(NQ_OP_SQUARE, "square", &p, 1, shp, x, 0, NULL, 1, shp, sqr, 4, 0);
  unary_case(NQ_OP_LOG, "log", &p, 1, shp, x, 0, NULL, 1, shp, lg, 4, 1e-6f);
  unary_case(NQ_OP_EXP, "exp", &p, 1, shp, x, 0, NULL, 1, shp, ex, 4, 1e-6f);
  float y[4] = {-2, -0.5f, 0, 3}, ab[4] = {2, 0.5f, 0, 3}, ng[4] = {2, 0.5f, 0, -3};
  unary_case(NQ_OP_ABS, "abs", &p, 1, shp, y, 0, NULL, 1, shp, ab, 4, 0);
  unary_case(NQ_OP_NEG, "neg", &p, 1, shp, y, 0, NULL, 1, shp, ng, 4, 0);
  float th[4] = {tanhf(-2), tanhf(-0.5f), 0, tanhf(3)};
  unary_case(NQ_OP_TANH, "tanh", &p, 1, shp, y, 0, NULL, 1, shp, th, 4, 1e-6f);
  /* GELU tanh approximation at x=1: 0.5(1+tanh(0.79788456*(1.044715))) = 0.8411920 */
  p.approximate = true;
  float g1[1] = {1}, gw[1] = {0.84119199f};
  unary_case(NQ_OP_GELU, "gelu approx", &p, 1, s1, g1, 0, NULL, 1, s1, gw, 1, 1e-6f);
}

/* L2 norm of rows [3 4] and [0 0]: [0.6 0.8] and [0 0] (epsilon guards 0/0);
 * LOG_SOFTMAX of [0 0] = -ln 2 each. */
static void test_norms(void) {
  float x[4] = {3, 4, 0, 0};
  int32_t shp[2] = {2, 2};
  nq_op_params p = nq_op_params_default();
  float want[4] = {0.6f, 0.8f, 0, 0};
  unary_case(NQ_OP_L2_NORMALIZATION, "l2norm", &p, 2, shp, x, 0, NULL, 2, shp, want, 4, 1e-6f);
  float l[2] = {0, 0}, lw[2] = {-0.69314718f, -0.69314718f};
  int32_t ls[2] = {1, 2};
  unary_case(NQ_OP_LOG_SOFTMAX, "log_softmax", &p, 2, ls, l, 0, NULL, 2, ls, lw, 2, 1e-6f);
}

/* REDUCE_MAX / MIN / PROD / SUM over the last axis of [[1 -2 3],[4 5 -6]]. */
static void test_reductions(void) {
  float x[6] = {1, -2, 3, 4, 5, -6};
  int32_t xs[2] = {2, 3}, os[1] = {2};
  nq_op_params p = nq_op_params_default();
  float mx[2] = {3, 5}, mn[2] = {-2, -6}, pr[2] = {-6, -120}, sm[2] = {2, 3};
  unary_case(NQ_OP_REDUCE_MAX, "reduce_max", &p, 2, xs, x, 1, axis_last, 1, os, mx, 2, 0);
  unary_case(NQ_OP_REDUCE_MIN, "reduce_min", &p, 2, xs, x, 1, axis_last, 1, os, mn, 2, 0);
  unary_case(NQ_OP_REDUCE_PROD, "reduce_prod", &p, 2, xs, x, 1, axis_last, 1, os, pr, 2, 0);
  unary_case(NQ_OP_SUM, "sum", &p, 2, xs, x, 1, axis_last, 1, os, sm, 2, 0);
}

static const int *tile_mult(kb *b) {
  static const int32_t v[2] = {2, 2};
  g_c[0] = kb_const_i(b, 1, s2, v);
  return g_c;
}
static const int *slice_ops(kb *b) {
  static const int32_t beg[2] = {1, 1}, size[2] = {-1, 2};
  g_c[0] = kb_const_i(b, 1, s2, beg);
  g_c[1] = kb_const_i(b, 1, s2, size);
  return g_c;
}
static const int *padv2_ops(kb *b) {
  static const int32_t pads[4] = {0, 1, 1, 0};
  static const float v[1] = {-7};
  int32_t ps[2] = {2, 2};
  g_c[0] = kb_const_i(b, 2, ps, pads);
  g_c[1] = kb_const_f(b, 0, s1, v);
  return g_c;
}
static const int *perm_10(kb *b) {
  static const int32_t v[2] = {1, 0};
  g_c[0] = kb_const_i(b, 1, s2, v);
  return g_c;
}
static const int *expand_axis(kb *b) {
  static const int32_t v[1] = {1};
  g_c[0] = kb_const_i(b, 0, s1, v);
  return g_c;
}

static void test_movement(void) {
  nq_op_params p = nq_op_params_default();
  float x[6] = {0, 1, 2, 3, 4, 5};
  int32_t xs[2] = {2, 3};
  { /* TILE [[0 1 2],[3 4 5]] by (2,2) */
    int32_t os[2] = {4, 6};
    float w[24] = {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5};
    unary_case(NQ_OP_TILE, "tile", &p, 2, xs, x, 1, tile_mult, 2, os, w, 24, 0);
  }
  { /* SLICE begin (1,1) size (-1,2): [[4 5]] */
    int32_t os[2] = {1, 2};
    float w[2] = {4, 5};
    unary_case(NQ_OP_SLICE, "slice", &p, 2, xs, x, 2, slice_ops, 2, os, w, 2, 0);
  }
  { /* PADV2 rows (0,1) cols (1,0) with -7 */
    int32_t os[2] = {3, 4};
    float w[12] = {-7, 0, 1, 2, -7, 3, 4, 5, -7, -7, -7, -7};
    unary_case(NQ_OP_PADV2, "padv2", &p, 2, xs, x, 2, padv2_ops, 2, os, w, 12, 0);
  }
  { /* TRANSPOSE (1,0) */
    int32_t os[2] = {3, 2};
    float w[6] = {0, 3, 1, 4, 2, 5};
    unary_case(NQ_OP_TRANSPOSE, "transpose", &p, 2, xs, x, 1, perm_10, 2, os, w, 6, 0);
  }
  { /* EXPAND_DIMS axis 1 and SQUEEZE: copies with new shapes */
    int32_t os[3] = {2, 1, 3};
    unary_case(NQ_OP_EXPAND_DIMS, "expand_dims", &p, 2, xs, x, 1, expand_axis, 3, os, x, 6, 0);
    int32_t s3[3] = {2, 1, 3};
    unary_case(NQ_OP_SQUEEZE, "squeeze", &p, 3, s3, x, 0, NULL, 2, xs, x, 6, 0);
  }
  { /* SPACE_TO_DEPTH block 2 on a 1x2x2x2 input: out channel (by*2+bx)*2+c */
    float v[8] = {0, 1, 2, 3, 4, 5, 6, 7}; /* (y,x,c) -> y*4 + x*2 + c */
    int32_t vs[4] = {1, 2, 2, 2}, os[4] = {1, 1, 1, 8};
    p.block_size = 2;
    unary_case(NQ_OP_SPACE_TO_DEPTH, "space_to_depth", &p, 4, vs, v, 0, NULL, 4, os, v, 8, 0);
    /* DEPTH_TO_SPACE block 2 of [1,1,1,8] gives back [1,2,2,2] in the same order */
    unary_case(NQ_OP_DEPTH_TO_SPACE, "depth_to_space", &p, 4, os, v, 0, NULL, 4, vs, v, 8, 0);
    /* with 1 channel: 1x2x2x1 [a b; c d] -> [a b c d] */
    int32_t v1[4] = {1, 2, 2, 1}, o1[4] = {1, 1, 1, 4};
    unary_case(NQ_OP_SPACE_TO_DEPTH, "space_to_depth c1", &p, 4, v1, v, 0, NULL, 4, o1, v, 4, 0);
  }
  { /* MAX_POOL 2x2 stride 2 VALID on 1x2x4x1 [0..7]: max(0,1,4,5)=5, max(2,3,6,7)=7 */
    float v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    int32_t vs[4] = {1, 2, 4, 1}, os[4] = {1, 1, 2, 1};
    p = nq_op_params_default();
    p.padding = NQ_PAD_VALID;
    p.filter_h = p.filter_w = 2;
    p.stride_h = p.stride_w = 2;
    float w[2] = {5, 7};
    unary_case(NQ_OP_MAX_POOL_2D, "max_pool", &p, 4, vs, v, 0, NULL, 4, os, w, 2, 0);
  }
}

/* SPLIT axis 1 of [[0 1 2 3],[4 5 6 7]] in two: second part [[2 3],[6 7]];
 * PACK two [2] vectors on axis 1: [[a0 b0],[a1 b1]]; UNPACK axis 0. */
static void test_split_pack(void) {
  float x[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  nq_op_params p = nq_op_params_default();
  {
    kb b;
    kb_init(&b);
    int32_t xs[2] = {2, 4}, os[2] = {2, 2}, ax[1] = {1};
    int in[2] = {kb_const_i(&b, 0, s1, ax), kb_input(&b, 2, xs, x)};
    int out[2] = {kb_output(&b, 2, os), kb_output(&b, 2, os)};
    p.num = 2;
    kb_node(&b, NQ_OP_SPLIT, "split", 2, in, 2, out, &p);
    float got[4], want[4] = {2, 3, 6, 7};
    nq_error err;
    nq_status s = kb_run(&b, 1, got, 4, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK) CHECK(kb_close("split", got, want, 4, 0));
  }
  {
    kb b;
    kb_init(&b);
    float y[2] = {10, 11};
    int32_t vs[1] = {2}, os[2] = {2, 2};
    int in[2] = {kb_input(&b, 1, vs, x), kb_input(&b, 1, vs, y)};
    int out = kb_output(&b, 2, os);
    p = nq_op_params_default();
    p.axis = 1;
    kb_node(&b, NQ_OP_PACK, "pack", 2, in, 1, &out, &p);
    float got[4], want[4] = {0, 10, 1, 11};
    nq_error err;
    nq_status s = kb_run(&b, 0, got, 4, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK) CHECK(kb_close("pack", got, want, 4, 0));
  }
  {
    kb b;
    kb_init(&b);
    int32_t xs[2] = {2, 4}, os[1] = {4};
    int in = kb_input(&b, 2, xs, x);
    int out[2] = {kb_output(&b, 1, os), kb_output(&b, 1, os)};
    p = nq_op_params_default();
    kb_node(&b, NQ_OP_UNPACK, "unpack", 1, &in, 2, out, &p);
    float got[4];
    nq_error err;
    nq_status s = kb_run(&b, 1, got, 4, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK) CHECK(kb_close("unpack", got, x + 4, 4, 0));
  }
}

/* BATCH_MATMUL [2,2,3] x [3,1] (broadcast rhs) and with adj_x. */
static void test_batch_matmul(void) {
  kb b;
  kb_init(&b);
  float a[12] = {1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0}, v[3] = {1, 10, 100};
  int32_t as[3] = {2, 2, 3}, vs[2] = {3, 1}, os[3] = {2, 2, 1};
  int in[2] = {kb_input(&b, 3, as, a), kb_input(&b, 2, vs, v)};
  int out = kb_output(&b, 3, os);
  nq_op_params p = nq_op_params_default();
  kb_node(&b, NQ_OP_BATCH_MATMUL, "bmm", 2, in, 1, &out, &p);
  float got[4], want[4] = {321, 654, 1, 10};
  nq_error err;
  nq_status s = kb_run(&b, 0, got, 4, &err);
  CHECKF(s == NQ_OK, "%s", err.msg);
  if (s == NQ_OK) CHECK(kb_close("bmm", got, want, 4, 0));

  /* adj_x: A stored [3,2] = A^T of [[1 2 3],[4 5 6]] */
  kb_init(&b);
  float at[6] = {1, 4, 2, 5, 3, 6};
  int32_t ats[2] = {3, 2}, os2[2] = {2, 1};
  int in2[2] = {kb_input(&b, 2, ats, at), kb_input(&b, 2, vs, v)};
  out = kb_output(&b, 2, os2);
  p.adj_x = true;
  kb_node(&b, NQ_OP_BATCH_MATMUL, "bmm_adj", 2, in2, 1, &out, &p);
  float got2[2], want2[2] = {321, 654};
  s = kb_run(&b, 0, got2, 2, &err);
  CHECKF(s == NQ_OK, "%s", err.msg);
  if (s == NQ_OK) CHECK(kb_close("bmm adj_x", got2, want2, 2, 0));
}

/* ARG_MAX (first of equal maxima), CAST float -> int32 (truncation),
 * QUANTIZE with half-away rounding and clamping, DEQUANTIZE per-axis. */
static void test_int_outputs(void) {
  nq_error err;
  {
    kb b;
    kb_init(&b);
    float x[8] = {1, 5, 3, 5, 9, 0, -1, 2};
    int32_t xs[2] = {2, 4}, os[1] = {2}, ax[1] = {1};
    int in[2] = {kb_input(&b, 2, xs, x), kb_const_i(&b, 1, s1, ax)};
    int out = kb_output_t(&b, NQ_INT32, 1, os);
    nq_op_params p = nq_op_params_default();
    kb_node(&b, NQ_OP_ARG_MAX, "argmax", 2, in, 1, &out, &p);
    int32_t got[2];
    nq_status s = kb_run_bytes(&b, 0, got, sizeof got, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    CHECK(s != NQ_OK || (got[0] == 1 && got[1] == 0));
  }
  {
    kb b;
    kb_init(&b);
    float x[4] = {-1.7f, 2.9f, 0.4f, -0.6f};
    int32_t xs[1] = {4};
    int in = kb_input(&b, 1, xs, x);
    int out = kb_output_t(&b, NQ_INT32, 1, xs);
    nq_op_params p = nq_op_params_default();
    kb_node(&b, NQ_OP_CAST, "cast", 1, &in, 1, &out, &p);
    int32_t got[4];
    nq_status s = kb_run_bytes(&b, 0, got, sizeof got, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    CHECK(s != NQ_OK || (got[0] == -1 && got[1] == 2 && got[2] == 0 && got[3] == 0));
  }
  {
    /* scale 0.5, zp -3: 0.25/0.5 = 0.5 -> 1 -> -2; -0.25 -> -1 -> -4;
     * 100 -> 200 -> clamp 127; -100 -> -203 -> -128; 1.0 -> 2 -> -1 */
    kb b;
    kb_init(&b);
    float x[5] = {0.25f, -0.25f, 100, -100, 1};
    int32_t xs[1] = {5};
    int in = kb_input(&b, 1, xs, x);
    int out = kb_output_t(&b, NQ_INT8, 1, xs);
    float sc = 0.5f;
    int64_t zp = -3;
    nq_tensor_set_quant(b.g, out, 1, &sc, &zp, 0, &err);
    nq_op_params p = nq_op_params_default();
    kb_node(&b, NQ_OP_QUANTIZE, "quant", 1, &in, 1, &out, &p);
    int8_t got[5];
    nq_status s = kb_run_bytes(&b, 0, got, sizeof got, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    CHECKF(s != NQ_OK || (got[0] == -2 && got[1] == -4 && got[2] == 127 && got[3] == -128 && got[4] == -1),
           "quantize gave %d %d %d %d %d", got[0], got[1], got[2], got[3], got[4]);
  }
  {
    /* per-axis along dim 1 of [2,2] int8 {10, 20, -10, 0}: scales {0.5, 2}, zps {0, 1}
     * -> {5, 38, -5, -2} */
    kb b;
    kb_init(&b);
    int32_t qs[2] = {2, 2};
    int q = nq_graph_add_tensor(b.g, "q", NQ_INT8, 2, qs, &err);
    int8_t qd[4] = {10, 20, -10, 0};
    nq_tensor_copy_data(b.g, q, qd, 4, &err);
    float sc[2] = {0.5f, 2};
    int64_t zp[2] = {0, 1};
    nq_tensor_set_quant(b.g, q, 2, sc, zp, 1, &err);
    int out = kb_output(&b, 2, qs);
    nq_op_params p = nq_op_params_default();
    kb_node(&b, NQ_OP_DEQUANTIZE, "dequant", 1, &q, 1, &out, &p);
    float got[4], want[4] = {5, 38, -5, -2};
    nq_status s = kb_run(&b, 0, got, 4, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK) CHECK(kb_close("dequantize per-axis", got, want, 4, 0));
  }
  {
    /* float16 -> float32: 0x3C00 = 1, 0xC000 = -2, 0x3555 ~ 0.33325195, 0x0001 = 2^-24 */
    kb b;
    kb_init(&b);
    int32_t hs[1] = {4};
    int h = nq_graph_add_tensor(b.g, "h", NQ_FLOAT16, 1, hs, &err);
    uint16_t hd[4] = {0x3C00, 0xC000, 0x3555, 0x0001};
    nq_tensor_copy_data(b.g, h, hd, 8, &err);
    int out = kb_output(&b, 1, hs);
    nq_op_params p = nq_op_params_default();
    kb_node(&b, NQ_OP_DEQUANTIZE, "fp16", 1, &h, 1, &out, &p);
    float got[4], want[4] = {1, -2, 0.33325195f, 5.9604645e-08f};
    nq_status s = kb_run(&b, 0, got, 4, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK) CHECK(kb_close("dequantize fp16", got, want, 4, 0));
  }
}

/* POW, DIV, MINIMUM, SQUARED_DIFFERENCE with a scalar right operand. */
static void test_binary_scalar(void) {
  float x[3] = {1, 2, 3}, two[1] = {2};
  int32_t xs[1] = {3};
  struct {
    nq_op op;
    float want[3];
  } cases[] = {
      {NQ_OP_POW, {1, 4, 9}},     {NQ_OP_DIV, {0.5f, 1, 1.5f}},
      {NQ_OP_MINIMUM, {1, 2, 2}}, {NQ_OP_SQUARED_DIFFERENCE, {1, 0, 1}},
      {NQ_OP_SUB, {-1, 0, 1}},    {NQ_OP_MUL, {2, 4, 6}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    kb b;
    kb_init(&b);
    int in[2] = {kb_input(&b, 1, xs, x), kb_const_f(&b, 0, s1, two)};
    int out = kb_output(&b, 1, xs);
    nq_op_params p = nq_op_params_default();
    kb_node(&b, cases[c].op, "bin", 2, in, 1, &out, &p);
    float got[3];
    nq_error err;
    nq_status s = kb_run(&b, 0, got, 3, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK)
      CHECKF(kb_close(nq_op_name(cases[c].op), got, cases[c].want, 3, 1e-6f), "%s", nq_op_name(cases[c].op));
  }
}

/* CONCATENATION on axis -1 of [2,1] and [2,2], with RELU. */
static void test_concat(void) {
  kb b;
  kb_init(&b);
  float a[2] = {-1, 2}, c[4] = {3, -4, 5, 6};
  int32_t as[2] = {2, 1}, cs[2] = {2, 2}, os[2] = {2, 3};
  int in[2] = {kb_input(&b, 2, as, a), kb_input(&b, 2, cs, c)};
  int out = kb_output(&b, 2, os);
  nq_op_params p = nq_op_params_default();
  p.axis = -1;
  p.act = NQ_ACT_RELU;
  kb_node(&b, NQ_OP_CONCATENATION, "concat", 2, in, 1, &out, &p);
  float got[6], want[6] = {0, 3, 0, 2, 5, 6};
  nq_error err;
  nq_status s = kb_run(&b, 0, got, 6, &err);
  CHECKF(s == NQ_OK, "%s", err.msg);
  if (s == NQ_OK) CHECK(kb_close("concat", got, want, 6, 0));
}

int main(void) {
  (void)s4;
  test_math();
  test_norms();
  test_reductions();
  test_movement();
  test_split_pack();
  test_batch_matmul();
  test_int_outputs();
  test_binary_scalar();
  test_concat();
  return nq_test_finish("test_kernels_ref2");
}
