#include "quant/int16_auto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib/feed.h"
#include "core/status.h"
#include "exec/engine.h"
#include "quant/act16.h"
#include "quant/float_tail.h"
#include "quant/op_rules.h"
#include "quant/qparams.h"

typedef struct cand {
  int t, producer;
  nq_affine a;
  double sig, noise, db, macs; /* macs: producer and readers */
} cand;

static bool is_float_activation(const nq_graph *g, int t) {
  return t >= 0 && g->tensors[t].type == NQ_FLOAT32 && !g->tensors[t].data;
}

static bool int16_node(const nq_node *n) {
  return nq_act16_op_supported(n->op) && nq_quant_rule(n->op)->kind != NQ_Q_NONE;
}

/* Candidates: each float tensor a 16x8-capable node computes whose readers
 * are all 16x8-capable (at least one). */
static int find_candidates(const nq_graph *g, const nq_ranges *r, cand *c, const int *producer) {
  int n = 0;
  for (int t = 0; t < g->n_tensors; t++) {
    int p = producer[t];
    if (p < 0 || !is_float_activation(g, t) || !r->seen[t] || !int16_node(&g->nodes[p])) continue;
    const nq_qrule *q = nq_quant_rule(g->nodes[p].op);
    int readers = 0;
    bool ok = true;
    double macs = nq_node_macs(g, &g->nodes[p]);
    for (int i = 0; i < g->n_nodes && ok; i++)
      for (int k = 0; k < g->nodes[i].n_in; k++)
        if (g->nodes[i].in[k] == t) {
          ok = int16_node(&g->nodes[i]);
          readers++;
          macs += nq_node_macs(g, &g->nodes[i]);
          break;
        }
    if (!ok || readers == 0) continue;
    c[n].t = t;
    c[n].producer = p;
    c[n].a = q->kind == NQ_Q_FIXED ? (nq_affine){q->fixed_scale, q->fixed_zp}
                                   : nq_affine_from_range(r->min[t], r->max[t], -128, 127);
    c[n].sig = c[n].noise = 0.0;
    c[n].macs = macs;
    n++;
  }
  return n;
}

/* One float pass: each candidate's signal power and int8 rounding noise. */
static nq_status measure(const nq_graph *g, const nq_sample_source *src, const nq_session_options *so,
                         cand *c, int n, nq_error *err) {
  nq_session *s = NULL;
  nq_status st = nq_engine_create(g, so, &s, err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(s, err);
  nq_feeder feeder = {0};
  if (st == NQ_OK) st = nq_feeder_init(&feeder, g, err);
  int used = src->n_samples < NQ_INT16_AUTO_SAMPLES ? src->n_samples : NQ_INT16_AUTO_SAMPLES;
  for (int j = 0; j < used && st == NQ_OK; j++) {
    int k = (int)((long long)j * src->n_samples / used);
    st = nq_feed_sample(&feeder, src, k, 1, &s, &g, err);
    if (st == NQ_OK) st = nq_session_run(s, err);
    for (int p = 0; p < n && st == NQ_OK; p++) {
      const void *data;
      size_t nbytes;
      if (nq_session_tensor(s, c[p].t, &data, &nbytes, err) != NQ_OK) {
        nq_error_clear(err);
        continue;
      }
      const float *v = data;
      nq_affine a = c[p].a;
      for (size_t i = 0; i < nbytes / sizeof(float); i++) {
        double back = ((double)nq_quantize_value(v[i], a.scale, a.zero_point, -128, 127) - a.zero_point) *
                      (double)a.scale;
        c[p].sig += (double)v[i] * v[i];
        c[p].noise += ((double)v[i] - back) * ((double)v[i] - back);
      }
    }
  }
  nq_feeder_free(&feeder);
  nq_session_free(s);
  return st;
}

static int by_db(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->db != y->db) return x->db < y->db ? -1 : 1;
  return x->t - y->t; /* the same order on every machine */
}

static double db_of(const cand *c) {
  if (c->noise <= 0.0) return INFINITY;
  if (c->sig <= 0.0) return -INFINITY;
  return 10.0 * log10(c->sig / c->noise);
}

nq_status nq_int16_auto(const nq_graph *g, const nq_ranges *r, const nq_sample_source *src,
                        const nq_session_options *so, unsigned char *mask, void (*note)(void *, const char *),
                        void *note_user, nq_error *err) {
  int *producer = malloc(sizeof(int) * ((size_t)g->n_tensors + 1));
  cand *c = malloc(sizeof(cand) * ((size_t)g->n_tensors + 1));
  if (!producer || !c) {
    free(producer);
    free(c);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory choosing int16 layers");
  }
  for (int t = 0; t < g->n_tensors; t++) producer[t] = -1;
  double total = 0.0;
  for (int i = 0; i < g->n_nodes; i++) {
    total += nq_node_macs(g, &g->nodes[i]);
    for (int k = 0; k < g->nodes[i].n_out; k++)
      if (g->nodes[i].out[k] >= 0) producer[g->nodes[i].out[k]] = i;
  }
  int n = find_candidates(g, r, c, producer);
  nq_status st = measure(g, src, so, c, n, err);
  int taken = 0, nodes = 0;
  double spent = 0.0, worst = INFINITY;
  const char *worst_name = "?";
  if (st == NQ_OK) {
    for (int p = 0; p < n; p++) c[p].db = db_of(&c[p]);
    qsort(c, (size_t)n, sizeof *c, by_db);
    for (int p = 0; p < n && c[p].db < NQ_INT16_AUTO_DB; p++) {
      /* the MACs of the nodes not taken yet */
      int t = c[p].t;
      double extra = mask[c[p].producer] ? 0.0 : nq_node_macs(g, &g->nodes[c[p].producer]);
      for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
          if (g->nodes[i].in[k] == t) {
            if (!mask[i]) extra += nq_node_macs(g, &g->nodes[i]);
            break;
          }
      if (spent + extra > NQ_INT16_AUTO_MAC_SHARE * total) continue;
      spent += extra;
      if (!mask[c[p].producer]) nodes++;
      mask[c[p].producer] = 1;
      for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
          if (g->nodes[i].in[k] == t) {
            nodes += !mask[i];
            mask[i] = 1;
            break;
          }
      if (taken++ == 0) {
        worst = c[p].db;
        worst_name = g->tensors[t].name ? g->tensors[t].name : "?";
      }
    }
  }
  if (st == NQ_OK && note) {
    char msg[512];
    if (taken)
      snprintf(
          msg, sizeof msg,
          "int16 layers (auto): %d tensor%s whose int8 rounding is below %.0f dB (worst %.1f dB, '%.120s') "
          "kept int16 by %d node%s, %.1f%% of the MACs (budget %.0f%%)",
          taken, taken == 1 ? "" : "s", NQ_INT16_AUTO_DB, worst, worst_name, nodes, nodes == 1 ? "" : "s",
          total > 0 ? 100.0 * spent / total : 0.0, 100.0 * NQ_INT16_AUTO_MAC_SHARE);
    else
      snprintf(
          msg, sizeof msg,
          "int16 layers (auto): no tensor's int8 rounding is below %.0f dB within %.0f%% of the MACs: the "
          "model stays int8",
          NQ_INT16_AUTO_DB, 100.0 * NQ_INT16_AUTO_MAC_SHARE);
    note(note_user, msg);
  }
  free(producer);
  free(c);
  return st;
}
