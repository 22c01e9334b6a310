/*
 * One rule function per op (table indexed by nq_op, checked against
 * NQ_OP_COUNT). Rules follow TensorFlow's op_version.cc: the first matching
 * condition in that file's order wins, and every op without a condition is
 * version 1.
 */
#include "writers/tflite/op_version.h"

#include <stddef.h>

/* ---- what a rule looks at ---- */
#define NO_TENSOR (-1) /* type of an absent input/output */

static const nq_tensor *in_t(const nq_graph *g, const nq_node *n, int i) {
  if (i >= n->n_in || n->in[i] < 0 || n->in[i] >= g->n_tensors) return NULL;
  return &g->tensors[n->in[i]];
}
static const nq_tensor *out_t(const nq_graph *g, const nq_node *n, int i) {
  if (i >= n->n_out || n->out[i] < 0 || n->out[i] >= g->n_tensors) return NULL;
  return &g->tensors[n->out[i]];
}
static int in_type(const nq_graph *g, const nq_node *n, int i) {
  const nq_tensor *t = in_t(g, n, i);
  return t ? (int)t->type : NO_TENSOR;
}
static int out_type(const nq_graph *g, const nq_node *n, int i) {
  const nq_tensor *t = out_t(g, n, i);
  return t ? (int)t->type : NO_TENSOR;
}
static int in_rank(const nq_graph *g, const nq_node *n, int i) {
  const nq_tensor *t = in_t(g, n, i);
  return t ? t->rank : 0;
}
static int max_in_rank(const nq_graph *g, const nq_node *n) {
  int r = 0;
  for (int i = 0; i < n->n_in; i++)
    if (in_rank(g, n, i) > r) r = in_rank(g, n, i);
  return r;
}
/* op_version.cc's NeedBroadcastForBinaryInputs: the first two inputs'
 * shapes differ. */
static int needs_broadcast(const nq_graph *g, const nq_node *n) {
  const nq_tensor *a = in_t(g, n, 0), *b = in_t(g, n, 1);
  if (!a || !b) return 0;
  if (a->rank != b->rank) return 1;
  for (int d = 0; d < a->rank; d++)
    if (a->shape[d] != b->shape[d]) return 1;
  return 0;
}
static int per_channel(const nq_tensor *t) { return t && t->q.n > 1; }

/* ---- shared rules ---- */
typedef int (*version_rule)(const nq_graph *g, const nq_node *n);

static int v_1(const nq_graph *g, const nq_node *n) {
  (void)g;
  (void)n;
  return 1;
}
/* SPACE_TO_DEPTH, SPLIT_V, SUM, LOG_SOFTMAX, SQUARED_DIFFERENCE,
 * DEPTH_TO_SPACE, ARG_MAX (bool input 3 does not apply to our types). */
static int v_int8_2(const nq_graph *g, const nq_node *n) { return in_type(g, n, 0) == NQ_INT8 ? 2 : 1; }
/* EXP, LOG, REDUCE_PROD: int8 or int16 input 2. */
static int v_int8_int16_2(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  return (t == NQ_INT8 || t == NQ_INT16) ? 2 : 1;
}
/* SOFTMAX, MEAN, MIRROR_PAD, REDUCE_MAX/MIN, RELU6, RSQRT, CONCATENATION:
 * int16 input 3, int8 2. */
static int v_int16_3_int8_2(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16) return 3;
  return t == NQ_INT8 ? 2 : 1;
}
/* Pools, LOGISTIC, TANH: int16 in and out 3, int8 2. */
static int v_int16io_3_int8_2(const nq_graph *g, const nq_node *n) {
  if (in_type(g, n, 0) == NQ_INT16 && out_type(g, n, 0) == NQ_INT16) return 3;
  return in_type(g, n, 0) == NQ_INT8 ? 2 : 1;
}

/* ---- per-op rules ---- */
static int v_conv_2d(const nq_graph *g, const nq_node *n) {
  const nq_tensor *x = in_t(g, n, 0), *w = in_t(g, n, 1);
  /* Grouped convolution: the filter sees fewer input channels than there are. */
  if (x && w && x->rank == 4 && w->rank == 4 && w->shape[3] > 0 && x->shape[3] != w->shape[3]) return 6;
  int ti = in_type(g, n, 0), tw = in_type(g, n, 1), to = out_type(g, n, 0);
  if (ti == NQ_INT16 && tw == NQ_INT8 && to == NQ_INT16) return 4; /* 16x8 */
  if (ti == NQ_INT8 && tw == NQ_INT8 && to == NQ_INT8) return 3;
  if (ti == NQ_FLOAT32 && tw == NQ_INT8 && to == NQ_FLOAT32) return per_channel(w) ? 5 : 2;
  return 1; /* float (dilation does not raise CONV_2D) */
}

static int v_depthwise_conv_2d(const nq_graph *g, const nq_node *n) {
  int ti = in_type(g, n, 0), tw = in_type(g, n, 1), to = out_type(g, n, 0);
  if (ti == NQ_INT16 && tw == NQ_INT8 && to == NQ_INT16) return 5;
  if (ti == NQ_FLOAT32 && tw == NQ_INT8 && to == NQ_FLOAT32) return per_channel(in_t(g, n, 1)) ? 6 : 4;
  if (ti == NQ_INT8 && tw == NQ_INT8 && to == NQ_INT8) return 3;
  if (n->p.dilation_h != 1 || n->p.dilation_w != 1) return 2;
  return 1;
}

static int v_fully_connected(const nq_graph *g, const nq_node *n) {
  int ti = in_type(g, n, 0), tw = in_type(g, n, 1), to = out_type(g, n, 0);
  if (ti == NQ_FLOAT32 && tw == NQ_INT8 && to == NQ_FLOAT32 && per_channel(in_t(g, n, 1))) return 12;
  if (ti == NQ_INT16 && tw == NQ_INT16 && to == NQ_INT16) return 7;
  /* TFLite counts the inputs listed; an absent bias (-1) is still listed
   * when the node has 3 inputs, so only a 2-input node is "no bias". */
  if (n->n_in == 2) return 6;
  if (n->p.keep_dims) return 5;
  if (ti == NQ_INT8 && tw == NQ_INT8 && to == NQ_INT8) return 4;
  if (ti == NQ_FLOAT32 && tw == NQ_INT8 && to == NQ_FLOAT32) return 3;
  return 1;
}

static int v_gather(const nq_graph *g, const nq_node *n) {
  if (in_type(g, n, 1) == NQ_INT16) return 6;
  /* batch_dims is not kept in nq_op_params (always 0 for npuquant). */
  int t = in_type(g, n, 0);
  if (t == NQ_INT16) return 4;
  if (t == NQ_BOOL) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_mul(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT64) return 5;
  if (t == NQ_INT16) return 4; /* quantized int16 (7 is for raw int16 math) */
  const nq_tensor *a = in_t(g, n, 0), *b = in_t(g, n, 1), *o = out_t(g, n, 0);
  if (a && b && o && a->q.n >= 1 && b->q.n >= 1 && o->q.n >= 1) {
    /* op_version.cc multiplies the float scales in float. */
    float s1 = a->q.scale[0], s2 = b->q.scale[0], so = o->q.scale[0];
    if (s1 != 0 && s2 != 0 && so != 0 && s1 * s2 / so >= 1.0f) return 3;
  }
  return t == NQ_INT8 ? 2 : 1;
}

static int v_transpose(const nq_graph *g, const nq_node *n) {
  int r = in_rank(g, n, 0), t = in_type(g, n, 0);
  if (r > 5) return 6;
  if (t == NQ_INT16) return 5;
  if (r > 4) return 4;
  if (t == NQ_BOOL) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_transpose_conv(const nq_graph *g, const nq_node *n) {
  if (n->p.act != NQ_ACT_NONE) return 4;
  if (n->n_in == 4 && n->in[3] >= 0) return 3; /* with bias */
  return in_type(g, n, 1) == NQ_INT8 ? 2 : 1;
}

static int v_split(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 1); /* input 0 is the axis */
  if (t == NQ_INT16) return 4;
  if (t == NQ_INT32) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_slice(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (in_rank(g, n, 0) > 4) return 5;
  if (t == NQ_INT16) return 4;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_unpack(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT8 || t == NQ_UINT8) return 2;
  if (t == NQ_BOOL) return 3;
  if (t == NQ_INT16 && out_type(g, n, 0) == NQ_INT16) return 4;
  return 1;
}

static int v_dequantize(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16 || t == NQ_FLOAT16) return 3;
  if (t == NQ_INT8) return per_channel(in_t(g, n, 0)) ? 5 : 2;
  return 1;
}

static int v_quantize(const nq_graph *g, const nq_node *n) {
  if (per_channel(out_t(g, n, 0))) return 3;
  return out_type(g, n, 0) == NQ_INT16 ? 2 : 1;
}

static int v_l2_normalization(const nq_graph *g, const nq_node *n) {
  return out_type(g, n, 0) == NQ_INT8 ? 2 : 1;
}

static int v_abs(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT32) return 5;
  if (t == NQ_INT16) return in_t(g, n, 0)->q.n > 0 ? 3 : 4;
  return (t == NQ_INT8 || t == NQ_UINT8) ? 2 : 1;
}

static int v_relu(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16) return 3;
  return (t == NQ_INT8 || t == NQ_UINT8) ? 2 : 1;
}

static int v_strided_slice(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (n->p.offset) return 8;
  if (n->p.ellipsis_mask != 0 || n->p.new_axis_mask != 0) return 6;
  if (in_rank(g, n, 0) > 4) return 4;
  if (t == NQ_BOOL) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_resize_bilinear(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16) return 4;
  if (n->p.half_pixel_centers) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_resize_nearest(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16) return 4;
  if (n->p.half_pixel_centers || n->p.align_corners) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_maximum_minimum(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16 && out_type(g, n, 0) == NQ_INT16) return 4;
  if (needs_broadcast(g, n) && max_in_rank(g, n) > 4) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_pack(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT8) return 2;
  if (t == NQ_INT16 && out_type(g, n, 0) == NQ_INT16) return 3;
  return 1;
}

static int v_tile(const nq_graph *g, const nq_node *n) { return in_type(g, n, 0) == NQ_INT8 ? 3 : 1; }

static int v_batch_space(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16) return 4;
  if (in_rank(g, n, 0) != 4) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_add(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16 && in_t(g, n, 0)->q.n == 0) return 5; /* raw int16 math */
  if (t == NQ_INT64) return 4;
  /* Quantized int16 ADD: 3 unless pot_scale_int16 (default true, not kept
   * by npuquant, which never writes general-scale int16 ADD). */
  return t == NQ_INT8 ? 2 : 1;
}

static int v_sub(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT64) return 4;
  if (needs_broadcast(g, n) && max_in_rank(g, n) > 4) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_div(const nq_graph *g, const nq_node *n) {
  return (needs_broadcast(g, n) && max_in_rank(g, n) > 4) ? 2 : 1;
}

static int v_leaky_relu(const nq_graph *g, const nq_node *n) { return in_type(g, n, 0) == NQ_INT16 ? 2 : 1; }

static int v_batch_matmul(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (t == NQ_INT16) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_pad(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  if (in_rank(g, n, 0) > 4) return 4;
  if (t == NQ_INT16) return 3;
  return t == NQ_INT8 ? 2 : 1;
}

static int v_cast(const nq_graph *g, const nq_node *n) {
  int ti = in_type(g, n, 0), to = out_type(g, n, 0);
  if (ti == NQ_FLOAT16 || to == NQ_FLOAT16) return 5;
  if (ti == NQ_INT8 || to == NQ_INT8) return 3;
  return 1;
}

/* FLOOR_DIV: float32 2, int32 1. */
static int v_floor_div(const nq_graph *g, const nq_node *n) { return in_type(g, n, 0) == NQ_FLOAT32 ? 2 : 1; }
static int v_gelu(const nq_graph *g, const nq_node *n) {
  int t = in_type(g, n, 0);
  return (t == NQ_INT8 || t == NQ_UINT8) ? 2 : 1;
}

/* ops.def column VERSION, in enum order. */
static const version_rule rules[NQ_OP_COUNT] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) ver,
#include "ir/ops.def"
#undef NQ_OP
};

int nq_tflite_op_version(const nq_graph *g, const nq_node *n) {
  if ((unsigned)n->op >= NQ_OP_COUNT || !rules[n->op]) return 1;
  int v = rules[n->op](g, n);
  return v < 1 ? 1 : v;
}
