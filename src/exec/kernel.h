/*
 * The contract between the execution engine and the kernels.
 *
 * A kernel computes one node. The engine has already inferred every shape,
 * allocated every output, and resolved each input to a view (type, shape,
 * data). Kernels never allocate: scratch memory of the size their `scratch`
 * function asked for is passed in (CMSIS-NN's _get_buffer_size pattern).
 * Kernels never print; a failure fills err naming the node.
 *
 * Reference kernels (src/exec/float/ *_ref.c, src/exec/int8/ *_ref.c) are
 * plain loops and the definition of correct; fast kernels live in their own
 * files, may use the thread pool, and are tested against the references.
 */
#ifndef NQ_EXEC_KERNEL_H
#define NQ_EXEC_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"

struct nq_threadpool;

/* A tensor as a kernel sees it. data == NULL only for an absent optional
 * input (node input index -1). `q` points at the tensor's quantization. */
typedef struct nq_tview {
  nq_dtype type;
  int rank;
  int32_t shape[NQ_MAX_RANK];
  void *data;
  const nq_quant *q;
} nq_tview;

typedef struct nq_kernel_args {
  const nq_graph *graph;
  int node_index;
  const nq_node *node;
  const nq_op_params *p;
  int n_in;
  const nq_tview *in;
  int n_out;
  nq_tview *out;
  void *scratch; /* scratch_size bytes, 64-byte aligned, or NULL */
  size_t scratch_size;
  struct nq_threadpool *pool; /* may be NULL: run single-threaded */
  const void *prepared;       /* per-node data from the kernel's prepare step, or NULL */
  int single_rounding;        /* int8 kernels: 1 = single rounding, 0 = TFLite double rounding */
} nq_kernel_args;

typedef nq_status (*nq_kernel_fn)(const nq_kernel_args *a, nq_error *err);
/* Bytes of scratch a kernel needs for this node (0 if none). */
typedef size_t (*nq_scratch_fn)(const nq_kernel_args *a);

/* Once per node at session creation: all float work that does not depend on
 * the input values (e.g. per-channel requantization multipliers, packed
 * weights). *prepared is freed with release(). May be NULL. */
typedef nq_status (*nq_prepare_fn)(const nq_kernel_args *a, void **prepared, nq_error *err);

typedef struct nq_kernel {
  nq_kernel_fn run;
  nq_scratch_fn scratch;           /* NULL: no scratch */
  nq_prepare_fn prepare;           /* NULL: nothing to prepare */
  void (*release)(void *prepared); /* NULL: free() */
} nq_kernel;

/* Element count of a view. */
static inline size_t nq_tview_elems(const nq_tview *v) {
  size_t n = 1;
  for (int i = 0; i < v->rank; i++) n *= (size_t)v->shape[i];
  return n;
}

/* The period with which view v repeats over view out in a numpy broadcast
 * (shapes right-aligned) when v is the output's innermost dims and 1
 * elsewhere: the [1,1,1,C] channel vector of a squeeze-excite block over
 * [N,H,W,C] has period C, a single value period 1, an input of the output's
 * shape period elems(out). The output's last dims are matched until their
 * product reaches v's element count; v's remaining dims then multiply to 1,
 * so they are all 1. 0 when v is not of that form. */
static inline size_t nq_tview_inner_period(const nq_tview *v, const nq_tview *out) {
  if (v->rank > out->rank) return 0;
  const size_t n = nq_tview_elems(v);
  size_t prod = 1;
  for (int d = out->rank - 1; d >= 0 && prod < n; d--) {
    const int k = d - (out->rank - v->rank);
    if (k < 0 || v->shape[k] != out->shape[d]) return 0;
    prod *= (size_t)out->shape[d];
  }
  return prod == n ? n : 0;
}

#endif
