/* The data checks of convert (see sample_checks.h). */
#include "calib/sample_checks.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "io/npy.h"

#define MAX_LISTED_CHANNELS 8

/* The first node reading tensor t, or -1. */
static int first_consumer(const nq_graph *g, int t) {
  for (int n = 0; n < g->n_nodes; n++)
    for (int k = 0; k < g->nodes[n].n_in; k++)
      if (g->nodes[n].in[k] == t) return n;
  return -1;
}

/* Constant int32/int64 tensor t equal to {0, 2, 3, 1}. */
static bool is_nchw_to_nhwc_perm(const nq_graph *g, int t) {
  if (t < 0 || t >= g->n_tensors) return false;
  const nq_tensor *p = &g->tensors[t];
  if (!p->data || p->rank != 1 || p->shape[0] != 4) return false;
  static const int want[4] = {0, 2, 3, 1};
  for (int k = 0; k < 4; k++) {
    int64_t v;
    if (p->type == NQ_INT32 && p->nbytes >= 16) {
      int32_t x;
      memcpy(&x, p->data + 4 * k, 4);
      v = x;
    } else if (p->type == NQ_INT64 && p->nbytes >= 32) {
      memcpy(&v, p->data + 8 * k, 8);
    } else {
      return false;
    }
    if (v != want[k]) return false;
  }
  return true;
}

/* Arithmetic of t with a constant (x / 255 - 0.5 before the first conv):
 * the ONNX frontend leaves such ops in the model's layout. */
static bool is_const_arith(const nq_graph *g, const nq_node *nd, int t) {
  if (nd->op != NQ_OP_MUL && nd->op != NQ_OP_DIV && nd->op != NQ_OP_ADD && nd->op != NQ_OP_SUB) return false;
  if (nd->n_in != 2 || nd->n_out < 1) return false;
  int other = nd->in[0] == t ? nd->in[1] : nd->in[0];
  return other >= 0 && other < g->n_tensors && g->tensors[other].data;
}

int nq_input_channels_first(const nq_graph *g, int input) {
  if (input < 0 || input >= g->n_inputs) return -1;
  int t = g->inputs[input];
  const nq_tensor *x = &g->tensors[t];
  if (x->rank != 4) return -1;
  int n = first_consumer(g, t);
  for (int hops = 0; hops < 4 && n >= 0 && is_const_arith(g, &g->nodes[n], t); hops++) {
    t = g->nodes[n].out[0];
    n = first_consumer(g, t);
  }
  if (n >= 0) {
    const nq_node *nd = &g->nodes[n];
    /* The ONNX frontend moves NCHW inputs to NHWC with this TRANSPOSE (a
     * RESHAPE [1, 1, H, W] -> [1, H, W, 1] for one channel). */
    if (nd->op == NQ_OP_TRANSPOSE && nd->n_in >= 2 && is_nchw_to_nhwc_perm(g, nd->in[1])) return 1;
    if (nd->op == NQ_OP_RESHAPE && nd->n_out >= 1 && x->shape[1] == 1) {
      const nq_tensor *y = &g->tensors[nd->out[0]];
      if (y->rank == 4 && y->shape[1] == x->shape[2] && y->shape[2] == x->shape[3] && y->shape[3] == 1)
        return 1;
    }
  }
  return 0;
}

/* The model's own input normalisation: its first op (after a layout
 * TRANSPOSE/RESHAPE) is an ADD/SUB/MUL/DIV with a constant, as a Keras
 * Rescaling or Normalization layer or a torch "x / 255" loads. Returns the
 * node or -1. */
static int self_normalising_node(const nq_graph *g, int input) {
  int t = g->inputs[input];
  for (int hops = 0; hops < 2; hops++) {
    int n = first_consumer(g, t);
    if (n < 0) return -1;
    const nq_node *nd = &g->nodes[n];
    if (nd->op == NQ_OP_MUL || nd->op == NQ_OP_DIV || nd->op == NQ_OP_ADD || nd->op == NQ_OP_SUB) {
      for (int k = 0; k < nd->n_in; k++)
        if (nd->in[k] >= 0 && nd->in[k] != t && g->tensors[nd->in[k]].data) return n;
      return -1;
    }
    if ((nd->op != NQ_OP_TRANSPOSE && nd->op != NQ_OP_RESHAPE) || nd->n_out < 1) return -1;
    t = nd->out[0];
  }
  return -1;
}

typedef struct input_stats {
  int channels, axis; /* axis -1: no channel axis (statistics over all values) */
  size_t per_channel; /* values of one channel in one sample */
  double *sum;
  float *min, *max;
  bool integer; /* every value is a whole number */
  float lo, hi; /* over all finite values */
  int nonfinite, first_nonfinite;
  int constant, first_constant;
} input_stats;

static nq_status stats_init(input_stats *s, const nq_tensor *x, int channels_first, nq_error *err) {
  memset(s, 0, sizeof *s);
  s->axis = -1;
  s->channels = 1;
  if (x->rank == 4) {
    s->axis = channels_first == 1 ? 1 : 3;
    s->channels = x->shape[s->axis] > 0 ? x->shape[s->axis] : 1;
  }
  s->per_channel = nq_tensor_elems(x) / (size_t)s->channels;
  s->sum = calloc((size_t)s->channels, sizeof *s->sum);
  s->min = malloc((size_t)s->channels * sizeof *s->min);
  s->max = malloc((size_t)s->channels * sizeof *s->max);
  if (!s->sum || !s->min || !s->max) return nq_fail(err, NQ_ERR_NOMEM, "sample checks: out of memory");
  for (int c = 0; c < s->channels; c++) s->min[c] = INFINITY, s->max[c] = -INFINITY;
  s->integer = true;
  s->lo = INFINITY, s->hi = -INFINITY;
  s->first_nonfinite = s->first_constant = -1;
  return NQ_OK;
}

static void stats_free(input_stats *s) {
  free(s->sum);
  free(s->min);
  free(s->max);
}

/* Channel of flat element i for a rank-4 [N, d1, d2, d3] input. */
static int channel_of(const input_stats *s, const nq_tensor *x, size_t i) {
  if (s->axis == 3) return (int)(i % (size_t)s->channels);
  if (s->axis == 1) return (int)(i / ((size_t)x->shape[2] * (size_t)x->shape[3]) % (size_t)s->channels);
  return 0;
}

static void stats_add(input_stats *s, const nq_tensor *x, int sample, const float *v, size_t n) {
  bool finite = true, constant = n > 1;
  for (size_t i = 0; i < n; i++) {
    float f = v[i];
    if (!isfinite(f)) {
      finite = false;
      continue;
    }
    if (f != v[0]) constant = false;
    if (s->integer && f != floorf(f)) s->integer = false;
    int c = channel_of(s, x, i);
    s->sum[c] += f;
    if (f < s->min[c]) s->min[c] = f;
    if (f > s->max[c]) s->max[c] = f;
    if (f < s->lo) s->lo = f;
    if (f > s->hi) s->hi = f;
  }
  if (!finite && s->nonfinite++ == 0) s->first_nonfinite = sample;
  if (finite && constant && s->constant++ == 0) s->first_constant = sample;
}

typedef struct reporter {
  nq_line_fn note, warn;
  void *user;
  const nq_sample_source *src;
} reporter;

static void say(nq_line_fn fn, void *user, const char *fmt, ...) NQ_PRINTF(3, 4);
static void say(nq_line_fn fn, void *user, const char *fmt, ...) {
  if (!fn) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fn(user, line);
}

static const char *sample_name(const reporter *r, int k, char *buf, size_t n) {
  const char *name = r->src->name ? r->src->name(r->src->ctx, k) : NULL;
  if (name)
    snprintf(buf, n, "%s", name);
  else
    snprintf(buf, n, "sample %d", k);
  return buf;
}

static void report_input(const reporter *r, const nq_graph *g, int i, const input_stats *s, int n_samples) {
  const nq_tensor *x = &g->tensors[g->inputs[i]];
  const char *name = x->name ? x->name : "";
  char shape[128], buf[512], sname[256];
  nq_shape_str(x->shape, x->rank, shape, sizeof shape);
  const char *layout = s->axis == 1 ? "channels first (NCHW)" : s->axis == 3 ? "channels last (NHWC)" : "";
  size_t used = 0;
  buf[0] = '\0';
  int listed = s->channels < MAX_LISTED_CHANNELS ? s->channels : MAX_LISTED_CHANNELS;
  double count = (double)n_samples * (double)s->per_channel;
  for (int c = 0; c < listed && used < sizeof buf; c++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%.4g/%.4g/%.4g", c ? ", " : "", s->min[c],
                             count > 0 ? s->sum[c] / count : 0.0, s->max[c]);
  if (listed < s->channels && used < sizeof buf)
    snprintf(buf + used, sizeof buf - used, ", ... (%d channels)", s->channels);
  say(r->note, r->user, "input '%s' %s%s%s: %d samples, %s min/mean/max %s", name, shape, *layout ? " " : "",
      layout, n_samples, s->axis < 0 ? "all values" : "per channel", buf);
  if (s->nonfinite)
    say(r->warn, r->user, "input '%s': %d of %d samples hold NaN or infinite values (first: %s)", name,
        s->nonfinite, n_samples, sample_name(r, s->first_nonfinite, sname, sizeof sname));
  if (s->constant)
    say(r->warn, r->user,
        "input '%s': %d of %d samples are constant (every value the same; first: %s): blank or failed "
        "images calibrate nothing",
        name, s->constant, n_samples, sample_name(r, s->first_constant, sname, sizeof sname));
  /* Resized images are no longer whole numbers, so an image-shaped input
   * (1 to 4 channels) in 0..255 counts as raw pixels too. */
  bool image_like = s->axis >= 0 && s->channels <= 4;
  bool raw_pixels = (s->integer || image_like) && s->lo >= 0 && s->hi <= 255 && s->hi > 2;
  if (!raw_pixels) return;
  int norm = self_normalising_node(g, i);
  if (norm >= 0) {
    const nq_node *nd = &g->nodes[norm];
    say(r->note, r->user,
        "input '%s': values in %g..%g, and the model normalises its input itself (%s%s%s%s), "
        "so raw pixels fit",
        name, s->lo, s->hi, nq_op_name(nd->op), nd->name ? " '" : "", nd->name ? nd->name : "",
        nd->name ? "'" : "");
    return;
  }
  say(r->warn, r->user,
      "input '%s': the samples are in %g..%g (raw pixels?) but the model has no input "
      "normalisation of its own (no Rescaling/ADD/MUL with a constant first), so it was assumed to expect "
      "small values such as 0..1 or -1..1: preprocess as in training (--range 0..1 or --mean/--std; in "
      "Python, divide by 255)",
      name, s->lo, s->hi);
}

nq_status nq_check_samples(const nq_graph *g, const nq_sample_source *src, nq_line_fn note, nq_line_fn warn,
                           void *user, nq_error *err) {
  if (!note && !warn) return NQ_OK;
  reporter r = {note, warn, user, src};
  nq_status st = NQ_OK;
  for (int i = 0; i < g->n_inputs && st == NQ_OK; i++) {
    const nq_tensor *x = &g->tensors[g->inputs[i]];
    size_t n = nq_tensor_elems(x); /* what calibration's feeder asks fill for */
    if (x->type != NQ_FLOAT32 || n == 0) continue;
    float *buf = malloc(n * sizeof *buf);
    input_stats s;
    st = stats_init(&s, x, nq_input_channels_first(g, i), err);
    if (st == NQ_OK && !buf) st = nq_fail(err, NQ_ERR_NOMEM, "sample checks: out of memory");
    for (int k = 0; k < src->n_samples && st == NQ_OK; k++) {
      st = src->fill(src->ctx, k, i, buf, n, err);
      if (st == NQ_OK) stats_add(&s, x, k, buf, n);
    }
    if (st == NQ_OK) report_input(&r, g, i, &s, src->n_samples);
    stats_free(&s);
    free(buf);
  }
  return st;
}
