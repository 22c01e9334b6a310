#include "graph_compare.h"

#include <stdio.h>
#include <string.h>

static int str_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}
/* Floats compared as bits: a round trip must not even flip -0.0. */
static int f32_eq(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

#define DIFF(...)                        \
  do {                                   \
    snprintf(why, whysize, __VA_ARGS__); \
    return 1;                            \
  } while (0)

static int quant_diff(const nq_quant *a, const nq_quant *b, int t, char *why, size_t whysize) {
  if (a->n != b->n) DIFF("tensor %d: %d vs %d quantization params", t, a->n, b->n);
  for (int i = 0; i < a->n; i++) {
    if (!f32_eq(a->scale[i], b->scale[i]))
      DIFF("tensor %d: scale[%d] %.9g vs %.9g", t, i, a->scale[i], b->scale[i]);
    if (a->zero_point[i] != b->zero_point[i])
      DIFF("tensor %d: zero_point[%d] %lld vs %lld", t, i, (long long)a->zero_point[i],
           (long long)b->zero_point[i]);
  }
  if (a->n > 1 && a->axis != b->axis) DIFF("tensor %d: axis %d vs %d", t, a->axis, b->axis);
  if (a->has_range != b->has_range) DIFF("tensor %d: has_range differs", t);
  if (a->has_range && (!f32_eq(a->min, b->min) || !f32_eq(a->max, b->max)))
    DIFF("tensor %d: range [%g,%g] vs [%g,%g]", t, a->min, a->max, b->min, b->max);
  return 0;
}

static int params_diff(const nq_op_params *a, const nq_op_params *b, int k, char *why, size_t whysize) {
#define P_INT(f)                          \
  if ((long long)a->f != (long long)b->f) \
  DIFF("node %d: " #f " %lld vs %lld", k, (long long)a->f, (long long)b->f)
  P_INT(act);
  P_INT(padding);
  P_INT(stride_h);
  P_INT(stride_w);
  P_INT(dilation_h);
  P_INT(dilation_w);
  P_INT(filter_h);
  P_INT(filter_w);
  P_INT(depth_multiplier);
  P_INT(axis);
  P_INT(num);
  P_INT(keep_dims);
  P_INT(align_corners);
  P_INT(half_pixel_centers);
  P_INT(adj_x);
  P_INT(adj_y);
  P_INT(approximate);
  P_INT(block_size);
  P_INT(mirror_mode);
  P_INT(begin_mask);
  P_INT(end_mask);
  P_INT(ellipsis_mask);
  P_INT(new_axis_mask);
  P_INT(shrink_axis_mask);
  P_INT(offset);
  P_INT(out_type);
  P_INT(new_shape_rank);
  P_INT(num_squeeze_dims);
#undef P_INT
  if (!f32_eq(a->beta, b->beta)) DIFF("node %d: beta %g vs %g", k, a->beta, b->beta);
  if (!f32_eq(a->alpha, b->alpha)) DIFF("node %d: alpha %g vs %g", k, a->alpha, b->alpha);
  for (int i = 0; i < a->new_shape_rank && i < NQ_MAX_RANK; i++)
    if (a->new_shape[i] != b->new_shape[i]) DIFF("node %d: new_shape[%d] differs", k, i);
  for (int i = 0; i < a->num_squeeze_dims && i < NQ_MAX_RANK; i++)
    if (a->squeeze_dims[i] != b->squeeze_dims[i]) DIFF("node %d: squeeze_dims[%d] differs", k, i);
  if (!a->custom_name != !b->custom_name || (a->custom_name && strcmp(a->custom_name, b->custom_name) != 0))
    DIFF("node %d: custom op '%s' vs '%s'", k, a->custom_name ? a->custom_name : "",
         b->custom_name ? b->custom_name : "");
  if (a->custom_options_size != b->custom_options_size ||
      (a->custom_options_size && memcmp(a->custom_options, b->custom_options, a->custom_options_size) != 0))
    DIFF("node %d: custom options (%zu vs %zu bytes) differ", k, a->custom_options_size,
         b->custom_options_size);
  return 0;
}

static int sig_entries_diff(const nq_sig_entry *a, const nq_sig_entry *b, int n, int s, char *why,
                            size_t whysize) {
  for (int i = 0; i < n; i++)
    if (!str_eq(a[i].name, b[i].name) || a[i].tensor != b[i].tensor)
      DIFF("signature %d: entry %d ('%s' -> %d vs '%s' -> %d)", s, i, a[i].name ? a[i].name : "", a[i].tensor,
           b[i].name ? b[i].name : "", b[i].tensor);
  return 0;
}

int nq_test_graph_diff(const nq_graph *a, const nq_graph *b, char *why, size_t whysize) {
  if (a->n_tensors != b->n_tensors) DIFF("%d vs %d tensors", a->n_tensors, b->n_tensors);
  for (int t = 0; t < a->n_tensors; t++) {
    const nq_tensor *x = &a->tensors[t], *y = &b->tensors[t];
    if (!str_eq(x->name, y->name)) DIFF("tensor %d: name '%s' vs '%s'", t, x->name, y->name);
    if (x->type != y->type) DIFF("tensor %d: type %d vs %d", t, x->type, y->type);
    if (x->rank != y->rank) DIFF("tensor %d: rank %d vs %d", t, x->rank, y->rank);
    for (int d = 0; d < x->rank; d++)
      if (x->shape[d] != y->shape[d]) DIFF("tensor %d: dim %d differs", t, d);
    if ((x->data == NULL) != (y->data == NULL)) DIFF("tensor %d: constness differs", t);
    if (x->nbytes != y->nbytes) DIFF("tensor %d: %zu vs %zu bytes", t, x->nbytes, y->nbytes);
    if (x->data && x->nbytes && memcmp(x->data, y->data, x->nbytes) != 0)
      DIFF("tensor %d: data bytes differ", t);
    if (x->is_variable != y->is_variable) DIFF("tensor %d: is_variable differs", t);
    if (quant_diff(&x->q, &y->q, t, why, whysize)) return 1;
  }
  if (a->n_nodes != b->n_nodes) DIFF("%d vs %d nodes", a->n_nodes, b->n_nodes);
  for (int k = 0; k < a->n_nodes; k++) {
    const nq_node *m = &a->nodes[k], *n = &b->nodes[k];
    if (m->op != n->op) DIFF("node %d: op %s vs %s", k, nq_op_name(m->op), nq_op_name(n->op));
    if (m->n_in != n->n_in || m->n_out != n->n_out) DIFF("node %d: input/output counts", k);
    for (int i = 0; i < m->n_in; i++)
      if (m->in[i] != n->in[i]) DIFF("node %d: input %d is %d vs %d", k, i, m->in[i], n->in[i]);
    for (int i = 0; i < m->n_out; i++)
      if (m->out[i] != n->out[i]) DIFF("node %d: output %d differs", k, i);
    if (m->version != n->version)
      DIFF("node %d (%s): version %d vs %d", k, nq_op_name(m->op), m->version, n->version);
    if (params_diff(&m->p, &n->p, k, why, whysize)) return 1;
  }
  if (a->n_inputs != b->n_inputs || a->n_outputs != b->n_outputs) DIFF("model I/O counts");
  for (int i = 0; i < a->n_inputs; i++)
    if (a->inputs[i] != b->inputs[i]) DIFF("model input %d differs", i);
  for (int i = 0; i < a->n_outputs; i++)
    if (a->outputs[i] != b->outputs[i]) DIFF("model output %d differs", i);
  if (a->n_signatures != b->n_signatures) DIFF("%d vs %d signatures", a->n_signatures, b->n_signatures);
  for (int s = 0; s < a->n_signatures; s++) {
    const nq_signature *x = &a->signatures[s], *y = &b->signatures[s];
    if (!str_eq(x->key, y->key)) DIFF("signature %d: key differs", s);
    if (x->n_in != y->n_in || x->n_out != y->n_out) DIFF("signature %d: entry counts", s);
    if (sig_entries_diff(x->in, y->in, x->n_in, s, why, whysize)) return 1;
    if (sig_entries_diff(x->out, y->out, x->n_out, s, why, whysize)) return 1;
  }
  if (a->n_metadata != b->n_metadata) DIFF("%d vs %d metadata entries", a->n_metadata, b->n_metadata);
  for (int m = 0; m < a->n_metadata; m++) {
    const nq_metadata *x = &a->metadata[m], *y = &b->metadata[m];
    if (!str_eq(x->name, y->name)) DIFF("metadata %d: name differs", m);
    if (x->size != y->size || (x->size && memcmp(x->data, y->data, x->size) != 0))
      DIFF("metadata %d ('%s'): contents differ", m, x->name ? x->name : "");
  }
  if (!str_eq(a->description, b->description)) DIFF("description differs");
  return 0;
}
