/*
 * The 16x8 decisions of the quantizer (quant/act16.h) on hand-built graphs:
 * symmetric int16 parameters that avoid TFLite's power-of-two kernels, int64
 * biases at s_in * s_w, int8 weights, the ADD/SUB output-scale bound of
 * TFLite's int16 path (scale_limits.h), the borders between int8 and int16
 * nodes, and --int16-layers' name errors.
 */
#include <math.h>
#include <string.h>

#include "core/status.h"
#include "quant/act16.h"
#include "quant/quantize.h"
#include "quant/scale_limits.h"
#include "testutil.h"

static char g_warned[2048];

static void collect(void *ctx, const char *msg) {
  (void)ctx;
  strncat(g_warned, msg, sizeof g_warned - strlen(g_warned) - 2);
  strcat(g_warned, "\n");
}

static int find_tensor(const nq_graph *g, const char *name) {
  for (int t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].name && strcmp(g->tensors[t].name, name) == 0) return t;
  return -1;
}

static void set_range(nq_ranges *r, int t, float lo, float hi) {
  r->min[t] = lo;
  r->max[t] = hi;
  r->seen[t] = 1;
}

static void test_params(void) {
  nq_affine a = nq_act16_params(-1.0f, 3.0f);
  CHECK(a.zero_point == 0 && fabsf(a.scale - 3.0f / 32767.0f) < 1e-12f);
  a = nq_act16_params(2.0f, 5.0f); /* 0 included: max|x| is 5 */
  CHECK(a.zero_point == 0 && fabsf(a.scale - 5.0f / 32767.0f) < 1e-12f);
  /* 8/32767 is within TFLite's CheckedLog2 tolerance (1e-3) of 2^-12: moved out of it */
  a = nq_act16_params(-8.0f, 8.0f);
  double l2 = log2((double)a.scale);
  CHECK(fabs(l2 - round(l2)) >= 1e-3);
  CHECK(a.scale >= 8.0f / 32767.0f && a.scale < 8.1f / 32767.0f);
  nq_affine f;
  CHECK(nq_act16_fixed(NQ_OP_LOGISTIC, &f) && f.scale == 1.0f / 32768.0f && f.zero_point == 0);
  CHECK(nq_act16_fixed(NQ_OP_SOFTMAX, &f) && !nq_act16_fixed(NQ_OP_CONV_2D, &f));
  CHECK(!nq_act16_op_supported(NQ_OP_HARD_SWISH) && nq_act16_op_supported(NQ_OP_CONV_2D));
}

/* a, b [1,4] -> ADD 'sum' -> CONV_2D 1x1 'conv' (int64 bias) */
static nq_graph *build(nq_error *err, nq_ranges *r) {
  nq_graph *g = nq_graph_new();
  int32_t s[4] = {1, 1, 1, 4}, sw[4] = {2, 1, 1, 4}, sb[1] = {2}, so[4] = {1, 1, 1, 2};
  int a = nq_graph_add_tensor(g, "a", NQ_FLOAT32, 4, s, err);
  int b = nq_graph_add_tensor(g, "b", NQ_FLOAT32, 4, s, err);
  int sum = nq_graph_add_tensor(g, "sum", NQ_FLOAT32, 4, s, err);
  int w = nq_graph_add_tensor(g, "w", NQ_FLOAT32, 4, sw, err);
  int bias = nq_graph_add_tensor(g, "bias", NQ_FLOAT32, 1, sb, err);
  int out = nq_graph_add_tensor(g, "conv", NQ_FLOAT32, 4, so, err);
  float wv[8] = {0.5f, -1.0f, 0.25f, 0.125f, -2.0f, 2.0f, 1.0f, 0.0f}, bv[2] = {3.0f, -0.001f};
  nq_tensor_copy_data(g, w, wv, sizeof wv, err);
  nq_tensor_copy_data(g, bias, bv, sizeof bv, err);
  nq_op_params p = nq_op_params_default();
  int ain[2] = {a, b}, cin[3] = {sum, w, bias};
  nq_graph_add_node(g, NQ_OP_ADD, "sum", 2, ain, 1, &sum, &p, err);
  nq_graph_add_node(g, NQ_OP_CONV_2D, "conv", 3, cin, 1, &out, &p, err);
  int ins[2] = {a, b};
  nq_graph_set_io(g, 2, ins, 1, &out, err);
  nq_ranges_init(r, g->n_tensors, err);
  set_range(r, a, -1000, 1000);
  set_range(r, b, -1000, 1000);
  set_range(r, sum, -0.001f, 0.001f); /* a + b cancels on the samples */
  set_range(r, out, -2, 2);
  return g;
}

static nq_graph *quantize(const nq_graph *g, const nq_ranges *r, const unsigned char *int16_nodes,
                          nq_dtype in_type, nq_error *err) {
  nq_qoptions o = nq_qoptions_default();
  o.input_type = in_type;
  o.output_type = NQ_FLOAT32;
  o.int16_nodes = int16_nodes;
  o.warn = collect;
  g_warned[0] = 0;
  nq_graph *q = NULL;
  CHECK(nq_quantize_graph(g, r, &o, &q, err) == NQ_OK);
  return q;
}

static void test_whole_model(void) {
  nq_error err = {0};
  nq_ranges r;
  nq_graph *g = build(&err, &r);
  unsigned char all[2] = {1, 1};
  nq_graph *q = quantize(g, &r, all, NQ_FLOAT32, &err);
  if (!q) return;
  int sum = find_tensor(q, "sum"), conv = find_tensor(q, "conv_int16"), bias = find_tensor(q, "bias"),
      w = find_tensor(q, "w"), a = find_tensor(q, "a_int16");
  CHECK(sum >= 0 && conv >= 0 && bias >= 0 && w >= 0 && a >= 0);
  if (sum < 0 || conv < 0 || bias < 0 || w < 0 || a < 0) return;
  CHECK(q->tensors[sum].type == NQ_INT16 && q->tensors[sum].q.zero_point[0] == 0);
  CHECK(q->tensors[a].type == NQ_INT16 && fabsf(q->tensors[a].q.scale[0] - 1000.0f / 32767.0f) < 1e-6f);
  /* TFLite's int16 ADD: s_out > max(s_a, s_b) / 2^14, so the cancelling sum is widened, with a warning */
  float s_in = q->tensors[a].q.scale[0], s_sum = q->tensors[sum].q.scale[0];
  CHECK(s_sum >= s_in * (float)NQ_INT16_ADD_MIN_OUT_RATIO);
  CHECK(strstr(g_warned, "ADD 'sum'") && strstr(g_warned, "int16 ADD/SUB"));
  /* conv: int8 weights, int64 bias at s_sum * s_w */
  CHECK(q->tensors[w].type == NQ_INT8 && q->tensors[bias].type == NQ_INT64);
  const int64_t *bq = (const int64_t *)q->tensors[bias].data;
  float sw0 = q->tensors[w].q.scale[0];
  CHECK(fabsf(q->tensors[bias].q.scale[0] - s_sum * sw0) <= 1e-6f * s_sum * sw0);
  CHECK(bq[0] == (int64_t)llround(3.0 / (double)q->tensors[bias].q.scale[0]));
  CHECK(strstr(q->description, "int16x8") != NULL);
  nq_graph_free(q);
  /* int8: the same sum keeps its own range (int8's 2^20 shift leaves room) */
  q = quantize(g, &r, NULL, NQ_FLOAT32, &err);
  if (q) {
    sum = find_tensor(q, "sum");
    CHECK(sum >= 0 && q->tensors[sum].type == NQ_INT8 && q->tensors[sum].q.scale[0] < 1e-4f);
    nq_graph_free(q);
  }
  nq_ranges_free(&r);
  nq_graph_free(g);
}

/* Only the conv int16: the int8 sum enters it through DEQUANTIZE + QUANTIZE
 * (TFLite's QUANTIZE does not widen int8), its int16 output leaves through a
 * DEQUANTIZE to the float32 output. */
static void test_mixed(void) {
  nq_error err = {0};
  nq_ranges r;
  nq_graph *g = build(&err, &r);
  unsigned char mask[2] = {0};
  CHECK(nq_act16_select(g, "conv", mask, &err) == NQ_OK && !mask[0] && mask[1]);
  nq_graph *q = quantize(g, &r, mask, NQ_INT8, &err);
  if (!q) return;
  int sum = find_tensor(q, "sum");
  CHECK(sum >= 0 && q->tensors[sum].type == NQ_INT8);
  int n_deq = 0, n_q16 = 0;
  for (int i = 0; i < q->n_nodes; i++) {
    const nq_node *n = &q->nodes[i];
    if (n->op == NQ_OP_DEQUANTIZE && n->in[0] == sum) n_deq++;
    if (n->op == NQ_OP_QUANTIZE && q->tensors[n->out[0]].type == NQ_INT16 &&
        q->tensors[n->in[0]].type == NQ_FLOAT32)
      n_q16++;
    if (n->op == NQ_OP_CONV_2D) CHECK(q->tensors[n->in[0]].type == NQ_INT16);
    if (n->op == NQ_OP_QUANTIZE)
      CHECK(!(q->tensors[n->in[0]].type == NQ_INT8 && q->tensors[n->out[0]].type == NQ_INT16));
  }
  CHECK(n_deq == 1 && n_q16 == 1);
  nq_graph_free(q);
  nq_ranges_free(&r);
  nq_graph_free(g);
}

/* A conv whose output range is tiny next to s_in * s_w: TFLite's int64
 * requantizer takes effective scales below 2^7, so the int16 output is
 * widened to keep it under 2^6; int8's bound (2^30) leaves it alone. */
static void test_conv_bound(void) {
  nq_error err = {0};
  nq_ranges r;
  nq_graph *g = build(&err, &r);
  int out = find_tensor(g, "conv");
  set_range(&r, out, -1e-7f, 1e-7f);
  unsigned char all[2] = {1, 1};
  nq_graph *q = quantize(g, &r, all, NQ_FLOAT32, &err);
  if (q) {
    int c = find_tensor(q, "conv_int16"), sum = find_tensor(q, "sum"), w = find_tensor(q, "w");
    CHECK(c >= 0 && sum >= 0 && w >= 0);
    if (c >= 0 && sum >= 0 && w >= 0) {
      /* a float max, not fmax over doubles: aarch64 gcc 12 -O3 crashed vectorising that
       * (internal compiler error in vect_transform_reduction) */
      float sw_max = 0;
      for (int k = 0; k < q->tensors[w].q.n; k++)
        if (q->tensors[w].q.scale[k] > sw_max) sw_max = q->tensors[w].q.scale[k];
      double eff = (double)q->tensors[sum].q.scale[0] * sw_max / (double)q->tensors[c].q.scale[0];
      CHECKF(eff < NQ_INT16_MAX_EFFECTIVE_SCALE * 1.01, "16x8 conv effective scale %g", eff);
    }
    CHECK(strstr(g_warned, "CONV_2D 'conv'") && strstr(g_warned, "16x8 multiplier"));
    nq_graph_free(q);
  }
  q = quantize(g, &r, NULL, NQ_FLOAT32, &err);
  if (q) {
    int c = find_tensor(q, "conv_int8");
    CHECK(c >= 0 && q->tensors[c].q.scale[0] < 1e-8f);
    nq_graph_free(q);
  }
  nq_ranges_free(&r);
  nq_graph_free(g);
}

static void test_select_errors(void) {
  nq_error err = {0};
  nq_ranges r;
  nq_graph *g = build(&err, &r);
  unsigned char mask[2] = {0};
  CHECK(nq_act16_select(g, "sum,nope,gone", mask, &err) == NQ_ERR_INVALID_ARG);
  CHECK(strstr(err.msg, "'nope'") && strstr(err.msg, "'gone'") && strstr(err.msg, "2 nodes") &&
        !strstr(err.msg, "'sum'"));
  CHECK(nq_act16_select(g, ",", mask, &err) == NQ_ERR_INVALID_ARG);
  nq_ranges_free(&r);
  nq_graph_free(g);
}

int main(void) {
  test_params();
  test_whole_model();
  test_mixed();
  test_conv_bound();
  test_select_errors();
  return nq_test_finish("test_quantize_int16");
}
