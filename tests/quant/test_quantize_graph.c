/*
 * The quantizer on small hand-built float graphs, checked against the TFLite
 * int8 rules computed by hand: weight and bias scales, tied parameters of
 * same-scale ops, fixed softmax parameters, boundary types, and the error
 * for an op without an int8 form.
 */
#include <math.h>
#include <string.h>

#include "core/status.h"
#include "quant/op_rules.h"
#include "quant/qparams.h"
#include "quant/quantize.h"
#include "testutil.h"

static void test_affine(void) {
  /* TF: min -1, max 3 -> scale 4/255, zp = round(-128 + 1/(4/255)) = round(-64.25) = -64 */
  nq_affine a = nq_affine_from_range(-1.0f, 3.0f, -128, 127);
  CHECK(fabsf(a.scale - 4.0f / 255.0f) < 1e-9f);
  CHECK(a.zero_point == -64);
  /* a range not containing 0 is widened to include it */
  a = nq_affine_from_range(2.0f, 6.0f, -128, 127);
  CHECK(fabsf(a.scale - 6.0f / 255.0f) < 1e-9f && a.zero_point == -128);
  /* all zero: a usable nonzero scale */
  a = nq_affine_from_range(0.0f, 0.0f, -128, 127);
  CHECK(a.scale > 0.0f);
  CHECK(nq_quantize_value(2.5f, 1.0f, 0, -128, 127) == 3); /* half away from zero */
  CHECK(nq_quantize_value(-2.5f, 1.0f, 0, -128, 127) == -3);
  CHECK(nq_quantize_value(1e30f, 1.0f, 0, -128, 127) == 127);
}

/* input [1,4,4,2] -> CONV_2D(3 out ch, 1x1) -> RESHAPE [1,48] -> FC(5) -> SOFTMAX */
static nq_graph *build(nq_error *err, nq_ranges *r) {
  nq_graph *g = nq_graph_new();
  int32_t s_in[4] = {1, 4, 4, 2}, s_w[4] = {3, 1, 1, 2}, s_b[1] = {3}, s_c[4] = {1, 4, 4, 3};
  int32_t s_shape[1] = {2}, s_r[2] = {1, 48}, s_fw[2] = {5, 48}, s_fb[1] = {5}, s_o[2] = {1, 5};
  int in = nq_graph_add_tensor(g, "input", NQ_FLOAT32, 4, s_in, err);
  int w = nq_graph_add_tensor(g, "w", NQ_FLOAT32, 4, s_w, err);
  int b = nq_graph_add_tensor(g, "b", NQ_FLOAT32, 1, s_b, err);
  int c = nq_graph_add_tensor(g, "conv", NQ_FLOAT32, 4, s_c, err);
  int shp = nq_graph_add_tensor(g, "shape", NQ_INT32, 1, s_shape, err);
  int rs = nq_graph_add_tensor(g, "reshape", NQ_FLOAT32, 2, s_r, err);
  int fw = nq_graph_add_tensor(g, "fc_w", NQ_FLOAT32, 2, s_fw, err);
  int fb = nq_graph_add_tensor(g, "fc_b", NQ_FLOAT32, 1, s_fb, err);
  int fo = nq_graph_add_tensor(g, "fc", NQ_FLOAT32, 2, s_o, err);
  int so = nq_graph_add_tensor(g, "probs", NQ_FLOAT32, 2, s_o, err);
  float wv[6] = {0.5f, -1.0f, 0.25f, 0.125f, -2.0f, 2.0f};
  float bv[3] = {0.1f, -0.2f, 0.3f};
  int32_t sv[2] = {1, 48};
  float fwv[240], fbv[5] = {0.01f, 0.02f, 0.03f, 0.04f, 0.05f};
  for (int i = 0; i < 240; i++) fwv[i] = (float)((i * 37) % 17 - 8) / 16.0f;
  nq_tensor_copy_data(g, w, wv, sizeof wv, err);
  nq_tensor_copy_data(g, b, bv, sizeof bv, err);
  nq_tensor_copy_data(g, shp, sv, sizeof sv, err);
  nq_tensor_copy_data(g, fw, fwv, sizeof fwv, err);
  nq_tensor_copy_data(g, fb, fbv, sizeof fbv, err);
  nq_op_params p = nq_op_params_default();
  int cin[3] = {in, w, b}, rin[2] = {c, shp}, fin[3] = {rs, fw, fb};
  nq_graph_add_node(g, NQ_OP_CONV_2D, "conv", 3, cin, 1, &c, &p, err);
  nq_graph_add_node(g, NQ_OP_RESHAPE, "reshape", 2, rin, 1, &rs, &p, err);
  nq_graph_add_node(g, NQ_OP_FULLY_CONNECTED, "fc", 3, fin, 1, &fo, &p, err);
  nq_graph_add_node(g, NQ_OP_SOFTMAX, "softmax", 1, &fo, 1, &so, &p, err);
  nq_graph_set_io(g, 1, &in, 1, &so, err);
  nq_ranges_init(r, g->n_tensors, err);
  float lo[10] = {0, 0, 0, -3, 0, -2.5f, 0, 0, -7, 0}, hi[10] = {0, 0, 0, 4, 0, 5, 0, 0, 9, 1};
  r->min[in] = -1;
  r->max[in] = 1;
  r->seen[in] = 1;
  for (int t = 3; t < 10; t++)
    if (!g->tensors[t].data) {
      r->min[t] = lo[t];
      r->max[t] = hi[t];
      r->seen[t] = 1;
    }
  return g;
}

static int find_tensor(const nq_graph *g, const char *name) {
  for (int t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].name && strcmp(g->tensors[t].name, name) == 0) return t;
  return -1;
}

static void test_small_net(void) {
  nq_error err = {0};
  nq_ranges r;
  nq_graph *f = build(&err, &r);
  CHECK(nq_graph_verify(f, &err) == NQ_OK);
  nq_qoptions o = nq_qoptions_default();
  nq_graph *q = NULL;
  CHECKF(nq_quantize_graph(f, &r, &o, &q, &err) == NQ_OK, "%s", err.msg);
  if (!q) return;
  int in = find_tensor(q, "input"), w = find_tensor(q, "w"), b = find_tensor(q, "b");
  int conv = find_tensor(q, "conv"), rs = find_tensor(q, "reshape"), probs = find_tensor(q, "probs");
  int fw = find_tensor(q, "fc_w");
  CHECK(q->inputs[0] == in && q->tensors[in].type == NQ_INT8);
  /* input range [-1, 1]: scale 2/255, zp round(-128 + 127.5) = 0 (TF rounds -0.5 away) */
  CHECK(fabsf(q->tensors[in].q.scale[0] - 2.0f / 255.0f) < 1e-9f);
  /* conv weights per-channel on axis 0: channel maxima 1.0, 0.25, 2.0 */
  CHECK(q->tensors[w].q.n == 3 && q->tensors[w].q.axis == 0);
  CHECK(fabsf(q->tensors[w].q.scale[2] - 2.0f / 127.0f) < 1e-9f);
  const int8_t *wq = (const int8_t *)q->tensors[w].data;
  CHECK(wq[0] == 64 && wq[1] == -127 && wq[4] == -127 && wq[5] == 127); /* 0.5/(1/127) = 63.5 -> 64 */
  /* bias int32 at s_in * s_w[c] */
  CHECK(q->tensors[b].type == NQ_INT32 && q->tensors[b].q.n == 3);
  float bs0 = q->tensors[in].q.scale[0] * q->tensors[w].q.scale[0];
  CHECK(fabsf(q->tensors[b].q.scale[0] - bs0) <= 1e-12f);
  CHECK(((const int32_t *)q->tensors[b].data)[0] == (int32_t)lroundf(0.1f / bs0));
  /* reshape shares the union of conv and reshape ranges [-3, 5] */
  CHECK(q->tensors[conv].q.scale[0] == q->tensors[rs].q.scale[0]);
  CHECK(q->tensors[conv].q.zero_point[0] == q->tensors[rs].q.zero_point[0]);
  CHECK(fabsf(q->tensors[rs].q.scale[0] - 8.0f / 255.0f) < 1e-9f);
  /* FC per-tensor by default */
  CHECK(q->tensors[fw].q.n == 1);
  /* softmax output fixed */
  CHECK(q->tensors[probs].q.scale[0] == 1.0f / 256.0f && q->tensors[probs].q.zero_point[0] == -128);
  nq_graph_free(q);

  /* per-tensor mode, uint8 input from bytes (mean 127.5, std 127.5), float output */
  o.per_tensor = true;
  o.input_type = NQ_UINT8;
  o.input_from_bytes = true;
  o.input_mean = 127.5f;
  o.input_std = 127.5f;
  o.output_type = NQ_FLOAT32;
  CHECKF(nq_quantize_graph(f, &r, &o, &q, &err) == NQ_OK, "%s", err.msg);
  if (q) {
    in = find_tensor(q, "input");
    w = find_tensor(q, "w");
    CHECK(q->tensors[in].type == NQ_UINT8 && q->inputs[0] == in);
    CHECK(q->tensors[in].q.zero_point[0] == 128);
    CHECK(fabsf(q->tensors[in].q.scale[0] - 1.0f / 127.5f) < 1e-9f);
    CHECK(q->tensors[w].q.n == 1);
    CHECK(q->nodes[0].op == NQ_OP_QUANTIZE && q->nodes[q->n_nodes - 1].op == NQ_OP_DEQUANTIZE);
    CHECK(q->tensors[q->outputs[0]].type == NQ_FLOAT32);
    CHECK(strcmp(q->tensors[q->outputs[0]].name, "probs") == 0);
    nq_graph_free(q);
  }

  /* an op without an int8 form is an error naming it */
  f->nodes[3].op = NQ_OP_NEG;
  o = nq_qoptions_default();
  CHECK(nq_quantize_graph(f, &r, &o, &q, &err) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(err.msg, "NEG") && strstr(err.msg, "softmax"), "message: %s", err.msg);
  o.allow_float_fallback = true;
  CHECKF(nq_quantize_graph(f, &r, &o, &q, &err) == NQ_OK, "%s", err.msg);
  if (q) {
    int n_deq = 0;
    for (int i = 0; i < q->n_nodes; i++) n_deq += q->nodes[i].op == NQ_OP_DEQUANTIZE;
    CHECK(n_deq == 1);
    nq_graph_free(q);
  }
  nq_ranges_free(&r);
  nq_graph_free(f);
}

int main(void) {
  test_affine();
  test_small_net();
  return nq_test_finish("test_quantize_graph");
}
