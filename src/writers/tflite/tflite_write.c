/*
 * The .tflite writer. FlatBuffers objects are created children first (the
 * builder cannot nest tables), so each section below returns the fb_ref of
 * what it built and the Model table is assembled last.
 */
#include "writers/tflite/tflite_write.h"

#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "formats/tflite/schema.h"
#include "writers/tflite/fb_builder.h"
#include "writers/tflite/op_version.h"

/* Everything the sections share. Arrays are indexed as noted. */
typedef struct writer {
  const nq_graph *g;
  fb_builder fb;
  nq_error *err;
  /* operator codes: distinct (builtin code, version) pairs in order of first use */
  int n_codes;
  int *code_builtin;        /* [n_codes] */
  int *code_version;        /* [n_codes] */
  const char **code_custom; /* [n_codes] custom op name (CUSTOM only) */
  int *node_code;           /* [n_nodes] index into the code arrays */
  uint32_t *tensor_buffer;  /* [n_tensors] buffer index, 0 = none */
  uint32_t *meta_buffer;    /* [n_metadata] */
  uint32_t n_buffers;
} writer;

static const char *graph_label(const nq_graph *g) { return g->source ? g->source : "graph"; }

static fb_ref string_or_0(writer *w, const char *s) { return s ? fb_create_string(&w->fb, s, strlen(s)) : 0; }

/* ---- operator codes and versions ----
 * Nodes whose version npuquant computes (version 0) share one OperatorCode
 * per builtin code, at the highest version any of them needs (TFLite's
 * UpdateOpVersion rule). Nodes that carry a version read from a file keep
 * it, so a file with two OperatorCodes for one op (e.g. DEPTHWISE_CONV_2D
 * v1 and v2) round-trips faithfully: codes are keyed by (builtin, version),
 * in order of first use. */
static nq_status assign_codes(writer *w) {
  const nq_graph *g = w->g;
  /* Pass 1: computed versions, and their maximum per builtin code (kept in
   * node_code[] temporarily, then in the code arrays at index of first use). */
  int n_max = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    int code = nq_op_tflite_code(n->op);
    if (code < 0)
      return nq_fail(w->err, NQ_ERR_UNSUPPORTED,
                     "%s: node %d '%s': %s has no TFLite op (npuquant keeps it only inside a "
                     "pattern the passes fuse, such as ERF in GELU)",
                     graph_label(g), i, n->name ? n->name : "", nq_op_name(n->op));
    if (n->version > 0) continue;
    int v = nq_tflite_op_version(g, n), c = 0;
    while (c < n_max && w->code_builtin[c] != code) c++;
    if (c == n_max) {
      w->code_builtin[c] = code;
      w->code_version[c] = v;
      n_max++;
    } else if (v > w->code_version[c]) {
      w->code_version[c] = v;
    }
  }
  /* Final version per node, into node_code[] for now. */
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    int code = nq_op_tflite_code(n->op), v = n->version;
    if (v <= 0) {
      int c = 0;
      while (c < n_max && w->code_builtin[c] != code) c++;
      v = w->code_version[c];
    }
    w->node_code[i] = v;
  }
  /* Pass 2: distinct (builtin, version, custom name) in order of first use. */
  w->n_codes = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    int code = nq_op_tflite_code(g->nodes[i].op), v = w->node_code[i], c = 0;
    const char *custom = g->nodes[i].op == NQ_OP_CUSTOM ? g->nodes[i].p.custom_name : NULL;
    if (g->nodes[i].op == NQ_OP_CUSTOM && !custom)
      return nq_fail(w->err, NQ_ERR_INVALID_ARG, "%s: node %d: a custom op without a name", graph_label(g),
                     i);
    while (c < w->n_codes && !(w->code_builtin[c] == code && w->code_version[c] == v &&
                               (!custom || strcmp(w->code_custom[c], custom) == 0)))
      c++;
    if (c == w->n_codes) {
      w->code_builtin[c] = code;
      w->code_version[c] = v;
      w->code_custom[c] = custom;
      w->n_codes++;
    }
    w->node_code[i] = c;
  }
  return NQ_OK;
}

static fb_ref build_operator_codes(writer *w) {
  fb_ref *refs = calloc((size_t)w->n_codes + 1, sizeof *refs);
  if (!refs) return fb_set_error(&w->fb, NQ_ERR_NOMEM, "out of memory"), 0;
  for (int c = 0; c < w->n_codes; c++) {
    int code = w->code_builtin[c];
    fb_ref custom = string_or_0(w, w->code_custom[c]);
    int dep = code < NQ_TFL_BUILTIN_PLACEHOLDER_FOR_GREATER_OP_CODES
                  ? code
                  : NQ_TFL_BUILTIN_PLACEHOLDER_FOR_GREATER_OP_CODES;
    fb_table_start(&w->fb);
    fb_add_i8(&w->fb, NQ_TFL_OPCODE_DEPRECATED_BUILTIN_CODE, (int8_t)dep, 0);
    fb_add_i32(&w->fb, NQ_TFL_OPCODE_VERSION, w->code_version[c], 1);
    fb_add_i32(&w->fb, NQ_TFL_OPCODE_BUILTIN_CODE, code, 0);
    if (custom) fb_add_ref(&w->fb, NQ_TFL_OPCODE_CUSTOM_CODE, custom);
    refs[c] = fb_table_end(&w->fb);
  }
  fb_ref v = fb_create_ref_vector(&w->fb, refs, (size_t)w->n_codes);
  free(refs);
  return v;
}

/* ---- buffers ---- */
static fb_ref build_buffers(writer *w) {
  const nq_graph *g = w->g;
  /* buffer 0 + one per constant tensor + one per metadata entry */
  size_t max = 1 + (size_t)g->n_tensors + (size_t)g->n_metadata;
  fb_ref *refs = calloc(max, sizeof *refs);
  if (!refs) return fb_set_error(&w->fb, NQ_ERR_NOMEM, "out of memory"), 0;
  uint32_t nb = 0;
  fb_table_start(&w->fb);
  refs[nb++] = fb_table_end(&w->fb);
  for (int t = 0; t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    if (!x->data) continue;
    /* Tensor data is little-endian bytes already; 16-byte alignment lets
     * runtimes use it in place (TFLite's force_align: 16). */
    fb_ref d = fb_create_vector(&w->fb, x->data, x->nbytes, 1, 16);
    fb_table_start(&w->fb);
    fb_add_ref(&w->fb, NQ_TFL_BUFFER_DATA, d);
    w->tensor_buffer[t] = nb;
    refs[nb++] = fb_table_end(&w->fb);
  }
  for (int m = 0; m < g->n_metadata; m++) {
    const nq_metadata *md = &g->metadata[m];
    static const uint8_t none = 0;
    fb_ref d = fb_create_vector(&w->fb, md->size ? md->data : &none, md->size, 1, 16);
    fb_table_start(&w->fb);
    fb_add_ref(&w->fb, NQ_TFL_BUFFER_DATA, d);
    w->meta_buffer[m] = nb;
    refs[nb++] = fb_table_end(&w->fb);
  }
  w->n_buffers = nb;
  fb_ref v = fb_create_ref_vector(&w->fb, refs, nb);
  free(refs);
  return v;
}

/* ---- tensors ---- */
static fb_ref build_quantization(writer *w, const nq_tensor *x) {
  const nq_quant *q = &x->q;
  if (q->n <= 0 && !q->has_range) return 0;
  fb_ref mn = 0, mx = 0, sc = 0, zp = 0;
  if (q->has_range) {
    mn = fb_create_vector_f32(&w->fb, &q->min, 1);
    mx = fb_create_vector_f32(&w->fb, &q->max, 1);
  }
  if (q->n > 0) {
    sc = fb_create_vector_f32(&w->fb, q->scale, (size_t)q->n);
    zp = fb_create_vector_i64(&w->fb, q->zero_point, (size_t)q->n);
  }
  fb_table_start(&w->fb);
  fb_add_ref(&w->fb, NQ_TFL_QUANT_MIN, mn);
  fb_add_ref(&w->fb, NQ_TFL_QUANT_MAX, mx);
  fb_add_ref(&w->fb, NQ_TFL_QUANT_SCALE, sc);
  fb_add_ref(&w->fb, NQ_TFL_QUANT_ZERO_POINT, zp);
  fb_add_i32(&w->fb, NQ_TFL_QUANT_QUANTIZED_DIMENSION, q->n > 1 ? q->axis : 0, 0);
  return fb_table_end(&w->fb);
}

static fb_ref build_tensors(writer *w) {
  const nq_graph *g = w->g;
  fb_ref *refs = calloc((size_t)g->n_tensors + 1, sizeof *refs);
  if (!refs) return fb_set_error(&w->fb, NQ_ERR_NOMEM, "out of memory"), 0;
  for (int t = 0; t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    fb_ref shape = fb_create_vector_i32(&w->fb, x->shape, (size_t)x->rank);
    fb_ref name = string_or_0(w, x->name);
    fb_ref quant = build_quantization(w, x);
    fb_table_start(&w->fb);
    fb_add_ref(&w->fb, NQ_TFL_TENSOR_SHAPE, shape);
    fb_add_i8(&w->fb, NQ_TFL_TENSOR_TYPE, (int8_t)nq_tfl_type_from_dtype(x->type), NQ_TFL_FLOAT32);
    fb_add_u32(&w->fb, NQ_TFL_TENSOR_BUFFER, w->tensor_buffer[t], 0);
    fb_add_ref(&w->fb, NQ_TFL_TENSOR_NAME, name);
    fb_add_ref(&w->fb, NQ_TFL_TENSOR_QUANTIZATION, quant);
    fb_add_bool(&w->fb, NQ_TFL_TENSOR_IS_VARIABLE, x->is_variable, false);
    refs[t] = fb_table_end(&w->fb);
  }
  fb_ref v = fb_create_ref_vector(&w->fb, refs, (size_t)g->n_tensors);
  free(refs);
  return v;
}

/* ---- operators ---- */

/* The builtin options table of node n (0 when its op has none). */
static fb_ref build_options(writer *w, const nq_node *n) {
  const nq_tfl_op_options *o = nq_tfl_options_of(n->op);
  if (!o || o->type == 0) return 0;
  fb_ref vec = 0;
  if (o->special == NQ_TFL_SPECIAL_RESHAPE_NEW_SHAPE && n->p.new_shape_rank >= 0) {
    int r = n->p.new_shape_rank > NQ_MAX_RANK ? NQ_MAX_RANK : n->p.new_shape_rank;
    vec = fb_create_vector_i32(&w->fb, n->p.new_shape, (size_t)r);
  } else if (o->special == NQ_TFL_SPECIAL_SQUEEZE_DIMS && n->p.num_squeeze_dims > 0) {
    int k = n->p.num_squeeze_dims > NQ_MAX_RANK ? NQ_MAX_RANK : n->p.num_squeeze_dims;
    int32_t dims[NQ_MAX_RANK];
    for (int i = 0; i < k; i++) dims[i] = n->p.squeeze_dims[i];
    vec = fb_create_vector_i32(&w->fb, dims, (size_t)k);
  }
  /* Counts a frontend left at 0 follow from the node itself: runtimes read
   * PACK's values_count, UNPACK's num and SPLIT's num_splits (LiteRT computes
   * garbage for a PACK written with values_count 0). */
  nq_op_params p = n->p;
  if (p.num == 0) {
    if (n->op == NQ_OP_PACK) p.num = n->n_in;
    if (n->op == NQ_OP_UNPACK || n->op == NQ_OP_SPLIT || n->op == NQ_OP_SPLIT_V) p.num = n->n_out;
  }
  fb_table_start(&w->fb);
  for (int i = 0; i < o->n_fields; i++) {
    const nq_tfl_field *f = &o->fields[i];
    if (f->dest == NQ_TFL_DEST_NONE) continue; /* not kept: leave the schema default */
    double v = nq_tfl_param_get(&p, f);
    switch ((nq_tfl_wire)f->wire) {
      case NQ_TFL_WIRE_BOOL:
        fb_add_bool(&w->fb, f->id, v != 0, f->def != 0);
        break;
      case NQ_TFL_WIRE_INT8:
        fb_add_i8(&w->fb, f->id, (int8_t)v, (int8_t)f->def);
        break;
      case NQ_TFL_WIRE_INT32:
        fb_add_i32(&w->fb, f->id, (int32_t)v, (int32_t)f->def);
        break;
      case NQ_TFL_WIRE_FLOAT:
        fb_add_f32(&w->fb, f->id, (float)v, (float)f->def);
        break;
    }
  }
  if (vec) fb_add_ref(&w->fb, o->special_field, vec);
  return fb_table_end(&w->fb);
}

static fb_ref build_operators(writer *w) {
  const nq_graph *g = w->g;
  fb_ref *refs = calloc((size_t)g->n_nodes + 1, sizeof *refs);
  if (!refs) return fb_set_error(&w->fb, NQ_ERR_NOMEM, "out of memory"), 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *n = &g->nodes[i];
    fb_ref in = fb_create_vector_i32(&w->fb, n->in, (size_t)n->n_in);
    fb_ref out = fb_create_vector_i32(&w->fb, n->out, (size_t)n->n_out);
    fb_ref opts = build_options(w, n);
    const nq_tfl_op_options *o = nq_tfl_options_of(n->op);
    fb_ref custom_opts = n->op == NQ_OP_CUSTOM && n->p.custom_options
                             ? fb_create_vector(&w->fb, n->p.custom_options, n->p.custom_options_size, 1, 1)
                             : 0;
    fb_table_start(&w->fb);
    fb_add_u32(&w->fb, NQ_TFL_OP_OPCODE_INDEX, (uint32_t)w->node_code[i], 0);
    fb_add_ref(&w->fb, NQ_TFL_OP_INPUTS, in);
    fb_add_ref(&w->fb, NQ_TFL_OP_OUTPUTS, out);
    if (opts) {
      fb_add_u8(&w->fb, NQ_TFL_OP_BUILTIN_OPTIONS_TYPE, o->type, 0);
      fb_add_ref(&w->fb, NQ_TFL_OP_BUILTIN_OPTIONS, opts);
    }
    if (custom_opts) fb_add_ref(&w->fb, NQ_TFL_OP_CUSTOM_OPTIONS, custom_opts); /* format 0: flexbuffers */
    refs[i] = fb_table_end(&w->fb);
  }
  fb_ref v = fb_create_ref_vector(&w->fb, refs, (size_t)g->n_nodes);
  free(refs);
  return v;
}

static fb_ref build_subgraph(writer *w) {
  const nq_graph *g = w->g;
  fb_ref tensors = build_tensors(w);
  fb_ref inputs = fb_create_vector_i32(&w->fb, g->inputs, (size_t)g->n_inputs);
  fb_ref outputs = fb_create_vector_i32(&w->fb, g->outputs, (size_t)g->n_outputs);
  fb_ref ops = build_operators(w);
  if (fb_status(&w->fb) != NQ_OK) return 0;
  fb_table_start(&w->fb);
  fb_add_ref(&w->fb, NQ_TFL_SUBGRAPH_TENSORS, tensors);
  fb_add_ref(&w->fb, NQ_TFL_SUBGRAPH_INPUTS, inputs);
  fb_add_ref(&w->fb, NQ_TFL_SUBGRAPH_OUTPUTS, outputs);
  fb_add_ref(&w->fb, NQ_TFL_SUBGRAPH_OPERATORS, ops);
  fb_ref sg = fb_table_end(&w->fb);
  return fb_create_ref_vector(&w->fb, &sg, 1);
}

/* ---- signatures and metadata ---- */
static fb_ref build_tensor_maps(writer *w, const nq_sig_entry *e, int n) {
  fb_ref *refs = calloc((size_t)n + 1, sizeof *refs);
  if (!refs) return fb_set_error(&w->fb, NQ_ERR_NOMEM, "out of memory"), 0;
  for (int i = 0; i < n; i++) {
    fb_ref name = string_or_0(w, e[i].name);
    fb_table_start(&w->fb);
    fb_add_ref(&w->fb, NQ_TFL_TENSORMAP_NAME, name);
    fb_add_u32(&w->fb, NQ_TFL_TENSORMAP_TENSOR_INDEX, (uint32_t)e[i].tensor, 0);
    refs[i] = fb_table_end(&w->fb);
  }
  fb_ref v = fb_create_ref_vector(&w->fb, refs, (size_t)n);
  free(refs);
  return v;
}

static fb_ref build_signatures(writer *w) {
  const nq_graph *g = w->g;
  if (g->n_signatures == 0) return 0;
  fb_ref *refs = calloc((size_t)g->n_signatures, sizeof *refs);
  if (!refs) return fb_set_error(&w->fb, NQ_ERR_NOMEM, "out of memory"), 0;
  for (int s = 0; s < g->n_signatures; s++) {
    const nq_signature *sig = &g->signatures[s];
    fb_ref in = build_tensor_maps(w, sig->in, sig->n_in);
    fb_ref out = build_tensor_maps(w, sig->out, sig->n_out);
    fb_ref key = string_or_0(w, sig->key);
    fb_table_start(&w->fb);
    fb_add_ref(&w->fb, NQ_TFL_SIGDEF_INPUTS, in);
    fb_add_ref(&w->fb, NQ_TFL_SIGDEF_OUTPUTS, out);
    fb_add_ref(&w->fb, NQ_TFL_SIGDEF_SIGNATURE_KEY, key);
    fb_add_u32(&w->fb, NQ_TFL_SIGDEF_SUBGRAPH_INDEX, 0, 0);
    refs[s] = fb_table_end(&w->fb);
  }
  fb_ref v = fb_create_ref_vector(&w->fb, refs, (size_t)g->n_signatures);
  free(refs);
  return v;
}

static fb_ref build_metadata(writer *w) {
  const nq_graph *g = w->g;
  if (g->n_metadata == 0) return 0;
  fb_ref *refs = calloc((size_t)g->n_metadata, sizeof *refs);
  if (!refs) return fb_set_error(&w->fb, NQ_ERR_NOMEM, "out of memory"), 0;
  for (int m = 0; m < g->n_metadata; m++) {
    fb_ref name = string_or_0(w, g->metadata[m].name);
    fb_table_start(&w->fb);
    fb_add_ref(&w->fb, NQ_TFL_METADATA_NAME, name);
    fb_add_u32(&w->fb, NQ_TFL_METADATA_BUFFER, w->meta_buffer[m], 0);
    refs[m] = fb_table_end(&w->fb);
  }
  fb_ref v = fb_create_ref_vector(&w->fb, refs, (size_t)g->n_metadata);
  free(refs);
  return v;
}

/* Checks beyond nq_graph_verify that the format itself imposes. */
static nq_status check_writable(const nq_graph *g, nq_error *err) {
  for (int t = 0; t < g->n_tensors; t++) {
    const nq_tensor *x = &g->tensors[t];
    if ((unsigned)x->type >= NQ_DTYPE_COUNT)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: tensor %d has an unknown type %d", graph_label(g), t,
                     (int)x->type);
    if (x->rank < 0 || x->rank > NQ_MAX_RANK)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: tensor %d has rank %d, expected 0..%d", graph_label(g), t,
                     x->rank, NQ_MAX_RANK);
  }
  for (int s = 0; s < g->n_signatures; s++) {
    const nq_signature *sig = &g->signatures[s];
    for (int i = 0; i < sig->n_in + sig->n_out; i++) {
      int t = i < sig->n_in ? sig->in[i].tensor : sig->out[i - sig->n_in].tensor;
      if (t < 0 || t >= g->n_tensors)
        return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: signature '%s' refers to tensor %d, expected 0..%d",
                       graph_label(g), sig->key ? sig->key : "", t, g->n_tensors - 1);
    }
  }
  return NQ_OK;
}

nq_status nq_tflite_write_memory(const nq_graph *g, uint8_t **out, size_t *size, nq_error *err) {
  *out = NULL;
  *size = 0;
  NQ_TRY(nq_graph_verify(g, err));
  NQ_TRY(check_writable(g, err));
  writer w;
  memset(&w, 0, sizeof w);
  w.g = g;
  w.err = err;
  fb_init(&w.fb, err);
  size_t nn = (size_t)g->n_nodes + 1, nt = (size_t)g->n_tensors + 1, nm = (size_t)g->n_metadata + 1;
  w.code_builtin = calloc(nn, sizeof *w.code_builtin);
  w.code_version = calloc(nn, sizeof *w.code_version);
  w.code_custom = calloc(nn, sizeof *w.code_custom);
  w.node_code = calloc(nn, sizeof *w.node_code);
  w.tensor_buffer = calloc(nt, sizeof *w.tensor_buffer);
  w.meta_buffer = calloc(nm, sizeof *w.meta_buffer);
  nq_status s = NQ_OK;
  if (!w.code_builtin || !w.code_version || !w.code_custom || !w.node_code || !w.tensor_buffer ||
      !w.meta_buffer)
    s = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory preparing the writer", graph_label(g));
  if (s == NQ_OK) s = assign_codes(&w);
  if (s == NQ_OK) {
    /* Buffers first: their (large) data ends up at the end of the file. */
    fb_ref buffers = build_buffers(&w);
    fb_ref codes = build_operator_codes(&w);
    fb_ref subgraphs = build_subgraph(&w);
    fb_ref sigs = build_signatures(&w);
    fb_ref meta = build_metadata(&w);
    fb_ref desc = string_or_0(&w, g->description);
    s = fb_status(&w.fb);
    if (s == NQ_OK &&
        (!buffers || !codes || !subgraphs || (g->n_signatures && !sigs) || (g->n_metadata && !meta)))
      s = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory while writing", graph_label(g));
    if (s == NQ_OK) {
      fb_table_start(&w.fb);
      fb_add_u32(&w.fb, NQ_TFL_MODEL_VERSION, NQ_TFL_SCHEMA_VERSION, 0);
      fb_add_ref(&w.fb, NQ_TFL_MODEL_OPERATOR_CODES, codes);
      fb_add_ref(&w.fb, NQ_TFL_MODEL_SUBGRAPHS, subgraphs);
      fb_add_ref(&w.fb, NQ_TFL_MODEL_DESCRIPTION, desc);
      fb_add_ref(&w.fb, NQ_TFL_MODEL_BUFFERS, buffers);
      fb_add_ref(&w.fb, NQ_TFL_MODEL_METADATA, meta);
      fb_add_ref(&w.fb, NQ_TFL_MODEL_SIGNATURE_DEFS, sigs);
      fb_ref model = fb_table_end(&w.fb);
      s = fb_finish(&w.fb, model, NQ_TFL_IDENTIFIER, out, size);
    }
    if (s != NQ_OK) nq_prefix(err, "%s: writing .tflite: ", graph_label(g));
  }
  fb_free(&w.fb);
  free(w.code_builtin);
  free(w.code_version);
  free(w.code_custom);
  free(w.node_code);
  free(w.tensor_buffer);
  free(w.meta_buffer);
  return s;
}
