/*
 * Target "ethos-u": Arm Ethos-U55/U65 through the Vela compiler.
 *
 * Source: Vela 3.6.1 SUPPORTED_OPS.md (nxp-imx/ethos-u-vela, the Vela NXP
 * ships for the i.MX 93's Ethos-U65), "TFLite Generic Constraints" and the
 * per-op sections; the op list is field ETHOSU of column NPU of
 * ir/ops.def. Vela places node by node: a node that fails one constraint
 * runs on the CPU (through TFLite Micro or TFLite), the others stay on the
 * NPU.
 *
 * This file holds the generic constraints (every tensor an op computes
 * with); npu_ethosu_ops.c holds the per-op ones. Vela checks the op's IFM,
 * IFM2, weights and OFM; operands that are parameters (shapes, paddings,
 * axes, sizes, begin/end/strides) and the bias are not among them, so they
 * are left out here too (bias has its own per-op checks).
 */
#include <math.h>
#include <stdio.h>

#include "report/npu_internal.h"

/* Inputs that are op parameters rather than IFM/IFM2/weights. */
static bool is_param_input(nq_op op, int k) {
  switch (op) {
    case NQ_OP_CONV_2D:
    case NQ_OP_DEPTHWISE_CONV_2D:
    case NQ_OP_FULLY_CONNECTED:
      return k == 2; /* bias */
    case NQ_OP_TRANSPOSE_CONV:
      return k == 0 || k == 3; /* output shape, bias */
    case NQ_OP_SPLIT:
      return k == 0; /* axis */
    case NQ_OP_RESHAPE:
    case NQ_OP_EXPAND_DIMS:
    case NQ_OP_PAD:
    case NQ_OP_MEAN:
    case NQ_OP_RESIZE_BILINEAR:
    case NQ_OP_RESIZE_NEAREST_NEIGHBOR:
    case NQ_OP_STRIDED_SLICE:
    case NQ_OP_SLICE:
    case NQ_OP_SPLIT_V:
      return k >= 1;
    default:
      return false;
  }
}

/* "IFM Tensor batch size must be 1", except for these ops. */
static bool batch_exempt(nq_op op) {
  switch (op) {
    case NQ_OP_FULLY_CONNECTED:
    case NQ_OP_RESHAPE:
    case NQ_OP_SLICE:
    case NQ_OP_SOFTMAX:
    case NQ_OP_SPLIT:
    case NQ_OP_SPLIT_V:
    case NQ_OP_SQUEEZE:
    case NQ_OP_STRIDED_SLICE:
    case NQ_OP_UNPACK:
      return true;
    default:
      return false;
  }
}

/* "Scalar Input tensors are only valid for op type: ..." */
static bool scalar_input_ok(nq_op op) {
  switch (op) {
    case NQ_OP_ADD:
    case NQ_OP_EXPAND_DIMS:
    case NQ_OP_MAXIMUM:
    case NQ_OP_MEAN:
    case NQ_OP_MINIMUM:
    case NQ_OP_MUL:
    case NQ_OP_QUANTIZE:
    case NQ_OP_SPLIT:
    case NQ_OP_SPLIT_V:
    case NQ_OP_SUB:
      return true;
    default:
      return false;
  }
}

static bool int32_ok(nq_op op) { return op == NQ_OP_ADD || op == NQ_OP_MUL || op == NQ_OP_SUB; }

static bool per_axis_ok(nq_op op) {
  return op == NQ_OP_CONV_2D || op == NQ_OP_DEPTHWISE_CONV_2D || op == NQ_OP_TRANSPOSE_CONV;
}

/* The generic constraint tensor x (an input when is_in) breaks, or NULL. */
static const char *tensor_reject(const nq_graph *g, const nq_node *nd, const nq_tensor *x, bool is_in,
                                 char *buf, size_t n) {
  char tn[NPU_TNAME_MAX];
  npu_tname(g, x, tn, sizeof tn);
  bool type_ok = x->type == NQ_INT8 || x->type == NQ_UINT8 || x->type == NQ_INT16 || x->type == NQ_INT32;
  if (!type_ok) {
    return npu_fmt(buf, n, "tensor %s is %s: Vela takes int8, uint8, int16 and int32 tensors only", tn,
                   nq_dtype_name(x->type));
  }
  if (x->type == NQ_INT32 && !int32_ok(nd->op)) {
    return npu_fmt(buf, n, "tensor %s is int32: Vela takes int32 tensors only for ADD, MUL and SUB", tn);
  }
  if (x->rank > 4) {
    return npu_fmt(buf, n, "tensor %s has %d dimensions: Vela takes tensors of at most 4", tn, x->rank);
  }
  if (x->rank == 0 && !is_in && nd->op != NQ_OP_QUANTIZE) {
    return npu_fmt(buf, n, "output %s is a scalar: Vela needs output tensors of rank 1 or more", tn);
  }
  if (x->rank == 0 && is_in && !scalar_input_ok(nd->op)) {
    return npu_fmt(buf, n,
                   "input %s is a scalar: Vela takes scalar inputs only for ADD, SUB, MUL, "
                   "MAXIMUM, MINIMUM, MEAN, EXPAND_DIMS, SPLIT, SPLIT_V, QUANTIZE",
                   tn);
  }
  for (int d = 0; d < x->rank; d++)
    if (x->shape[d] < 1 || x->shape[d] > 65535) {
      return npu_fmt(buf, n, "tensor %s has dimension %d = %d: Vela takes dimensions 1..65535", tn, d,
                     (int)x->shape[d]);
    }
  if (x->q.n == 0) {
    return npu_fmt(
        buf, n, "tensor %s has no quantization parameters: Vela needs them on every input, output and weight",
        tn);
  }
  for (int c = 0; c < x->q.n; c++)
    if (!isfinite(x->q.scale[c])) {
      return npu_fmt(buf, n, "tensor %s has a non-finite quantization scale: Vela needs finite scales", tn);
    }
  if (x->q.n > 1 && !per_axis_ok(nd->op)) {
    return npu_fmt(buf, n,
                   "tensor %s is quantized per-axis: Vela takes per-axis quantization only for CONV_2D, "
                   "DEPTHWISE_CONV_2D and TRANSPOSE_CONV",
                   tn);
  }
  return NULL;
}

/* The first generic constraint node i breaks, or NULL. */
static const char *generic_reject(const nq_graph *g, int i, char *buf, size_t n) {
  const nq_node *nd = &g->nodes[i];
  int n_ifm = 0; /* IFM and IFM2: the first two non-constant operands */
  for (int k = 0; k < nd->n_in; k++) {
    const nq_tensor *x = npu_in(g, nd, k);
    if (!x || is_param_input(nd->op, k)) continue;
    const char *why = tensor_reject(g, nd, x, true, buf, n);
    if (why) return why;
    if (!x->data && n_ifm < 2) {
      n_ifm++;
      if (!batch_exempt(nd->op) && x->rank == 4 && x->shape[0] != 1) {
        char tn[NPU_TNAME_MAX];
        return npu_fmt(buf, n, "input %s has batch %d: Vela runs %s with batch 1 only",
                       npu_tname(g, x, tn, sizeof tn), (int)x->shape[0], nq_op_name(nd->op));
      }
    }
  }
  for (int k = 0; k < nd->n_out; k++) {
    const nq_tensor *x = npu_out(g, nd, k);
    if (!x) continue;
    const char *why = tensor_reject(g, nd, x, false, buf, n);
    if (why) return why;
  }
  /* Fused activations Vela takes: RELU, RELU6, RELU_N1_TO_1, TANH (and
   * LOGISTIC); SIGN_BIT is the one npuquant can carry that it does not. */
  if (nd->p.act == NQ_ACT_SIGN_BIT) {
    return npu_fmt(buf, n,
                   "fused activation SIGN_BIT: Vela takes RELU, RELU6, RELU_N1_TO_1, TANH and LOGISTIC only");
  }
  const nq_tensor *out = npu_out(g, nd, 0);
  if (nd->p.act != NQ_ACT_NONE && out && out->type == NQ_INT32) {
    return npu_fmt(buf, n,
                   "fused activation with an int32 output: Vela needs an int8, uint8 or int16 output there");
  }
  return NULL;
}

nq_status npu_check_ethosu(const nq_graph *g, nq_npu_report *r) {
  char buf[200];
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *nd = &g->nodes[i];
    const char *why = NULL;
    if (!npu_op_listed(NPU_COL_ETHOSU, nd->op)) {
      why = "op not supported by Vela (not in its TFLite operator list)";
    } else if (npu_float_compute(g, i)) {
      npu_fmt(buf, sizeof buf, NPU_FLOAT_REASON, nq_op_name(nd->op));
      why = buf;
    } else {
      why = generic_reject(g, i, buf, sizeof buf);
      if (!why) why = npu_ethosu_op_reject(g, i, buf, sizeof buf);
    }
    if (why) NQ_TRY(npu_add(r, i, true, "%s", why));
  }
  return NQ_OK;
}
