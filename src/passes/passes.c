/*
 * The pass driver: run every pass until none changes the graph (folding a
 * constant can expose a BatchNormalization fold, a fold can expose an
 * activation fusion), then drop what became unused.
 */
#include "passes/passes.h"

#include "ir/shape.h"
#include "passes/pass_util.h"

/* Each round removes at least one node, so this only guards against a bug. */
#define MAX_ROUNDS 64

nq_status nq_passes_optimize(nq_graph *g, nq_error *err) {
  bool changed = true;
  for (int round = 0; changed && round < MAX_ROUNDS; round++) {
    changed = false;
    NQ_TRY(nq_pass_fold_constants(g, &changed, err));
    NQ_TRY(nq_pass_dead_code(g, &changed, err));
    NQ_TRY(nq_pass_drop_identity(g, &changed, err));
    NQ_TRY(nq_pass_fold_batchnorm(g, &changed, err));
    NQ_TRY(nq_pass_fuse_activation(g, &changed, err));
    NQ_TRY(nq_pass_pad_into_pool(g, &changed, err));
  }
  bool ignored = false;
  NQ_TRY(nq_pass_dead_code(g, &ignored, err));
  /* Folded shape operands can make output shapes known that were not before. */
  return nq_graph_infer_shapes(g, true, err);
}
