/*
 * Vela's per-op constraints for TFLite ops (Vela 3.6.1 SUPPORTED_OPS.md,
 * nxp-imx/ethos-u-vela, sections "TFLite <OP> Constraints"). Each check
 * names the constraint in its message, in Vela's terms, so a user can find
 * it in Vela's own report. Only constraints that can be decided on the
 * graph are here; a malformed node (a missing operand) is left alone: the
 * graph verifier, not this report, owns that.
 */
#include <stdio.h>
#include <stdlib.h>

#include "report/npu_internal.h"

static bool same_shape(const nq_tensor *a, const nq_tensor *b) {
  if (a->rank != b->rank) return false;
  for (int d = 0; d < a->rank; d++)
    if (a->shape[d] != b->shape[d]) return false;
  return true;
}

static bool in_range(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

/* Largest per-output-channel sum of |w - zp| (Vela: "The sum of the weights
 * cannot exceed 8323072" = 127 * 65536, the accumulator budget of one
 * output channel). Output channels are dim 0 (OHWI) or, for depthwise,
 * dim 3 (1HWC). -1 when it cannot be computed (odd layout or zero point). */
static int64_t max_channel_weight_sum(const nq_tensor *w, bool depthwise) {
  if (w->rank != 4 || !npu_is_8bit(w->type)) return -1;
  for (int d = 0; d < 4; d++)
    if (w->shape[d] < 1) return -1;
  size_t total = nq_tensor_elems(w), have = npu_const_count(w);
  if (have < total) return -1; /* constant cut short: nothing to sum */
  size_t ch = (size_t)(depthwise ? w->shape[3] : w->shape[0]);
  if (ch == 0 || total % ch != 0) return -1;
  size_t per = total / ch;
  int64_t best = 0;
  for (size_t c = 0; c < ch; c++) {
    int64_t zp = w->q.n == (int)ch ? w->q.zero_point[c] : w->q.n > 0 ? w->q.zero_point[0] : 0;
    if (zp < -255 || zp > 255) return -1; /* not an 8-bit zero point: the reader's business */
    int64_t sum = 0;
    for (size_t j = 0; j < per; j++) {
      size_t idx = depthwise ? j * ch + c : c * per + j;
      int64_t v = w->type == NQ_INT8 ? (int64_t)(int8_t)w->data[idx] : (int64_t)w->data[idx];
      sum += llabs(v - zp);
    }
    if (sum > best) best = sum;
  }
  return best;
}

/* Weights and bias checks shared by the conv-like ops and FULLY_CONNECTED. */
static const char *weights_and_bias(const nq_graph *g, const nq_node *nd, int wk, int bk, char *buf,
                                    size_t n) {
  const char *op = nq_op_name(nd->op);
  char tn[NPU_TNAME_MAX];
  const nq_tensor *w = npu_in(g, nd, wk), *b = npu_in(g, nd, bk);
  if (w) {
    npu_tname(g, w, tn, sizeof tn);
    if (nq_dtype_size(w->type) != 1)
      return npu_fmt(buf, n, "%s weights %s are not 8-bit: Vela needs 8-bit weights", op, tn);
    if (!w->data)
      return npu_fmt(buf, n, "%s weights %s are not constant: Vela needs constant weights", op, tn);
  }
  if (b) {
    npu_tname(g, b, tn, sizeof tn);
    if (b->rank != 1)
      return npu_fmt(buf, n, "%s bias %s has rank %d: Vela needs a 1-D bias", op, tn, b->rank);
    if (b->type != NQ_INT32 && b->type != NQ_INT64)
      return npu_fmt(buf, n, "%s bias %s is %s: Vela takes int32 or int64 bias", op, tn,
                     nq_dtype_name(b->type));
    size_t cnt = b->type == NQ_INT64 ? npu_const_count(b) : 0;
    for (size_t i = 0; i < cnt; i++) {
      int64_t v;
      if (npu_const_int(b, i, &v) && (v >= ((int64_t)1 << 40) || v <= -((int64_t)1 << 40)))
        return npu_fmt(buf, n, "%s bias %s has value %lld: Vela needs bias values that fit in 40 bits", op,
                       tn, (long long)v);
    }
  }
  return NULL;
}

static const char *conv_like(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_op_params *p = &nd->p;
  const char *op = nq_op_name(nd->op);
  bool tconv = nd->op == NQ_OP_TRANSPOSE_CONV, dw = nd->op == NQ_OP_DEPTHWISE_CONV_2D;
  int sh = p->stride_h, sw = p->stride_w;
  if (tconv) {
    if (sh != 2 || sw != 2)
      return npu_fmt(buf, n, "stride %dx%d (HxW): Vela runs TRANSPOSE_CONV with stride 2x2 only", sh, sw);
  } else {
    int smax = dw ? 3 : 4;
    if (!in_range(sh, 1, smax) || !in_range(sw, 1, smax))
      return npu_fmt(buf, n, "stride %dx%d (HxW): Vela takes %s strides 1..%d", sh, sw, op, smax);
  }
  const nq_tensor *w = npu_in(g, nd, 1);
  if (!w || w->rank != 4) return NULL;
  int64_t dh = tconv ? 1 : p->dilation_h, dwl = tconv ? 1 : p->dilation_w;
  int64_t kh = ((int64_t)w->shape[1] - 1) * dh + 1, kw = ((int64_t)w->shape[2] - 1) * dwl + 1;
  if (!in_range(kh, 1, 64))
    return npu_fmt(buf, n, "dilated kernel height %lld: Vela takes 1..64", (long long)kh);
  if (!in_range(kw, 1, 4096) || !in_range(kh * kw, 1, 4096)) /* kw first: no overflow */
    return npu_fmt(buf, n, "dilated kernel %lldx%lld = %lld taps: Vela takes at most 4096", (long long)kh,
                   (long long)kw, (long long)(kh * kw));
  const char *why = weights_and_bias(g, nd, 1, tconv ? 3 : 2, buf, n);
  if (why) return why;
  int64_t sum = max_channel_weight_sum(w, dw);
  if (sum > 127 * 65536)
    return npu_fmt(buf, n, "an output channel's sum of |weights| is %lld: Vela allows at most 8323072",
                   (long long)sum);
  const nq_tensor *ifm = npu_in(g, nd, tconv ? 2 : 0), *ofm = npu_out(g, nd, 0);
  if (!ifm || !ofm || ifm->rank != 4 || ofm->rank != 4) return NULL;
  if (dw && p->depth_multiplier > 1 && (ifm->shape[3] != 1 || ofm->shape[3] != p->depth_multiplier))
    return npu_fmt(buf, n,
                   "depth multiplier %d with %d input and %d output channels: Vela needs 1 input channel and "
                   "output channels = depth multiplier",
                   p->depth_multiplier, (int)ifm->shape[3], (int)ofm->shape[3]);
  if (tconv) {
    int64_t eh = (int64_t)ifm->shape[1] * sh, ew = (int64_t)ifm->shape[2] * sw;
    if (p->padding == NQ_PAD_VALID) {
      eh += w->shape[1] > sh ? w->shape[1] - sh : 0;
      ew += w->shape[2] > sw ? w->shape[2] - sw : 0;
    }
    if (ofm->shape[1] != eh || ofm->shape[2] != ew)
      return npu_fmt(buf, n, "output %dx%d from input %dx%d: Vela needs %s padding output = %lldx%lld",
                     (int)ofm->shape[1], (int)ofm->shape[2], (int)ifm->shape[1], (int)ifm->shape[2],
                     p->padding == NQ_PAD_VALID ? "VALID" : "SAME", (long long)eh, (long long)ew);
  }
  return NULL;
}

static const char *fully_connected(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *ifm = npu_in(g, nd, 0), *ofm = npu_out(g, nd, 0);
  if (ofm && ofm->rank != 2)
    return npu_fmt(buf, n, "output has rank %d: Vela needs a 2-D FULLY_CONNECTED output", ofm->rank);
  if (ifm && ofm && nd->p.keep_dims && ifm->rank != ofm->rank)
    return npu_fmt(buf, n, "keep_num_dims with input rank %d and output rank %d: Vela needs equal ranks",
                   ifm->rank, ofm->rank);
  return weights_and_bias(g, nd, 1, 2, buf, n);
}

static const char *pool(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_op_params *p = &nd->p;
  const char *op = nq_op_name(nd->op);
  const nq_tensor *ifm = npu_in(g, nd, 0), *ofm = npu_out(g, nd, 0);
  int64_t kh = p->filter_h, kw = p->filter_w, sh = p->stride_h, sw = p->stride_w;
  nq_padding padding = p->padding;
  /* Vela first rewrites a global pool (kernel = stride = input height and
   * width) to stride 1x1 with VALID padding ("Fixup Pool strides"), so
   * its stride limit does not apply there. */
  if (ifm && ifm->rank == 4 && kh == sh && kw == sw && kh == ifm->shape[1] && kw == ifm->shape[2]) {
    sh = sw = 1;
    padding = NQ_PAD_VALID;
  }
  if (!in_range(sh, 1, 3) || !in_range(sw, 1, 3))
    return npu_fmt(buf, n, "stride %lldx%lld (HxW): Vela takes %s strides 1..3", (long long)sh, (long long)sw,
                   op);
  if (nd->op == NQ_OP_AVERAGE_POOL_2D && padding == NQ_PAD_SAME) {
    if (!in_range(kh, 1, 8) || !in_range(kw, 1, 8))
      return npu_fmt(
          buf, n, "SAME-padded kernel %lldx%lld: Vela takes AVERAGE_POOL_2D kernels 1..8 with SAME padding",
          (long long)kh, (long long)kw);
  } else {
    if (!in_range(kh, 1, 256))
      return npu_fmt(buf, n, "kernel height %lld: Vela takes %s kernel heights 1..256", (long long)kh, op);
    if (!in_range(kh * kw, 1, 65536))
      return npu_fmt(buf, n, "kernel %lldx%lld: Vela takes %s kernels of at most 65536 elements",
                     (long long)kh, (long long)kw, op);
  }
  if (ifm && ofm && ifm->type != ofm->type)
    return npu_fmt(buf, n, "input and output types differ: Vela needs them equal");
  return NULL;
}

static bool is_signed(nq_dtype t) { return t == NQ_INT8 || t == NQ_INT16 || t == NQ_INT32; }

static const char *binary(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *a = npu_in(g, nd, 0), *b = npu_in(g, nd, 1), *o = npu_out(g, nd, 0);
  if (!a || !b || !o) return NULL;
  if (!same_shape(a, o) && !same_shape(b, o))
    return npu_fmt(buf, n,
                   "neither input has the output's shape: Vela needs one input shaped like the output");
  if (nd->op == NQ_OP_MAXIMUM || nd->op == NQ_OP_MINIMUM) {
    if (a->type != o->type || b->type != o->type)
      return npu_fmt(buf, n, "input and output types differ: Vela needs them equal for %s",
                     nq_op_name(nd->op));
    if (!npu_same_quant(a, o) || !npu_same_quant(b, o))
      return npu_fmt(buf, n,
                     "input quantization differs from the output's: Vela needs both inputs quantized like "
                     "the output for %s",
                     nq_op_name(nd->op));
    return NULL;
  }
  if (a->type != b->type)
    return npu_fmt(buf, n, "the inputs are %s and %s: Vela needs both inputs of one type",
                   nq_dtype_name(a->type), nq_dtype_name(b->type));
  if (is_signed(a->type) && !is_signed(o->type))
    return npu_fmt(buf, n, "signed inputs with a %s output: Vela needs a signed output",
                   nq_dtype_name(o->type));
  if (!is_signed(a->type) && o->type != a->type && o->type != NQ_INT32)
    return npu_fmt(buf, n, "unsigned inputs with a %s output: Vela needs the same type or int32",
                   nq_dtype_name(o->type));
  return NULL;
}

/* MEAN becomes a depthwise conv / average pool on the NPU; its limits. */
static const char *mean(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *x = npu_in(g, nd, 0), *ax = npu_in(g, nd, 1), *o = npu_out(g, nd, 0);
  if (!x || !o) return NULL;
  if (!npu_is_8bit(x->type))
    return npu_fmt(buf, n, "MEAN input is %s: Vela needs int8 or uint8", nq_dtype_name(x->type));
  if (x->rank < 2) return npu_fmt(buf, n, "MEAN input has rank %d: Vela needs at least 2-D", x->rank);
  size_t na = npu_const_count(ax);
  if (!ax || na == 0) return npu_fmt(buf, n, "MEAN axes are not constant: Vela needs them constant");
  bool h = false, w = false;
  for (size_t i = 0; i < na; i++) {
    int64_t v;
    int a;
    if (!npu_const_int(ax, i, &v) || !npu_axis(v, x->rank, &a))
      return npu_fmt(buf, n, "MEAN axis out of range");
    int a4 = a + (4 - x->rank); /* Vela pads shapes to 4-D with leading 1s */
    if (a4 == 1)
      h = true;
    else if (a4 == 2)
      w = true;
    else
      return npu_fmt(buf, n, "MEAN over axis %d: Vela reduces over height and width only", a);
  }
  int64_t hh = x->rank >= 3 ? x->shape[x->rank - 3] : 1, ww = x->shape[x->rank - 2];
  int64_t hw = (h ? hh : 1) * (w ? ww : 1);
  bool requant = !npu_same_quant(x, o);
  if (hw > 65536)
    return npu_fmt(buf, n, "MEAN over %lld elements: Vela allows at most 65536 (height x width)",
                   (long long)hw);
  if (hw > 4096 && (requant || nd->p.keep_dims))
    return npu_fmt(buf, n, "MEAN over %lld elements with %s: Vela allows at most 4096 then", (long long)hw,
                   requant ? "different input/output quantization" : "keep_dims");
  if (h && !w && hh > (requant ? 64 : 256))
    return npu_fmt(buf, n, "MEAN over height %lld alone: Vela allows at most %d%s", (long long)hh,
                   requant ? 64 : 256, requant ? " when input and output quantization differ" : "");
  return NULL;
}

static const char *pad(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *pt = npu_in(g, nd, 1);
  if (nd->n_in != 2) return npu_fmt(buf, n, "PAD with %d inputs: Vela needs exactly 2", nd->n_in);
  if (!pt || !pt->data) return npu_fmt(buf, n, "the paddings are not constant: Vela needs them constant");
  if (pt->type != NQ_INT32 && pt->type != NQ_INT64)
    return npu_fmt(buf, n, "the paddings are %s: Vela takes int32 or int64", nq_dtype_name(pt->type));
  if (pt->rank != 2 || (pt->shape[0] != 3 && pt->shape[0] != 4) || pt->shape[1] != 2)
    return npu_fmt(buf, n, "the paddings are not [3,2] or [4,2]: Vela pads 3-D or 4-D tensors only");
  int rows = pt->shape[0];
  int64_t v[8] = {0};
  for (int i = 0; i < rows * 2; i++)
    if (!npu_const_int(pt, (size_t)i, &v[i])) return NULL;
  if (v[(rows - 1) * 2] || v[(rows - 1) * 2 + 1] || (rows == 4 && (v[0] || v[1])))
    return npu_fmt(buf, n, "pads the %s dimension: Vela pads only height and width",
                   (rows == 4 && (v[0] || v[1])) ? "batch" : "channel");
  return NULL;
}

static const char *same_quant_io(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *x = npu_in(g, nd, 0), *o = npu_out(g, nd, 0);
  if (x && o && !npu_same_quant(x, o))
    return npu_fmt(buf, n, "input and output quantization differ: Vela needs them equal for %s",
                   nq_op_name(nd->op));
  if (nd->op == NQ_OP_RESHAPE) {
    const nq_tensor *s = npu_in(g, nd, 1);
    if (s && !s->data) return npu_fmt(buf, n, "the new shape is not constant: Vela needs it constant");
  }
  return NULL;
}

static const char *resize(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *x = npu_in(g, nd, 0), *sz = npu_in(g, nd, 1), *o = npu_out(g, nd, 0);
  const nq_op_params *p = &nd->p;
  if (!x || !o || x->rank != 4 || o->rank != 4) return NULL;
  int64_t ih = x->shape[1], iw = x->shape[2], oh = o->shape[1], ow = o->shape[2];
  if (p->align_corners && p->half_pixel_centers)
    return npu_fmt(buf, n, "align_corners and half_pixel_centers both set: Vela takes at most one");
  bool ok = (ih == 1 && iw == 1) || same_shape(x, o);
  for (int f = 2; !ok && f <= 8; f *= 2) {
    if (p->align_corners)
      ok = ih > 1 && iw > 1 && oh - 1 == f * (ih - 1) && ow - 1 == f * (iw - 1);
    else
      ok = oh == f * ih && ow == f * iw;
  }
  if (!ok)
    return npu_fmt(buf, n,
                   "resize %lldx%lld -> %lldx%lld: Vela takes only 1x1 inputs, equal sizes or equal 2x/4x/8x "
                   "upscaling of height and width",
                   (long long)ih, (long long)iw, (long long)oh, (long long)ow);
  int64_t s0, s1;
  if (!sz || !npu_const_int(sz, 0, &s0) || !npu_const_int(sz, 1, &s1) || s0 != oh || s1 != ow)
    return npu_fmt(buf, n, "the size operand is not a constant equal to the output size: Vela needs that");
  if (nd->op == NQ_OP_RESIZE_BILINEAR && p->half_pixel_centers && (oh != 2 * ih || ow != 2 * iw))
    return npu_fmt(
        buf, n, "half_pixel_centers with a scale other than 2x: Vela takes half_pixel_centers for 2x only");
  return NULL;
}

static const char *softmax(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *x = npu_in(g, nd, 0), *o = npu_out(g, nd, 0);
  if (x && o && (!same_shape(x, o) || x->type != o->type))
    return npu_fmt(buf, n, "input and output shape or type differ: Vela needs them equal for SOFTMAX");
  if (!(nd->p.beta > 0)) return npu_fmt(buf, n, "beta %g: Vela needs a positive beta", (double)nd->p.beta);
  return NULL;
}

static const char *split(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *ax = npu_in(g, nd, 0), *x = npu_in(g, nd, 1);
  int64_t v;
  int a;
  if (!x) return NULL;
  if (!npu_const_int(ax, 0, &v))
    return npu_fmt(buf, n, "the split axis is not constant: Vela needs it constant");
  if (!npu_axis(v, x->rank, &a))
    return npu_fmt(buf, n, "split axis %lld out of range [-rank, rank)", (long long)v);
  if (nd->n_out < 1 || x->shape[a] % nd->n_out != 0)
    return npu_fmt(buf, n, "axis size %d is not divisible by %d splits: Vela needs it divisible",
                   (int)x->shape[a], nd->n_out);
  return NULL;
}

static const char *split_v(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *s = npu_in(g, nd, 1);
  size_t cnt = npu_const_count(s), inferred = 0;
  for (size_t i = 0; i < cnt; i++) {
    int64_t v;
    if (npu_const_int(s, i, &v) && v == -1) inferred++;
  }
  if (inferred > 1) return npu_fmt(buf, n, "%zu split sizes are inferred (-1): Vela allows one", inferred);
  return NULL;
}

static const char *strided_slice(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_op_params *p = &nd->p;
  if (nd->n_in != 4) return npu_fmt(buf, n, "%d inputs: Vela needs exactly 4 for STRIDED_SLICE", nd->n_in);
  for (int k = 1; k < 4; k++) {
    const nq_tensor *t = npu_in(g, nd, k);
    if (!t || !t->data)
      return npu_fmt(buf, n, "begin, end and strides are not all constant: Vela needs them constant");
  }
  if (p->ellipsis_mask)
    return npu_fmt(buf, n, "ellipsis_mask %d: Vela needs ellipsis_mask 0", p->ellipsis_mask);
  if (p->new_axis_mask && p->shrink_axis_mask)
    return npu_fmt(buf, n, "both new_axis_mask and shrink_axis_mask set: Vela takes one of them");
  const nq_tensor *st = npu_in(g, nd, 3);
  size_t cnt = npu_const_count(st);
  for (size_t i = 0; i < cnt; i++) {
    int64_t v;
    if (npu_const_int(st, i, &v) && v != 1)
      return npu_fmt(buf, n, "stride %lld: Vela needs all strides 1", (long long)v);
  }
  return NULL;
}

static const char *concatenation(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *o = npu_out(g, nd, 0);
  int a;
  if (o && !npu_axis(nd->p.axis, o->rank, &a))
    return npu_fmt(buf, n, "axis %d out of range [0, %d): Vela needs an axis of the output", nd->p.axis,
                   o->rank);
  return NULL;
}

static const char *types_match(const nq_graph *g, const nq_node *nd, bool need_8bit, char *buf, size_t n) {
  const nq_tensor *x = npu_in(g, nd, 0), *o = npu_out(g, nd, 0);
  if (!x || !o) return NULL;
  if (need_8bit && !npu_is_8bit(x->type))
    return npu_fmt(buf, n, "input is %s: Vela needs int8 or uint8 for %s", nq_dtype_name(x->type),
                   nq_op_name(nd->op));
  if (x->type != o->type)
    return npu_fmt(buf, n, "input and output types differ: Vela needs them equal for %s", nq_op_name(nd->op));
  return NULL;
}

const char *npu_ethosu_op_reject(const nq_graph *g, int i, char *buf, size_t n) {
  const nq_node *nd = &g->nodes[i];
  switch (nd->op) {
    case NQ_OP_CONV_2D:
    case NQ_OP_DEPTHWISE_CONV_2D:
    case NQ_OP_TRANSPOSE_CONV:
      return conv_like(g, nd, buf, n);
    case NQ_OP_FULLY_CONNECTED:
      return fully_connected(g, nd, buf, n);
    case NQ_OP_AVERAGE_POOL_2D:
    case NQ_OP_MAX_POOL_2D:
      return pool(g, nd, buf, n);
    case NQ_OP_ADD:
    case NQ_OP_SUB:
    case NQ_OP_MUL:
    case NQ_OP_MAXIMUM:
    case NQ_OP_MINIMUM:
      return binary(g, nd, buf, n);
    case NQ_OP_ABS:
    case NQ_OP_LEAKY_RELU:
      return types_match(g, nd, false, buf, n);
    case NQ_OP_HARD_SWISH:
      return types_match(g, nd, true, buf, n);
    case NQ_OP_MEAN:
      return mean(g, nd, buf, n);
    case NQ_OP_PAD:
      return pad(g, nd, buf, n);
    case NQ_OP_RESHAPE:
    case NQ_OP_SQUEEZE:
    case NQ_OP_EXPAND_DIMS:
      return same_quant_io(g, nd, buf, n);
    case NQ_OP_RESIZE_BILINEAR:
    case NQ_OP_RESIZE_NEAREST_NEIGHBOR:
      return resize(g, nd, buf, n);
    case NQ_OP_SOFTMAX:
      return softmax(g, nd, buf, n);
    case NQ_OP_SPLIT:
      return split(g, nd, buf, n);
    case NQ_OP_SPLIT_V:
      return split_v(g, nd, buf, n);
    case NQ_OP_STRIDED_SLICE:
      return strided_slice(g, nd, buf, n);
    case NQ_OP_CONCATENATION:
      return concatenation(g, nd, buf, n);
    default:
      return NULL; /* generic constraints only (LOGISTIC, TANH, RELU*, PACK, UNPACK, SLICE, QUANTIZE, PRELU)
                    */
  }
}
