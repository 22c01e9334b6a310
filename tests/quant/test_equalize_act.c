/*
 * Activation-range equalization through bounded activations
 * (src/quant/equalize_act.c), on two small graphs of 1x1 CONV_2D -> ... ->
 * 3x3 DEPTHWISE_CONV_2D whose four channels span 0..6, 0..0.2, 0..3 and
 * always 0 on the calibration samples:
 * - conv with a fused RELU6 -> PAD -> depthwise: the channel that reaches
 *   the clip and the dead one keep their weights bit for bit, the small
 *   ones are scaled up (by the cap, 16, for the smallest);
 * - conv with a fused RELU -> RELU6 op -> depthwise, a channel range of
 *   0..>20: the scale target (half of it) would carry channel 2 past 6, so
 *   its scale stops exactly at the clip;
 * and in both the float outputs on the calibration samples (and on other
 * inputs in the same range) stay within 1e-5 of the original's.
 */
#include <math.h>
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"
#include "quant/equalize.h"
#include "testutil.h"

#define H 6
#define N_IN (H * H * 3)
#define N_OUT (H * H * 4)
#define N_SAMPLES 8

enum { T_X, T_W1, T_B1, T_M }; /* tensor indices as build() adds them */

/* relu6_op: the clip is a separate RELU6 after a conv with a fused RELU
 * (channel 0 then reaches 30-60); otherwise the conv's fused RELU6
 * followed by a zero PAD. */
static nq_graph *build(bool relu6_op) {
  nq_error err;
  nq_rng rng = {7};
  nq_graph *g = nq_graph_new();
  int32_t si[4] = {1, H, H, 3}, sw1[4] = {4, 1, 1, 3}, sb[1] = {4}, sm[4] = {1, H, H, 4},
          sp[4] = {1, H + 2, H + 2, 4}, sw2[4] = {1, 3, 3, 4}, spad[2] = {4, 2};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, si, &err);
  int w1 = nq_graph_add_tensor(g, "w1", NQ_FLOAT32, 4, sw1, &err);
  int b1 = nq_graph_add_tensor(g, "b1", NQ_FLOAT32, 1, sb, &err);
  int m = nq_graph_add_tensor(g, "m", NQ_FLOAT32, 4, sm, &err);
  int mid = nq_graph_add_tensor(g, "mid", NQ_FLOAT32, 4, relu6_op ? sm : sp, &err);
  int w2 = nq_graph_add_tensor(g, "w2", NQ_FLOAT32, 4, sw2, &err);
  int b2 = nq_graph_add_tensor(g, "b2", NQ_FLOAT32, 1, sb, &err);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 4, relu6_op ? sm : sp, &err);
  int pads = nq_graph_add_tensor(g, "pads", NQ_INT32, 2, spad, &err);
  /* Inputs are in 0..1: channel 0 sums to up to 3 * gain + bias. */
  const float gain[4] = {relu6_op ? 20.0f : 10.0f, 0.03f, 1.0f, 0.5f};
  const float bias[4] = {1.0f, 0.02f, 0.0f, -5.0f}; /* channel 3: always below 0 */
  float v1[12], v2[36], vb2[4];
  for (int o = 0; o < 4; o++)
    for (int i = 0; i < 3; i++) v1[o * 3 + i] = gain[o] * nq_rng_uniform(&rng, 0.5f, 1.0f);
  for (int k = 0; k < 36; k++) v2[k] = nq_rng_uniform(&rng, -1, 1) * (k % 4 == 1 ? 100.0f : 1.0f);
  for (int c = 0; c < 4; c++) vb2[c] = 0.1f * (float)c;
  int32_t vp[8] = {0, 0, 1, 1, 1, 1, 0, 0};
  nq_tensor_copy_data(g, w1, v1, sizeof v1, &err);
  nq_tensor_copy_data(g, b1, bias, sizeof bias, &err);
  nq_tensor_copy_data(g, w2, v2, sizeof v2, &err);
  nq_tensor_copy_data(g, b2, vb2, sizeof vb2, &err);
  nq_tensor_copy_data(g, pads, vp, sizeof vp, &err);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.act = relu6_op ? NQ_ACT_RELU : NQ_ACT_RELU6;
  int in1[3] = {x, w1, b1}, in2[3] = {mid, w2, b2};
  nq_graph_add_node(g, NQ_OP_CONV_2D, "conv", 3, in1, 1, &m, &p, &err);
  p.act = NQ_ACT_NONE;
  if (relu6_op) {
    nq_graph_add_node(g, NQ_OP_RELU6, "relu6", 1, &m, 1, &mid, &p, &err);
  } else {
    int inp[2] = {m, pads};
    nq_graph_add_node(g, NQ_OP_PAD, "pad", 2, inp, 1, &mid, &p, &err);
  }
  nq_graph_add_node(g, NQ_OP_DEPTHWISE_CONV_2D, "dw", 3, in2, 1, &y, &p, &err);
  nq_graph_set_io(g, 1, &x, 1, &y, &err);
  return g;
}

static void sample(int k, float *dst) {
  nq_rng rng = {(uint64_t)(100 + k)};
  for (int i = 0; i < N_IN; i++) dst[i] = nq_rng_uniform(&rng, 0, 1);
  if (k == 0) /* one sample at the top of the range: channel 0 reaches its maximum */
    for (int i = 0; i < N_IN; i++) dst[i] = 1.0f;
}

static nq_status fill(void *ctx, int k, int input, float *dst, size_t n, nq_error *err) {
  (void)ctx;
  (void)input;
  if (n != N_IN) return nq_fail(err, NQ_ERR_INTERNAL, "fill: %zu values asked, %d expected", n, N_IN);
  sample(k, dst);
  return NQ_OK;
}

/* Output y and the conv's output m (its per-channel maxima in mmax) of g
 * on input in; y has ny values. */
static void run(nq_graph *g, const float *in, float *y, size_t ny, float *mmax) {
  nq_error err = {0};
  nq_model *m = NULL;
  nq_model_wrap(g, NULL, &m, &err);
  nq_session *s = NULL;
  CHECKF(nq_session_create(m, NULL, &s, &err) == NQ_OK, "%s", err.msg);
  if (s) {
    CHECKF(nq_session_keep_all_tensors(s, &err) == NQ_OK, "%s", err.msg);
    nq_session_set_input(s, 0, in, N_IN * sizeof(float), &err);
    CHECKF(nq_session_run(s, &err) == NQ_OK, "%s", err.msg);
    const void *d;
    size_t n;
    nq_session_output(s, 0, &d, &n, &err);
    memcpy(y, d, ny * sizeof(float));
    CHECK(nq_session_tensor(s, T_M, &d, &n, &err) == NQ_OK && n == N_OUT * sizeof(float));
    for (int i = 0; i < N_OUT; i++) mmax[i % 4] = fmaxf(mmax[i % 4], ((const float *)d)[i]);
    nq_session_free(s);
  }
  m->graph = NULL; /* the caller owns g */
  nq_model_free(m);
}

/* Equalizes a copy of the graph and compares; returns the per-channel
 * maxima of the conv's output before (*before) and after (*after). */
static void check(bool relu6_op, float before[4], float after[4]) {
  const char *what = relu6_op ? "RELU -> RELU6 op" : "fused RELU6 -> PAD";
  nq_error err = {0};
  nq_graph *a = build(relu6_op), *b = build(relu6_op);
  nq_sample_source src;
  nq_sample_source_init(&src);
  src.n_samples = N_SAMPLES;
  src.fill = fill;
  CHECK(nq_equalize_activations_count(b) == 1);
  int pairs = -1;
  CHECKF(nq_equalize_activations(b, &src, NULL, &pairs, &err) == NQ_OK, "%s", err.msg);
  CHECKF(pairs == 1, "%s: %d pairs equalized, 1 expected", what, pairs);
  size_t ny = relu6_op ? N_OUT : (size_t)(H + 2) * (H + 2) * 4;
  float ya[(H + 2) * (H + 2) * 4], yb[(H + 2) * (H + 2) * 4], in[N_IN];
  for (int c = 0; c < 4; c++) before[c] = after[c] = 0;
  /* The calibration samples, then inputs it has not seen in the same range. */
  for (int k = 0; k < 2 * N_SAMPLES; k++) {
    sample(k, in);
    run(a, in, ya, ny, before);
    run(b, in, yb, ny, after);
    float maxd = 0, maxv = 0;
    for (size_t i = 0; i < ny; i++) {
      maxd = fmaxf(maxd, fabsf(ya[i] - yb[i]));
      maxv = fmaxf(maxv, fabsf(ya[i]));
    }
    CHECKF(maxd <= 1e-5f * maxv, "%s, sample %d: outputs differ by %g (max %g)", what, k, maxd, maxv);
  }
  /* The channel at the clip and the dead one are left as they were. */
  const float *wa = (const float *)a->tensors[T_W1].data, *wb = (const float *)b->tensors[T_W1].data;
  const float *ba = (const float *)a->tensors[T_B1].data, *bb = (const float *)b->tensors[T_B1].data;
  for (int c = 0; c < 4; c += 3)
    CHECKF(!memcmp(wa + c * 3, wb + c * 3, 3 * sizeof(float)) && ba[c] == bb[c],
           "%s: channel %d's weights unchanged", what, c);
  nq_graph_free(a);
  nq_graph_free(b);
}

int main(void) {
  float before[4], after[4];
  check(false, before, after);
  CHECKF(before[0] == 6.0f && after[0] == 6.0f, "RELU6: channel 0 reaches the clip (%g, %g)", before[0],
         after[0]);
  CHECKF(before[3] == 0.0f && after[3] == 0.0f, "RELU6: channel 3 is always 0 (%g)", before[3]);
  /* Channel 1 (max ~0.2) by the cap, 16; channel 2 to half the range, 3. */
  CHECKF(fabsf(after[1] - 16 * before[1]) <= 1e-5f * after[1], "RELU6: channel 1 %g -> %g, x16 expected",
         before[1], after[1]);
  CHECKF(fabsf(after[2] - 3.0f) <= 1e-5f, "RELU6: channel 2 %g -> %g, 3 expected", before[2], after[2]);

  check(true, before, after);
  CHECKF(before[0] > 20 && after[0] == before[0], "RELU6 op: channel 0 range 0..%g, >20 and unchanged",
         before[0]);
  /* Half of channel 0's range would take channel 2 (max ~3) past 6: the
   * scale stops at the clip. */
  CHECKF(before[2] > 1.5f && 0.5f * before[0] > 6.0f, "RELU6 op: channel 2 0..%g, channel 0 0..%g", before[2],
         before[0]);
  CHECKF(fabsf(after[2] - 6.0f) <= 1e-5f, "RELU6 op: channel 2 scaled %g -> %g, exactly to the clip 6",
         before[2], after[2]);
  CHECKF(after[1] > before[1] && after[1] <= 6.0f, "RELU6 op: channel 1 %g -> %g", before[1], after[1]);
  return nq_test_finish("test_equalize_act");
}
