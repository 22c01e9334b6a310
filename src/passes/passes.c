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

#include "core/checked.h"
#include "ir/shape.h"
#include "passes/pass_util.h"

/* Each round removes at least one node, so this only guards against a bug. */
#define MAX_ROUNDS 64

typedef nq_status (*pass_fn)(nq_graph *g, bool *changed, nq_error *err);

/* clang-format off: one line per pass, so adding one is a one-line change */
static const pass_fn pipeline[] = {
    nq_pass_fold_constants,  nq_pass_dead_code,           nq_pass_drop_identity,  nq_pass_cancel_transposes,
    nq_pass_channel_shuffle, nq_pass_fold_channel_gather, nq_pass_div_to_mul,     nq_pass_pow_to_unary,
    nq_pass_clip_to_relu,    nq_pass_fuse_unary,          nq_pass_fold_batchnorm, nq_pass_fuse_activation,
    nq_pass_pad_into_pool,
};
/* clang-format on */

/* Shapes inferred from constant operands of a hostile file (a PAD by 2^30)
 * can be absurd: a shape error here, before anything tries to allocate. */
static nq_status check_sizes(const nq_graph *g, nq_error *err) {
  for (int t = 0; t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    size_t n = 1;
    bool ok = true;
    for (int d = 0; d < x->rank && ok; d++)
      ok = x->shape[d] < 0 || (nq_mul_size(n, (size_t)x->shape[d], &n) && n <= NQ_MAX_TENSOR_ELEMS);
    if (!ok) {
      char tb[96];
      return nq_fail(err, NQ_ERR_SHAPE, "tensor %s: inferred shape has more than 2^31 elements",
                     nq_tensor_label(g, t, tb, sizeof tb));
    }
  }
  return NQ_OK;
}

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
  NQ_TRY(nq_graph_infer_shapes(g, true, err));
  return check_sizes(g, err);
}
