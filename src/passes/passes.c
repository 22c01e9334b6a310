/*
 * The pass driver: the one pipeline every frontend's graph goes through.
 * Run every pass until none changes the graph (folding a constant can
 * expose a BatchNormalization fold, a fold can expose an activation fusion,
 * a DIV turned MUL can complete a hard-swish), then drop what became unused.
 * Canonical forms come before the fusions that look for them, and the
 * hard-swish / GELU fusion before fold_batchnorm and fuse_activation, which
 * would otherwise pull the pattern's first ADD into a conv.
 * One line per pass; each is one file in this folder.
 */
#include "passes/passes.h"

#include "ir/shape.h"
#include "passes/pass_util.h"

/* Each round removes at least one node, so this only guards against a bug. */
#define MAX_ROUNDS 64

typedef nq_status (*pass_fn)(nq_graph *g, bool *changed, nq_error *err);

static const pass_fn pipeline[] = {
    nq_pass_fold_constants,
    nq_pass_dead_code,
    nq_pass_drop_identity,
    nq_pass_cancel_transposes,
    nq_pass_div_to_mul,
    nq_pass_pow_to_unary,
    nq_pass_clip_to_relu,
    nq_pass_fuse_unary,
    nq_pass_fold_batchnorm,
    nq_pass_fuse_activation,
    nq_pass_pad_into_pool,
};

/* One pass with a fresh use/def index (the previous pass may have edited
 * the graph by hand, or a new graph may sit where an old one was), freed
 * afterwards. */
static nq_status run_pass(pass_fn pass, nq_graph *g, bool *changed, nq_error *err) {
  nq_pass_edited(g);
  nq_status s = pass(g, changed, err);
  nq_pass_index_free();
  return s;
}

nq_status nq_passes_optimize(nq_graph *g, nq_error *err) {
  bool changed = true;
  for (int round = 0; changed && round < MAX_ROUNDS; round++) {
    changed = false;
    for (size_t i = 0; i < sizeof pipeline / sizeof pipeline[0]; i++)
      NQ_TRY(run_pass(pipeline[i], g, &changed, err));
  }
  bool ignored = false;
  NQ_TRY(run_pass(nq_pass_dead_code, g, &ignored, err));
  g->optimized = true;
  /* Folded shape operands can make output shapes known that were not before. */
  return nq_graph_infer_shapes(g, true, err);
}
