/*
 * Builds one small float model per op case in the IR, saves it as
 * <name>_f32.tflite, quantizes it with the library (nq_convert_arrays over
 * seeded uniform random calibration samples) and saves <name>_i8.tflite.
 * test_int8_ops.py then runs both through LiteRT and the int8 one through
 * our executor.
 *
 *   make_quant_op_models OUTDIR
 *
 * Prints one line per case: "<name> <lo0> <hi0> [<lo1> <hi1>]", the range
 * each model input was calibrated on (the test draws its inputs from the
 * same ranges). Exit 1 when any case fails to build or convert.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "ir/shape.h"
#include "npuquant.h"
#include "testutil.h"

#define N_CALIB 48

static const char *g_dir;
static int g_failures;
static nq_rng g_rng = {20261126};

typedef struct op_case {
  const char *name;
  nq_op op;
  int rank;
  int32_t shape[4];
  float lo, hi; /* input 0 range */
  int second;   /* 0: unary; 1: a second model input; 2: a float constant operand;
                   3: an int32 axes constant (values in shape1) */
  int rank1;
  int32_t shape1[4];
  float lo1, hi1;   /* range of the second input / constant */
  bool approximate; /* GELU */
  nq_op then;       /* a second op on the first one's output, or NQ_OP_COUNT */
} op_case;

static const op_case CASES[] = {
    {"log_softmax", NQ_OP_LOG_SOFTMAX, 3, {1, 4, 10}, -6.0f, 6.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"log_softmax_wide", NQ_OP_LOG_SOFTMAX, 2, {3, 40}, -20.0f, 4.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"log_softmax_narrow", NQ_OP_LOG_SOFTMAX, 2, {16, 16}, -0.5f, 0.5f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    /* Input scale 0.25: TFLite's difference bound (diff_min) is 15.5 here,
     * inside the output range, so some outputs are its -128 cut-off. */
    {"log_softmax_coarse",
     NQ_OP_LOG_SOFTMAX,
     3,
     {1, 6, 24},
     -31.0f,
     32.75f,
     0,
     0,
     {0},
     0,
     0,
     false,
     NQ_OP_COUNT},
    {"log_softmax_rows",
     NQ_OP_LOG_SOFTMAX,
     4,
     {2, 4, 8, 5},
     -10.0f,
     10.0f,
     0,
     0,
     {0},
     0,
     0,
     false,
     NQ_OP_COUNT},
    {"squared_difference",
     NQ_OP_SQUARED_DIFFERENCE,
     4,
     {1, 6, 6, 3},
     -2.0f,
     2.0f,
     1,
     4,
     {1, 6, 6, 3},
     -1.0f,
     3.0f,
     false,
     NQ_OP_COUNT},
    {"squared_difference_bcast",
     NQ_OP_SQUARED_DIFFERENCE,
     4,
     {1, 5, 5, 4},
     -3.0f,
     3.0f,
     2,
     1,
     {4},
     -1.0f,
     1.0f,
     false,
     NQ_OP_COUNT},
    {"rsqrt", NQ_OP_RSQRT, 2, {4, 64}, 0.05f, 4.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"sqrt", NQ_OP_SQRT, 2, {4, 64}, 0.0f, 9.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"log", NQ_OP_LOG, 2, {4, 64}, 0.05f, 10.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"exp", NQ_OP_EXP, 2, {4, 64}, -4.0f, 2.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"abs", NQ_OP_ABS, 2, {4, 64}, -3.0f, 2.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"elu", NQ_OP_ELU, 2, {4, 64}, -4.0f, 3.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"gelu", NQ_OP_GELU, 2, {4, 64}, -4.0f, 4.0f, 0, 0, {0}, 0, 0, false, NQ_OP_COUNT},
    {"gelu_approximate", NQ_OP_GELU, 2, {4, 64}, -4.0f, 4.0f, 0, 0, {0}, 0, 0, true, NQ_OP_COUNT},
    /* REDUCE_PROD: shape1 holds the axes (second == 3: an int32 axis constant). */
    {"reduce_prod_last", NQ_OP_REDUCE_PROD, 2, {4, 6}, 0.5f, 1.5f, 3, 1, {1}, 0, 0, false, NQ_OP_COUNT},
    {"reduce_prod_signed", NQ_OP_REDUCE_PROD, 3, {3, 5, 4}, -1.3f, 1.3f, 3, 1, {1}, 0, 0, false, NQ_OP_COUNT},
    {"reduce_prod_two_axes",
     NQ_OP_REDUCE_PROD,
     3,
     {2, 3, 4},
     0.7f,
     1.3f,
     3,
     2,
     {0, 2},
     0,
     0,
     false,
     NQ_OP_COUNT},
    /* The variance-normalisation pattern: (x - c)^2 then 1/sqrt, with x
     * kept away from c (as an epsilon would) so 1/sqrt stays bounded. */
    {"squared_difference_rsqrt",
     NQ_OP_SQUARED_DIFFERENCE,
     4,
     {1, 4, 4, 8},
     1.0f,
     3.0f,
     2,
     1,
     {8},
     -0.5f,
     0.5f,
     false,
     NQ_OP_RSQRT},
};

static int add_tensor(nq_graph *g, const char *name, int rank, const int32_t *shape, nq_error *err) {
  return nq_graph_add_tensor(g, name, NQ_FLOAT32, rank, shape, err);
}

/* The float graph of case c, or NULL (err filled). */
static nq_graph *build(const op_case *c, nq_error *err) {
  nq_graph *g = nq_graph_new();
  if (!g) return NULL;
  int ins[2], n_in = 1, op_in[2];
  const int32_t none[1] = {0};
  ins[0] = add_tensor(g, "x", c->rank, c->shape, err);
  op_in[0] = ins[0];
  if (c->second == 3) { /* axes: the values of shape1, rank1 of them */
    const int32_t n_axes = c->rank1;
    int t = nq_graph_add_tensor(g, "axes", NQ_INT32, 1, &n_axes, err);
    op_in[1] = t;
    if (t < 0 || nq_tensor_copy_data(g, t, c->shape1, sizeof(int32_t) * (size_t)n_axes, err) != NQ_OK)
      goto fail;
  } else if (c->second) {
    int t = add_tensor(g, c->second == 1 ? "y" : "c", c->rank1, c->shape1, err);
    op_in[1] = t;
    if (c->second == 1) {
      ins[n_in++] = t;
    } else {
      size_t n = nq_tensor_elems(&g->tensors[t]);
      float v[64];
      for (size_t i = 0; i < n && i < 64; i++) v[i] = nq_rng_uniform(&g_rng, c->lo1, c->hi1);
      if (nq_tensor_copy_data(g, t, v, n * sizeof(float), err) != NQ_OK) goto fail;
    }
  }
  nq_op_params p = nq_op_params_default();
  p.approximate = c->approximate;
  int y = add_tensor(g, "out0", 0, none, err);
  if (nq_graph_add_node(g, c->op, nq_op_name(c->op), c->second ? 2 : 1, op_in, 1, &y, &p, err) < 0) goto fail;
  if (c->then != NQ_OP_COUNT) {
    int z = add_tensor(g, "out1", 0, none, err);
    nq_op_params p2 = nq_op_params_default();
    if (nq_graph_add_node(g, c->then, nq_op_name(c->then), 1, &y, 1, &z, &p2, err) < 0) goto fail;
    y = z;
  }
  if (nq_graph_set_io(g, n_in, ins, 1, &y, err) != NQ_OK) goto fail;
  if (nq_graph_infer_shapes(g, true, err) != NQ_OK) goto fail;
  return g;
fail:
  nq_graph_free(g);
  return NULL;
}

static size_t elems(int rank, const int32_t *shape) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)shape[i];
  return n;
}

static void run_case(const op_case *c) {
  nq_error err;
  nq_model *fm = NULL, *qm = NULL;
  float *calib = NULL;
  char path[1024];
  nq_graph *g = build(c, &err);
  nq_status s = g ? nq_model_wrap(g, NULL, &fm, &err) : NQ_ERR_INTERNAL;
  if (s == NQ_OK) {
    snprintf(path, sizeof path, "%s/%s_f32.tflite", g_dir, c->name);
    s = nq_model_save_tflite(fm, path, &err);
  }
  const size_t n0 = elems(c->rank, c->shape);
  const size_t n1 = c->second == 1 ? elems(c->rank1, c->shape1) : 0;
  if (s == NQ_OK) {
    calib = malloc((n0 + n1) * N_CALIB * sizeof(float));
    if (!calib) s = NQ_ERR_NOMEM;
  }
  if (s == NQ_OK) {
    float *d = calib;
    for (int k = 0; k < N_CALIB; k++) {
      for (size_t i = 0; i < n0; i++) *d++ = nq_rng_uniform(&g_rng, c->lo, c->hi);
      for (size_t i = 0; i < n1; i++) *d++ = nq_rng_uniform(&g_rng, c->lo1, c->hi1);
    }
    nq_convert_options o;
    nq_convert_options_init(&o);
    o.num_threads = 1;
    s = nq_convert_arrays(fm, calib, N_CALIB, &o, &qm, &err);
  }
  if (s == NQ_OK) {
    snprintf(path, sizeof path, "%s/%s_i8.tflite", g_dir, c->name);
    s = nq_model_save_tflite(qm, path, &err);
  }
  if (s != NQ_OK) {
    fprintf(stderr, "make_quant_op_models: %s: %s\n", c->name, g ? err.msg : "graph build failed");
    g_failures++;
  } else if (c->second == 1) {
    printf("%s %.9g %.9g %.9g %.9g\n", c->name, (double)c->lo, (double)c->hi, (double)c->lo1, (double)c->hi1);
  } else {
    printf("%s %.9g %.9g\n", c->name, (double)c->lo, (double)c->hi);
  }
  free(calib);
  nq_model_free(qm);
  nq_model_free(fm);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_quant_op_models OUTDIR\n");
    return 2;
  }
  g_dir = argv[1];
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) run_case(&CASES[i]);
  return g_failures ? 1 : 0;
}
