/*
 * Writes one small .tflite per op case into a folder, for op_oracle.py to run
 * through our executor and LiteRT. Each model is built in the IR with random
 * constants (seeded), its output shapes come from our shape inference, and it
 * is saved with the library's TFLite writer: a wrong inferred shape or a
 * wrong kernel shows up as a disagreement with LiteRT.
 *
 *   make_float_op_models OUTDIR    (prints one line per model written)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"
#include "ir/shape.h"
#include "npuquant.h"
#include "testutil.h"

static const char *g_dir;
static nq_rng g_rng = {20240601};
static int g_failures;

typedef struct mb {
  nq_graph *g;
  int in[4], n_in;
  int last_out[8], n_last;
} mb;

static void mb_init(mb *b) {
  memset(b, 0, sizeof *b);
  b->g = nq_graph_new();
}

static int input(mb *b, int rank, const int32_t *shape) {
  nq_error err;
  char name[16];
  snprintf(name, sizeof name, "in%d", b->n_in);
  int t = nq_graph_add_tensor(b->g, name, NQ_FLOAT32, rank, shape, &err);
  b->in[b->n_in++] = t;
  return t;
}

static int constf(mb *b, int rank, const int32_t *shape, float lo, float hi) {
  nq_error err;
  char name[24];
  snprintf(name, sizeof name, "w%d", b->g->n_tensors);
  int t = nq_graph_add_tensor(b->g, name, NQ_FLOAT32, rank, shape, &err);
  size_t n = nq_tensor_elems(&b->g->tensors[t]);
  float *d = malloc(n * 4 + 4);
  for (size_t i = 0; i < n; i++) d[i] = nq_rng_uniform(&g_rng, lo, hi);
  nq_tensor_copy_data(b->g, t, d, n * 4, &err);
  free(d);
  return t;
}

static int consti(mb *b, int rank, const int32_t *shape, const int32_t *v) {
  nq_error err;
  char name[24];
  snprintf(name, sizeof name, "c%d", b->g->n_tensors);
  int t = nq_graph_add_tensor(b->g, name, NQ_INT32, rank, shape, &err);
  nq_tensor_copy_data(b->g, t, v, nq_tensor_elems(&b->g->tensors[t]) * 4, &err);
  return t;
}

/* Add a node with n_out fresh outputs of type `type`; returns the first. */
static int node_t(mb *b, nq_op op, int n_in, const int *in, int n_out, nq_dtype type, const nq_op_params *p) {
  nq_error err;
  int out[8];
  int32_t none[1] = {0};
  for (int k = 0; k < n_out; k++) {
    char name[24]; /* unique names: runtimes map outputs by name */
    snprintf(name, sizeof name, "t%d", b->g->n_tensors);
    out[k] = nq_graph_add_tensor(b->g, name, type, 0, none, &err);
  }
  nq_graph_add_node(b->g, op, nq_op_name(op), n_in, in, n_out, out, p, &err);
  memcpy(b->last_out, out, sizeof(int) * (size_t)n_out);
  b->n_last = n_out;
  return out[0];
}

static int node(mb *b, nq_op op, int n_in, const int *in, int n_out, const nq_op_params *p) {
  return node_t(b, op, n_in, in, n_out, NQ_FLOAT32, p);
}

static int node1(mb *b, nq_op op, int x, const nq_op_params *p) { return node(b, op, 1, &x, 1, p); }

static void save(mb *b, const char *name) {
  nq_error err;
  nq_model *m = NULL;
  nq_status s = nq_graph_set_io(b->g, b->n_in, b->in, b->n_last, b->last_out, &err);
  if (s == NQ_OK) s = nq_graph_infer_shapes(b->g, true, &err);
  if (s == NQ_OK)
    s = nq_model_wrap(b->g, NULL, &m, &err);
  else
    nq_graph_free(b->g);
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.tflite", g_dir, name);
  if (s == NQ_OK) s = nq_model_save_tflite(m, path, &err);
  if (s != NQ_OK) {
    fprintf(stderr, "make_float_op_models: %s: %s\n", name, err.msg);
    g_failures++;
  } else {
    printf("%s\n", name);
  }
  nq_model_free(m);
}

static nq_op_params P(void) { return nq_op_params_default(); }

static void unary_models(void) {
  static const struct {
    nq_op op;
    const char *name;
    bool positive; /* feed |x| + 0.1 */
  } ops[] = {
      {NQ_OP_RELU, "relu", false},
      {NQ_OP_RELU6, "relu6", false},
      {NQ_OP_RELU_N1_TO_1, "relu_n1_to_1", false},
      {NQ_OP_LOGISTIC, "logistic", false},
      {NQ_OP_TANH, "tanh", false},
      {NQ_OP_ELU, "elu", false},
      {NQ_OP_HARD_SWISH, "hard_swish", false},
      {NQ_OP_EXP, "exp", false},
      {NQ_OP_NEG, "neg", false},
      {NQ_OP_SQUARE, "square", false},
      {NQ_OP_LOG, "log", true},
      {NQ_OP_SQRT, "sqrt", true},
      {NQ_OP_RSQRT, "rsqrt", true},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    mb b;
    mb_init(&b);
    int32_t s[3] = {2, 5, 7};
    int x = input(&b, 3, s);
    nq_op_params p = P();
    if (ops[i].positive) { /* |x| + 0.1 keeps log/sqrt/rsqrt finite */
      int a = node1(&b, NQ_OP_ABS, x, &p);
      int32_t s1[1] = {1};
      int in[2] = {a, constf(&b, 1, s1, 0.1f, 0.1f)};
      x = node(&b, NQ_OP_ADD, 2, in, 1, &p);
    }
    node1(&b, ops[i].op, x, &p);
    save(&b, ops[i].name);
  }
  for (int approx = 0; approx < 2; approx++) {
    mb b;
    mb_init(&b);
    int32_t s[2] = {4, 9};
    nq_op_params p = P();
    p.approximate = approx;
    node1(&b, NQ_OP_GELU, input(&b, 2, s), &p);
    save(&b, approx ? "gelu_approx" : "gelu");
  }
  {
    mb b;
    mb_init(&b);
    int32_t s[2] = {3, 10};
    nq_op_params p = P();
    p.alpha = 0.1f;
    node1(&b, NQ_OP_LEAKY_RELU, input(&b, 2, s), &p);
    save(&b, "leaky_relu");
  }
  {
    mb b;
    mb_init(&b);
    int32_t s[3] = {2, 3, 16};
    nq_op_params p = P();
    node1(&b, NQ_OP_L2_NORMALIZATION, input(&b, 3, s), &p);
    save(&b, "l2norm");
  }
  {
    mb b;
    mb_init(&b);
    int32_t s[2] = {3, 10};
    nq_op_params p = P();
    p.beta = 0.5f;
    node1(&b, NQ_OP_SOFTMAX, input(&b, 2, s), &p);
    save(&b, "softmax_beta");
    mb_init(&b);
    p = P();
    node1(&b, NQ_OP_LOG_SOFTMAX, input(&b, 2, s), &p);
    save(&b, "log_softmax");
  }
}

static void binary_models(void) {
  static const struct {
    nq_op op;
    const char *name;
  } ops[] = {
      {NQ_OP_ADD, "add_bcast"},
      {NQ_OP_SUB, "sub_bcast"},
      {NQ_OP_MUL, "mul_bcast"},
      {NQ_OP_DIV, "div_bcast"},
      {NQ_OP_MAXIMUM, "maximum_bcast"},
      {NQ_OP_MINIMUM, "minimum_bcast"},
      {NQ_OP_SQUARED_DIFFERENCE, "squared_difference_bcast"},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    mb b;
    mb_init(&b);
    int32_t sa[3] = {2, 1, 4}, sb[2] = {3, 1};
    int in[2] = {input(&b, 3, sa), 0};
    in[1] = ops[i].op == NQ_OP_DIV ? constf(&b, 2, sb, 0.5f, 2.0f) : input(&b, 2, sb);
    nq_op_params p = P();
    node(&b, ops[i].op, 2, in, 1, &p);
    save(&b, ops[i].name);
  }
  { /* fused RELU6 on ADD */
    mb b;
    mb_init(&b);
    int32_t s[2] = {4, 6};
    int in[2] = {input(&b, 2, s), input(&b, 2, s)};
    nq_op_params p = P();
    p.act = NQ_ACT_RELU6;
    node(&b, NQ_OP_ADD, 2, in, 1, &p);
    save(&b, "add_relu6");
  }
  { /* POW of |x|+0.1 by a constant */
    mb b;
    mb_init(&b);
    int32_t s[2] = {3, 5}, s1[1] = {1};
    nq_op_params p = P();
    int a = node1(&b, NQ_OP_ABS, input(&b, 2, s), &p);
    int in[2] = {a, constf(&b, 1, s1, 0.1f, 0.1f)};
    int x = node(&b, NQ_OP_ADD, 2, in, 1, &p);
    int in2[2] = {x, constf(&b, 1, s1, 2.5f, 2.5f)};
    node(&b, NQ_OP_POW, 2, in2, 1, &p);
    save(&b, "pow");
  }
  { /* PRELU with per-channel alpha */
    mb b;
    mb_init(&b);
    int32_t s[4] = {1, 4, 4, 3}, sa[3] = {1, 1, 3};
    int in[2] = {input(&b, 4, s), constf(&b, 3, sa, 0.05f, 0.5f)};
    nq_op_params p = P();
    node(&b, NQ_OP_PRELU, 2, in, 1, &p);
    save(&b, "prelu_channel");
  }
  { /* BATCH_MATMUL with and without adj */
    for (int adj = 0; adj < 2; adj++) {
      mb b;
      mb_init(&b);
      int32_t sa[3] = {2, 3, 4}, sb[3] = {2, 4, 5}, sbt[3] = {2, 5, 4};
      int in[2] = {input(&b, 3, sa), input(&b, 3, adj ? sbt : sb)};
      nq_op_params p = P();
      p.adj_y = adj;
      node(&b, NQ_OP_BATCH_MATMUL, 2, in, 1, &p);
      save(&b, adj ? "batch_matmul_adj_y" : "batch_matmul");
    }
  }
}

static void window_models(void) {
  { /* conv 3x3 stride 2 dilation 1 SAME on odd input, relu */
    mb b;
    mb_init(&b);
    int32_t s[4] = {1, 9, 7, 3}, w[4] = {5, 3, 3, 3}, bs[1] = {5};
    int in[3] = {input(&b, 4, s), constf(&b, 4, w, -1, 1), constf(&b, 1, bs, -1, 1)};
    nq_op_params p = P();
    p.stride_h = 2;
    p.stride_w = 2;
    p.act = NQ_ACT_RELU;
    node(&b, NQ_OP_CONV_2D, 3, in, 1, &p);
    save(&b, "conv_same_s2_odd");
  }
  { /* conv 3x2 dilation 2 VALID */
    mb b;
    mb_init(&b);
    int32_t s[4] = {1, 10, 9, 2}, w[4] = {4, 3, 2, 2}, bs[1] = {4};
    int in[3] = {input(&b, 4, s), constf(&b, 4, w, -1, 1), constf(&b, 1, bs, -1, 1)};
    nq_op_params p = P();
    p.padding = NQ_PAD_VALID;
    p.dilation_h = p.dilation_w = 2;
    node(&b, NQ_OP_CONV_2D, 3, in, 1, &p);
    save(&b, "conv_valid_dilated");
  }
  { /* grouped conv: 4 input channels, filter I = 2 -> 2 groups of 3 outputs */
    mb b;
    mb_init(&b);
    int32_t s[4] = {1, 6, 5, 4}, w[4] = {6, 3, 3, 2}, bs[1] = {6};
    int in[3] = {input(&b, 4, s), constf(&b, 4, w, -1, 1), constf(&b, 1, bs, -1, 1)};
    nq_op_params p = P();
    node(&b, NQ_OP_CONV_2D, 3, in, 1, &p);
    save(&b, "conv_grouped");
  }
  { /* TRANSPOSE_CONV SAME stride 2 with bias and fused RELU */
    mb b;
    mb_init(&b);
    int32_t s[4] = {1, 4, 3, 3}, w[4] = {5, 3, 3, 3}, bs[1] = {5}, s4[1] = {4}, os[4] = {1, 8, 6, 5};
    int in[4] = {consti(&b, 1, s4, os), constf(&b, 4, w, -1, 1), input(&b, 4, s), constf(&b, 1, bs, -1, 1)};
    nq_op_params p = P();
    p.stride_h = p.stride_w = 2;
    p.act = NQ_ACT_RELU;
    node(&b, NQ_OP_TRANSPOSE_CONV, 4, in, 1, &p);
    save(&b, "transpose_conv_bias_relu");
  }
  { /* depthwise multiplier 2, stride 2, SAME */
    mb b;
    mb_init(&b);
    int32_t s[4] = {1, 8, 7, 3}, w[4] = {1, 3, 3, 6}, bs[1] = {6};
    int in[3] = {input(&b, 4, s), constf(&b, 4, w, -1, 1), constf(&b, 1, bs, -1, 1)};
    nq_op_params p = P();
    p.stride_h = p.stride_w = 2;
    p.depth_multiplier = 2;
    node(&b, NQ_OP_DEPTHWISE_CONV_2D, 3, in, 1, &p);
    save(&b, "depthwise_mult2_s2");
  }
  { /* avg and max pool 3x3 stride 2 SAME on 7x7 */
    for (int mx = 0; mx < 2; mx++) {
      mb b;
      mb_init(&b);
      int32_t s[4] = {1, 7, 7, 4};
      nq_op_params p = P();
      p.filter_h = p.filter_w = 3;
      p.stride_h = p.stride_w = 2;
      node1(&b, mx ? NQ_OP_MAX_POOL_2D : NQ_OP_AVERAGE_POOL_2D, input(&b, 4, s), &p);
      save(&b, mx ? "max_pool_same_s2" : "avg_pool_same_s2");
    }
  }
  { /* FULLY_CONNECTED keep_num_dims */
    mb b;
    mb_init(&b);
    int32_t s[3] = {2, 3, 8}, w[2] = {5, 8}, bs[1] = {5};
    int in[3] = {input(&b, 3, s), constf(&b, 2, w, -1, 1), constf(&b, 1, bs, -1, 1)};
    nq_op_params p = P();
    p.keep_dims = true;
    node(&b, NQ_OP_FULLY_CONNECTED, 3, in, 1, &p);
    save(&b, "fc_keep_num_dims");
  }
  { /* resize bilinear / nearest, each flag */
    static const struct {
      nq_op op;
      bool align, half;
      const char *name;
    } rs[] = {
        {NQ_OP_RESIZE_BILINEAR, false, false, "resize_bilinear"},
        {NQ_OP_RESIZE_BILINEAR, true, false, "resize_bilinear_align"},
        {NQ_OP_RESIZE_BILINEAR, false, true, "resize_bilinear_half"},
        {NQ_OP_RESIZE_NEAREST_NEIGHBOR, false, false, "resize_nearest"},
        {NQ_OP_RESIZE_NEAREST_NEIGHBOR, true, false, "resize_nearest_align"},
        {NQ_OP_RESIZE_NEAREST_NEIGHBOR, false, true, "resize_nearest_half"},
    };
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
      mb b;
      mb_init(&b);
      int32_t s[4] = {1, 5, 4, 2}, s2[1] = {2}, size[2] = {9, 11};
      int in[2] = {input(&b, 4, s), consti(&b, 1, s2, size)};
      nq_op_params p = P();
      p.align_corners = rs[i].align;
      p.half_pixel_centers = rs[i].half;
      node(&b, rs[i].op, 2, in, 1, &p);
      save(&b, rs[i].name);
    }
  }
}

static void reduce_models(void) {
  static const struct {
    nq_op op;
    const char *name;
  } ops[] = {{NQ_OP_MEAN, "mean"},
             {NQ_OP_SUM, "sum"},
             {NQ_OP_REDUCE_MAX, "reduce_max"},
             {NQ_OP_REDUCE_MIN, "reduce_min"},
             {NQ_OP_REDUCE_PROD, "reduce_prod"}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    for (int keep = 0; keep < 2; keep++) {
      mb b;
      mb_init(&b);
      int32_t s[4] = {2, 3, 4, 5}, s2[1] = {2}, ax[2] = {1, -1};
      int in[2] = {input(&b, 4, s), consti(&b, 1, s2, ax)};
      nq_op_params p = P();
      p.keep_dims = keep;
      node(&b, ops[i].op, 2, in, 1, &p);
      char name[64];
      snprintf(name, sizeof name, "%s%s", ops[i].name, keep ? "_keep" : "");
      save(&b, name);
    }
}

static void movement_models(void) {
  int32_t s[4] = {2, 6, 4, 3};
  { /* STRIDED_SLICE variants on [2,6,4,3] */
    static const struct {
      int32_t b[4], e[4], st[4];
      int n, bm, em, sm, nm, el;
      const char *name;
    } ss[] = {
        {{0, 1, 0, 0}, {2, 5, 4, 3}, {1, 2, 1, 1}, 4, 0, 0, 0, 0, 0, "strided_slice_basic"},
        {{0, -1, 0, 0}, {0, 0, 0, 0}, {1, -2, 1, 1}, 4, 0xd, 0xf, 0, 0, 0, "strided_slice_negstride"},
        {{1, 2, 0, 0}, {2, 3, 4, 3}, {1, 1, 1, 1}, 4, 0, 0xc, 0x3, 0, 0, "strided_slice_shrink"},
        {{0, 1, 0, 0}, {0, 4, 0, 0}, {1, 1, 1, 0}, 2, 0, 0, 0, 0, 1, "strided_slice_ellipsis"},
        {{0, 0, 1, 0}, {0, 0, 4, 0}, {1, 1, 1, 1}, 3, 1, 1, 0, 2, 0, "strided_slice_new_axis"},
    };
    for (size_t i = 0; i < sizeof ss / sizeof ss[0]; i++) {
      mb b;
      mb_init(&b);
      int32_t sn[1] = {ss[i].n};
      int32_t st[4];
      memcpy(st, ss[i].st, sizeof st);
      if (ss[i].el) st[1] = 2; /* x[..., 1:4:2] */
      int32_t bb[4], ee[4];
      memcpy(bb, ss[i].b, sizeof bb);
      memcpy(ee, ss[i].e, sizeof ee);
      if (ss[i].el) {
        bb[0] = 0;
        ee[0] = 0;
        st[0] = 1;
        bb[1] = 1;
        ee[1] = 3;
        st[1] = 1; /* x[..., 1:3] */
      }
      int in[4] = {input(&b, 4, s), consti(&b, 1, sn, bb), consti(&b, 1, sn, ee), consti(&b, 1, sn, st)};
      nq_op_params p = P();
      p.begin_mask = ss[i].bm;
      p.end_mask = ss[i].em;
      p.shrink_axis_mask = ss[i].sm;
      p.new_axis_mask = ss[i].nm;
      p.ellipsis_mask = ss[i].el;
      node(&b, NQ_OP_STRIDED_SLICE, 4, in, 1, &p);
      save(&b, ss[i].name);
    }
  }
  {
    mb b;
    mb_init(&b);
    int32_t s4[1] = {4}, beg[4] = {1, 2, 0, 1}, size[4] = {-1, 3, 2, -1};
    int in[3] = {input(&b, 4, s), consti(&b, 1, s4, beg), consti(&b, 1, s4, size)};
    nq_op_params p = P();
    node(&b, NQ_OP_SLICE, 3, in, 1, &p);
    save(&b, "slice");
  }
  {
    mb b;
    mb_init(&b);
    int32_t s4[1] = {4}, m[4] = {1, 2, 1, 3};
    int in[2] = {input(&b, 4, s), consti(&b, 1, s4, m)};
    nq_op_params p = P();
    node(&b, NQ_OP_TILE, 2, in, 1, &p);
    save(&b, "tile");
  }
  {
    mb b;
    mb_init(&b);
    int32_t s4[1] = {4}, perm[4] = {0, 2, 3, 1};
    int in[2] = {input(&b, 4, s), consti(&b, 1, s4, perm)};
    nq_op_params p = P();
    node(&b, NQ_OP_TRANSPOSE, 2, in, 1, &p);
    save(&b, "transpose");
  }
  { /* PAD, PADV2, MIRROR_PAD reflect/symmetric */
    int32_t ps[2] = {4, 2}, pads[8] = {0, 0, 1, 2, 2, 1, 0, 0};
    for (int k = 0; k < 4; k++) {
      mb b;
      mb_init(&b);
      int32_t s1[1] = {1};
      int in[3] = {input(&b, 4, s), consti(&b, 2, ps, pads), 0};
      nq_op_params p = P();
      nq_op op = k == 0 ? NQ_OP_PAD : k == 1 ? NQ_OP_PADV2 : NQ_OP_MIRROR_PAD;
      if (k == 1) in[2] = constf(&b, 0, s1, 0.75f, 0.75f);
      p.mirror_mode = k == 3;
      node(&b, op, k == 1 ? 3 : 2, in, 1, &p);
      save(&b, k == 0 ? "pad" : k == 1 ? "padv2" : k == 2 ? "mirror_pad_reflect" : "mirror_pad_symmetric");
    }
  }
  { /* SPACE_TO_DEPTH / DEPTH_TO_SPACE */
    mb b;
    mb_init(&b);
    int32_t s2[4] = {1, 4, 6, 3};
    nq_op_params p = P();
    p.block_size = 2;
    node1(&b, NQ_OP_SPACE_TO_DEPTH, input(&b, 4, s2), &p);
    save(&b, "space_to_depth");
    mb_init(&b);
    int32_t s3[4] = {1, 2, 3, 8};
    node1(&b, NQ_OP_DEPTH_TO_SPACE, input(&b, 4, s3), &p);
    save(&b, "depth_to_space");
  }
  { /* SPACE_TO_BATCH_ND with padding, BATCH_TO_SPACE_ND with crops */
    mb b;
    mb_init(&b);
    int32_t s2[4] = {1, 5, 6, 2}, bs[1] = {2}, blk[2] = {2, 3}, ps[2] = {2, 2}, pads[4] = {1, 0, 0, 0};
    int in[3] = {input(&b, 4, s2), consti(&b, 1, bs, blk), consti(&b, 2, ps, pads)};
    nq_op_params p = P();
    node(&b, NQ_OP_SPACE_TO_BATCH_ND, 3, in, 1, &p);
    save(&b, "space_to_batch_nd");
    mb_init(&b);
    int32_t s3[4] = {6, 3, 2, 2}, crops[4] = {1, 0, 0, 1};
    int in2[3] = {input(&b, 4, s3), consti(&b, 1, bs, blk), consti(&b, 2, ps, crops)};
    node(&b, NQ_OP_BATCH_TO_SPACE_ND, 3, in2, 1, &p);
    save(&b, "batch_to_space_nd");
  }
  { /* GATHER axis 1 */
    mb b;
    mb_init(&b);
    int32_t is[2] = {2, 2}, idx[4] = {5, 0, 2, 2};
    int in[2] = {input(&b, 4, s), consti(&b, 2, is, idx)};
    nq_op_params p = P();
    p.axis = 1;
    node(&b, NQ_OP_GATHER, 2, in, 1, &p);
    save(&b, "gather_axis1");
  }
  { /* CONCATENATION axis 2, PACK axis 1, UNPACK axis 2, SPLIT, SPLIT_V */
    mb b;
    mb_init(&b);
    int32_t s2[3] = {2, 3, 4}, s3[3] = {2, 3, 1};
    int in[2] = {input(&b, 3, s2), input(&b, 3, s3)};
    nq_op_params p = P();
    p.axis = 2;
    node(&b, NQ_OP_CONCATENATION, 2, in, 1, &p);
    save(&b, "concat_axis2");
    mb_init(&b);
    int in2[3] = {input(&b, 3, s2), input(&b, 3, s2), input(&b, 3, s2)};
    p.axis = 1;
    p.num = 3; /* values_count */
    node(&b, NQ_OP_PACK, 3, in2, 1, &p);
    save(&b, "pack_axis1");
    mb_init(&b);
    p = P();
    p.axis = 1;
    p.num = 6;
    node(&b, NQ_OP_UNPACK, 1, (int[]){input(&b, 4, s)}, 6, &p);
    save(&b, "unpack_axis1");
    mb_init(&b);
    int32_t s1[1] = {1}, ax[1] = {1};
    p = P();
    p.num = 3;
    int ins[2] = {consti(&b, 0, s1, ax), input(&b, 4, s)};
    node(&b, NQ_OP_SPLIT, 2, ins, 3, &p);
    save(&b, "split_axis1");
    mb_init(&b);
    int32_t sz[3] = {1, -1, 2}, s3v[1] = {3}, ax3[1] = {-1};
    int inv[3] = {input(&b, 4, (int32_t[]){2, 3, 4, 5}), consti(&b, 1, s3v, sz), consti(&b, 0, s1, ax3)};
    node(&b, NQ_OP_SPLIT_V, 3, inv, 3, &p);
    save(&b, "split_v");
  }
  { /* RESHAPE with -1, SQUEEZE, EXPAND_DIMS */
    mb b;
    mb_init(&b);
    int32_t s2[1] = {3}, shape[3] = {4, -1, 3};
    int in[2] = {input(&b, 4, s), consti(&b, 1, s2, shape)};
    nq_op_params p = P();
    node(&b, NQ_OP_RESHAPE, 2, in, 1, &p);
    save(&b, "reshape_minus1");
    mb_init(&b);
    int32_t s3[4] = {2, 1, 4, 1};
    p.num_squeeze_dims = 1;
    p.squeeze_dims[0] = -1;
    node1(&b, NQ_OP_SQUEEZE, input(&b, 4, s3), &p);
    save(&b, "squeeze_last");
    mb_init(&b);
    int32_t s1[1] = {1}, ax[1] = {-1};
    p = P();
    int ine[2] = {input(&b, 4, s), consti(&b, 0, s1, ax)};
    node(&b, NQ_OP_EXPAND_DIMS, 2, ine, 1, &p);
    save(&b, "expand_dims_last");
  }
}

static void typed_models(void) {
  { /* ARG_MAX -> int32 */
    mb b;
    mb_init(&b);
    int32_t s[3] = {3, 7, 5}, s1[1] = {1}, ax[1] = {1};
    int in[2] = {input(&b, 3, s), consti(&b, 1, s1, ax)};
    nq_op_params p = P();
    p.out_type = NQ_INT32;
    node_t(&b, NQ_OP_ARG_MAX, 2, in, 1, NQ_INT32, &p);
    save(&b, "arg_max");
  }
  { /* CAST float -> int32 of 10x */
    mb b;
    mb_init(&b);
    int32_t s[2] = {4, 6}, s1[1] = {1};
    nq_op_params p = P();
    int in[2] = {input(&b, 2, s), constf(&b, 1, s1, 10, 10)};
    int x = node(&b, NQ_OP_MUL, 2, in, 1, &p);
    p.out_type = NQ_INT32;
    node_t(&b, NQ_OP_CAST, 1, &x, 1, NQ_INT32, &p);
    save(&b, "cast_f32_i32");
  }
  { /* QUANTIZE to int8 then DEQUANTIZE (scale 1/64, zp 3) */
    mb b;
    mb_init(&b);
    int32_t s[2] = {4, 8};
    nq_op_params p = P();
    int x = input(&b, 2, s);
    int q = node_t(&b, NQ_OP_QUANTIZE, 1, &x, 1, NQ_INT8, &p);
    float sc = 1.0f / 64;
    int64_t zp = 3;
    nq_error err;
    nq_tensor_set_quant(b.g, q, 1, &sc, &zp, 0, &err);
    node(&b, NQ_OP_DEQUANTIZE, 1, &q, 1, &p);
    save(&b, "quantize_dequantize");
  }
}

static int const_of(mb *b, nq_dtype type, int rank, const int32_t *shape, const void *v, size_t bytes) {
  nq_error err;
  char name[24];
  snprintf(name, sizeof name, "k%d", b->g->n_tensors);
  int t = nq_graph_add_tensor(b->g, name, type, rank, shape, &err);
  nq_tensor_copy_data(b->g, t, v, bytes, &err);
  return t;
}

/* FLOOR, FLOOR_DIV, FLOOR_MOD (float32 and int32, divisors of both signs)
 * and SELECT_V2 with a bool condition broadcast against both values. */
static void floor_select_models(void) {
  int32_t s[3] = {2, 1, 4}, sd[2] = {3, 1}, s1[1] = {1};
  const float div_f[3] = {0.7f, -1.3f, 2.1f}, four = 4.0f, ten = 10.0f;
  const int32_t div_i[3] = {3, -4, 7};
  {
    mb b;
    mb_init(&b);
    nq_op_params p = P();
    int in[2] = {input(&b, 3, s), const_of(&b, NQ_FLOAT32, 1, s1, &four, 4)};
    int x = node(&b, NQ_OP_MUL, 2, in, 1, &p);
    node1(&b, NQ_OP_FLOOR, x, &p);
    save(&b, "floor");
  }
  for (int k = 0; k < 4; k++) {
    const bool is_int = k >= 2;
    const nq_op op = k % 2 ? NQ_OP_FLOOR_MOD : NQ_OP_FLOOR_DIV;
    mb b;
    mb_init(&b);
    nq_op_params p = P();
    int in[2] = {input(&b, 3, s), const_of(&b, NQ_FLOAT32, 1, s1, is_int ? &ten : &four, 4)};
    int x = node(&b, NQ_OP_MUL, 2, in, 1, &p); /* x in [-4, 4] or [-10, 10] */
    if (is_int) {
      p.out_type = NQ_INT32;
      x = node_t(&b, NQ_OP_CAST, 1, &x, 1, NQ_INT32, &p);
      p = P();
    }
    in[0] = x;
    in[1] = is_int ? const_of(&b, NQ_INT32, 2, sd, div_i, sizeof div_i)
                   : const_of(&b, NQ_FLOAT32, 2, sd, div_f, sizeof div_f);
    node_t(&b, op, 2, in, 1, is_int ? NQ_INT32 : NQ_FLOAT32, &p);
    static const char *const names[4] = {"floor_div_bcast", "floor_mod_bcast", "floor_div_int32",
                                         "floor_mod_int32"};
    save(&b, names[k]);
  }
  {
    mb b;
    mb_init(&b);
    nq_op_params p = P();
    int32_t sx[3] = {2, 3, 4}, sc[2] = {1, 4};
    const uint8_t cond[4] = {1, 0, 0, 1};
    int in[3] = {const_of(&b, NQ_BOOL, 2, sc, cond, sizeof cond), input(&b, 3, sx), input(&b, 2, sd)};
    node(&b, NQ_OP_SELECT_V2, 3, in, 1, &p);
    save(&b, "select_v2_bcast");
  }
}

/* The comparisons (bool out, broadcast [2, 3, 4] against [3, 1]; EQUAL and
 * NOT_EQUAL on floor(4x) against small integers so that equal pairs occur)
 * and the logical ops on bools computed in the model. */
static void compare_models(void) {
  int32_t sx[3] = {2, 3, 4}, sy[2] = {3, 1}, s1[1] = {1};
  const float four = 4.0f, level = 0.2f, ints[3] = {-2.0f, 0.0f, 1.0f};
  static const nq_op ops[6] = {NQ_OP_LESS,          NQ_OP_LESS_EQUAL, NQ_OP_GREATER,
                               NQ_OP_GREATER_EQUAL, NQ_OP_EQUAL,      NQ_OP_NOT_EQUAL};
  static const char *const names[6] = {"less_bcast",          "less_equal_bcast", "greater_bcast",
                                       "greater_equal_bcast", "equal_floor",      "not_equal_floor"};
  for (int k = 0; k < 6; k++) {
    mb b;
    mb_init(&b);
    nq_op_params p = P();
    int in[2] = {input(&b, 3, sx), input(&b, 2, sy)};
    if (ops[k] == NQ_OP_EQUAL || ops[k] == NQ_OP_NOT_EQUAL) {
      int m[2] = {in[0], const_of(&b, NQ_FLOAT32, 1, s1, &four, 4)};
      in[0] = node1(&b, NQ_OP_FLOOR, node(&b, NQ_OP_MUL, 2, m, 1, &p), &p);
      in[1] = const_of(&b, NQ_FLOAT32, 2, sy, ints, sizeof ints);
    }
    node_t(&b, ops[k], 2, in, 1, NQ_BOOL, &p);
    save(&b, names[k]);
  }
  static const nq_op logic[3] = {NQ_OP_LOGICAL_AND, NQ_OP_LOGICAL_OR, NQ_OP_LOGICAL_NOT};
  static const char *const lnames[3] = {"logical_and", "logical_or", "logical_not"};
  for (int k = 0; k < 3; k++) {
    mb b;
    mb_init(&b);
    nq_op_params p = P();
    int x = input(&b, 3, sx);
    int in[2] = {x, input(&b, 2, sy)};
    int lt = node_t(&b, NQ_OP_LESS, 2, in, 1, NQ_BOOL, &p);
    in[1] = const_of(&b, NQ_FLOAT32, 1, s1, &level, 4);
    int gt = node_t(&b, NQ_OP_GREATER, 2, in, 1, NQ_BOOL, &p);
    int l[2] = {lt, gt};
    node_t(&b, logic[k], k == 2 ? 1 : 2, l, 1, NQ_BOOL, &p);
    save(&b, lnames[k]);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_float_op_models OUTDIR\n");
    return 2;
  }
  g_dir = argv[1];
  unary_models();
  binary_models();
  window_models();
  reduce_models();
  movement_models();
  typed_models();
  floor_select_models();
  compare_models();
  return g_failures ? 1 : 0;
}
