/*
 * Target "edgetpu": Google Coral Edge TPU through edgetpu_compiler.
 *
 * Source: coral.ai/docs/edgetpu/models-intro, "Model requirements" and
 * "Supported operations" (compiler 16; the same table is mirrored for the
 * Edge-TPU-based Axis ARTPEC-7). The op list is field EDGETPU of column
 * NPU of ir/ops.def. Model requirements checked here:
 *   - tensors are 8-bit (int8 or uint8); bias and other parameters are
 *     constant at compile time; tensor sizes are constant;
 *   - tensors have at most 3 dimensions, or else only the 3 innermost
 *     dimensions may be larger than 1 (so batch 1).
 * Per-op limits are in op_reject() below.
 *
 * Partitioning: the compiler maps one segment only. From the first node it
 * cannot map, that node and every node after it run on the CPU, even the
 * supported ones ("the compiler ... cannot partition the model more than
 * once"). Conversions at the model boundary are the exception: a QUANTIZE
 * from a float model input, or a DEQUANTIZE to a model output, stays on the
 * CPU without ending the segment (that is how float-I/O models compile).
 * "After" is the model's execution order, the order the compiler walks.
 */
#include <stdio.h>

#include "report/npu_internal.h"

/* Dimension d of x counted from the innermost (0 = last); 1 if absent. */
static int64_t inner_dim(const nq_tensor *x, int d) { return d < x->rank ? x->shape[x->rank - 1 - d] : 1; }

/* True if at most the innermost dimension is larger than 1. */
static bool one_dimensional(const nq_tensor *x) {
  for (int d = 1; d < x->rank; d++)
    if (inner_dim(x, d) != 1) return false;
  return true;
}

/* The "3 innermost dimensions" rule and constant, non-empty sizes for an
 * activation tensor. */
static const char *activation_shape(const nq_graph *g, const nq_tensor *x, char *buf, size_t n) {
  char tn[NPU_TNAME_MAX];
  for (int d = 0; d < x->rank; d++) {
    if (x->shape[d] < 1)
      return npu_fmt(buf, n, "tensor %s has dimension %d = %d: the Edge TPU needs constant, non-empty sizes",
                     npu_tname(g, x, tn, sizeof tn), d, (int)x->shape[d]);
    if (d < x->rank - 3 && x->shape[d] != 1)
      return npu_fmt(buf, n,
                     "tensor %s has %d dimensions and dimension %d is %d: the Edge TPU allows sizes above 1 "
                     "only in the 3 innermost dimensions",
                     npu_tname(g, x, tn, sizeof tn), x->rank, d, (int)x->shape[d]);
  }
  return NULL;
}

/* Model requirements on every tensor of node nd. */
static const char *tensor_reject(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  char tn[NPU_TNAME_MAX];
  bool has_weights = nd->op == NQ_OP_CONV_2D || nd->op == NQ_OP_DEPTHWISE_CONV_2D ||
                     nd->op == NQ_OP_FULLY_CONNECTED || nd->op == NQ_OP_TRANSPOSE_CONV;
  for (int k = 0; k < nd->n_in + nd->n_out; k++) {
    bool is_in = k < nd->n_in;
    const nq_tensor *x = is_in ? npu_in(g, nd, k) : npu_out(g, nd, k - nd->n_in);
    if (!x) continue;
    if (has_weights && is_in && k >= 1 && !x->data && !(nd->op == NQ_OP_TRANSPOSE_CONV && k == 2))
      return npu_fmt(
          buf, n, "%s operand %s is not constant: the Edge TPU needs weights and bias fixed at compile time",
          nq_op_name(nd->op), npu_tname(g, x, tn, sizeof tn));
    if (x->data) continue; /* parameters: int32 bias, shapes, axes are fine */
    if (!npu_is_8bit(x->type))
      return npu_fmt(buf, n, "tensor %s is %s: the Edge TPU computes with 8-bit (int8/uint8) tensors only",
                     npu_tname(g, x, tn, sizeof tn), nq_dtype_name(x->type));
    const char *why = activation_shape(g, x, buf, n);
    if (why) return why;
  }
  return NULL;
}

/* Constant axes of a reduction; false if they are not constant. */
static bool reduces_axis(const nq_tensor *x, const nq_tensor *axes, int which, bool *hit) {
  size_t cnt = npu_const_count(axes);
  *hit = false;
  if (!axes || cnt == 0) return false;
  for (size_t i = 0; i < cnt; i++) {
    int64_t v;
    int a;
    if (!npu_const_int(axes, i, &v) || !npu_axis(v, x->rank, &a)) return false;
    if (a == which) *hit = true;
  }
  return true;
}

static const char *reduction(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *x = npu_in(g, nd, 0), *axes = npu_in(g, nd, 1);
  const char *op = nq_op_name(nd->op);
  bool hit;
  if (!x) return NULL;
  if (!reduces_axis(x, axes, 0, &hit)) return npu_fmt(buf, n, "%s axes are not constant or out of range", op);
  if (hit && x->rank == 4)
    return npu_fmt(buf, n, "%s over the batch dimension: the Edge TPU cannot reduce it", op);
  if (nd->op == NQ_OP_MEAN && x->rank >= 3 && reduces_axis(x, axes, x->rank - 1, &hit) && hit &&
      x->shape[x->rank - 1] % 4 != 0)
    return npu_fmt(buf, n, "MEAN over %d channels: the Edge TPU reduces channels only in multiples of 4",
                   (int)x->shape[x->rank - 1]);
  return NULL;
}

static const char *squeeze(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *x = npu_in(g, nd, 0);
  if (!x) return NULL;
  /* The dims removed must all come before the first dim larger than 1: a
   * squeeze that needs no relayout ([1,5,10] ok, [5,1,10] not). */
  bool seen_big = false;
  for (int d = 0; d < x->rank; d++) {
    bool squeezed = false;
    if (nd->p.num_squeeze_dims == 0) {
      squeezed = x->shape[d] == 1;
    } else {
      for (int k = 0; k < nd->p.num_squeeze_dims && k < NQ_MAX_RANK; k++) {
        int a;
        if (npu_axis(nd->p.squeeze_dims[k], x->rank, &a) && a == d) squeezed = true;
      }
    }
    if (squeezed && seen_big)
      return npu_fmt(buf, n,
                     "squeezes dimension %d after a dimension larger than 1: the Edge TPU squeezes leading "
                     "1s only",
                     d);
    if (x->shape[d] > 1) seen_big = true;
  }
  return NULL;
}

static const char *strided_slice(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *st = npu_in(g, nd, 3);
  if (nd->p.ellipsis_mask || nd->p.new_axis_mask)
    return npu_fmt(buf, n, "ellipsis or new_axis mask set: the Edge TPU needs both 0");
  size_t cnt = npu_const_count(st);
  if (cnt == 0) return npu_fmt(buf, n, "strides are not constant: the Edge TPU needs all strides 1");
  for (size_t i = 0; i < cnt; i++) {
    int64_t v;
    if (npu_const_int(st, i, &v) && v != 1)
      return npu_fmt(buf, n, "stride %lld: the Edge TPU needs all STRIDED_SLICE strides 1", (long long)v);
  }
  return NULL;
}

static const char *concatenation(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  for (int k = 0; k < nd->n_in; k++) {
    const nq_tensor *x = npu_in(g, nd, k);
    if (!x || !x->data) continue;
    if (nd->n_in != 2)
      return npu_fmt(
          buf, n, "a constant input among %d inputs: the Edge TPU takes a constant only as one of 2 inputs",
          nd->n_in);
    /* "All zeros" in real values: an 8-bit element equal to its zero point. */
    bool q8 = npu_is_8bit(x->type);
    int64_t zp = q8 && x->q.n > 0 ? x->q.zero_point[0] : 0;
    for (size_t i = 0; i < x->nbytes; i++) {
      int64_t q = x->type == NQ_INT8 ? (int64_t)(int8_t)x->data[i] : (int64_t)x->data[i];
      if (q8 ? q != zp : q != 0)
        return npu_fmt(buf, n,
                       "a constant input that is not all zeros: the Edge TPU takes only zero padding here");
    }
  }
  return NULL;
}

/* The first per-op limit node nd breaks, or NULL (coral.ai table). */
static const char *op_reject(const nq_graph *g, const nq_node *nd, char *buf, size_t n) {
  const nq_tensor *x = npu_in(g, nd, 0), *o = npu_out(g, nd, 0);
  const char *op = nq_op_name(nd->op);
  int a;
  switch (nd->op) {
    case NQ_OP_AVERAGE_POOL_2D:
    case NQ_OP_MAX_POOL_2D:
    case NQ_OP_CONCATENATION:
      if (nd->p.act != NQ_ACT_NONE)
        return npu_fmt(buf, n, "a fused activation: the Edge TPU takes %s without one", op);
      return nd->op == NQ_OP_CONCATENATION ? concatenation(g, nd, buf, n) : NULL;
    case NQ_OP_CONV_2D:
    case NQ_OP_DEPTHWISE_CONV_2D:
      if (nd->p.dilation_h != nd->p.dilation_w)
        return npu_fmt(buf, n, "dilation %dx%d: the Edge TPU needs the same dilation in x and y",
                       nd->p.dilation_h, nd->p.dilation_w);
      return NULL;
    case NQ_OP_FULLY_CONNECTED:
      if (o && !one_dimensional(o))
        return npu_fmt(buf, n, "a multi-dimensional output: the Edge TPU needs a 1-D output");
      return NULL;
    case NQ_OP_MEAN:
    case NQ_OP_SUM:
    case NQ_OP_REDUCE_MAX:
    case NQ_OP_REDUCE_MIN:
      return reduction(g, nd, buf, n);
    case NQ_OP_PACK:
      if (o && o->rank == 4 && npu_axis(nd->p.axis, o->rank, &a) && a == 0)
        return npu_fmt(buf, n, "PACK along the batch dimension: the Edge TPU cannot pack there");
      return NULL;
    case NQ_OP_SPLIT: {
      const nq_tensor *ax = npu_in(g, nd, 0), *in = npu_in(g, nd, 1);
      int64_t v;
      if (in && npu_const_int(ax, 0, &v) && in->rank == 4 && npu_axis(v, in->rank, &a) && a == 0)
        return npu_fmt(buf, n, "SPLIT along the batch dimension: the Edge TPU cannot split there");
      return NULL;
    }
    case NQ_OP_PAD: {
      const nq_tensor *pt = npu_in(g, nd, 1);
      int64_t b0, b1;
      if (!pt || !pt->data)
        return npu_fmt(buf, n, "the paddings are not constant: the Edge TPU needs them constant");
      if (x && x->rank == 4 && npu_const_int(pt, 0, &b0) && npu_const_int(pt, 1, &b1) && (b0 || b1))
        return npu_fmt(buf, n, "pads the batch dimension: the Edge TPU cannot pad there");
      return NULL;
    }
    case NQ_OP_PRELU: {
      const nq_tensor *alpha = npu_in(g, nd, 1);
      if (alpha && !one_dimensional(alpha))
        return npu_fmt(
            buf, n, "alpha is not 1-D: the Edge TPU needs alpha varying along the innermost dimension only");
      return NULL;
    }
    case NQ_OP_SOFTMAX:
      if (x && !one_dimensional(x))
        return npu_fmt(buf, n, "a multi-dimensional input: the Edge TPU needs a 1-D SOFTMAX input");
      if (x && nq_tensor_elems(x) > 16000)
        return npu_fmt(buf, n, "%zu elements: the Edge TPU takes SOFTMAX inputs of at most 16000",
                       nq_tensor_elems(x));
      return NULL;
    case NQ_OP_SQUEEZE:
      return squeeze(g, nd, buf, n);
    case NQ_OP_STRIDED_SLICE:
      return strided_slice(g, nd, buf, n);
    default:
      return NULL;
  }
}

/* Own reason node i stays on the CPU (ignoring the segment rule), or NULL.
 * *boundary is set when it is a model-boundary conversion. */
static const char *node_reject(const nq_graph *g, int i, bool *boundary, char *buf, size_t n) {
  const nq_node *nd = &g->nodes[i];
  const nq_tensor *x = npu_in(g, nd, 0);
  *boundary = false;
  if (nd->op == NQ_OP_QUANTIZE && x && !npu_is_8bit(x->type)) {
    *boundary = npu_is_graph_input(g, nd->in[0]);
    return npu_fmt(buf, n, "QUANTIZE from %s: the Edge TPU takes 8-bit inputs only", nq_dtype_name(x->type));
  }
  if (nd->op == NQ_OP_DEQUANTIZE) {
    *boundary = nd->n_out > 0 && npu_is_graph_output(g, nd->out[0]);
    return "DEQUANTIZE: not an Edge TPU op";
  }
  if (!npu_op_listed(NPU_COL_EDGETPU, nd->op)) return "op not supported by the Edge TPU compiler";
  if (npu_float_compute(g, i)) return npu_fmt(buf, n, NPU_FLOAT_REASON, nq_op_name(nd->op));
  const char *why = tensor_reject(g, nd, buf, n);
  return why ? why : op_reject(g, nd, buf, n);
}

nq_status npu_check_edgetpu(const nq_graph *g, nq_npu_report *r) {
  char buf[200];
  int cut = -1; /* first node that ends the Edge TPU segment */
  bool resize_note = false;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *nd = &g->nodes[i];
    bool boundary;
    const char *why = node_reject(g, i, &boundary, buf, sizeof buf);
    if (why) {
      NQ_TRY(npu_add(r, i, true, "%s", why));
      if (!boundary && cut < 0) cut = i;
    } else if (cut >= 0) {
      NQ_TRY(npu_add(r, i, true,
                     "after node %d (%s), where the Edge TPU segment ends: the compiler maps one "
                     "segment only",
                     cut, nq_op_name(g->nodes[cut].op)));
    } else if (nd->op == NQ_OP_RESIZE_BILINEAR || nd->op == NQ_OP_RESIZE_NEAREST_NEIGHBOR) {
      resize_note = true;
    }
  }
  if (cut >= 0)
    NQ_TRY(npu_add(r, -1, false,
                   "the Edge TPU segment ends at node %d (%s): it and every node after it run on "
                   "the CPU, supported or not",
                   cut, nq_op_name(g->nodes[cut].op)));
  /* coral.ai's op list says nothing of per-channel FULLY_CONNECTED weights. */
  int fc = npu_first_per_channel_fc(g);
  if (fc >= 0)
    NQ_TRY(npu_add(r, fc, false,
                   "FULLY_CONNECTED with per-channel weights: whether edgetpu_compiler maps it is unknown "
                   "(its documentation does not say); --per-tensor gives per-tensor weights"));
  if (resize_note)
    NQ_TRY(npu_add(r, -1, false,
                   "RESIZE_* nodes may still stay on the CPU: the compiler skips a resize whose "
                   "size would lose precision (and the segment ends there)"));
  return NQ_OK;
}
