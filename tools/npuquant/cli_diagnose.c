/*
 * See cli_diagnose.h. The error a layer adds is the fall in SQNR from its
 * worst input to its output, so a layer after a noisy one is blamed only
 * for what it adds, not for what it inherits. An exact input (the model
 * input, a constant) counts as int8's own ceiling, 6.02 * 8 dB: otherwise
 * every first layer would fall from infinity.
 */
#include "cli_diagnose.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_out.h"

#define DIAG_HIST_SAMPLES 32
/* per-tensor weights whose channel ranges differ by this factor lose most
 * of the small channels' precision */
#define DIAG_CHANNEL_RATIO 10.0
#define DIAG_CONCAT_RATIO 4.0

#define DIAG_CEILING_DB 48.16
/* Below this a layer adds nothing measurable: a transpose or reshape that
 * moves int8 codes shows float-summation noise of 1e-6 dB, not error. */
#define DIAG_MIN_ADDED_DB 0.05

static double capped(double sqnr_db) { return sqnr_db > DIAG_CEILING_DB ? DIAG_CEILING_DB : sqnr_db; }

/* The SQNR of every int8 tensor compared with its float twin, and the
 * twin's index in fm (twin[t] = -1: none). */
static nq_status per_tensor_sqnr(const nq_model *fm, const nq_model *qm, const nq_sample_source *src,
                                 int threads, double *sq, int *twin, nq_error *err) {
  nq_compare_options co;
  memset(&co, 0, sizeof co);
  co.per_tensor = 1;
  co.num_threads = threads;
  co.single_rounding = NQ_DEFAULT_SINGLE_ROUNDING;
  nq_compare_report *r = NULL;
  CLI_TRY(nq_compare_source(fm, qm, src, &co, &r, err));
  for (int i = 0; i < nq_compare_num_tensors(r); i++) {
    nq_compare_figures f;
    if (nq_compare_tensor(r, i, &f, NULL) == NQ_OK && f.tensor_test >= 0 &&
        f.tensor_test < nq_model_num_tensors(qm)) {
      sq[f.tensor_test] = f.sqnr_db;
      twin[f.tensor_test] = f.tensor_ref;
    }
  }
  for (int i = 0; i < nq_compare_num_outputs(r); i++) {
    nq_compare_figures f;
    if (nq_compare_output(r, i, &f, NULL) == NQ_OK && f.tensor_test >= 0 &&
        f.tensor_test < nq_model_num_tensors(qm))
      sq[f.tensor_test] = f.sqnr_db;
  }
  /* a split output's parts, each its own tensor; an output's column groups
   * (boxes beside scores) share it, and its worst group speaks for it */
  for (int i = 0; i < nq_compare_num_parts(r); i++) {
    nq_compare_figures f;
    int output = -1;
    if (nq_compare_part(r, i, &f, &output, NULL) != NQ_OK || f.tensor_test < 0 ||
        f.tensor_test >= nq_model_num_tensors(qm))
      continue;
    bool again = false; /* an earlier part of the same output on the same tensor */
    for (int k = 0; k < i && !again; k++) {
      nq_compare_figures e;
      int eo = -1;
      if (nq_compare_part(r, k, &e, &eo, NULL) == NQ_OK && eo == output && e.tensor_test == f.tensor_test)
        again = true;
    }
    if (!again || f.sqnr_db < sq[f.tensor_test]) sq[f.tensor_test] = f.sqnr_db;
  }
  nq_compare_report_free(r);
  return NQ_OK;
}

/* Sample k into every input of m's session s (int8/uint8 inputs quantized
 * with their own parameters); *buf and *qbuf grow as needed. */
static nq_status feed(const nq_model *m, nq_session *s, const nq_sample_source *src, int k, float **buf,
                      int8_t **qbuf, nq_error *err) {
  for (int i = 0; i < nq_model_num_inputs(m); i++) {
    nq_tensor_info ti;
    CLI_TRY(nq_model_input(m, i, &ti, err));
    size_t elems = ti.nbytes / nq_dtype_size(ti.type);
    float *nb = realloc(*buf, sizeof **buf * (elems ? elems : 1));
    if (nb) *buf = nb;
    int8_t *nq = realloc(*qbuf, elems ? elems : 1);
    if (nq) *qbuf = nq;
    if (!nb || !nq) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for a diagnosis sample");
    CLI_TRY(src->fill(src->ctx, k, i, *buf, elems, err));
    if (ti.type == NQ_INT8 || ti.type == NQ_UINT8) {
      CLI_TRY(nq_quantize_floats(*buf, elems, ti.type, ti.scale[0], (int32_t)ti.zero_point[0], *qbuf, err));
      CLI_TRY(nq_session_set_input(s, i, *qbuf, elems, err));
    } else {
      CLI_TRY(nq_session_set_input(s, i, *buf, ti.nbytes, err));
    }
  }
  return NQ_OK;
}

static nq_status keep_all_session(const nq_model *m, int threads, nq_session **s, nq_error *err) {
  nq_session_options so;
  memset(&so, 0, sizeof so);
  so.num_threads = threads;
  so.single_rounding = NQ_DEFAULT_SINGLE_ROUNDING;
  *s = NULL;
  nq_status st = nq_session_create(m, &so, s, err);
  if (st == NQ_OK) st = nq_session_keep_all_tensors(*s, err);
  if (st != NQ_OK) {
    nq_session_free(*s);
    *s = NULL;
  }
  return st;
}

/* The float twin's values beyond h's int8 range (half a step of slack). */
static void count_clipped(cli_diag_hist *h, const float *v, size_t n) {
  const double lo = (-128.0 - h->zero_point - 0.5) * h->scale, hi = (127.0 - h->zero_point + 0.5) * h->scale;
  for (size_t e = 0; e < n; e++) h->float_clipped += v[e] < lo || v[e] > hi;
  h->float_values += (double)n;
}

/* Histograms of the int8 codes of every int8 activation, and how much of
 * each one's float twin the int8 range clips. */
static nq_status histograms(const nq_model *fm, const nq_model *qm, const int *twin,
                            const nq_sample_source *src, int threads, cli_diagnosis *d, nq_session **keep,
                            nq_error *err) {
  int nt = nq_model_num_tensors(qm);
  d->hist = calloc((size_t)nt, sizeof *d->hist);
  if (!d->hist) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for activation histograms");
  int *slot = malloc(sizeof *slot * (size_t)nt);
  if (!slot) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for activation histograms");
  for (int t = 0; t < nt; t++) {
    nq_tensor_info ti;
    slot[t] = -1;
    if (nq_model_tensor(qm, t, &ti, NULL) != NQ_OK || ti.is_constant || ti.type != NQ_INT8 ||
        ti.n_params != 1)
      continue;
    cli_diag_hist *h = &d->hist[d->n_hist];
    h->tensor = t;
    cli_printable(ti.name, h->name, sizeof h->name);
    h->scale = ti.scale[0];
    h->zero_point = (int)ti.zero_point[0];
    slot[t] = d->n_hist++;
  }
  nq_session *s = NULL, *fs = NULL;
  nq_status st = keep_all_session(qm, threads, &s, err);
  /* without a float session (memory) the rails alone judge saturation */
  if (st == NQ_OK) keep_all_session(fm, threads, &fs, NULL);
  float *buf = NULL;
  int8_t *qbuf = NULL;
  int n = src->n_samples < DIAG_HIST_SAMPLES ? src->n_samples : DIAG_HIST_SAMPLES;
  for (int k = 0; st == NQ_OK && k < n; k++) {
    st = feed(qm, s, src, k, &buf, &qbuf, err);
    if (st == NQ_OK) st = nq_session_run(s, err);
    if (st == NQ_OK && fs &&
        (feed(fm, fs, src, k, &buf, &qbuf, NULL) != NQ_OK || nq_session_run(fs, NULL) != NQ_OK)) {
      nq_session_free(fs);
      fs = NULL;
    }
    for (int t = 0; st == NQ_OK && t < nt; t++) {
      if (slot[t] < 0) continue;
      const void *data;
      size_t nbytes;
      if (nq_session_tensor(s, t, &data, &nbytes, NULL) != NQ_OK) continue;
      const int8_t *q = data;
      cli_diag_hist *h = &d->hist[slot[t]];
      for (size_t e = 0; e < nbytes; e++) h->count[q[e] + 128] += 1;
      if (fs && twin[t] >= 0 && nq_session_tensor(fs, twin[t], &data, &nbytes, NULL) == NQ_OK)
        count_clipped(h, data, nbytes / sizeof(float));
    }
  }
  nq_session_free(fs);
  free(buf);
  free(qbuf);
  free(slot);
  *keep = s;
  return st;
}

static const cli_diag_hist *find_hist(const cli_diagnosis *d, int t) {
  for (int i = 0; i < d->n_hist; i++)
    if (d->hist[i].tensor == t) return &d->hist[i];
  return NULL;
}

/* The tensor index of model input k: the public API gives inputs by
 * position, so the non-produced tensor of that name (-1: none). */
static int input_tensor(const nq_model *qm, int k) {
  nq_tensor_info in, ti;
  if (nq_model_input(qm, k, &in, NULL) != NQ_OK || !in.name) return -1;
  for (int t = 0; t < nq_model_num_tensors(qm); t++) {
    if (nq_model_tensor(qm, t, &ti, NULL) != NQ_OK || ti.is_constant || !ti.name || strcmp(ti.name, in.name))
      continue;
    bool produced = false;
    for (int i = 0; i < nq_model_num_nodes(qm) && !produced; i++) {
      nq_node_info ni;
      if (nq_model_node(qm, i, &ni, NULL) != NQ_OK) continue;
      for (int o = 0; o < ni.n_outputs; o++) produced |= ni.outputs[o] == t;
    }
    if (!produced) return t;
  }
  return -1;
}

/* A model input's own loss: the int8 input range (the calibration data's
 * range) clips the samples, or plain rounding. */
static void explain_input(const nq_model *qm, const cli_diagnosis *d, cli_diag_layer *l) {
  const int t = input_tensor(qm, -1 - l->node);
  const cli_diag_hist *h = t >= 0 ? find_hist(d, t) : NULL;
  if (h && h->float_values > 0 && h->float_clipped / h->float_values > 0.01) {
    snprintf(l->cause, sizeof l->cause,
             "the int8 input range clips %.1f%% of the input values: the samples go beyond the calibration "
             "data's range",
             100.0 * h->float_clipped / h->float_values);
    snprintf(l->suggestion, sizeof l->suggestion,
             "calibrate on data that covers every input the model will see (same preprocessing as in use)");
    return;
  }
  snprintf(l->cause, sizeof l->cause, "rounding the input to int8");
  snprintf(
      l->suggestion, sizeof l->suggestion,
      "a uint8/int8 input whose scale matches the data (e.g. camera pixels 0..255), or tighter input ranges");
}

static void explain(const nq_model *qm, nq_session *s, const cli_diagnosis *d, cli_diag_layer *l) {
  if (l->node < 0) {
    explain_input(qm, d, l);
    return;
  }
  nq_node_info ni;
  if (nq_model_node(qm, l->node, &ni, NULL) != NQ_OK) return;
  int is_conv = !strcmp(ni.op, "CONV_2D") || !strcmp(ni.op, "FULLY_CONNECTED");
  int is_dw = !strcmp(ni.op, "DEPTHWISE_CONV_2D");
  nq_tensor_info w;
  if ((is_conv || is_dw) && ni.n_inputs > 1 && ni.inputs[1] >= 0 &&
      nq_model_tensor(qm, ni.inputs[1], &w, NULL) == NQ_OK && w.type == NQ_INT8 && w.n_params == 1 &&
      w.rank >= 2) {
    const void *data;
    size_t nbytes;
    if (nq_session_tensor(s, ni.inputs[1], &data, &nbytes, NULL) == NQ_OK) {
      int ch = is_dw ? w.shape[w.rank - 1] : w.shape[0];
      size_t per = ch > 0 ? nbytes / (size_t)ch : 0;
      const int8_t *q = data;
      int lo = 128, hi = 0, zeros = 0;
      for (int c = 0; c < ch && per; c++) {
        int m = 0;
        for (size_t e = 0; e < per; e++) {
          size_t at = is_dw ? e * (size_t)ch + (size_t)c : (size_t)c * per + e;
          int v = abs(q[at]);
          if (v > m) m = v;
        }
        if (m == 0) zeros++;
        if (m > 0 && m < lo) lo = m;
        if (m > hi) hi = m;
      }
      double ratio = lo <= hi && lo > 0 ? (double)hi / lo : 1.0;
      if (zeros > 0 || ratio >= DIAG_CHANNEL_RATIO) {
        if (zeros > 0)
          snprintf(
              l->cause, sizeof l->cause,
              "per-tensor weights with widely varying channels: %d of %d channels are so narrow beside the "
              "widest that they round to all zeros",
              zeros, ch);
        else
          snprintf(l->cause, sizeof l->cause,
                   "per-tensor weights with widely varying channels: the widest channel spans %.0fx the "
                   "narrowest, "
                   "which keeps only about %.0f of 255 steps",
                   ratio, 255.0 / ratio);
        snprintf(l->suggestion, sizeof l->suggestion,
                 "drop --per-tensor (per-channel weights), or --equalize --bias-correct (which --recipe auto "
                 "tries)");
        return;
      }
    }
  }
  if (!strcmp(ni.op, "CONCATENATION")) {
    double lo = INFINITY, hi = 0;
    for (int k = 0; k < ni.n_inputs; k++) {
      nq_tensor_info ti;
      if (ni.inputs[k] < 0 || nq_model_tensor(qm, ni.inputs[k], &ti, NULL) != NQ_OK || ti.n_params < 1)
        continue;
      if (ti.scale[0] < lo) lo = ti.scale[0];
      if (ti.scale[0] > hi) hi = ti.scale[0];
    }
    if (lo > 0 && hi / lo >= DIAG_CONCAT_RATIO) {
      snprintf(l->cause, sizeof l->cause,
               "mixed-range concat: its inputs' ranges differ %.0fx, so in the shared int8 scale the narrow "
               "ones keep "
               "only about %.0f of 256 steps",
               hi / lo, 256.0 * lo / hi);
      snprintf(
          l->suggestion, sizeof l->suggestion,
          "bring the branches to similar ranges before the concat (e.g. a BatchNorm), or run this node in "
          "float (it then leaves the NPU: a DEQUANTIZE/QUANTIZE pair and a CPU round trip per inference)");
      return;
    }
  }
  const cli_diag_hist *h = ni.n_outputs > 0 ? find_hist(d, ni.outputs[0]) : NULL;
  if (h) {
    double total = 0, near = 0, rails = 0;
    for (int c = 0; c < 256; c++) {
      int q = c - 128;
      total += h->count[c];
      if (abs(q - h->zero_point) <= 8) near += h->count[c];
      if ((q == 127 && h->zero_point != 127) || (q == -128 && h->zero_point != -128)) rails += h->count[c];
    }
    /* With the float twin's values: clipped is what the range cut off, not
     * what the op's own clip (ReLU6 at 6, a logistic near 1) put at a rail. */
    const bool have_float = h->float_values > 0;
    const double clipped = have_float ? h->float_clipped / h->float_values : total > 0 ? rails / total : 0;
    if (clipped > 0.01) {
      snprintf(
          l->cause, sizeof l->cause,
          have_float
              ? "saturating activation: %.1f%% of its float values lie beyond the int8 range (clipped)"
              : "saturating activation: %.1f%% of its values sit at the edge of the int8 range (clipped)",
          100.0 * clipped);
      snprintf(
          l->suggestion, sizeof l->suggestion,
          "a wider range: --recipe tf or --calibration minmax (no clipping), or more representative data");
      return;
    }
    if (total > 0 && near / total > 0.99) {
      snprintf(
          l->cause, sizeof l->cause,
          "outlier range: %.1f%% of its values use only the 17 int8 steps around zero; rare outliers set the "
          "range",
          100.0 * near / total);
      snprintf(l->suggestion, sizeof l->suggestion,
               "--calibration mse or percentile (clips the outliers), which --recipe auto tries");
      return;
    }
  }
  snprintf(l->cause, sizeof l->cause, "rounding noise (no single cause found)");
  snprintf(
      l->suggestion, sizeof l->suggestion,
      "--weight-round adaround (weights rounded by the layer's output error) or --bias-correct, which "
      "--recipe auto tries; or run this node in float (it then leaves the NPU: a DEQUANTIZE/QUANTIZE pair "
      "and a CPU round trip per inference)");
}

/* Channels beyond this are left out of the weight ranges (the chart could
 * not show them anyway). */
#define DIAG_MAX_CHANNELS 4096

/* Per-channel max |w| of every constant int8 weight tensor (input 1 of a
 * node), from the codes the session holds and their scales. */
static nq_status weight_ranges(const nq_model *qm, nq_session *s, cli_diagnosis *d, nq_error *err) {
  int nn = nq_model_num_nodes(qm);
  d->weights = calloc((size_t)(nn > 0 ? nn : 1), sizeof *d->weights);
  if (!d->weights) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the weight ranges");
  for (int i = 0; i < nn; i++) {
    nq_node_info ni;
    nq_tensor_info w;
    const void *data;
    size_t nbytes;
    if (nq_model_node(qm, i, &ni, NULL) != NQ_OK || ni.n_inputs < 2 || ni.inputs[1] < 0 ||
        nq_model_tensor(qm, ni.inputs[1], &w, NULL) != NQ_OK || !w.is_constant || w.type != NQ_INT8 ||
        w.rank < 2 || w.n_params < 1 || nq_session_tensor(s, ni.inputs[1], &data, &nbytes, NULL) != NQ_OK)
      continue;
    /* per-tensor depthwise weights keep their channels last, like the axis
     * TFLite gives them per channel */
    int axis = w.n_params > 1 ? w.axis : !strcmp(ni.op, "DEPTHWISE_CONV_2D") ? w.rank - 1 : 0;
    if (axis < 0 || axis >= w.rank || w.shape[axis] < 1) continue;
    int ch = w.shape[axis];
    if (w.n_params > 1 && w.n_params != ch) continue;
    size_t inner = 1;
    for (int k = axis + 1; k < w.rank; k++) inner *= (size_t)w.shape[k];
    if (nbytes % ((size_t)ch * inner) != 0) continue;
    size_t outer = nbytes / ((size_t)ch * inner);
    int shown = ch < DIAG_MAX_CHANNELS ? ch : DIAG_MAX_CHANNELS;
    cli_diag_weights *wr = &d->weights[d->n_weights];
    wr->range = calloc((size_t)shown, sizeof *wr->range);
    if (!wr->range) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the weight ranges");
    const int8_t *q = data;
    for (int c = 0; c < shown; c++) {
      int p = w.n_params > 1 ? c : 0;
      int m = 0;
      for (size_t o = 0; o < outer; o++)
        for (size_t e = 0; e < inner; e++) {
          int v = abs((int)q[(o * (size_t)ch + (size_t)c) * inner + e] - (int)w.zero_point[p]);
          if (v > m) m = v;
        }
      wr->range[c] = (float)m * w.scale[p];
    }
    wr->node = i;
    wr->per_channel = w.n_params > 1;
    wr->n_channels = shown;
    char label[160];
    cli_printable(nq_model_node_label(qm, i, label, sizeof label), wr->label, sizeof wr->label);
    if (!wr->per_channel) d->per_tensor_weights = 1;
    d->n_weights++;
  }
  return NQ_OK;
}

nq_status cli_diagnose(const nq_model *fm, const nq_model *qm, const nq_sample_source *src, int threads,
                       cli_diagnosis *d, nq_error *err) {
  memset(d, 0, sizeof *d);
  d->n_samples = src->n_samples;
  int nt = nq_model_num_tensors(qm), nn = nq_model_num_nodes(qm);
  double *sq = malloc(sizeof *sq * (size_t)(nt > 0 ? nt : 1));
  int *twin = malloc(sizeof *twin * (size_t)(nt > 0 ? nt : 1));
  const int ni_model = nq_model_num_inputs(qm);
  d->all = calloc((size_t)(nn + ni_model > 0 ? nn + ni_model : 1), sizeof *d->all);
  if (!sq || !twin || !d->all) {
    free(sq);
    free(twin);
    cli_diagnosis_free(d);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the diagnosis");
  }
  for (int t = 0; t < nt; t++) sq[t] = NAN, twin[t] = -1;
  nq_status st = per_tensor_sqnr(fm, qm, src, threads, sq, twin, err);
  nq_session *s = NULL;
  if (st == NQ_OK) st = histograms(fm, qm, twin, src, threads, d, &s, err);
  free(twin);
  if (st == NQ_OK) st = weight_ranges(qm, s, d, err);
  /* A DEQUANTIZE at a float output (or before a float tail) reads NAME_int8,
   * which has no float twin to compare with; it converts exactly, so its
   * input has its output's SQNR. Without this the DEQUANTIZE would seem to
   * turn an exact input into the whole model's error and be named the worst
   * layer, and the int8 node before it would escape blame. */
  for (int i = 0; st == NQ_OK && i < nn; i++) {
    nq_node_info ni;
    if (nq_model_node(qm, i, &ni, NULL) == NQ_OK && !strcmp(ni.op, "DEQUANTIZE") && ni.n_inputs == 1 &&
        ni.n_outputs == 1 && ni.inputs[0] >= 0 && ni.outputs[0] >= 0 && isnan(sq[ni.inputs[0]]))
      sq[ni.inputs[0]] = sq[ni.outputs[0]];
  }
  /* An int8 model input compared with the float one: the rounding and
   * clipping to the input's range happen before any node, so they are an
   * entry of their own (else the first layer's input would look exact or
   * the loss would be no one's). */
  for (int k = 0; st == NQ_OK && k < ni_model; k++) {
    nq_tensor_info ti;
    const int t = input_tensor(qm, k);
    if (t < 0 || t >= nt || isnan(sq[t]) || nq_model_tensor(qm, t, &ti, NULL) != NQ_OK) continue;
    cli_diag_layer *l = &d->all[d->n_all++];
    l->node = -1 - k;
    char name[96];
    snprintf(l->label, sizeof l->label, "input '%s'", cli_printable(ti.name, name, sizeof name));
    l->sqnr_in_db = INFINITY;
    l->sqnr_out_db = sq[t];
    l->added = capped(l->sqnr_in_db) - capped(l->sqnr_out_db);
  }
  for (int i = 0; st == NQ_OK && i < nn; i++) {
    nq_node_info ni;
    if (nq_model_node(qm, i, &ni, NULL) != NQ_OK || ni.n_outputs < 1 || ni.outputs[0] < 0 ||
        isnan(sq[ni.outputs[0]]))
      continue;
    cli_diag_layer *l = &d->all[d->n_all++];
    l->node = i;
    char label[160];
    cli_printable(nq_model_node_label(qm, i, label, sizeof label), l->label, sizeof l->label);
    l->sqnr_out_db = sq[ni.outputs[0]];
    l->sqnr_in_db = INFINITY;
    for (int k = 0; k < ni.n_inputs; k++) {
      nq_tensor_info ti;
      int t = ni.inputs[k];
      if (t < 0 || nq_model_tensor(qm, t, &ti, NULL) != NQ_OK || ti.is_constant || isnan(sq[t])) continue;
      if (sq[t] < l->sqnr_in_db) l->sqnr_in_db = sq[t];
    }
    l->added = capped(l->sqnr_in_db) - capped(l->sqnr_out_db);
  }
  if (st == NQ_OK) {
    /* the worst five by SQNR fall (ties: the earlier node) */
    for (int k = 0; k < CLI_DIAG_WORST; k++) {
      int best = -1;
      for (int i = 0; i < d->n_all; i++) {
        int taken = 0;
        for (int j = 0; j < k; j++) taken |= d->worst[j].node == d->all[i].node;
        if (taken || !(d->all[i].added >= DIAG_MIN_ADDED_DB)) continue;
        if (best < 0 || d->all[i].added > d->all[best].added) best = i;
      }
      if (best < 0) break;
      d->worst[k] = d->all[best];
      explain(qm, s, d, &d->worst[k]);
      d->n_layers = k + 1;
    }
  }
  nq_session_free(s);
  free(sq);
  if (st != NQ_OK) cli_diagnosis_free(d);
  return st;
}

void cli_diagnosis_free(cli_diagnosis *d) {
  for (int i = 0; d->weights && i < d->n_weights; i++) free(d->weights[i].range);
  free(d->weights);
  free(d->all);
  free(d->hist);
  memset(d, 0, sizeof *d);
}

static const char *db(double v, char *buf, size_t n) {
  if (isinf(v))
    snprintf(buf, n, "%s", v > 0 ? "exact" : "-inf");
  else
    snprintf(buf, n, "%.2f dB", v);
  return buf;
}

void cli_diagnosis_print(const cli_diagnosis *d, FILE *f) {
  fprintf(f, "  worst layers (the error each adds, float vs int8 tensor of the same name, %d samples):\n",
          d->n_samples);
  if (d->n_layers == 0) fprintf(f, "    none: no layer adds measurable error\n");
  for (int k = 0; k < d->n_layers; k++) {
    const cli_diag_layer *l = &d->worst[k];
    char a[32], b[32];
    fprintf(f, "    %d. %s: SQNR %s in -> %s out\n", k + 1, l->label, db(l->sqnr_in_db, a, sizeof a),
            db(l->sqnr_out_db, b, sizeof b));
    fprintf(f, "       cause: %s\n       try:   %s\n", l->cause, l->suggestion);
  }
}

static void json_db(json_out *j, const char *key, double v) {
  if (isinf(v))
    json_string(j, key, v > 0 ? "inf" : "-inf");
  else
    json_float(j, key, v);
}

void cli_diagnosis_json(json_out *j, const cli_diagnosis *d) {
  json_begin_object(j, "diagnosis");
  json_int(j, "samples", d->n_samples);
  json_begin_array(j, "worst_layers");
  for (int k = 0; k < d->n_layers; k++) {
    const cli_diag_layer *l = &d->worst[k];
    json_begin_object(j, NULL);
    json_int(j, "node", l->node);
    json_string(j, "label", l->label);
    json_db(j, "sqnr_in_db", l->sqnr_in_db);
    json_db(j, "sqnr_out_db", l->sqnr_out_db);
    json_string(j, "cause", l->cause);
    json_string(j, "suggestion", l->suggestion);
    json_end_object(j);
  }
  json_end_array(j);
  json_begin_array(j, "layers");
  for (int k = 0; k < d->n_all; k++) {
    json_begin_object(j, NULL);
    json_int(j, "node", d->all[k].node);
    json_string(j, "label", d->all[k].label);
    json_db(j, "sqnr_db", d->all[k].sqnr_out_db);
    json_end_object(j);
  }
  json_end_array(j);
  json_begin_array(j, "histograms");
  for (int k = 0; k < d->n_hist; k++) {
    const cli_diag_hist *h = &d->hist[k];
    json_begin_object(j, NULL);
    json_int(j, "tensor", h->tensor);
    json_string(j, "name", h->name);
    json_float(j, "scale", h->scale);
    json_int(j, "zero_point", h->zero_point);
    /* the float range the int8 codes span: what calibration chose */
    json_float(j, "range_min", ((double)-128 - h->zero_point) * h->scale);
    json_float(j, "range_max", ((double)127 - h->zero_point) * h->scale);
    json_begin_array(j, "counts");
    for (int c = 0; c < 256; c++) json_float(j, NULL, h->count[c]);
    json_end_array(j);
    json_end_object(j);
  }
  json_end_array(j);
  json_begin_array(j, "weight_ranges");
  for (int k = 0; k < d->n_weights; k++) {
    const cli_diag_weights *w = &d->weights[k];
    json_begin_object(j, NULL);
    json_int(j, "node", w->node);
    json_string(j, "label", w->label);
    json_bool(j, "per_channel", w->per_channel);
    json_begin_array(j, "max_abs");
    for (int c = 0; c < w->n_channels; c++) json_float(j, NULL, w->range[c]);
    json_end_array(j);
    json_end_object(j);
  }
  json_end_array(j);
  json_end_object(j);
}
