/*
 * Helpers shared by the graph passes (src/passes/): who reads a tensor,
 * rewiring readers, removing a node. Passes rewrite the graph in place and
 * leave unused tensors behind; pass_dead_code.c drops them at the end.
 *
 * The queries (consumers, single consumer, producer) answer from a use/def
 * index built once per graph state, so they cost O(1) and a pass over the
 * graph O(nodes). The editing helpers here keep it honest; a pass that
 * rewires node inputs or outputs by hand must call nq_pass_edited(g) before
 * its next query. nq_passes_optimize drops the index before each pass and
 * frees it at the end.
 */
#ifndef NQ_PASSES_PASS_UTIL_H
#define NQ_PASSES_PASS_UTIL_H

#include <stdbool.h>

#include "core/status.h"
#include "ir/graph.h"

/* The graph's nodes were edited by hand: the use/def index is stale. */
void nq_pass_edited(const nq_graph *g);
/* Free the index (end of a pass run). */
void nq_pass_index_free(void);
/* Number of node inputs (over all nodes) that read tensor t. */
int nq_pass_consumers(const nq_graph *g, int t);
/* Index of the one node reading t (-1 when none or several). */
int nq_pass_single_consumer(const nq_graph *g, int t);
/* True when t is a model output or appears in a signature output. */
bool nq_pass_is_output(const nq_graph *g, int t);
/* Index of the node producing t, or -1. */
int nq_pass_producer(const nq_graph *g, int t);
/* Make every node input that reads `from` read `to` instead. */
void nq_pass_replace_uses(nq_graph *g, int from, int to);
/* Remove node n (frees its arrays); later nodes shift down by one. */
void nq_pass_remove_node(nq_graph *g, int n);
/* True when t is a constant float32 tensor. */
bool nq_pass_is_const_f32(const nq_graph *g, int t);
/* Add a float32 constant tensor copying `data` (n floats, shape given). */
int nq_pass_add_const_f32(nq_graph *g, const char *name, int rank, const int32_t *shape, const float *data,
                          nq_error *err);
/* The n values of a constant int32/int64 tensor with exactly n elements
 * (false for anything else). */
bool nq_pass_const_ints(const nq_graph *g, int t, int n, int64_t *out);

/* The individual passes; each sets *changed when it rewrote something. */
nq_status nq_pass_fold_constants(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_fold_batchnorm(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_fuse_activation(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_drop_identity(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_dead_code(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_div_to_mul(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_pow_to_unary(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_clip_to_relu(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_fuse_unary(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_cancel_transposes(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_pad_into_pool(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_channel_shuffle(nq_graph *g, bool *changed, nq_error *err);
nq_status nq_pass_fold_channel_gather(nq_graph *g, bool *changed, nq_error *err);

#endif
