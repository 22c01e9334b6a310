/* Mutations of an in-memory graph and of a serialized model (see hostile_mutate.h). */
#include "hostile_mutate.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/checked.h"

static void note(char *desc, size_t size, const char *fmt, ...) {
  size_t used = strlen(desc);
  if (used + 1 >= size) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(desc + used, size - used, fmt, ap);
  va_end(ap);
}

/* Integers a hostile file likes: edges of every range an op might assume. */
static int nasty_int(nq_rng *r) {
  static const int v[] = {0,     1,       -1,      2,       3,       -2,          4,           5,
                          6,     7,       8,       16,      255,     256,         -128,        127,
                          65535, 1 << 16, 1 << 20, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1, 1 << 30};
  return v[(size_t)nq_rng_next(r) % (sizeof v / sizeof v[0])];
}

/* A small value most of the time (so the mutant gets deep), nasty sometimes. */
static int mostly_small(nq_rng *r, int lo, int hi) {
  return nq_rng_int(r, 0, 3) ? nq_rng_int(r, lo, hi) : nasty_int(r);
}

static float nasty_float(nq_rng *r) {
  static const float v[] = {0.0f,    -0.0f,    -1.0f, 1.0f,  1e-30f, 1e30f, FLT_MIN, 1e-45f,
                            FLT_MAX, -FLT_MAX, 0.5f,  1e-8f, 3e38f,  1e10f, 256.0f,  -1e-3f};
  int k = nq_rng_int(r, 0, 17);
  if (k == 16) return NAN;
  if (k == 17) return INFINITY * (nq_rng_int(r, 0, 1) ? 1.0f : -1.0f);
  return v[k];
}

static int64_t nasty_zp(nq_rng *r) {
  static const int64_t v[] = {0,   -1,     1,     -128,  127,       -129,      128,       255,
                              256, -32768, 32767, 65535, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
  return v[(size_t)nq_rng_next(r) % (sizeof v / sizeof v[0])];
}

/* Fill n bytes of type `type` with values a constant operand could hold:
 * plausible small integers (indices, axes, sizes), nasty ones, or noise. */
static void fill_values(unsigned char *d, size_t n_elems, nq_dtype type, nq_rng *r, int style) {
  size_t es = nq_dtype_size(type);
  for (size_t i = 0; i < n_elems; i++) {
    unsigned char *p = d + i * es;
    int64_t iv = style == 0 ? nq_rng_int(r, -3, 4) : style == 1 ? nasty_int(r) : (int64_t)nq_rng_next(r);
    switch (type) {
      case NQ_FLOAT32: {
        float f = style == 0 ? nq_rng_uniform(r, -4.0f, 4.0f) : nasty_float(r);
        memcpy(p, &f, 4);
        break;
      }
      case NQ_INT32: {
        int32_t v = (int32_t)iv;
        memcpy(p, &v, 4);
        break;
      }
      case NQ_INT64:
        memcpy(p, &iv, 8);
        break;
      case NQ_INT16: {
        int16_t v = (int16_t)iv;
        memcpy(p, &v, 2);
        break;
      }
      case NQ_FLOAT16: {
        uint16_t v = (uint16_t)nq_rng_next(r); /* any half, NaN and Inf included */
        memcpy(p, &v, 2);
        break;
      }
      default:
        *p = (unsigned char)iv;
        break; /* INT8 UINT8 BOOL */
    }
  }
}

/* Give constant t data matching its (new) shape and type, when that is
 * small enough; otherwise leave it mismatched for the verifier to catch. */
static void resize_const(nq_tensor *x, nq_rng *r) {
  if (!x->data) return;
  size_t elems;
  if (x->rank < 0 || x->rank > NQ_MAX_RANK || !nq_shape_elems(x->shape, x->rank, 1u << 20, &elems)) return;
  if ((unsigned)x->type >= NQ_DTYPE_COUNT) return;
  size_t bytes = elems * nq_dtype_size(x->type);
  unsigned char *d = malloc(bytes ? bytes : 1);
  if (!d) return;
  /* Keep the old bytes where they fit: the values stay realistic. */
  memcpy(d, x->data, bytes < x->nbytes ? bytes : x->nbytes);
  if (bytes > x->nbytes)
    fill_values(d + x->nbytes, (bytes - x->nbytes) / nq_dtype_size(x->type), x->type, r, 0);
  free(x->data);
  x->data = d;
  x->nbytes = bytes;
}

static void set_quant(nq_quant *q, int n, int axis) {
  nq_quant_clear(q);
  q->n = n;
  q->axis = axis;
  q->scale = calloc((size_t)n, sizeof *q->scale);
  q->zero_point = calloc((size_t)n, sizeof *q->zero_point);
  if (!q->scale || !q->zero_point) { /* leave a coherent "not quantized" */
    free(q->scale);
    free(q->zero_point);
    q->scale = NULL;
    q->zero_point = NULL;
    q->n = 0;
  }
}

static void mutate_tensor(nq_graph *g, nq_rng *r, char *desc, size_t ds) {
  if (g->n_tensors == 0) return;
  int t = nq_rng_int(r, 0, g->n_tensors - 1);
  nq_tensor *x = &g->tensors[t];
  int kind = nq_rng_int(r, 0, 11);
  switch (kind) {
    case 0:
    case 1: { /* one dimension; constants resized with it half the time */
      if (x->rank <= 0) break;
      /* A rank already mutated past NQ_MAX_RANK still has only that many dims. */
      int d = nq_rng_int(r, 0, (x->rank < NQ_MAX_RANK ? x->rank : NQ_MAX_RANK) - 1);
      int old = x->shape[d];
      int64_t near = (int64_t)old + nq_rng_int(r, -2, 2);
      x->shape[d] =
          nq_rng_int(r, 0, 2) && near >= INT32_MIN && near <= INT32_MAX ? (int32_t)near : nasty_int(r);
      note(desc, ds, " t%d.shape[%d]=%d(was %d)", t, d, x->shape[d], old);
      if (kind == 1) resize_const(x, r);
      break;
    }
    case 2: { /* rank */
      int old = x->rank;
      x->rank = nq_rng_int(r, 0, 5) ? nq_rng_int(r, 0, NQ_MAX_RANK) : nq_rng_int(r, -1, NQ_MAX_RANK + 1);
      for (int d = old < 0 ? 0 : old; d < x->rank && d < NQ_MAX_RANK; d++)
        x->shape[d] = mostly_small(r, 1, 3);
      note(desc, ds, " t%d.rank=%d(was %d)", t, x->rank, old);
      resize_const(x, r);
      break;
    }
    case 3: { /* type; constants resized to the new element size */
      nq_dtype old = x->type;
      x->type = (nq_dtype)nq_rng_int(r, 0, NQ_DTYPE_COUNT - 1);
      note(desc, ds, " t%d.type=%s(was %s)", t, nq_dtype_name(x->type), nq_dtype_name(old));
      resize_const(x, r);
      break;
    }
    case 4: { /* per-tensor parameters */
      set_quant(&x->q, 1, 0);
      if (x->q.n) {
        x->q.scale[0] = nq_rng_int(r, 0, 2) ? nasty_float(r) : nq_rng_uniform(r, 1e-4f, 1.0f);
        x->q.zero_point[0] = nq_rng_int(r, 0, 1) ? nasty_zp(r) : nq_rng_int(r, -128, 127);
        note(desc, ds, " t%d.q=(%g,%lld)", t, (double)x->q.scale[0], (long long)x->q.zero_point[0]);
      }
      break;
    }
    case 5: { /* per-axis parameters: counts and axes right or wrong */
      int axis = nq_rng_int(r, 0, 3) ? nq_rng_int(r, 0, x->rank > 0 ? x->rank - 1 : 0) : nq_rng_int(r, -2, 7);
      int n = axis >= 0 && axis < x->rank && axis < NQ_MAX_RANK && nq_rng_int(r, 0, 3) ? x->shape[axis]
                                                                                       : nq_rng_int(r, 2, 9);
      if (n < 2 || n > 4096) n = nq_rng_int(r, 2, 9);
      set_quant(&x->q, n, axis);
      for (int i = 0; i < x->q.n; i++) {
        x->q.scale[i] = nq_rng_int(r, 0, 4) ? nq_rng_uniform(r, 1e-4f, 0.1f) : nasty_float(r);
        x->q.zero_point[i] = nq_rng_int(r, 0, 4) ? 0 : nasty_zp(r);
      }
      note(desc, ds, " t%d.q=axis%d,n%d", t, axis, n);
      break;
    }
    case 6: /* drop the quantization */
      nq_quant_clear(&x->q);
      note(desc, ds, " t%d.q=none", t);
      break;
    case 7: { /* existing parameters: one scale or zero point made hostile */
      if (x->q.n <= 0) break;
      int i = nq_rng_int(r, 0, x->q.n - 1);
      if (nq_rng_int(r, 0, 1))
        x->q.scale[i] = nasty_float(r);
      else
        x->q.zero_point[i] = nasty_zp(r);
      note(desc, ds, " t%d.q[%d]=(%g,%lld)", t, i, (double)x->q.scale[i], (long long)x->q.zero_point[i]);
      break;
    }
    case 8:
    case 9: { /* constant values: shape-like operands get small or nasty integers */
      if (!x->data || x->nbytes == 0 || (unsigned)x->type >= NQ_DTYPE_COUNT) break;
      size_t es = nq_dtype_size(x->type), n = x->nbytes / es;
      int style = nq_rng_int(r, 0, 2);
      size_t k = n <= 8 ? n : (size_t)nq_rng_int(r, 1, 8);
      for (size_t j = 0; j < k; j++) {
        size_t at = n <= 8 ? j : (size_t)nq_rng_next(r) % n;
        fill_values(x->data + at * es, 1, x->type, r, style);
      }
      note(desc, ds, " t%d.data(style %d, %zu values)", t, style, k);
      break;
    }
    case 10: /* recorded range */
      x->q.has_range = true;
      x->q.min = nasty_float(r);
      x->q.max = nasty_float(r);
      note(desc, ds, " t%d.range=[%g,%g]", t, (double)x->q.min, (double)x->q.max);
      break;
    default:
      x->is_variable = !x->is_variable;
      note(desc, ds, " t%d.variable=%d", t, x->is_variable);
      break;
  }
}

static void mutate_params(nq_node *n, nq_rng *r, char *desc, size_t ds, int i) {
  nq_op_params *p = &n->p;
  int field = nq_rng_int(r, 0, 22);
  switch (field) {
    case 0:
      p->act = (nq_activation)nq_rng_int(r, -1, 7);
      break;
    case 1:
      p->padding = (nq_padding)nq_rng_int(r, -1, 3);
      break;
    case 2:
      p->stride_h = mostly_small(r, 0, 4);
      break;
    case 3:
      p->stride_w = mostly_small(r, 0, 4);
      break;
    case 4:
      p->dilation_h = mostly_small(r, 0, 4);
      break;
    case 5:
      p->dilation_w = mostly_small(r, 0, 4);
      break;
    case 6:
      p->filter_h = mostly_small(r, 0, 5);
      break;
    case 7:
      p->filter_w = mostly_small(r, 0, 5);
      break;
    case 8:
      p->depth_multiplier = mostly_small(r, 0, 4);
      break;
    case 9:
      p->axis = mostly_small(r, -7, 7);
      break;
    case 10:
      p->num = mostly_small(r, 0, 5);
      break;
    case 11:
      p->beta = nasty_float(r);
      break;
    case 12:
      p->alpha = nasty_float(r);
      break;
    case 13:
      p->keep_dims = !p->keep_dims;
      break;
    case 14:
      p->align_corners = nq_rng_int(r, 0, 1);
      p->half_pixel_centers = nq_rng_int(r, 0, 1);
      break;
    case 15:
      p->adj_x = nq_rng_int(r, 0, 1);
      p->adj_y = nq_rng_int(r, 0, 1);
      break;
    case 16:
      p->block_size = mostly_small(r, 0, 4);
      break;
    case 17:
      p->mirror_mode = nq_rng_int(r, -1, 3);
      break;
    case 18:
      p->begin_mask = (int)nq_rng_next(r);
      p->end_mask = nq_rng_int(r, 0, 1) ? (int)nq_rng_next(r) : nq_rng_int(r, 0, 15);
      p->ellipsis_mask = nq_rng_int(r, 0, 2) ? 0 : nq_rng_int(r, 0, 15);
      p->new_axis_mask = nq_rng_int(r, 0, 2) ? 0 : nq_rng_int(r, 0, 15);
      p->shrink_axis_mask = nq_rng_int(r, 0, 1) ? 0 : nq_rng_int(r, 0, 15);
      p->offset = nq_rng_int(r, 0, 3) == 0;
      break;
    case 19:
      p->out_type = (nq_dtype)nq_rng_int(r, 0, NQ_DTYPE_COUNT - 1);
      break;
    case 20: {
      p->new_shape_rank = nq_rng_int(r, -1, NQ_MAX_RANK);
      for (int d = 0; d < NQ_MAX_RANK; d++) p->new_shape[d] = mostly_small(r, -1, 8);
      break;
    }
    case 21: {
      p->num_squeeze_dims = nq_rng_int(r, 0, NQ_MAX_RANK);
      for (int d = 0; d < NQ_MAX_RANK; d++) p->squeeze_dims[d] = mostly_small(r, -7, 7);
      break;
    }
    default: {
      nq_op_params def = nq_op_params_default();
      def.act = p->act;
      *p = def; /* options absent from the file: every default at once */
      break;
    }
  }
  note(desc, ds, " n%d.param%d", i, field);
}

static void mutate_node(nq_graph *g, nq_rng *r, char *desc, size_t ds) {
  if (g->n_nodes == 0) return;
  int i = nq_rng_int(r, 0, g->n_nodes - 1);
  nq_node *n = &g->nodes[i];
  int kind = nq_rng_int(r, 0, 9);
  if (kind <= 4) {
    mutate_params(n, r, desc, ds, i);
  } else if (kind <= 6 && n->n_in > 0) { /* an operand becomes another tensor, or absent */
    int k = nq_rng_int(r, 0, n->n_in - 1);
    int old = n->in[k];
    n->in[k] = nq_rng_int(r, 0, 7) ? nq_rng_int(r, 0, g->n_tensors - 1) : -1;
    note(desc, ds, " n%d.in[%d]=%d(was %d)", i, k, n->in[k], old);
  } else if (kind == 7) { /* another op with the same operands */
    nq_op old = n->op;
    n->op = (nq_op)nq_rng_int(r, 0, NQ_OP_COUNT - 1);
    note(desc, ds, " n%d.op=%s(was %s)", i, nq_op_name(n->op), nq_op_name(old));
  } else if (kind == 8 && n->n_in > 0) { /* fewer operands than the op takes */
    n->n_in = nq_rng_int(r, 0, n->n_in - 1);
    note(desc, ds, " n%d.n_in=%d", i, n->n_in);
  } else if (n->n_out > 1) { /* fewer results */
    n->n_out = nq_rng_int(r, 1, n->n_out - 1);
    note(desc, ds, " n%d.n_out=%d", i, n->n_out);
  }
}

static void mutate_io(nq_graph *g, nq_rng *r, char *desc, size_t ds) {
  if (g->n_tensors == 0) return;
  bool in = nq_rng_int(r, 0, 1);
  int n = in ? g->n_inputs : g->n_outputs;
  int *v = in ? g->inputs : g->outputs;
  if (n == 0) return;
  int k = nq_rng_int(r, 0, n - 1);
  v[k] = nq_rng_int(r, 0, g->n_tensors - 1);
  note(desc, ds, " %s[%d]=t%d", in ? "input" : "output", k, v[k]);
}

void hostile_mutate(nq_graph *g, nq_rng *r, char *desc, size_t desc_size) {
  int k = nq_rng_int(r, 0, 19);
  if (k < 10)
    mutate_tensor(g, r, desc, desc_size);
  else if (k < 19)
    mutate_node(g, r, desc, desc_size);
  else
    mutate_io(g, r, desc, desc_size);
}

void hostile_flip_file(unsigned char *buf, size_t size, nq_rng *r, char *desc, size_t desc_size) {
  if (size < 16) return;
  static const uint32_t words[] = {
      0xffffffffu,           0x7fffffffu, 0x80000000u, 0u, 1u, 2u,         3u, 0x7f800000u /* +inf */,
      0x7fc00000u /* NaN */, 0xff800000u, 0x00010000u, 5u, 6u, 0x40000000u};
  int flips = nq_rng_int(r, 1, 3);
  for (int f = 0; f < flips; f++) {
    size_t at = 8 + ((size_t)nq_rng_next(r) % (size - 12)) / 4 * 4; /* flatbuffer scalars are aligned */
    if (nq_rng_int(r, 0, 1)) {
      uint32_t w = words[(size_t)nq_rng_next(r) % (sizeof words / sizeof words[0])];
      memcpy(buf + at, &w, 4);
      note(desc, desc_size, " file@%zu=%08x", at, w);
    } else {
      buf[at] = (unsigned char)nq_rng_int(r, 0, 12); /* small enum-like byte: op codes, types, activations */
      note(desc, desc_size, " file@%zu=%u", at, buf[at]);
    }
  }
}
