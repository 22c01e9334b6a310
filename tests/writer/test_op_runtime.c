/* The minimum TFLite release per (op, version), against entries of
 * TensorFlow's runtime_version.cc; the --tflite-version refusal; and the
 * "min_runtime_version" metadata as TensorFlow writes it (16 bytes, the
 * version string zero-padded). */
#include <string.h>

#include "core/status.h"
#include "ir/graph.h"
#include "testutil.h"
#include "writers/tflite/op_version_runtime.h"

static void test_table(void) {
  /* A few entries as runtime_version.cc lists them. */
  CHECK(nq_tflite_op_min_release(NQ_OP_CONV_2D, 1) == 10500);
  CHECK(nq_tflite_op_min_release(NQ_OP_CONV_2D, 3) == 11400);
  CHECK(nq_tflite_op_min_release(NQ_OP_CONV_2D, 6) == 20900);
  CHECK(nq_tflite_op_min_release(NQ_OP_CONV_2D, 7) == 0); /* past the table */
  CHECK(nq_tflite_op_min_release(NQ_OP_FULLY_CONNECTED, 9) == 20300);
  CHECK(nq_tflite_op_min_release(NQ_OP_ADD, 4) == 20600);
  CHECK(nq_tflite_op_min_release(NQ_OP_DEQUANTIZE, 1) == 11301);
  CHECK(nq_tflite_op_min_release(NQ_OP_TILE, 1) == 11001);
  CHECK(nq_tflite_op_min_release(NQ_OP_RSQRT, 2) == 20500);
  CHECK(nq_tflite_op_min_release(NQ_OP_HARD_SWISH, 1) == 11500);
  CHECK(nq_tflite_op_min_release(NQ_OP_BATCH_MATMUL, 4) == 20500);
  CHECK(nq_tflite_op_min_release(NQ_OP_ADD, 0) == 0 && nq_tflite_op_min_release(NQ_OP_COUNT, 1) == 0);
  /* Every op of ops.def that TFLite has (IR-only ops such as ERF have no
   * TFLite code and no release) has a version 1, and newer versions never
   * need an older release. */
  for (int op = 0; op < NQ_OP_COUNT; op++) {
    if (nq_op_tflite_code((nq_op)op) < 0) {
      CHECKF(nq_tflite_op_min_release((nq_op)op, 1) == 0, "IR-only %s has a release", nq_op_name((nq_op)op));
      continue;
    }
    CHECKF(nq_tflite_op_min_release((nq_op)op, 1) > 0, "%s has no release for version 1",
           nq_op_name((nq_op)op));
    for (int v = 2; nq_tflite_op_min_release((nq_op)op, v) > 0; v++)
      CHECKF(nq_tflite_op_min_release((nq_op)op, v) >= nq_tflite_op_min_release((nq_op)op, v - 1),
             "%s version %d needs an older release than version %d", nq_op_name((nq_op)op), v, v - 1);
  }
  char b[16];
  CHECK(strcmp(nq_tflite_release_name(21001, b, sizeof b), "2.10.1") == 0);
  CHECK(strcmp(nq_tflite_release_name(0, b, sizeof b), "?") == 0);
  CHECK(nq_tflite_parse_release("2.9") == 20900 && nq_tflite_parse_release("2.16.1") == 21601);
  CHECK(nq_tflite_parse_release("2") == -1 && nq_tflite_parse_release("2.x") == -1 &&
        nq_tflite_parse_release("2.9.") == -1 && nq_tflite_parse_release("2.9.0.1") == -1 &&
        nq_tflite_parse_release("") == -1 && nq_tflite_parse_release("2.999") == -1 &&
        nq_tflite_parse_release(NULL) == -1);
}

/* x (int8) -> RSQRT -> y (int8): RSQRT version 2, first run by TFLite 2.5.0. */
static void test_cap_and_stamp(void) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t shape[2] = {1, 8};
  int x = nq_graph_add_tensor(g, "x", NQ_INT8, 2, shape, &err);
  int y = nq_graph_add_tensor(g, "y", NQ_INT8, 2, shape, &err);
  float s = 0.1f;
  int64_t z = 0;
  CHECK(nq_tensor_set_quant(g, x, 1, &s, &z, 0, &err) == NQ_OK);
  CHECK(nq_tensor_set_quant(g, y, 1, &s, &z, 0, &err) == NQ_OK);
  nq_op_params p = nq_op_params_default();
  CHECK(nq_graph_add_node(g, NQ_OP_RSQRT, "rsqrt", 1, &x, 1, &y, &p, &err) >= 0);
  int unknown = 0;
  CHECK(nq_tflite_graph_min_release(g, &unknown) == 20500 && unknown == -1);
  CHECK(nq_tflite_check_release(g, 20400, &err) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(err.msg, "RSQRT version 2") && strstr(err.msg, "2.5.0") && strstr(err.msg, "2.4.0"), "%s",
         err.msg);
  CHECK(nq_tflite_check_release(g, 20500, &err) == NQ_OK);
  CHECK(nq_tflite_check_release(g, 20900, &err) == NQ_OK);

  /* A stale entry (copied from a source model) is replaced, not duplicated. */
  for (int round = 0; round < 2; round++) {
    CHECK(nq_tflite_stamp_min_runtime(g, &err) == NQ_OK);
    CHECK(g->n_metadata == 1 && strcmp(g->metadata[0].name, "min_runtime_version") == 0);
    static const char want[16] = "2.5.0";
    CHECK(g->metadata[0].size == 16 && memcmp(g->metadata[0].data, want, 16) == 0);
    memcpy(g->metadata[0].data, "1.5.0", 6);
  }
  /* A version past the table: unknown, and refused under any cap. */
  g->nodes[0].version = 9;
  CHECK(nq_tflite_graph_min_release(g, &unknown) == 0 && unknown == 0);
  CHECK(nq_tflite_check_release(g, 21600, &err) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(err.msg, "RSQRT version 9"), "%s", err.msg);
  nq_graph_free(g);
}

int main(void) {
  test_table();
  test_cap_and_stamp();
  return nq_test_finish("test_op_runtime");
}
