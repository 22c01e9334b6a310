#include "ir/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/budget.h"
#include "core/checked.h"
#include "core/status.h"

/* ops.def columns ID, TFLITE and INT16X8, in enum order. */
static const char *const op_names[] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) #id,
#include "ir/ops.def"
#undef NQ_OP
};
static const int op_tflite_codes[] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) tfl,
#include "ir/ops.def"
#undef NQ_OP
};

/* Column INT16X8: 2 TFLite and npuquant run the op on int16, 1 TFLite only. */
#define I16X8 2
#define I16X8_TFLITE_ONLY 1
#define NO_I16X8 0
static const unsigned char op_int16x8[] = {
#define NQ_OP(id, tfl, shape, flt, i8, i16, q, npu, opts, ver, rel) i16,
#include "ir/ops.def"
#undef NQ_OP
};
#undef I16X8
#undef I16X8_TFLITE_ONLY
#undef NO_I16X8

const char *nq_op_name(nq_op op) { return (unsigned)op < NQ_OP_COUNT ? op_names[op] : "?"; }

bool nq_op_gives_bool(nq_op op) {
  return op == NQ_OP_LESS || op == NQ_OP_LESS_EQUAL || op == NQ_OP_GREATER || op == NQ_OP_GREATER_EQUAL ||
         op == NQ_OP_EQUAL || op == NQ_OP_NOT_EQUAL || op == NQ_OP_LOGICAL_AND || op == NQ_OP_LOGICAL_OR ||
         op == NQ_OP_LOGICAL_NOT;
}

bool nq_op_has_int16x8(nq_op op) { return (unsigned)op < NQ_OP_COUNT && op_int16x8[op] >= 1; }
bool nq_op_runs_int16x8(nq_op op) { return (unsigned)op < NQ_OP_COUNT && op_int16x8[op] == 2; }

int nq_op_tflite_code(nq_op op) { return (unsigned)op < NQ_OP_COUNT ? op_tflite_codes[op] : -1; }

bool nq_op_from_tflite_code(int code, nq_op *out) {
  if (code < 0) return false; /* -1 marks IR-only ops (ERF); a file never names them */
  for (int i = 0; i < NQ_OP_COUNT; i++) {
    if (op_tflite_codes[i] == code) {
      *out = (nq_op)i;
      return true;
    }
  }
  return false;
}

static const struct {
  const char *name;
  size_t size;
} dtype_info[NQ_DTYPE_COUNT] = {
    [NQ_FLOAT32] = {"float32", 4}, [NQ_FLOAT16] = {"float16", 2}, [NQ_INT8] = {"int8", 1},
    [NQ_UINT8] = {"uint8", 1},     [NQ_INT16] = {"int16", 2},     [NQ_INT32] = {"int32", 4},
    [NQ_INT64] = {"int64", 8},     [NQ_BOOL] = {"bool", 1},
};
_Static_assert(sizeof dtype_info / sizeof dtype_info[0] == NQ_DTYPE_COUNT, "dtype_info");

const char *nq_dtype_name(nq_dtype t) { return (unsigned)t < NQ_DTYPE_COUNT ? dtype_info[t].name : "?"; }
size_t nq_dtype_size(nq_dtype t) { return (unsigned)t < NQ_DTYPE_COUNT ? dtype_info[t].size : 0; }

nq_graph *nq_graph_new(void) { return calloc(1, sizeof(nq_graph)); }

void nq_quant_clear(nq_quant *q) {
  free(q->scale);
  free(q->zero_point);
  memset(q, 0, sizeof *q);
}

void nq_graph_free(nq_graph *g) {
  if (!g) return;
  for (int i = 0; i < g->n_tensors; i++) {
    free(g->tensors[i].name);
    nq_tensor_drop_data(g, i);
    nq_quant_clear(&g->tensors[i].q);
  }
  free(g->tensors);
  for (int i = 0; i < g->n_nodes; i++) nq_node_free_fields(&g->nodes[i]);
  free(g->nodes);
  free(g->inputs);
  free(g->outputs);
  for (int i = 0; i < g->n_signatures; i++) {
    nq_signature *s = &g->signatures[i];
    free(s->key);
    for (int k = 0; k < s->n_in; k++) free(s->in[k].name);
    for (int k = 0; k < s->n_out; k++) free(s->out[k].name);
    free(s->in);
    free(s->out);
  }
  free(g->signatures);
  for (int i = 0; i < g->n_metadata; i++) {
    free(g->metadata[i].name);
    free(g->metadata[i].data);
  }
  free(g->metadata);
  free(g->description);
  free(g->source);
  free(g);
}

static bool dup_bytes(uint8_t **dst, const uint8_t *src, size_t n) {
  *dst = NULL;
  if (!src) return true;
  *dst = malloc(n ? n : 1);
  if (!*dst) return false;
  if (n) memcpy(*dst, src, n);
  return true;
}

static char *dup_str(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Grow an array of `elem`-byte items so that index `need` fits. */
static bool grow(void **arr, int *cap, int need, size_t elem) {
  if (need < *cap) return true;
  int ncap = *cap ? *cap : 16;
  while (ncap <= need) ncap *= 2;
  size_t bytes;
  if (!nq_mul_size((size_t)ncap, elem, &bytes)) return false;
  void *p = realloc(*arr, bytes);
  if (!p) return false;
  memset((char *)p + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
  *arr = p;
  *cap = ncap;
  return true;
}

int nq_graph_add_tensor(nq_graph *g, const char *name, nq_dtype type, int rank, const int32_t *shape,
                        nq_error *err) {
  if (g->n_tensors >= NQ_MAX_TENSORS) {
    nq_fail(err, NQ_ERR_NOMEM, "too many tensors (limit %d)", NQ_MAX_TENSORS);
    return -1;
  }
  if (rank < 0 || rank > NQ_MAX_RANK) {
    nq_fail(err, NQ_ERR_UNSUPPORTED, "tensor '%s': rank %d, at most %d supported", name ? name : "?", rank,
            NQ_MAX_RANK);
    return -1;
  }
  if ((unsigned)type >= NQ_DTYPE_COUNT) {
    nq_fail(err, NQ_ERR_INTERNAL, "tensor '%s': bad dtype %d", name ? name : "?", (int)type);
    return -1;
  }
  if (!grow((void **)&g->tensors, &g->cap_tensors, g->n_tensors, sizeof(nq_tensor))) {
    nq_fail(err, NQ_ERR_NOMEM, "out of memory adding a tensor");
    return -1;
  }
  nq_tensor *t = &g->tensors[g->n_tensors];
  memset(t, 0, sizeof *t);
  if (name && !(t->name = dup_str(name))) {
    nq_fail(err, NQ_ERR_NOMEM, "out of memory adding a tensor");
    return -1;
  }
  t->type = type;
  t->rank = rank;
  for (int i = 0; i < rank; i++) t->shape[i] = shape[i];
  return g->n_tensors++;
}

size_t nq_tensor_elems(const nq_tensor *t) {
  size_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= (size_t)(t->shape[i] < 0 ? 0 : t->shape[i]);
  return n;
}

static nq_status expected_bytes(const nq_graph *g, int t, size_t *out, nq_error *err) {
  const nq_tensor *x = &g->tensors[t];
  size_t n;
  char buf[96];
  if (!nq_shape_elems(x->shape, x->rank, NQ_MAX_TENSOR_ELEMS, &n) ||
      !nq_mul_size(n, nq_dtype_size(x->type), out))
    return nq_fail(err, NQ_ERR_FORMAT, "tensor %s: shape has a negative dimension or more than 2^31 elements",
                   nq_tensor_label(g, t, buf, sizeof buf));
  return NQ_OK;
}

nq_status nq_tensor_set_data(nq_graph *g, int t, uint8_t *data, size_t nbytes, nq_error *err) {
  if (t < 0 || t >= g->n_tensors) {
    free(data);
    return nq_fail(err, NQ_ERR_INTERNAL, "tensor index %d out of range", t);
  }
  size_t want;
  nq_status s = expected_bytes(g, t, &want, err);
  if (s == NQ_OK && want != nbytes) {
    char buf[96];
    s = nq_fail(err, NQ_ERR_FORMAT, "tensor %s: constant data has %zu bytes, shape and type need %zu",
                nq_tensor_label(g, t, buf, sizeof buf), nbytes, want);
  }
  if (s == NQ_OK) {
    char buf[96], what[128];
    snprintf(what, sizeof what, "constant tensor %s", nq_tensor_label(g, t, buf, sizeof buf));
    s = nq_budget_take(nbytes, what, err);
  }
  if (s != NQ_OK) {
    free(data);
    return s;
  }
  nq_tensor_drop_data(g, t);
  g->tensors[t].data = data;
  g->tensors[t].nbytes = nbytes;
  return NQ_OK;
}

void nq_tensor_drop_data(nq_graph *g, int t) {
  nq_tensor *x = &g->tensors[t];
  if (x->data) nq_budget_give(x->nbytes);
  free(x->data);
  x->data = NULL;
  x->nbytes = 0;
}

nq_status nq_tensor_copy_data(nq_graph *g, int t, const void *data, size_t nbytes, nq_error *err) {
  /* Check the budget before the copy exists, not only after. */
  char buf[96], what[128];
  snprintf(what, sizeof what, "constant tensor %s",
           t >= 0 && t < g->n_tensors ? nq_tensor_label(g, t, buf, sizeof buf) : "?");
  NQ_TRY(nq_budget_take(nbytes, what, err));
  nq_budget_give(nbytes);
  uint8_t *d = malloc(nbytes ? nbytes : 1);
  if (!d) return nq_fail(err, NQ_ERR_NOMEM, "out of memory copying %zu bytes of constant data", nbytes);
  if (nbytes) memcpy(d, data, nbytes);
  return nq_tensor_set_data(g, t, d, nbytes, err);
}

nq_status nq_tensor_set_quant(nq_graph *g, int t, int n, const float *scale, const int64_t *zero_point,
                              int axis, nq_error *err) {
  if (t < 0 || t >= g->n_tensors) return nq_fail(err, NQ_ERR_INTERNAL, "tensor index %d out of range", t);
  nq_quant q = {0};
  q.n = n;
  q.axis = axis;
  if (n > 0) {
    q.scale = malloc((size_t)n * sizeof(float));
    q.zero_point = malloc((size_t)n * sizeof(int64_t));
    if (!q.scale || !q.zero_point) {
      nq_quant_clear(&q);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory for %d quantization parameters", n);
    }
    memcpy(q.scale, scale, (size_t)n * sizeof(float));
    memcpy(q.zero_point, zero_point, (size_t)n * sizeof(int64_t));
  }
  q.has_range = g->tensors[t].q.has_range;
  q.min = g->tensors[t].q.min;
  q.max = g->tensors[t].q.max;
  nq_quant_clear(&g->tensors[t].q);
  g->tensors[t].q = q;
  return NQ_OK;
}

nq_status nq_quant_copy(nq_quant *dst, const nq_quant *src, nq_error *err) {
  nq_quant q = *src;
  q.scale = NULL;
  q.zero_point = NULL;
  if (src->n > 0) {
    q.scale = malloc((size_t)src->n * sizeof(float));
    q.zero_point = malloc((size_t)src->n * sizeof(int64_t));
    if (!q.scale || !q.zero_point) {
      nq_quant_clear(&q);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory copying quantization parameters");
    }
    memcpy(q.scale, src->scale, (size_t)src->n * sizeof(float));
    memcpy(q.zero_point, src->zero_point, (size_t)src->n * sizeof(int64_t));
  }
  nq_quant_clear(dst);
  *dst = q;
  return NQ_OK;
}

nq_op_params nq_op_params_default(void) {
  nq_op_params p;
  memset(&p, 0, sizeof p);
  p.stride_h = p.stride_w = 1;
  p.dilation_h = p.dilation_w = 1;
  p.depth_multiplier = 1;
  p.beta = 1.0f;
  p.new_shape_rank = -1;
  p.out_type = NQ_INT64;
  return p;
}

int nq_graph_producer(const nq_graph *g, int t) {
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_out; k++)
      if (g->nodes[i].out[k] == t) return i;
  return -1;
}

int nq_graph_add_node(nq_graph *g, nq_op op, const char *name, int n_in, const int *in, int n_out,
                      const int *out, const nq_op_params *p, nq_error *err) {
  if ((unsigned)op >= NQ_OP_COUNT) {
    nq_fail(err, NQ_ERR_INTERNAL, "bad op %d", (int)op);
    return -1;
  }
  if (g->n_nodes >= NQ_MAX_NODES || n_in < 0 || n_out < 0 || n_in > NQ_MAX_NODE_IO ||
      n_out > NQ_MAX_NODE_IO) {
    nq_fail(err, NQ_ERR_NOMEM, "node %s: too many nodes, inputs or outputs", name ? name : nq_op_name(op));
    return -1;
  }
  if (!grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes, sizeof(nq_node))) {
    nq_fail(err, NQ_ERR_NOMEM, "out of memory adding a node");
    return -1;
  }
  nq_node *n = &g->nodes[g->n_nodes];
  memset(n, 0, sizeof *n);
  n->op = op;
  n->in = malloc(sizeof(int) * (size_t)(n_in ? n_in : 1));
  n->out = malloc(sizeof(int) * (size_t)(n_out ? n_out : 1));
  n->name = dup_str(name);
  if (!n->in || !n->out || (name && !n->name)) {
    free(n->in);
    free(n->out);
    free(n->name);
    memset(n, 0, sizeof *n);
    nq_fail(err, NQ_ERR_NOMEM, "out of memory adding a node");
    return -1;
  }
  if (n_in) memcpy(n->in, in, sizeof(int) * (size_t)n_in);
  if (n_out) memcpy(n->out, out, sizeof(int) * (size_t)n_out);
  n->n_in = n_in;
  n->n_out = n_out;
  n->p = p ? *p : nq_op_params_default();
  n->p.custom_name = NULL;
  n->p.custom_options = NULL;
  n->p.custom_options_size = 0;
  if (p && p->custom_name) {
    n->p.custom_name = dup_str(p->custom_name);
    n->p.custom_options_size = p->custom_options_size;
    if (!n->p.custom_name || !dup_bytes(&n->p.custom_options, p->custom_options, p->custom_options_size)) {
      nq_node_free_fields(n);
      memset(n, 0, sizeof *n);
      nq_fail(err, NQ_ERR_NOMEM, "out of memory adding a node");
      return -1;
    }
  }
  return g->n_nodes++;
}

void nq_node_free_fields(nq_node *n) {
  free(n->name);
  free(n->in);
  free(n->out);
  free(n->p.custom_name);
  free(n->p.custom_options);
  n->name = NULL;
  n->in = n->out = NULL;
  n->p.custom_name = NULL;
  n->p.custom_options = NULL;
}

void nq_graph_move_node(nq_graph *g, int from, int to) {
  nq_node moved = g->nodes[from];
  memmove(&g->nodes[to + 1], &g->nodes[to], (size_t)(from - to) * sizeof moved);
  g->nodes[to] = moved;
}

nq_status nq_graph_set_io(nq_graph *g, int n_inputs, const int *inputs, int n_outputs, const int *outputs,
                          nq_error *err) {
  int *ni = malloc(sizeof(int) * (size_t)(n_inputs ? n_inputs : 1));
  int *no = malloc(sizeof(int) * (size_t)(n_outputs ? n_outputs : 1));
  if (!ni || !no) {
    free(ni);
    free(no);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory setting graph inputs/outputs");
  }
  if (n_inputs) memcpy(ni, inputs, sizeof(int) * (size_t)n_inputs);
  if (n_outputs) memcpy(no, outputs, sizeof(int) * (size_t)n_outputs);
  free(g->inputs);
  free(g->outputs);
  g->inputs = ni;
  g->outputs = no;
  g->n_inputs = n_inputs;
  g->n_outputs = n_outputs;
  return NQ_OK;
}

const char *nq_tensor_label(const nq_graph *g, int t, char *buf, size_t bufsize) {
  if (t >= 0 && t < g->n_tensors && g->tensors[t].name && g->tensors[t].name[0])
    snprintf(buf, bufsize, "'%s' (#%d)", g->tensors[t].name, t);
  else
    snprintf(buf, bufsize, "#%d", t);
  return buf;
}

const char *nq_node_label(const nq_graph *g, int i, char *buf, size_t n) {
  if (i < 0 || i >= g->n_nodes) {
    snprintf(buf, n, "node %d", i);
    return buf;
  }
  const nq_node *nd = &g->nodes[i];
  const char *nm = nd->name;
  if (!nm && nd->n_out > 0 && nd->out[0] >= 0 && nd->out[0] < g->n_tensors) nm = g->tensors[nd->out[0]].name;
  /* A custom op is named by its own name: "CUSTOM TFLite_Detection_PostProcess". */
  char op[128];
  if (nd->op == NQ_OP_CUSTOM && nd->p.custom_name)
    snprintf(op, sizeof op, "CUSTOM %.100s", nd->p.custom_name);
  else
    snprintf(op, sizeof op, "%s", nq_op_name(nd->op));
  if (nm)
    snprintf(buf, n, "node %d (%s '%s')", i, op, nm);
  else
    snprintf(buf, n, "node %d (%s)", i, op);
  return buf;
}

int nq_graph_find_tensor(const nq_graph *g, const char *name) {
  if (!name) return -1;
  for (int t = 0; t < g->n_tensors; t++)
    if (!g->tensors[t].data && g->tensors[t].name && strcmp(g->tensors[t].name, name) == 0) return t;
  return -1;
}

nq_status nq_graph_verify(const nq_graph *g, nq_error *err) {
  char lb[160], tb[96];
  const char *src = g->source ? g->source : "graph";
  /* 0 = unseen, 1 = available (constant, input or produced), 2 = used */
  unsigned char *state = calloc((size_t)g->n_tensors + 1, 1);
  if (!state) return nq_fail(err, NQ_ERR_NOMEM, "out of memory verifying graph");
  nq_status s = NQ_OK;

  for (int t = 0; t < g->n_tensors && s == NQ_OK; t++) {
    const nq_tensor *x = &g->tensors[t];
    if (x->rank < 0 || x->rank > NQ_MAX_RANK) {
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: tensor %s has rank %d", src, nq_tensor_label(g, t, tb, sizeof tb),
                  x->rank);
      break;
    }
    if (x->data) {
      size_t want;
      s = expected_bytes(g, t, &want, err);
      if (s != NQ_OK) nq_prefix(err, "%s: ", src);
      if (s == NQ_OK && want != x->nbytes)
        s = nq_fail(err, NQ_ERR_FORMAT, "%s: tensor %s: constant has %zu bytes, shape needs %zu", src,
                    nq_tensor_label(g, t, tb, sizeof tb), x->nbytes, want);
      state[t] = 1;
    }
    if (s == NQ_OK && x->q.n > 0) {
      if (!x->q.scale || !x->q.zero_point)
        s = nq_fail(err, NQ_ERR_INTERNAL, "%s: tensor %s: quantization arrays missing", src,
                    nq_tensor_label(g, t, tb, sizeof tb));
      else if (x->q.n > 1 && (x->q.axis < 0 || x->q.axis >= x->rank || x->shape[x->q.axis] != x->q.n))
        s = nq_fail(err, NQ_ERR_FORMAT,
                    "%s: tensor %s: %d per-axis scales on dimension %d, which does not match its shape", src,
                    nq_tensor_label(g, t, tb, sizeof tb), x->q.n, x->q.axis);
      /* A zero point must be a value of the tensor's type: kernels subtract
       * it in 32-bit arithmetic, and TFLite's own Prepare refuses others. */
      int64_t lo = x->type == NQ_INT8 ? -128 : x->type == NQ_UINT8 ? 0 : x->type == NQ_INT16 ? -32768 : 0;
      int64_t hi = x->type == NQ_INT8 ? 127 : x->type == NQ_UINT8 ? 255 : x->type == NQ_INT16 ? 32767 : -1;
      for (int k = 0; s == NQ_OK && hi >= lo && k < x->q.n; k++)
        if (x->q.zero_point[k] < lo || x->q.zero_point[k] > hi)
          s = nq_fail(err, NQ_ERR_FORMAT,
                      "%s: tensor %s: zero point %lld is outside the %s range [%lld, %lld]", src,
                      nq_tensor_label(g, t, tb, sizeof tb), (long long)x->q.zero_point[k],
                      nq_dtype_name(x->type), (long long)lo, (long long)hi);
    }
  }
  for (int i = 0; i < g->n_inputs && s == NQ_OK; i++) {
    int t = g->inputs[i];
    if (t < 0 || t >= g->n_tensors)
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: model input %d refers to tensor %d of %d", src, i, t,
                  g->n_tensors);
    else
      state[t] = 1;
  }
  for (int i = 0; i < g->n_nodes && s == NQ_OK; i++) {
    const nq_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in && s == NQ_OK; k++) {
      int t = n->in[k];
      if (t == -1) continue;
      if (t < 0 || t >= g->n_tensors)
        s = nq_fail(err, NQ_ERR_FORMAT, "%s: %s: input %d refers to tensor %d of %d", src,
                    nq_node_label(g, i, lb, sizeof lb), k, t, g->n_tensors);
      else if (state[t] == 0)
        s = nq_fail(err, NQ_ERR_FORMAT, "%s: %s: input %d, tensor %s, is used before any node produces it",
                    src, nq_node_label(g, i, lb, sizeof lb), k, nq_tensor_label(g, t, tb, sizeof tb));
      else
        state[t] = 2;
    }
    for (int k = 0; k < n->n_out && s == NQ_OK; k++) {
      int t = n->out[k];
      if (t < 0 || t >= g->n_tensors)
        s = nq_fail(err, NQ_ERR_FORMAT, "%s: %s: output %d refers to tensor %d of %d", src,
                    nq_node_label(g, i, lb, sizeof lb), k, t, g->n_tensors);
      else if (state[t] != 0)
        s = nq_fail(err, NQ_ERR_FORMAT, "%s: %s: output %d, tensor %s, is already defined", src,
                    nq_node_label(g, i, lb, sizeof lb), k, nq_tensor_label(g, t, tb, sizeof tb));
      else
        state[t] = 1;
    }
  }
  for (int i = 0; i < g->n_outputs && s == NQ_OK; i++) {
    int t = g->outputs[i];
    if (t < 0 || t >= g->n_tensors)
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: model output %d refers to tensor %d of %d", src, i, t,
                  g->n_tensors);
    else if (state[t] == 0)
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: model output %d, tensor %s, is never produced", src, i,
                  nq_tensor_label(g, t, tb, sizeof tb));
  }
  free(state);
  return s;
}

nq_graph *nq_graph_clone(const nq_graph *g, nq_error *err) {
  nq_graph *c = nq_graph_new();
  bool ok = c != NULL;
  for (int t = 0; ok && t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    int i = nq_graph_add_tensor(c, x->name, x->type, x->rank, x->shape, err);
    ok = i == t;
    if (ok && x->data) ok = nq_tensor_copy_data(c, i, x->data, x->nbytes, err) == NQ_OK;
    if (ok && (x->q.n > 0 || x->q.has_range)) ok = nq_quant_copy(&c->tensors[i].q, &x->q, err) == NQ_OK;
    if (ok) c->tensors[i].is_variable = x->is_variable;
  }
  for (int i = 0; ok && i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    ok = nq_graph_add_node(c, n->op, n->name, n->n_in, n->in, n->n_out, n->out, &n->p, err) == i;
    if (ok) c->nodes[i].version = n->version;
  }
  if (ok) ok = nq_graph_set_io(c, g->n_inputs, g->inputs, g->n_outputs, g->outputs, err) == NQ_OK;
  if (ok) c->optimized = g->optimized;
  if (ok && g->n_signatures) {
    c->signatures = calloc((size_t)g->n_signatures, sizeof(nq_signature));
    ok = c->signatures != NULL;
    if (ok) c->n_signatures = g->n_signatures;
    for (int i = 0; ok && i < g->n_signatures; i++) {
      const nq_signature *s = &g->signatures[i];
      nq_signature *d = &c->signatures[i];
      d->key = dup_str(s->key);
      d->in = calloc((size_t)(s->n_in ? s->n_in : 1), sizeof(nq_sig_entry));
      d->out = calloc((size_t)(s->n_out ? s->n_out : 1), sizeof(nq_sig_entry));
      ok = d->in && d->out && (!s->key || d->key);
      for (int k = 0; ok && k < s->n_in; k++, d->n_in++) {
        d->in[k].tensor = s->in[k].tensor;
        d->in[k].name = dup_str(s->in[k].name);
      }
      for (int k = 0; ok && k < s->n_out; k++, d->n_out++) {
        d->out[k].tensor = s->out[k].tensor;
        d->out[k].name = dup_str(s->out[k].name);
      }
    }
  }
  if (ok && g->n_metadata) {
    c->metadata = calloc((size_t)g->n_metadata, sizeof(nq_metadata));
    ok = c->metadata != NULL;
    for (int i = 0; ok && i < g->n_metadata; i++, c->n_metadata++) {
      c->metadata[i].name = dup_str(g->metadata[i].name);
      c->metadata[i].size = g->metadata[i].size;
      ok = dup_bytes(&c->metadata[i].data, g->metadata[i].data, g->metadata[i].size);
    }
  }
  if (ok && g->description) ok = (c->description = dup_str(g->description)) != NULL;
  if (ok && g->source) ok = (c->source = dup_str(g->source)) != NULL;
  if (!ok) {
    if (err && !err->msg[0]) nq_fail(err, NQ_ERR_NOMEM, "out of memory copying a graph");
    nq_graph_free(c);
    return NULL;
  }
  return c;
}
