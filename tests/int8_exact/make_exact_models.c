/*
 * Writes the one-op int8 models the "exact" oracle test feeds to LiteRT.js
 * and to our executor, built with the IR API and npuquant's own TFLite
 * writer, with scales and zero points given on the command line so the test
 * can sweep the parameter space.
 *
 *   make_exact_models prelu OUT.tflite S_IN ZP_IN S_ALPHA ZP_ALPHA S_OUT ZP_OUT
 *       PRELU on a [1, 256, 256] input with a constant per-channel alpha
 *       [1, 1, 256] holding every int8 value (alpha[c] = c - 128): fed with
 *       row r = r - 128, the output covers every (input, alpha) pair.
 *   make_exact_models prelu4 ...   the same with a [1, 256, 1, 256] input
 *       (the NHWC layout of MediaPipe's PRELU layers).
 *   make_exact_models mean OUT.tflite S_IN ZP_IN S_OUT ZP_OUT K
 *       MEAN over axis 2 (keep_dims off) of a [1, 1024, K] input; equal input
 *       and output parameters are the case TFLite runs without rescaling.
 *   make_exact_models mean4 OUT.tflite S_IN ZP_IN S_OUT ZP_OUT H W
 *       MEAN over axes {1, 2} with keep_dims of a [1, H, W, 256] input (the
 *       global-average-pool form TFLite gives its own integer kernel).
 *   make_exact_models mul OUT.tflite S_IN ZP_IN S_B ZP_B S_OUT ZP_OUT
 *       MUL of a [1, 256, 256] input by a constant [1, 256, 256] holding
 *       c - 128 in column c: fed with row r = r - 128, the output covers
 *       every (input, constant) pair.
 *   make_exact_models requant OUT.tflite TYPE S_IN ZP_IN S_OUT ZP_OUT
 *       QUANTIZE from TYPE (int8 or uint8) to the same type on a [1, 256]
 *       input (the test feeds every value of the type): the requantize
 *       convert writes where a CONCATENATION input or a graph output needs
 *       other parameters.
 *
 * Exit 0 when the model was written, 1 with the writer's message otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "ir/graph.h"
#include "ir/shape.h" /* nq_graph_infer_shapes */

static int add_tensor(nq_graph *g, nq_dtype t, int rank, const int32_t *shape, float s, int64_t z, bool quant,
                      nq_error *err) {
  char name[32];
  snprintf(name, sizeof name, "t%d", g->n_tensors);
  int idx = nq_graph_add_tensor(g, name, t, rank, shape, err);
  if (idx >= 0 && quant && nq_tensor_set_quant(g, idx, 1, &s, &z, 0, err) != NQ_OK) return -1;
  return idx;
}

static int save(nq_graph *g, int n_in, const int *in, int out, const char *path, nq_error *err) {
  nq_model *m = NULL;
  int ok =
      nq_graph_set_io(g, n_in, in, 1, &out, err) == NQ_OK && nq_graph_infer_shapes(g, true, err) == NQ_OK;
  if (ok) {
    ok = nq_model_wrap(g, NULL, &m, err) == NQ_OK && nq_model_save_tflite(m, path, err) == NQ_OK;
    g = NULL; /* owned by the model from here, even on failure */
  }
  nq_model_free(m);
  nq_graph_free(g);
  return ok;
}

static int make_prelu(const char *path, int rank, char **a, nq_error *err) {
  nq_graph *g = nq_graph_new();
  if (!g) return 0;
  const int32_t xs3[3] = {1, 256, 256}, xs4[4] = {1, 256, 1, 256}, as[3] = {1, 1, 256};
  int x = add_tensor(g, NQ_INT8, rank, rank == 4 ? xs4 : xs3, strtof(a[0], NULL), atoi(a[1]), true, err);
  int al = x < 0 ? -1 : add_tensor(g, NQ_INT8, 3, as, strtof(a[2], NULL), atoi(a[3]), true, err);
  int y = al < 0 ? -1 : add_tensor(g, NQ_INT8, 0, NULL, strtof(a[4], NULL), atoi(a[5]), true, err);
  int8_t alpha[256];
  for (int c = 0; c < 256; c++) alpha[c] = (int8_t)(c - 128);
  nq_op_params p = nq_op_params_default();
  if (y < 0 || nq_tensor_copy_data(g, al, alpha, sizeof alpha, err) != NQ_OK ||
      nq_graph_add_node(g, NQ_OP_PRELU, NULL, 2, (int[]){x, al}, 1, &y, &p, err) < 0) {
    nq_graph_free(g);
    return 0;
  }
  return save(g, 1, &x, y, path, err);
}

/* MEAN over the last axis of [1, 1024, K] (spatial == false) or over axes
 * {1, 2} of [1, H, W, 256] with keep_dims (the global-average-pool form). */
static int make_mean(const char *path, bool spatial, char **a, nq_error *err) {
  const int32_t h = atoi(a[4]), w = spatial ? atoi(a[5]) : 1;
  if (h < 1 || h > 4096 || w < 1 || w > 4096) {
    snprintf(err->msg, sizeof err->msg, "reduced extent %d x %d out of [1, 4096]", h, w);
    return 0;
  }
  nq_graph *g = nq_graph_new();
  if (!g) return 0;
  const int32_t xs3[3] = {1, 1024, h}, xs4[4] = {1, h, w, 256};
  const int32_t axs[1] = {spatial ? 2 : 1};
  const int32_t axes[2] = {spatial ? 1 : 2, 2};
  int x =
      add_tensor(g, NQ_INT8, spatial ? 4 : 3, spatial ? xs4 : xs3, strtof(a[0], NULL), atoi(a[1]), true, err);
  int ax = x < 0 ? -1 : add_tensor(g, NQ_INT32, 1, axs, 0, 0, false, err);
  int y = ax < 0 ? -1 : add_tensor(g, NQ_INT8, 0, NULL, strtof(a[2], NULL), atoi(a[3]), true, err);
  nq_op_params p = nq_op_params_default();
  p.keep_dims = spatial;
  if (y < 0 || nq_tensor_copy_data(g, ax, axes, (size_t)axs[0] * sizeof axes[0], err) != NQ_OK ||
      nq_graph_add_node(g, NQ_OP_MEAN, NULL, 2, (int[]){x, ax}, 1, &y, &p, err) < 0) {
    nq_graph_free(g);
    return 0;
  }
  return save(g, 1, &x, y, path, err);
}

static int make_mul(const char *path, char **a, nq_error *err) {
  nq_graph *g = nq_graph_new();
  if (!g) return 0;
  const int32_t xs[3] = {1, 256, 256};
  int x = add_tensor(g, NQ_INT8, 3, xs, strtof(a[0], NULL), atoi(a[1]), true, err);
  int b = x < 0 ? -1 : add_tensor(g, NQ_INT8, 3, xs, strtof(a[2], NULL), atoi(a[3]), true, err);
  int y = b < 0 ? -1 : add_tensor(g, NQ_INT8, 0, NULL, strtof(a[4], NULL), atoi(a[5]), true, err);
  static int8_t cols[256 * 256];
  for (int r = 0; r < 256; r++)
    for (int c = 0; c < 256; c++) cols[r * 256 + c] = (int8_t)(c - 128);
  nq_op_params p = nq_op_params_default();
  if (y < 0 || nq_tensor_copy_data(g, b, cols, sizeof cols, err) != NQ_OK ||
      nq_graph_add_node(g, NQ_OP_MUL, NULL, 2, (int[]){x, b}, 1, &y, &p, err) < 0) {
    nq_graph_free(g);
    return 0;
  }
  return save(g, 1, &x, y, path, err);
}

static int make_requant(const char *path, char **a, nq_error *err) {
  const bool u8 = strcmp(a[0], "uint8") == 0;
  if (!u8 && strcmp(a[0], "int8") != 0) {
    snprintf(err->msg, sizeof err->msg, "type '%s' is neither int8 nor uint8", a[0]);
    return 0;
  }
  nq_graph *g = nq_graph_new();
  if (!g) return 0;
  const nq_dtype t = u8 ? NQ_UINT8 : NQ_INT8;
  const int32_t xs[2] = {1, 256};
  int x = add_tensor(g, t, 2, xs, strtof(a[1], NULL), atoi(a[2]), true, err);
  int y = x < 0 ? -1 : add_tensor(g, t, 0, NULL, strtof(a[3], NULL), atoi(a[4]), true, err);
  nq_op_params p = nq_op_params_default();
  if (y < 0 || nq_graph_add_node(g, NQ_OP_QUANTIZE, NULL, 1, &x, 1, &y, &p, err) < 0) {
    nq_graph_free(g);
    return 0;
  }
  return save(g, 1, &x, y, path, err);
}

int main(int argc, char **argv) {
  nq_error err = {0};
  int ok;
  if (argc == 9 && (strcmp(argv[1], "prelu") == 0 || strcmp(argv[1], "prelu4") == 0)) {
    ok = make_prelu(argv[2], argv[1][5] == '4' ? 4 : 3, argv + 3, &err);
  } else if (argc == 8 && strcmp(argv[1], "mean") == 0) {
    ok = make_mean(argv[2], false, argv + 3, &err);
  } else if (argc == 9 && strcmp(argv[1], "mean4") == 0) {
    ok = make_mean(argv[2], true, argv + 3, &err);
  } else if (argc == 9 && strcmp(argv[1], "mul") == 0) {
    ok = make_mul(argv[2], argv + 3, &err);
  } else if (argc == 8 && strcmp(argv[1], "requant") == 0) {
    ok = make_requant(argv[2], argv + 3, &err);
  } else {
    fprintf(stderr,
            "usage: make_exact_models prelu|prelu4 OUT S_IN ZP_IN S_A ZP_A S_OUT ZP_OUT\n"
            "       make_exact_models mean OUT S_IN ZP_IN S_OUT ZP_OUT K\n"
            "       make_exact_models mean4 OUT S_IN ZP_IN S_OUT ZP_OUT H W\n"
            "       make_exact_models mul OUT S_IN ZP_IN S_B ZP_B S_OUT ZP_OUT\n"
            "       make_exact_models requant OUT int8|uint8 S_IN ZP_IN S_OUT ZP_OUT\n");
    return 2;
  }
  if (!ok) fprintf(stderr, "make_exact_models: %s: %s\n", argv[2], err.msg[0] ? err.msg : "failed");
  return ok ? 0 : 1;
}
