/*
 * Consistency of the TFLite schema facts with ops.def and nq_op_params:
 * every op's printed name is TFLite's name for its builtin code, every
 * options field round-trips through nq_op_params, dtypes map both ways.
 */
#include <string.h>

#include "formats/tflite/schema.h"
#include "testutil.h"

int main(void) {
  for (int op = 0; op < NQ_OP_COUNT; op++) {
    int code = nq_op_tflite_code((nq_op)op);
    if (code < 0) continue; /* an IR-only op (ERF): the writer refuses it */
    const char *bn = nq_tfl_builtin_name(code);
    CHECKF(bn && strcmp(bn, nq_op_name((nq_op)op)) == 0, "op %s has code %d = %s", nq_op_name((nq_op)op),
           code, bn ? bn : "(none)");
    nq_op back;
    CHECK(nq_op_from_tflite_code(code, &back) && back == (nq_op)op);

    const nq_tfl_op_options *oo = nq_tfl_options_of((nq_op)op);
    CHECKF((oo->type == 0) == (oo->table == NULL), "%s: type %u table %s", bn, oo->type,
           oo->table ? oo->table : "-");
    CHECK(oo->type == 0 || oo->type <= 126); /* BuiltinOptions has 126 members */
    CHECK((oo->n_fields == 0) == (oo->fields == NULL));
    for (int k = 0; k < oo->n_fields; k++) {
      const nq_tfl_field *f = &oo->fields[k];
      for (int j = 0; j < k; j++)
        CHECKF(oo->fields[j].id != f->id, "%s: field id %u twice", oo->table, f->id);
      CHECK(f->dest == NQ_TFL_DEST_NONE || f->offset < sizeof(nq_op_params));
      nq_op_params p = nq_op_params_default();
      /* the schema default is always acceptable */
      CHECKF(nq_tfl_param_set(&p, f, f->def), "%s.%s default", oo->table, f->name);
      if (f->dest == NQ_TFL_DEST_NONE) {
        CHECK(!(f->flags & NQ_TFL_REQUIRE_DEFAULT) || !nq_tfl_param_set(&p, f, f->def + 1));
        continue;
      }
      double v = f->dest == NQ_TFL_DEST_BOOL      ? 1
                 : f->dest == NQ_TFL_DEST_ACT     ? NQ_ACT_RELU6
                 : f->dest == NQ_TFL_DEST_PADDING ? NQ_PAD_VALID
                 : f->dest == NQ_TFL_DEST_DTYPE   ? NQ_TFL_INT32
                 : f->dest == NQ_TFL_DEST_FLOAT   ? 0.25
                 : (f->flags & NQ_TFL_RANGE)      ? f->hi
                                                  : 7;
      CHECKF(nq_tfl_param_set(&p, f, v) && nq_tfl_param_get(&p, f) == v, "%s.%s round trip", oo->table,
             f->name);
    }
  }
  /* known facts spot-checked against schema.fbs */
  CHECK(nq_tfl_options_of(NQ_OP_CONV_2D)->type == 1 && nq_tfl_options_of(NQ_OP_CONV_2D)->n_fields >= 6);
  CHECK(nq_tfl_options_of(NQ_OP_GELU)->type == 116 && nq_tfl_options_of(NQ_OP_LOGISTIC)->type == 0);
  CHECK(nq_tfl_options_of(NQ_OP_RESHAPE)->special == NQ_TFL_SPECIAL_RESHAPE_NEW_SHAPE);
  CHECK(strcmp(nq_tfl_builtin_name(209), "STABLEHLO_CASE") == 0 && nq_tfl_builtin_name(210) == NULL &&
        nq_tfl_builtin_name(-1) == NULL && strcmp(nq_tfl_builtin_name(32), "CUSTOM") == 0);
  /* an invalid activation or padding is refused */
  nq_op_params p = nq_op_params_default();
  const nq_tfl_op_options *conv = nq_tfl_options_of(NQ_OP_CONV_2D);
  for (int k = 0; k < conv->n_fields; k++) {
    if (conv->fields[k].dest == NQ_TFL_DEST_ACT) CHECK(!nq_tfl_param_set(&p, &conv->fields[k], 6));
    if (conv->fields[k].dest == NQ_TFL_DEST_PADDING) CHECK(!nq_tfl_param_set(&p, &conv->fields[k], 2));
  }
  for (int t = 0; t < NQ_DTYPE_COUNT; t++) {
    nq_dtype back;
    CHECK(nq_tfl_type_to_dtype(nq_tfl_type_from_dtype((nq_dtype)t), &back) && back == (nq_dtype)t);
  }
  nq_dtype d;
  CHECK(!nq_tfl_type_to_dtype(NQ_TFL_STRING, &d) && !nq_tfl_type_to_dtype(99, &d) &&
        !nq_tfl_type_to_dtype(-1, &d));
  CHECK(nq_tfl_type_to_dtype(9, &d) && d == NQ_INT8 && strcmp(nq_tfl_type_name(9), "INT8") == 0);
  return nq_test_finish("test_schema");
}
