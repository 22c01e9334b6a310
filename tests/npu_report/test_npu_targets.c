/*
 * The NPU report on small built graphs, one documented constraint at a
 * time. Each case holds a graph that breaks exactly one rule of one target
 * (Vela 3.6.1 SUPPORTED_OPS.md for ethos-u, coral.ai "Model requirements"
 * and "Supported operations" for edgetpu) next to the same graph within the
 * rule, so a check that reports everything, or nothing, fails here.
 */
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "ir/graph.h"
#include "report/npu.h"
#include "testutil.h"

static nq_error err;

/* An int8 activation tensor, per-tensor (scale, zero point 0). */
static int act(nq_graph *g, const char *name, int rank, const int32_t *shape, float scale) {
  int t = nq_graph_add_tensor(g, name, NQ_INT8, rank, shape, &err);
  int64_t zp = 0;
  nq_tensor_set_quant(g, t, 1, &scale, &zp, 0, &err);
  return t;
}

static int act4(nq_graph *g, const char *name, int n, int h, int w, int c) {
  int32_t s[4] = {n, h, w, c};
  return act(g, name, 4, s, 0.05f);
}

static int fl4(nq_graph *g, const char *name, int n, int h, int w, int c) {
  int32_t s[4] = {n, h, w, c};
  return nq_graph_add_tensor(g, name, NQ_FLOAT32, 4, s, &err);
}

/* Constant int8 weights [o,h,w,i] filled with `v`, quantized per-channel
 * along `axis` (channels = shape[axis]) or per-tensor when axis < 0. */
static int weights(nq_graph *g, const char *name, int o, int h, int w, int i, int8_t v, int axis) {
  int32_t s[4] = {o, h, w, i};
  int t = nq_graph_add_tensor(g, name, NQ_INT8, 4, s, &err);
  size_t n = (size_t)o * h * w * i;
  int8_t *d = malloc(n);
  memset(d, (unsigned char)v, n);
  nq_tensor_copy_data(g, t, d, n, &err);
  free(d);
  int nc = axis >= 0 ? s[axis] : 1;
  float sc[64];
  int64_t zp[64];
  for (int c = 0; c < nc && c < 64; c++) sc[c] = 0.01f, zp[c] = 0;
  nq_tensor_set_quant(g, t, nc, sc, zp, axis >= 0 ? axis : 0, &err);
  return t;
}

static int i32const(nq_graph *g, const char *name, int rank, const int32_t *shape, const int32_t *v,
                    size_t n) {
  int t = nq_graph_add_tensor(g, name, NQ_INT32, rank, shape, &err);
  nq_tensor_copy_data(g, t, v, n * sizeof *v, &err);
  return t;
}

static int node(nq_graph *g, nq_op op, int n_in, const int *in, int out, const nq_op_params *p) {
  return nq_graph_add_node(g, op, nq_op_name(op), n_in, in, 1, &out, p, &err);
}

/* The report's finding for node i, or NULL. */
static const nq_npu_finding *finding(const nq_npu_report *r, int i) {
  for (int k = 0; k < r->n_findings; k++)
    if (r->findings[k].node == i) return &r->findings[k];
  return NULL;
}

/* Run `target` on g; true if node `i` falls back with a reason holding every
 * one of the (up to two) needles, and nothing else falls back. */
static bool only_fallback(const nq_graph *g, const char *target, int i, const char *n1, const char *n2) {
  nq_npu_report r;
  if (nq_npu_check(g, target, &r, &err) != NQ_OK) return false;
  const nq_npu_finding *f = finding(&r, i);
  bool ok = r.n_fallback == 1 && f && f->fallback && strstr(f->reason, n1) && (!n2 || strstr(f->reason, n2));
  if (!ok)
    fprintf(stderr, "  %s: %d fallbacks, node %d: %s\n", target, r.n_fallback, i,
            f ? f->reason : "(no finding)");
  nq_npu_report_free(&r);
  return ok;
}

static int fallbacks(const nq_graph *g, const char *target) {
  nq_npu_report r;
  if (nq_npu_check(g, target, &r, &err) != NQ_OK) return -1;
  int n = r.n_fallback;
  nq_npu_report_free(&r);
  return n;
}

/* x[1,8,8,3] -> CONV_2D (or DEPTHWISE) with the given stride -> y. */
static nq_graph *conv_graph(nq_op op, int stride, int batch) {
  nq_graph *g = nq_graph_new();
  int x = act4(g, "x", batch, 8, 8, 3);
  int oc = op == NQ_OP_DEPTHWISE_CONV_2D ? 3 : 4;
  int w =
      op == NQ_OP_DEPTHWISE_CONV_2D ? weights(g, "w", 1, 3, 3, 3, 1, 3) : weights(g, "w", 4, 3, 3, 3, 1, 0);
  int32_t bs[1] = {oc}, bv[4] = {0, 0, 0, 0};
  int b = i32const(g, "b", 1, bs, bv, (size_t)oc);
  int os = (8 + stride - 1) / stride;
  int y = act4(g, "y", batch, os, os, oc);
  nq_op_params p = nq_op_params_default();
  p.stride_h = p.stride_w = stride;
  p.padding = NQ_PAD_SAME;
  int in[3] = {x, w, b};
  node(g, op, 3, in, y, &p);
  nq_graph_set_io(g, 1, &x, 1, &y, &err);
  return g;
}

static void test_targets_and_unknown(void) {
  nq_graph *g = conv_graph(NQ_OP_CONV_2D, 1, 1);
  char list[] = NQ_NPU_TARGET_LIST;
  int n = 0;
  for (char *s = strtok(list, ", "); s; s = strtok(NULL, ", "), n++) {
    CHECKF(nq_npu_target_known(s), "%s is listed but not known", s);
    CHECKF(fallbacks(g, s) == 0, "%s: a plain int8 conv falls back", s);
  }
  CHECK(n == 3);
  nq_npu_report r;
  CHECK(nq_npu_check(g, "hexagon", &r, &err) == NQ_ERR_INVALID_ARG);
  CHECK(strstr(err.msg, "hexagon") && strstr(err.msg, "imx8mp") && strstr(err.msg, "ethos-u") &&
        strstr(err.msg, "edgetpu"));
  CHECK(r.n_findings == 0 && r.findings == NULL);
  CHECK(!nq_npu_target_known(NULL) && !nq_npu_target_known("") && !nq_npu_target_known("ethos"));
  nq_graph_free(g);
}

/* Vela: CONV_2D strides 1..4, DEPTHWISE_CONV_2D strides 1..3, batch 1. The
 * VX delegate has no such limits. */
static void test_ethosu_conv(void) {
  nq_graph *g = conv_graph(NQ_OP_CONV_2D, 4, 1);
  CHECK(fallbacks(g, "ethos-u") == 0);
  nq_graph_free(g);
  g = conv_graph(NQ_OP_CONV_2D, 5, 1);
  CHECK(only_fallback(g, "ethos-u", 0, "stride 5x5", "1..4"));
  CHECK(fallbacks(g, "imx8mp") == 0);
  nq_graph_free(g);
  g = conv_graph(NQ_OP_DEPTHWISE_CONV_2D, 3, 1);
  CHECK(fallbacks(g, "ethos-u") == 0);
  nq_graph_free(g);
  g = conv_graph(NQ_OP_DEPTHWISE_CONV_2D, 4, 1);
  CHECK(only_fallback(g, "ethos-u", 0, "stride 4x4", "1..3"));
  nq_graph_free(g);
  g = conv_graph(NQ_OP_CONV_2D, 1, 2);
  CHECK(only_fallback(g, "ethos-u", 0, "batch 2", "batch 1 only"));
  CHECK(fallbacks(g, "imx8mp") == 0);
  nq_graph_free(g);
}

/* Vela: "The sum of the weights cannot exceed 8323072" per output channel.
 * 3x3x7300 weights of 127: 65700 * 127 = 8343900 (over); of 126: 8278200. */
static void test_ethosu_weight_sum(void) {
  for (int v = 126; v <= 127; v++) {
    nq_graph *g = nq_graph_new();
    int x = act4(g, "x", 1, 3, 3, 7300), w = weights(g, "w", 1, 3, 3, 7300, (int8_t)v, 0),
        y = act4(g, "y", 1, 1, 1, 1);
    nq_op_params p = nq_op_params_default();
    p.padding = NQ_PAD_VALID;
    int in[3] = {x, w, -1};
    node(g, NQ_OP_CONV_2D, 3, in, y, &p);
    nq_graph_set_io(g, 1, &x, 1, &y, &err);
    if (v == 126)
      CHECK(fallbacks(g, "ethos-u") == 0);
    else
      CHECK(only_fallback(g, "ethos-u", 0, "8343900", "8323072"));
    nq_graph_free(g);
  }
}

/* Vela: per-axis quantization only for CONV_2D, DEPTHWISE_CONV_2D and
 * TRANSPOSE_CONV, so a per-channel FULLY_CONNECTED runs on the CPU. */
static void test_ethosu_per_axis_fc(void) {
  for (int per_channel = 0; per_channel <= 1; per_channel++) {
    nq_graph *g = nq_graph_new();
    int32_t xs[2] = {1, 8}, ys[2] = {1, 4}, ws[2] = {4, 8};
    int x = act(g, "x", 2, xs, 0.1f), y = act(g, "y", 2, ys, 0.1f);
    int w = nq_graph_add_tensor(g, "w", NQ_INT8, 2, ws, &err);
    int8_t wd[32] = {1};
    nq_tensor_copy_data(g, w, wd, sizeof wd, &err);
    float sc[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    int64_t zp[4] = {0};
    nq_tensor_set_quant(g, w, per_channel ? 4 : 1, sc, zp, 0, &err);
    nq_op_params p = nq_op_params_default();
    int in[3] = {x, w, -1};
    node(g, NQ_OP_FULLY_CONNECTED, 3, in, y, &p);
    nq_graph_set_io(g, 1, &x, 1, &y, &err);
    if (per_channel)
      CHECK(only_fallback(g, "ethos-u", 0, "per-axis", "CONV_2D"));
    else
      CHECK(fallbacks(g, "ethos-u") == 0);
    CHECK(fallbacks(g, "imx8mp") == 0 && fallbacks(g, "edgetpu") == 0);
    nq_graph_free(g);
  }
}

/* A 5-D ADD: Vela takes at most 4-D tensors; the Edge TPU takes more than
 * 3 dimensions only when all but the 3 innermost are 1. */
static void test_rank5(void) {
  for (int lead = 1; lead <= 2; lead++) {
    nq_graph *g = nq_graph_new();
    int32_t s[5] = {lead, 1, 4, 4, 3};
    int a = act(g, "a", 5, s, 0.1f), b = act(g, "b", 5, s, 0.1f), y = act(g, "y", 5, s, 0.2f);
    nq_op_params p = nq_op_params_default();
    int in[2] = {a, b};
    node(g, NQ_OP_ADD, 2, in, y, &p);
    int ins[2] = {a, b};
    nq_graph_set_io(g, 2, ins, 1, &y, &err);
    CHECK(only_fallback(g, "ethos-u", 0, "5 dimensions", "at most 4"));
    if (lead == 1)
      CHECK(fallbacks(g, "edgetpu") == 0);
    else
      CHECK(only_fallback(g, "edgetpu", 0, "3 innermost", "dimension 0 is 2"));
    CHECK(fallbacks(g, "imx8mp") == 0);
    nq_graph_free(g);
  }
}

/* conv -> MIRROR_PAD -> conv -> conv. No target lists MIRROR_PAD. The VX
 * delegate and Vela leave only it to the CPU; the Edge TPU compiler stops
 * there, so the two convs after it run on the CPU too. */
static void test_edgetpu_segment(void) {
  nq_graph *g = nq_graph_new();
  int x = act4(g, "x", 1, 8, 8, 3);
  int t[4];
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  int prev = x;
  for (int k = 0; k < 4; k++) {
    char name[8] = {'t', (char)('0' + k), 0};
    t[k] = act4(g, name, 1, 8, 8, 3);
    if (k == 1) {
      int32_t ps[2] = {4, 2}, pv[8] = {0};
      int pads = i32const(g, "pads", 2, ps, pv, 8);
      int in[2] = {prev, pads};
      node(g, NQ_OP_MIRROR_PAD, 2, in, t[k], &p);
    } else {
      int w = weights(g, "w", 3, 1, 1, 3, 1, 0);
      int in[3] = {prev, w, -1};
      node(g, NQ_OP_CONV_2D, 3, in, t[k], &p);
    }
    prev = t[k];
  }
  nq_graph_set_io(g, 1, &x, 1, &prev, &err);
  CHECK(only_fallback(g, "imx8mp", 1, "not supported", NULL));
  CHECK(only_fallback(g, "ethos-u", 1, "not supported", NULL));
  nq_npu_report r;
  CHECK(nq_npu_check(g, "edgetpu", &r, &err) == NQ_OK);
  CHECK(r.n_nodes == 4 && r.n_fallback == 3 && !finding(&r, 0));
  const nq_npu_finding *f1 = finding(&r, 1), *f3 = finding(&r, 3);
  CHECK(f1 && f1->fallback && strstr(f1->reason, "not supported"));
  CHECK(f3 && f3->fallback && strstr(f3->reason, "after node 1") && strstr(f3->reason, "one segment"));
  const nq_npu_finding *note = finding(&r, -1);
  CHECK(note && !note->fallback && strstr(note->reason, "ends at node 1"));
  nq_npu_report_free(&r);
  nq_graph_free(g);
}

/* float x -> QUANTIZE -> conv -> DEQUANTIZE -> float y. The VX delegate
 * runs the conversions; Vela takes no float tensor; the Edge TPU leaves the
 * boundary conversions on the CPU and maps the conv between them. */
static void test_boundary_conversions(void) {
  nq_graph *g = nq_graph_new();
  int xf = fl4(g, "xf", 1, 8, 8, 3), xq = act4(g, "xq", 1, 8, 8, 3), yq = act4(g, "yq", 1, 8, 8, 3);
  int yf = fl4(g, "yf", 1, 8, 8, 3), w = weights(g, "w", 3, 1, 1, 3, 1, 0);
  nq_op_params p = nq_op_params_default();
  node(g, NQ_OP_QUANTIZE, 1, &xf, xq, &p);
  int in[3] = {xq, w, -1};
  node(g, NQ_OP_CONV_2D, 3, in, yq, &p);
  node(g, NQ_OP_DEQUANTIZE, 1, &yq, yf, &p);
  nq_graph_set_io(g, 1, &xf, 1, &yf, &err);
  CHECK(fallbacks(g, "imx8mp") == 0);
  nq_npu_report r;
  CHECK(nq_npu_check(g, "ethos-u", &r, &err) == NQ_OK);
  CHECK(r.n_fallback == 2 && finding(&r, 0) && strstr(finding(&r, 0)->reason, "float32") && !finding(&r, 1) &&
        finding(&r, 2));
  nq_npu_report_free(&r);
  CHECK(nq_npu_check(g, "edgetpu", &r, &err) == NQ_OK);
  CHECK(r.n_fallback == 2 && finding(&r, 0) && !finding(&r, 1) && finding(&r, 2));
  for (int k = 0; k < r.n_findings; k++) CHECK(r.findings[k].node >= 0); /* no "segment ends" note */
  nq_npu_report_free(&r);
  nq_graph_free(g);
}

/* A float32 conv is float compute for every target. */
static void test_float(void) {
  nq_graph *g = nq_graph_new();
  int x = fl4(g, "x", 1, 8, 8, 3), y = fl4(g, "y", 1, 8, 8, 3);
  int32_t ws[4] = {3, 1, 1, 3};
  int w = nq_graph_add_tensor(g, "w", NQ_FLOAT32, 4, ws, &err);
  float wd[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  nq_tensor_copy_data(g, w, wd, sizeof wd, &err);
  nq_op_params p = nq_op_params_default();
  int in[3] = {x, w, -1};
  node(g, NQ_OP_CONV_2D, 3, in, y, &p);
  nq_graph_set_io(g, 1, &x, 1, &y, &err);
  CHECK(only_fallback(g, "imx8mp", 0, "float32 CONV_2D", NULL));
  CHECK(only_fallback(g, "ethos-u", 0, "float32 CONV_2D", NULL));
  CHECK(only_fallback(g, "edgetpu", 0, "float32 CONV_2D", NULL));
  nq_graph_free(g);
}

/* Pools: Vela's stride limit 1..3 does not apply to a global pool (kernel
 * = stride = input size); the Edge TPU takes pools without fused
 * activation only. */
static void test_pools(void) {
  for (int c = 0; c < 3; c++) {
    nq_graph *g = nq_graph_new();
    int x = act4(g, "x", 1, 8, 8, 3), y = act4(g, "y", 1, c == 0 ? 1 : 2, c == 0 ? 1 : 2, 3);
    nq_op_params p = nq_op_params_default();
    p.padding = NQ_PAD_VALID;
    p.filter_h = p.filter_w = p.stride_h = p.stride_w = c == 0 ? 8 : 4;
    if (c == 2) p.act = NQ_ACT_RELU;
    node(g, NQ_OP_AVERAGE_POOL_2D, 1, &x, y, &p);
    nq_graph_set_io(g, 1, &x, 1, &y, &err);
    if (c == 0) CHECK(fallbacks(g, "ethos-u") == 0 && fallbacks(g, "edgetpu") == 0);
    if (c >= 1) CHECK(only_fallback(g, "ethos-u", 0, "stride 4x4", "1..3"));
    if (c == 1) CHECK(fallbacks(g, "edgetpu") == 0);
    if (c == 2) CHECK(only_fallback(g, "edgetpu", 0, "fused activation", NULL));
    nq_graph_free(g);
  }
}

/* Edge TPU SOFTMAX: a 1-D input (only the innermost dimension above 1) of
 * at most 16000 elements. Vela only needs equal input/output shapes. */
static void test_softmax(void) {
  int32_t shapes[3][3] = {{1, 1, 1000}, {1, 2, 500}, {1, 1, 16001}};
  for (int c = 0; c < 3; c++) {
    nq_graph *g = nq_graph_new();
    int x = act(g, "x", 3, shapes[c], 0.1f);
    int y = nq_graph_add_tensor(g, "y", NQ_INT8, 3, shapes[c], &err);
    float sc = 1.0f / 256;
    int64_t zp = -128;
    nq_tensor_set_quant(g, y, 1, &sc, &zp, 0, &err);
    nq_op_params p = nq_op_params_default();
    node(g, NQ_OP_SOFTMAX, 1, &x, y, &p);
    nq_graph_set_io(g, 1, &x, 1, &y, &err);
    if (c == 0) CHECK(fallbacks(g, "edgetpu") == 0);
    if (c == 1) CHECK(only_fallback(g, "edgetpu", 0, "1-D", NULL));
    if (c == 2) CHECK(only_fallback(g, "edgetpu", 0, "16001", "16000"));
    CHECK(fallbacks(g, "ethos-u") == 0);
    nq_graph_free(g);
  }
}

/* MAXIMUM: Vela needs both inputs quantized like the output. */
static void test_ethosu_maximum(void) {
  for (int same = 0; same <= 1; same++) {
    nq_graph *g = nq_graph_new();
    int a = act4(g, "a", 1, 4, 4, 3), b = act4(g, "b", 1, 4, 4, 3);
    int32_t s[4] = {1, 4, 4, 3};
    int y = act(g, "y", 4, s, same ? 0.05f : 0.07f);
    nq_op_params p = nq_op_params_default();
    int in[2] = {a, b};
    node(g, NQ_OP_MAXIMUM, 2, in, y, &p);
    int ins[2] = {a, b};
    nq_graph_set_io(g, 2, ins, 1, &y, &err);
    if (same)
      CHECK(fallbacks(g, "ethos-u") == 0);
    else
      CHECK(only_fallback(g, "ethos-u", 0, "quantization", "MAXIMUM"));
    nq_graph_free(g);
  }
}

/* Edge TPU CONCATENATION: a constant input only as one of 2 inputs, and
 * all zeros in real values (int8 elements equal to the zero point). */
static void test_edgetpu_concat(void) {
  for (int c = 0; c < 3; c++) {
    nq_graph *g = nq_graph_new();
    int x = act4(g, "x", 1, 4, 4, 3), y = act4(g, "y", 1, 4, 4, c == 2 ? 9 : 6);
    int32_t s[4] = {1, 4, 4, 3};
    int k = nq_graph_add_tensor(g, "k", NQ_INT8, 4, s, &err);
    int8_t kd[48];
    memset(kd, 0x80, sizeof kd); /* -128 */
    if (c == 1) kd[5] = 1;
    nq_tensor_copy_data(g, k, kd, sizeof kd, &err);
    float sc = 0.05f;
    int64_t zp = -128;
    nq_tensor_set_quant(g, k, 1, &sc, &zp, 0, &err);
    nq_op_params p = nq_op_params_default();
    p.axis = 3;
    int in[3] = {x, k, x};
    node(g, NQ_OP_CONCATENATION, c == 2 ? 3 : 2, in, y, &p);
    nq_graph_set_io(g, 1, &x, 1, &y, &err);
    if (c == 0) CHECK(fallbacks(g, "edgetpu") == 0);
    if (c == 1) CHECK(only_fallback(g, "edgetpu", 0, "not all zeros", NULL));
    if (c == 2) CHECK(only_fallback(g, "edgetpu", 0, "one of 2 inputs", NULL));
    nq_graph_free(g);
  }
}

/* Edge TPU SQUEEZE: leading 1s only ([1,5,10] -> [5,10] ok, [5,1,10] ->
 * [5,10] not). */
static void test_edgetpu_squeeze(void) {
  for (int c = 0; c < 2; c++) {
    nq_graph *g = nq_graph_new();
    int32_t xs[3] = {c ? 5 : 1, c ? 1 : 5, 10}, ys[2] = {5, 10};
    int x = act(g, "x", 3, xs, 0.1f), y = act(g, "y", 2, ys, 0.1f);
    nq_op_params p = nq_op_params_default();
    p.num_squeeze_dims = 1;
    p.squeeze_dims[0] = c ? 1 : 0;
    node(g, NQ_OP_SQUEEZE, 1, &x, y, &p);
    nq_graph_set_io(g, 1, &x, 1, &y, &err);
    if (c == 0) CHECK(fallbacks(g, "edgetpu") == 0);
    if (c == 1) CHECK(only_fallback(g, "edgetpu", 0, "leading 1s", NULL));
    CHECK(fallbacks(g, "ethos-u") == 0);
    nq_graph_free(g);
  }
}

/* Hostile graphs: constants shorter than their shapes, absent operands,
 * absurd parameters. The report must stay in bounds (ASan) and answer. */
static void test_hostile(void) {
  const char *targets[3] = {"imx8mp", "ethos-u", "edgetpu"};
  nq_graph *g = conv_graph(NQ_OP_CONV_2D, 1, 1);
  g->tensors[g->nodes[0].in[1]].nbytes = 3; /* weights cut short */
  g->tensors[g->nodes[0].in[2]].nbytes = 1; /* bias cut short */
  g->nodes[0].p.dilation_h = 2000000000;
  g->nodes[0].p.dilation_w = -2000000000;
  for (int t = 0; t < 3; t++) CHECK(fallbacks(g, targets[t]) >= 0);
  g->nodes[0].n_in = 1; /* no weights at all */
  g->nodes[0].op = NQ_OP_MEAN;
  for (int t = 0; t < 3; t++) CHECK(fallbacks(g, targets[t]) >= 0);
  g->nodes[0].op = NQ_OP_STRIDED_SLICE;
  for (int t = 0; t < 3; t++) CHECK(fallbacks(g, targets[t]) >= 0);
  g->nodes[0].op = NQ_OP_PAD;
  for (int t = 0; t < 3; t++) CHECK(fallbacks(g, targets[t]) >= 0);
  g->nodes[0].op = NQ_OP_SPLIT;
  g->nodes[0].in[0] = -1;
  for (int t = 0; t < 3; t++) CHECK(fallbacks(g, targets[t]) >= 0);
  g->nodes[0].n_in = 3; /* restore for the graph's own free */
  g->nodes[0].op = NQ_OP_CONV_2D;
  nq_graph_free(g);
}

int main(void) {
  test_targets_and_unknown();
  test_ethosu_conv();
  test_ethosu_weight_sum();
  test_ethosu_per_axis_fc();
  test_rank5();
  test_edgetpu_segment();
  test_boundary_conversions();
  test_float();
  test_pools();
  test_softmax();
  test_ethosu_maximum();
  test_edgetpu_concat();
  test_edgetpu_squeeze();
  test_hostile();
  return nq_test_finish("test_npu_targets");
}
