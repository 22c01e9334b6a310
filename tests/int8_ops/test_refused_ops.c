/*
 * Ops that TFLite cannot run in int8 must stop the conversion with an error
 * that names the node and the op (and mentions the float fallback), and
 * with allow_float_fallback the op must stay float between a DEQUANTIZE
 * and a QUANTIZE. DIV is uint8-only in TFLite; POW takes float/int32 only.
 * LiteRT runs int8 NEG and SQUARE as raw integer arithmetic that ignores
 * scale and zero point (checked by hand: NEG(-128) = -128), so convert
 * computes them as a MUL (quant/int8_rewrite.h): checked here to give -x
 * and x*x within two output steps.
 *
 * Also checks that every op this area enabled converts to a graph whose
 * node of that op has int8 input and output (no hidden float fallback).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/model_internal.h"
#include "ir/shape.h"
#include "npuquant.h"
#include "testutil.h"

/* A float model x [, y] -> op -> out with the node called `node_name`;
 * x in [lo, hi]. */
static nq_model *one_op_model(nq_op op, int n_in, const char *node_name) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  const int32_t shape[2] = {2, 16};
  const int32_t none[1] = {0};
  int ins[2];
  ins[0] = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 2, shape, &err);
  if (n_in == 2) ins[1] = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 2, shape, &err);
  int out = nq_graph_add_tensor(g, "out", NQ_FLOAT32, 0, none, &err);
  nq_op_params p = nq_op_params_default();
  nq_model *m = NULL;
  if (nq_graph_add_node(g, op, node_name, n_in, ins, 1, &out, &p, &err) < 0 ||
      nq_graph_set_io(g, n_in, ins, 1, &out, &err) != NQ_OK ||
      nq_graph_infer_shapes(g, true, &err) != NQ_OK || nq_model_wrap(g, NULL, &m, &err) != NQ_OK) {
    fprintf(stderr, "building %s: %s\n", nq_op_name(op), err.msg);
    return NULL;
  }
  return m;
}

static nq_status convert(const nq_model *m, int n_in, float lo, float hi, int fallback, nq_model **out,
                         nq_error *err) {
  enum { N = 8, E = 32 };
  float data[N * E * 2];
  nq_rng rng = {7};
  for (int i = 0; i < N * E * n_in; i++) data[i] = nq_rng_uniform(&rng, lo, hi);
  nq_convert_options o;
  nq_convert_options_init(&o);
  o.allow_float_fallback = fallback;
  o.num_threads = 1;
  return nq_convert_arrays(m, data, N, &o, out, err);
}

/* Index of the first node whose op is `op` in the converted model, or -1. */
static int find_op(const nq_model *m, nq_op op) {
  const nq_graph *g = m->graph;
  for (int i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].op == op) return i;
  return -1;
}

static void check_refused(nq_op op, int n_in, float lo, float hi) {
  char node_name[64];
  snprintf(node_name, sizeof node_name, "my_%s_node", nq_op_name(op));
  nq_model *m = one_op_model(op, n_in, node_name);
  CHECK(m != NULL);
  if (!m) return;
  nq_error err = {0};
  nq_model *q = NULL;
  nq_status s = convert(m, n_in, lo, hi, 0, &q, &err);
  CHECKF(s == NQ_ERR_UNSUPPORTED, "%s: status %d", nq_op_name(op), (int)s);
  CHECKF(strstr(err.msg, node_name) != NULL, "%s: message does not name the node: %s", nq_op_name(op),
         err.msg);
  CHECKF(strstr(err.msg, nq_op_name(op)) != NULL, "%s: message does not name the op: %s", nq_op_name(op),
         err.msg);
  CHECKF(strstr(err.msg, "allow-float-fallback") != NULL, "%s: no hint: %s", nq_op_name(op), err.msg);
  nq_model_free(q);
  q = NULL;
  /* With the fallback the op stays float32, fed by DEQUANTIZE. */
  s = convert(m, n_in, lo, hi, 1, &q, &err);
  CHECKF(s == NQ_OK, "%s with fallback: %s", nq_op_name(op), err.msg);
  if (s == NQ_OK) {
    const nq_graph *g = q->graph;
    int i = find_op(q, op);
    CHECK(i >= 0);
    if (i >= 0) {
      CHECK(g->tensors[g->nodes[i].out[0]].type == NQ_FLOAT32);
      CHECK(find_op(q, NQ_OP_DEQUANTIZE) >= 0);
    }
  }
  nq_model_free(q);
  nq_model_free(m);
}

static void check_enabled(nq_op op, int n_in, float lo, float hi) {
  nq_model *m = one_op_model(op, n_in, "enabled");
  CHECK(m != NULL);
  if (!m) return;
  nq_error err = {0};
  nq_model *q = NULL;
  nq_status s = convert(m, n_in, lo, hi, 0, &q, &err);
  CHECKF(s == NQ_OK, "%s: %s", nq_op_name(op), err.msg);
  if (s == NQ_OK) {
    const nq_graph *g = q->graph;
    int i = find_op(q, op);
    CHECKF(i >= 0, "%s: op missing after conversion", nq_op_name(op));
    if (i >= 0) {
      CHECKF(g->tensors[g->nodes[i].in[0]].type == NQ_INT8, "%s: input not int8", nq_op_name(op));
      CHECKF(g->tensors[g->nodes[i].out[0]].type == NQ_INT8, "%s: output not int8", nq_op_name(op));
    }
    CHECKF(find_op(q, NQ_OP_DEQUANTIZE) < 0, "%s: a DEQUANTIZE was inserted", nq_op_name(op));
  }
  nq_model_free(q);
  nq_model_free(m);
}

/* NEG / SQUARE become an int8 MUL whose dequantized output is -x / x*x. */
static void check_rewritten(nq_op op) {
  nq_model *m = one_op_model(op, 1, "rewritten");
  CHECK(m != NULL);
  if (!m) return;
  nq_error err = {0};
  nq_model *q = NULL;
  nq_session *s = NULL;
  CHECKF(convert(m, 1, -1.0f, 1.0f, 0, &q, &err) == NQ_OK, "%s: %s", nq_op_name(op), err.msg);
  if (q) {
    const nq_graph *g = q->graph;
    CHECKF(find_op(q, op) < 0, "%s is still in the int8 model", nq_op_name(op));
    int i = find_op(q, NQ_OP_MUL);
    CHECKF(i >= 0 && g->tensors[g->nodes[i].out[0]].type == NQ_INT8, "%s: no int8 MUL", nq_op_name(op));
    CHECK(find_op(q, NQ_OP_DEQUANTIZE) < 0);
    const nq_tensor *ti = &g->tensors[g->inputs[0]], *to = &g->tensors[g->outputs[0]];
    CHECK(ti->type == NQ_INT8 && to->type == NQ_INT8 && ti->q.n == 1 && to->q.n == 1);
    if (ti->type == NQ_INT8 && to->type == NQ_INT8 && ti->q.n == 1 && to->q.n == 1 &&
        nq_session_create(q, NULL, &s, &err) == NQ_OK) {
      int8_t in[32];
      float x[32];
      for (int k = 0; k < 32; k++) {
        in[k] = (int8_t)(-128 + 8 * k);
        x[k] = (float)(in[k] - ti->q.zero_point[0]) * ti->q.scale[0];
      }
      const void *out = NULL;
      size_t nbytes = 0;
      CHECK(nq_session_set_input(s, 0, in, sizeof in, &err) == NQ_OK && nq_session_run(s, &err) == NQ_OK &&
            nq_session_output(s, 0, &out, &nbytes, &err) == NQ_OK && nbytes == sizeof in);
      for (int k = 0; k < 32 && nbytes == sizeof in; k++) {
        float want = op == NQ_OP_NEG ? -x[k] : x[k] * x[k];
        float got = (float)(((const int8_t *)out)[k] - to->q.zero_point[0]) * to->q.scale[0];
        CHECKF(fabsf(got - want) <= 2.0f * to->q.scale[0], "%s(%g) = %g, expected %g", nq_op_name(op),
               (double)x[k], (double)got, (double)want);
      }
    }
  }
  nq_session_free(s);
  nq_model_free(q);
  nq_model_free(m);
}

int main(void) {
  check_refused(NQ_OP_DIV, 2, 0.5f, 2.0f);
  check_refused(NQ_OP_POW, 2, 0.5f, 2.0f);
  check_rewritten(NQ_OP_NEG);
  check_rewritten(NQ_OP_SQUARE);

  check_enabled(NQ_OP_LOG_SOFTMAX, 1, -4.0f, 4.0f);
  check_enabled(NQ_OP_SQUARED_DIFFERENCE, 2, -1.0f, 1.0f);
  check_enabled(NQ_OP_RSQRT, 1, 0.1f, 4.0f);
  check_enabled(NQ_OP_SQRT, 1, 0.0f, 4.0f);
  check_enabled(NQ_OP_LOG, 1, 0.1f, 4.0f);
  check_enabled(NQ_OP_EXP, 1, -3.0f, 1.0f);
  check_enabled(NQ_OP_ABS, 1, -3.0f, 1.0f);
  check_enabled(NQ_OP_ELU, 1, -3.0f, 1.0f);
  check_enabled(NQ_OP_GELU, 1, -3.0f, 3.0f);
  return nq_test_finish("test_refused_ops");
}
