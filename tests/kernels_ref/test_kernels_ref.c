/*
 * Float reference kernels against hand-computed values (worked out in the
 * comments), run through the session API with reference kernels only.
 */
#include <math.h>
#include <string.h>

#include "core/status.h"
#include "exec/float/ref.h"
#include "kref_util.h"
#include "testutil.h"

#define RUN(b, k, got, want, tol)                                                                   \
  do {                                                                                              \
    nq_error err_;                                                                                  \
    nq_status s_ = kb_run(&(b), (k), (got), sizeof(want) / sizeof(float), &err_);                   \
    CHECKF(s_ == NQ_OK, "%s", err_.msg);                                                            \
    if (s_ == NQ_OK) CHECK(kb_close(__func__, (got), (want), sizeof(want) / sizeof(float), (tol))); \
  } while (0)

/* 4x4 input 1..16, 3x3 ones, SAME, stride 2 -> 2x2. total padding
 * (2-1)*2+3-4 = 1: none on top/left, one row/col at the bottom/right. */
static void test_conv_same_stride2(void) {
  kb b;
  kb_init(&b);
  float x[16], w[9], bias[1] = {0.5f};
  for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
  for (int i = 0; i < 9; i++) w[i] = 1.0f;
  int32_t xs[4] = {1, 4, 4, 1}, ws[4] = {1, 3, 3, 1}, bs[1] = {1}, os[4] = {1, 2, 2, 1};
  int in[3] = {kb_input(&b, 4, xs, x), kb_const_f(&b, 4, ws, w), kb_const_f(&b, 1, bs, bias)};
  int out = kb_output(&b, 4, os);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.stride_h = p.stride_w = 2;
  kb_node(&b, NQ_OP_CONV_2D, "conv", 3, in, 1, &out, &p);
  float got[4], want[4] = {54.5f, 45.5f, 72.5f, 54.5f};
  RUN(b, 0, got, want, 1e-6f);
}

/* 5x5 input v = y*5+x, 2x2 ones with dilation 2, VALID -> 3x3:
 * in[y,x]+in[y,x+2]+in[y+2,x]+in[y+2,x+2] = 4v + 24. RELU6 clips. */
static void test_conv_dilation(void) {
  kb b;
  kb_init(&b);
  float x[25], w[4] = {1, 1, 1, 1};
  for (int i = 0; i < 25; i++) x[i] = (float)i;
  int32_t xs[4] = {1, 5, 5, 1}, ws[4] = {1, 2, 2, 1}, os[4] = {1, 3, 3, 1};
  int in[2] = {kb_input(&b, 4, xs, x), kb_const_f(&b, 4, ws, w)};
  int out = kb_output(&b, 4, os);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_VALID;
  p.dilation_h = p.dilation_w = 2;
  kb_node(&b, NQ_OP_CONV_2D, "dil", 2, in, 1, &out, &p);
  float got[9], want[9];
  for (int y = 0; y < 3; y++)
    for (int xx = 0; xx < 3; xx++) want[y * 3 + xx] = 4.0f * (float)(y * 5 + xx) + 24.0f;
  RUN(b, 0, got, want, 1e-6f);
}

/* Depthwise multiplier 2: out channel ic*2+m = x[ic] * w[ic*2+m] + bias. */
static void test_depthwise_mult2(void) {
  kb b;
  kb_init(&b);
  float x[2] = {3, 5}, w[4] = {1, 2, 3, 4}, bias[4] = {0, 0, 0, 10};
  int32_t xs[4] = {1, 1, 1, 2}, ws[4] = {1, 1, 1, 4}, bs[1] = {4}, os[4] = {1, 1, 1, 4};
  int in[3] = {kb_input(&b, 4, xs, x), kb_const_f(&b, 4, ws, w), kb_const_f(&b, 1, bs, bias)};
  int out = kb_output(&b, 4, os);
  nq_op_params p = nq_op_params_default();
  p.depth_multiplier = 2;
  kb_node(&b, NQ_OP_DEPTHWISE_CONV_2D, "dw", 3, in, 1, &out, &p);
  float got[4], want[4] = {3, 6, 15, 30};
  RUN(b, 0, got, want, 0);
}

/* 3x3x1 depthwise, SAME, on 3x3 input of ones with a 3x3 filter of ones:
 * corners see 4 pixels, edges 6, centre 9. */
static void test_depthwise_same_borders(void) {
  kb b;
  kb_init(&b);
  float x[9], w[9];
  for (int i = 0; i < 9; i++) x[i] = w[i] = 1.0f;
  int32_t xs[4] = {1, 3, 3, 1}, ws[4] = {1, 3, 3, 1}, os[4] = {1, 3, 3, 1};
  int in[2] = {kb_input(&b, 4, xs, x), kb_const_f(&b, 4, ws, w)};
  int out = kb_output(&b, 4, os);
  nq_op_params p = nq_op_params_default();
  kb_node(&b, NQ_OP_DEPTHWISE_CONV_2D, "dw", 2, in, 1, &out, &p);
  float got[9], want[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
  RUN(b, 0, got, want, 0);
}

/* Transpose conv: 2x2 input [1 2; 3 4], 3x3 ones, stride 2.
 * VALID, output 5x5: each input scatters a 3x3 block at (2y, 2x);
 * the centre (2,2) gets all four, (0,2) gets 1+2, (1,3) only 2. */
static void test_transpose_conv(void) {
  float x[4] = {1, 2, 3, 4}, w[9];
  for (int i = 0; i < 9; i++) w[i] = 1.0f;
  float full[25] = {1, 1, 3, 2, 2, 1, 1, 3, 2, 2, 4, 4, 10, 6, 6, 3, 3, 7, 4, 4, 3, 3, 7, 4, 4};
  for (int pass = 0; pass < 2; pass++) {
    kb b;
    kb_init(&b);
    int osz = pass == 0 ? 5 : 4;
    int32_t xs[4] = {1, 2, 2, 1}, ws[4] = {1, 3, 3, 1}, ss[1] = {4}, os[4] = {1, osz, osz, 1};
    int32_t oshape[4] = {1, osz, osz, 1};
    int in[3] = {kb_const_i(&b, 1, ss, oshape), kb_const_f(&b, 4, ws, w), kb_input(&b, 4, xs, x)};
    int out = kb_output(&b, 4, os);
    nq_op_params p = nq_op_params_default();
    p.padding = pass == 0 ? NQ_PAD_VALID : NQ_PAD_SAME;
    p.stride_h = p.stride_w = 2;
    kb_node(&b, NQ_OP_TRANSPOSE_CONV, "tconv", 3, in, 1, &out, &p);
    /* SAME, output 4x4: total padding (2-1)*2+3-4 = 1 -> 0 before: the
     * top-left 4x4 of the VALID result. */
    float want[25], got[25];
    for (int y = 0; y < osz; y++)
      for (int xx = 0; xx < osz; xx++) want[y * osz + xx] = full[y * 5 + xx];
    nq_error err;
    nq_status s = kb_run(&b, 0, got, (size_t)(osz * osz), &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK) CHECK(kb_close(pass ? "tconv same" : "tconv valid", got, want, (size_t)(osz * osz), 0));
  }
}

/* 3x3 average pool, stride 1, SAME, on 1..9: only valid elements count.
 * (0,0): avg(1,2,4,5)=3; (0,1): avg(1..6)=3.5; centre 5. */
static void test_avgpool_borders(void) {
  kb b;
  kb_init(&b);
  float x[9];
  for (int i = 0; i < 9; i++) x[i] = (float)(i + 1);
  int32_t xs[4] = {1, 3, 3, 1};
  int in = kb_input(&b, 4, xs, x);
  int out = kb_output(&b, 4, xs);
  nq_op_params p = nq_op_params_default();
  p.filter_h = p.filter_w = 3;
  kb_node(&b, NQ_OP_AVERAGE_POOL_2D, "avg", 1, &in, 1, &out, &p);
  float got[9], want[9] = {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7};
  RUN(b, 0, got, want, 1e-6f);
}

/* Bilinear 2x2 [0 1; 2 3] -> 4x4 with half_pixel_centers: source
 * y = (oy+0.5)/2-0.5 = -0.25, 0.25, 0.75, 1.25 (clamped to the edges).
 * (1,1): dy=dx=0.25 -> 2*0.25*0.75 + 1*0.75*0.25 + 3*0.0625 = 0.75. */
static void test_resize_bilinear_half_pixel(void) {
  float x[4] = {0, 1, 2, 3};
  float want[16];
  float sy[4] = {0, 0.25f, 0.75f, 1}, sx[4] = {0, 0.25f, 0.75f, 1}; /* effective after clamping */
  for (int y = 0; y < 4; y++)
    for (int xx = 0; xx < 4; xx++) want[y * 4 + xx] = 2 * sy[y] + sx[xx];
  kb b;
  kb_init(&b);
  int32_t xs[4] = {1, 2, 2, 1}, ss[1] = {2}, sz[2] = {4, 4}, os[4] = {1, 4, 4, 1};
  int in[2] = {kb_input(&b, 4, xs, x), kb_const_i(&b, 1, ss, sz)};
  int out = kb_output(&b, 4, os);
  nq_op_params p = nq_op_params_default();
  p.half_pixel_centers = true;
  kb_node(&b, NQ_OP_RESIZE_BILINEAR, "rb", 2, in, 1, &out, &p);
  float got[16];
  RUN(b, 0, got, want, 1e-6f);

  /* align_corners 2 -> 3: scale 1/2, the middle is the mean of all. */
  kb_init(&b);
  int32_t sz3[2] = {3, 3}, os3[4] = {1, 3, 3, 1};
  int in3[2] = {kb_input(&b, 4, xs, x), kb_const_i(&b, 1, ss, sz3)};
  out = kb_output(&b, 4, os3);
  p = nq_op_params_default();
  p.align_corners = true;
  kb_node(&b, NQ_OP_RESIZE_BILINEAR, "rb", 2, in3, 1, &out, &p);
  float got3[9], want3[9] = {0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3};
  RUN(b, 0, got3, want3, 1e-6f);
}

/* Nearest 2x2 -> 3x3, no flags: src = floor(o * 2/3) = 0, 0, 1. */
static void test_resize_nearest(void) {
  float x[4] = {0, 1, 2, 3};
  kb b;
  kb_init(&b);
  int32_t xs[4] = {1, 2, 2, 1}, ss[1] = {2}, sz[2] = {3, 3}, os[4] = {1, 3, 3, 1};
  int in[2] = {kb_input(&b, 4, xs, x), kb_const_i(&b, 1, ss, sz)};
  int out = kb_output(&b, 4, os);
  nq_op_params p = nq_op_params_default();
  kb_node(&b, NQ_OP_RESIZE_NEAREST_NEIGHBOR, "rn", 2, in, 1, &out, &p);
  float got[9], want[9] = {0, 0, 1, 0, 0, 1, 2, 2, 3};
  RUN(b, 0, got, want, 0);
}

/* STRIDED_SLICE on a 3x4 tensor 0..11 with several mask combinations. */
static void strided(const int32_t *beg, const int32_t *end, const int32_t *str, int n, const nq_op_params *p,
                    int out_rank, const int32_t *out_shape, const float *want, size_t nwant,
                    const char *what) {
  float x[12];
  for (int i = 0; i < 12; i++) x[i] = (float)i;
  kb b;
  kb_init(&b);
  int32_t xs[2] = {3, 4}, ns[1] = {n};
  int in[4] = {kb_input(&b, 2, xs, x), kb_const_i(&b, 1, ns, beg), kb_const_i(&b, 1, ns, end),
               kb_const_i(&b, 1, ns, str)};
  int out = kb_output(&b, out_rank, out_shape);
  kb_node(&b, NQ_OP_STRIDED_SLICE, what, 4, in, 1, &out, p);
  float got[16];
  nq_error err;
  nq_status s = kb_run(&b, 0, got, nwant, &err);
  CHECKF(s == NQ_OK, "%s: %s", what, err.msg);
  if (s == NQ_OK) CHECK(kb_close(what, got, want, nwant, 0));
}

static void test_strided_slice(void) {
  nq_op_params p = nq_op_params_default();
  { /* x[1:, ::-1] */
    int32_t b[2] = {1, 0}, e[2] = {0, 0}, s[2] = {1, -1}, os[2] = {2, 4};
    p.begin_mask = 2;
    p.end_mask = 3;
    float want[8] = {7, 6, 5, 4, 11, 10, 9, 8};
    strided(b, e, s, 2, &p, 2, os, want, 8, "x[1:, ::-1]");
  }
  { /* x[2, 1:3]: shrink axis 0 */
    p = nq_op_params_default();
    int32_t b[2] = {2, 1}, e[2] = {3, 3}, s[2] = {1, 1}, os[1] = {2};
    p.shrink_axis_mask = 1;
    float want[2] = {9, 10};
    strided(b, e, s, 2, &p, 1, os, want, 2, "x[2, 1:3]");
  }
  { /* x[-1, ::-2]: negative begin with shrink, negative stride */
    p = nq_op_params_default();
    int32_t b[2] = {-1, 0}, e[2] = {0, 0}, s[2] = {1, -2}, os[1] = {2};
    p.shrink_axis_mask = 1;
    p.begin_mask = 2;
    p.end_mask = 2;
    float want[2] = {11, 9};
    strided(b, e, s, 2, &p, 1, os, want, 2, "x[-1, ::-2]");
  }
  { /* x[..., None, 1]: ellipsis, new axis, shrink -> [3, 1] */
    p = nq_op_params_default();
    int32_t b[3] = {0, 0, 1}, e[3] = {0, 0, 2}, s[3] = {1, 1, 1}, os[2] = {3, 1};
    p.ellipsis_mask = 1;
    p.new_axis_mask = 2;
    p.shrink_axis_mask = 4;
    float want[3] = {1, 5, 9};
    strided(b, e, s, 3, &p, 2, os, want, 3, "x[..., None, 1]");
  }
  { /* x[0:2, -3:-1] with end clamping: rows 0,1, cols 1,2 */
    p = nq_op_params_default();
    int32_t b[2] = {0, -3}, e[2] = {2, -1}, s[2] = {1, 1}, os[2] = {2, 2};
    float want[4] = {1, 2, 5, 6};
    strided(b, e, s, 2, &p, 2, os, want, 4, "x[0:2, -3:-1]");
  }
  { /* offset: end is relative to begin, x[1:1+2, 0:0+4:2] */
    p = nq_op_params_default();
    int32_t b[2] = {1, 0}, e[2] = {2, 4}, s[2] = {1, 2}, os[2] = {2, 2};
    p.offset = true;
    float want[4] = {4, 6, 8, 10};
    strided(b, e, s, 2, &p, 2, os, want, 4, "offset");
  }
}

/* Softmax with beta 2 over [1 2 3]: e^{2(x-3)} normalised. */
static void test_softmax_beta(void) {
  kb b;
  kb_init(&b);
  float x[3] = {1, 2, 3};
  int32_t xs[2] = {1, 3};
  int in = kb_input(&b, 2, xs, x);
  int out = kb_output(&b, 2, xs);
  nq_op_params p = nq_op_params_default();
  p.beta = 2.0f;
  kb_node(&b, NQ_OP_SOFTMAX, "sm", 1, &in, 1, &out, &p);
  double e0 = exp(-4.0), e1 = exp(-2.0), sum = e0 + e1 + 1.0;
  float got[3], want[3] = {(float)(e0 / sum), (float)(e1 / sum), (float)(1.0 / sum)};
  RUN(b, 0, got, want, 1e-6f);
}

/* Broadcast ADD [2,1,3] + [1,2,1] with RELU; PRELU with per-channel alpha. */
static void test_binary_broadcast(void) {
  kb b;
  kb_init(&b);
  float x[6] = {1, 2, 3, -4, -5, -6}, y[2] = {10, -100};
  int32_t xs[3] = {2, 1, 3}, ys[3] = {1, 2, 1}, os[3] = {2, 2, 3};
  int in[2] = {kb_input(&b, 3, xs, x), kb_input(&b, 3, ys, y)};
  int out = kb_output(&b, 3, os);
  nq_op_params p = nq_op_params_default();
  p.act = NQ_ACT_RELU;
  kb_node(&b, NQ_OP_ADD, "add", 2, in, 1, &out, &p);
  float got[12], want[12] = {11, 12, 13, 0, 0, 0, 6, 5, 4, 0, 0, 0};
  RUN(b, 0, got, want, 0);

  kb_init(&b);
  float v[4] = {-1, 2, -3, 4}, alpha[2] = {0.5f, 0.25f};
  int32_t vs[2] = {2, 2}, as[1] = {2};
  int pin[2] = {kb_input(&b, 2, vs, v), kb_const_f(&b, 1, as, alpha)};
  out = kb_output(&b, 2, vs);
  p = nq_op_params_default();
  kb_node(&b, NQ_OP_PRELU, "prelu", 2, pin, 1, &out, &p);
  float got2[4], want2[4] = {-0.5f, 2, -1.5f, 4};
  RUN(b, 0, got2, want2, 0);
}

/* MEAN over axes {1,-2}... of [1,2,2,2] = axes 1,2 with keep_dims. */
static void test_mean_keep_dims(void) {
  kb b;
  kb_init(&b);
  float x[8] = {1, 10, 2, 20, 3, 30, 4, 40};
  int32_t xs[4] = {1, 2, 2, 2}, as[1] = {2}, axes[2] = {1, -2}, os[4] = {1, 1, 1, 2};
  int in[2] = {kb_input(&b, 4, xs, x), kb_const_i(&b, 1, as, axes)};
  int out = kb_output(&b, 4, os);
  nq_op_params p = nq_op_params_default();
  p.keep_dims = true;
  kb_node(&b, NQ_OP_MEAN, "mean", 2, in, 1, &out, &p);
  float got[2], want[2] = {2.5f, 25};
  RUN(b, 0, got, want, 1e-6f);
}

/* Activations at a few points. */
static void test_activations(void) {
  float x[5] = {-4, -1, 0, 1, 4};
  struct {
    nq_op op;
    float want[5];
  } cases[] = {
      {NQ_OP_HARD_SWISH, {0, -1.0f * 2 / 6, 0, 1.0f * 4 / 6, 4}},
      {NQ_OP_RELU6, {0, 0, 0, 1, 4}},
      {NQ_OP_RELU_N1_TO_1, {-1, -1, 0, 1, 1}},
      {NQ_OP_ELU, {expm1f(-4), expm1f(-1), 0, 1, 4}},
      {NQ_OP_LEAKY_RELU, {-0.8f, -0.2f, 0, 1, 4}},
      {NQ_OP_GELU,
       {-4 * 0.5f * (1 + erff(-4 / sqrtf(2))), -0.15865526f, 0, 0.84134474f,
        4 * 0.5f * (1 + erff(4 / sqrtf(2)))}},
      {NQ_OP_LOGISTIC, {1 / (1 + expf(4)), 1 / (1 + expf(1)), 0.5f, 1 / (1 + expf(-1)), 1 / (1 + expf(-4))}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    kb b;
    kb_init(&b);
    int32_t xs[1] = {5};
    int in = kb_input(&b, 1, xs, x);
    int out = kb_output(&b, 1, xs);
    nq_op_params p = nq_op_params_default();
    p.alpha = 0.2f;
    kb_node(&b, cases[c].op, "act", 1, &in, 1, &out, &p);
    float got[5];
    nq_error err;
    nq_status s = kb_run(&b, 0, got, 5, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK)
      CHECKF(kb_close(nq_op_name(cases[c].op), got, cases[c].want, 5, 1e-6f), "%s", nq_op_name(cases[c].op));
  }
}

/* MIRROR_PAD REFLECT and SYMMETRIC of [1 2 3] by (2, 2). */
static void test_mirror_pad(void) {
  float want[2][7] = {{3, 2, 1, 2, 3, 2, 1}, {2, 1, 1, 2, 3, 3, 2}};
  for (int mode = 0; mode < 2; mode++) {
    kb b;
    kb_init(&b);
    float x[3] = {1, 2, 3};
    int32_t xs[1] = {3}, ps[2] = {1, 2}, pads[2] = {2, 2}, os[1] = {7};
    int in[2] = {kb_input(&b, 1, xs, x), kb_const_i(&b, 2, ps, pads)};
    int out = kb_output(&b, 1, os);
    nq_op_params p = nq_op_params_default();
    p.mirror_mode = mode;
    kb_node(&b, NQ_OP_MIRROR_PAD, "mpad", 2, in, 1, &out, &p);
    float got[7];
    nq_error err;
    nq_status s = kb_run(&b, 0, got, 7, &err);
    CHECKF(s == NQ_OK, "%s", err.msg);
    if (s == NQ_OK) CHECK(kb_close(mode ? "symmetric" : "reflect", got, want[mode], 7, 0));
  }
}

/* GATHER axis 1 with indices [2, 0] on [[0 1 2],[3 4 5]]; an index out of
 * range is an error naming the node, not a read past the buffer. */
static void test_gather(void) {
  for (int bad = 0; bad < 2; bad++) {
    kb b;
    kb_init(&b);
    float x[6] = {0, 1, 2, 3, 4, 5};
    int32_t xs[2] = {2, 3}, is[1] = {2}, idx[2] = {2, bad ? 3 : 0}, os[2] = {2, 2};
    int in[2] = {kb_input(&b, 2, xs, x), kb_const_i(&b, 1, is, idx)};
    int out = kb_output(&b, 2, os);
    nq_op_params p = nq_op_params_default();
    p.axis = 1;
    kb_node(&b, NQ_OP_GATHER, "gather", 2, in, 1, &out, &p);
    float got[4], want[4] = {2, 0, 5, 3};
    nq_error err;
    nq_status s = kb_run(&b, 0, got, 4, &err);
    if (bad) {
      CHECK(s != NQ_OK);
      CHECKF(strstr(err.msg, "GATHER 'gather'") != NULL, "%s", err.msg);
    } else {
      CHECKF(s == NQ_OK, "%s", err.msg);
      if (s == NQ_OK) CHECK(kb_close("gather", got, want, 4, 0));
    }
  }
}

/* SPACE_TO_BATCH_ND with block 2 and padding, then BATCH_TO_SPACE_ND with
 * the same crops must give the input back (2x2 block on a 1x2x4x1 input
 * padded to 1x2x4 -> [4,1,2,1]). */
static void test_space_batch_roundtrip(void) {
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  kb b;
  kb_init(&b);
  int32_t xs[4] = {1, 2, 4, 1}, bs[1] = {2}, blk[2] = {2, 2}, ps[2] = {2, 2}, pads[4] = {0, 0, 0, 0};
  int32_t mid[4] = {4, 1, 2, 1};
  int x0 = kb_input(&b, 4, xs, x);
  int bk = kb_const_i(&b, 1, bs, blk), pd = kb_const_i(&b, 2, ps, pads);
  nq_error err;
  int m = nq_graph_add_tensor(b.g, "mid", NQ_FLOAT32, 4, mid, &err);
  int in1[3] = {x0, bk, pd};
  nq_op_params p = nq_op_params_default();
  kb_node(&b, NQ_OP_SPACE_TO_BATCH_ND, "s2b", 3, in1, 1, &m, &p);
  int out = kb_output(&b, 4, xs);
  int in2[3] = {m, bk, pd};
  kb_node(&b, NQ_OP_BATCH_TO_SPACE_ND, "b2s", 3, in2, 1, &out, &p);
  float got[8];
  RUN(b, 0, got, x, 0);
}

/* A stored output shape that disagrees with the op is refused at session
 * creation with a message naming node, op, name and both shapes. */
static void test_shape_mismatch_names_node(void) {
  kb b;
  kb_init(&b);
  float x[16] = {0}, w[9] = {0};
  int32_t xs[4] = {1, 4, 4, 1}, ws[4] = {1, 3, 3, 1}, os[4] = {1, 4, 4, 1}; /* VALID gives 2x2 */
  int in[2] = {kb_input(&b, 4, xs, x), kb_const_f(&b, 4, ws, w)};
  int out = kb_output(&b, 4, os);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_VALID;
  kb_node(&b, NQ_OP_CONV_2D, "myconv", 2, in, 1, &out, &p);
  float got[16];
  nq_error err;
  nq_status s = kb_run(&b, 0, got, 16, &err);
  CHECK(s == NQ_ERR_SHAPE);
  CHECKF(strstr(err.msg, "node 0 (CONV_2D 'myconv')") && strstr(err.msg, "[1,4,4,1]") &&
             strstr(err.msg, "[1,2,2,1]"),
         "message: %s", err.msg);
}

/* An op on a type the reference kernels do not handle is NQ_ERR_UNSUPPORTED
 * naming the op, the node and the types. */
static void test_unsupported_type(void) {
  kb b;
  kb_init(&b);
  float x[2] = {1, 2};
  int32_t xs[1] = {2};
  int in = kb_input(&b, 1, xs, x);
  int out = kb_output_t(&b, NQ_INT64, 1, xs);
  nq_op_params p = nq_op_params_default();
  kb_node(&b, NQ_OP_SOFTMAX, "sm64", 1, &in, 1, &out, &p);
  nq_error err;
  float got[2];
  nq_status s = kb_run(&b, 0, got, 2, &err);
  CHECK(s == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(err.msg, "SOFTMAX 'sm64'") && strstr(err.msg, "int64"), "message: %s", err.msg);
}

/* Every op in ops.def has a reference kernel. */
static void test_table_complete(void) {
  for (int op = 0; op < NQ_OP_COUNT; op++)
    CHECKF(nq_float_kernels_ref[op].run && nq_float_kernels_ref[op].prepare, "no reference kernel for %s",
           nq_op_name((nq_op)op));
}

int main(void) {
  test_table_complete();
  test_conv_same_stride2();
  test_conv_dilation();
  test_depthwise_mult2();
  test_depthwise_same_borders();
  test_transpose_conv();
  test_avgpool_borders();
  test_resize_bilinear_half_pixel();
  test_resize_nearest();
  test_strided_slice();
  test_softmax_beta();
  test_binary_broadcast();
  test_mean_keep_dims();
  test_activations();
  test_mirror_pad();
  test_gather();
  test_space_batch_roundtrip();
  test_shape_mismatch_names_node();
  test_unsupported_type();
  return nq_test_finish("test_kernels_ref");
}
