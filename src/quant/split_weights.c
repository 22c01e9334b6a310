#include "quant/split_weights.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib/sample_pass.h"
#include "exec/engine.h"
#include "quant/fc_channels.h"
#include "quant/op_rules.h"
#include "quant/qparams.h"

static char *dup_str(const char *s) {
  if (!s) s = "layer";
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

static bool is_layer_op(nq_op op) {
  return op == NQ_OP_CONV_2D || op == NQ_OP_DEPTHWISE_CONV_2D || op == NQ_OP_FULLY_CONNECTED;
}

/* A layer the split applies to: one of the three ops, constant float32
 * weights of known rank, a float activation input, one output. */
static bool splittable(const nq_graph *g, int i) {
  const nq_node *n = &g->nodes[i];
  if (!is_layer_op(n->op) || n->n_out != 1) return false;
  const nq_qrule *r = nq_quant_rule(n->op);
  if (r->weight_slot >= n->n_in || r->act_slot >= n->n_in) return false;
  int wt = n->in[r->weight_slot], at = n->in[r->act_slot];
  if (wt < 0 || at < 0) return false;
  const nq_tensor *w = &g->tensors[wt];
  if (!w->data || w->type != NQ_FLOAT32 || w->rank <= r->weight_axis) return false;
  if (g->tensors[at].data || g->tensors[at].type != NQ_FLOAT32) return false;
  int bt = r->bias_slot < n->n_in ? n->in[r->bias_slot] : -1;
  if (bt >= 0 && (!g->tensors[bt].data || g->tensors[bt].type != NQ_FLOAT32)) return false;
  return true;
}

/* The quantizer's choice (quant/quantize.c): per channel unless per tensor,
 * and a FULLY_CONNECTED only when asked and its rows need it. */
static int grid_axis(const nq_graph *g, int i, int wt, nq_split_grid grid) {
  const nq_node *n = &g->nodes[i];
  if (grid.per_tensor) return -1;
  if (n->op == NQ_OP_FULLY_CONNECTED) {
    double pt, pc;
    return grid.per_channel_fc && nq_fc_per_channel_pays(g, wt, &pt, &pc) ? 0 : -1;
  }
  return nq_quant_rule(n->op)->weight_axis;
}

/* w rounded to the int8 grid with one scale (axis < 0) or one per channel
 * along axis: scale = max|w| / 127, as nq_quant_weight_scales. */
static void round_to_grid(const nq_tensor *t, const float *w, int axis, float *out) {
  size_t outer = 1, ch = 1, inner = nq_tensor_elems(t);
  if (axis >= 0) {
    ch = (size_t)t->shape[axis];
    outer = 1;
    inner = 1;
    for (int d = 0; d < axis; d++) outer *= (size_t)t->shape[d];
    for (int d = axis + 1; d < t->rank; d++) inner *= (size_t)t->shape[d];
  }
  for (size_t c = 0; c < ch; c++) {
    float absmax = 0;
    for (size_t o = 0; o < outer; o++)
      for (size_t k = 0; k < inner; k++) absmax = fmaxf(absmax, fabsf(w[(o * ch + c) * inner + k]));
    float s = nq_symmetric_scale(absmax);
    for (size_t o = 0; o < outer; o++)
      for (size_t k = 0; k < inner; k++) {
        size_t j = (o * ch + c) * inner + k;
        out[j] = absmax > 0 ? (float)nq_quantize_value(w[j], s, 0, -127, 127) * s : 0.0f;
      }
  }
}

nq_status nq_split_weights_hi(const nq_graph *g, int i, nq_split_grid grid, float *hi, nq_error *err) {
  char nb[160];
  if (i < 0 || i >= g->n_nodes || !splittable(g, i))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "--split-weights: %s is not a layer with constant float weights",
                   i >= 0 && i < g->n_nodes ? nq_node_label(g, i, nb, sizeof nb) : "node");
  int wt = g->nodes[i].in[nq_quant_rule(g->nodes[i].op)->weight_slot];
  const nq_tensor *t = &g->tensors[wt];
  const float *w = (const float *)t->data;
  for (size_t k = 0; k < nq_tensor_elems(t); k++)
    if (!isfinite(w[k]))
      return nq_fail(err, NQ_ERR_NUMERIC, "--split-weights: %s: weights contain NaN or Inf",
                     nq_node_label(g, i, nb, sizeof nb));
  round_to_grid(t, w, grid_axis(g, i, wt, grid), hi);
  return NQ_OK;
}

static int add_named(nq_graph *g, const char *base, const char *suffix, int like, nq_error *err) {
  char name[320];
  snprintf(name, sizeof name, "%.290s%s", base ? base : "layer", suffix);
  const nq_tensor *t = &g->tensors[like];
  int32_t shape[NQ_MAX_RANK];
  memcpy(shape, t->shape, sizeof shape);
  return nq_graph_add_tensor(g, name, NQ_FLOAT32, t->rank, shape, err);
}

static int add_const(nq_graph *g, const char *base, const char *suffix, int like, const float *v,
                     nq_error *err) {
  int t = add_named(g, base, suffix, like, err);
  if (t < 0) return -1;
  if (nq_tensor_copy_data(g, t, v, nq_tensor_elems(&g->tensors[t]) * sizeof(float), err) != NQ_OK) return -1;
  return t;
}

nq_status nq_split_weights_node(nq_graph *g, int i, nq_split_grid grid, nq_error *err) {
  char nb[160];
  const nq_node *n0 = &g->nodes[i];
  const nq_qrule *r = nq_quant_rule(n0->op);
  const int wt = n0->in[r->weight_slot], y = n0->out[0], n_in = n0->n_in;
  const int bt = r->bias_slot < n_in ? n0->in[r->bias_slot] : -1;
  const size_t nw = nq_tensor_elems(&g->tensors[wt]);
  float *hi = malloc(sizeof(float) * (nw ? nw : 1)), *lo = malloc(sizeof(float) * (nw ? nw : 1));
  int *in = malloc(sizeof(int) * (size_t)(n_in > 3 ? n_in : 3));
  char *base = NULL, *yname = NULL;
  nq_status st = NQ_OK;
  if (!hi || !lo || !in)
    st = nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory for %zu weights", nw);
  if (st == NQ_OK) st = nq_split_weights_hi(g, i, grid, hi, err);
  if (st == NQ_OK) {
    const float *w = (const float *)g->tensors[wt].data;
    for (size_t k = 0; k < nw; k++) lo[k] = w[k] - hi[k]; /* exact: hi is w rounded to a nearby multiple */
    base = dup_str(g->nodes[i].name ? g->nodes[i].name : g->tensors[y].name);
    yname = dup_str(g->tensors[y].name ? g->tensors[y].name : base);
    if (!base || !yname) st = nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory");
  }
  int whi = -1, wlo = -1, zero_b = -1, yhi = -1, ylo = -1;
  if (st == NQ_OK) {
    const char *wname = g->tensors[wt].name ? g->tensors[wt].name : base;
    char *wn = dup_str(wname);
    if (!wn) st = nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory");
    if (st == NQ_OK && ((whi = add_const(g, wn, "_whi", wt, hi, err)) < 0 ||
                        (wlo = add_const(g, wn, "_wlo", wt, lo, err)) < 0))
      st = err->code;
    free(wn);
  }
  if (st == NQ_OK && bt >= 0) {
    size_t nb_elems = nq_tensor_elems(&g->tensors[bt]);
    float *zeros = calloc(nb_elems ? nb_elems : 1, sizeof(float));
    if (!zeros) st = nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory");
    if (st == NQ_OK && (zero_b = add_const(g, base, "_wlo_bias", bt, zeros, err)) < 0) st = err->code;
    free(zeros);
  }
  if (st == NQ_OK &&
      ((yhi = add_named(g, yname, "_whi", y, err)) < 0 || (ylo = add_named(g, yname, "_wlo", y, err)) < 0))
    st = err->code;
  if (st == NQ_OK) {
    /* A FULLY_CONNECTED stays per tensor unless its rows need per channel:
     * W_hi must get the same choice as W, or its codes would be rounded
     * again on another grid. */
    const nq_node *n = &g->nodes[i];
    if (n->op == NQ_OP_FULLY_CONNECTED && !grid.per_tensor && grid.per_channel_fc) {
      double pt, pc;
      bool want = nq_fc_per_channel_pays(g, wt, &pt, &pc);
      if (nq_fc_per_channel_pays(g, whi, &pt, &pc) != want)
        st = nq_fail(err, NQ_ERR_UNSUPPORTED,
                     "--split-weights: %s: the rounded weights would get another per-channel choice than "
                     "the float ones",
                     nq_node_label(g, i, nb, sizeof nb));
    }
  }
  if (st == NQ_OK) {
    nq_node *n = &g->nodes[i];
    nq_op_params p = n->p;
    nq_activation act = p.act;
    p.act = NQ_ACT_NONE;
    p.custom_name = NULL;
    p.custom_options = NULL;
    p.custom_options_size = 0;
    memcpy(in, n->in, sizeof(int) * (size_t)n_in);
    in[r->weight_slot] = wlo;
    if (bt >= 0) in[r->bias_slot] = zero_b;
    nq_op op = n->op;
    n->in[r->weight_slot] = whi;
    n->out[0] = yhi;
    n->p.act = NQ_ACT_NONE;
    char name[320];
    snprintf(name, sizeof name, "%.300s_wlo", base);
    int lo_node = nq_graph_add_node(g, op, name, n_in, in, 1, &ylo, &p, err);
    nq_op_params pa = nq_op_params_default();
    pa.act = act;
    int add_in[2] = {yhi, ylo};
    snprintf(name, sizeof name, "%.300s_wsum", base);
    int add_node = lo_node < 0 ? -1 : nq_graph_add_node(g, NQ_OP_ADD, name, 2, add_in, 1, &y, &pa, err);
    if (add_node < 0) {
      st = err->code;
    } else {
      nq_graph_move_node(g, lo_node, i + 1);
      nq_graph_move_node(g, add_node, i + 2);
    }
  }
  free(hi);
  free(lo);
  free(in);
  free(base);
  free(yname);
  return st;
}

/* ---- which layers ---- */

/* Multiply-adds of layer i: output elements times weights per output. */
static double layer_macs(const nq_graph *g, int i) {
  const nq_node *n = &g->nodes[i];
  if (!is_layer_op(n->op) || n->n_out < 1) return 0;
  const nq_qrule *r = nq_quant_rule(n->op);
  int wt = r->weight_slot < n->n_in ? n->in[r->weight_slot] : -1;
  if (wt < 0 || n->out[0] < 0) return 0;
  const nq_tensor *w = &g->tensors[wt];
  if (w->rank <= r->weight_axis || w->shape[r->weight_axis] <= 0) return 0;
  return (double)nq_tensor_elems(&g->tensors[n->out[0]]) * (double)nq_tensor_elems(w) /
         (double)w->shape[r->weight_axis];
}

typedef struct candidate {
  int node;
  int twin_hi, twin_sum; /* outputs of the twins in the measurement graph */
  double sig, err_hi, err_sum;
  double macs;
} candidate;

static double db(double sig, double e) {
  if (e <= 0) return INFINITY;
  if (sig <= 0) return -INFINITY;
  return 10.0 * log10(sig / e);
}

typedef struct measure_ctx {
  candidate *c;
  int n;
  const nq_graph *g; /* the measurement graph */
} measure_ctx;

static nq_status fold_sample(void *ctx, int worker, int sample, const char *name, nq_session *s,
                             nq_error *err) {
  (void)worker, (void)sample, (void)name;
  measure_ctx *m = ctx;
  for (int k = 0; k < m->n; k++) {
    candidate *c = &m->c[k];
    const void *y, *yh, *ys;
    size_t ny, nh, ns;
    NQ_TRY(nq_session_tensor(s, m->g->nodes[c->node].out[0], &y, &ny, err));
    NQ_TRY(nq_session_tensor(s, c->twin_hi, &yh, &nh, err));
    NQ_TRY(nq_session_tensor(s, c->twin_sum, &ys, &ns, err));
    size_t cnt = ny < nh ? ny : nh;
    cnt = (cnt < ns ? cnt : ns) / sizeof(float);
    const float *a = y, *b = yh, *d = ys;
    for (size_t j = 0; j < cnt; j++) {
      c->sig += (double)a[j] * a[j];
      c->err_hi += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
      c->err_sum += ((double)a[j] - d[j]) * ((double)a[j] - d[j]);
    }
  }
  return NQ_OK;
}

/* A twin of layer c->node in m (same input and bias, weights v, same
 * activation) whose output becomes a model output so it is kept. */
static int add_twin(nq_graph *m, int node, const float *v, const char *suffix, nq_error *err) {
  const nq_qrule *r = nq_quant_rule(m->nodes[node].op);
  int wt = m->nodes[node].in[r->weight_slot], y = m->nodes[node].out[0];
  int w2 = add_const(m, m->tensors[wt].name, suffix, wt, v, err);
  int y2 = w2 < 0 ? -1 : add_named(m, m->tensors[y].name, suffix, y, err);
  if (y2 < 0) return -1;
  const nq_node *n = &m->nodes[node];
  int *in = malloc(sizeof(int) * (size_t)n->n_in);
  if (!in) {
    nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory");
    return -1;
  }
  memcpy(in, n->in, sizeof(int) * (size_t)n->n_in);
  in[r->weight_slot] = w2;
  nq_op_params p = n->p;
  p.custom_name = NULL;
  p.custom_options = NULL;
  p.custom_options_size = 0;
  int id = nq_graph_add_node(m, n->op, NULL, n->n_in, in, 1, &y2, &p, err);
  free(in);
  return id < 0 ? -1 : y2;
}

/* The weight-only SQNR of each candidate with W_hi alone (before) and with
 * W_hi plus W_lo on its own int8 grid (after), on the calibration samples. */
static nq_status measure(const nq_graph *g, candidate *c, int n, nq_split_grid grid,
                         const nq_sample_source *src, const nq_session_options *so, nq_error *err) {
  nq_graph *m = nq_graph_clone(g, err);
  if (!m) return err->code;
  int *outs = malloc(sizeof(int) * (size_t)(g->n_outputs + 2 * n));
  nq_status st = outs ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory");
  int n_out = g->n_outputs;
  if (st == NQ_OK) memcpy(outs, g->outputs, sizeof(int) * (size_t)g->n_outputs);
  for (int k = 0; k < n && st == NQ_OK; k++) {
    int node = c[k].node;
    const nq_qrule *r = nq_quant_rule(m->nodes[node].op);
    int wt = m->nodes[node].in[r->weight_slot];
    size_t nw = nq_tensor_elems(&m->tensors[wt]);
    float *hi = malloc(sizeof(float) * (nw ? nw : 1)), *lo = malloc(sizeof(float) * (nw ? nw : 1));
    if (!hi || !lo) st = nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory for %zu weights", nw);
    if (st == NQ_OK) st = nq_split_weights_hi(m, node, grid, hi, err);
    if (st == NQ_OK) {
      const float *w = (const float *)m->tensors[wt].data;
      float *lo_q = hi == NULL ? NULL : malloc(sizeof(float) * (nw ? nw : 1));
      if (!lo_q) st = nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory");
      for (size_t j = 0; j < nw && st == NQ_OK; j++) lo[j] = w[j] - hi[j];
      /* W_lo on its own grid: per tensor unless the layer is per channel. */
      int axis = grid_axis(m, node, wt, grid);
      if (st == NQ_OK) round_to_grid(&m->tensors[wt], lo, axis, lo_q);
      for (size_t j = 0; j < nw && st == NQ_OK; j++) lo[j] = hi[j] + lo_q[j];
      free(lo_q);
    }
    if (st == NQ_OK && ((c[k].twin_hi = add_twin(m, node, hi, "_twin_whi", err)) < 0 ||
                        (c[k].twin_sum = add_twin(m, node, lo, "_twin_wsum", err)) < 0))
      st = err->code;
    if (st == NQ_OK) {
      outs[n_out++] = c[k].twin_hi;
      outs[n_out++] = c[k].twin_sum;
    }
    free(hi);
    free(lo);
  }
  if (st == NQ_OK) st = nq_graph_set_io(m, m->n_inputs, m->inputs, n_out, outs, err);
  if (st == NQ_OK) {
    measure_ctx ctx = {c, n, m};
    st = nq_sample_pass_run(m, src, so, 1, false, fold_sample, &ctx, err);
  }
  if (st != NQ_OK) nq_prefix(err, "--split-weights (measuring the layers): ");
  free(outs);
  nq_graph_free(m);
  return st;
}

static int by_before_db(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  double dx = db(x->sig, x->err_hi), dy = db(y->sig, y->err_hi);
  if (dx < dy) return -1;
  if (dx > dy) return 1;
  return x->node - y->node; /* the same order on every machine */
}

/* The node `name` names: a node name, or the output tensor of an unnamed
 * one; a layer first (a frontend may give its layout TRANSPOSE the same
 * name), else any node, for the message. */
static bool names(const nq_graph *g, int i, const char *name, size_t len) {
  const char *s = g->nodes[i].name;
  if (!s && g->nodes[i].n_out > 0 && g->nodes[i].out[0] >= 0) s = g->tensors[g->nodes[i].out[0]].name;
  if (s && strlen(s) == len && !strncmp(s, name, len)) return true;
  /* the output tensor's name too: what compare and diagnose print */
  s = g->nodes[i].n_out > 0 && g->nodes[i].out[0] >= 0 ? g->tensors[g->nodes[i].out[0]].name : NULL;
  return s && strlen(s) == len && !strncmp(s, name, len);
}

static int find_node(const nq_graph *g, const char *name, size_t len) {
  for (int i = 0; i < g->n_nodes; i++)
    if (splittable(g, i) && names(g, i, name, len)) return i;
  for (int i = 0; i < g->n_nodes; i++)
    if (names(g, i, name, len)) return i;
  return -1;
}

static nq_status parse_list(const nq_graph *g, const char *spec, candidate **out, int *n, nq_error *err) {
  int cap = 1;
  for (const char *p = spec; *p; p++) cap += *p == ',';
  candidate *c = calloc((size_t)cap, sizeof *c);
  if (!c) return nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory");
  int k = 0;
  for (const char *p = spec; *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == 0) {
      free(c);
      return nq_fail(err, NQ_ERR_INVALID_ARG,
                     "--split-weights '%s': an empty node name; 'auto' or NODE[,NODE...] expected", spec);
    }
    int i = find_node(g, p, len);
    char nb[160];
    if (i < 0 || !splittable(g, i)) {
      free(c);
      if (i < 0)
        return nq_fail(
            err, NQ_ERR_INVALID_ARG,
            "--split-weights: no node called '%.*s' (a layer's node name or its output tensor's name "
            "after the pass pipeline, as `convert --diagnose` prints them)",
            (int)len, p);
      return nq_fail(
          err, NQ_ERR_INVALID_ARG,
          "--split-weights: %s is not a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED with constant "
          "float weights",
          nq_node_label(g, i, nb, sizeof nb));
    }
    bool dup = false;
    for (int j = 0; j < k; j++) dup |= c[j].node == i;
    if (!dup) c[k++].node = i;
    p += len + (e != NULL);
    if (e && !*p) {
      free(c);
      return nq_fail(err, NQ_ERR_INVALID_ARG, "--split-weights '%s': a trailing comma", spec);
    }
  }
  *out = c;
  *n = k;
  return NQ_OK;
}

static int by_node(const void *a, const void *b) {
  return ((const candidate *)a)->node - ((const candidate *)b)->node;
}

nq_status nq_split_weights(nq_graph *g, const char *spec, nq_split_grid grid, nq_split_auto choice,
                           const nq_sample_source *src, const nq_session_options *so,
                           void (*note)(void *, const char *), void *note_user, int *n_split, nq_error *err) {
  *n_split = 0;
  if (!spec || !*spec) return NQ_OK;
  bool automatic = !strcmp(spec, "auto");
  bool have_samples = src && src->n_samples > 0;
  candidate *c = NULL;
  int n = 0;
  if (automatic) {
    if (!have_samples) return NQ_OK; /* nothing to measure with (counting only) */
    for (int i = 0; i < g->n_nodes; i++) n += splittable(g, i);
    if (n == 0) {
      if (note) note(note_user, "--split-weights: no layer with constant float weights to split");
      return NQ_OK;
    }
    c = calloc((size_t)n, sizeof *c);
    if (!c) return nq_fail(err, NQ_ERR_NOMEM, "--split-weights: out of memory");
    n = 0;
    for (int i = 0; i < g->n_nodes; i++)
      if (splittable(g, i)) c[n++].node = i;
  } else {
    NQ_TRY(parse_list(g, spec, &c, &n, err));
  }
  double total_macs = 0;
  for (int i = 0; i < g->n_nodes; i++) total_macs += layer_macs(g, i);
  for (int k = 0; k < n; k++) c[k].macs = layer_macs(g, c[k].node);
  nq_status st = have_samples ? measure(g, c, n, grid, src, so, err) : NQ_OK;
  int chosen = n;
  const double min_db = choice.min_db, share = choice.mac_share;
  if (st == NQ_OK && automatic) {
    qsort(c, (size_t)n, sizeof *c, by_before_db);
    double budget = share * total_macs, used = 0;
    chosen = 0;
    for (int k = 0; k < n; k++) {
      if (!(db(c[k].sig, c[k].err_hi) < min_db)) break;
      if (used + c[k].macs > budget) { /* a smaller one further on may still fit */
        char msg[400], nb[160];
        snprintf(msg, sizeof msg,
                 "--split-weights auto: weight-only SQNR %.1f dB, not split: its +%.1f%% MACs would pass the "
                 "+%.0f%% budget (name it to split it): %s",
                 db(c[k].sig, c[k].err_hi), total_macs > 0 ? 100.0 * c[k].macs / total_macs : 0.0,
                 100.0 * share, nq_node_label(g, c[k].node, nb, sizeof nb));
        if (note) note(note_user, msg);
        continue;
      }
      used += c[k].macs;
      c[chosen++] = c[k];
    }
  }
  if (st == NQ_OK) qsort(c, (size_t)chosen, sizeof *c, by_node);
  char msg[400], nb[160];
  for (int k = 0; k < chosen && st == NQ_OK && note; k++) {
    nq_node_label(g, c[k].node, nb, sizeof nb);
    if (have_samples)
      snprintf(msg, sizeof msg, "--split-weights: weight-only SQNR %.1f dB -> %.1f dB (+%.2f%% MACs): %s",
               db(c[k].sig, c[k].err_hi), db(c[k].sig, c[k].err_sum),
               total_macs > 0 ? 100.0 * c[k].macs / total_macs : 0.0, nb);
    else
      snprintf(msg, sizeof msg, "--split-weights: %s split", nb);
    note(note_user, msg);
  }
  /* Last first: splitting a node moves only the nodes after it. */
  for (int k = chosen - 1; k >= 0 && st == NQ_OK; k--) {
    st = nq_split_weights_node(g, c[k].node, grid, err);
    if (st == NQ_OK) ++*n_split;
  }
  if (st == NQ_OK && note && chosen == 0) {
    snprintf(msg, sizeof msg,
             "--split-weights auto: no layer's weight-only SQNR is below %.0f dB within +%.0f%% MACs; "
             "nothing split",
             min_db, 100.0 * share);
    note(note_user, msg);
  }
  free(c);
  return st;
}
