/*
 * Helpers shared by the fast float kernels (*_fast.c): the fused-activation
 * clamp range, TFLite's padding offsets, and the hand-off to the reference
 * kernel for the cases a fast kernel does not specialise (other dtypes,
 * broadcasting, non-constant weights, TANH/SIGN_BIT fused activations).
 * Handing off keeps one definition of every corner case: the reference.
 */
#ifndef NQ_EXEC_FLOAT_FAST_COMMON_H
#define NQ_EXEC_FLOAT_FAST_COMMON_H

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/status.h"
#include "exec/float/ref.h"
#include "exec/kernel.h"
#include "exec/threadpool.h"

/* Most scratch slots (threads) a kernel uses, see nq_fast_slots. */
#define NQ_FAST_MAX_SLOTS 32

/* TFLite's CalculateActivationRange for float: the clamp a fused activation
 * applies. False for activations that are not a clamp (TANH, SIGN_BIT). */
static inline bool nq_fast_act_range(nq_activation act, float *lo, float *hi) {
  switch (act) {
    case NQ_ACT_NONE:
      *lo = -INFINITY;
      *hi = INFINITY;
      return true;
    case NQ_ACT_RELU:
      *lo = 0.0f;
      *hi = INFINITY;
      return true;
    case NQ_ACT_RELU6:
      *lo = 0.0f;
      *hi = 6.0f;
      return true;
    case NQ_ACT_RELU_N1_TO_1:
      *lo = -1.0f;
      *hi = 1.0f;
      return true;
    default:
      return false;
  }
}

/* Leading padding of one spatial dimension, as TFLite computes it from the
 * output size: half the total padding, rounded down; VALID pads nothing. */
static inline int nq_fast_pad_before(nq_padding pad, int in, int out, int stride, int filter, int dilation) {
  if (pad != NQ_PAD_SAME) return 0;
  long eff = (long)(filter - 1) * dilation + 1;
  long total = (long)(out - 1) * stride + eff - in;
  return total > 0 ? (int)(total / 2) : 0;
}

/* Run the reference kernel for `op` instead. It gets prepared == NULL: the
 * reference CONV/DW/FC/pool kernels keep no prepared data (their prepare
 * only checks types, see nq_fast_ref_check). */
static inline nq_status nq_fast_delegate(nq_op op, const nq_kernel_args *a, nq_error *err) {
  const nq_kernel *k = &nq_float_kernels_ref[op];
  if (!k->run)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "node %d (%s): no reference kernel to fall back to",
                   a->node_index, nq_op_name(op));
  nq_kernel_args ra = *a;
  ra.prepared = NULL;
  return k->run(&ra, err);
}

/* The reference's prepare-time checks (operand types, known activation), so
 * a node the reference rejects is rejected at session creation here too. */
static inline nq_status nq_fast_ref_check(nq_op op, const nq_kernel_args *a, nq_error *err) {
  const nq_kernel *k = &nq_float_kernels_ref[op];
  if (!k->prepare) return NQ_OK;
  void *ref_prepared = NULL;
  nq_status s = k->prepare(a, &ref_prepared, err);
  if (ref_prepared) {
    if (k->release)
      k->release(ref_prepared);
    else
      free(ref_prepared);
  }
  return s;
}

static inline size_t nq_fast_ref_scratch(nq_op op, const nq_kernel_args *a) {
  const nq_kernel *k = &nq_float_kernels_ref[op];
  return k->scratch ? k->scratch(a) : 0;
}

/*
 * Scratch slots for kernels that split work into more tasks than threads
 * (so a thread that is descheduled mid-run holds up only a small task) yet
 * need a private scratch slice per running task: a task takes a free slot
 * and gives it back. At most nq_threadpool_size() tasks run at once, so
 * with that many slots one is always free. Up to 32 slots.
 */
typedef struct nq_fast_slots {
  atomic_uint busy; /* bit i set: slot i in use */
} nq_fast_slots;

static inline int nq_fast_slot_take(nq_fast_slots *s, int n_slots) {
  for (;;) {
    unsigned b = atomic_load_explicit(&s->busy, memory_order_relaxed);
    for (int i = 0; i < n_slots; i++) {
      if (b & (1u << i)) continue;
      if (atomic_compare_exchange_weak_explicit(&s->busy, &b, b | (1u << i), memory_order_acquire,
                                                memory_order_relaxed))
        return i;
      break; /* b changed: rescan */
    }
  }
}

static inline void nq_fast_slot_give(nq_fast_slots *s, int slot) {
  atomic_fetch_and_explicit(&s->busy, ~(1u << slot), memory_order_release);
}

/* Whether a sliding window's coordinates fit in int with room to spare
 * (output index * stride + tap * dilation, padding offsets), so the int
 * arithmetic of the window kernels cannot overflow on hostile parameters. */
static inline bool nq_fast_window_fits(int h, int w, int oh, int ow, int kh, int kw, int sh, int sw, int dh,
                                       int dw) {
  const long long lim = 1LL << 29;
  if (h < 0 || w < 0 || oh < 0 || ow < 0 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1)
    return false;
  return (long long)oh * sh + (long long)(kh - 1) * dh + h < lim &&
         (long long)ow * sw + (long long)(kw - 1) * dw + w < lim;
}

/* Whether tensor view i is a float32 of the given rank with data. */
static inline bool nq_fast_is_f32(const nq_kernel_args *a, int i, int rank) {
  return i < a->n_in && a->in[i].type == NQ_FLOAT32 && a->in[i].data && (rank < 0 || a->in[i].rank == rank);
}

/* Whether node input i is a constant of the graph (weights fixed at prepare). */
static inline bool nq_fast_input_is_const(const nq_kernel_args *a, int i) {
  if (!a->graph || !a->node) return a->in[i].data != NULL; /* hand-built args in tests */
  if (i >= a->node->n_in) return false;
  int t = a->node->in[i];
  return t >= 0 && t < a->graph->n_tensors && a->graph->tensors[t].data != NULL;
}

#endif
