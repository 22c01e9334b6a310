/*
 * Degenerate weights and ranges (issue 10 item 4): every case converts
 * through the public nq_convert_arrays, gives scales an int8 kernel can use
 * (the converted model runs), says per layer what was odd through the warn
 * hook, and keeps what can be kept:
 *   - a dead depthwise layer (all-zero weights, a denormal bias: output
 *     range [0, 1e-40]) used to give "effective scale 7.1e+34 cannot be
 *     represented" at the next layer;
 *   - an all-zero conv channel with a bias: that channel's output is the
 *     bias within half an output step (its bias used to be rounded to whole
 *     input steps);
 *   - a constant activation: exact, with a warning;
 *   - a weight outlier of 1e12 on an input channel the samples never use:
 *     the output range is widened until the multiplier fits, with a warning;
 *   - input outliers of +-3e38 (max - min overflows float): clamped.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "ir/shape.h"
#include "npuquant.h"
#include "testutil.h"

typedef struct warnings {
  char text[8192];
  int n;
} warnings;

static void collect(void *user, const char *msg) {
  warnings *w = user;
  size_t used = strlen(w->text);
  snprintf(w->text + used, sizeof w->text - used, "%s\n", msg);
  w->n++;
}

static int konst(nq_graph *g, const char *name, int rank, const int32_t *shape, const float *v) {
  nq_error err = {0};
  int t = nq_graph_add_tensor(g, name, NQ_FLOAT32, rank, shape, &err);
  CHECK(t >= 0 &&
        nq_tensor_copy_data(g, t, v, nq_tensor_elems(&g->tensors[t]) * sizeof(float), &err) == NQ_OK);
  return t;
}

static int act(nq_graph *g, const char *name) {
  nq_error err = {0};
  return nq_graph_add_tensor(g, name, NQ_FLOAT32, 0, NULL, &err);
}

static void conv(nq_graph *g, nq_op op, const char *name, int x, int w, int b, int y) {
  nq_error err = {0};
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.depth_multiplier = 1;
  int in[3] = {x, w, b};
  CHECKF(nq_graph_add_node(g, op, name, 3, in, 1, &y, &p, &err) >= 0, "%s", err.msg);
}

static nq_model *finish(nq_graph *g, int x, int y) {
  nq_error err = {0};
  nq_model *m = NULL;
  CHECK(nq_graph_set_io(g, 1, &x, 1, &y, &err) == NQ_OK);
  CHECKF(nq_graph_infer_shapes(g, true, &err) == NQ_OK, "%s", err.msg);
  CHECK(nq_model_wrap(g, NULL, &m, &err) == NQ_OK);
  return m;
}

/* Convert with `n` samples of [1,4,4,C]; the int8 model (NULL on failure). */
static nq_model *convert(const nq_model *m, const float *data, int n, warnings *w) {
  nq_convert_options o;
  nq_convert_options_init(&o);
  o.input_type = NQ_FLOAT32;
  o.output_type = NQ_FLOAT32;
  o.num_threads = 1;
  o.warn = collect;
  o.warn_user = w;
  nq_error err = {0};
  nq_model *q = NULL;
  CHECKF(nq_convert_arrays(m, data, n, &o, &q, &err) == NQ_OK, "convert: %s", err.msg);
  return q;
}

/* Run a float-I/O model on one sample; copies `n` outputs into out. */
static void run(const nq_model *m, const float *x, size_t nx, float *out, size_t n) {
  nq_error err = {0};
  nq_session_options so = {.num_threads = 1, .single_rounding = 1};
  nq_session *s = NULL;
  CHECKF(nq_session_create(m, &so, &s, &err) == NQ_OK, "int8 model does not run: %s", err.msg);
  if (!s) return;
  const void *d;
  size_t nb;
  CHECK(nq_session_set_input(s, 0, x, nx * sizeof(float), &err) == NQ_OK);
  CHECKF(nq_session_run(s, &err) == NQ_OK, "%s", err.msg);
  CHECK(nq_session_output(s, 0, &d, &nb, &err) == NQ_OK && nb == n * sizeof(float));
  memcpy(out, d, n * sizeof(float));
  nq_session_free(s);
}

static float *samples(int n, int c, float lo, float hi, unsigned seed) {
  nq_rng r = {seed};
  float *d = malloc(sizeof(float) * (size_t)n * 16 * (size_t)c);
  for (int i = 0; i < n * 16 * c; i++) d[i] = nq_rng_uniform(&r, lo, hi);
  return d;
}

/* x[1,4,4,3] -> DW (zero weights, bias 1e-40) -> CONV 1x1 (3 -> 2) -> y */
static void test_dead_depthwise(void) {
  nq_graph *g = nq_graph_new();
  int32_t xs[4] = {1, 4, 4, 3}, dws[4] = {1, 3, 3, 3}, b3[1] = {3}, cws[4] = {2, 1, 1, 3}, b2[1] = {2};
  float dw[27] = {0}, dwb[3] = {1e-40f, 1e-40f, 0}, cw[6] = {0.5f, -1, 0.25f, 1, 0.75f, -0.5f},
        cb[2] = {0.1f, -0.2f};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, xs, &(nq_error){0});
  int d = act(g, "dead_dw"), y = act(g, "y");
  conv(g, NQ_OP_DEPTHWISE_CONV_2D, "dead_dw", x, konst(g, "dw_w", 4, dws, dw), konst(g, "dw_b", 1, b3, dwb),
       d);
  conv(g, NQ_OP_CONV_2D, "after", d, konst(g, "c_w", 4, cws, cw), konst(g, "c_b", 1, b2, cb), y);
  nq_model *m = finish(g, x, y);
  float *data = samples(4, 3, -1, 1, 7);
  warnings w = {{0}, 0};
  nq_model *q = convert(m, data, 4, &w);
  CHECKF(strstr(w.text, "3 weight channels in 1 layer (first DEPTHWISE_CONV_2D 'dead_dw') are all zero"),
         "%s", w.text);
  CHECKF(strstr(w.text, "'dead_dw': output range") && strstr(w.text, "degenerate"), "%s", w.text);
  if (q) {
    float out[32];
    run(q, data, 48, out, 32);
    /* y = bias (the dead layer gives ~0): 0.1 and -0.2, within an output step */
    for (int i = 0; i < 32; i++) CHECKF(fabsf(out[i] - cb[i % 2]) < 0.01f, "y[%d] = %g", i, out[i]);
  }
  fprintf(stderr, "dead depthwise: %d warnings:\n%s", w.n, w.text);
  free(data);
  nq_model_free(q);
  nq_model_free(m);
}

/* x[1,4,4,2] -> CONV 1x1 (2 -> 3): channels 1 and 2 have all-zero weights (biases 0.3 and
 * 0.0123); then a layer whose output is constant. */
static void test_zero_channel_and_constant(void) {
  nq_graph *g = nq_graph_new();
  int32_t xs[4] = {1, 4, 4, 2}, cws[4] = {3, 1, 1, 2}, b3[1] = {3};
  float cw[6] = {1, -1, 0, 0, 0, 0}, cb[3] = {0, 0.3f, 0.0123f};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, xs, &(nq_error){0});
  int y = act(g, "y");
  conv(g, NQ_OP_CONV_2D, "partly_pruned", x, konst(g, "w", 4, cws, cw), konst(g, "b", 1, b3, cb), y);
  nq_model *m = finish(g, x, y);
  float *data = samples(4, 2, -4, 4, 11);
  warnings w = {{0}, 0};
  nq_model *q = convert(m, data, 4, &w);
  CHECKF(strstr(w.text, "2 weight channels in 1 layer (first CONV_2D 'partly_pruned') are all zero"), "%s",
         w.text);
  if (q) {
    const nq_tensor *yt = NULL;
    for (int t = 0; t < q->graph->n_tensors; t++)
      if (q->graph->tensors[t].type == NQ_INT8 && !q->graph->tensors[t].data &&
          q->graph->tensors[t].rank == 4 && q->graph->tensors[t].shape[3] == 3)
        yt = &q->graph->tensors[t];
    CHECK(yt && yt->q.n == 1);
    float step = yt ? yt->q.scale[0] : 1.0f;
    float out[48];
    run(q, data, 32, out, 48);
    for (int i = 0; i < 16; i++) {
      CHECKF(fabsf(out[3 * i + 1] - 0.3f) <= 0.5f * step + 1e-6f, "pruned channel: %g, bias 0.3, step %g",
             out[3 * i + 1], step);
      CHECKF(fabsf(out[3 * i + 2] - 0.0123f) <= 0.5f * step + 1e-6f,
             "pruned channel: %g, bias 0.0123, step %g", out[3 * i + 2], step);
    }
  }
  free(data);
  nq_model_free(q);
  nq_model_free(m);

  /* A constant activation: CONV with all-zero weights and bias 2 -> constant 2. */
  g = nq_graph_new();
  int32_t c1[4] = {1, 1, 1, 2}, b1[1] = {1};
  float zw[2] = {0, 0}, two[1] = {2};
  x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, xs, &(nq_error){0});
  y = act(g, "y");
  conv(g, NQ_OP_CONV_2D, "constant", x, konst(g, "w", 4, c1, zw), konst(g, "b", 1, b1, two), y);
  m = finish(g, x, y);
  data = samples(2, 2, -1, 1, 3);
  memset(&w, 0, sizeof w);
  q = convert(m, data, 2, &w);
  CHECKF(strstr(w.text, "CONV_2D 'constant': output is constant (2)"), "%s", w.text);
  if (q) {
    float out[16];
    run(q, data, 32, out, 16);
    for (int i = 0; i < 16; i++)
      CHECKF(fabsf(out[i] - 2.0f) < 1e-6f, "constant output %g, 2 expected", out[i]);
  }
  free(data);
  nq_model_free(q);
  nq_model_free(m);
}

/* x[1,4,4,2] (channel 1 always 0) -> CONV 1x1 (2 -> 2) with weight 1e12 on input channel 1. */
static void test_weight_outlier(void) {
  nq_graph *g = nq_graph_new();
  int32_t xs[4] = {1, 4, 4, 2}, cws[4] = {2, 1, 1, 2}, b2[1] = {2};
  float cw[4] = {0.5f, 1e12f, -0.25f, 0.0f}, cb[2] = {0, 0};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, xs, &(nq_error){0});
  int y = act(g, "y");
  conv(g, NQ_OP_CONV_2D, "outlier", x, konst(g, "w", 4, cws, cw), konst(g, "b", 1, b2, cb), y);
  nq_model *m = finish(g, x, y);
  float *data = samples(4, 2, -1, 1, 5);
  for (int i = 0; i < 4 * 16; i++) data[2 * i + 1] = 0.0f;
  warnings w = {{0}, 0};
  nq_model *q = convert(m, data, 4, &w);
  CHECKF(strstr(w.text, "CONV_2D 'outlier': output range widened"), "%s", w.text);
  if (q) {
    float out[32];
    run(q, data, 32, out, 32); /* runs: the multiplier is representable */
  }
  free(data);
  nq_model_free(q);
  nq_model_free(m);
}

/* Input samples with +-3e38: the input's max - min overflows float. */
static void test_huge_input(void) {
  nq_graph *g = nq_graph_new();
  int32_t xs[4] = {1, 4, 4, 1}, cws[4] = {1, 1, 1, 1}, b1[1] = {1};
  float cw[1] = {1e-3f}, cb[1] = {0};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 4, xs, &(nq_error){0});
  int y = act(g, "y");
  conv(g, NQ_OP_CONV_2D, "after_outliers", x, konst(g, "w", 4, cws, cw), konst(g, "b", 1, b1, cb), y);
  nq_model *m = finish(g, x, y);
  float *data = samples(2, 1, -1, 1, 9);
  data[3] = 3e38f;
  data[20] = -3e38f;
  warnings w = {{0}, 0};
  nq_model *q = convert(m, data, 2, &w);
  CHECKF(strstr(w.text, "tensor 'x': output range") && strstr(w.text, "overflows float"), "%s", w.text);
  if (q) {
    float out[16];
    run(q, data + 16, 16, out, 16);
    for (int i = 0; i < 16; i++) CHECK(isfinite(out[i]));
  }
  free(data);
  nq_model_free(q);
  nq_model_free(m);
}

int main(void) {
  test_dead_depthwise();
  test_zero_channel_and_constant();
  test_weight_outlier();
  test_huge_input();
  return nq_test_finish("test_degenerate");
}
