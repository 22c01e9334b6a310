/*
 * Fast integer ADD, SUB, MUL, MAXIMUM, MINIMUM: a 256 x 256 table.
 *
 * With 8-bit inputs an elementwise op is a function of two bytes, so
 * prepare evaluates the reference (elementwise_s8.c, the session's rounding
 * mode) on all 65536 input pairs and run only looks results up: bit-exact
 * with the reference by construction, and one load per element instead of
 * two or three fixed-point multiplies. 64 KiB per node; the session's rounding
 * mode is fixed when it prepares, so one table serves every run.
 *
 * Run handles the broadcasts real networks use without an odometer: equal
 * shapes, one side a single value, and one side repeating along the
 * innermost dimensions (the [N,H,W,C] x [1,1,1,C] channel vector of
 * squeeze-excite blocks), split over the thread pool when large (resnet50's
 * residual ADDs are 800K elements). Any other broadcast walks the
 * reference's odometer over the same table.
 *
 * Where the arithmetic allows (binary_simd.h: single-rounding ADD/SUB/MUL
 * in XNNPACK's form, MAXIMUM/MINIMUM always) and the CPU has AVX2, the
 * fast forms compute 16 elements per step in vector registers instead
 * (about 3x the table's rate on two-input ADDs and MULs: the 64 KiB table
 * does not fit L1 and each lookup is a dependent load); the table finishes
 * the tails and runs rows shorter than a vector.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/int8/binary_simd.h"
#include "exec/int8/int8_kernels.h"
#include "exec/threadpool.h"

/* The prepared block: result byte for (x1 byte << 8) | x2 byte. */
typedef struct binfast_prep {
  uint8_t table[256 * 256];
  bool vec_ok; /* the vector form computes this node exactly */
  nq_i8_binary_vec vec;
} binfast_prep;

nq_status nq_i8_binary_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  void *ref = NULL;
  nq_status st = nq_i8_binary_prepare(a, &ref, err);
  if (st != NQ_OK) { /* the reference may have allocated its block before failing */
    free(ref);
    return st;
  }
  binfast_prep *p = malloc(sizeof *p);
  if (!p) {
    free(ref);
    return nq_i8_fail(a, err, "out of memory");
  }
  const bool u8 = a->out[0].type == NQ_UINT8;
  for (int b1 = 0; b1 < 256; b1++)
    for (int b2 = 0; b2 < 256; b2++) {
      const int32_t x1 = u8 ? b1 : (int32_t)(int8_t)(uint8_t)b1, x2 = u8 ? b2 : (int32_t)(int8_t)(uint8_t)b2;
      p->table[b1 << 8 | b2] = (uint8_t)nq_i8_binary_eval(a, ref, x1, x2); /* two's complement byte */
    }
  p->vec_ok = nq_i8_binary_vec_params(a, ref, &p->vec);
  free(ref); /* the table and the vector parameters hold everything run needs */
  *prepared = p;
  return NQ_OK;
}

/* One of the fast forms: out[i] = table[x[i % px] << 8 | y[i % py]], px and
 * py each n or a divisor of n (the repeating side). */
typedef struct bin_job {
  const uint8_t *x, *y, *t;
  const nq_i8_binary_vec *vec; /* NULL: table only */
  uint8_t *o;
  size_t n, px, py, chunk;
} bin_job;

static void bin_range(const bin_job *j, size_t i0, size_t i1) {
  const uint8_t *x = j->x, *y = j->y, *t = j->t;
  uint8_t *o = j->o;
  /* Vectors pay where a period holds at least one (or is a single value). */
  const size_t per = j->px < j->py ? j->px : j->py;
  if (j->vec && (per == 1 || per >= 16) && nq_i8_binary_vec_range(j->vec, t, x, j->px, y, j->py, o, i0, i1))
    return;
  if (j->px == j->n && j->py == j->n) {
    for (size_t i = i0; i < i1; i++) o[i] = t[x[i] << 8 | y[i]];
  } else if (j->px == j->n) {
    for (size_t i = i0, c = i0 % j->py; i < i1; i++, c = c + 1 == j->py ? 0 : c + 1)
      o[i] = t[x[i] << 8 | y[c]];
  } else {
    for (size_t i = i0, c = i0 % j->px; i < i1; i++, c = c + 1 == j->px ? 0 : c + 1)
      o[i] = t[x[c] << 8 | y[i]];
  }
}

static void bin_task(void *ctx, int k) {
  const bin_job *j = ctx;
  const size_t i0 = (size_t)k * j->chunk, i1 = i0 + j->chunk < j->n ? i0 + j->chunk : j->n;
  bin_range(j, i0, i1);
}

/* Elements per task: a task of fewer would cost more in hand-off than it saves. */
#define BIN_TASK_MIN 32768

nq_status nq_i8_binary_fast_run(const nq_kernel_args *a, nq_error *err) {
  const binfast_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *i0 = &a->in[0], *i1 = &a->in[1], *out = &a->out[0];
  const uint8_t *x = i0->data, *y = i1->data, *t = p->table;
  uint8_t *o = out->data;
  const size_t n = nq_tview_elems(out);
  if (n == 0) return NQ_OK;
  {
    const size_t per0 = nq_tview_inner_period(i0, out), per1 = nq_tview_inner_period(i1, out);
    if ((per0 == n && per1 && n % per1 == 0) || (per1 == n && per0 && n % per0 == 0)) {
      bin_job j = {
          .x = x, .y = y, .t = t, .vec = p->vec_ok ? &p->vec : NULL, .o = o, .n = n, .px = per0, .py = per1};
      const size_t threads = (size_t)nq_threadpool_size(a->pool);
      size_t tasks = n / BIN_TASK_MIN < 4 * threads ? n / BIN_TASK_MIN : 4 * threads;
      if (threads < 2 || tasks < 2) {
        bin_range(&j, 0, n);
        return NQ_OK;
      }
      j.chunk = (n + tasks - 1) / tasks;
      tasks = (n + j.chunk - 1) / j.chunk;
      nq_threadpool_run(a->pool, (int)tasks, bin_task, &j);
      return NQ_OK;
    }
  }
  int64_t st0[NQ_MAX_RANK], st1[NQ_MAX_RANK];
  NQ_TRY(nq_i8_bcast_strides(a, i0, out, st0, err));
  NQ_TRY(nq_i8_bcast_strides(a, i1, out, st1, err));
  nq_i8_iter it;
  nq_i8_iter_init(&it, out, st0, st1);
  for (size_t i = 0; i < n; i++, nq_i8_iter_next(&it)) o[i] = t[x[it.off0] << 8 | y[it.off1]];
  return NQ_OK;
}
