#include "quant/float_tail.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib/sample_pass.h"
#include "core/status.h"
#include "exec/engine.h"
#include "quant/op_rules.h"
#include "quant/qparams.h"

/* More channels than this on the last axis are one group: a last axis that
 * long is a flattened feature, not a list of parts. */
#define MAX_CHANNELS 4096

static bool is_heavy(const nq_node *n) {
  return nq_quant_rule(n->op)->kind == NQ_Q_WEIGHTED || n->op == NQ_OP_BATCH_MATMUL;
}

static bool is_float_activation(const nq_graph *g, int t) {
  return t >= 0 && g->tensors[t].type == NQ_FLOAT32 && !g->tensors[t].data;
}

/* Multiply-accumulates of node n: a weighted op does (weights per output
 * channel) per output element, a matmul its inner dimension, anything else
 * one operation per output element. */
double nq_node_macs(const nq_graph *g, const nq_node *n) {
  if (n->n_out < 1 || n->out[0] < 0) return 0.0;
  double out = (double)nq_tensor_elems(&g->tensors[n->out[0]]);
  const nq_qrule *r = nq_quant_rule(n->op);
  if (r->kind == NQ_Q_WEIGHTED && r->weight_slot < n->n_in && n->in[r->weight_slot] >= 0) {
    const nq_tensor *w = &g->tensors[n->in[r->weight_slot]];
    int ax = r->weight_axis;
    double ch = ax >= 0 && ax < w->rank && w->shape[ax] > 0 ? (double)w->shape[ax] : 1.0;
    return out * (double)nq_tensor_elems(w) / ch;
  }
  if (n->op == NQ_OP_BATCH_MATMUL && n->n_in > 0 && n->in[0] >= 0) {
    const nq_tensor *a = &g->tensors[n->in[0]];
    return a->rank > 0 ? out * (double)a->shape[a->rank - 1] : out;
  }
  return out;
}

/* The parameters int8 would give tensor t, produced by node n. */
static nq_affine planned_params(const nq_graph *g, const nq_ranges *r, const nq_node *n, int t) {
  const nq_qrule *q = nq_quant_rule(n->op);
  if (q->kind == NQ_Q_FIXED) return (nq_affine){q->fixed_scale, q->fixed_zp};
  (void)g;
  return nq_affine_from_range(r->min[t], r->max[t], -128, 127);
}

/* One tensor rounded with one set of parameters: a tail node's output with
 * its own, or a concatenation's input with the concatenation's (the one
 * scale int8 gives them all). */
typedef struct probe {
  int node, t;
  int part;        /* concatenation input measured, -1: the node's output */
  int channels;    /* groups along the last axis */
  size_t offset;   /* into the sums */
  nq_affine a;     /* planned int8 parameters */
  double worst_db; /* worst channel's SQNR; +inf: exact */
  int worst_channel;
} probe;

static int channels_of(const nq_tensor *x) {
  int c = x->rank > 0 ? x->shape[x->rank - 1] : 1;
  return c >= 1 && c <= MAX_CHANNELS ? c : 1;
}

typedef struct measure_ctx {
  const probe *m;
  int n_probes;
  double *sig, *noise;
} measure_ctx;

/* One sample's probed tensors folded into the per-channel sums (a tensor
 * the session cannot give, e.g. one the planner did not keep, is skipped). */
static nq_status fold_sample(void *ctx, int worker, int sample, const char *name, nq_session *s,
                             nq_error *err) {
  (void)worker, (void)sample, (void)name;
  const measure_ctx *mc = ctx;
  for (int p = 0; p < mc->n_probes; p++) {
    const void *data;
    size_t nbytes;
    if (nq_session_tensor(s, mc->m[p].t, &data, &nbytes, err) != NQ_OK) {
      nq_error_clear(err);
      continue;
    }
    const float *v = data;
    const size_t n = nbytes / sizeof(float), c = (size_t)mc->m[p].channels;
    const nq_affine a = mc->m[p].a;
    for (size_t i = 0; i < n; i++) {
      double x = v[i];
      double back = ((double)nq_quantize_value(v[i], a.scale, a.zero_point, -128, 127) - a.zero_point) *
                    (double)a.scale;
      size_t ch = mc->m[p].offset + i % c;
      mc->sig[ch] += x * x;
      mc->noise[ch] += (x - back) * (x - back);
    }
  }
  return NQ_OK;
}

/* One float pass over the samples: per channel, the signal power and the
 * power of its int8 rounding error at the planned parameters. The
 * calibration's own sample pass, on one worker: the double sums then add
 * in sample order, the same on every machine. */
static nq_status measure(const nq_graph *g, const nq_sample_source *src, const nq_session_options *so,
                         probe *m, int n_probes, double *sig, double *noise, nq_error *err) {
  measure_ctx mc = {m, n_probes, sig, noise};
  return nq_sample_pass_run(g, src, so, 1, false, fold_sample, &mc, err);
}

/* By op and name: the node's number differs in the int8 model (DEQUANTIZE
 * nodes are inserted), which the NPU report and `inspect` number. */
static const char *op_and_name(const nq_graph *g, int i, char *buf, size_t n) {
  const nq_node *nd = &g->nodes[i];
  const char *nm = nd->name;
  if (!nm && nd->n_out > 0 && nd->out[0] >= 0) nm = g->tensors[nd->out[0]].name;
  snprintf(buf, n, "%s '%s'", nq_op_name(nd->op), nm ? nm : "?");
  return buf;
}

static void say_kept(const nq_graph *g, const nq_float_tail *out, const probe *m, int n_probes,
                     void (*note)(void *, const char *), void *user) {
  char msg[1024], nb[160];
  int len =
      snprintf(msg, sizeof msg,
               "float tail: %d node%s after the last heavy op run%s in float on the CPU (%.4f%% of the "
               "MACs; --no-float-tail keeps them int8):",
               out->n_kept, out->n_kept == 1 ? "" : "s", out->n_kept == 1 ? "s" : "", 100.0 * out->mac_share);
  int shown = 0;
  for (int i = 0; i < g->n_nodes && len < (int)sizeof msg; i++) {
    if (!out->keep[i]) continue;
    if (shown == 8) {
      len += snprintf(msg + len, sizeof msg - (size_t)len, " and %d more", out->n_kept - shown);
      break;
    }
    /* The ops that made the tail lossy carry their worst figure. */
    const probe *worst = NULL;
    for (int p = 0; p < n_probes; p++)
      if (m[p].node == i && m[p].worst_db < NQ_FLOAT_TAIL_MIN_DB &&
          (!worst || m[p].worst_db < worst->worst_db))
        worst = &m[p];
    char fig[80] = "";
    if (worst && worst->part >= 0)
      snprintf(fig, sizeof fig, " (int8: input %d at %.1f dB)", worst->part, worst->worst_db);
    else if (worst)
      snprintf(fig, sizeof fig, " (int8: %.1f dB in channel %d)", worst->worst_db, worst->worst_channel);
    len += snprintf(msg + len, sizeof msg - (size_t)len, "%s %s%s", shown ? "," : "",
                    op_and_name(g, i, nb, sizeof nb), fig);
    shown++;
  }
  note(user, msg);
}

nq_status nq_float_tail_plan(const nq_graph *g, const nq_sample_source *src, const nq_session_options *so,
                             const nq_ranges *r, void (*note)(void *, const char *), void *note_user,
                             nq_float_tail *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  size_t nn = (size_t)(g->n_nodes ? g->n_nodes : 1), nt = (size_t)(g->n_tensors ? g->n_tensors : 1);
  out->keep = calloc(nn, 1);
  int *producer = malloc(nt * sizeof(int));
  int *n_consumers = calloc(nt, sizeof(int));
  unsigned char *after_heavy = calloc(nt, 1), *eligible = calloc(nn, 1), *blocked = calloc(nn, 1),
                *lossy = calloc(nn, 1), *is_output = calloc(nt, 1);
  /* at most one probe per node output and per node input */
  size_t max_probes = 0;
  for (int i = 0; i < g->n_nodes; i++) max_probes += (size_t)(g->nodes[i].n_out + g->nodes[i].n_in);
  probe *m = calloc(max_probes ? max_probes : 1, sizeof(probe));
  int n_probes = 0;
  double *sig = NULL, *noise = NULL;
  nq_status st = NQ_OK;
  if (!out->keep || !producer || !n_consumers || !after_heavy || !eligible || !blocked || !lossy ||
      !is_output || !m)
    st = nq_fail(err, NQ_ERR_NOMEM, "out of memory planning the float tail");
  for (size_t t = 0; st == NQ_OK && t < nt; t++) producer[t] = -1;
  for (int i = 0; st == NQ_OK && i < g->n_outputs; i++)
    if (g->outputs[i] >= 0) is_output[g->outputs[i]] = 1;
  /* Nodes come in execution order: a tensor is past a heavy op when its
   * producer is heavy or reads a tensor that is. */
  for (int i = 0; st == NQ_OK && i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    bool past = is_heavy(n);
    for (int k = 0; k < n->n_in; k++)
      if (n->in[k] >= 0) {
        past |= after_heavy[n->in[k]] != 0;
        n_consumers[n->in[k]]++;
      }
    for (int k = 0; k < n->n_out; k++)
      if (n->out[k] >= 0) {
        producer[n->out[k]] = i;
        after_heavy[n->out[k]] = past;
      }
  }
  /* A tail node: cheap, past a heavy op, float outputs that only tail nodes
   * or the model's outputs read. Backwards, so consumers are decided first
   * (a node that is not in the tail blocks the producers of its inputs). */
  for (int i = g->n_nodes - 1; st == NQ_OK && i >= 0; i--) {
    const nq_node *n = &g->nodes[i];
    bool ok = !is_heavy(n) && n->n_out > 0;
    for (int k = 0; k < n->n_out && ok; k++) {
      int t = n->out[k];
      ok = is_float_activation(g, t) && after_heavy[t] && (n_consumers[t] > 0 || is_output[t]);
    }
    ok = ok && !blocked[i];
    eligible[i] = ok;
    if (!ok)
      for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && producer[n->in[k]] >= 0) blocked[producer[n->in[k]]] = 1;
  }
  size_t n_sums = 0;
  for (int i = 0; st == NQ_OK && i < g->n_nodes; i++) {
    if (!eligible[i]) continue;
    const nq_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_out; k++) {
      int t = n->out[k];
      if (t >= r->n || !r->seen[t]) continue;
      probe *p = &m[n_probes++];
      *p = (probe){.node = i, .t = t, .part = -1, .channels = channels_of(&g->tensors[t]), .offset = n_sums};
      p->a = planned_params(g, r, n, t);
      n_sums += (size_t)p->channels;
    }
    /* A concatenation's parts at its shared scale, whatever its axis. */
    int t_out = n->n_out > 0 ? n->out[0] : -1;
    if (n->op != NQ_OP_CONCATENATION || t_out < 0 || t_out >= r->n || !r->seen[t_out]) continue;
    for (int k = 0; k < n->n_in; k++) {
      int t = n->in[k];
      if (!is_float_activation(g, t)) continue;
      probe *p = &m[n_probes++];
      *p = (probe){.node = i, .t = t, .part = k, .channels = 1, .offset = n_sums};
      p->a = planned_params(g, r, n, t_out);
      n_sums += 1;
    }
  }
  if (st == NQ_OK && n_sums > 0) {
    sig = calloc(n_sums, sizeof(double));
    noise = calloc(n_sums, sizeof(double));
    if (!sig || !noise) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory planning the float tail");
    if (st == NQ_OK) st = measure(g, src, so, m, n_probes, sig, noise, err);
    if (st != NQ_OK) nq_prefix(err, "measuring the output tail in int8: ");
  }
  for (int p = 0; st == NQ_OK && p < n_probes; p++) {
    m[p].worst_db = INFINITY;
    for (int c = 0; c < m[p].channels; c++) {
      double s2 = sig[m[p].offset + (size_t)c], e2 = noise[m[p].offset + (size_t)c];
      if (!(s2 > 0) || !(e2 > 0)) continue; /* an all-zero channel loses nothing */
      double db = 10.0 * log10(s2 / e2);
      if (db < m[p].worst_db) {
        m[p].worst_db = db;
        m[p].worst_channel = c;
      }
    }
    if (m[p].worst_db < NQ_FLOAT_TAIL_MIN_DB) lossy[m[p].node] = 1;
  }
  /* Lossy tail nodes and everything after them in the tail run in float:
   * going back to int8 later would round again. */
  double total = 0.0, kept = 0.0;
  for (int i = 0; st == NQ_OK && i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    double macs = nq_node_macs(g, n);
    total += macs;
    if (!eligible[i]) continue;
    bool keep = lossy[i] != 0;
    for (int k = 0; k < n->n_in && !keep; k++) {
      int t = n->in[k];
      keep = t >= 0 && producer[t] >= 0 && out->keep[producer[t]];
    }
    if (!keep) continue;
    out->keep[i] = 1;
    out->n_kept++;
    kept += macs;
  }
  out->mac_share = total > 0 ? kept / total : 0.0;
  if (st == NQ_OK && out->n_kept > 0 && note) say_kept(g, out, m, n_probes, note, note_user);
  free(producer);
  free(n_consumers);
  free(after_heavy);
  free(eligible);
  free(blocked);
  free(lossy);
  free(is_output);
  free(m);
  free(sig);
  free(noise);
  if (st != NQ_OK) nq_float_tail_free(out);
  return st;
}

void nq_float_tail_free(nq_float_tail *t) {
  if (!t) return;
  free(t->keep);
  t->keep = NULL;
  t->n_kept = 0;
}
