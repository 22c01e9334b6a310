/*
 * The int8 models of the golden vectors that the per-op model makers of
 * tests/int8 and tests/int8_ops do not write: the copy ops SQUEEZE,
 * EXPAND_DIMS and PADV2 (a constant pad value), and two small multi-op
 * networks, so the vectors also pin what happens between kernels (shared
 * scales, fused activations, a residual ADD, a softmax head). Built with
 * the IR API and npuquant's own TFLite writer; constants come from a seeded
 * RNG. Run once by tests/golden/generate.py (not a test itself).
 *
 *   make_golden_models OUT_DIR      -> OUT_DIR/<name>.tflite, names on stdout
 *
 * Exit 0 when every model was written, 1 (with a message per model on
 * stderr) otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "api/model_internal.h"
#include "ir/graph.h"
#include "ir/shape.h"
#include "testutil.h"

typedef struct builder {
  nq_graph *g;
  nq_error err;
  nq_rng rng;
  int ok;
  int n_in, in[4];
} builder;

static void start(builder *b) {
  b->g = nq_graph_new();
  b->ok = b->g != NULL;
  b->n_in = 0;
}

static int tensor(builder *b, nq_dtype t, int rank, const int32_t *shape, int n_q, const float *s,
                  const int64_t *z, int axis) {
  if (!b->ok) return -1;
  char name[32];
  snprintf(name, sizeof name, "t%d", b->g->n_tensors);
  int idx = nq_graph_add_tensor(b->g, name, t, rank, shape, &b->err);
  if (idx < 0 || (n_q > 0 && nq_tensor_set_quant(b->g, idx, n_q, s, z, axis, &b->err) != NQ_OK)) {
    b->ok = 0;
    return -1;
  }
  return idx;
}

static int input(builder *b, int rank, const int32_t *shape, float s, int64_t z) {
  int i = tensor(b, NQ_INT8, rank, shape, 1, &s, &z, 0);
  if (i >= 0) b->in[b->n_in++] = i;
  return i;
}

/* An int8 activation; its shape is filled in by inference. */
static int act(builder *b, float s, int64_t z) { return tensor(b, NQ_INT8, 0, NULL, 1, &s, &z, 0); }

static void set_data(builder *b, int t, const void *data, size_t n) {
  if (b->ok && nq_tensor_copy_data(b->g, t, data, n, &b->err) != NQ_OK) b->ok = 0;
}

/* Symmetric int8 weights, n_q scales along `axis` (n_q == 1: per tensor). */
static int weights(builder *b, int rank, const int32_t *shape, int n_q, int axis) {
  float s[64];
  int64_t z[64] = {0};
  for (int i = 0; i < n_q; i++) s[i] = nq_rng_uniform(&b->rng, 0.002f, 0.02f);
  int t = tensor(b, NQ_INT8, rank, shape, n_q, s, z, axis);
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)shape[i];
  int8_t w[4096];
  for (size_t i = 0; i < n && i < sizeof w; i++) w[i] = (int8_t)nq_rng_int(&b->rng, -127, 127);
  set_data(b, t, w, n);
  return t;
}

/* int32 bias with scale s_in * s_w per channel, as TFLite requires. */
static int bias(builder *b, int n, float s_in, int w_tensor) {
  const nq_quant *wq = &b->g->tensors[w_tensor].q;
  float s[64];
  int64_t z[64] = {0};
  int32_t v[64];
  for (int i = 0; i < n; i++) {
    s[i] = s_in * wq->scale[wq->n > 1 ? i : 0];
    v[i] = nq_rng_int(&b->rng, -3000, 3000);
  }
  int t = tensor(b, NQ_INT32, 1, (int32_t[]){n}, wq->n > 1 ? n : 1, s, z, 0);
  set_data(b, t, v, (size_t)n * 4);
  return t;
}

static int ints(builder *b, int rank, const int32_t *shape, const int32_t *v) {
  int t = tensor(b, NQ_INT32, rank, shape, 0, NULL, NULL, 0);
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)shape[i];
  set_data(b, t, v, n * 4);
  return t;
}

static void node(builder *b, nq_op op, int n_in, const int *in, int out, const nq_op_params *p) {
  if (b->ok && nq_graph_add_node(b->g, op, NULL, n_in, in, 1, &out, p, &b->err) < 0) b->ok = 0;
}

static int failures;

static void finish(builder *b, const char *dir, const char *name, int out) {
  nq_model *m = NULL;
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
  if (b->ok && nq_graph_set_io(b->g, b->n_in, b->in, 1, &out, &b->err) != NQ_OK) b->ok = 0;
  if (b->ok && nq_graph_infer_shapes(b->g, true, &b->err) != NQ_OK) b->ok = 0;
  if (b->ok) {
    nq_graph *g = b->g;
    b->g = NULL;
    if (nq_model_wrap(g, NULL, &m, &b->err) != NQ_OK || nq_model_save_tflite(m, path, &b->err) != NQ_OK)
      b->ok = 0;
  }
  if (b->ok) {
    printf("%s\n", name);
  } else {
    fprintf(stderr, "make_golden_models: %s: %s\n", name, b->err.msg);
    failures++;
  }
  nq_model_free(m);
  nq_graph_free(b->g);
  b->g = NULL;
}

#define IN(...) ((int[]){__VA_ARGS__})
#define SH(...) ((int32_t[]){__VA_ARGS__})

static void copy_ops(builder *b, const char *dir) {
  nq_op_params p = nq_op_params_default();
  start(b);
  int x = input(b, 4, SH(1, 5, 1, 6), 0.05f, -6);
  int y = act(b, 0.05f, -6);
  p.squeeze_dims[0] = 2;
  p.num_squeeze_dims = 1;
  node(b, NQ_OP_SQUEEZE, 1, IN(x), y, &p);
  finish(b, dir, "squeeze", y);

  p = nq_op_params_default();
  start(b);
  x = input(b, 3, SH(2, 5, 6), 0.05f, -6);
  int ax = ints(b, 1, SH(1), (int32_t[]){1});
  y = act(b, 0.05f, -6);
  node(b, NQ_OP_EXPAND_DIMS, 2, IN(x, ax), y, &p);
  finish(b, dir, "expand_dims", y);

  /* PADV2 with a pad value other than the zero point. */
  start(b);
  x = input(b, 4, SH(1, 4, 5, 3), 0.05f, -6);
  int pads = ints(b, 2, SH(4, 2), (int32_t[]){0, 0, 2, 1, 0, 3, 1, 0});
  int64_t zv = -6;
  float sv = 0.05f;
  int val = tensor(b, NQ_INT8, 0, NULL, 1, &sv, &zv, 0);
  set_data(b, val, (int8_t[]){57}, 1);
  y = act(b, 0.05f, -6);
  node(b, NQ_OP_PADV2, 3, IN(x, pads, val), y, &p);
  finish(b, dir, "padv2", y);
}

/* A small CNN: CONV(RELU6) -> DEPTHWISE(RELU) -> ADD (residual) -> AVERAGE_POOL
 * -> RESHAPE -> FULLY_CONNECTED -> SOFTMAX. */
static void small_cnn(builder *b, const char *dir) {
  nq_op_params p = nq_op_params_default();
  start(b);
  int x = input(b, 4, SH(1, 8, 8, 3), 0.02f, -1);
  int w1 = weights(b, 4, SH(8, 3, 3, 3), 8, 0), b1 = bias(b, 8, 0.02f, w1);
  int c1 = act(b, 6.0f / 255, -128);
  p.padding = NQ_PAD_SAME;
  p.stride_h = p.stride_w = 2;
  p.act = NQ_ACT_RELU6;
  node(b, NQ_OP_CONV_2D, 3, IN(x, w1, b1), c1, &p);
  int w2 = weights(b, 4, SH(1, 3, 3, 8), 8, 3), b2 = bias(b, 8, 6.0f / 255, w2);
  int c2 = act(b, 0.015f, -128);
  p = nq_op_params_default();
  p.padding = NQ_PAD_SAME;
  p.act = NQ_ACT_RELU;
  node(b, NQ_OP_DEPTHWISE_CONV_2D, 3, IN(c1, w2, b2), c2, &p);
  int s = act(b, 0.04f, -100);
  p = nq_op_params_default();
  node(b, NQ_OP_ADD, 2, IN(c1, c2), s, &p);
  int pool = act(b, 0.04f, -100);
  p.padding = NQ_PAD_VALID;
  p.stride_h = p.stride_w = 2;
  p.filter_h = p.filter_w = 2;
  node(b, NQ_OP_AVERAGE_POOL_2D, 1, IN(s), pool, &p);
  int shape = ints(b, 1, SH(2), (int32_t[]){1, 32});
  int flat = act(b, 0.04f, -100);
  p = nq_op_params_default();
  node(b, NQ_OP_RESHAPE, 2, IN(pool, shape), flat, &p);
  int w3 = weights(b, 2, SH(5, 32), 1, 0), b3 = bias(b, 5, 0.04f, w3);
  int logits = act(b, 0.1f, 10);
  node(b, NQ_OP_FULLY_CONNECTED, 3, IN(flat, w3, b3), logits, &p);
  int prob = act(b, 1.0f / 256, -128);
  p.beta = 1.0f;
  node(b, NQ_OP_SOFTMAX, 1, IN(logits), prob, &p);
  finish(b, dir, "net_small_cnn", prob);
}

/* An MLP with the elementwise ops between layers: FC -> LEAKY_RELU -> MUL by
 * a second input -> SUB -> FC -> LOGISTIC. */
static void small_mlp(builder *b, const char *dir) {
  nq_op_params p = nq_op_params_default();
  start(b);
  int x = input(b, 2, SH(2, 16), 0.03f, 5);
  int g = input(b, 2, SH(2, 12), 0.01f, -128);
  int w1 = weights(b, 2, SH(12, 16), 12, 0), b1 = bias(b, 12, 0.03f, w1);
  int h = act(b, 0.05f, -3);
  node(b, NQ_OP_FULLY_CONNECTED, 3, IN(x, w1, b1), h, &p);
  int l = act(b, 0.04f, -40);
  p.alpha = 0.2f;
  node(b, NQ_OP_LEAKY_RELU, 1, IN(h), l, &p);
  int m = act(b, 0.02f, -60);
  p = nq_op_params_default();
  node(b, NQ_OP_MUL, 2, IN(l, g), m, &p);
  int d = act(b, 0.05f, 0);
  node(b, NQ_OP_SUB, 2, IN(m, h), d, &p);
  int w2 = weights(b, 2, SH(4, 12), 1, 0), b2 = bias(b, 4, 0.05f, w2);
  int o = act(b, 0.08f, 1);
  node(b, NQ_OP_FULLY_CONNECTED, 3, IN(d, w2, b2), o, &p);
  int y = act(b, 1.0f / 256, -128);
  node(b, NQ_OP_LOGISTIC, 1, IN(o), y, &p);
  finish(b, dir, "net_small_mlp", y);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_golden_models OUT_DIR\n");
    return 2;
  }
  builder B = {.rng = {1616}};
  copy_ops(&B, argv[1]);
  small_cnn(&B, argv[1]);
  small_mlp(&B, argv[1]);
  return failures ? 1 : 0;
}
