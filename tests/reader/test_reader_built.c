/*
 * Models built field by field (with the writer's flatbuffer builder and the
 * schema ids) to reach reader paths real files rarely take: buffers stored
 * outside the flatbuffer (Buffer.offset/size), op codes above 127, custom
 * ops, options that must stay at their default, mismatched option types,
 * per-axis scales that disagree with the shape, RESHAPE's new_shape,
 * signature defs and metadata.
 */
#include <string.h>

#include "formats/tflite/schema.h"
#include "frontends/tflite/tflite_reader.h"
#include "testutil.h"
#include "writers/tflite/fb_builder.h"

typedef struct spec {
  uint32_t model_version;
  int32_t builtin;               /* BuiltinOperator of the one op */
  const char *custom;            /* custom_code when builtin == 32 */
  uint8_t options_type;          /* BuiltinOptions union type (0: none) */
  int8_t act;                    /* FullyConnectedOptions.fused_activation_function */
  int8_t weights_format;         /* FullyConnectedOptions.weights_format */
  bool external;                 /* weight data after the flatbuffer, via Buffer.offset/size */
  uint64_t external_offset_bump; /* added to the real offset (to point outside) */
  int n_weight_scales;           /* 0: float weight; >1 per-axis along weight_qdim */
  int weight_qdim;
  bool reshape; /* the op is RESHAPE [1,4] -> new_shape [2,2] */
} spec;

static const float weight[8] = {1, 2, 3, 4, -1, -2, -3, -4};

/* Model: input x [1,4] -> FC(weight [2,4]) -> y [1,2]; or RESHAPE x -> [2,2]. */
static uint8_t *build(const spec *s, size_t *size) {
  nq_error e;
  fb_builder b;
  fb_init(&b, &e);
  /* buffers: 0 empty, 1 weight, 2 metadata */
  fb_table_start(&b);
  fb_ref buf0 = fb_table_end(&b);
  fb_ref wdata = s->external ? 0 : fb_create_vector(&b, weight, sizeof weight, 1, 16);
  fb_table_start(&b);
  fb_add_ref(&b, NQ_TFL_BUFFER_DATA, wdata);
  if (s->external) {
    fb_add_u64(&b, NQ_TFL_BUFFER_OFFSET, 0xAAAAAAAAull, 0); /* patched after finishing */
    fb_add_u64(&b, NQ_TFL_BUFFER_SIZE, sizeof weight, 0);
  }
  fb_ref buf1 = fb_table_end(&b);
  fb_ref mdata = fb_create_vector(&b, "1.5.0", 5, 1, 16);
  fb_table_start(&b);
  fb_add_ref(&b, NQ_TFL_BUFFER_DATA, mdata);
  fb_ref buf2 = fb_table_end(&b);
  fb_ref bufs[3] = {buf0, buf1, buf2};
  fb_ref buffers = fb_create_ref_vector(&b, bufs, 3);

  /* tensors */
  int32_t xs[2] = {1, 4}, ws[2] = {2, 4}, ys[2] = {1, 2}, rs[2] = {2, 2};
  fb_ref tens[3];
  const char *names[3] = {"x", "w", "y"};
  for (int t = 0; t < 3; t++) {
    fb_ref shape = fb_create_vector_i32(&b, t == 0 ? xs : t == 1 ? ws : s->reshape ? rs : ys, 2);
    fb_ref name = fb_create_string(&b, names[t], 1);
    fb_ref quant = 0;
    if (t == 1 && s->n_weight_scales) {
      float sc[8];
      int64_t zp[8];
      for (int k = 0; k < s->n_weight_scales; k++) sc[k] = 0.5f, zp[k] = 0;
      fb_ref vs = fb_create_vector_f32(&b, sc, (size_t)s->n_weight_scales);
      fb_ref vz = fb_create_vector_i64(&b, zp, (size_t)s->n_weight_scales);
      fb_table_start(&b);
      fb_add_ref(&b, NQ_TFL_QUANT_SCALE, vs);
      fb_add_ref(&b, NQ_TFL_QUANT_ZERO_POINT, vz);
      fb_add_i32(&b, NQ_TFL_QUANT_QUANTIZED_DIMENSION, s->weight_qdim, 0);
      quant = fb_table_end(&b);
    }
    fb_table_start(&b);
    fb_add_ref(&b, NQ_TFL_TENSOR_SHAPE, shape);
    fb_add_i8(&b, NQ_TFL_TENSOR_TYPE, NQ_TFL_FLOAT32, 0);
    fb_add_u32(&b, NQ_TFL_TENSOR_BUFFER, t == 1 ? 1 : 0, 0);
    fb_add_ref(&b, NQ_TFL_TENSOR_NAME, name);
    fb_add_ref(&b, NQ_TFL_TENSOR_QUANTIZATION, quant);
    tens[t] = fb_table_end(&b);
  }
  fb_ref tensors = fb_create_ref_vector(&b, tens, 3);

  /* the operator */
  int32_t in_fc[3] = {0, 1, -1}, in_rs[1] = {0}, out[1] = {2};
  fb_ref vin = s->reshape ? fb_create_vector_i32(&b, in_rs, 1) : fb_create_vector_i32(&b, in_fc, 3);
  fb_ref vout = fb_create_vector_i32(&b, out, 1);
  fb_ref opts = 0;
  if (s->options_type) {
    fb_ref ns = s->reshape ? fb_create_vector_i32(&b, rs, 2) : 0;
    fb_table_start(&b);
    if (s->reshape) {
      fb_add_ref(&b, 0, ns);
    } else {
      fb_add_i8(&b, 0, s->act, 0);
      fb_add_i8(&b, 1, s->weights_format, 0);
      fb_add_bool(&b, 2, true, false); /* keep_num_dims */
    }
    opts = fb_table_end(&b);
  }
  fb_table_start(&b);
  fb_add_u32(&b, NQ_TFL_OP_OPCODE_INDEX, 0, 0);
  fb_add_ref(&b, NQ_TFL_OP_INPUTS, vin);
  fb_add_ref(&b, NQ_TFL_OP_OUTPUTS, vout);
  fb_add_u8(&b, NQ_TFL_OP_BUILTIN_OPTIONS_TYPE, s->options_type, 0);
  fb_add_ref(&b, NQ_TFL_OP_BUILTIN_OPTIONS, opts);
  fb_ref op = fb_table_end(&b);
  fb_ref ops = fb_create_ref_vector(&b, &op, 1);
  int32_t gi[1] = {0}, go[1] = {2};
  fb_ref vgi = fb_create_vector_i32(&b, gi, 1), vgo = fb_create_vector_i32(&b, go, 1);
  fb_table_start(&b);
  fb_add_ref(&b, NQ_TFL_SUBGRAPH_TENSORS, tensors);
  fb_add_ref(&b, NQ_TFL_SUBGRAPH_INPUTS, vgi);
  fb_add_ref(&b, NQ_TFL_SUBGRAPH_OUTPUTS, vgo);
  fb_add_ref(&b, NQ_TFL_SUBGRAPH_OPERATORS, ops);
  fb_ref sg = fb_table_end(&b);
  fb_ref sgs = fb_create_ref_vector(&b, &sg, 1);

  fb_ref cc = s->custom ? fb_create_string(&b, s->custom, strlen(s->custom)) : 0;
  fb_table_start(&b);
  fb_add_i8(&b, NQ_TFL_OPCODE_DEPRECATED_BUILTIN_CODE, (int8_t)(s->builtin < 127 ? s->builtin : 127), 0);
  fb_add_ref(&b, NQ_TFL_OPCODE_CUSTOM_CODE, cc);
  fb_add_i32(&b, NQ_TFL_OPCODE_VERSION, 2, 1);
  fb_add_i32(&b, NQ_TFL_OPCODE_BUILTIN_CODE, s->builtin, 0);
  fb_ref oc = fb_table_end(&b);
  fb_ref ocs = fb_create_ref_vector(&b, &oc, 1);

  /* signature def and metadata */
  fb_ref maps[2];
  for (int k = 0; k < 2; k++) {
    fb_ref nm = fb_create_string(&b, k ? "out_y" : "in_x", k ? 5 : 4);
    fb_table_start(&b);
    fb_add_ref(&b, NQ_TFL_TENSORMAP_NAME, nm);
    fb_add_u32(&b, NQ_TFL_TENSORMAP_TENSOR_INDEX, k ? 2 : 0, 0);
    maps[k] = fb_table_end(&b);
  }
  fb_ref sin = fb_create_ref_vector(&b, &maps[0], 1), sout = fb_create_ref_vector(&b, &maps[1], 1);
  fb_ref key = fb_create_string(&b, "serving_default", 15);
  fb_table_start(&b);
  fb_add_ref(&b, NQ_TFL_SIGDEF_INPUTS, sin);
  fb_add_ref(&b, NQ_TFL_SIGDEF_OUTPUTS, sout);
  fb_add_ref(&b, NQ_TFL_SIGDEF_SIGNATURE_KEY, key);
  fb_ref sd = fb_table_end(&b);
  fb_ref sds = fb_create_ref_vector(&b, &sd, 1);
  fb_ref mname = fb_create_string(&b, "min_runtime_version", 19);
  fb_table_start(&b);
  fb_add_ref(&b, NQ_TFL_METADATA_NAME, mname);
  fb_add_u32(&b, NQ_TFL_METADATA_BUFFER, 2, 0);
  fb_ref md = fb_table_end(&b);
  fb_ref mds = fb_create_ref_vector(&b, &md, 1);
  fb_ref desc = fb_create_string(&b, "built by test", 13);

  fb_table_start(&b);
  fb_add_u32(&b, NQ_TFL_MODEL_VERSION, s->model_version, 0);
  fb_add_ref(&b, NQ_TFL_MODEL_OPERATOR_CODES, ocs);
  fb_add_ref(&b, NQ_TFL_MODEL_SUBGRAPHS, sgs);
  fb_add_ref(&b, NQ_TFL_MODEL_DESCRIPTION, desc);
  fb_add_ref(&b, NQ_TFL_MODEL_BUFFERS, buffers);
  fb_add_ref(&b, NQ_TFL_MODEL_METADATA, mds);
  fb_add_ref(&b, NQ_TFL_MODEL_SIGNATURE_DEFS, sds);
  fb_ref model = fb_table_end(&b);
  uint8_t *out_buf = NULL;
  size_t n = 0;
  nq_status st = fb_finish(&b, model, NQ_TFL_IDENTIFIER, &out_buf, &n);
  fb_free(&b);
  CHECKF(st == NQ_OK, "builder: %s", e.msg);
  if (st != NQ_OK) return NULL;
  if (s->external) { /* append the data 16-aligned and patch the offset placeholder */
    size_t at = (n + 15) & ~(size_t)15;
    uint8_t *big = calloc(at + sizeof weight, 1);
    memcpy(big, out_buf, n);
    memcpy(big + at, weight, sizeof weight);
    free(out_buf);
    uint64_t off = at + s->external_offset_bump;
    int patched = 0;
    for (size_t p = 0; p + 8 <= n; p += 8) {
      uint64_t v = 0;
      for (int k = 0; k < 8; k++) v |= (uint64_t)big[p + (size_t)k] << (8 * k);
      if (v == 0xAAAAAAAAull) {
        for (int k = 0; k < 8; k++) big[p + (size_t)k] = (uint8_t)(off >> (8 * k));
        patched++;
      }
    }
    CHECK(patched == 1);
    out_buf = big;
    n = at + sizeof weight;
  }
  *size = n;
  return out_buf;
}

static spec fc_spec(void) {
  spec s;
  memset(&s, 0, sizeof s);
  s.model_version = 3;
  s.builtin = 9;      /* FULLY_CONNECTED */
  s.options_type = 8; /* FullyConnectedOptions */
  s.act = 3;          /* RELU6 */
  return s;
}

static nq_status read(const spec *s, nq_graph **g, nq_error *e) {
  size_t n;
  uint8_t *b = build(s, &n);
  *g = NULL;
  if (!b) return NQ_ERR_INTERNAL;
  nq_status st = nq_tflite_read_memory(b, n, "built.tflite", g, e);
  free(b);
  return st;
}

static void expect_fail(const spec *s, nq_status want, const char *frag, const char *label) {
  nq_graph *g;
  nq_error e;
  memset(&e, 0, sizeof e);
  nq_status st = read(s, &g, &e);
  CHECKF(st == want && strstr(e.msg, frag), "%s: status %d '%s'", label, st, e.msg);
  nq_graph_free(g);
}

static void check_fc(const spec *s) {
  nq_graph *g;
  nq_error e;
  nq_status st = read(s, &g, &e);
  CHECKF(st == NQ_OK, "%s", e.msg);
  if (st != NQ_OK) return;
  CHECK(g->n_tensors == 3 && g->n_nodes == 1 && g->n_inputs == 1 && g->outputs[0] == 2);
  const nq_node *nd = &g->nodes[0];
  CHECK(nd->op == NQ_OP_FULLY_CONNECTED && nd->version == 2 && nd->n_in == 3 && nd->in[2] == -1);
  CHECK(nd->p.act == NQ_ACT_RELU6 && nd->p.keep_dims);
  CHECK(nd->name && strcmp(nd->name, "y") == 0);
  CHECK(g->tensors[1].data && g->tensors[1].nbytes == sizeof weight &&
        memcmp(g->tensors[1].data, weight, sizeof weight) == 0);
  CHECK(g->n_signatures == 1 && strcmp(g->signatures[0].key, "serving_default") == 0 &&
        g->signatures[0].n_in == 1 && strcmp(g->signatures[0].in[0].name, "in_x") == 0 &&
        g->signatures[0].out[0].tensor == 2);
  CHECK(g->n_metadata == 1 && strcmp(g->metadata[0].name, "min_runtime_version") == 0 &&
        g->metadata[0].size == 5 && memcmp(g->metadata[0].data, "1.5.0", 5) == 0);
  CHECK(g->description && strcmp(g->description, "built by test") == 0);
  nq_graph_free(g);
}

int main(void) {
  spec s = fc_spec();
  check_fc(&s);
  s.external = true; /* same model, weight bytes outside the flatbuffer */
  check_fc(&s);
  s.external_offset_bump = 1000;
  expect_fail(&s, NQ_ERR_FORMAT, "buffer 1 lies at offset", "external data outside the file");

  s = fc_spec();
  s.weights_format = 1;
  expect_fail(&s, NQ_ERR_UNSUPPORTED, "FullyConnectedOptions.weights_format = 1 is not supported",
              "weights_format");
  s = fc_spec();
  s.options_type = 11; /* AddOptions on a FULLY_CONNECTED */
  expect_fail(&s, NQ_ERR_FORMAT,
              "builtin options of union type 11, FULLY_CONNECTED expects FullyConnectedOptions",
              "options type");
  s.options_type = 1; /* Conv2DOptions: its int32 stride_h (id 2) cannot be the 1-byte keep_num_dims */
  expect_fail(&s, NQ_ERR_FORMAT, "field 'stride_h': field at offset", "options layout");
  s = fc_spec();
  s.act = 6;
  expect_fail(&s, NQ_ERR_FORMAT, "fused_activation_function has the invalid value 6", "activation");
  s = fc_spec();
  s.model_version = 2;
  expect_fail(&s, NQ_ERR_UNSUPPORTED, "schema version 2", "version");
  s = fc_spec();
  s.builtin = 32;
  s.custom = "MyOp";
  s.options_type = 0;
  { /* an unknown custom op is kept, by name; running it is refused (exec) */
    nq_graph *g;
    nq_error e;
    memset(&e, 0, sizeof e);
    nq_status st = read(&s, &g, &e);
    CHECKF(st == NQ_OK && g->n_nodes == 1 && g->nodes[0].op == NQ_OP_CUSTOM && g->nodes[0].p.custom_name &&
               strcmp(g->nodes[0].p.custom_name, "MyOp") == 0,
           "custom: status %d '%s'", st, e.msg);
    nq_graph_free(g);
    s.custom = "";
    expect_fail(&s, NQ_ERR_FORMAT, "node 0 'y' (CUSTOM ''): a custom op without a custom_code",
                "custom no name");
  }
  s = fc_spec();
  s.builtin = 200; /* only in builtin_code; deprecated_builtin_code holds 127 */
  s.options_type = 0;
  expect_fail(&s, NQ_ERR_UNSUPPORTED, "(STABLEHLO_WHILE): op not supported", "code > 127");
  s.builtin = 999;
  expect_fail(&s, NQ_ERR_UNSUPPORTED, "(BUILTIN_OPERATOR 999)", "unknown code");
  s = fc_spec();
  s.n_weight_scales = 2; /* per-axis along dim 1, whose size is 4 */
  s.weight_qdim = 1;
  expect_fail(&s, NQ_ERR_FORMAT, "2 per-axis scales, but dimension 1 has size 4", "per-axis count");
  s.weight_qdim = 7;
  expect_fail(&s, NQ_ERR_FORMAT, "quantized_dimension 7 is outside its rank 2", "per-axis dim");

  /* GELU (150) reached through builtin_code; its options table absent */
  s = fc_spec();
  s.builtin = 150;
  s.options_type = 0;
  {
    nq_graph *g;
    nq_error e;
    /* GELU takes one input; the FC-shaped inputs still read (shape checks come later) */
    nq_status st = read(&s, &g, &e);
    CHECKF(st == NQ_OK && g->nodes[0].op == NQ_OP_GELU && !g->nodes[0].p.approximate, "%d %s", st, e.msg);
    nq_graph_free(g);
  }
  /* RESHAPE with ReshapeOptions.new_shape */
  s = fc_spec();
  s.builtin = 22;
  s.options_type = 17;
  s.reshape = true;
  {
    nq_graph *g;
    nq_error e;
    nq_status st = read(&s, &g, &e);
    CHECKF(st == NQ_OK, "%s", e.msg);
    if (st == NQ_OK) {
      const nq_op_params *p = &g->nodes[0].p;
      CHECK(g->nodes[0].op == NQ_OP_RESHAPE && p->new_shape_rank == 2 && p->new_shape[0] == 2 &&
            p->new_shape[1] == 2);
    }
    nq_graph_free(g);
  }
  return nq_test_finish("test_reader_built");
}
