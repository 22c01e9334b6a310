#include "report/npu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

/* VX delegate op support, indexed by nq_op (TFLITE_INT8.md §2.2). */
typedef enum { VX_NO = 0, VX_YES = 1 } vx_support;

static const struct {
  vx_support vx;
  bool defined;
} vx_ops[NQ_OP_COUNT] = {
#define Y {VX_YES, true}
#define N {VX_NO, true}
    [NQ_OP_ADD] = Y, [NQ_OP_AVERAGE_POOL_2D] = Y, [NQ_OP_CONCATENATION] = Y, [NQ_OP_CONV_2D] = Y,
    [NQ_OP_DEPTHWISE_CONV_2D] = Y, [NQ_OP_DEPTH_TO_SPACE] = Y, [NQ_OP_DEQUANTIZE] = Y,
    [NQ_OP_FULLY_CONNECTED] = Y, [NQ_OP_L2_NORMALIZATION] = Y, [NQ_OP_LOGISTIC] = Y, [NQ_OP_MAX_POOL_2D] = Y,
    [NQ_OP_MUL] = Y, [NQ_OP_RELU] = Y, [NQ_OP_RELU_N1_TO_1] = Y, [NQ_OP_RELU6] = Y, [NQ_OP_RESHAPE] = Y,
    [NQ_OP_RESIZE_BILINEAR] = Y, [NQ_OP_SOFTMAX] = Y, [NQ_OP_SPACE_TO_DEPTH] = Y, [NQ_OP_TANH] = Y,
    [NQ_OP_PAD] = Y, [NQ_OP_GATHER] = Y, [NQ_OP_BATCH_TO_SPACE_ND] = Y, [NQ_OP_SPACE_TO_BATCH_ND] = Y,
    [NQ_OP_TRANSPOSE] = Y, [NQ_OP_MEAN] = Y, [NQ_OP_SUB] = Y, [NQ_OP_DIV] = Y, [NQ_OP_SQUEEZE] = Y,
    [NQ_OP_STRIDED_SLICE] = Y, [NQ_OP_EXP] = Y, [NQ_OP_SPLIT] = Y, [NQ_OP_LOG_SOFTMAX] = N, [NQ_OP_CAST] = N,
    [NQ_OP_PRELU] = Y, [NQ_OP_MAXIMUM] = Y, [NQ_OP_ARG_MAX] = Y, [NQ_OP_MINIMUM] = Y, [NQ_OP_NEG] = Y,
    [NQ_OP_PADV2] = N, [NQ_OP_SLICE] = Y, [NQ_OP_TRANSPOSE_CONV] = Y, [NQ_OP_TILE] = N, [NQ_OP_EXPAND_DIMS] = Y,
    [NQ_OP_LOG] = Y, [NQ_OP_SUM] = Y, [NQ_OP_SQRT] = Y, [NQ_OP_RSQRT] = Y, [NQ_OP_POW] = Y,
    [NQ_OP_REDUCE_PROD] = Y, [NQ_OP_REDUCE_MAX] = Y, [NQ_OP_PACK] = Y, [NQ_OP_UNPACK] = Y,
    [NQ_OP_REDUCE_MIN] = Y, [NQ_OP_SQUARE] = Y, [NQ_OP_RESIZE_NEAREST_NEIGHBOR] = Y, [NQ_OP_LEAKY_RELU] = Y,
    [NQ_OP_SQUARED_DIFFERENCE] = N, [NQ_OP_MIRROR_PAD] = N, [NQ_OP_ABS] = Y, [NQ_OP_SPLIT_V] = Y,
    [NQ_OP_ELU] = Y, [NQ_OP_QUANTIZE] = Y, [NQ_OP_HARD_SWISH] = Y, [NQ_OP_BATCH_MATMUL] = Y, [NQ_OP_GELU] = Y,
#undef Y
#undef N
};
_Static_assert(sizeof vx_ops / sizeof vx_ops[0] == NQ_OP_COUNT, "every op needs a VX delegate entry");

static nq_status add(nq_npu_report *r, int node, bool fallback, const char *fmt, ...) NQ_PRINTF(4, 5);
static nq_status add(nq_npu_report *r, int node, bool fallback, const char *fmt, ...) {
  nq_npu_finding *f = realloc(r->findings, sizeof *f * (size_t)(r->n_findings + 1));
  if (!f) return NQ_ERR_NOMEM;
  r->findings = f;
  nq_npu_finding *x = &f[r->n_findings++];
  x->node = node;
  x->fallback = fallback;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->reason, sizeof x->reason, fmt, ap);
  va_end(ap);
  return NQ_OK;
}

static bool is_quantized(nq_dtype t) { return t == NQ_INT8 || t == NQ_UINT8 || t == NQ_INT16; }

/* The first reason the VX delegate rejects node i, or NULL. */
static const char *vx_reject(const nq_graph *g, int i, char *buf, size_t n) {
  const nq_node *nd = &g->nodes[i];
  if (!vx_ops[nd->op].vx) return "op not supported by the VX delegate";
  bool float_in = false, quant_in = false;
  for (int k = 0; k < nd->n_in; k++) {
    int t = nd->in[k];
    if (t < 0) continue;
    const nq_tensor *x = &g->tensors[t];
    if (x->type == NQ_INT64) return "an int64 input";
    if (x->rank > 6) return "a tensor with more than 6 dimensions";
    for (int d = 0; d < x->rank; d++)
      if (x->shape[d] == 0) return "a tensor with a 0 dimension";
    if (!x->data && x->type == NQ_FLOAT32) float_in = true;
    if (is_quantized(x->type)) quant_in = true;
  }
  bool float_out = false;
  for (int k = 0; k < nd->n_out; k++) {
    const nq_tensor *x = &g->tensors[nd->out[k]];
    if (x->type == NQ_INT16) return "an int16 output";
    if (x->type == NQ_FLOAT32) float_out = true;
    if (x->rank == 4 && (x->shape[1] > 65535 || x->shape[2] > 65535)) return "height or width over 65535";
  }
  if (nd->op == NQ_OP_CONV_2D || nd->op == NQ_OP_DEPTHWISE_CONV_2D || nd->op == NQ_OP_FULLY_CONNECTED) {
    int w = nd->n_in > 1 ? nd->in[1] : -1;
    if (w >= 0 && float_in && is_quantized(g->tensors[w].type)) return "hybrid: float activations with int8 weights";
  }
  if (nd->op == NQ_OP_DEQUANTIZE && nd->n_in > 0 && nd->in[0] >= 0 && g->tensors[nd->in[0]].q.n > 1)
    return "DEQUANTIZE of a per-channel tensor";
  if (nd->op == NQ_OP_QUANTIZE && float_in && nd->n_out > 0 && g->tensors[nd->out[0]].q.n > 1)
    return "QUANTIZE from float to per-channel";
  /* Boundary conversions are fine; float compute is not for an int8 NPU. */
  if (nd->op != NQ_OP_QUANTIZE && nd->op != NQ_OP_DEQUANTIZE && (float_in || float_out) && !quant_in) {
    snprintf(buf, n, "float32 %s: an int8 NPU leaves it to the CPU", nq_op_name(nd->op));
    return buf;
  }
  return NULL;
}

nq_status nq_npu_check(const nq_graph *g, const char *target, nq_npu_report *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (!target || strcmp(target, "imx8mp") != 0)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "unknown NPU target '%s' (known: imx8mp)", target ? target : "");
  out->target_name = "i.MX 8M Plus NPU (VX delegate)";
  out->n_nodes = g->n_nodes;
  char buf[160];
  bool per_channel = false;
  for (int i = 0; i < g->n_nodes; i++) {
    const char *why = vx_reject(g, i, buf, sizeof buf);
    if (why) {
      out->n_fallback++;
      if (add(out, i, true, "%s", why) != NQ_OK) goto nomem;
    }
    const nq_node *nd = &g->nodes[i];
    if ((nd->op == NQ_OP_CONV_2D || nd->op == NQ_OP_DEPTHWISE_CONV_2D || nd->op == NQ_OP_TRANSPOSE_CONV ||
         nd->op == NQ_OP_FULLY_CONNECTED) &&
        nd->n_in > 1 && nd->in[1] >= 0 && g->tensors[nd->in[1]].q.n > 1)
      per_channel = true;
  }
  if (per_channel &&
      add(out, -1, false,
          "per-channel weights run, but VeriSilicon NPUs run per-tensor models much faster "
          "(convert with --per-tensor, and compare the accuracy)") != NQ_OK)
    goto nomem;
  return NQ_OK;
nomem:
  nq_npu_report_free(out);
  return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the NPU report");
}

void nq_npu_report_free(nq_npu_report *r) {
  free(r->findings);
  memset(r, 0, sizeof *r);
}
