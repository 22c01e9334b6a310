/*
 * Fast MEAN and SUM (float32) when the reduced axes are one contiguous run
 * of dimensions: the input is then [outer, red, inner] and out[o][i] sums
 * in[o][r][i] over r. The global average pool of squeeze-excite blocks
 * (MEAN over H and W of NHWC) is this shape with inner = C, so the inner
 * loop runs along contiguous channels and vectorizes, where the reference
 * walks a multi-index per element. Sums are kept in double and added in the
 * reference's order (r increasing), and the mean divides as the reference
 * does, so results are bit-identical. Other cases go to the reference.
 */
#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"

enum { INNER_CHUNK = 64 }; /* output columns per task: double sums on the stack */

typedef struct reduce_job {
  const float *in;
  float *out;
  size_t outer, red, inner;
  size_t chunks_per_outer;
  bool mean;
} reduce_job;

/* The reduced axes as [outer, red, inner]; false unless they are one
 * contiguous run of distinct, in-range axes. */
static bool reduce_split(const nq_kernel_args *a, size_t *outer, size_t *red, size_t *inner) {
  const nq_tview *x = &a->in[0];
  int64_t axes[16];
  int na;
  if (a->n_in < 2 || !nq_ref_ints(&a->in[1], axes, 16, &na) || na < 1) return false;
  bool mark[NQ_MAX_RANK] = {false};
  int first = x->rank, last = -1;
  for (int i = 0; i < na; i++) {
    int64_t ax = axes[i] < 0 ? axes[i] + x->rank : axes[i];
    if (ax < 0 || ax >= x->rank || mark[ax]) return false; /* the reference words the error */
    mark[ax] = true;
    first = ax < first ? (int)ax : first;
    last = ax > last ? (int)ax : last;
  }
  if (last - first + 1 != na) return false;
  *outer = *red = *inner = 1;
  for (int d = 0; d < x->rank; d++) {
    size_t s = (size_t)x->shape[d];
    if (d < first)
      *outer *= s;
    else if (d > last)
      *inner *= s;
    else
      *red *= s;
  }
  return *red > 0;
}

static void reduce_task(void *ctx, int task) {
  const reduce_job *j = ctx;
  size_t o = (size_t)task / j->chunks_per_outer;
  size_t i0 = (size_t)task % j->chunks_per_outer * INNER_CHUNK;
  size_t ni = j->inner - i0 < INNER_CHUNK ? j->inner - i0 : INNER_CHUNK;
  double acc[INNER_CHUNK] = {0.0};
  const float *base = j->in + o * j->red * j->inner + i0;
  for (size_t r = 0; r < j->red; r++) {
    const float *row = base + r * j->inner;
    for (size_t i = 0; i < ni; i++) acc[i] += (double)row[i];
  }
  float *out = j->out + o * j->inner + i0;
  for (size_t i = 0; i < ni; i++) out[i] = (float)(j->mean ? acc[i] / (double)j->red : acc[i]);
}

static nq_status reduce_run(nq_op op, const nq_kernel_args *a, nq_error *err) {
  reduce_job j = {.mean = op == NQ_OP_MEAN};
  if (!nq_fast_is_f32(a, 0, -1) || a->n_out < 1 || a->out[0].type != NQ_FLOAT32 || !a->out[0].data ||
      !reduce_split(a, &j.outer, &j.red, &j.inner) || j.outer * j.inner != nq_tview_elems(&a->out[0]))
    return nq_fast_delegate(op, a, err);
  j.in = a->in[0].data;
  j.out = a->out[0].data;
  j.chunks_per_outer = (j.inner + INNER_CHUNK - 1) / INNER_CHUNK;
  size_t tasks = j.outer * j.chunks_per_outer;
  if (tasks == 0) return NQ_OK;
  if (tasks > (size_t)1 << 30) return nq_fast_delegate(op, a, err);
  /* One task for small reductions: waking the pool costs more than they do. */
  if (j.red * j.inner * j.outer < 16384)
    for (size_t t = 0; t < tasks; t++) reduce_task(&j, (int)t);
  else
    nq_threadpool_run(a->pool, (int)tasks, reduce_task, &j);
  return NQ_OK;
}

nq_status nq_mean_fast_run(const nq_kernel_args *a, nq_error *err) { return reduce_run(NQ_OP_MEAN, a, err); }
nq_status nq_sum_fast_run(const nq_kernel_args *a, nq_error *err) { return reduce_run(NQ_OP_SUM, a, err); }

nq_status nq_reduce_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(a->node->op, a, err);
}

/* The reference's double accumulators, for the cases handed to it. */
size_t nq_reduce_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(a->node->op, a); }
