/*
 * Fast ADD, SUB and MUL on float32: operands of the output's shape (the
 * residual adds of MobileNetV2-style models), or one operand broadcast as
 * the output's innermost dims (the [N,H,W,C] x [1,1,1,C] channel scales of
 * squeeze-excite blocks) or as a single value. Vectorizable loops with the
 * fused activation clamp, threaded over chunks when large. Other
 * broadcasts, int32 operands and TANH/SIGN_BIT activations go to the
 * reference. Each element is the reference's own x op y, clamped: the same
 * IEEE results.
 */
#include "exec/float/fast_common.h"
#include "exec/float/fast_kernels.h"

enum { CHUNK = 16384 }; /* elements per task: large enough to amortize a task */

typedef struct ew_job {
  nq_op op;
  const float *x, *y;
  float *out;
  size_t n;
  size_t px, py; /* each operand's period over the output (n: not broadcast) */
  float lo, hi;
} ew_job;

static bool ew_fast_applies(const nq_kernel_args *a, size_t *px, size_t *py) {
  float lo, hi;
  if (!(a->n_in >= 2 && a->n_out >= 1 && nq_fast_is_f32(a, 0, -1) && nq_fast_is_f32(a, 1, -1) &&
        a->out[0].type == NQ_FLOAT32 && a->out[0].data && nq_fast_act_range(a->p->act, &lo, &hi)))
    return false;
  const size_t n = nq_tview_elems(&a->out[0]);
  *px = nq_tview_inner_period(&a->in[0], &a->out[0]);
  *py = nq_tview_inner_period(&a->in[1], &a->out[0]);
  /* One operand may repeat, not both (that is an outer product). */
  return n > 0 && ((*px == n && *py && n % *py == 0) || (*py == n && *px && n % *px == 0));
}

/* No restrict: the output may alias an input (in-place), which is fine
 * element by element; the compiler vectorizes behind an overlap check. */
static void ew_range(nq_op op, const float *x, const float *y, float *out, size_t n, float lo, float hi) {
  switch (op) {
    case NQ_OP_ADD:
      for (size_t i = 0; i < n; i++) {
        float v = x[i] + y[i];
        v = v < lo ? lo : v;
        out[i] = v > hi ? hi : v;
      }
      break;
    case NQ_OP_SUB:
      for (size_t i = 0; i < n; i++) {
        float v = x[i] - y[i];
        v = v < lo ? lo : v;
        out[i] = v > hi ? hi : v;
      }
      break;
    default: /* MUL */
      for (size_t i = 0; i < n; i++) {
        float v = x[i] * y[i];
        v = v < lo ? lo : v;
        out[i] = v > hi ? hi : v;
      }
      break;
  }
}

/* x op s (s_first: s op x) for a single value s. */
static void ew_scalar(nq_op op, const float *x, float s, bool s_first, float *out, size_t n, float lo,
                      float hi) {
  switch (op) {
    case NQ_OP_ADD:
      for (size_t i = 0; i < n; i++) {
        float v = s_first ? s + x[i] : x[i] + s;
        v = v < lo ? lo : v;
        out[i] = v > hi ? hi : v;
      }
      break;
    case NQ_OP_SUB:
      for (size_t i = 0; i < n; i++) {
        float v = s_first ? s - x[i] : x[i] - s;
        v = v < lo ? lo : v;
        out[i] = v > hi ? hi : v;
      }
      break;
    default: /* MUL */
      for (size_t i = 0; i < n; i++) {
        float v = s_first ? s * x[i] : x[i] * s;
        v = v < lo ? lo : v;
        out[i] = v > hi ? hi : v;
      }
      break;
  }
}

/* Elements [b, b + len) where neither operand wraps around its period. */
static void ew_segment(const ew_job *j, size_t b, size_t len) {
  const float *x = j->x + b % j->px, *y = j->y + b % j->py;
  if (j->px == 1)
    ew_scalar(j->op, y, x[0], true, j->out + b, len, j->lo, j->hi);
  else if (j->py == 1)
    ew_scalar(j->op, x, y[0], false, j->out + b, len, j->lo, j->hi);
  else
    ew_range(j->op, x, y, j->out + b, len, j->lo, j->hi);
}

static void ew_task(void *ctx, int task) {
  const ew_job *j = ctx;
  size_t b = (size_t)task * CHUNK, e = b + CHUNK < j->n ? b + CHUNK : j->n;
  const size_t period = j->px < j->py ? j->px : j->py; /* the broadcast operand's, or n */
  if (period == 1 || period == j->n) {
    ew_segment(j, b, e - b);
    return;
  }
  while (b < e) {
    size_t seg = (b / period + 1) * period;
    if (seg > e) seg = e;
    ew_segment(j, b, seg - b);
    b = seg;
  }
}

static nq_status ew_run(nq_op op, const nq_kernel_args *a, nq_error *err) {
  ew_job j = {.op = op,
              .x = a->in[0].data,
              .y = a->in[1].data,
              .out = a->out[0].data,
              .n = nq_tview_elems(&a->out[0])};
  if (!ew_fast_applies(a, &j.px, &j.py)) return nq_fast_delegate(op, a, err);
  nq_fast_act_range(a->p->act, &j.lo, &j.hi);
  size_t tasks = (j.n + CHUNK - 1) / CHUNK;
  if (tasks > (size_t)1 << 30)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (%s): %zu elements, too many", a->node_index,
                   nq_op_name(op), j.n);
  nq_threadpool_run(a->pool, (int)tasks, ew_task, &j);
  return NQ_OK;
}

nq_status nq_add_fast_run(const nq_kernel_args *a, nq_error *err) { return ew_run(NQ_OP_ADD, a, err); }
size_t nq_add_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(NQ_OP_ADD, a); }
nq_status nq_add_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(NQ_OP_ADD, a, err);
}
nq_status nq_sub_fast_run(const nq_kernel_args *a, nq_error *err) { return ew_run(NQ_OP_SUB, a, err); }
size_t nq_sub_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(NQ_OP_SUB, a); }
nq_status nq_sub_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(NQ_OP_SUB, a, err);
}
nq_status nq_mul_fast_run(const nq_kernel_args *a, nq_error *err) { return ew_run(NQ_OP_MUL, a, err); }
size_t nq_mul_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(NQ_OP_MUL, a); }
nq_status nq_mul_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(NQ_OP_MUL, a, err);
}

/*
 * PRELU: out = x >= 0 ? x : x * alpha, with alpha either of x's shape or
 * broadcast along all but the last dimension (the usual per-channel
 * [1, 1, C]); other broadcasts go to the reference. Written branch-free as
 * max(x,0) + min(x,0) * alpha so it vectorizes (GCC will not speculate the
 * multiply of a select under the default -ftrapping-math): the same values
 * as the reference, except that a zero result may differ in sign.
 */
typedef struct prelu_job {
  const float *x, *alpha;
  float *out;
  size_t n, alpha_n; /* alpha_n == n, or the channel count */
} prelu_job;

static bool prelu_fast_applies(const nq_kernel_args *a, size_t *alpha_n) {
  if (!(a->n_in >= 2 && a->n_out >= 1 && nq_fast_is_f32(a, 0, -1) && nq_fast_is_f32(a, 1, -1) &&
        a->out[0].type == NQ_FLOAT32 && a->out[0].data))
    return false;
  const nq_tview *x = &a->in[0], *al = &a->in[1], *o = &a->out[0];
  if (x->rank != o->rank || x->rank < 1 || al->rank > x->rank) return false;
  for (int i = 0; i < x->rank; i++)
    if (x->shape[i] != o->shape[i]) return false;
  size_t n = nq_tview_elems(x), an = nq_tview_elems(al);
  if (an == n && al->rank == x->rank) {
    for (int i = 0; i < x->rank; i++)
      if (al->shape[i] != x->shape[i]) return false;
    *alpha_n = n;
    return true;
  }
  /* Per-channel: alpha's last dim is x's last dim, every other dim is 1. */
  if (al->rank < 1 || al->shape[al->rank - 1] != x->shape[x->rank - 1]) return false;
  for (int i = 0; i < al->rank - 1; i++)
    if (al->shape[i] != 1) return false;
  *alpha_n = an;
  return an > 0;
}

static void prelu_task(void *ctx, int task) {
  const prelu_job *j = ctx;
  size_t b = (size_t)task * CHUNK, e = b + CHUNK < j->n ? b + CHUNK : j->n;
  if (j->alpha_n == j->n) {
    for (size_t i = b; i < e; i++) {
      float x = j->x[i], pos = x < 0.0f ? 0.0f : x, neg = x < 0.0f ? x : 0.0f;
      j->out[i] = pos + neg * j->alpha[i];
    }
    return;
  }
  size_t c = j->alpha_n, i = b;
  while (i < e) { /* one run of channels at a time, so the inner loop vectorizes */
    size_t ch = i % c, len = c - ch < e - i ? c - ch : e - i;
    const float *x = j->x + i, *al = j->alpha + ch;
    float *out = j->out + i;
    for (size_t q = 0; q < len; q++) {
      float pos = x[q] < 0.0f ? 0.0f : x[q], neg = x[q] < 0.0f ? x[q] : 0.0f;
      out[q] = pos + neg * al[q];
    }
    i += len;
  }
}

nq_status nq_prelu_fast_run(const nq_kernel_args *a, nq_error *err) {
  prelu_job j;
  if (!prelu_fast_applies(a, &j.alpha_n)) return nq_fast_delegate(NQ_OP_PRELU, a, err);
  j.x = a->in[0].data;
  j.alpha = a->in[1].data;
  j.out = a->out[0].data;
  j.n = nq_tview_elems(&a->out[0]);
  size_t tasks = (j.n + CHUNK - 1) / CHUNK;
  if (tasks > (size_t)1 << 30)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (PRELU): %zu elements, too many", a->node_index, j.n);
  nq_threadpool_run(a->pool, (int)tasks, prelu_task, &j);
  return NQ_OK;
}
size_t nq_prelu_fast_scratch(const nq_kernel_args *a) { return nq_fast_ref_scratch(NQ_OP_PRELU, a); }
nq_status nq_prelu_fast_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  return nq_fast_ref_check(NQ_OP_PRELU, a, err);
}
