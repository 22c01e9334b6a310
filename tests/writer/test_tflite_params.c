/* Builtin options of every op survive write -> read: for each op with an
 * options table, nodes with random valid values in every field npuquant
 * keeps (and the RESHAPE/SQUEEZE vectors) are written and read back, and
 * the params must come back equal. The real-model round trip only covers
 * the options those models happen to use; this covers the rest (masks,
 * modes, adj_x/adj_y, out_type, alpha, ...). */
#include <string.h>

#include "core/status.h"
#include "formats/tflite/schema.h"
#include "frontends/tflite/tflite_reader.h"
#include "graph_compare.h"
#include "ir/graph.h"
#include "testutil.h"
#include "writers/tflite/tflite_write.h"

/* A random wire value the field accepts, stored into p. */
static void randomize_field(nq_rng *rng, nq_op_params *p, const nq_tfl_field *f) {
  for (int tries = 0; tries < 200; tries++) {
    double v;
    switch ((nq_tfl_wire)f->wire) {
      case NQ_TFL_WIRE_BOOL:
        v = nq_rng_int(rng, 0, 1);
        break;
      case NQ_TFL_WIRE_INT8:
        v = nq_rng_int(rng, -2, 20);
        break;
      case NQ_TFL_WIRE_INT32:
        v = (f->flags & NQ_TFL_RANGE) ? nq_rng_int(rng, f->lo, f->hi) : nq_rng_int(rng, -3, 9);
        break;
      default:
        v = nq_rng_uniform(rng, -4.0f, 4.0f);
        break;
    }
    if (nq_tfl_param_set(p, f, v)) return;
  }
  CHECKF(0, "no valid value found for field %s", f->name);
}

static void test_op(nq_op op, nq_rng *rng) {
  const nq_tfl_op_options *o = nq_tfl_options_of(op);
  if (!o || o->type == 0) return;
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t shp[2] = {1, 4};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 2, shp, &err);
  int prev = x;
  /* three nodes of the op, each with its own random options */
  for (int k = 0; k < 3; k++) {
    nq_op_params p = nq_op_params_default();
    for (int i = 0; i < o->n_fields; i++)
      if (o->fields[i].dest != NQ_TFL_DEST_NONE) randomize_field(rng, &p, &o->fields[i]);
    if (o->special == NQ_TFL_SPECIAL_RESHAPE_NEW_SHAPE) {
      p.new_shape_rank = nq_rng_int(rng, -1, NQ_MAX_RANK);
      for (int d = 0; d < p.new_shape_rank; d++) p.new_shape[d] = nq_rng_int(rng, -1, 7);
    } else if (o->special == NQ_TFL_SPECIAL_SQUEEZE_DIMS) {
      p.num_squeeze_dims = nq_rng_int(rng, 0, NQ_MAX_RANK);
      for (int d = 0; d < p.num_squeeze_dims; d++) p.squeeze_dims[d] = nq_rng_int(rng, -4, 5);
    }
    char name[16];
    snprintf(name, sizeof name, "y%d", k);
    /* CAST and ARG_MAX produce the type out_type names (the reader takes it
     * from the output tensor), so keep the two consistent. */
    nq_dtype yt = (op == NQ_OP_CAST || op == NQ_OP_ARG_MAX) ? p.out_type : NQ_FLOAT32;
    int y = nq_graph_add_tensor(g, name, yt, 2, shp, &err);
    CHECK(nq_graph_add_node(g, op, NULL, 1, &prev, 1, &y, &p, &err) == k);
    prev = y;
  }
  CHECK(nq_graph_set_io(g, 1, &x, 1, &prev, &err) == NQ_OK);
  uint8_t *buf = NULL;
  size_t size = 0;
  nq_status s = nq_tflite_write_memory(g, &buf, &size, &err);
  CHECKF(s == NQ_OK, "%s: write: %s", nq_op_name(op), err.msg);
  nq_graph *back = NULL;
  if (s == NQ_OK) {
    s = nq_tflite_read_memory(buf, size, nq_op_name(op), &back, &err);
    CHECKF(s == NQ_OK, "%s: read back: %s", nq_op_name(op), err.msg);
  }
  if (s == NQ_OK) {
    /* versions are computed on write; take them over, then everything must match */
    for (int k = 0; k < g->n_nodes && k < back->n_nodes; k++) g->nodes[k].version = back->nodes[k].version;
    /* a count left at 0 is written as the node's own input/output count */
    for (int k = 0; k < g->n_nodes; k++) {
      nq_node *nd = &g->nodes[k];
      if (nd->p.num == 0 && nd->op == NQ_OP_PACK) nd->p.num = nd->n_in;
      if (nd->p.num == 0 && (nd->op == NQ_OP_UNPACK || nd->op == NQ_OP_SPLIT || nd->op == NQ_OP_SPLIT_V))
        nd->p.num = nd->n_out;
    }
    char why[512];
    CHECKF(nq_test_graph_diff(g, back, why, sizeof why) == 0, "%s: %s", nq_op_name(op), why);
  }
  free(buf);
  nq_graph_free(back);
  nq_graph_free(g);
}

int main(void) {
  nq_rng rng = {0x5eed1234u};
  int tested = 0;
  for (int round = 0; round < 5; round++) {
    for (int op = 0; op < NQ_OP_COUNT; op++) {
      const nq_tfl_op_options *o = nq_tfl_options_of((nq_op)op);
      if (o && o->type != 0 && round == 0) tested++;
      test_op((nq_op)op, &rng);
    }
  }
  printf("options round trip: %d ops with options tables, 5 rounds of 3 random nodes each\n", tested);
  CHECK(tested > 30);
  return nq_test_finish("test_tflite_params");
}
