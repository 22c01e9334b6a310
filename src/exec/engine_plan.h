/*
 * Activation memory planning: place tensors with known sizes and lifetimes
 * (first and last node that touches them) at offsets in one arena so that
 * tensors alive at the same time never overlap.
 *
 * Greedy by size with best fit (the approach of TFLite's arena planner):
 * tensors are placed largest first; each goes into the smallest gap between
 * already placed tensors whose lifetimes overlap its own, or above them.
 * Peak memory then stays close to the largest set of simultaneously live
 * tensors instead of the sum of all tensors.
 */
#ifndef NQ_EXEC_ENGINE_PLAN_H
#define NQ_EXEC_ENGINE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct nq_plan_item {
  size_t size;   /* bytes (0: not placed) */
  int first;     /* first node index that writes or reads it */
  int last;      /* last node index that reads it (>= first) */
  size_t offset; /* out: byte offset in the arena, a multiple of `align` */
} nq_plan_item;

/* Place n items. `align` is a power of two. Returns false on size overflow
 * or allocation failure. *total receives the arena size. */
bool nq_plan_arena(nq_plan_item *items, int n, size_t align, size_t *total);

/* True when item t's bytes are overwritten later by another item (so its
 * value is gone after a run). */
bool nq_plan_clobbered(const nq_plan_item *items, int n, int t);

#endif
