/*
 * The execution engine behind nq_session (include/npuquant.h).
 *
 * At creation it checks every node's shapes against shape inference, picks
 * one kernel per node (fast float table unless reference_only, the int8
 * table for nodes whose activations are all quantized, the float reference
 * table otherwise), plans activation memory by liveness in one 64-byte
 * aligned arena (engine_plan.h), binds a view per operand, sizes one shared
 * scratch buffer and runs each kernel's prepare step. Model inputs, outputs
 * and constants live outside the reused arena.
 *
 * Lifetime: a session borrows its model's graph (free the session first)
 * and owns the arena, I/O buffers, scratch, prepared data and thread pool.
 */
#ifndef NQ_EXEC_ENGINE_H
#define NQ_EXEC_ENGINE_H

#include <stdbool.h>

#include "exec/engine_plan.h"
#include "exec/kernel.h"
#include "npuquant.h"

struct nq_threadpool;

typedef enum nq_tensor_home {
  NQ_HOME_NONE = 0, /* never produced nor read: no memory */
  NQ_HOME_CONST,    /* the graph's constant data */
  NQ_HOME_IO,       /* its own buffer (model input or output) */
  NQ_HOME_ARENA,    /* an offset in the shared, reused arena */
} nq_tensor_home;

typedef enum nq_kernel_source {
  NQ_KSRC_REF = 0,
  NQ_KSRC_FAST,
  NQ_KSRC_INT8,
  NQ_KSRC_INT8_FAST,
} nq_kernel_source;

struct nq_session {
  const nq_graph *g;
  nq_session_options opts;
  struct nq_threadpool *pool;
  /* per node */
  const nq_kernel **kern;
  nq_kernel_source *ksrc;
  void **prepared;
  nq_tview **node_in, **node_out; /* views, rebuilt by bind */
  /* per tensor */
  nq_tensor_home *home;
  nq_plan_item *plan; /* size/lifetime/offset of arena tensors */
  size_t *nbytes;
  void **io_buf;
  bool *clobbered;
  /* memory */
  unsigned char *arena;
  size_t arena_size;
  size_t activation_total; /* sum of the arena tensors' (aligned) sizes */
  void *scratch;
  size_t scratch_size;
  bool keep_all;
  bool has_run;
  /* nq_session_profile: per-node wall time summed over profile_runs runs;
   * NULL when not profiling (the run loop then reads no clock). */
  double *node_ms;
  long profile_runs;
};

nq_status nq_engine_create(const nq_graph *g, const nq_session_options *opts, nq_session **out,
                           nq_error *err);
void nq_engine_free(nq_session *s);
nq_status nq_engine_run(nq_session *s, nq_error *err);
/* Run only the first n_nodes nodes (execution order): what a caller that
 * reads one early tensor needs (bias correction, layer by layer). The later
 * nodes' tensors keep whatever they held. */
nq_status nq_engine_run_prefix(nq_session *s, int n_nodes, nq_error *err);
/* Start (on: zeroed totals) or stop timing every node (nq_session_profile). */
nq_status nq_engine_profile(nq_session *s, bool on, nq_error *err);
/* Re-plan memory without reuse (nq_session_keep_all_tensors). */
nq_status nq_engine_keep_all(nq_session *s, nq_error *err);

/* Internal figures for tests and reports. */
size_t nq_session_arena_bytes(const nq_session *s);
size_t nq_session_activation_bytes(const nq_session *s);
/* Which table node n's kernel came from ("ref", "fast", "int8"). */
const char *nq_session_kernel_source(const nq_session *s, int n);

#endif
