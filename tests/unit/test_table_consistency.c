/* The per-op tables must agree with each other: an op the quantizer turns
 * into int8 (any rule but NQ_Q_NONE) needs an int8 kernel, or convert would
 * write a model that our own executor cannot evaluate. */
#include <stdio.h>

#include "exec/int8/int8.h"
#include "ir/graph.h"
#include "quant/op_rules.h"
#include "testutil.h"

int main(void) {
  for (int op = 0; op < NQ_OP_COUNT; op++) {
    const nq_qrule *rule = nq_quant_rule((nq_op)op);
    if (rule->kind == NQ_Q_NONE) continue;
    if (!nq_int8_kernels[op].run)
      fprintf(stderr, "%s: quantization rule but no int8 kernel\n", nq_op_name((nq_op)op));
    CHECK(nq_int8_kernels[op].run != NULL);
  }
  return nq_test_finish("test_table_consistency");
}
