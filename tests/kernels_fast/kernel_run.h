/*
 * Run one node through a kernel table without a session (prepare, scratch,
 * run, release), as the fast-versus-reference tests do.
 */
#ifndef NQ_TEST_KERNEL_RUN_H
#define NQ_TEST_KERNEL_RUN_H

#include <stdlib.h>
#include <string.h>

#include "exec/kernel.h"

/* Node `op` with parameters p on views in[0..n_in) -> *out, kernel table
 * `tab`; when `ask` is given, *answer gets ask(args) (e.g. whether the
 * node takes a fast path). */
static inline nq_status nq_test_run_kernel(const nq_kernel *tab, nq_op op, const nq_op_params *p,
                                           const nq_tview *in, int n_in, nq_tview *out, int single,
                                           nq_threadpool *pool, bool (*ask)(const nq_kernel_args *),
                                           bool *answer, nq_error *err) {
  nq_node node;
  memset(&node, 0, sizeof node);
  node.op = op;
  node.p = *p;
  nq_kernel_args a;
  memset(&a, 0, sizeof a);
  a.node = &node;
  a.p = &node.p;
  a.n_in = n_in;
  a.in = in;
  a.n_out = 1;
  a.out = out;
  a.single_rounding = single;
  a.pool = pool;
  if (ask) *answer = ask(&a);
  const nq_kernel *k = &tab[op];
  void *prep = NULL;
  nq_status st = k->prepare ? k->prepare(&a, &prep, err) : NQ_OK;
  if (st == NQ_OK) {
    a.prepared = prep;
    const size_t ss = k->scratch ? k->scratch(&a) : 0;
    a.scratch = ss ? aligned_alloc(64, (ss + 63) & ~(size_t)63) : NULL;
    a.scratch_size = ss;
    st = k->run(&a, err);
    free(a.scratch);
  }
  if (k->release)
    k->release(prep);
  else
    free(prep);
  return st;
}

#endif
