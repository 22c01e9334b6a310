/* OperatorCode versions, checked against the table of TFLITE_INT8.md §1.4
 * (from TensorFlow's op_version.cc): one small node per rule. */
#include <string.h>

#include "core/status.h"
#include "ir/graph.h"
#include "testutil.h"
#include "writers/tflite/op_version.h"

static nq_graph *g;
static nq_error err;

/* A tensor of type t and rank-4 shape; scale > 0 makes it per-tensor
 * quantized, nch > 1 per-channel along axis 0. */
static int tensor(nq_dtype t, int rank, float scale, int nch) {
  int32_t shape[6] = {nch > 1 ? nch : 1, 4, 4, 8, 1, 1};
  int i = nq_graph_add_tensor(g, NULL, t, rank, shape, &err);
  if (scale > 0) {
    float s[16];
    int64_t z[16] = {0};
    int n = nch > 1 ? nch : 1;
    for (int k = 0; k < n; k++) s[k] = scale;
    CHECK(nq_tensor_set_quant(g, i, n, s, z, 0, &err) == NQ_OK);
  }
  return i;
}

static int version(nq_op op, int n_in, const int *in, int out, const nq_op_params *p) {
  int k = nq_graph_add_node(g, op, NULL, n_in, in, 1, &out, p, &err);
  CHECK(k >= 0);
  return nq_tflite_op_version(g, &g->nodes[k]);
}

static void test_conv_family(void) {
  nq_op_params p = nq_op_params_default();
  int f = tensor(NQ_FLOAT32, 4, 0, 0);
  int in_f[3] = {f, tensor(NQ_FLOAT32, 4, 0, 0), tensor(NQ_FLOAT32, 1, 0, 0)};
  CHECK(version(NQ_OP_CONV_2D, 3, in_f, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);
  p.dilation_h = 2;
  CHECK(version(NQ_OP_CONV_2D, 3, in_f, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);
  CHECK(version(NQ_OP_DEPTHWISE_CONV_2D, 3, in_f, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 2);
  p = nq_op_params_default();
  CHECK(version(NQ_OP_DEPTHWISE_CONV_2D, 3, in_f, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);

  int q = tensor(NQ_INT8, 4, 0.1f, 0);
  int in_q[3] = {q, tensor(NQ_INT8, 4, 0.01f, 4), tensor(NQ_INT32, 1, 0.001f, 4)};
  CHECK(version(NQ_OP_CONV_2D, 3, in_q, tensor(NQ_INT8, 4, 0.2f, 0), &p) == 3);
  CHECK(version(NQ_OP_DEPTHWISE_CONV_2D, 3, in_q, tensor(NQ_INT8, 4, 0.2f, 0), &p) == 3);
  /* hybrid: float activations, int8 weights */
  int in_h[3] = {f, tensor(NQ_INT8, 4, 0.01f, 4), tensor(NQ_FLOAT32, 1, 0, 0)};
  CHECK(version(NQ_OP_CONV_2D, 3, in_h, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 5);
  int in_h1[3] = {f, tensor(NQ_INT8, 4, 0.01f, 0), tensor(NQ_FLOAT32, 1, 0, 0)};
  CHECK(version(NQ_OP_CONV_2D, 3, in_h1, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 2);
  /* grouped convolution: input has 8 channels, filter sees 4 */
  int32_t wshape[4] = {8, 3, 3, 4};
  int wg = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 4, wshape, &err);
  int in_g[3] = {f, wg, -1};
  CHECK(version(NQ_OP_CONV_2D, 3, in_g, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 6);

  /* TRANSPOSE_CONV: output_shape, weights, input[, bias] */
  int tin[3] = {tensor(NQ_INT32, 1, 0, 0), tensor(NQ_INT8, 4, 0.01f, 4), q};
  CHECK(version(NQ_OP_TRANSPOSE_CONV, 3, tin, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  int tinb[4] = {tin[0], tin[1], q, tensor(NQ_INT32, 1, 0.001f, 4)};
  CHECK(version(NQ_OP_TRANSPOSE_CONV, 4, tinb, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 3);
  int tinf[4] = {tin[0], tensor(NQ_FLOAT32, 4, 0, 0), f, -1};
  CHECK(version(NQ_OP_TRANSPOSE_CONV, 4, tinf, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);
  p.act = NQ_ACT_RELU;
  CHECK(version(NQ_OP_TRANSPOSE_CONV, 4, tinf, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 4);
}

static void test_fully_connected(void) {
  nq_op_params p = nq_op_params_default();
  int q = tensor(NQ_INT8, 2, 0.1f, 0), w = tensor(NQ_INT8, 2, 0.01f, 0);
  int b = tensor(NQ_INT32, 1, 0.001f, 0);
  int in3[3] = {q, w, b};
  CHECK(version(NQ_OP_FULLY_CONNECTED, 3, in3, tensor(NQ_INT8, 2, 0.2f, 0), &p) == 4);
  int in2[2] = {q, w};
  CHECK(version(NQ_OP_FULLY_CONNECTED, 2, in2, tensor(NQ_INT8, 2, 0.2f, 0), &p) == 6);
  p.keep_dims = true;
  CHECK(version(NQ_OP_FULLY_CONNECTED, 3, in3, tensor(NQ_INT8, 2, 0.2f, 0), &p) == 5);
  p.keep_dims = false;
  int f = tensor(NQ_FLOAT32, 2, 0, 0);
  int inf[3] = {f, tensor(NQ_FLOAT32, 2, 0, 0), -1};
  CHECK(version(NQ_OP_FULLY_CONNECTED, 3, inf, tensor(NQ_FLOAT32, 2, 0, 0), &p) == 1);
}

static void test_elementwise(void) {
  nq_op_params p = nq_op_params_default();
  /* MUL int8: 3 when s1*s2/s_out >= 1 */
  int a = tensor(NQ_INT8, 4, 0.5f, 0), b = tensor(NQ_INT8, 4, 0.25f, 0);
  int in[2] = {a, b};
  CHECK(version(NQ_OP_MUL, 2, in, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 3);   /* 1.25 */
  CHECK(version(NQ_OP_MUL, 2, in, tensor(NQ_INT8, 4, 0.125f, 0), &p) == 3); /* exactly 1 */
  CHECK(version(NQ_OP_MUL, 2, in, tensor(NQ_INT8, 4, 0.5f, 0), &p) == 2);   /* 0.25 */
  int fa = tensor(NQ_FLOAT32, 4, 0, 0);
  int fin[2] = {fa, fa};
  CHECK(version(NQ_OP_MUL, 2, fin, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);
  CHECK(version(NQ_OP_ADD, 2, in, tensor(NQ_INT8, 4, 0.5f, 0), &p) == 2);
  CHECK(version(NQ_OP_ADD, 2, fin, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);
  CHECK(version(NQ_OP_SUB, 2, in, tensor(NQ_INT8, 4, 0.5f, 0), &p) == 2);
  /* SUB with broadcast and 5-D inputs: 3 */
  int s5a = tensor(NQ_FLOAT32, 5, 0, 0), s5b = tensor(NQ_FLOAT32, 4, 0, 0);
  int in5[2] = {s5a, s5b};
  CHECK(version(NQ_OP_SUB, 2, in5, tensor(NQ_FLOAT32, 5, 0, 0), &p) == 3);
  CHECK(version(NQ_OP_MAXIMUM, 2, in, tensor(NQ_INT8, 4, 0.5f, 0), &p) == 2);
}

static void test_unary_and_shape_ops(void) {
  nq_op_params p = nq_op_params_default();
  int q = tensor(NQ_INT8, 4, 0.1f, 0), f = tensor(NQ_FLOAT32, 4, 0, 0);
  CHECK(version(NQ_OP_SOFTMAX, 1, &q, tensor(NQ_INT8, 4, 1.0f / 256, 0), &p) == 2);
  CHECK(version(NQ_OP_SOFTMAX, 1, &f, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);
  CHECK(version(NQ_OP_LOGISTIC, 1, &q, tensor(NQ_INT8, 4, 1.0f / 256, 0), &p) == 2);
  CHECK(version(NQ_OP_AVERAGE_POOL_2D, 1, &q, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  CHECK(version(NQ_OP_MAX_POOL_2D, 1, &f, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);
  CHECK(version(NQ_OP_HARD_SWISH, 1, &q, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 1);
  CHECK(version(NQ_OP_LEAKY_RELU, 1, &q, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 1);
  CHECK(version(NQ_OP_RELU6, 1, &q, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  int qs[2] = {q, tensor(NQ_INT32, 1, 0, 0)};
  CHECK(version(NQ_OP_RESHAPE, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 1);
  CHECK(version(NQ_OP_PAD, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  CHECK(version(NQ_OP_TRANSPOSE, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  CHECK(version(NQ_OP_MEAN, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  CHECK(version(NQ_OP_CONCATENATION, 2, (int[]){q, q}, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  /* RESIZE_*: half_pixel_centers 3; nearest also align_corners 3 */
  CHECK(version(NQ_OP_RESIZE_BILINEAR, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  CHECK(version(NQ_OP_RESIZE_NEAREST_NEIGHBOR, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  p.align_corners = true;
  CHECK(version(NQ_OP_RESIZE_BILINEAR, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  CHECK(version(NQ_OP_RESIZE_NEAREST_NEIGHBOR, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 3);
  p.align_corners = false;
  p.half_pixel_centers = true;
  CHECK(version(NQ_OP_RESIZE_BILINEAR, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 3);
  int fs[2] = {f, qs[1]};
  CHECK(version(NQ_OP_RESIZE_BILINEAR, 2, fs, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 3);
  p = nq_op_params_default();
  CHECK(version(NQ_OP_RESIZE_BILINEAR, 2, fs, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 1);
  /* STRIDED_SLICE: int8 2, >4D 4, new_axis 6, offset 8 */
  int ss[4] = {q, qs[1], qs[1], qs[1]};
  CHECK(version(NQ_OP_STRIDED_SLICE, 4, ss, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  int ss5[4] = {tensor(NQ_FLOAT32, 5, 0, 0), qs[1], qs[1], qs[1]};
  CHECK(version(NQ_OP_STRIDED_SLICE, 4, ss5, tensor(NQ_FLOAT32, 5, 0, 0), &p) == 4);
  p.new_axis_mask = 1;
  CHECK(version(NQ_OP_STRIDED_SLICE, 4, ss, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 6);
  p.offset = true;
  CHECK(version(NQ_OP_STRIDED_SLICE, 4, ss, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 8);
  p = nq_op_params_default();
  /* QUANTIZE / DEQUANTIZE */
  CHECK(version(NQ_OP_QUANTIZE, 1, &f, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 1);
  CHECK(version(NQ_OP_QUANTIZE, 1, &f, tensor(NQ_INT8, 4, 0.1f, 3), &p) == 3);
  CHECK(version(NQ_OP_QUANTIZE, 1, &f, tensor(NQ_INT16, 4, 0.1f, 0), &p) == 2);
  CHECK(version(NQ_OP_DEQUANTIZE, 1, &q, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 2);
  int qpc = tensor(NQ_INT8, 4, 0.1f, 3);
  CHECK(version(NQ_OP_DEQUANTIZE, 1, &qpc, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 5);
  int h = tensor(NQ_FLOAT16, 4, 0, 0);
  CHECK(version(NQ_OP_DEQUANTIZE, 1, &h, tensor(NQ_FLOAT32, 4, 0, 0), &p) == 3);
  /* SPLIT reads the type of input 1 (input 0 is the axis) */
  int sp[2] = {tensor(NQ_INT32, 0, 0, 0), q};
  CHECK(version(NQ_OP_SPLIT, 2, sp, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  CHECK(version(NQ_OP_TILE, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 3);
  CHECK(version(NQ_OP_L2_NORMALIZATION, 1, &q, tensor(NQ_INT8, 4, 1.0f / 128, 0), &p) == 2);
  CHECK(version(NQ_OP_BATCH_TO_SPACE_ND, 2, qs, tensor(NQ_INT8, 4, 0.1f, 0), &p) == 2);
  int b3[2] = {tensor(NQ_FLOAT32, 3, 0, 0), qs[1]};
  CHECK(version(NQ_OP_SPACE_TO_BATCH_ND, 2, b3, tensor(NQ_FLOAT32, 3, 0, 0), &p) == 3);
}

int main(void) {
  g = nq_graph_new();
  test_conv_family();
  test_fully_connected();
  test_elementwise();
  test_unary_and_shape_ops();
  nq_graph_free(g);
  return nq_test_finish("test_op_version");
}
