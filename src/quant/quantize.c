#include "quant/quantize.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "quant/act16.h"
#include "quant/fc_channels.h"
#include "quant/op_rules.h"
#include "quant/qparams.h"
#include "quant/scale_limits.h"
#include "quant/split_outputs.h"
#include "quant/weights.h"

nq_status nq_ranges_init(nq_ranges *r, int n, nq_error *err) {
  memset(r, 0, sizeof *r);
  r->min = calloc((size_t)(n ? n : 1), sizeof(float));
  r->max = calloc((size_t)(n ? n : 1), sizeof(float));
  r->seen = calloc((size_t)(n ? n : 1), 1);
  if (!r->min || !r->max || !r->seen) {
    nq_ranges_free(r);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %d tensor ranges", n);
  }
  r->n = n;
  return NQ_OK;
}

void nq_ranges_free(nq_ranges *r) {
  free(r->min);
  free(r->max);
  free(r->seen);
  memset(r, 0, sizeof *r);
}

nq_qoptions nq_qoptions_default(void) {
  nq_qoptions o;
  memset(&o, 0, sizeof o);
  o.input_type = NQ_INT8;
  o.output_type = NQ_INT8;
  o.input_std = 1.0f;
  return o;
}

/* ---- clusters of tensors that must share one scale and zero point ---- */

typedef struct cluster_info {
  float min, max;
  bool has_range;
  bool fixed; /* params imposed by an op or by the uint8 input mapping */
  bool is16;  /* int16 (16x8) tensors: symmetric params; never joined with int8 ones */
  nq_affine params;
} cluster_info;

typedef struct qstate {
  const nq_graph *f;
  const nq_ranges *r;
  const nq_qoptions *o;
  nq_graph *q;
  int *parent;            /* union-find over tensors of f */
  cluster_info *cl;       /* valid at roots */
  int *tmap;              /* f tensor -> q tensor for non-constant tensors, -1 otherwise */
  int *cmap;              /* f integer constant -> q tensor (copied once), -1 otherwise */
  unsigned char *requant; /* per (node, slot): 1 = requantize this input first */
  int *req_off;           /* offset of node i's slots in requant */
  bool *keep_float;       /* f tensor stays float32 in q: a custom op's output no int8 op reads */
  /* The float tail: f tensors its nodes compute (no int8 twin), and the q
   * float tensor holding each f tensor's float value there (-1: none yet). */
  unsigned char *tail_out;
  int *fmap;
  /* All-zero weight channels (pruned nets have them in many layers): one
   * summary warning at the end, naming the first layer. */
  int zero_channels, zero_layers;
  char first_zero_layer[192];
  int fc_per_channel; /* FULLY_CONNECTEDs given per-channel weights */
  double fc_pt_db, fc_pc_db;
  char first_fc_layer[192];
  /* 16x8: per f node, 1 = int16 activations; per f tensor, 1 = int16; per
   * f tensor, its q twin in the other type (-1: none yet) for the nodes of
   * the other region that read it. */
  unsigned char *node16, *t16;
  int *other;
} qstate;

static int find(qstate *s, int t) {
  while (s->parent[t] != t) {
    s->parent[t] = s->parent[s->parent[t]];
    t = s->parent[t];
  }
  return t;
}

static bool same_affine(nq_affine a, nq_affine b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

/* Parameters for [lo, hi] in an int16 (symmetric) or int8 tensor. */
static nq_affine typed_params(bool is16, float lo, float hi) {
  return is16 ? nq_act16_params(lo, hi) : nq_affine_from_range(lo, hi, -128, 127);
}

/* Join the clusters of a and b; false (nothing changed) if both carry
 * different fixed parameters. */
static bool join(qstate *s, int a, int b) {
  int ra = find(s, a), rb = find(s, b);
  if (ra == rb) return true;
  cluster_info *A = &s->cl[ra], *B = &s->cl[rb];
  if (A->fixed && B->fixed && !same_affine(A->params, B->params)) return false;
  if (A->is16 != B->is16) return false; /* int8 and int16 regions meet through a QUANTIZE */
  cluster_info m = *A;
  if (B->has_range) {
    if (!m.has_range) {
      m.min = B->min;
      m.max = B->max;
      m.has_range = true;
    } else {
      if (B->min < m.min) m.min = B->min;
      if (B->max > m.max) m.max = B->max;
    }
  }
  if (B->fixed) {
    m.fixed = true;
    m.params = B->params;
  }
  s->parent[rb] = ra;
  *A = m;
  return true;
}

/* Widen a's cluster (unless its parameters are fixed) to t's range: an
 * input requantized into a shared-scale op's output parameters instead of
 * joining them (an int8 tensor into an int16 pool: the regions never join)
 * must still fit in them, as a joined one would. An AVERAGE_POOL's output
 * spans less than its input; without this selfie_segmentation's int8
 * hard-swish values went into an int16 pool at its output's scale, 1/27 of
 * their range, and clipped (9.6 dB against float instead of int8's 12.7). */
static void cover(qstate *s, int a, int t) {
  cluster_info *A = &s->cl[find(s, a)];
  const cluster_info *T = &s->cl[find(s, t)];
  if (A->fixed || !T->has_range) return;
  if (!A->has_range) {
    A->min = T->min, A->max = T->max, A->has_range = true;
    return;
  }
  if (T->min < A->min) A->min = T->min;
  if (T->max > A->max) A->max = T->max;
}

static bool is_float_activation(const nq_graph *g, int t) {
  return t >= 0 && g->tensors[t].type == NQ_FLOAT32 && !g->tensors[t].data;
}

static void warnf(const qstate *s, const char *fmt, ...) NQ_PRINTF(2, 3);
static void warnf(const qstate *s, const char *fmt, ...) {
  if (!s->o->warn) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  s->o->warn(s->o->warn_ctx, msg);
}

/* A float-graph node by op and name only: its index differs in the int8
 * model (QUANTIZE/DEQUANTIZE nodes are inserted), which the NPU report and
 * `inspect` number. */
static const char *layer_label(const nq_graph *f, int i, char *buf, size_t n) {
  const nq_node *nd = &f->nodes[i];
  const char *nm = nd->name;
  if (!nm && nd->n_out > 0 && nd->out[0] >= 0) nm = f->tensors[nd->out[0]].name;
  snprintf(buf, n, "%s '%s'", nq_op_name(nd->op), nm ? nm : "?");
  return buf;
}

static bool node_in_float_tail(const qstate *s, const nq_node *n) {
  return s->o->float_nodes && s->o->float_nodes[n - s->f->nodes];
}

static bool node_is_float_fallback(const qstate *s, const nq_node *n) {
  return nq_quant_rule(n->op)->kind == NQ_Q_NONE || node_in_float_tail(s, n);
}

/* A custom op (TFLite_Detection_PostProcess at the end of an SSD) gets float
 * inputs through DEQUANTIZE and gives float outputs, as TensorFlow's
 * converter writes it: an output stays float32 when only float ops (or
 * nothing: a model output) read it, so no QUANTIZE/DEQUANTIZE pair is added
 * after it. */
static void mark_float_kept(qstate *s) {
  const nq_graph *f = s->f;
  for (int t = 0; t < f->n_tensors; t++) s->keep_float[t] = false;
  for (int i = 0; i < f->n_nodes; i++) {
    const nq_node *n = &f->nodes[i];
    if (n->op != NQ_OP_CUSTOM) continue;
    for (int k = 0; k < n->n_out; k++)
      if (is_float_activation(f, n->out[k])) s->keep_float[n->out[k]] = true;
  }
  for (int i = 0; i < f->n_nodes; i++) {
    const nq_node *n = &f->nodes[i];
    if (node_is_float_fallback(s, n)) continue;
    for (int k = 0; k < n->n_in; k++)
      if (n->in[k] >= 0) s->keep_float[n->in[k]] = false;
  }
}

/* Which nodes run int16 (the requested ones TFLite has a kernel for) and
 * which tensors are int16: a node's outputs follow the node; a model input
 * (float32 only: TFLite's QUANTIZE cannot widen int8 to int16) or a float
 * op's output is int16 when every node reading it is. */
static nq_status plan_int16(qstate *s, nq_error *err) {
  const nq_graph *f = s->f;
  char lb[192], names[400] = "";
  size_t used = 0;
  int n_kept = 0;
  for (int i = 0; i < f->n_nodes; i++) {
    const nq_node *n = &f->nodes[i];
    s->node16[i] = 0;
    if (!s->o->int16_nodes || !s->o->int16_nodes[i] || node_is_float_fallback(s, n)) continue;
    bool touches = false;
    for (int k = 0; k < n->n_in; k++) touches |= is_float_activation(f, n->in[k]);
    for (int k = 0; k < n->n_out; k++) touches |= is_float_activation(f, n->out[k]);
    if (!touches) continue;
    if (nq_act16_op_supported(n->op)) {
      s->node16[i] = 1;
    } else if (n_kept++ < 6 && used < sizeof names) {
      used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
                               layer_label(f, i, lb, sizeof lb));
    }
  }
  if (n_kept)
    warnf(s,
          "%d node%s stay%s int8 (no int16x8 kernel for %s in TFLite, or in npuquant's executor yet): %s%s; "
          "QUANTIZE/DEQUANTIZE ops join "
          "them to the int16 layers",
          n_kept, n_kept == 1 ? "" : "s", n_kept == 1 ? "s" : "", n_kept == 1 ? "its op" : "their ops", names,
          n_kept > 6 ? ", ..." : "");
  /* readers[t], readers16[t]: quantized nodes reading t, of them int16; a
   * tensor a quantized node produces follows that node (readers = -1). */
  int *readers = calloc((size_t)f->n_tensors + 1, sizeof(int));
  int *readers16 = calloc((size_t)f->n_tensors + 1, sizeof(int));
  if (!readers || !readers16) {
    free(readers);
    free(readers16);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory planning int16 layers");
  }
  for (int t = 0; t < f->n_tensors; t++) s->t16[t] = 0;
  for (int i = 0; i < f->n_nodes; i++) {
    const nq_node *n = &f->nodes[i];
    if (node_is_float_fallback(s, n)) continue;
    for (int k = 0; k < n->n_in; k++)
      if (n->in[k] >= 0 && readers[n->in[k]] >= 0) {
        readers[n->in[k]]++;
        readers16[n->in[k]] += s->node16[i];
      }
    for (int k = 0; k < n->n_out; k++)
      if (is_float_activation(f, n->out[k])) {
        s->t16[n->out[k]] = s->node16[i];
        readers[n->out[k]] = -1;
      }
  }
  for (int i = 0; i < f->n_inputs && s->o->input_type != NQ_FLOAT32; i++) readers[f->inputs[i]] = -1;
  for (int t = 0; t < f->n_tensors; t++)
    if (is_float_activation(f, t) && !s->keep_float[t] && !s->tail_out[t] && readers[t] > 0)
      s->t16[t] = readers16[t] == readers[t];
  /* int16 model inputs (--input-type int16) are the int16 tensors themselves */
  for (int i = 0; i < f->n_inputs && s->o->input_type == NQ_INT16; i++)
    if (is_float_activation(f, f->inputs[i])) s->t16[f->inputs[i]] = 1;
  free(readers);
  free(readers16);
  return NQ_OK;
}

static nq_affine input_params(qstate *s, int i, int t);

/* The layer that computes tensor t, for warnings ("tensor 'x'" for inputs). */
static const char *producer_label(const qstate *s, int t, char *buf, size_t n) {
  const nq_graph *f = s->f;
  for (int i = 0; i < f->n_nodes; i++)
    for (int k = 0; k < f->nodes[i].n_out; k++)
      if (f->nodes[i].out[k] == t) return layer_label(f, i, buf, n);
  snprintf(buf, n, "tensor '%s'", f->tensors[t].name ? f->tensors[t].name : "?");
  return buf;
}

/* A cluster's calibrated range that no int8 scale can serve as it is:
 * clamp or widen it (scale_limits.h) and say so; a constant one is
 * representable but worth a word (a dead layer, or too few samples). */
static void warn_degenerate(qstate *s, int t, cluster_info *c) {
  char lb[192];
  float mn = c->min, mx = c->max;
  nq_range_fix fx = nq_range_sanitize(&c->min, &c->max);
  if (fx == NQ_RANGE_CLAMPED)
    warnf(s,
          "%s: output range [%g, %g] overflows float; clamped to [%g, %g] (an outlier? int8 keeps nothing "
          "of the small values)",
          producer_label(s, t, lb, sizeof lb), (double)mn, (double)mx, (double)c->min, (double)c->max);
  else if (fx == NQ_RANGE_WIDENED)
    warnf(s, "%s: output range [%g, %g] is degenerate (width %g); widened to [%g, %g] (scale %g)",
          producer_label(s, t, lb, sizeof lb), (double)mn, (double)mx, (double)(mx - mn), (double)c->min,
          (double)c->max, (double)NQ_MIN_ACT_SCALE);
  else if (mn == mx)
    warnf(s, "%s: output is constant (%g) on every calibration sample (a dead layer, or too few samples?)",
          producer_label(s, t, lb, sizeof lb), (double)mn);
}

/* The smallest output scale that keeps node i's int8 multipliers
 * representable (scale_limits.h); 0 when the op has no such constraint. */
static double needed_out_scale(qstate *s, int i) {
  const nq_node *n = &s->f->nodes[i];
  const nq_qrule *r = nq_quant_rule(n->op);
  if (r->kind == NQ_Q_WEIGHTED) {
    int act = r->act_slot < n->n_in ? n->in[r->act_slot] : -1;
    int wt = r->weight_slot < n->n_in ? n->in[r->weight_slot] : -1;
    if (act < 0 || wt < 0) return 0.0;
    return (double)input_params(s, i, act).scale * nq_weight_scale_max(&s->f->tensors[wt]) /
           (s->node16[i] ? NQ_INT16_MAX_EFFECTIVE_SCALE : NQ_MAX_EFFECTIVE_SCALE);
  }
  if (r->kind != NQ_Q_FREE || r->output_not_quantized) return 0.0;
  double largest = 0.0, product = 1.0;
  int k_data = 0;
  for (int k = 0; k < n->n_in; k++) {
    int t = n->in[k];
    if (t < 0 || !nq_quant_is_data_input(n, k) || s->f->tensors[t].type != NQ_FLOAT32) continue;
    double sc = input_params(s, i, t).scale;
    if (sc > largest) largest = sc;
    if (k_data++ < 2) product *= sc;
  }
  if (nq_op_multiplies_inputs(n->op) && k_data >= 2 && product > largest) largest = product;
  if (s->node16[i] && (n->op == NQ_OP_ADD || n->op == NQ_OP_SUB))
    return largest * NQ_INT16_ADD_MIN_OUT_RATIO * 1.001; /* scale_limits.h */
  return largest / NQ_MAX_EFFECTIVE_SCALE;
}

/* Widen output ranges until every multiplier is representable; a widening
 * raises the scales later layers see, so repeat (each round only grows
 * scales; a few rounds settle any real graph). */
static void enforce_representable(qstate *s) {
  const nq_graph *f = s->f;
  char lb[192];
  for (int round = 0; round < 8; round++) {
    bool changed = false;
    for (int i = 0; i < f->n_nodes; i++) {
      const nq_node *n = &f->nodes[i];
      if (n->n_out < 1 || !is_float_activation(f, n->out[0]) || node_is_float_fallback(s, n)) continue;
      cluster_info *c = &s->cl[find(s, n->out[0])];
      double need = needed_out_scale(s, i);
      if (c->fixed || !isfinite(need) || !(need > (double)c->params.scale)) continue;
      float lo = c->min < 0.0f ? c->min : 0.0f, hi = c->max > 0.0f ? c->max : 0.0f;
      if (!c->has_range || !(hi > lo)) {
        lo = 0.0f;
        hi = 1.0f; /* what nq_affine_from_range makes of an all-zero range */
      }
      float was = c->params.scale, grow = (float)(need / (double)c->params.scale * 1.001);
      lo *= grow;
      hi *= grow;
      nq_range_sanitize(&lo, &hi);
      c->min = lo;
      c->max = hi;
      c->has_range = true;
      c->params = typed_params(c->is16, lo, hi);
      if (c->params.scale <= was) continue; /* clamped at float's limit: nothing more to gain */
      bool add16 = s->node16[i] && (n->op == NQ_OP_ADD || n->op == NQ_OP_SUB);
      bool w16 = s->node16[i] && nq_quant_rule(n->op)->kind == NQ_Q_WEIGHTED;
      warnf(s, "%s: output range widened to [%g, %g] (scale %g -> %g): %s", layer_label(f, i, lb, sizeof lb),
            (double)lo, (double)hi, (double)was, (double)c->params.scale,
            add16 ? "at the old scale TFLite's int16 ADD/SUB output multiplier (2 max input scale / 2^15 / "
                    "output scale) is not below 1"
            : w16 ? "at the old scale its 16x8 multiplier (input and weight scales over the output's) is not "
                    "below 2^6 (TFLite's int64 requantizer takes shifts below 8)"
                  : "at the old scale its int8 multiplier (input and weight scales over the output's) "
                    "exceeds 2^30");
      changed = true;
    }
    if (!changed) break;
  }
}

/* Decide every activation's parameters: seed clusters from ranges, impose
 * fixed params, then tie same-scale ops together. */
static nq_status plan_clusters(qstate *s, nq_error *err) {
  const nq_graph *f = s->f;
  char tb[96];
  for (int t = 0; t < f->n_tensors; t++) {
    s->parent[t] = t;
    cluster_info *c = &s->cl[t];
    memset(c, 0, sizeof *c);
    c->is16 = s->t16[t];
    if (is_float_activation(f, t) && t < s->r->n && s->r->seen[t]) {
      c->min = s->r->min[t];
      c->max = s->r->max[t];
      c->has_range = true;
    }
  }
  /* The uint8 byte mapping fixes the model inputs' parameters. */
  if (s->o->input_type == NQ_UINT8 && s->o->input_from_bytes) {
    if (!(s->o->input_std > 0.0f) || !isfinite(s->o->input_mean))
      return nq_fail(err, NQ_ERR_INVALID_ARG, "uint8 input mapping needs std > 0 and a finite mean");
    float zp_u8 = nq_round_away(s->o->input_mean);
    if (zp_u8 < 0 || zp_u8 > 255)
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "uint8 input mapping: mean %g is outside 0..255, so raw bytes cannot be the input",
                     (double)s->o->input_mean);
    if (zp_u8 != s->o->input_mean)
      warnf(s, "uint8 input: mean %g rounds to zero point %d; inputs are offset by %g of a step",
            (double)s->o->input_mean, (int)zp_u8, (double)(zp_u8 - s->o->input_mean));
    for (int i = 0; i < f->n_inputs; i++) {
      int t = f->inputs[i];
      if (!is_float_activation(f, t)) continue;
      cluster_info *c = &s->cl[t];
      c->fixed = true;
      c->params.scale = 1.0f / s->o->input_std;
      c->params.zero_point = (int32_t)zp_u8 - 128;
    }
  }
  for (int i = 0; i < f->n_nodes; i++) {
    const nq_node *n = &f->nodes[i];
    const nq_qrule *r = nq_quant_rule(n->op);
    if (r->kind != NQ_Q_FIXED || node_in_float_tail(s, n)) continue;
    nq_affine fixed = {.scale = r->fixed_scale, .zero_point = r->fixed_zp};
    if (s->node16[i] && !nq_act16_fixed(n->op, &fixed)) continue; /* its int16 output takes its range */
    for (int k = 0; k < n->n_out; k++) {
      int t = n->out[k];
      if (!is_float_activation(f, t)) continue;
      cluster_info *c = &s->cl[find(s, t)];
      c->fixed = true;
      c->params = fixed;
    }
  }
  for (int i = 0; i < f->n_nodes; i++) {
    const nq_node *n = &f->nodes[i];
    const nq_qrule *r = nq_quant_rule(n->op);
    /* A float tail node shares nothing: its int8 inputs keep their own scales. */
    if (r->kind != NQ_Q_SAME || node_in_float_tail(s, n)) continue;
    int anchor = -1;
    for (int k = 0; k < n->n_out; k++)
      if (is_float_activation(f, n->out[k])) {
        if (anchor < 0)
          anchor = n->out[k];
        else
          join(s, anchor, n->out[k]);
      }
    if (anchor < 0) continue;
    int n_data = 0;
    for (int k = 0; k < n->n_in; k++)
      if (nq_quant_is_data_input(n, k) && is_float_activation(f, n->in[k])) n_data++;
    for (int k = 0; k < n->n_in; k++) {
      int t = n->in[k];
      if (!nq_quant_is_data_input(n, k) || !is_float_activation(f, t)) continue;
      /* A fixed-range tensor (e.g. a LOGISTIC output) joining a concatenation
       * would force its [0, 1) range on every other input: requantize it. */
      bool fixed_in = s->cl[find(s, t)].fixed;
      if ((n_data > 1 && fixed_in && find(s, t) != find(s, anchor)) || !join(s, anchor, t)) {
        s->requant[s->req_off[i] + k] = 1;
        cover(s, anchor, t);
      }
    }
  }
  for (int t = 0; t < f->n_tensors; t++) {
    if (!is_float_activation(f, t) || find(s, t) != t || s->tail_out[t]) continue;
    cluster_info *c = &s->cl[t];
    if (c->fixed) continue;
    if (!c->has_range) {
      /* Only tensors that no sample reached (unused) lack a range. */
      bool used = false;
      for (int i = 0; i < f->n_outputs; i++) used |= f->outputs[i] == t;
      for (int i = 0; i < f->n_nodes && !used; i++)
        for (int k = 0; k < f->nodes[i].n_in; k++) used |= f->nodes[i].in[k] == t;
      if (used)
        return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: tensor %s has no calibrated range",
                       f->source ? f->source : "model", nq_tensor_label(f, t, tb, sizeof tb));
    } else {
      warn_degenerate(s, t, c);
    }
    c->params = typed_params(c->is16, c->min, c->max);
  }
  enforce_representable(s);
  return NQ_OK;
}

static nq_affine params_of(qstate *s, int t) { return s->cl[find(s, t)].params; }

/* A concatenated part whose own range is this many times narrower than the
 * shared one keeps fewer than 256/16 = 16 int8 steps. */
#define MIXED_CONCAT_RATIO 16.0

/* TFLite's int8 CONCATENATION gives its inputs and output one scale. Boxes
 * in pixels joined to sigmoid scores (detectors), landmark x/y beside
 * visibility logits: the narrow parts keep a handful of steps. Say so per
 * concatenation, naming the narrowest part and the numbers (issue 10). */
static void warn_mixed_concats(qstate *s) {
  const nq_graph *f = s->f;
  char lb[192];
  for (int i = 0; i < f->n_nodes; i++) {
    const nq_node *n = &f->nodes[i];
    /* an int16 concatenation keeps 256 times more steps for its narrow parts */
    if (n->op != NQ_OP_CONCATENATION || n->n_out < 1 || !is_float_activation(f, n->out[0]) ||
        node_in_float_tail(s, n) || s->node16[i])
      continue;
    nq_affine shared = params_of(s, n->out[0]);
    if (!(shared.scale > 0)) continue;
    int narrow = 0, worst = -1;
    double worst_steps = 0;
    for (int k = 0; k < n->n_in; k++) {
      int t = n->in[k];
      if (!is_float_activation(f, t) || !s->r->seen[t]) continue;
      double own = fmax((double)s->r->max[t], 0.0) - fmin((double)s->r->min[t], 0.0);
      double steps = own / (double)shared.scale;
      if (!(own > 0) || steps * MIXED_CONCAT_RATIO > 255.0) continue;
      narrow++;
      if (worst < 0 || steps < worst_steps) {
        worst = k;
        worst_steps = steps;
      }
    }
    if (worst < 0) continue;
    int t = n->in[worst];
    /* every part's range, so the user sees what one scale has to cover */
    char parts[256] = "";
    int len = 0;
    for (int k = 0; k < n->n_in && k < 8 && len < (int)sizeof parts; k++) {
      int p = n->in[k];
      if (p >= 0 && p < s->r->n && s->r->seen[p])
        len += snprintf(parts + len, sizeof parts - (size_t)len, "%s[%g, %g]", k ? ", " : "",
                        (double)s->r->min[p], (double)s->r->max[p]);
      else
        len += snprintf(parts + len, sizeof parts - (size_t)len, "%s?", k ? ", " : "");
    }
    const char *fix =
        nq_split_concat_is_output(f, i)
            ? "convert with --split-outputs (one int8 output per part, each its own scale) or "
              "--output-type float32 (the concatenation then runs in float on the CPU)"
            : "output the parts separately (end the model before this concatenation) or keep it "
              "in float on the CPU";
    warnf(s,
          "%s: input %d ('%s', range [%g, %g]) shares the int8 scale %g of the whole range [%g, %g], so it "
          "keeps %.1f of 256 steps (%d narrow input%s; the parts' ranges: %s%s); %s",
          layer_label(f, i, lb, sizeof lb), worst, f->tensors[t].name ? f->tensors[t].name : "?",
          (double)s->r->min[t], (double)s->r->max[t], (double)shared.scale,
          (double)shared.scale * (-128.0 - shared.zero_point),
          (double)shared.scale * (127.0 - shared.zero_point), worst_steps, narrow, narrow == 1 ? "" : "s",
          parts, n->n_in > 8 ? ", ..." : "", fix);
  }
}

/* The parameters of t's twin in the other type (a QUANTIZE's output), from
 * its cluster's range (the span of its parameters when it has none). */
static nq_affine twin_params(qstate *s, int t) {
  const cluster_info *c = &s->cl[find(s, t)];
  float lo = c->min, hi = c->max;
  if (!c->has_range) {
    int qmin = c->is16 ? -32768 : -128, qmax = c->is16 ? 32767 : 127;
    lo = c->params.scale * (float)(qmin - c->params.zero_point);
    hi = c->params.scale * (float)(qmax - c->params.zero_point);
  }
  return typed_params(!c->is16, lo, hi);
}

/* The parameters node i's data input t is quantized with: a float constant
 * (e.g. a convolution whose input is a constant) has its own, from its
 * values; an activation has its cluster's, or its twin's when it comes from
 * the other (int8 / int16) region. */
static nq_affine input_params(qstate *s, int i, int t) {
  const nq_tensor *x = &s->f->tensors[t];
  if (x->data && x->type == NQ_FLOAT32) {
    float mn, mx;
    nq_quant_const_range(x, &mn, &mx);
    return typed_params(s->node16[i], mn, mx);
  }
  if (is_float_activation(s->f, t) && s->t16[t] != s->node16[i]) return twin_params(s, t);
  return params_of(s, t);
}

static char *suffixed(const char *name, const char *suffix) {
  const char *base = name ? name : "tensor";
  size_t n = strlen(base) + strlen(suffix) + 1;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%s%s", base, suffix);
  return out;
}

static int add_tensor_like(qstate *s, int ft, const char *name, nq_dtype type, nq_error *err) {
  const nq_tensor *x = &s->f->tensors[ft];
  return nq_graph_add_tensor(s->q, name, type, x->rank, x->shape, err);
}

static nq_status set_affine(nq_graph *q, int t, nq_affine a, nq_error *err) {
  int64_t zp = a.zero_point;
  return nq_tensor_set_quant(q, t, 1, &a.scale, &zp, 0, err);
}

/* Create the int8 (or copied) q tensors for every non-constant f tensor. */
static nq_status map_activations(qstate *s, nq_error *err) {
  const nq_graph *f = s->f;
  for (int t = 0; t < f->n_tensors; t++) {
    s->tmap[t] = -1;
    s->cmap[t] = -1;
    s->fmap[t] = -1;
    s->other[t] = -1;
    const nq_tensor *x = &f->tensors[t];
    if (x->data || s->tail_out[t]) continue;
    if (x->type == NQ_FLOAT32 && s->keep_float[t]) {
      int qt = add_tensor_like(s, t, x->name, NQ_FLOAT32, err);
      if (qt < 0) return err->code;
      s->tmap[t] = qt;
    } else if (x->type == NQ_FLOAT32) {
      int qt = add_tensor_like(s, t, x->name, s->t16[t] ? NQ_INT16 : NQ_INT8, err);
      if (qt < 0) return err->code;
      NQ_TRY(set_affine(s->q, qt, params_of(s, t), err));
      if (t < s->r->n && s->r->seen[t]) {
        s->q->tensors[qt].q.has_range = true;
        s->q->tensors[qt].q.min = s->r->min[t];
        s->q->tensors[qt].q.max = s->r->max[t];
      }
      s->tmap[t] = qt;
    } else {
      int qt = add_tensor_like(s, t, x->name, x->type, err);
      if (qt < 0) return err->code;
      if (x->q.n > 0) NQ_TRY(nq_quant_copy(&s->q->tensors[qt].q, &x->q, err));
      s->tmap[t] = qt;
    }
  }
  return NQ_OK;
}

/* A non-float constant (shape, axes, paddings, indices) is copied once. */
static int copy_constant(qstate *s, int ft, nq_error *err) {
  if (s->cmap[ft] >= 0) return s->cmap[ft];
  const nq_tensor *x = &s->f->tensors[ft];
  int qt = add_tensor_like(s, ft, x->name, x->type, err);
  if (qt < 0) return -1;
  if (nq_tensor_copy_data(s->q, qt, x->data, x->nbytes, err) != NQ_OK) return -1;
  if (x->q.n > 0 && nq_quant_copy(&s->q->tensors[qt].q, &x->q, err) != NQ_OK) return -1;
  s->cmap[ft] = qt;
  return qt;
}

static int emit_node(qstate *s, nq_op op, const char *name, int n_in, const int *in, int n_out,
                     const int *out, const nq_op_params *p, nq_error *err) {
  return nq_graph_add_node(s->q, op, name, n_in, in, n_out, out, p, err);
}

/* QUANTIZE src (any type) into a new tensor shaped like f tensor ft with
 * type `type` and params `a`; returns the new tensor. TFLite's QUANTIZE
 * does not widen int8 (or uint8) to int16, so that goes through float: a
 * DEQUANTIZE, then a QUANTIZE from float32. */
static int emit_quantize_to(qstate *s, int src, int ft, const char *suffix, nq_dtype type, nq_affine a,
                            nq_error *err) {
  nq_op_params p = nq_op_params_default();
  nq_dtype from = s->q->tensors[src].type;
  if (type == NQ_INT16 && (from == NQ_INT8 || from == NQ_UINT8)) {
    char *fn = suffixed(s->q->tensors[src].name, "_dequant");
    int ft32 = fn ? add_tensor_like(s, ft, fn, NQ_FLOAT32, err) : -1;
    free(fn);
    if (ft32 < 0) return err->code ? -1 : (nq_fail(err, NQ_ERR_NOMEM, "out of memory"), -1);
    if (emit_node(s, NQ_OP_DEQUANTIZE, NULL, 1, &src, 1, &ft32, &p, err) < 0) return -1;
    src = ft32;
  }
  char *nm = suffixed(s->q->tensors[src].name, suffix);
  if (!nm) return nq_fail(err, NQ_ERR_NOMEM, "out of memory"), -1;
  int t = add_tensor_like(s, ft, nm, type, err);
  free(nm);
  if (t < 0) return -1;
  if (set_affine(s->q, t, a, err) != NQ_OK) return -1;
  if (emit_node(s, NQ_OP_QUANTIZE, NULL, 1, &src, 1, &t, &p, err) < 0) return -1;
  return t;
}

/* Activation t as node i reads it: its own q tensor, or (once, shared by
 * every reader) its twin in the other of int8 / int16. */
static int activation_for(qstate *s, int i, int t, nq_error *err) {
  if (!is_float_activation(s->f, t) || s->keep_float[t] || s->t16[t] == s->node16[i]) return s->tmap[t];
  if (s->other[t] < 0)
    s->other[t] = emit_quantize_to(s, s->tmap[t], t, s->node16[i] ? "_int16" : "_int8",
                                   s->node16[i] ? NQ_INT16 : NQ_INT8, twin_params(s, t), err);
  return s->other[t];
}

/* Input slot k of node i in q terms; quantizes float constants as needed. */
static int map_input(qstate *s, int i, int k, const float *w_scales, int n_w, nq_error *err) {
  const nq_graph *f = s->f;
  const nq_node *n = &f->nodes[i];
  const nq_qrule *r = nq_quant_rule(n->op);
  int t = n->in[k];
  char nb[160];
  if (t < 0) return -1;
  const nq_tensor *x = &f->tensors[t];
  if (!x->data) {
    if (s->requant[s->req_off[i] + k]) {
      /* requantize into the parameters (and type) of this node's output cluster */
      int anchor = n->out[0];
      return emit_quantize_to(s, s->tmap[t], t, "_requant", s->node16[i] ? NQ_INT16 : NQ_INT8,
                              params_of(s, anchor), err);
    }
    return activation_for(s, i, t, err);
  }
  if (x->type != NQ_FLOAT32) return copy_constant(s, t, err);
  /* A float constant. */
  if (r->kind == NQ_Q_WEIGHTED && k == r->weight_slot) {
    return nq_quant_add_weights(s->q, f, t, w_scales, n_w, r->weight_axis, err);
  }
  if (r->kind == NQ_Q_WEIGHTED && k == r->bias_slot) {
    nq_affine a = input_params(s, i, n->in[r->act_slot]);
    return nq_quant_add_bias(s->q, f, t, a.scale, w_scales, n_w, s->node16[i] ? NQ_INT64 : NQ_INT32, err);
  }
  if (!nq_quant_is_data_input(n, k))
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   "%s: input %d is a float constant where an integer one is expected",
                   nq_node_label(f, i, nb, sizeof nb), k),
           -1;
  nq_affine a = r->kind == NQ_Q_SAME && n->n_out > 0 && is_float_activation(f, n->out[0])
                    ? params_of(s, n->out[0])
                    : input_params(s, i, t);
  return nq_quant_add_const_affine(s->q, f, t, a, s->node16[i] ? NQ_INT16 : NQ_INT8, err);
}

static nq_status emit_fallback(qstate *s, int i, nq_error *err) {
  const nq_graph *f = s->f;
  const nq_node *n = &f->nodes[i];
  char nb[160];
  /* An op without an int8 form on integer data only (FLOOR_DIV on int32
   * indices) is copied as it is: nothing to quantize, nothing to warn of. */
  bool touches_float = false;
  for (int k = 0; k < n->n_in; k++) touches_float |= n->in[k] >= 0 && f->tensors[n->in[k]].type == NQ_FLOAT32;
  for (int k = 0; k < n->n_out; k++) touches_float |= f->tensors[n->out[k]].type == NQ_FLOAT32;
  if (!s->o->allow_float_fallback && touches_float && n->op != NQ_OP_CUSTOM)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   "%s%s%s: %s has no int8 form in TFLite, so the model cannot be fully int8 "
                   "(--allow-float-fallback keeps it in float, off the NPU)",
                   f->source ? f->source : "", f->source ? ": " : "", nq_node_label(f, i, nb, sizeof nb),
                   nq_op_name(n->op));
  int *in = malloc(sizeof(int) * (size_t)(n->n_in + 1));
  int *out = malloc(sizeof(int) * (size_t)(n->n_out + 1));
  if (!in || !out) {
    free(in);
    free(out);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  }
  nq_status st = NQ_OK;
  nq_op_params dp = nq_op_params_default();
  for (int k = 0; k < n->n_in && st == NQ_OK; k++) {
    int t = n->in[k];
    in[k] = -1;
    if (t < 0) continue;
    const nq_tensor *x = &f->tensors[t];
    if (x->data) {
      in[k] = copy_constant(s, t, err);
      if (in[k] < 0) st = err->code;
    } else if (x->type == NQ_FLOAT32 && !s->keep_float[t]) {
      char *nm = suffixed(x->name, "_dequant");
      int ft = nm ? add_tensor_like(s, t, nm, NQ_FLOAT32, err) : -1;
      free(nm);
      if (ft < 0 || emit_node(s, NQ_OP_DEQUANTIZE, NULL, 1, &s->tmap[t], 1, &ft, &dp, err) < 0)
        st = err->code ? err->code : NQ_ERR_NOMEM;
      in[k] = ft;
    } else {
      in[k] = s->tmap[t];
    }
  }
  int n_post = 0;
  for (int k = 0; k < n->n_out && st == NQ_OK; k++) {
    int t = n->out[k];
    const nq_tensor *x = &f->tensors[t];
    if (x->type == NQ_FLOAT32 && !s->keep_float[t]) {
      char *nm = suffixed(x->name, "_float");
      int ft = nm ? add_tensor_like(s, t, nm, NQ_FLOAT32, err) : -1;
      free(nm);
      if (ft < 0) st = err->code ? err->code : NQ_ERR_NOMEM;
      out[k] = ft;
      n_post++;
    } else {
      out[k] = s->tmap[t];
    }
  }
  int id = st == NQ_OK ? emit_node(s, n->op, n->name, n->n_in, in, n->n_out, out, &n->p, err) : -1;
  if (st == NQ_OK && id < 0) st = err->code;
  /* Numbered as in the int8 model (the NPU report's and inspect's numbers),
   * not the float graph's: DEQUANTIZE nodes come before it. */
  if (st == NQ_OK && touches_float)
    warnf(s, "%s stays float32 (no int8 form): it will run on the CPU, not the NPU",
          nq_node_label(s->q, id, nb, sizeof nb));
  for (int k = 0; k < n->n_out && st == NQ_OK; k++) {
    int t = n->out[k];
    if (f->tensors[t].type != NQ_FLOAT32 || s->keep_float[t]) continue;
    if (emit_node(s, NQ_OP_QUANTIZE, NULL, 1, &out[k], 1, &s->tmap[t], &dp, err) < 0) st = err->code;
  }
  free(in);
  free(out);
  return st;
}

/* The float value of f tensor t for a float tail node: its own float
 * tensor in the tail, else its int8 tensor dequantized (once). The float
 * tensor takes t's name and the int8 one becomes NAME_int8, as at a float
 * output, so `compare --tensors` and the diagnosis pair them with the float
 * model's (a model input or output keeps its name for its boundary tensor). */
static int float_value_of(qstate *s, int t, nq_error *err) {
  if (s->fmap[t] >= 0) return s->fmap[t];
  bool is_output = false; /* or an input: the model's boundary tensors own those names */
  for (int i = 0; i < s->f->n_outputs; i++) is_output |= s->f->outputs[i] == t;
  for (int i = 0; i < s->f->n_inputs; i++) is_output |= s->f->inputs[i] == t;
  char *nm = is_output ? suffixed(s->f->tensors[t].name, "_dequant") : suffixed(s->f->tensors[t].name, "");
  char *renamed = is_output ? NULL : suffixed(s->q->tensors[s->tmap[t]].name, "_int8");
  if (!nm || (!is_output && !renamed)) {
    free(nm);
    free(renamed);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory"), -1;
  }
  if (renamed) {
    free(s->q->tensors[s->tmap[t]].name);
    s->q->tensors[s->tmap[t]].name = renamed;
  }
  int ft = add_tensor_like(s, t, nm, NQ_FLOAT32, err);
  free(nm);
  if (ft < 0) return err->code ? -1 : (nq_fail(err, NQ_ERR_NOMEM, "out of memory"), -1);
  nq_op_params dp = nq_op_params_default();
  if (emit_node(s, NQ_OP_DEQUANTIZE, NULL, 1, &s->tmap[t], 1, &ft, &dp, err) < 0) return -1;
  s->fmap[t] = ft;
  return ft;
}

/* A float tail node: the float op on float tensors (constants as they are);
 * its outputs keep their names, since some are the model's outputs. */
static nq_status emit_float_tail(qstate *s, int i, nq_error *err) {
  const nq_graph *f = s->f;
  const nq_node *n = &f->nodes[i];
  int *in = malloc(sizeof(int) * (size_t)(n->n_in + 1));
  int *out = malloc(sizeof(int) * (size_t)(n->n_out + 1));
  nq_status st = in && out ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  for (int k = 0; k < n->n_in && st == NQ_OK; k++) {
    int t = n->in[k];
    in[k] = -1;
    if (t < 0) continue;
    const nq_tensor *x = &f->tensors[t];
    if (x->data)
      in[k] = copy_constant(s, t, err);
    else
      in[k] = x->type == NQ_FLOAT32 ? float_value_of(s, t, err) : s->tmap[t];
    if (in[k] < 0) st = err->code ? err->code : NQ_ERR_INTERNAL;
  }
  for (int k = 0; k < n->n_out && st == NQ_OK; k++) {
    int t = n->out[k];
    out[k] = add_tensor_like(s, t, f->tensors[t].name, f->tensors[t].type, err);
    if (out[k] < 0) st = err->code;
    s->fmap[t] = out[k];
  }
  if (st == NQ_OK && emit_node(s, n->op, n->name, n->n_in, in, n->n_out, out, &n->p, err) < 0) st = err->code;
  free(in);
  free(out);
  return st;
}

static nq_status emit_quantized(qstate *s, int i, nq_error *err) {
  const nq_graph *f = s->f;
  const nq_node *n = &f->nodes[i];
  const nq_qrule *r = nq_quant_rule(n->op);
  char nb[160];
  float *w_scales = NULL;
  int n_w = 0;
  nq_status st = NQ_OK;
  if (r->kind == NQ_Q_WEIGHTED) {
    int wt = r->weight_slot < n->n_in ? n->in[r->weight_slot] : -1;
    if (wt < 0 || !f->tensors[wt].data || f->tensors[wt].type != NQ_FLOAT32)
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     "%s: weights are not a float32 constant; only constant weights can be quantized",
                     nq_node_label(f, i, nb, sizeof nb));
    int act = n->in[r->act_slot];
    bool per_channel = !s->o->per_tensor;
    if (per_channel && n->op == NQ_OP_FULLY_CONNECTED) {
      double pt_db, pc_db;
      per_channel = s->o->per_channel_fc && nq_fc_per_channel_pays(f, wt, &pt_db, &pc_db);
      if (per_channel && s->fc_per_channel++ == 0) {
        layer_label(f, i, s->first_fc_layer, sizeof s->first_fc_layer);
        s->fc_pt_db = pt_db;
        s->fc_pc_db = pc_db;
      }
    }
    const float *bias = NULL;
    int bt = r->bias_slot < n->n_in ? n->in[r->bias_slot] : -1;
    /* an int64 bias (16x8) needs no room made for it in the weight scales */
    if (bt >= 0 && f->tensors[bt].data && f->tensors[bt].type == NQ_FLOAT32 && !s->node16[i])
      bias = (const float *)f->tensors[bt].data;
    int n_zero = 0;
    st = nq_quant_weight_scales(f, wt, per_channel ? r->weight_axis : -1, bias,
                                bt >= 0 ? (int)nq_tensor_elems(&f->tensors[bt]) : 0,
                                input_params(s, i, act).scale, &w_scales, &n_w, &n_zero, err);
    if (st != NQ_OK) return nq_prefix(err, "%s: ", nq_node_label(f, i, nb, sizeof nb));
    if (n_zero) {
      if (s->zero_layers++ == 0) layer_label(f, i, s->first_zero_layer, sizeof s->first_zero_layer);
      s->zero_channels += n_zero;
    }
  }
  int *in = malloc(sizeof(int) * (size_t)(n->n_in + 1));
  int *out = malloc(sizeof(int) * (size_t)(n->n_out + 1));
  if (!in || !out) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  /* Weights before biases: the bias scale needs the weight scales. */
  for (int k = 0; k < n->n_in && st == NQ_OK; k++) {
    in[k] = map_input(s, i, k, w_scales, n_w, err);
    if (in[k] < 0 && n->in[k] >= 0) st = err->code ? err->code : NQ_ERR_INTERNAL;
  }
  for (int k = 0; k < n->n_out && st == NQ_OK; k++) out[k] = s->tmap[n->out[k]];
  if (st == NQ_OK) {
    int id = emit_node(s, n->op, n->name, n->n_in, in, n->n_out, out, &n->p, err);
    if (id < 0) st = err->code;
  }
  if (st != NQ_OK && err->msg[0] && !strstr(err->msg, "node "))
    nq_prefix(err, "%s: ", nq_node_label(f, i, nb, sizeof nb));
  free(w_scales);
  free(in);
  free(out);
  return st;
}

/* Model inputs: int8 tensors directly, or uint8/float32 + QUANTIZE. */
static nq_status emit_inputs(qstate *s, int *q_inputs, nq_error *err) {
  const nq_graph *f = s->f;
  nq_op_params p = nq_op_params_default();
  for (int i = 0; i < f->n_inputs; i++) {
    int t = f->inputs[i];
    int qt = s->tmap[t];
    q_inputs[i] = qt;
    if (!is_float_activation(f, t) || s->o->input_type == NQ_INT8 || s->o->input_type == NQ_INT16) continue;
    /* The boundary tensor keeps the model's input name; the int8 one is renamed. */
    nq_tensor *inner = &s->q->tensors[qt];
    char *renamed = suffixed(inner->name, s->t16[t] ? "_int16" : "_int8");
    if (!renamed) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
    int bt = add_tensor_like(s, t, f->tensors[t].name, s->o->input_type, err);
    if (bt < 0) {
      free(renamed);
      return err->code;
    }
    inner = &s->q->tensors[qt]; /* the array may have moved */
    free(inner->name);
    inner->name = renamed;
    if (s->o->input_type == NQ_UINT8) {
      nq_affine a = params_of(s, t);
      a.zero_point += 128;
      NQ_TRY(set_affine(s->q, bt, a, err));
    } else if (s->o->input_type != NQ_FLOAT32) {
      return nq_fail(err, NQ_ERR_INVALID_ARG, "input type %s: only int8, uint8 or float32",
                     nq_dtype_name(s->o->input_type));
    }
    if (emit_node(s, NQ_OP_QUANTIZE, NULL, 1, &bt, 1, &qt, &p, err) < 0) return err->code;
    q_inputs[i] = bt;
  }
  return NQ_OK;
}

static nq_status emit_outputs(qstate *s, int *q_outputs, nq_error *err) {
  const nq_graph *f = s->f;
  nq_op_params p = nq_op_params_default();
  for (int i = 0; i < f->n_outputs; i++) {
    int t = f->outputs[i];
    if (s->tail_out[t]) {
      if (s->o->output_type != NQ_FLOAT32)
        return nq_fail(err, NQ_ERR_INTERNAL, "a float tail ends in a %s output",
                       nq_dtype_name(s->o->output_type));
      q_outputs[i] = s->fmap[t];
      continue;
    }
    int qt = s->tmap[t];
    q_outputs[i] = qt;
    /* an int16 output becomes int8 or uint8 by QUANTIZE (int16 -> int8 -> uint8) */
    bool wide = is_float_activation(f, t) && s->t16[t];
    if (!is_float_activation(f, t) || s->keep_float[t] || (s->o->output_type == NQ_INT8 && !wide) ||
        (s->o->output_type == NQ_INT16 && wide))
      continue;
    if (s->o->output_type != NQ_UINT8 && s->o->output_type != NQ_FLOAT32 && s->o->output_type != NQ_INT8 &&
        s->o->output_type != NQ_INT16)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "output type %s: only int8, uint8, int16 or float32",
                     nq_dtype_name(s->o->output_type));
    if (s->o->output_type == NQ_INT16) {
      /* an int8 tensor as an int16 output: DEQUANTIZE + QUANTIZE (TFLite cannot widen int8) */
      char *renamed = suffixed(s->q->tensors[qt].name, "_int8");
      char *outer = suffixed(f->tensors[t].name, "");
      if (!renamed || !outer) {
        free(renamed);
        free(outer);
        return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
      }
      free(s->q->tensors[qt].name);
      s->q->tensors[qt].name = renamed;
      int wt = emit_quantize_to(s, qt, t, "_int16", NQ_INT16, twin_params(s, t), err);
      if (wt < 0) {
        free(outer);
        return err->code;
      }
      free(s->q->tensors[wt].name);
      s->q->tensors[wt].name = outer;
      q_outputs[i] = wt;
      continue;
    }
    char *renamed = suffixed(s->q->tensors[qt].name, wide ? "_int16" : "_int8");
    if (!renamed) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
    int bt = add_tensor_like(s, t, f->tensors[t].name, s->o->output_type, err);
    if (bt < 0) {
      free(renamed);
      return err->code;
    }
    free(s->q->tensors[qt].name);
    s->q->tensors[qt].name = renamed;
    nq_op op = NQ_OP_DEQUANTIZE;
    int src = qt;
    if (s->o->output_type != NQ_FLOAT32) {
      nq_affine a = wide ? twin_params(s, t) : params_of(s, t);
      if (wide && s->o->output_type == NQ_UINT8 &&
          (src = emit_quantize_to(s, qt, t, "_int8", NQ_INT8, a, err)) < 0)
        return err->code;
      if (s->o->output_type == NQ_UINT8) a.zero_point += 128;
      NQ_TRY(set_affine(s->q, bt, a, err));
      op = NQ_OP_QUANTIZE;
    }
    if (emit_node(s, op, NULL, 1, &src, 1, &bt, &p, err) < 0) return err->code;
    q_outputs[i] = bt;
  }
  return NQ_OK;
}

static int lookup(const int *from, const int *to, int n, int t) {
  for (int i = 0; i < n; i++)
    if (from[i] == t) return to[i];
  return -1;
}

static nq_status copy_signatures(qstate *s, const int *q_in, const int *q_out, nq_error *err) {
  const nq_graph *f = s->f;
  if (f->n_signatures == 0) return NQ_OK;
  nq_graph *q = s->q;
  q->signatures = calloc((size_t)f->n_signatures, sizeof(nq_signature));
  if (!q->signatures) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  q->n_signatures = f->n_signatures;
  for (int i = 0; i < f->n_signatures; i++) {
    const nq_signature *fs = &f->signatures[i];
    nq_signature *qs = &q->signatures[i];
    qs->key = fs->key ? strdup(fs->key) : NULL;
    qs->in = calloc((size_t)(fs->n_in ? fs->n_in : 1), sizeof(nq_sig_entry));
    qs->out = calloc((size_t)(fs->n_out ? fs->n_out : 1), sizeof(nq_sig_entry));
    if (!qs->in || !qs->out) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
    for (int k = 0; k < fs->n_in; k++) {
      qs->in[k].name = fs->in[k].name ? strdup(fs->in[k].name) : NULL;
      qs->in[k].tensor = lookup(f->inputs, q_in, f->n_inputs, fs->in[k].tensor);
      qs->n_in++;
    }
    for (int k = 0; k < fs->n_out; k++) {
      qs->out[k].name = fs->out[k].name ? strdup(fs->out[k].name) : NULL;
      qs->out[k].tensor = lookup(f->outputs, q_out, f->n_outputs, fs->out[k].tensor);
      qs->n_out++;
    }
  }
  return NQ_OK;
}

static nq_status check_float_model(const nq_graph *f, nq_error *err) {
  char tb[96];
  for (int i = 0; i < f->n_inputs; i++) {
    const nq_tensor *x = &f->tensors[f->inputs[i]];
    if (x->type != NQ_FLOAT32 && x->type != NQ_INT32 && x->type != NQ_INT64 && x->type != NQ_BOOL)
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "%s: input %s is %s; the quantizer takes a float model (this one is already quantized?)",
                     f->source ? f->source : "model", nq_tensor_label(f, f->inputs[i], tb, sizeof tb),
                     nq_dtype_name(x->type));
  }
  for (int t = 0; t < f->n_tensors; t++) {
    const nq_tensor *x = &f->tensors[t];
    if (!x->data && (x->type == NQ_INT8 || x->type == NQ_UINT8 || x->type == NQ_INT16))
      return nq_fail(
          err, NQ_ERR_INVALID_ARG, "%s: tensor %s is already %s; the quantizer takes a float model",
          f->source ? f->source : "model", nq_tensor_label(f, t, tb, sizeof tb), nq_dtype_name(x->type));
  }
  return NQ_OK;
}

nq_status nq_quantize_graph(const nq_graph *f, const nq_ranges *r, const nq_qoptions *o, nq_graph **out,
                            nq_error *err) {
  *out = NULL;
  NQ_TRY(check_float_model(f, err));
  if (r->n != f->n_tensors)
    return nq_fail(err, NQ_ERR_INTERNAL, "ranges cover %d tensors, the graph has %d", r->n, f->n_tensors);
  qstate s;
  memset(&s, 0, sizeof s);
  s.f = f;
  s.r = r;
  s.o = o;
  s.q = nq_graph_new();
  size_t nt = (size_t)(f->n_tensors ? f->n_tensors : 1);
  s.parent = malloc(nt * sizeof(int));
  s.cl = malloc(nt * sizeof(cluster_info));
  s.tmap = malloc(nt * sizeof(int));
  s.cmap = malloc(nt * sizeof(int));
  s.fmap = malloc(nt * sizeof(int));
  s.tail_out = calloc(nt, 1);
  for (int i = 0; s.tail_out && o->float_nodes && i < f->n_nodes; i++)
    for (int k = 0; o->float_nodes[i] && k < f->nodes[i].n_out; k++)
      if (f->nodes[i].out[k] >= 0) s.tail_out[f->nodes[i].out[k]] = 1;
  s.req_off = malloc(sizeof(int) * (size_t)(f->n_nodes + 1));
  s.keep_float = malloc(nt * sizeof(bool));
  s.node16 = calloc((size_t)f->n_nodes + 1, 1);
  s.t16 = calloc(nt, 1);
  s.other = malloc(nt * sizeof(int));
  size_t slots = 0;
  for (int i = 0; i < f->n_nodes; i++) {
    if (s.req_off) s.req_off[i] = (int)slots;
    slots += (size_t)f->nodes[i].n_in;
  }
  s.requant = calloc(slots ? slots : 1, 1);
  int *q_in = malloc(sizeof(int) * (size_t)(f->n_inputs + 1));
  int *q_out = malloc(sizeof(int) * (size_t)(f->n_outputs + 1));
  nq_status st = NQ_OK;
  if (!s.q || !s.parent || !s.cl || !s.tmap || !s.cmap || !s.fmap || !s.tail_out || !s.req_off ||
      !s.keep_float || !s.requant || !q_in || !q_out || !s.node16 || !s.t16 || !s.other)
    st = nq_fail(err, NQ_ERR_NOMEM, "out of memory quantizing %d tensors", f->n_tensors);
  if (st == NQ_OK) mark_float_kept(&s);
  if (st == NQ_OK) st = plan_int16(&s, err);
  if (st == NQ_OK) st = plan_clusters(&s, err);
  if (st == NQ_OK) warn_mixed_concats(&s);
  if (st == NQ_OK) st = map_activations(&s, err);
  if (st == NQ_OK) st = emit_inputs(&s, q_in, err);
  for (int i = 0; i < f->n_nodes && st == NQ_OK; i++)
    st = node_in_float_tail(&s, &f->nodes[i])       ? emit_float_tail(&s, i, err)
         : node_is_float_fallback(&s, &f->nodes[i]) ? emit_fallback(&s, i, err)
                                                    : emit_quantized(&s, i, err);
  if (st == NQ_OK && s.zero_channels)
    warnf(&s,
          "%d weight channel%s in %d layer%s (first %s) %s all zero (pruned or dead): %s the finest other "
          "channel's scale, so %s bias keeps its precision",
          s.zero_channels, s.zero_channels == 1 ? "" : "s", s.zero_layers, s.zero_layers == 1 ? "" : "s",
          s.first_zero_layer, s.zero_channels == 1 ? "is" : "are",
          s.zero_channels == 1 ? "it gets" : "they get", s.zero_channels == 1 ? "its" : "their");
  if (st == NQ_OK && s.fc_per_channel)
    warnf(
        &s,
        "%d FULLY_CONNECTED layer%s (first %s) take%s per-channel weights: one scale rounds its worst weight "
        "row to %.1f dB, one per row to %.1f dB. TFLite gives per-channel FULLY_CONNECTED no op version of "
        "its "
        "own: runtimes older than its kernel read one scale, and Arm NN aborts on it",
        s.fc_per_channel, s.fc_per_channel == 1 ? "" : "s", s.first_fc_layer,
        s.fc_per_channel == 1 ? "s" : "", s.fc_pt_db, s.fc_pc_db);
  if (st == NQ_OK) st = emit_outputs(&s, q_out, err);
  if (st == NQ_OK) st = nq_graph_set_io(s.q, f->n_inputs, q_in, f->n_outputs, q_out, err);
  if (st == NQ_OK) st = copy_signatures(&s, q_in, q_out, err);
  if (st == NQ_OK) {
    bool any16 = false;
    for (int i = 0; i < f->n_nodes; i++) any16 |= s.node16[i] != 0;
    s.q->description =
        strdup(any16 ? "npuquant " NQ_VERSION_STRING " int16x8" : "npuquant " NQ_VERSION_STRING " int8");
    if (f->source) s.q->source = strdup(f->source);
    st = nq_graph_verify(s.q, err);
  }
  free(s.parent);
  free(s.cl);
  free(s.tmap);
  free(s.cmap);
  free(s.fmap);
  free(s.tail_out);
  free(s.req_off);
  free(s.keep_float);
  free(s.requant);
  free(s.node16);
  free(s.t16);
  free(s.other);
  free(q_in);
  free(q_out);
  if (st != NQ_OK) {
    nq_graph_free(s.q);
    return st;
  }
  *out = s.q;
  return NQ_OK;
}
