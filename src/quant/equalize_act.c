/*
 * Activation-range equalization (`--equalize`, after the weight pass in
 * equalize.c): the same exact rescaling of a conv -> conv pair, with the
 * scale chosen from the calibration samples' per-channel activation ranges
 * instead of the weights', and allowed through bounded activations.
 *
 * Why: one int8 scale covers a whole activation tensor. A channel whose
 * values stay in 0..0.04 while its neighbours reach 6 keeps about 2 of
 * its 8 bits, and a depthwise consumer with a large gain on that channel
 * amplifies the rounding (MediaPipe's pose landmark net loses 20 dB at its
 * first depthwise layer this way). Scaling the producer's channel c up by
 * k_c = (tensor's maximum) / (channel's maximum) (halved, at most 16: below)
 * and the consumer's input
 * channel c down by k_c leaves the float function as it was, and the
 * channel then spans the tensor's whole range.
 *
 * Exactness through a clip: relu6(k x) = k relu6(x) for k >= 1 only while
 * k x <= 6. A channel's calibrated maximum below the clip is its
 * pre-activation maximum (the clip was never reached), so k * max <= 6 keeps
 * the pair exact on every calibration sample; a channel that reaches the
 * clip gets k = 1. RELU_N1_TO_1 likewise on both sides; RELU, LEAKY_RELU,
 * PRELU, PAD with zeros, MAX_POOL_2D and AVERAGE_POOL_2D are positively
 * homogeneous (f(k x) = k f(x)) and may sit between the pair.
 *
 * A conv consumer's input channel shrinks by k_c, which costs that channel
 * some weight precision (per-channel weight scales are per output channel);
 * applying only the square root of the ratio towards a CONV_2D was
 * measured too and lost more than it saved (pose 4.7 vs 4.9 dB, hand
 * 10.9 vs 27.1 dB on their second outputs), so both kinds take it whole.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib/sample_pass.h"
#include "core/status.h"
#include "exec/engine.h"
#include "quant/equalize.h"
#include "quant/equalize_layer.h"

/* A channel is scaled to reach half the tensor's calibrated range, not all
 * of it, and by at most 16: 12 calibration photos do not show a channel's
 * whole range, and one that fires rarely on them would otherwise be
 * trusted with a large factor and clip (at the int8 range or the ReLU6)
 * on other inputs. Measured on the four MediaPipe nets of
 * docs/quantization.md (12 calibration / 12 evaluation photos, minmax):
 * the full range lost 0.1-3.9 dB on 10 of their 12 outputs (won 6.7 dB on
 * hand_landmark's presence score); no cap lost 4.7 dB on pose_landmark's
 * presence score (and won 6.8 dB on hand_landmark's). */
#define EQ_ACT_TARGET 0.5f
#define EQ_ACT_MAX_SCALE 16.0f

typedef struct act_pair {
  int a, b;       /* producer and consumer nodes */
  int t;          /* the producer's output, measured */
  float clip_lo;  /* lowest clip on the way (-INFINITY: none) */
  float clip_hi;  /* highest value that passes unclipped (INFINITY: none) */
  float *mn, *mx; /* per-channel range over the samples */
} act_pair;

/* The clip interval of a fused activation; false when it is not one the
 * scaling can pass (TANH, SIGN_BIT). */
static bool act_clip(nq_activation act, float *lo, float *hi) {
  switch (act) {
    case NQ_ACT_NONE:
    case NQ_ACT_RELU:
      return true; /* RELU clips at 0 only: homogeneous */
    case NQ_ACT_RELU6:
      *hi = fminf(*hi, 6.0f);
      return true;
    case NQ_ACT_RELU_N1_TO_1:
      *hi = fminf(*hi, 1.0f);
      *lo = fmaxf(*lo, -1.0f);
      return true;
    default:
      return false;
  }
}

/* PAD whose paddings are constant and leave the channel (last) dimension
 * alone: zeros scale with the channel. */
static bool pad_keeps_channels(const nq_graph *g, const nq_node *n) {
  if (n->n_in != 2 || n->in[1] < 0) return false;
  const nq_tensor *p = &g->tensors[n->in[1]];
  if (!p->data || p->type != NQ_INT32 || p->rank != 2 || p->shape[1] != 2 || p->shape[0] < 1) return false;
  const int32_t *v = (const int32_t *)p->data;
  int last = p->shape[0] - 1;
  return v[2 * last] == 0 && v[2 * last + 1] == 0;
}

/* From tensor t, through ops that commute with a positive per-channel scale,
 * to the conv that consumes it; -1 when the chain branches or stops. */
static int follow_chain(nq_graph *g, int t, float *lo, float *hi) {
  for (int hops = 0; hops < 8; hops++) {
    int j = nq_eq_single_consumer(g, t);
    if (j < 0) return -1;
    const nq_node *n = &g->nodes[j];
    nq_eq_layer B;
    if (nq_eq_as_layer(g, j, &B)) return j;
    switch (n->op) {
      case NQ_OP_RELU:
      case NQ_OP_LEAKY_RELU:
      case NQ_OP_PRELU:
        break;
      case NQ_OP_RELU6:
        *hi = fminf(*hi, 6.0f);
        break;
      case NQ_OP_RELU_N1_TO_1:
        *hi = fminf(*hi, 1.0f);
        *lo = fmaxf(*lo, -1.0f);
        break;
      case NQ_OP_PAD:
        if (!pad_keeps_channels(g, n)) return -1;
        break;
      case NQ_OP_MAX_POOL_2D:
      case NQ_OP_AVERAGE_POOL_2D:
        if (!act_clip(n->p.act, lo, hi)) return -1;
        break;
      default:
        return -1;
    }
    if (n->n_out < 1) return -1;
    t = n->out[0];
  }
  return -1;
}

/* The pairs this graph offers, into *out (NULL: only counted). */
static int find_pairs(nq_graph *g, act_pair *out) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    nq_eq_layer A, B;
    if (!nq_eq_as_layer(g, i, &A)) continue;
    const nq_node *na = &g->nodes[i];
    float lo = -INFINITY, hi = INFINITY;
    if (!act_clip(na->p.act, &lo, &hi)) continue;
    const nq_tensor *y = &g->tensors[na->out[0]];
    if (y->type != NQ_FLOAT32 || y->data || y->rank < 1 || y->shape[y->rank - 1] != A.oc) continue;
    int j = follow_chain(g, na->out[0], &lo, &hi);
    if (j < 0 || !nq_eq_as_layer(g, j, &B) || B.in_ch != A.oc) continue;
    if (!nq_eq_constants_private(g, &A, &B)) continue;
    if (out) out[n] = (act_pair){.a = i, .b = j, .t = na->out[0], .clip_lo = lo, .clip_hi = hi};
    n++;
  }
  return n;
}

static void fold_channels(act_pair *p, int oc, const float *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int c = (int)(i % (size_t)oc);
    if (v[i] < p->mn[c]) p->mn[c] = v[i];
    if (v[i] > p->mx[c]) p->mx[c] = v[i];
  }
}

typedef struct measure_ctx {
  act_pair *pairs;
  int n_pairs;
  const int *oc;
} measure_ctx;

static nq_status fold_sample(void *ctx, int worker, int sample, const char *name, nq_session *s,
                             nq_error *err) {
  (void)worker, (void)sample, (void)name;
  const measure_ctx *m = ctx;
  for (int p = 0; p < m->n_pairs; p++) {
    const void *data;
    size_t nbytes;
    NQ_TRY(nq_session_tensor(s, m->pairs[p].t, &data, &nbytes, err));
    fold_channels(&m->pairs[p], m->oc[p], (const float *)data, nbytes / sizeof(float));
  }
  return NQ_OK;
}

/* Per-channel ranges of every pair's measured tensor over all samples: the
 * calibration's own sample pass, on one worker (the partial ranges live in
 * the pairs). */
static nq_status measure(const nq_graph *g, const nq_sample_source *src, const nq_session_options *so,
                         act_pair *pairs, int n_pairs, const int *oc, nq_error *err) {
  measure_ctx m = {pairs, n_pairs, oc};
  return nq_sample_pass_run(g, src, so, 1, false, fold_sample, &m, err);
}

/* The scale of channel c: the tensor's range over the channel's, limited
 * by the clips on the way and by how much the consumer can give up. */
static float channel_scale(const act_pair *p, int c, float lo, float hi) {
  float mn = p->mn[c], mx = p->mx[c];
  if (!(mx > 0) && !(mn < 0)) return 1.0f; /* always 0: nothing to gain */
  float k = EQ_ACT_MAX_SCALE;
  hi *= EQ_ACT_TARGET;
  lo *= EQ_ACT_TARGET;
  if (mx > 0) k = fminf(k, hi / mx);
  if (mn < 0) k = fminf(k, lo / mn);
  /* Exact only while the scaled channel stays inside every clip. */
  if (mx > 0 && isfinite(p->clip_hi)) k = fminf(k, p->clip_hi / mx);
  if (mn < 0 && isfinite(p->clip_lo)) k = fminf(k, p->clip_lo / mn);
  return k > 1.0f && isfinite(k) ? k : 1.0f;
}

int nq_equalize_activations_count(nq_graph *g) { return find_pairs(g, NULL); }

nq_status nq_equalize_activations(nq_graph *g, const nq_sample_source *src, const nq_session_options *so,
                                  int *n_pairs, nq_error *err) {
  *n_pairs = 0;
  int n = find_pairs(g, NULL);
  if (n == 0 || !src || src->n_samples < 1) return NQ_OK;
  act_pair *pairs = calloc((size_t)n, sizeof *pairs);
  int *oc = calloc((size_t)n, sizeof *oc);
  if (!pairs || !oc) {
    free(pairs);
    free(oc);
    return nq_fail(err, NQ_ERR_NOMEM, "equalization: out of memory for %d layer pairs", n);
  }
  find_pairs(g, pairs);
  nq_status st = NQ_OK;
  for (int p = 0; p < n && st == NQ_OK; p++) {
    nq_eq_layer A;
    nq_eq_as_layer(g, pairs[p].a, &A);
    oc[p] = A.oc;
    pairs[p].mn = malloc((size_t)A.oc * sizeof(float));
    pairs[p].mx = malloc((size_t)A.oc * sizeof(float));
    if (!pairs[p].mn || !pairs[p].mx) {
      st = nq_fail(err, NQ_ERR_NOMEM, "equalization: out of memory for %d channels", A.oc);
      break;
    }
    for (int c = 0; c < A.oc; c++) {
      pairs[p].mn[c] = INFINITY;
      pairs[p].mx[c] = -INFINITY;
    }
  }
  if (st == NQ_OK) st = measure(g, src, so, pairs, n, oc, err);
  /* Every pair leaves its consumer's output unchanged, so the ranges
   * measured on the unscaled graph stay true for the pairs after it. */
  for (int p = 0; p < n && st == NQ_OK; p++) {
    nq_eq_layer A, B;
    nq_eq_as_layer(g, pairs[p].a, &A);
    nq_eq_as_layer(g, pairs[p].b, &B);
    float lo = 0, hi = 0; /* the tensor's range, 0 included as the quantizer does */
    for (int c = 0; c < A.oc; c++) {
      if (pairs[p].mn[c] < lo) lo = pairs[p].mn[c];
      if (pairs[p].mx[c] > hi) hi = pairs[p].mx[c];
    }
    int moved = 0;
    for (int c = 0; c < A.oc; c++) {
      float k = channel_scale(&pairs[p], c, lo, hi);
      if (k == 1.0f) continue;
      nq_eq_scale_out(&A, c, k);
      nq_eq_scale_in(&B, c, 1.0f / k);
      moved++;
    }
    *n_pairs += moved > 0;
  }
  for (int p = 0; p < n; p++) {
    free(pairs[p].mn);
    free(pairs[p].mx);
  }
  free(pairs);
  free(oc);
  return st;
}
