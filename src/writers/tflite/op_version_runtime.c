#include "writers/tflite/op_version_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/metadata.h"
#include "writers/tflite/op_version.h"

#define R(major, minor, patch) ((major)*10000 + (minor)*100 + (patch))
#define MAX_VERSIONS 9

/* ops.def column RELEASES, [op][version - 1]: the release that first runs
 * it, from runtime_version.cc (see the header for the commit); 0 past the
 * last version listed there. */
#define REL(...) \
  { __VA_ARGS__ }
#define NO_RELEASE \
  { 0 }
static const int min_release[NQ_OP_COUNT][MAX_VERSIONS] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) rel,
#include "ir/ops.def"
#undef NQ_OP
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
  return nq_graph_set_metadata(g, key, data, 16, err);
}
