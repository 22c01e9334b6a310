/*
 * The frontends' name -> translator tables (frontends/name_table.h) are
 * searched by binary search: an entry out of strcmp order, or a name listed
 * twice, would make some op silently "not supported". Each table must be
 * strictly sorted, every entry must be found by its own name, and a name no
 * table lists must not be found. The checker itself is tested first on
 * tables that are wrong on purpose, so a broken checker cannot pass.
 */
#include <string.h>

#include "frontends/keras/keras_internal.h"
#include "frontends/name_table.h"
#include "frontends/onnx/onnx_internal.h"
#include "frontends/tensorflow/tf_convert.h"
#include "testutil.h"

typedef struct {
  const char *name;
  int payload;
} entry;

static void check_checker(void) {
  const entry sorted[] = {{"Add", 1}, {"Conv", 2}, {"Relu", 3}, {"Relu6", 4}, {"relu", 5}};
  const entry unsorted[] = {{"Add", 1}, {"Relu", 2}, {"Conv", 3}};
  const entry duplicate[] = {{"Add", 1}, {"Conv", 2}, {"Conv", 3}, {"Relu", 4}};
  size_t es = sizeof(entry);
  CHECK(nq_name_table_disorder(sorted, 5, es) == 0);
  CHECK(nq_name_table_disorder(unsorted, 3, es) == 2);
  CHECK(nq_name_table_disorder(duplicate, 4, es) == 2);
  const entry *e = nq_name_table_find(sorted, 5, es, "Relu6");
  CHECK(e && e->payload == 4);
  e = nq_name_table_find(sorted, 5, es, "relu"); /* case matters */
  CHECK(e && e->payload == 5);
  CHECK(nq_name_table_find(sorted, 5, es, "Relu7") == NULL);
  CHECK(nq_name_table_find(sorted, 5, es, NULL) == NULL);
  CHECK(nq_name_table_find(sorted, 0, es, "Add") == NULL);
}

/* Sorted, no duplicates, each entry found by its name, a made-up name not. */
static void check_table(const char *what, const void *table, size_t n, size_t size) {
  CHECKF(n > 10, "%s: %zu entries", what, n);
  size_t bad = nq_name_table_disorder(table, n, size);
  CHECKF(bad == 0, "%s: entry %zu '%s' does not sort after '%s' (out of order or listed twice)", what, bad,
         bad ? nq_name_table_name(table, size, bad) : "",
         bad ? nq_name_table_name(table, size, bad - 1) : "");
  for (size_t i = 0; i < n; i++) {
    const char *name = nq_name_table_name(table, size, i);
    CHECKF(name && *name, "%s: entry %zu has no name", what, i);
    const void *hit = name ? nq_name_table_find(table, n, size, name) : NULL;
    CHECKF(hit == (const char *)table + i * size, "%s: '%s' is not found at its own entry", what, name);
  }
  CHECKF(nq_name_table_find(table, n, size, "NoSuchOpXyz") == NULL, "%s: found a name it does not list",
         what);
}

/* The IR op an entry names (docs/ops.md is built from it) is a real op or
 * NQ_OP_COUNT ("several or none"); a variant differs from the op. */
static void check_ops(const char *what, const char *name, nq_op op, nq_op also) {
  CHECKF((int)op >= 0 && op <= NQ_OP_COUNT, "%s '%s': IR op %d", what, name, (int)op);
  CHECKF((int)also >= 0 && also <= NQ_OP_COUNT, "%s '%s': variant op %d", what, name, (int)also);
  CHECKF(also == NQ_OP_COUNT || (also != op && op != NQ_OP_COUNT), "%s '%s': variant %s of op %s", what, name,
         nq_op_name(also), op < NQ_OP_COUNT ? nq_op_name(op) : "(none)");
}

int main(void) {
  check_checker();
  size_t n;
  const ox_op_entry *ox = ox_op_table(&n);
  check_table("ONNX op table (onnx_op_table.c)", ox, n, sizeof *ox);
  for (size_t i = 0; i < n; i++) {
    CHECKF(ox[i].fn != NULL, "ONNX '%s' has no translator", ox[i].name);
    check_ops("ONNX", ox[i].name, ox[i].op, ox[i].also);
  }
  CHECK(ox_find_op("Conv") != NULL);
  CHECK(ox_find_op("conv") == NULL);

  const tf_op_entry *tf = tf_op_table(&n);
  check_table("TensorFlow op table (tf_op_table.c)", tf, n, sizeof *tf);
  for (size_t i = 0; i < n; i++) {
    CHECKF(tf[i].translate != NULL, "TF '%s' has no translator", tf[i].name);
    check_ops("TF", tf[i].name, tf[i].op, NQ_OP_COUNT);
  }
  CHECK(tf_find_op("DepthwiseConv2dNative") != NULL);

  const kr_layer_entry *kr = kr_layer_table(&n);
  check_table("Keras layer table (keras_layer_table.c)", kr, n, sizeof *kr);
  for (size_t i = 0; i < n; i++) {
    CHECKF(kr[i].translate != NULL, "Keras '%s' has no translator", kr[i].name);
    check_ops("Keras", kr[i].name, kr[i].op, kr[i].also);
    CHECKF(kr[i].rank >= 0 && kr[i].rank <= 2, "Keras '%s': rank %d", kr[i].name, kr[i].rank);
  }
  CHECK(kr_find_layer("Conv2D") != NULL);
  CHECK(kr_find_layer("Sequential") == NULL); /* models are not layers */
  return nq_test_finish("test_frontend_tables");
}
