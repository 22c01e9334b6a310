#include "writers/tflite/op_version_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writers/tflite/op_version.h"

#define R(major, minor, patch) ((major) * 10000 + (minor) * 100 + (patch))
#define MAX_VERSIONS 9

/* [op][version - 1]: the release that first runs it, from runtime_version.cc
 * (see the header for the commit); 0 past the last version listed there. */
static const int min_release[NQ_OP_COUNT][MAX_VERSIONS] = {
    [NQ_OP_ADD] = {R(1, 5, 0), R(1, 14, 0), R(2, 4, 0), R(2, 6, 0)},
    [NQ_OP_AVERAGE_POOL_2D] = {R(1, 5, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_CONCATENATION] = {R(1, 5, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_CONV_2D] = {R(1, 5, 0), R(1, 14, 0), R(1, 14, 0), R(2, 3, 0), R(2, 4, 0), R(2, 9, 0)},
    [NQ_OP_DEPTHWISE_CONV_2D] = {R(1, 5, 0), R(1, 12, 0), R(1, 14, 0), R(2, 2, 0), R(2, 3, 0), R(2, 3, 0)},
    [NQ_OP_DEPTH_TO_SPACE] = {R(2, 1, 0), R(2, 5, 0)},
    [NQ_OP_DEQUANTIZE] = {R(1, 13, 1), R(1, 14, 0), R(1, 15, 0), R(2, 2, 0), R(2, 7, 0)},
    [NQ_OP_FULLY_CONNECTED] = {R(1, 5, 0), R(1, 10, 0), R(1, 14, 0), R(1, 14, 0), R(2, 0, 0), R(2, 1, 0),
                               R(2, 3, 0), R(2, 3, 0), R(2, 3, 0)},
    [NQ_OP_L2_NORMALIZATION] = {R(1, 5, 0), R(1, 14, 0)},
    [NQ_OP_LOGISTIC] = {R(1, 14, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_MAX_POOL_2D] = {R(1, 5, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_MUL] = {R(1, 5, 0), R(1, 14, 0), R(1, 15, 0), R(2, 3, 0), R(2, 6, 0)},
    [NQ_OP_RELU] = {R(1, 5, 0), R(2, 1, 0), R(2, 5, 0)},
    [NQ_OP_RELU_N1_TO_1] = {R(1, 5, 0)},
    [NQ_OP_RELU6] = {R(1, 5, 0), R(1, 14, 0), R(2, 5, 0)},
    [NQ_OP_RESHAPE] = {R(1, 5, 0)},
    [NQ_OP_RESIZE_BILINEAR] = {R(1, 7, 0), R(1, 14, 0), R(2, 2, 0), R(2, 5, 0)},
    [NQ_OP_SOFTMAX] = {R(1, 5, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_SPACE_TO_DEPTH] = {R(1, 5, 0), R(1, 14, 0)},
    [NQ_OP_TANH] = {R(1, 14, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_PAD] = {R(1, 5, 0), R(1, 14, 0), R(2, 4, 0), R(2, 6, 0)},
    [NQ_OP_GATHER] = {R(1, 6, 0), R(1, 14, 0), R(1, 15, 0), R(2, 4, 0), R(2, 5, 0)},
    [NQ_OP_BATCH_TO_SPACE_ND] = {R(1, 6, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_SPACE_TO_BATCH_ND] = {R(1, 6, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_TRANSPOSE] = {R(1, 6, 0), R(1, 14, 0), R(1, 15, 0), R(2, 3, 0), R(2, 4, 0)},
    [NQ_OP_MEAN] = {R(1, 6, 0), R(1, 14, 0), R(2, 4, 0)},
    [NQ_OP_SUB] = {R(1, 6, 0), R(1, 14, 0), R(2, 3, 0), R(2, 4, 0), R(2, 4, 0)},
    [NQ_OP_DIV] = {R(1, 6, 0), R(2, 3, 0)},
    [NQ_OP_SQUEEZE] = {R(1, 6, 0), R(2, 5, 0)},
    [NQ_OP_STRIDED_SLICE] = {R(1, 6, 0), R(1, 14, 0), R(2, 1, 0), R(2, 2, 0), R(2, 5, 0), R(2, 6, 0)},
    [NQ_OP_EXP] = {R(1, 7, 0)},
    [NQ_OP_SPLIT] = {R(1, 5, 0), R(1, 14, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_LOG_SOFTMAX] = {R(1, 14, 0), R(1, 14, 0)},
    [NQ_OP_CAST] = {R(1, 5, 0), R(2, 7, 0), R(2, 8, 0), R(2, 9, 0)},
    [NQ_OP_PRELU] = {R(1, 8, 0)},
    [NQ_OP_MAXIMUM] = {R(1, 14, 0), R(1, 14, 0), R(2, 3, 0), R(2, 3, 0)},
    [NQ_OP_ARG_MAX] = {R(1, 9, 0), R(1, 14, 0), R(2, 9, 0)},
    [NQ_OP_MINIMUM] = {R(1, 14, 0), R(1, 14, 0), R(2, 3, 0), R(2, 3, 0)},
    [NQ_OP_NEG] = {R(1, 9, 0)},
    [NQ_OP_PADV2] = {R(1, 9, 0), R(1, 14, 0), R(2, 4, 0), R(2, 6, 0)},
    [NQ_OP_SLICE] = {R(1, 14, 0), R(1, 14, 0), R(1, 14, 0), R(2, 4, 0), R(2, 5, 0)},
    [NQ_OP_TRANSPOSE_CONV] = {R(1, 9, 0), R(2, 2, 0), R(2, 3, 0)},
    [NQ_OP_TILE] = {R(1, 10, 1), R(2, 2, 0), R(2, 8, 0)},
    [NQ_OP_EXPAND_DIMS] = {R(1, 10, 0)},
    [NQ_OP_LOG] = {R(1, 14, 0)},
    [NQ_OP_SUM] = {R(1, 10, 0), R(1, 15, 0)},
    [NQ_OP_SQRT] = {R(1, 10, 0)},
    [NQ_OP_RSQRT] = {R(1, 10, 0), R(2, 5, 0)},
    [NQ_OP_POW] = {R(1, 10, 0)},
    [NQ_OP_REDUCE_PROD] = {R(1, 11, 0), R(2, 6, 0)},
    [NQ_OP_REDUCE_MAX] = {R(1, 11, 0), R(1, 14, 0), R(2, 5, 0)},
    [NQ_OP_PACK] = {R(1, 11, 0), R(1, 14, 0), R(2, 3, 0)},
    [NQ_OP_UNPACK] = {R(1, 11, 0), R(1, 14, 0), R(2, 2, 0), R(2, 3, 0)},
    [NQ_OP_REDUCE_MIN] = {R(1, 11, 0), R(1, 14, 0), R(2, 5, 0)},
    [NQ_OP_SQUARE] = {R(1, 12, 0)},
    [NQ_OP_RESIZE_NEAREST_NEIGHBOR] = {R(1, 13, 1), R(1, 14, 0), R(2, 3, 0), R(2, 4, 0)},
    [NQ_OP_LEAKY_RELU] = {R(1, 13, 1), R(2, 3, 0)},
    [NQ_OP_SQUARED_DIFFERENCE] = {R(1, 13, 1), R(2, 5, 0)},
    [NQ_OP_MIRROR_PAD] = {R(1, 13, 1), R(2, 3, 0)},
    [NQ_OP_ABS] = {R(1, 13, 0), R(2, 4, 0), R(2, 5, 0), R(2, 6, 0)},
    [NQ_OP_SPLIT_V] = {R(1, 13, 1), R(2, 3, 0)},
    [NQ_OP_ELU] = {R(1, 14, 0)},
    [NQ_OP_QUANTIZE] = {R(1, 14, 0), R(1, 15, 0), R(2, 7, 0)},
    [NQ_OP_HARD_SWISH] = {R(1, 15, 0)},
    [NQ_OP_BATCH_MATMUL] = {R(2, 3, 0), R(2, 3, 0), R(2, 4, 0), R(2, 5, 0)},
    [NQ_OP_GELU] = {R(2, 9, 0), R(2, 9, 0)},
    [NQ_OP_FLOOR] = {R(1, 9, 0)},
    [NQ_OP_FLOOR_DIV] = {R(1, 14, 0), R(1, 14, 0)},
    [NQ_OP_FLOOR_MOD] = {R(1, 13, 0)},
    [NQ_OP_SELECT_V2] = {R(2, 2, 0)},
};

int nq_tflite_op_min_release(nq_op op, int version) {
  if ((int)op < 0 || op >= NQ_OP_COUNT || version < 1 || version > MAX_VERSIONS) return 0;
  return min_release[op][version - 1];
}

const char *nq_tflite_release_name(int release, char *buf, size_t n) {
  if (release <= 0)
    snprintf(buf, n, "?");
  else
    snprintf(buf, n, "%d.%d.%d", release / 10000, release / 100 % 100, release % 100);
  return buf;
}

int nq_tflite_parse_release(const char *s) {
  if (!s) return -1;
  int part[3] = {0, 0, 0}, k = 0;
  const char *p = s;
  for (;;) {
    if (*p < '0' || *p > '9') return -1;
    long v = 0;
    while (*p >= '0' && *p <= '9' && v < 100) v = v * 10 + (*p++ - '0');
    if (v >= 100 || (*p >= '0' && *p <= '9')) return -1;
    part[k++] = (int)v;
    if (*p == '\0') break;
    if (*p != '.' || k == 3) return -1;
    p++;
  }
  if (k < 2) return -1;
  return R(part[0], part[1], part[2]);
}

int nq_tflite_node_version(const nq_graph *g, const nq_node *n) {
  return n->version > 0 ? n->version : nq_tflite_op_version(g, n);
}

int nq_tflite_graph_min_release(const nq_graph *g, int *unknown_node) {
  int worst = 0;
  if (unknown_node) *unknown_node = -1;
  for (int i = 0; i < g->n_nodes; i++) {
    int r = nq_tflite_op_min_release(g->nodes[i].op, nq_tflite_node_version(g, &g->nodes[i]));
    if (r == 0 && unknown_node && *unknown_node < 0) *unknown_node = i;
    if (r > worst) worst = r;
  }
  return worst;
}

nq_status nq_tflite_check_release(const nq_graph *g, int cap, nq_error *err) {
  char want[16], have[16];
  nq_tflite_release_name(cap, have, sizeof have);
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    int v = nq_tflite_node_version(g, n), r = nq_tflite_op_min_release(n->op, v);
    if (r == 0)
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     "node %d (%s version %d): no TFLite release in npuquant's table runs this version, "
                     "so TFLite %s cannot be promised",
                     i, nq_op_name(n->op), v, have);
    if (r > cap)
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     "node %d (%s version %d) needs TFLite %s or newer; --tflite-version asked for %s", i,
                     nq_op_name(n->op), v, nq_tflite_release_name(r, want, sizeof want), have);
  }
  return NQ_OK;
}

nq_status nq_tflite_stamp_min_runtime(nq_graph *g, nq_error *err) {
  static const char key[] = "min_runtime_version";
  int release = nq_tflite_graph_min_release(g, NULL);
  uint8_t *data = calloc(16, 1); /* TensorFlow's fixed 16-byte, zero-padded buffer */
  if (!data) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the min_runtime_version metadata");
  nq_tflite_release_name(release, (char *)data, 16);
  if (release == 0) memset(data, 0, 16); /* no known op: an empty string, as TensorFlow leaves it */
  for (int m = 0; m < g->n_metadata; m++) {
    if (g->metadata[m].name && strcmp(g->metadata[m].name, key) == 0) {
      free(g->metadata[m].data);
      g->metadata[m].data = data;
      g->metadata[m].size = 16;
      return NQ_OK;
    }
  }
  nq_metadata *nm = realloc(g->metadata, sizeof *nm * (size_t)(g->n_metadata + 1));
  char *name = malloc(sizeof key);
  if (!nm || !name) {
    if (nm) g->metadata = nm;
    free(name);
    free(data);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the min_runtime_version metadata");
  }
  memcpy(name, key, sizeof key);
  g->metadata = nm;
  g->metadata[g->n_metadata++] = (nq_metadata){name, data, 16};
  return NQ_OK;
}
