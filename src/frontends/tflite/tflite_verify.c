/*
 * Upfront structural verification of a .tflite flatbuffer: every table,
 * vector and string reachable from the Model root through the fields npuquant
 * knows (all subgraphs, not only the one it reads) is checked before any
 * of it is interpreted, in the spirit of flatcc's verifier. Semantic checks
 * (indices in range, sizes agreeing with shapes) are the builder's job,
 * where the message can name the tensor or node.
 */
#include <stdio.h>

#include "formats/tflite/schema.h"
#include "frontends/tflite/fb_verify.h"
#include "frontends/tflite/tflite_reader.h"

typedef struct vctx {
  const nq_fb *fb;
  nq_error *err;
} vctx;

static nq_status verify_vec_of_tables(vctx *c, const nq_fb_table *t, int id, const char *what,
                                      const char *field, const char *elem_what,
                                      nq_status (*each)(vctx *, const nq_fb_table *, const char *),
                                      nq_fb_vec *out) {
  nq_fb_vec v;
  char ew[256];
  NQ_TRY(nq_fb_vector(c->fb, t, id, 4, what, field, &v, c->err));
  for (uint32_t i = 0; i < v.len; i++) {
    nq_fb_table e;
    snprintf(ew, sizeof ew, "%s %u", elem_what, i);
    NQ_TRY(nq_fb_vec_table(c->fb, &v, i, ew, &e, c->err));
    if (each) NQ_TRY(each(c, &e, ew));
  }
  if (out) *out = v;
  return NQ_OK;
}

static nq_status verify_string(vctx *c, const nq_fb_table *t, int id, const char *what, const char *field) {
  const char *s;
  uint32_t n;
  return nq_fb_string(c->fb, t, id, what, field, &s, &n, c->err);
}

static nq_status verify_vec(vctx *c, const nq_fb_table *t, int id, size_t elem, const char *what,
                            const char *field) {
  nq_fb_vec v;
  return nq_fb_vector(c->fb, t, id, elem, what, field, &v, c->err);
}

static nq_status verify_opcode(vctx *c, const nq_fb_table *t, const char *w) {
  int8_t b;
  int32_t i;
  NQ_TRY(
      nq_fb_i8(c->fb, t, NQ_TFL_OPCODE_DEPRECATED_BUILTIN_CODE, 0, w, "deprecated_builtin_code", &b, c->err));
  NQ_TRY(verify_string(c, t, NQ_TFL_OPCODE_CUSTOM_CODE, w, "custom_code"));
  NQ_TRY(nq_fb_i32(c->fb, t, NQ_TFL_OPCODE_VERSION, 1, w, "version", &i, c->err));
  return nq_fb_i32(c->fb, t, NQ_TFL_OPCODE_BUILTIN_CODE, 0, w, "builtin_code", &i, c->err);
}

static nq_status verify_quant(vctx *c, const nq_fb_table *q, const char *w) {
  uint8_t u;
  int32_t i;
  nq_fb_table d;
  NQ_TRY(verify_vec(c, q, NQ_TFL_QUANT_MIN, 4, w, "quantization.min"));
  NQ_TRY(verify_vec(c, q, NQ_TFL_QUANT_MAX, 4, w, "quantization.max"));
  NQ_TRY(verify_vec(c, q, NQ_TFL_QUANT_SCALE, 4, w, "quantization.scale"));
  NQ_TRY(verify_vec(c, q, NQ_TFL_QUANT_ZERO_POINT, 8, w, "quantization.zero_point"));
  NQ_TRY(nq_fb_u8(c->fb, q, NQ_TFL_QUANT_DETAILS_TYPE, 0, w, "quantization.details_type", &u, c->err));
  NQ_TRY(nq_fb_table_field(c->fb, q, NQ_TFL_QUANT_DETAILS, w, "quantization.details", &d, c->err));
  return nq_fb_i32(c->fb, q, NQ_TFL_QUANT_QUANTIZED_DIMENSION, 0, w, "quantization.quantized_dimension", &i,
                   c->err);
}

static nq_status verify_tensor(vctx *c, const nq_fb_table *t, const char *w) {
  int8_t b;
  uint8_t u;
  uint32_t x;
  nq_fb_table sub;
  NQ_TRY(verify_vec(c, t, NQ_TFL_TENSOR_SHAPE, 4, w, "shape"));
  NQ_TRY(nq_fb_i8(c->fb, t, NQ_TFL_TENSOR_TYPE, 0, w, "type", &b, c->err));
  NQ_TRY(nq_fb_u32(c->fb, t, NQ_TFL_TENSOR_BUFFER, 0, w, "buffer", &x, c->err));
  NQ_TRY(verify_string(c, t, NQ_TFL_TENSOR_NAME, w, "name"));
  NQ_TRY(nq_fb_table_field(c->fb, t, NQ_TFL_TENSOR_QUANTIZATION, w, "quantization", &sub, c->err));
  if (sub.pos) NQ_TRY(verify_quant(c, &sub, w));
  NQ_TRY(nq_fb_u8(c->fb, t, NQ_TFL_TENSOR_IS_VARIABLE, 0, w, "is_variable", &u, c->err));
  NQ_TRY(nq_fb_table_field(c->fb, t, NQ_TFL_TENSOR_SPARSITY, w, "sparsity", &sub, c->err));
  NQ_TRY(verify_vec(c, t, NQ_TFL_TENSOR_SHAPE_SIGNATURE, 4, w, "shape_signature"));
  return nq_fb_u8(c->fb, t, NQ_TFL_TENSOR_HAS_RANK, 0, w, "has_rank", &u, c->err);
}

/* The fields of a builtin options table whose union type we know. */
static nq_status verify_options(vctx *c, const nq_fb_table *o, uint8_t type, const char *w) {
  for (int op = 0; op < NQ_OP_COUNT; op++) {
    const nq_tfl_op_options *oo = nq_tfl_options_of((nq_op)op);
    if (oo->type != type) continue;
    for (int k = 0; k < oo->n_fields; k++) {
      const nq_tfl_field *f = &oo->fields[k];
      uint8_t u;
      int32_t i;
      float fl;
      switch ((nq_tfl_wire)f->wire) {
        case NQ_TFL_WIRE_BOOL:
        case NQ_TFL_WIRE_INT8:
          NQ_TRY(nq_fb_u8(c->fb, o, f->id, 0, w, f->name, &u, c->err));
          break;
        case NQ_TFL_WIRE_INT32:
          NQ_TRY(nq_fb_i32(c->fb, o, f->id, 0, w, f->name, &i, c->err));
          break;
        case NQ_TFL_WIRE_FLOAT:
          NQ_TRY(nq_fb_f32(c->fb, o, f->id, 0, w, f->name, &fl, c->err));
          break;
      }
    }
    if (oo->special != NQ_TFL_SPECIAL_NONE)
      NQ_TRY(verify_vec(c, o, oo->special_field, 4, w, "options vector"));
    break;
  }
  return NQ_OK;
}

static nq_status verify_operator(vctx *c, const nq_fb_table *t, const char *w) {
  uint32_t x;
  uint8_t type, u;
  uint64_t big;
  nq_fb_table o;
  NQ_TRY(nq_fb_u32(c->fb, t, NQ_TFL_OP_OPCODE_INDEX, 0, w, "opcode_index", &x, c->err));
  NQ_TRY(verify_vec(c, t, NQ_TFL_OP_INPUTS, 4, w, "inputs"));
  NQ_TRY(verify_vec(c, t, NQ_TFL_OP_OUTPUTS, 4, w, "outputs"));
  NQ_TRY(nq_fb_u8(c->fb, t, NQ_TFL_OP_BUILTIN_OPTIONS_TYPE, 0, w, "builtin_options_type", &type, c->err));
  NQ_TRY(nq_fb_table_field(c->fb, t, NQ_TFL_OP_BUILTIN_OPTIONS, w, "builtin_options", &o, c->err));
  if (o.pos) NQ_TRY(verify_options(c, &o, type, w));
  NQ_TRY(verify_vec(c, t, NQ_TFL_OP_CUSTOM_OPTIONS, 1, w, "custom_options"));
  NQ_TRY(nq_fb_u8(c->fb, t, NQ_TFL_OP_CUSTOM_OPTIONS_FORMAT, 0, w, "custom_options_format", &u, c->err));
  NQ_TRY(verify_vec(c, t, NQ_TFL_OP_MUTATING_VARIABLE_INPUTS, 1, w, "mutating_variable_inputs"));
  NQ_TRY(verify_vec(c, t, NQ_TFL_OP_INTERMEDIATES, 4, w, "intermediates"));
  NQ_TRY(nq_fb_u64(c->fb, t, NQ_TFL_OP_LARGE_CUSTOM_OPTIONS_OFFSET, 0, w, "large_custom_options_offset", &big,
                   c->err));
  NQ_TRY(nq_fb_u64(c->fb, t, NQ_TFL_OP_LARGE_CUSTOM_OPTIONS_SIZE, 0, w, "large_custom_options_size", &big,
                   c->err));
  NQ_TRY(nq_fb_u8(c->fb, t, NQ_TFL_OP_BUILTIN_OPTIONS_2_TYPE, 0, w, "builtin_options_2_type", &u, c->err));
  return nq_fb_table_field(c->fb, t, NQ_TFL_OP_BUILTIN_OPTIONS_2, w, "builtin_options_2", &o, c->err);
}

static nq_status verify_subgraph(vctx *c, const nq_fb_table *t, const char *w) {
  char ew[128];
  snprintf(ew, sizeof ew, "%s tensor", w);
  NQ_TRY(verify_vec_of_tables(c, t, NQ_TFL_SUBGRAPH_TENSORS, w, "tensors", ew, verify_tensor, NULL));
  NQ_TRY(verify_vec(c, t, NQ_TFL_SUBGRAPH_INPUTS, 4, w, "inputs"));
  NQ_TRY(verify_vec(c, t, NQ_TFL_SUBGRAPH_OUTPUTS, 4, w, "outputs"));
  snprintf(ew, sizeof ew, "%s operator", w);
  NQ_TRY(verify_vec_of_tables(c, t, NQ_TFL_SUBGRAPH_OPERATORS, w, "operators", ew, verify_operator, NULL));
  return verify_string(c, t, NQ_TFL_SUBGRAPH_NAME, w, "name");
}

static nq_status verify_buffer(vctx *c, const nq_fb_table *t, const char *w) {
  uint64_t x;
  NQ_TRY(verify_vec(c, t, NQ_TFL_BUFFER_DATA, 1, w, "data"));
  NQ_TRY(nq_fb_u64(c->fb, t, NQ_TFL_BUFFER_OFFSET, 0, w, "offset", &x, c->err));
  return nq_fb_u64(c->fb, t, NQ_TFL_BUFFER_SIZE, 0, w, "size", &x, c->err);
}

static nq_status verify_metadata(vctx *c, const nq_fb_table *t, const char *w) {
  uint32_t x;
  NQ_TRY(verify_string(c, t, NQ_TFL_METADATA_NAME, w, "name"));
  return nq_fb_u32(c->fb, t, NQ_TFL_METADATA_BUFFER, 0, w, "buffer", &x, c->err);
}

static nq_status verify_tensor_map(vctx *c, const nq_fb_table *t, const char *w) {
  uint32_t x;
  NQ_TRY(verify_string(c, t, NQ_TFL_TENSORMAP_NAME, w, "name"));
  return nq_fb_u32(c->fb, t, NQ_TFL_TENSORMAP_TENSOR_INDEX, 0, w, "tensor_index", &x, c->err);
}

static nq_status verify_sigdef(vctx *c, const nq_fb_table *t, const char *w) {
  char ew[128];
  uint32_t x;
  snprintf(ew, sizeof ew, "%s input", w);
  NQ_TRY(verify_vec_of_tables(c, t, NQ_TFL_SIGDEF_INPUTS, w, "inputs", ew, verify_tensor_map, NULL));
  snprintf(ew, sizeof ew, "%s output", w);
  NQ_TRY(verify_vec_of_tables(c, t, NQ_TFL_SIGDEF_OUTPUTS, w, "outputs", ew, verify_tensor_map, NULL));
  NQ_TRY(verify_string(c, t, NQ_TFL_SIGDEF_SIGNATURE_KEY, w, "signature_key"));
  return nq_fb_u32(c->fb, t, NQ_TFL_SIGDEF_SUBGRAPH_INDEX, 0, w, "subgraph_index", &x, c->err);
}

nq_status nq_tflite_verify(const uint8_t *data, size_t size, const char *name, nq_error *err) {
  nq_fb fb = {data, size, name};
  vctx c = {&fb, err};
  nq_fb_table m;
  uint32_t version;
  NQ_TRY(nq_fb_root(&fb, &m, err));
  NQ_TRY(nq_fb_u32(&fb, &m, NQ_TFL_MODEL_VERSION, 0, "model", "version", &version, err));
  NQ_TRY(verify_vec_of_tables(&c, &m, NQ_TFL_MODEL_OPERATOR_CODES, "model", "operator_codes", "operator_code",
                              verify_opcode, NULL));
  NQ_TRY(verify_vec_of_tables(&c, &m, NQ_TFL_MODEL_SUBGRAPHS, "model", "subgraphs", "subgraph",
                              verify_subgraph, NULL));
  NQ_TRY(verify_string(&c, &m, NQ_TFL_MODEL_DESCRIPTION, "model", "description"));
  NQ_TRY(
      verify_vec_of_tables(&c, &m, NQ_TFL_MODEL_BUFFERS, "model", "buffers", "buffer", verify_buffer, NULL));
  NQ_TRY(verify_vec(&c, &m, NQ_TFL_MODEL_METADATA_BUFFER, 4, "model", "metadata_buffer"));
  NQ_TRY(verify_vec_of_tables(&c, &m, NQ_TFL_MODEL_METADATA, "model", "metadata", "metadata", verify_metadata,
                              NULL));
  return verify_vec_of_tables(&c, &m, NQ_TFL_MODEL_SIGNATURE_DEFS, "model", "signature_defs", "signature_def",
                              verify_sigdef, NULL);
}
