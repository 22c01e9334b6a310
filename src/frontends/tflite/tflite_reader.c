/*
 * Build an nq_graph from subgraph 0 of a verified .tflite flatbuffer.
 * Structure was proven sound by nq_tflite_verify(); this file checks
 * meaning: indices in range, buffer sizes agreeing with shapes and types,
 * quantization arrays agreeing with the quantized dimension, options
 * values valid, ops supported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "formats/tflite/schema.h"
#include "frontends/tflite/fb_verify.h"
#include "frontends/tflite/tflite_reader.h"
#include "ir/custom_ops.h"
#include "ir/shape.h"

typedef struct reader {
  nq_fb fb;
  nq_error *err;
  nq_graph *g;
  nq_fb_table model, sub;
  nq_fb_vec opcodes, buffers, tensors, operators;
} reader;

bool nq_tflite_is_tflite(const uint8_t *data, size_t size) {
  if (size < 8) return false;
  if (memcmp(data + 4, NQ_TFL_IDENTIFIER, 4) == 0) return true;
  /* TFLite Micro accepts flatbuffers written without the identifier
   * (bytes 4..7 zero); take those too when the root offset is plausible. */
  uint32_t root = nq_fb_rd32(data);
  return memcmp(data + 4, "\0\0\0\0", 4) == 0 && root >= 8 && root % 4 == 0 && root < size;
}

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static const char *shape_str(const int32_t *dims, uint32_t rank, char *buf, size_t n) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, n - k, "[");
  for (uint32_t i = 0; i < rank && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, i ? ",%d" : "%d", (int)dims[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
  return buf;
}

/* The bytes of buffer `idx`: inside the flatbuffer (Buffer.data) or, for
 * models written with external buffers, at Buffer.offset from the start
 * of the file (valid when offset > 1). */
static nq_status buffer_bytes(reader *r, uint32_t idx, const char *who, const uint8_t **p, size_t *n) {
  *p = NULL;
  *n = 0;
  if (idx >= r->buffers.len)
    return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: buffer index %u, the model has %u buffers", r->fb.name,
                   who, idx, r->buffers.len);
  char what[64];
  snprintf(what, sizeof what, "buffer %u", idx);
  nq_fb_table b;
  nq_fb_vec data;
  uint64_t off, size;
  NQ_TRY(nq_fb_vec_table(&r->fb, &r->buffers, idx, what, &b, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, &b, NQ_TFL_BUFFER_DATA, 1, what, "data", &data, r->err));
  NQ_TRY(nq_fb_u64(&r->fb, &b, NQ_TFL_BUFFER_OFFSET, 0, what, "offset", &off, r->err));
  NQ_TRY(nq_fb_u64(&r->fb, &b, NQ_TFL_BUFFER_SIZE, 0, what, "size", &size, r->err));
  if (off > 1) {
    if (off > r->fb.size || size > r->fb.size - off)
      return nq_fail(r->err, NQ_ERR_FORMAT,
                     "%s: %s: buffer %u lies at offset %llu, %llu bytes, outside the %zu-byte file",
                     r->fb.name, who, idx, (unsigned long long)off, (unsigned long long)size, r->fb.size);
    *p = r->fb.buf + off;
    *n = (size_t)size;
    return NQ_OK;
  }
  *p = r->fb.buf + data.data;
  *n = data.len;
  return NQ_OK;
}

static nq_status read_quant(reader *r, const nq_fb_table *q, int ti, const char *tl) {
  nq_graph *g = r->g;
  nq_tensor *x = &g->tensors[ti];
  const char *w = tl;
  nq_fb_vec vmin, vmax, vscale, vzp;
  uint8_t details;
  int32_t qdim;
  NQ_TRY(nq_fb_u8(&r->fb, q, NQ_TFL_QUANT_DETAILS_TYPE, 0, w, "quantization.details_type", &details, r->err));
  if (details != 0)
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED,
                   "%s: %s: custom/blockwise quantization (details type %u) is not supported", r->fb.name, tl,
                   details);
  NQ_TRY(nq_fb_vector(&r->fb, q, NQ_TFL_QUANT_MIN, 4, w, "quantization.min", &vmin, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, q, NQ_TFL_QUANT_MAX, 4, w, "quantization.max", &vmax, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, q, NQ_TFL_QUANT_SCALE, 4, w, "quantization.scale", &vscale, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, q, NQ_TFL_QUANT_ZERO_POINT, 8, w, "quantization.zero_point", &vzp, r->err));
  NQ_TRY(nq_fb_i32(&r->fb, q, NQ_TFL_QUANT_QUANTIZED_DIMENSION, 0, w, "quantization.quantized_dimension",
                   &qdim, r->err));
  uint32_t n = vscale.len;
  if (n > 0) {
    if (vzp.len != n)
      return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: %u quantization scales but %u zero points", r->fb.name,
                     tl, n, vzp.len);
    if (n > 1) {
      /* TFLM-era converters gave 1-D per-channel biases the weights'
       * quantized_dimension (3); TFLM ignores it. One axis is possible. */
      if (x->rank == 1 && (qdim < 0 || qdim >= x->rank)) qdim = 0;
      if (qdim < 0 || qdim >= x->rank)
        return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: quantized_dimension %d is outside its rank %d",
                       r->fb.name, tl, (int)qdim, x->rank);
      if ((uint32_t)x->shape[qdim] != n)
        return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: %u per-axis scales, but dimension %d has size %d",
                       r->fb.name, tl, n, (int)qdim, (int)x->shape[qdim]);
    }
    float *scale = malloc(sizeof(float) * n);
    int64_t *zp = malloc(sizeof(int64_t) * n);
    if (!scale || !zp) {
      free(scale);
      free(zp);
      return nq_fail(r->err, NQ_ERR_NOMEM, "%s: %s: out of memory for %u scales", r->fb.name, tl, n);
    }
    for (uint32_t i = 0; i < n; i++) {
      scale[i] = nq_fb_vec_f32(&r->fb, &vscale, i);
      zp[i] = nq_fb_vec_i64(&r->fb, &vzp, i);
    }
    nq_status s = nq_tensor_set_quant(g, ti, (int)n, scale, zp, n > 1 ? qdim : 0, r->err);
    free(scale);
    free(zp);
    NQ_TRY(s);
  }
  if (vmin.len == 1 && vmax.len == 1) {
    x = &g->tensors[ti];
    x->q.has_range = true;
    x->q.min = nq_fb_vec_f32(&r->fb, &vmin, 0);
    x->q.max = nq_fb_vec_f32(&r->fb, &vmax, 0);
  }
  return NQ_OK;
}

static nq_status read_tensor(reader *r, uint32_t i) {
  char w[96], sb[160];
  snprintf(w, sizeof w, "subgraph 0 tensor %u", i);
  nq_fb_table t, q, sp;
  nq_fb_vec shape;
  int8_t type;
  uint32_t buf_idx;
  uint8_t is_var;
  const char *name;
  uint32_t name_len;
  NQ_TRY(nq_fb_vec_table(&r->fb, &r->tensors, i, w, &t, r->err));
  NQ_TRY(nq_fb_string(&r->fb, &t, NQ_TFL_TENSOR_NAME, w, "name", &name, &name_len, r->err));
  char tl[200]; /* "tensor 'name' (#i)" for messages */
  snprintf(tl, sizeof tl, "tensor '%.150s' (#%u)", name ? name : "", i);
  NQ_TRY(nq_fb_vector(&r->fb, &t, NQ_TFL_TENSOR_SHAPE, 4, w, "shape", &shape, r->err));
  NQ_TRY(nq_fb_i8(&r->fb, &t, NQ_TFL_TENSOR_TYPE, 0, w, "type", &type, r->err));
  NQ_TRY(nq_fb_u32(&r->fb, &t, NQ_TFL_TENSOR_BUFFER, 0, w, "buffer", &buf_idx, r->err));
  NQ_TRY(nq_fb_u8(&r->fb, &t, NQ_TFL_TENSOR_IS_VARIABLE, 0, w, "is_variable", &is_var, r->err));
  NQ_TRY(nq_fb_table_field(&r->fb, &t, NQ_TFL_TENSOR_QUANTIZATION, w, "quantization", &q, r->err));
  NQ_TRY(nq_fb_table_field(&r->fb, &t, NQ_TFL_TENSOR_SPARSITY, w, "sparsity", &sp, r->err));

  nq_dtype dt;
  if (!nq_tfl_type_to_dtype(type, &dt))
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %s: element type %s (%d) is not supported", r->fb.name,
                   tl, nq_tfl_type_name(type), (int)type);
  if (sp.pos)
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %s: sparse tensors are not supported", r->fb.name, tl);
  int32_t dims[NQ_MAX_RANK];
  if (shape.len > NQ_MAX_RANK)
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %s: rank %u, npuquant supports at most %d", r->fb.name,
                   tl, shape.len, NQ_MAX_RANK);
  for (uint32_t k = 0; k < shape.len; k++) dims[k] = nq_fb_vec_i32(&r->fb, &shape, k);
  size_t elems, want;
  if (!nq_shape_elems(dims, (int)shape.len, NQ_MAX_TENSOR_ELEMS, &elems) ||
      !nq_mul_size(elems, nq_dtype_size(dt), &want))
    return nq_fail(r->err, NQ_ERR_FORMAT,
                   "%s: %s: shape %s has a negative dimension or more than 2^31 elements", r->fb.name, tl,
                   shape_str(dims, shape.len, sb, sizeof sb));

  char *nm = name ? dup_n(name, strlen(name)) : NULL;
  if (name && !nm) return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
  int ti = nq_graph_add_tensor(r->g, nm, dt, (int)shape.len, dims, r->err);
  free(nm);
  if (ti < 0) return nq_prefix(r->err, "%s: ", r->fb.name);
  if ((uint32_t)ti != i) return nq_fail(r->err, NQ_ERR_INTERNAL, "%s: tensor numbering drifted", r->fb.name);
  r->g->tensors[ti].is_variable = is_var != 0;

  const uint8_t *data;
  size_t n;
  NQ_TRY(buffer_bytes(r, buf_idx, tl, &data, &n));
  if (n > 0) {
    if (n != want)
      return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: buffer %u holds %zu bytes, shape %s of %s needs %zu",
                     r->fb.name, tl, buf_idx, n, shape_str(dims, shape.len, sb, sizeof sb), nq_dtype_name(dt),
                     want);
    NQ_TRY(nq_tensor_copy_data(r->g, ti, data, n, r->err));
  }
  if (q.pos) NQ_TRY(read_quant(r, &q, ti, tl));
  return NQ_OK;
}

/* The BuiltinOperator of an OperatorCode, its version and custom name. */
static nq_status read_opcode(reader *r, uint32_t idx, const char *who, int32_t *code, int32_t *version,
                             const char **custom) {
  if (idx >= r->opcodes.len)
    return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: opcode_index %u, the model has %u operator codes",
                   r->fb.name, who, idx, r->opcodes.len);
  char w[64];
  snprintf(w, sizeof w, "operator_code %u", idx);
  nq_fb_table oc;
  int8_t dep;
  uint32_t len;
  NQ_TRY(nq_fb_vec_table(&r->fb, &r->opcodes, idx, w, &oc, r->err));
  NQ_TRY(nq_fb_i8(&r->fb, &oc, NQ_TFL_OPCODE_DEPRECATED_BUILTIN_CODE, 0, w, "deprecated_builtin_code", &dep,
                  r->err));
  NQ_TRY(nq_fb_i32(&r->fb, &oc, NQ_TFL_OPCODE_BUILTIN_CODE, 0, w, "builtin_code", code, r->err));
  NQ_TRY(nq_fb_i32(&r->fb, &oc, NQ_TFL_OPCODE_VERSION, 1, w, "version", version, r->err));
  NQ_TRY(nq_fb_string(&r->fb, &oc, NQ_TFL_OPCODE_CUSTOM_CODE, w, "custom_code", custom, &len, r->err));
  /* Old writers fill only the byte field, new ones both (127 in the byte
   * when the code does not fit): the larger is the op. */
  if (dep > *code) *code = dep;
  return NQ_OK;
}

/* "node 4 'conv1/Relu' (CONV_2D)" for messages: named after output 0. */
static const char *node_label(reader *r, uint32_t i, const nq_fb_table *op, const char *opname, char *buf,
                              size_t n) {
  nq_fb_vec outs;
  nq_error scratch;
  const char *name = NULL;
  if (nq_fb_vector(&r->fb, op, NQ_TFL_OP_OUTPUTS, 4, "operator", "outputs", &outs, &scratch) == NQ_OK &&
      outs.len > 0) {
    int32_t t = nq_fb_vec_i32(&r->fb, &outs, 0);
    nq_fb_table tt;
    uint32_t len;
    if (t >= 0 && (uint32_t)t < r->tensors.len &&
        nq_fb_vec_table(&r->fb, &r->tensors, (uint32_t)t, "tensor", &tt, &scratch) == NQ_OK)
      (void)nq_fb_string(&r->fb, &tt, NQ_TFL_TENSOR_NAME, "tensor", "name", &name, &len, &scratch);
  }
  if (name && name[0])
    snprintf(buf, n, "node %u '%.120s' (%s)", i, name, opname);
  else
    snprintf(buf, n, "node %u (%s)", i, opname);
  return buf;
}

static const char *op_display_name(int32_t code, const char *custom, char *buf, size_t n) {
  const char *bn = nq_tfl_builtin_name(code);
  if (code == NQ_TFL_BUILTIN_CUSTOM)
    snprintf(buf, n, "CUSTOM '%.80s'", custom ? custom : "");
  else if (bn)
    snprintf(buf, n, "%s", bn);
  else
    snprintf(buf, n, "BUILTIN_OPERATOR %d", (int)code);
  return buf;
}

/* MediaPipe's custom op Convolution2DTransposeBias (segmentation nets): a
 * TRANSPOSE_CONV with a bias, which TFLite's builtin takes as input 3. */
static bool is_transpose_conv_bias(int32_t code, const char *custom) {
  return code == NQ_TFL_BUILTIN_CUSTOM && custom && strcmp(custom, "Convolution2DTransposeBias") == 0;
}

/* Fail on the first op npuquant does not have, saying how many more there
 * are, before anything else is built: that is the error a user needs. */
static nq_status check_ops_supported(reader *r) {
  uint32_t bad = 0, first = 0;
  char first_name[128] = "", lb[256];
  nq_fb_table first_op = {0};
  for (uint32_t i = 0; i < r->operators.len; i++) {
    char w[64];
    snprintf(w, sizeof w, "subgraph 0 operator %u", i);
    nq_fb_table op;
    uint32_t oci;
    int32_t code, version;
    const char *custom;
    nq_op nop;
    NQ_TRY(nq_fb_vec_table(&r->fb, &r->operators, i, w, &op, r->err));
    NQ_TRY(nq_fb_u32(&r->fb, &op, NQ_TFL_OP_OPCODE_INDEX, 0, w, "opcode_index", &oci, r->err));
    NQ_TRY(read_opcode(r, oci, w, &code, &version, &custom));
    /* Custom ops are kept (node CUSTOM) and refused only when something has
     * to run them; except Vela's 'ethos-u', a model already compiled for an
     * NPU, whose scratch tensors no node produces. */
    if (nq_op_from_tflite_code(code, &nop) &&
        !(code == NQ_TFL_BUILTIN_CUSTOM && custom && strcmp(custom, "ethos-u") == 0))
      continue;
    if (bad++ == 0) {
      first = i;
      first_op = op;
      op_display_name(code, custom, first_name, sizeof first_name);
    }
  }
  if (bad == 0) return NQ_OK;
  node_label(r, first, &first_op, first_name, lb, sizeof lb);
  if (bad == 1)
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %s: op not supported by npuquant", r->fb.name, lb);
  return nq_fail(r->err, NQ_ERR_UNSUPPORTED,
                 "%s: %s: op not supported by npuquant (%u unsupported nodes in all)", r->fb.name, lb, bad);
}

/* Decode an int vector of node inputs/outputs into `idx` (malloc'd). */
static nq_status read_index_list(reader *r, const nq_fb_vec *v, bool allow_absent, const char *lb,
                                 const char *what, int **idx) {
  *idx = NULL;
  if (v->len > NQ_MAX_NODE_IO)
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %s: %u %s, at most %d supported", r->fb.name, lb, v->len,
                   what, NQ_MAX_NODE_IO);
  int *a = malloc(sizeof(int) * (v->len ? v->len : 1));
  if (!a) return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
  for (uint32_t k = 0; k < v->len; k++) {
    int32_t t = nq_fb_vec_i32(&r->fb, v, k);
    if (!((allow_absent && t == -1) || (t >= 0 && (uint32_t)t < r->tensors.len))) {
      free(a);
      return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: %s %u is tensor %d, the subgraph has %u tensors",
                     r->fb.name, lb, what, k, (int)t, r->tensors.len);
    }
    a[k] = t;
  }
  *idx = a;
  return NQ_OK;
}

/* Builtin options -> nq_op_params through the schema table. An absent
 * options table means every field takes its schema default. */
static nq_status read_options(reader *r, nq_op nop, const nq_fb_table *op, const char *lb, nq_op_params *p) {
  const nq_tfl_op_options *oo = nq_tfl_options_of(nop);
  uint8_t type;
  nq_fb_table o;
  const char *w = lb;
  NQ_TRY(nq_fb_u8(&r->fb, op, NQ_TFL_OP_BUILTIN_OPTIONS_TYPE, 0, w, "builtin_options_type", &type, r->err));
  NQ_TRY(nq_fb_table_field(&r->fb, op, NQ_TFL_OP_BUILTIN_OPTIONS, w, "builtin_options", &o, r->err));
  if (type != 0 && type != oo->type)
    return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: builtin options of union type %u, %s expects %s (%u)",
                   r->fb.name, lb, type, nq_op_name(nop), oo->table ? oo->table : "none", oo->type);
  if (type == 0) o.pos = 0; /* a table without its type is unreadable: defaults */
  for (int k = 0; k < oo->n_fields; k++) {
    const nq_tfl_field *f = &oo->fields[k];
    double v = f->def;
    switch ((nq_tfl_wire)f->wire) {
      case NQ_TFL_WIRE_BOOL: {
        uint8_t u;
        NQ_TRY(nq_fb_u8(&r->fb, &o, f->id, (uint8_t)f->def, w, f->name, &u, r->err));
        v = u;
        break;
      }
      case NQ_TFL_WIRE_INT8: {
        int8_t b;
        NQ_TRY(nq_fb_i8(&r->fb, &o, f->id, (int8_t)f->def, w, f->name, &b, r->err));
        v = b;
        break;
      }
      case NQ_TFL_WIRE_INT32: {
        int32_t i;
        NQ_TRY(nq_fb_i32(&r->fb, &o, f->id, (int32_t)f->def, w, f->name, &i, r->err));
        v = i;
        break;
      }
      case NQ_TFL_WIRE_FLOAT: {
        float fl;
        NQ_TRY(nq_fb_f32(&r->fb, &o, f->id, (float)f->def, w, f->name, &fl, r->err));
        v = fl;
        break;
      }
    }
    if (!nq_tfl_param_set(p, f, v)) {
      if (f->dest == NQ_TFL_DEST_NONE)
        return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %s: %s.%s = %g is not supported (only %g)",
                       r->fb.name, lb, oo->table, f->name, v, f->def);
      return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: %s.%s has the invalid value %g", r->fb.name, lb,
                     oo->table, f->name, v);
    }
  }
  if (oo->special != NQ_TFL_SPECIAL_NONE && o.pos) {
    nq_fb_vec v;
    NQ_TRY(nq_fb_vector(&r->fb, &o, oo->special_field, 4, w, "options vector", &v, r->err));
    if (v.len > NQ_MAX_RANK)
      return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %s: %s holds %u dimensions, at most %d supported",
                     r->fb.name, lb, oo->table, v.len, NQ_MAX_RANK);
    if (oo->special == NQ_TFL_SPECIAL_RESHAPE_NEW_SHAPE && v.data) {
      for (uint32_t k = 0; k < v.len; k++) p->new_shape[k] = nq_fb_vec_i32(&r->fb, &v, k);
      p->new_shape_rank = (int)v.len;
    } else if (oo->special == NQ_TFL_SPECIAL_SQUEEZE_DIMS) {
      for (uint32_t k = 0; k < v.len; k++) p->squeeze_dims[k] = nq_fb_vec_i32(&r->fb, &v, k);
      p->num_squeeze_dims = (int)v.len;
    }
  }
  /* The CAST kernel converts to its output's type whatever the options
   * say; an ARG_MAX without options does the same. */
  if (nop == NQ_OP_CAST || (nop == NQ_OP_ARG_MAX && !o.pos)) p->out_type = NQ_INT64;
  return NQ_OK;
}

/*
 * Convolution2DTransposeBias(input, weights [O, H, W, I], bias [O]) becomes
 * TRANSPOSE_CONV(output_shape, weights, input, bias). Its custom options are
 * the raw bytes of TFLite's TfLiteTransposeConvParams: int32 padding (1 SAME,
 * 2 VALID), stride_width, stride_height. MediaPipe's kernel sizes the output
 * as stride * (in - 1) + filter - pad with pad = max(0, filter - (in - 1) %
 * stride - 1) for SAME (0 for VALID) and pads pad / 2 before: what TFLite's
 * TRANSPOSE_CONV computes for that output shape (total padding (in - 1) *
 * stride + filter - out, half before), so the output shape is computed here
 * and checked against the file's output tensor.
 */
static nq_status read_transpose_conv_bias(reader *r, const nq_fb_table *op, const char *lb, int version) {
  nq_fb_vec vin, vout, vopt;
  const char *w = "Convolution2DTransposeBias";
  NQ_TRY(nq_fb_vector(&r->fb, op, NQ_TFL_OP_INPUTS, 4, w, "inputs", &vin, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, op, NQ_TFL_OP_OUTPUTS, 4, w, "outputs", &vout, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, op, NQ_TFL_OP_CUSTOM_OPTIONS, 1, w, "custom_options", &vopt, r->err));
  if (vin.len != 3 || vout.len != 1)
    return nq_fail(r->err, NQ_ERR_FORMAT,
                   "%s: %s: %u inputs and %u outputs; input, weights, bias and one output "
                   "expected",
                   r->fb.name, lb, vin.len, vout.len);
  if (vopt.len < 12)
    return nq_fail(r->err, NQ_ERR_FORMAT,
                   "%s: %s: %u bytes of custom options; padding, stride_width and "
                   "stride_height (12 bytes) expected",
                   r->fb.name, lb, vopt.len);
  const uint8_t *o = r->fb.buf + vopt.data;
  const int32_t pad = (int32_t)nq_fb_rd32(o), sw = (int32_t)nq_fb_rd32(o + 4),
                sh = (int32_t)nq_fb_rd32(o + 8);
  if ((pad != 1 && pad != 2) || sw < 1 || sh < 1 || sw > 4096 || sh > 4096)
    return nq_fail(r->err, NQ_ERR_FORMAT,
                   "%s: %s: padding %d (1 SAME or 2 VALID) and strides %d x %d (1 to 4096) "
                   "expected",
                   r->fb.name, lb, (int)pad, (int)sh, (int)sw);
  int *in = NULL, *out = NULL;
  NQ_TRY(read_index_list(r, &vin, false, lb, "input", &in));
  nq_status s = read_index_list(r, &vout, false, lb, "output", &out);
  const nq_tensor *x = s == NQ_OK ? &r->g->tensors[in[0]] : NULL,
                  *wt = s == NQ_OK ? &r->g->tensors[in[1]] : NULL;
  if (s == NQ_OK && (x->rank != 4 || wt->rank != 4))
    s = nq_fail(r->err, NQ_ERR_SHAPE, "%s: %s: input and weights of rank 4 expected (ranks %d, %d)",
                r->fb.name, lb, x->rank, wt->rank);
  int32_t shape[4] = {0};
  if (s == NQ_OK) {
    const int64_t in_hw[2] = {x->shape[1], x->shape[2]}, k_hw[2] = {wt->shape[1], wt->shape[2]},
                  st[2] = {sh, sw};
    shape[0] = x->shape[0];
    shape[3] = wt->shape[0];
    for (int d = 0; d < 2; d++) {
      int64_t total = pad == 1 ? (k_hw[d] - (in_hw[d] - 1) % st[d] - 1) : 0;
      if (total < 0) total = 0;
      int64_t size = st[d] * (in_hw[d] - 1) + k_hw[d] - total;
      if (in_hw[d] < 1 || size < 1 || size > INT32_MAX / 2) {
        s = nq_fail(r->err, NQ_ERR_SHAPE,
                    "%s: %s: output size %lld from input %lld, filter %lld, stride %lld", r->fb.name, lb,
                    (long long)size, (long long)in_hw[d], (long long)k_hw[d], (long long)st[d]);
        break;
      }
      shape[1 + d] = (int32_t)size;
    }
  }
  const nq_tensor *y = s == NQ_OK ? &r->g->tensors[out[0]] : NULL;
  if (s == NQ_OK && y->rank == 4 && y->shape[1] > 0 &&
      (y->shape[0] != shape[0] || y->shape[1] != shape[1] || y->shape[2] != shape[2] ||
       y->shape[3] != shape[3]))
    s = nq_fail(r->err, NQ_ERR_SHAPE,
                "%s: %s: the output tensor is [%d, %d, %d, %d], the op computes [%d, %d, %d, %d]", r->fb.name,
                lb, y->shape[0], y->shape[1], y->shape[2], y->shape[3], shape[0], shape[1], shape[2],
                shape[3]);
  int oshape = -1;
  if (s == NQ_OK) {
    char name[300];
    snprintf(name, sizeof name, "%.280s/output_shape", y->name ? y->name : "transpose_conv_bias");
    const int32_t one[1] = {4};
    oshape = nq_graph_add_tensor(r->g, name, NQ_INT32, 1, one, r->err);
    if (oshape < 0)
      s = r->err->code;
    else
      s = nq_tensor_copy_data(r->g, oshape, shape, sizeof shape, r->err);
  }
  if (s == NQ_OK) {
    nq_op_params p = nq_op_params_default();
    p.padding = pad == 1 ? NQ_PAD_SAME : NQ_PAD_VALID;
    p.stride_w = sw;
    p.stride_h = sh;
    const int ins[4] = {oshape, in[1], in[0], in[2]};
    int ni = nq_graph_add_node(r->g, NQ_OP_TRANSPOSE_CONV, y->name, 4, ins, 1, out, &p, r->err);
    if (ni < 0)
      s = nq_prefix(r->err, "%s: %s: ", r->fb.name, lb);
    else
      r->g->nodes[ni].version = version;
  }
  free(in);
  free(out);
  return s;
}

/* A custom op keeps its name and custom_options bytes as they are (pointers
 * into the file; nq_graph_add_node copies them). Options stored outside the
 * flatbuffer (large_custom_options_*, files over 2 GB) are not read. */
static nq_status read_custom(reader *r, const nq_fb_table *op, const char *lb, const char *custom,
                             nq_op_params *p) {
  nq_fb_vec vopt;
  uint8_t format;
  uint64_t big;
  NQ_TRY(nq_fb_vector(&r->fb, op, NQ_TFL_OP_CUSTOM_OPTIONS, 1, lb, "custom_options", &vopt, r->err));
  NQ_TRY(
      nq_fb_u8(&r->fb, op, NQ_TFL_OP_CUSTOM_OPTIONS_FORMAT, 0, lb, "custom_options_format", &format, r->err));
  NQ_TRY(nq_fb_u64(&r->fb, op, NQ_TFL_OP_LARGE_CUSTOM_OPTIONS_SIZE, 0, lb, "large_custom_options_size", &big,
                   r->err));
  if (!custom || !custom[0])
    return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: a custom op without a custom_code (its name)", r->fb.name,
                   lb);
  if (format != 0)
    return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: custom_options_format %u; 0 (FLEXBUFFERS) expected",
                   r->fb.name, lb, (unsigned)format);
  if (big > 0)
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED,
                   "%s: %s: %llu bytes of custom options stored outside the flatbuffer "
                   "(large_custom_options) are not supported",
                   r->fb.name, lb, (unsigned long long)big);
  p->custom_name = (char *)custom;
  p->custom_options = vopt.len ? (uint8_t *)(r->fb.buf + vopt.data) : NULL;
  p->custom_options_size = vopt.len;
  return NQ_OK;
}

/* TFLite_Detection_PostProcess outputs are left unshaped in files (TFLite
 * sizes them when preparing the model): give them their shapes from the
 * op's options, or check the ones a file gives. */
static nq_status size_postprocess(reader *r, int ni, const char *lb) {
  const nq_node *n = &r->g->nodes[ni];
  bool unshaped = true;
  for (int k = 0; k < n->n_out; k++) unshaped &= r->g->tensors[n->out[k]].rank == 0;
  if (nq_infer_node_shapes(r->g, ni, unshaped, r->err) != NQ_OK)
    return nq_prefix(r->err, "%s: %s: ", r->fb.name, lb);
  return NQ_OK;
}

static nq_status read_operator(reader *r, uint32_t i) {
  char w[64], opname[128], lb[256];
  snprintf(w, sizeof w, "subgraph 0 operator %u", i);
  nq_fb_table op;
  nq_fb_vec vin, vout;
  uint32_t oci;
  int32_t code, version;
  const char *custom;
  nq_op nop;
  NQ_TRY(nq_fb_vec_table(&r->fb, &r->operators, i, w, &op, r->err));
  NQ_TRY(nq_fb_u32(&r->fb, &op, NQ_TFL_OP_OPCODE_INDEX, 0, w, "opcode_index", &oci, r->err));
  NQ_TRY(read_opcode(r, oci, w, &code, &version, &custom));
  if (is_transpose_conv_bias(code, custom)) {
    node_label(r, i, &op, op_display_name(code, custom, opname, sizeof opname), lb, sizeof lb);
    return read_transpose_conv_bias(r, &op, lb, 1);
  }
  if (!nq_op_from_tflite_code(code, &nop))
    return nq_fail(r->err, NQ_ERR_INTERNAL, "%s: %s: unsupported op got past the check", r->fb.name, w);
  node_label(r, i, &op, op_display_name(code, custom, opname, sizeof opname), lb, sizeof lb);
  NQ_TRY(nq_fb_vector(&r->fb, &op, NQ_TFL_OP_INPUTS, 4, w, "inputs", &vin, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, &op, NQ_TFL_OP_OUTPUTS, 4, w, "outputs", &vout, r->err));

  nq_op_params p = nq_op_params_default();
  if (nop == NQ_OP_CUSTOM)
    NQ_TRY(read_custom(r, &op, lb, custom, &p));
  else
    NQ_TRY(read_options(r, nop, &op, lb, &p));
  int *in = NULL, *out = NULL;
  nq_status s = read_index_list(r, &vin, true, lb, "input", &in);
  if (s == NQ_OK) s = read_index_list(r, &vout, false, lb, "output", &out);
  if (s == NQ_OK && nop == NQ_OP_CAST && vout.len > 0) p.out_type = r->g->tensors[out[0]].type;
  if (s == NQ_OK && nop == NQ_OP_ARG_MAX && vout.len > 0 && p.out_type == NQ_INT64)
    p.out_type = r->g->tensors[out[0]].type;
  if (s == NQ_OK) {
    const char *name = vout.len > 0 ? r->g->tensors[out[0]].name : NULL;
    int ni = nq_graph_add_node(r->g, nop, name, (int)vin.len, in, (int)vout.len, out, &p, r->err);
    if (ni < 0)
      s = nq_prefix(r->err, "%s: %s: ", r->fb.name, lb);
    else
      r->g->nodes[ni].version = version;
    if (ni >= 0 && nq_is_detection_postprocess(&r->g->nodes[ni])) s = size_postprocess(r, ni, lb);
  }
  free(in);
  free(out);
  return s;
}

static nq_status read_io(reader *r) {
  nq_fb_vec vin, vout;
  int *in = NULL, *out = NULL;
  NQ_TRY(nq_fb_vector(&r->fb, &r->sub, NQ_TFL_SUBGRAPH_INPUTS, 4, "subgraph 0", "inputs", &vin, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, &r->sub, NQ_TFL_SUBGRAPH_OUTPUTS, 4, "subgraph 0", "outputs", &vout, r->err));
  if (vin.len > NQ_MAX_TENSORS || vout.len > NQ_MAX_TENSORS)
    return nq_fail(r->err, NQ_ERR_FORMAT, "%s: subgraph 0 has %u inputs and %u outputs", r->fb.name, vin.len,
                   vout.len);
  in = malloc(sizeof(int) * (vin.len ? vin.len : 1));
  out = malloc(sizeof(int) * (vout.len ? vout.len : 1));
  nq_status s = NQ_OK;
  if (!in || !out) s = nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
  for (uint32_t k = 0; k < vin.len + vout.len && s == NQ_OK; k++) {
    bool is_in = k < vin.len;
    uint32_t j = is_in ? k : k - vin.len;
    int32_t t = nq_fb_vec_i32(&r->fb, is_in ? &vin : &vout, j);
    if (t < 0 || (uint32_t)t >= r->tensors.len)
      s = nq_fail(r->err, NQ_ERR_FORMAT,
                  "%s: subgraph 0: model %s %u is tensor %d, the subgraph has %u tensors", r->fb.name,
                  is_in ? "input" : "output", j, (int)t, r->tensors.len);
    else
      (is_in ? in : out)[j] = t;
  }
  if (s == NQ_OK) s = nq_graph_set_io(r->g, (int)vin.len, in, (int)vout.len, out, r->err);
  free(in);
  free(out);
  return s;
}

static nq_status read_tensor_maps(reader *r, const nq_fb_table *sd, int id, const char *w, nq_sig_entry **out,
                                  int *n) {
  nq_fb_vec v;
  NQ_TRY(nq_fb_vector(&r->fb, sd, id, 4, w, id == NQ_TFL_SIGDEF_INPUTS ? "inputs" : "outputs", &v, r->err));
  *out = calloc(v.len ? v.len : 1, sizeof(nq_sig_entry));
  if (!*out) return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
  for (uint32_t k = 0; k < v.len; k++) {
    char ew[128];
    snprintf(ew, sizeof ew, "%s %s %u", w, id == NQ_TFL_SIGDEF_INPUTS ? "input" : "output", k);
    nq_fb_table tm;
    const char *name;
    uint32_t len, ti;
    NQ_TRY(nq_fb_vec_table(&r->fb, &v, k, ew, &tm, r->err));
    NQ_TRY(nq_fb_string(&r->fb, &tm, NQ_TFL_TENSORMAP_NAME, ew, "name", &name, &len, r->err));
    NQ_TRY(nq_fb_u32(&r->fb, &tm, NQ_TFL_TENSORMAP_TENSOR_INDEX, 0, ew, "tensor_index", &ti, r->err));
    if (ti >= r->tensors.len)
      return nq_fail(r->err, NQ_ERR_FORMAT, "%s: %s: tensor_index %u, the subgraph has %u tensors",
                     r->fb.name, ew, ti, r->tensors.len);
    (*out)[k].tensor = (int)ti;
    (*out)[k].name = dup_n(name ? name : "", name ? strlen(name) : 0);
    (*n)++; /* counted as soon as it owns a name, so a failure frees it */
    if (!(*out)[k].name) return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
  }
  return NQ_OK;
}

/* Signature defs of subgraph 0 (others belong to graphs npuquant drops). */
static nq_status read_signatures(reader *r) {
  nq_fb_vec v;
  NQ_TRY(
      nq_fb_vector(&r->fb, &r->model, NQ_TFL_MODEL_SIGNATURE_DEFS, 4, "model", "signature_defs", &v, r->err));
  if (v.len == 0) return NQ_OK;
  if (v.len > 4096) return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %u signature defs", r->fb.name, v.len);
  r->g->signatures = calloc(v.len, sizeof(nq_signature));
  if (!r->g->signatures) return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
  for (uint32_t k = 0; k < v.len; k++) {
    char w[64];
    snprintf(w, sizeof w, "signature_def %u", k);
    nq_fb_table sd;
    uint32_t sgi, len;
    const char *key;
    NQ_TRY(nq_fb_vec_table(&r->fb, &v, k, w, &sd, r->err));
    NQ_TRY(nq_fb_u32(&r->fb, &sd, NQ_TFL_SIGDEF_SUBGRAPH_INDEX, 0, w, "subgraph_index", &sgi, r->err));
    if (sgi != 0) continue;
    NQ_TRY(nq_fb_string(&r->fb, &sd, NQ_TFL_SIGDEF_SIGNATURE_KEY, w, "signature_key", &key, &len, r->err));
    nq_signature *sig = &r->g->signatures[r->g->n_signatures++];
    sig->key = dup_n(key ? key : "", key ? strlen(key) : 0);
    if (!sig->key) return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
    NQ_TRY(read_tensor_maps(r, &sd, NQ_TFL_SIGDEF_INPUTS, w, &sig->in, &sig->n_in));
    NQ_TRY(read_tensor_maps(r, &sd, NQ_TFL_SIGDEF_OUTPUTS, w, &sig->out, &sig->n_out));
  }
  return NQ_OK;
}

static nq_status read_metadata(reader *r) {
  nq_fb_vec v;
  const char *desc;
  uint32_t len;
  NQ_TRY(
      nq_fb_string(&r->fb, &r->model, NQ_TFL_MODEL_DESCRIPTION, "model", "description", &desc, &len, r->err));
  if (desc && !(r->g->description = dup_n(desc, strlen(desc))))
    return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
  NQ_TRY(nq_fb_vector(&r->fb, &r->model, NQ_TFL_MODEL_METADATA, 4, "model", "metadata", &v, r->err));
  if (v.len == 0) return NQ_OK;
  if (v.len > 4096) return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: %u metadata entries", r->fb.name, v.len);
  r->g->metadata = calloc(v.len, sizeof(nq_metadata));
  if (!r->g->metadata) return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
  for (uint32_t k = 0; k < v.len; k++) {
    char w[64];
    snprintf(w, sizeof w, "metadata %u", k);
    nq_fb_table md;
    const char *name;
    uint32_t bi;
    const uint8_t *data;
    size_t n;
    NQ_TRY(nq_fb_vec_table(&r->fb, &v, k, w, &md, r->err));
    NQ_TRY(nq_fb_string(&r->fb, &md, NQ_TFL_METADATA_NAME, w, "name", &name, &len, r->err));
    NQ_TRY(nq_fb_u32(&r->fb, &md, NQ_TFL_METADATA_BUFFER, 0, w, "buffer", &bi, r->err));
    NQ_TRY(buffer_bytes(r, bi, w, &data, &n));
    nq_metadata *m = &r->g->metadata[r->g->n_metadata++];
    m->name = dup_n(name ? name : "", name ? strlen(name) : 0);
    m->data = malloc(n ? n : 1);
    m->size = n;
    if (!m->name || !m->data) return nq_fail(r->err, NQ_ERR_NOMEM, "%s: out of memory", r->fb.name);
    if (n) memcpy(m->data, data, n);
  }
  return NQ_OK;
}

static nq_status build(reader *r) {
  uint32_t version;
  nq_fb_vec subgraphs;
  NQ_TRY(nq_fb_root(&r->fb, &r->model, r->err));
  NQ_TRY(nq_fb_u32(&r->fb, &r->model, NQ_TFL_MODEL_VERSION, 0, "model", "version", &version, r->err));
  if (version != NQ_TFL_SCHEMA_VERSION)
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED, "%s: schema version %u, npuquant reads version %d", r->fb.name,
                   version, NQ_TFL_SCHEMA_VERSION);
  NQ_TRY(nq_fb_vector(&r->fb, &r->model, NQ_TFL_MODEL_OPERATOR_CODES, 4, "model", "operator_codes",
                      &r->opcodes, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, &r->model, NQ_TFL_MODEL_BUFFERS, 4, "model", "buffers", &r->buffers, r->err));
  NQ_TRY(
      nq_fb_vector(&r->fb, &r->model, NQ_TFL_MODEL_SUBGRAPHS, 4, "model", "subgraphs", &subgraphs, r->err));
  if (subgraphs.len == 0) return nq_fail(r->err, NQ_ERR_FORMAT, "%s: the model has no subgraph", r->fb.name);
  NQ_TRY(nq_fb_vec_table(&r->fb, &subgraphs, 0, "subgraph 0", &r->sub, r->err));
  NQ_TRY(nq_fb_vector(&r->fb, &r->sub, NQ_TFL_SUBGRAPH_TENSORS, 4, "subgraph 0", "tensors", &r->tensors,
                      r->err));
  NQ_TRY(nq_fb_vector(&r->fb, &r->sub, NQ_TFL_SUBGRAPH_OPERATORS, 4, "subgraph 0", "operators", &r->operators,
                      r->err));
  if (r->tensors.len > NQ_MAX_TENSORS || r->operators.len > NQ_MAX_NODES)
    return nq_fail(r->err, NQ_ERR_UNSUPPORTED,
                   "%s: subgraph 0 has %u tensors and %u operators, limits %d and %d", r->fb.name,
                   r->tensors.len, r->operators.len, NQ_MAX_TENSORS, NQ_MAX_NODES);
  NQ_TRY(check_ops_supported(r));
  for (uint32_t i = 0; i < r->tensors.len; i++) NQ_TRY(read_tensor(r, i));
  NQ_TRY(read_io(r));
  for (uint32_t i = 0; i < r->operators.len; i++) NQ_TRY(read_operator(r, i));
  NQ_TRY(read_signatures(r));
  return read_metadata(r);
}

nq_status nq_tflite_read_memory(const uint8_t *data, size_t size, const char *name, nq_graph **out,
                                nq_error *err) {
  *out = NULL;
  if (!name) name = "<memory>";
  if (!nq_tflite_is_tflite(data, size))
    return nq_fail(
        err, NQ_ERR_FORMAT,
        "%s: not a TFLite model (no TFL3 identifier at byte 4, and not an identifier-less flatbuffer)", name);
  NQ_TRY(nq_tflite_verify(data, size, name, err));
  reader r;
  memset(&r, 0, sizeof r);
  r.fb.buf = data;
  r.fb.size = size;
  r.fb.name = name;
  r.err = err;
  r.g = nq_graph_new();
  if (!r.g || !(r.g->source = dup_n(name, strlen(name)))) {
    nq_graph_free(r.g);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", name);
  }
  nq_status s = build(&r);
  if (s == NQ_OK) s = nq_tflite_fold_float_weights(r.g, err);
  if (s == NQ_OK) s = nq_graph_verify(r.g, err);
  if (s != NQ_OK) {
    nq_graph_free(r.g);
    return s;
  }
  *out = r.g;
  return NQ_OK;
}
