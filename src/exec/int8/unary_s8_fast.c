/*
 * Fast integer element-wise unary ops: HARD_SWISH, RELU, RELU6,
 * RELU_N1_TO_1, LEAKY_RELU, ABS, LOGISTIC, TANH, ELU, GELU, EXP, LOG.
 *
 * Their output byte depends on the input byte alone (the quantization is
 * per tensor), so prepare runs the node's own reference kernel
 * (activation_s8.c, the session's rounding mode) once on the 256 possible
 * input bytes and run only looks results up: bit-exact with the reference
 * by construction, one load per element where the reference spends a dozen
 * fixed-point steps (HARD_SWISH) and a type switch per element. Large
 * tensors (YOLOv5n's SiLU sigmoids reach 1.6M elements) are split over the
 * thread pool.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/int8/int8.h"
#include "exec/int8/int8_kernels.h"
#include "exec/threadpool.h"

typedef struct unary_fast_prep {
  uint8_t table[256]; /* output byte for input byte b (two's complement for int8) */
} unary_fast_prep;

nq_status nq_i8_unary_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  const nq_kernel *ref = &nq_int8_kernels[a->node->op];
  if (!ref->run || a->n_in < 1 || a->n_out < 1) return nq_i8_fail(a, err, "no reference kernel to tabulate");
  void *ref_prep = NULL;
  nq_status st = ref->prepare ? ref->prepare(a, &ref_prep, err) : NQ_OK;
  unary_fast_prep *p = NULL;
  if (st == NQ_OK) st = nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err);
  if (st == NQ_OK) {
    /* The node's args with its input and output replaced by 256-element
     * vectors holding every byte: same types and quantization, same node. */
    uint8_t all[256];
    for (int b = 0; b < 256; b++) all[b] = (uint8_t)b;
    nq_tview in = a->in[0], out = a->out[0];
    in.rank = out.rank = 1;
    in.shape[0] = out.shape[0] = 256;
    in.data = all;
    out.data = p->table;
    nq_kernel_args ta = *a;
    ta.n_in = 1;
    ta.in = &in;
    ta.n_out = 1;
    ta.out = &out;
    ta.prepared = ref_prep;
    st = ref->run(&ta, err);
  }
  if (ref_prep) {
    if (ref->release)
      ref->release(ref_prep);
    else
      free(ref_prep);
  }
  if (st != NQ_OK) {
    free(p);
    return st;
  }
  *prepared = p;
  return NQ_OK;
}

typedef struct unary_job {
  const uint8_t *x, *t;
  uint8_t *o;
  size_t n, chunk;
} unary_job;

static void unary_task(void *ctx, int k) {
  const unary_job *j = ctx;
  const size_t i0 = (size_t)k * j->chunk, i1 = i0 + j->chunk < j->n ? i0 + j->chunk : j->n;
  const uint8_t *x = j->x, *t = j->t;
  uint8_t *o = j->o;
  for (size_t i = i0 + nq_i8_table_lookup_avx2(t, x + i0, o + i0, i1 - i0); i < i1; i++) o[i] = t[x[i]];
}

/* Elements per task: fewer cost more in hand-off than they save. */
#define UNARY_TASK_MIN 32768

nq_status nq_i8_unary_fast_run(const nq_kernel_args *a, nq_error *err) {
  const unary_fast_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const size_t n = nq_tview_elems(&a->in[0]);
  if (n != nq_tview_elems(&a->out[0]))
    return nq_i8_fail(a, err, "input has %zu elements, output %zu", n, nq_tview_elems(&a->out[0]));
  unary_job j = {.x = a->in[0].data, .t = p->table, .o = a->out[0].data, .n = n, .chunk = n};
  const size_t threads = (size_t)nq_threadpool_size(a->pool);
  size_t tasks = n / UNARY_TASK_MIN < 4 * threads ? n / UNARY_TASK_MIN : 4 * threads;
  if (threads < 2 || tasks < 2) {
    unary_task(&j, 0);
    return NQ_OK;
  }
  j.chunk = (n + tasks - 1) / tasks;
  tasks = (n + j.chunk - 1) / j.chunk;
  nq_threadpool_run(a->pool, (int)tasks, unary_task, &j);
  return NQ_OK;
}
