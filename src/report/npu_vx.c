/*
 * Target "imx8mp": the NXP i.MX 8M Plus NPU through TFLite's VX delegate
 * (VeriSilicon/tflite-vx-delegate op_status.md and op_map.cc, summarised in
 * docs/TFLITE_INT8.md §2.2). The delegate takes node by node: the op list
 * (field VX of column NPU of ir/ops.def), plus the node-level rejections of
 * op_map.cc
 * (int64 inputs, int16 outputs, > 6 dims or a 0 dim, H/W over 65535,
 * hybrid float/int8 conv/FC, DEQUANTIZE of per-channel int8, QUANTIZE float
 * to per-channel) and, for an int8 NPU, float compute. Per-channel weights
 * run but slowly on VeriSilicon NPUs: a note, not a fallback.
 */
#include <stdio.h>

#include "report/npu_internal.h"

static bool is_quantized(nq_dtype t) { return t == NQ_INT8 || t == NQ_UINT8 || t == NQ_INT16; }

/* The first reason the VX delegate rejects node i, or NULL. */
static const char *vx_reject(const nq_graph *g, int i, char *buf, size_t n) {
  const nq_node *nd = &g->nodes[i];
  if (!npu_op_listed(NPU_COL_VX, nd->op)) return "op not supported by the VX delegate";
  bool float_in = false;
  for (int k = 0; k < nd->n_in; k++) {
    const nq_tensor *x = npu_in(g, nd, k);
    if (!x) continue;
    if (x->type == NQ_INT64) return "an int64 input";
    if (x->rank > 6) return "a tensor with more than 6 dimensions";
    for (int d = 0; d < x->rank; d++)
      if (x->shape[d] == 0) return "a tensor with a 0 dimension";
    if (!x->data && x->type == NQ_FLOAT32) float_in = true;
  }
  for (int k = 0; k < nd->n_out; k++) {
    const nq_tensor *x = npu_out(g, nd, k);
    if (!x) continue;
    if (x->type == NQ_INT16) return "an int16 output";
    if (x->rank == 4 && (x->shape[1] > 65535 || x->shape[2] > 65535)) return "height or width over 65535";
  }
  if (nd->op == NQ_OP_CONV_2D || nd->op == NQ_OP_DEPTHWISE_CONV_2D || nd->op == NQ_OP_FULLY_CONNECTED) {
    const nq_tensor *w = npu_in(g, nd, 1);
    if (w && float_in && is_quantized(w->type)) return "hybrid: float activations with int8 weights";
  }
  const nq_tensor *in0 = npu_in(g, nd, 0), *out0 = npu_out(g, nd, 0);
  if (nd->op == NQ_OP_DEQUANTIZE && in0 && in0->q.n > 1) return "DEQUANTIZE of a per-channel tensor";
  if (nd->op == NQ_OP_QUANTIZE && float_in && out0 && out0->q.n > 1)
    return "QUANTIZE from float to per-channel";
  /* Boundary conversions are fine; float compute is not for an int8 NPU. */
  if (npu_float_compute(g, i)) {
    snprintf(buf, n, NPU_FLOAT_REASON, nq_op_name(nd->op));
    return buf;
  }
  return NULL;
}

static bool has_per_channel_weights(const nq_graph *g, const nq_node *nd) {
  if (nd->op != NQ_OP_CONV_2D && nd->op != NQ_OP_DEPTHWISE_CONV_2D && nd->op != NQ_OP_TRANSPOSE_CONV &&
      nd->op != NQ_OP_FULLY_CONNECTED)
    return false;
  const nq_tensor *w = npu_in(g, nd, 1);
  return w && w->q.n > 1;
}

nq_status npu_check_vx(const nq_graph *g, nq_npu_report *r) {
  char buf[160];
  bool per_channel = false;
  for (int i = 0; i < g->n_nodes; i++) {
    const char *why = vx_reject(g, i, buf, sizeof buf);
    if (why) NQ_TRY(npu_add(r, i, true, "%s", why));
    if (has_per_channel_weights(g, &g->nodes[i])) per_channel = true;
  }
  if (per_channel)
    NQ_TRY(npu_add(r, -1, false,
                   "per-channel weights run, but VeriSilicon NPUs run per-tensor models much faster "
                   "(convert with --per-tensor, and compare the accuracy)"));
  /* op_status.md lists FULLY_CONNECTED without saying whether per-channel
   * weights are taken; npuquant has no board to measure it on. */
  int fc = npu_first_per_channel_fc(g);
  if (fc >= 0)
    NQ_TRY(npu_add(r, fc, false,
                   "FULLY_CONNECTED with per-channel weights: whether the VX delegate runs it on the NPU "
                   "is unknown (its op list does not say); --per-tensor gives per-tensor weights"));
  return NQ_OK;
}
