/*
 * Fast int16 (16x8) LOGISTIC / TANH / EXP and ADD / SUB / MUL / MAXIMUM /
 * MINIMUM on equal shapes: the reference's own per-element loops
 * (nq_s16_lut_range, nq_s16_binary_range) run on contiguous slices over the
 * thread pool, so every output is the reference's by construction.
 * Broadcasts and anything that is not int16 run the reference kernel.
 */
#include "exec/int8/fast_work.h"
#include "exec/int8/int8_kernels.h"

typedef struct s16_ew_job {
  const void *p;
  const int16_t *x1, *x2; /* x2 NULL: a one-input op */
  int16_t *y;
  size_t n;
  int n_tasks;
} s16_ew_job;

static void ew_task(void *ctx, int k) {
  const s16_ew_job *j = ctx;
  const size_t i0 = j->n * (size_t)k / (size_t)j->n_tasks, i1 = j->n * (size_t)(k + 1) / (size_t)j->n_tasks;
  if (j->x2)
    nq_s16_binary_range(j->p, j->x1 + i0, j->x2 + i0, j->y + i0, i1 - i0);
  else
    nq_s16_lut_range(j->p, j->x1 + i0, j->y + i0, i1 - i0);
}

/* ~16 operations an element: tasks of >= 4K elements, 4 a thread. */
static void run_slices(const nq_kernel_args *a, s16_ew_job *j) {
  const double work = (double)j->n * 16.0;
  const size_t units = j->n / 4096 + 1;
  j->n_tasks = nq_i8_task_count(nq_threadpool_size(a->pool), 4, work, units > 1024 ? 1024 : (int)units);
  nq_threadpool_run(j->n_tasks > 1 ? a->pool : NULL, j->n_tasks, ew_task, j);
}

nq_status nq_s16_lut_fast_run(const nq_kernel_args *a, nq_error *err) {
  if (!a->prepared || a->n_in < 1 || a->n_out < 1 || a->in[0].type != NQ_INT16 ||
      a->out[0].type != NQ_INT16 || nq_tview_elems(&a->in[0]) != nq_tview_elems(&a->out[0]))
    return nq_i8_lut_run(a, err); /* its checks and messages */
  s16_ew_job j = {
      .p = a->prepared, .x1 = a->in[0].data, .y = a->out[0].data, .n = nq_tview_elems(&a->out[0])};
  run_slices(a, &j);
  return NQ_OK;
}

nq_status nq_s16_binary_fast_run(const nq_kernel_args *a, nq_error *err) {
  if (!a->prepared || a->n_in != 2 || a->n_out != 1 || a->in[0].type != NQ_INT16 ||
      a->in[1].type != NQ_INT16 || a->out[0].type != NQ_INT16 || !nq_s16_binary_same_shape(a))
    return nq_i8_binary_run(a, err); /* broadcasts, checks and messages */
  s16_ew_job j = {.p = a->prepared,
                  .x1 = a->in[0].data,
                  .x2 = a->in[1].data,
                  .y = a->out[0].data,
                  .n = nq_tview_elems(&a->out[0])};
  run_slices(a, &j);
  return NQ_OK;
}
