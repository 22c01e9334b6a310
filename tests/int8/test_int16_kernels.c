/*
 * The int16x8 (16x8) side of the integer executor, on cases computed by hand:
 *  - TFLite's int64 MultiplyByQuantizedMultiplier (nq_mbqm_i64) at its edges:
 *    the 16-bit reduced multiplier, ties (towards +infinity), the largest and
 *    smallest shifts, the input clamp to +-2^47 and the int32 saturation;
 *  - a 16x8 CONV_2D with an int64 bias whose outputs are ties, in both
 *    rounding modes (they must agree: LiteRT runs TFLite's one int64 form);
 *  - sessions: 16x8 CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, PAD, the
 *    elementwise ops and LOGISTIC / TANH run the fast 16x8 kernels when the
 *    fast kernels are on, every other 16x8 node the reference (the 8-bit
 *    fast kernels never see int16), and an op without a TFLite int16 kernel
 *    (HARD_SWISH) or a power-of-two-scale int16 LOGISTIC is refused with a
 *    message naming the node.
 */
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "exec/requant.h"
#include "ir/graph.h"
#include "ir/shape.h"
#include "testutil.h"

static void mbqm_i64_edges(void) {
  /* m = 0.5: mult 2^30, shift 0 -> reduced (2^30 + 2^15) >> 16 = 16384,
   * total shift 15: (x * 16384 + 2^14) >> 15. */
  const nq_qmul half = {1 << 30, 0};
  CHECK(nq_mbqm_i64(3, half) == 2);   /* 1.5 -> 2 */
  CHECK(nq_mbqm_i64(-3, half) == -1); /* -1.5 -> -1: ties towards +inf */
  CHECK(nq_mbqm_i64(-5, half) == -2); /* -2.5 -> -2 */
  CHECK(nq_mbqm_i64(4, half) == 2);
  /* mult 2^31 - 1 and 0x7FFF0000 both reduce to 0x7FFF; 0x7FFEFFFF rounds
   * up to it too; 0x7FFE7FFF rounds down to 0x7FFE. shift 0: x * r / 2^15. */
  CHECK(nq_mbqm_i64(1 << 15, (nq_qmul){INT32_MAX, 0}) == 0x7FFF);
  CHECK(nq_mbqm_i64(1 << 15, (nq_qmul){0x7FFF0000, 0}) == 0x7FFF);
  CHECK(nq_mbqm_i64(1 << 15, (nq_qmul){0x7FFEFFFF, 0}) == 0x7FFF);
  CHECK(nq_mbqm_i64(1 << 15, (nq_qmul){0x7FFE7FFF, 0}) == 0x7FFE);
  /* shift 7 (TFLite's largest): total shift 8; 0.5 * 2^7 = 64 per unit. */
  CHECK(nq_mbqm_i64(1000, (nq_qmul){1 << 30, 7}) == 64000);
  /* shift -31 (smallest): total 46; 2^46 * 0.5 * 2^-31 = 2^14. */
  CHECK(nq_mbqm_i64((int64_t)1 << 46, (nq_qmul){1 << 30, -31}) == (1 << 14));
  /* Below -31 every bit is shifted out; mult 0 is m == 0. */
  CHECK(nq_mbqm_i64((int64_t)1 << 46, (nq_qmul){1 << 30, -32}) == 0);
  CHECK(nq_mbqm_i64(12345, (nq_qmul){0, 0}) == 0);
  /* x beyond +-2^47 is clamped there: (2^47 - 1) * 16384 / 2^15 -> 2^46. */
  CHECK(nq_mbqm_i64((int64_t)1 << 60, (nq_qmul){1 << 30, -1}) ==
        nq_mbqm_i64(((int64_t)1 << 47) - 1, (nq_qmul){1 << 30, -1}));
  CHECK(nq_mbqm_i64(-((int64_t)1 << 60), (nq_qmul){1 << 30, -31}) == -(1 << 15));
  /* Results beyond int32 saturate. */
  CHECK(nq_mbqm_i64((int64_t)1 << 40, half) == INT32_MAX);
  CHECK(nq_mbqm_i64(-((int64_t)1 << 40), half) == INT32_MIN);
  /* A shift above 7 is treated as 7 (prepare refuses such multipliers). */
  CHECK(nq_mbqm_i64(1000, (nq_qmul){1 << 30, 20}) == 64000);
}

/* A tiny graph builder over the IR API (errors are test failures). */
typedef struct gb {
  nq_graph *g;
  nq_error err;
} gb;

static int tensor(gb *b, nq_dtype t, int rank, const int32_t *shape, float s, int64_t zp) {
  char name[16];
  snprintf(name, sizeof name, "t%d", b->g->n_tensors);
  int i = nq_graph_add_tensor(b->g, name, t, rank, shape, &b->err);
  CHECKF(i >= 0, "%s", b->err.msg);
  if (i >= 0 && s > 0)
    CHECKF(nq_tensor_set_quant(b->g, i, 1, &s, &zp, 0, &b->err) == NQ_OK, "%s", b->err.msg);
  return i;
}

/* Build, wrap and open a session; NULL (with err) when the session refuses. */
static nq_session *open_session(gb *b, int n_in, const int *in, int out, int reference_only, int single,
                                nq_model **m, nq_error *err) {
  CHECKF(nq_graph_set_io(b->g, n_in, in, 1, &out, &b->err) == NQ_OK, "%s", b->err.msg);
  CHECKF(nq_graph_infer_shapes(b->g, true, &b->err) == NQ_OK, "%s", b->err.msg);
  CHECKF(nq_model_wrap(b->g, NULL, m, &b->err) == NQ_OK, "%s", b->err.msg);
  b->g = NULL;
  nq_session_options o;
  memset(&o, 0, sizeof o);
  o.reference_only = reference_only;
  o.single_rounding = single;
  nq_session *s = NULL;
  if (nq_session_create(*m, &o, &s, err) != NQ_OK) return NULL;
  return s;
}

/* CONV_2D 1x1, 2 input channels, 2 output channels, int64 bias. Input
 * scale 0.5: x = (1000, -2000); weights scale 0.25: (3, -5) and (-3, 5);
 * bias scale 0.125: 100 and -100; output scale 1.0. Accumulators 13100 and
 * -13100, times 0.5 * 0.25 = 0.125: 1637.5 -> 1638 and -1637.5 -> -1637
 * (ties towards +infinity). */
static nq_session *conv16(int reference_only, int single, nq_model **m, nq_error *err) {
  gb b = {.g = nq_graph_new()};
  int x = tensor(&b, NQ_INT16, 4, (int32_t[]){1, 1, 1, 2}, 0.5f, 0);
  int w = tensor(&b, NQ_INT8, 4, (int32_t[]){2, 1, 1, 2}, 0.25f, 0);
  int bias = tensor(&b, NQ_INT64, 1, (int32_t[]){2}, 0.125f, 0);
  int y = tensor(&b, NQ_INT16, 0, NULL, 1.0f, 0);
  const int8_t wv[4] = {3, -5, -3, 5};
  const int64_t bv[2] = {100, -100};
  CHECK(nq_tensor_copy_data(b.g, w, wv, sizeof wv, &b.err) == NQ_OK);
  CHECK(nq_tensor_copy_data(b.g, bias, bv, sizeof bv, &b.err) == NQ_OK);
  nq_op_params p = nq_op_params_default();
  p.padding = NQ_PAD_VALID;
  CHECKF(nq_graph_add_node(b.g, NQ_OP_CONV_2D, "conv16", 3, (int[]){x, w, bias}, 1, &y, &p, &b.err) >= 0,
         "%s", b.err.msg);
  return open_session(&b, 1, &x, y, reference_only, single, m, err);
}

static void conv16_ties(void) {
  for (int mode = 0; mode < 4; mode++) {
    nq_model *m = NULL;
    nq_error err = {0};
    nq_session *s = conv16(mode & 1, mode >> 1, &m, &err);
    CHECKF(s != NULL, "mode %d: %s", mode, err.msg);
    if (!s) {
      nq_model_free(m);
      continue;
    }
    const int16_t xv[2] = {1000, -2000};
    CHECKF(nq_session_set_input(s, 0, xv, sizeof xv, &err) == NQ_OK, "%s", err.msg);
    CHECKF(nq_session_profile(s, 1, &err) == NQ_OK, "%s", err.msg);
    CHECKF(nq_session_run(s, &err) == NQ_OK, "%s", err.msg);
    const void *out = NULL;
    size_t nb = 0;
    CHECKF(nq_session_output(s, 0, &out, &nb, &err) == NQ_OK && nb == 4, "%s (%zu bytes)", err.msg, nb);
    if (out && nb == 4) {
      const int16_t *o = out;
      CHECKF(o[0] == 1638 && o[1] == -1637, "mode %d: got %d %d, want 1638 -1637", mode, o[0], o[1]);
    }
    /* A 16x8 CONV_2D has a fast kernel (conv_s16_fast.c). */
    nq_node_time t;
    const char *want = mode & 1 ? "int8" : "int8-fast";
    CHECKF(nq_session_node_time(s, 0, &t, &err) == NQ_OK && t.kernel && !strcmp(t.kernel, want),
           "mode %d: kernel %s, %s expected", mode, t.kernel ? t.kernel : "(none)", want);
    nq_session_free(s);
    nq_model_free(m);
  }
}

/* One unary int16 op; returns the session error message (empty when the
 * session opened). */
static void unary16(nq_op op, float s_in, float s_out, const char *name, char *msg, size_t cap) {
  gb b = {.g = nq_graph_new()};
  int x = tensor(&b, NQ_INT16, 2, (int32_t[]){2, 3}, s_in, 0);
  int y = tensor(&b, NQ_INT16, 0, NULL, s_out, 0);
  nq_op_params p = nq_op_params_default();
  CHECKF(nq_graph_add_node(b.g, op, name, 1, &x, 1, &y, &p, &b.err) >= 0, "%s", b.err.msg);
  nq_model *m = NULL;
  nq_error err = {0};
  nq_session *s = open_session(&b, 1, &x, y, 0, 0, &m, &err);
  snprintf(msg, cap, "%s", s ? "" : err.msg);
  nq_session_free(s);
  nq_model_free(m);
}

/* Every op of the fast table (int8_fast_table.c) on int16 activations:
 * the session opens, runs, and reports the fast 16x8 kernel for the
 * weighted ops, PAD, the elementwise ops and LOGISTIC / TANH
 * (nq_int16_kernels_fast), the reference for the others. */
static void fast_table_skips_int16(void) {
  const nq_op ops[] = {NQ_OP_CONV_2D,
                       NQ_OP_FULLY_CONNECTED,
                       NQ_OP_DEPTHWISE_CONV_2D,
                       NQ_OP_ADD,
                       NQ_OP_SUB,
                       NQ_OP_MUL,
                       NQ_OP_MAXIMUM,
                       NQ_OP_MINIMUM,
                       NQ_OP_RELU,
                       NQ_OP_RELU6,
                       NQ_OP_LOGISTIC,
                       NQ_OP_TANH,
                       NQ_OP_MAX_POOL_2D,
                       NQ_OP_MEAN,
                       NQ_OP_CONCATENATION,
                       NQ_OP_TRANSPOSE,
                       NQ_OP_SLICE,
                       NQ_OP_STRIDED_SLICE,
                       NQ_OP_PAD};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    const nq_op op = ops[k];
    gb b = {.g = nq_graph_new()};
    const bool act_fixed = op == NQ_OP_LOGISTIC || op == NQ_OP_TANH;
    int x = tensor(&b, NQ_INT16, 4, (int32_t[]){1, 4, 4, 2}, 0.001f, 0);
    int y = tensor(&b, NQ_INT16, 0, NULL, act_fixed ? 1.0f / 32768.0f : 0.001f, 0);
    int in[4] = {x, -1, -1, -1}, n_in = 1;
    nq_op_params p = nq_op_params_default();
    p.padding = NQ_PAD_VALID;
    if (op == NQ_OP_CONV_2D || op == NQ_OP_DEPTHWISE_CONV_2D || op == NQ_OP_FULLY_CONNECTED) {
      const bool fc = op == NQ_OP_FULLY_CONNECTED;
      int w =
          fc ? tensor(&b, NQ_INT8, 2, (int32_t[]){3, 2}, 0.01f, 0)
             : tensor(&b, NQ_INT8, 4,
                      (int32_t[]){op == NQ_OP_CONV_2D ? 3 : 1, 1, 1, op == NQ_OP_CONV_2D ? 2 : 2}, 0.01f, 0);
      const int8_t wv[6] = {1, -2, 3, -4, 5, -6};
      CHECK(nq_tensor_copy_data(b.g, w, wv, fc || op == NQ_OP_CONV_2D ? 6 : 2, &b.err) == NQ_OK);
      in[1] = w;
      in[2] = -1;
      n_in = 3;
      if (op == NQ_OP_DEPTHWISE_CONV_2D) p.depth_multiplier = 1;
    } else if (op == NQ_OP_ADD || op == NQ_OP_SUB || op == NQ_OP_MUL || op == NQ_OP_MAXIMUM ||
               op == NQ_OP_MINIMUM || op == NQ_OP_CONCATENATION) {
      in[1] = tensor(&b, NQ_INT16, 4, (int32_t[]){1, 4, 4, 2}, 0.001f, 0);
      n_in = 2;
      p.axis = 3;
    } else if (op == NQ_OP_MAX_POOL_2D) {
      p.filter_h = p.filter_w = p.stride_h = p.stride_w = 2;
    } else if (op == NQ_OP_MEAN || op == NQ_OP_TRANSPOSE || op == NQ_OP_SLICE || op == NQ_OP_STRIDED_SLICE ||
               op == NQ_OP_PAD) {
      static const int32_t axes[2] = {1, 2}, perm[4] = {0, 2, 1, 3}, begin[4] = {0, 1, 1, 0},
                           size[4] = {1, 2, 2, 2}, end[4] = {1, 3, 3, 2}, stride[4] = {1, 1, 1, 1},
                           pads[8] = {0, 0, 1, 1, 0, 1, 0, 0};
      const int32_t *v = op == NQ_OP_MEAN        ? axes
                         : op == NQ_OP_TRANSPOSE ? perm
                         : op == NQ_OP_PAD       ? pads
                                                 : begin;
      const int32_t shape[2] = {op == NQ_OP_MEAN ? 2 : 4, 2};
      int c = tensor(&b, NQ_INT32, op == NQ_OP_PAD ? 2 : 1, shape, 0, 0);
      CHECK(nq_tensor_copy_data(b.g, c, v,
                                (op == NQ_OP_MEAN  ? 2
                                 : op == NQ_OP_PAD ? 8
                                                   : 4) *
                                    4,
                                &b.err) == NQ_OK);
      in[1] = c;
      n_in = 2;
      if (op == NQ_OP_SLICE || op == NQ_OP_STRIDED_SLICE) {
        in[2] = tensor(&b, NQ_INT32, 1, (int32_t[]){4}, 0, 0);
        CHECK(nq_tensor_copy_data(b.g, in[2], op == NQ_OP_SLICE ? size : end, 16, &b.err) == NQ_OK);
        n_in = 3;
        if (op == NQ_OP_STRIDED_SLICE) {
          in[3] = tensor(&b, NQ_INT32, 1, (int32_t[]){4}, 0, 0);
          CHECK(nq_tensor_copy_data(b.g, in[3], stride, 16, &b.err) == NQ_OK);
          n_in = 4;
        }
      }
      p.keep_dims = true;
    }
    CHECKF(nq_graph_add_node(b.g, op, "n16", n_in, in, 1, &y, &p, &b.err) >= 0, "%s: %s", nq_op_name(op),
           b.err.msg);
    nq_model *m = NULL;
    nq_error err = {0};
    const bool two = n_in == 2 && b.g->tensors[in[1]].type == NQ_INT16;
    nq_session *s = open_session(&b, two ? 2 : 1, in, y, 0, 1, &m, &err);
    CHECKF(s != NULL, "%s on int16: %s", nq_op_name(op), err.msg);
    if (s) {
      int16_t xv[32];
      for (int i = 0; i < 32; i++) xv[i] = (int16_t)(i * 997 - 15000);
      CHECKF(nq_session_set_input(s, 0, xv, sizeof xv, &err) == NQ_OK, "%s", err.msg);
      if (two) CHECKF(nq_session_set_input(s, 1, xv, sizeof xv, &err) == NQ_OK, "%s", err.msg);
      CHECKF(nq_session_profile(s, 1, &err) == NQ_OK, "%s", err.msg);
      CHECKF(nq_session_run(s, &err) == NQ_OK, "%s: %s", nq_op_name(op), err.msg);
      nq_node_time t;
      const bool fast16 = op == NQ_OP_CONV_2D || op == NQ_OP_DEPTHWISE_CONV_2D ||
                          op == NQ_OP_FULLY_CONNECTED || op == NQ_OP_PAD || op == NQ_OP_ADD ||
                          op == NQ_OP_SUB || op == NQ_OP_MUL || op == NQ_OP_MAXIMUM || op == NQ_OP_MINIMUM ||
                          op == NQ_OP_LOGISTIC || op == NQ_OP_TANH;
      const char *want = fast16 ? "int8-fast" : "int8";
      CHECKF(nq_session_node_time(s, 0, &t, &err) == NQ_OK && t.kernel && !strcmp(t.kernel, want),
             "%s on int16 ran kernel %s, %s expected", nq_op_name(op), t.kernel ? t.kernel : "(none)", want);
    }
    nq_session_free(s);
    nq_model_free(m);
  }
}

static void refusals(void) {
  char msg[1024];
  unary16(NQ_OP_HARD_SWISH, 0.001f, 0.001f, "hs16", msg, sizeof msg);
  CHECKF(strstr(msg, "hs16") && strstr(msg, "HARD_SWISH") && strstr(msg, "TFLite has no int16x8"),
         "HARD_SWISH on int16: '%s'", msg);
  unary16(NQ_OP_LOGISTIC, 1.0f / 4096.0f, 1.0f / 32768.0f, "sig_pot", msg, sizeof msg);
  CHECKF(strstr(msg, "sig_pot") && strstr(msg, "power of two"), "power-of-two LOGISTIC: '%s'", msg);
  unary16(NQ_OP_LOGISTIC, 0.0003f, 1.0f / 32768.0f, "sig_ok", msg, sizeof msg);
  CHECKF(msg[0] == 0, "general-scale LOGISTIC refused: '%s'", msg);
  unary16(NQ_OP_LOGISTIC, 0.0003f, 1.0f / 256.0f, "sig_out", msg, sizeof msg);
  CHECKF(strstr(msg, "sig_out") && strstr(msg, "1/32768"), "LOGISTIC output scale 1/256: '%s'", msg);
  /* The ops.def fact the quantizer reads. */
  CHECK(nq_op_has_int16x8(NQ_OP_CONV_2D) && nq_op_has_int16x8(NQ_OP_LOGISTIC));
  CHECK(!nq_op_has_int16x8(NQ_OP_HARD_SWISH) && !nq_op_has_int16x8((nq_op)NQ_OP_COUNT));
  CHECK(nq_op_runs_int16x8(NQ_OP_CONV_2D) && !nq_op_runs_int16x8(NQ_OP_HARD_SWISH));
  CHECK(nq_op_has_int16x8(NQ_OP_RSQRT) && !nq_op_runs_int16x8(NQ_OP_RSQRT));
  /* TFLite has an int16 RSQRT, npuquant does not yet: refused saying so. */
  unary16(NQ_OP_RSQRT, 0.001f, 0.01f, "rs16", msg, sizeof msg);
  CHECKF(strstr(msg, "rs16") && strstr(msg, "npuquant has no (TFLite has one)"), "int16 RSQRT: '%s'", msg);
}

int main(void) {
  mbqm_i64_edges();
  conv16_ties();
  fast_table_skips_int16();
  refusals();
  return nq_test_finish("test_int16_kernels");
}
