/* The IR's own checks: op table, graph building and the verifier's refusals. */
#include <string.h>

#include "core/status.h"
#include "ir/graph.h"
#include "testutil.h"

static void test_op_table(void) {
  nq_op op;
  CHECK(strcmp(nq_op_name(NQ_OP_CONV_2D), "CONV_2D") == 0);
  CHECK(nq_op_tflite_code(NQ_OP_RESIZE_NEAREST_NEIGHBOR) == 97);
  CHECK(nq_op_from_tflite_code(4, &op) && op == NQ_OP_DEPTHWISE_CONV_2D);
  CHECK(!nq_op_from_tflite_code(16, &op)); /* LSTM: not ours */
}

static void test_verifier(void) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t shp[2] = {1, 4};
  int a = nq_graph_add_tensor(g, "a", NQ_FLOAT32, 2, shp, &err);
  int b = nq_graph_add_tensor(g, "b", NQ_FLOAT32, 2, shp, &err);
  int c = nq_graph_add_tensor(g, "c", NQ_FLOAT32, 2, shp, &err);
  float w[4] = {1, 2, 3, 4};
  CHECK(nq_tensor_copy_data(g, b, w, sizeof w, &err) == NQ_OK);
  CHECK(nq_tensor_copy_data(g, b, w, 8, &err) == NQ_ERR_FORMAT); /* wrong size */
  CHECK(strstr(err.msg, "'b'") != NULL);
  int in[2] = {a, b};
  CHECK(nq_graph_add_node(g, NQ_OP_ADD, "add", 2, in, 1, &c, NULL, &err) == 0);
  CHECK(nq_graph_set_io(g, 1, &a, 1, &c, &err) == NQ_OK);
  CHECK(nq_graph_verify(g, &err) == NQ_OK);

  /* use before definition */
  int d = nq_graph_add_tensor(g, "d", NQ_FLOAT32, 2, shp, &err);
  int in2[2] = {d, c};
  int e = nq_graph_add_tensor(g, "e", NQ_FLOAT32, 2, shp, &err);
  nq_graph_add_node(g, NQ_OP_MUL, "mul", 2, in2, 1, &e, NULL, &err);
  CHECK(nq_graph_verify(g, &err) == NQ_ERR_FORMAT);
  CHECKF(strstr(err.msg, "'d'") && strstr(err.msg, "MUL"), "message: %s", err.msg);

  /* per-axis scales that do not match the axis size */
  g->n_nodes = 1; /* drop the bad node (its arrays are freed below) */
  float sc[3] = {1, 1, 1};
  int64_t zp[3] = {0, 0, 0};
  CHECK(nq_tensor_set_quant(g, b, 3, sc, zp, 1, &err) == NQ_OK);
  CHECK(nq_graph_verify(g, &err) == NQ_ERR_FORMAT);
  g->n_nodes = 2;
  nq_graph_free(g);
}

int main(void) {
  test_op_table();
  test_verifier();
  return nq_test_finish("test_graph");
}
