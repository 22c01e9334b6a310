/*
 * The ONNX reader on models built here with protobuf-c: a small
 * Conv(pads 1) -> Relu -> MaxPool network, checked against a naive NCHW
 * reference written in this file, in its variants (weights inline or in an
 * external data file, NHWC input, dynamic batch), and hostile variants that
 * must fail with a message naming what is wrong (path escapes, size
 * mismatches, unknown ops, wrong attribute types, truncation, bad opset).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npuquant.h"
#include "onnx.pb-c.h"
#include "testutil.h"

enum { C_IN = 2, H = 5, W = 5, C_OUT = 3, K = 3 };

static float g_w[C_OUT * C_IN * K * K], g_b[C_OUT];

typedef struct variant {
  const char *ext_location; /* weights as external data at this location */
  long long ext_offset;
  int raw_extra;       /* extra bytes in raw_data (size mismatch) */
  const char *op;      /* op instead of Relu */
  bool group_as_float; /* Conv's group attribute typed FLOAT */
  bool dynamic_batch, dynamic_h;
  int64_t opset;
  bool drop_weight;    /* Conv weight name refers to nothing */
  int64_t bad_dim;     /* nonzero: W's first dim */
  bool pool_no_output; /* MaxPool node without outputs (a fuzzer find) */
} variant;

static char g_dir[256];

static void put_f32(uint8_t *p, float v) { memcpy(p, &v, 4); }

static Onnx__AttributeProto *attr_ints(const char *name, int64_t *v, size_t n) {
  Onnx__AttributeProto *a = calloc(1, sizeof *a);
  onnx__attribute_proto__init(a);
  a->name = (char *)name;
  a->has_type = 1;
  a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  a->n_ints = n;
  a->ints = v;
  return a;
}

/* Serialize the test model for a variant; caller frees. */
static uint8_t *build(const variant *v, size_t *len) {
  static int64_t wdims[4] = {C_OUT, C_IN, K, K}, bdims[1] = {C_OUT};
  static int64_t pads[4] = {1, 1, 1, 1}, kshape[2] = {2, 2}, strides[2] = {2, 2};
  int64_t wd[4] = {v->bad_dim ? v->bad_dim : C_OUT, C_IN, K, K};
  Onnx__TensorProto tw = ONNX__TENSOR_PROTO__INIT, tb = ONNX__TENSOR_PROTO__INIT;
  uint8_t wraw[sizeof g_w + 16], braw[sizeof g_b];
  for (size_t k = 0; k < C_OUT * C_IN * K * K; k++) put_f32(wraw + 4 * k, g_w[k]);
  for (size_t k = 0; k < C_OUT; k++) put_f32(braw + 4 * k, g_b[k]);
  tw.name = "W";
  tw.n_dims = 4;
  tw.dims = v->bad_dim ? wd : wdims;
  tw.has_data_type = 1;
  tw.data_type = 1;
  Onnx__StringStringEntryProto e_loc = ONNX__STRING_STRING_ENTRY_PROTO__INIT, e_off = e_loc, e_len = e_loc;
  Onnx__StringStringEntryProto *ext[3] = {&e_loc, &e_off, &e_len};
  char off[32], lenb[32];
  if (v->ext_location) {
    tw.has_data_location = 1;
    tw.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    e_loc.key = "location";
    e_loc.value = (char *)v->ext_location;
    snprintf(off, sizeof off, "%lld", v->ext_offset);
    snprintf(lenb, sizeof lenb, "%zu", sizeof g_w);
    e_off.key = "offset";
    e_off.value = off;
    e_len.key = "length";
    e_len.value = lenb;
    tw.n_external_data = 3;
    tw.external_data = ext;
  } else {
    tw.has_raw_data = 1;
    tw.raw_data.data = wraw;
    tw.raw_data.len = sizeof g_w + (size_t)v->raw_extra;
  }
  tb.name = "B";
  tb.n_dims = 1;
  tb.dims = bdims;
  tb.has_data_type = 1;
  tb.data_type = 1;
  tb.has_raw_data = 1;
  tb.raw_data.data = braw;
  tb.raw_data.len = sizeof braw;

  char *conv_in[3] = {"x", v->drop_weight ? "nothing" : "W", "B"}, *conv_out[1] = {"c"};
  char *act_in[1] = {"c"}, *act_out[1] = {"r"}, *pool_in[1] = {"r"}, *pool_out[1] = {"y"};
  Onnx__AttributeProto *conv_attrs[2], *pool_attrs[2];
  conv_attrs[0] = attr_ints("pads", pads, 4);
  Onnx__AttributeProto group = ONNX__ATTRIBUTE_PROTO__INIT;
  group.name = "group";
  group.has_type = 1;
  group.type = v->group_as_float ? ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT
                                 : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  group.has_i = 1;
  group.i = 1;
  group.has_f = v->group_as_float;
  group.f = 1.0f;
  conv_attrs[1] = &group;
  pool_attrs[0] = attr_ints("kernel_shape", kshape, 2);
  pool_attrs[1] = attr_ints("strides", strides, 2);
  Onnx__NodeProto conv = ONNX__NODE_PROTO__INIT, act = conv, pool = conv;
  conv.name = "conv1";
  conv.op_type = "Conv";
  conv.n_input = 3;
  conv.input = conv_in;
  conv.n_output = 1;
  conv.output = conv_out;
  conv.n_attribute = 2;
  conv.attribute = conv_attrs;
  act.name = "act1";
  act.op_type = (char *)(v->op ? v->op : "Relu");
  act.n_input = 1;
  act.input = act_in;
  act.n_output = 1;
  act.output = act_out;
  pool.name = "pool1";
  pool.op_type = "MaxPool";
  pool.n_input = 1;
  pool.input = pool_in;
  pool.n_output = v->pool_no_output ? 0 : 1;
  pool.output = pool_out;
  pool.n_attribute = 2;
  pool.attribute = pool_attrs;
  Onnx__NodeProto *nodes[3] = {&conv, &act, &pool};

  Onnx__TensorShapeProto__Dimension d[4];
  Onnx__TensorShapeProto__Dimension *dp[4];
  int64_t xs[4] = {1, C_IN, H, W};
  for (int k = 0; k < 4; k++) {
    onnx__tensor_shape_proto__dimension__init(&d[k]);
    dp[k] = &d[k];
    bool dyn = (k == 0 && v->dynamic_batch) || (k == 2 && v->dynamic_h);
    d[k].value_case = dyn ? ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                          : ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    if (dyn)
      d[k].dim_param = k == 0 ? "N" : "height";
    else
      d[k].dim_value = xs[k];
  }
  Onnx__TensorShapeProto shp = ONNX__TENSOR_SHAPE_PROTO__INIT;
  shp.n_dim = 4;
  shp.dim = dp;
  Onnx__TypeProto__Tensor tt = ONNX__TYPE_PROTO__TENSOR__INIT;
  tt.has_elem_type = 1;
  tt.elem_type = 1;
  tt.shape = &shp;
  Onnx__TypeProto tp = ONNX__TYPE_PROTO__INIT;
  tp.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp.tensor_type = &tt;
  Onnx__ValueInfoProto in = ONNX__VALUE_INFO_PROTO__INIT, out = in;
  in.name = "x";
  in.type = &tp;
  out.name = "y";
  Onnx__ValueInfoProto *ins[1] = {&in}, *outs[1] = {&out};
  Onnx__TensorProto *inits[2] = {&tw, &tb};
  Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
  g.name = "test";
  g.n_node = 3;
  g.node = nodes;
  g.n_initializer = 2;
  g.initializer = inits;
  g.n_input = 1;
  g.input = ins;
  g.n_output = 1;
  g.output = outs;
  Onnx__OperatorSetIdProto os = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  os.domain = "";
  os.has_version = 1;
  os.version = v->opset ? v->opset : 13;
  Onnx__OperatorSetIdProto *osp[1] = {&os};
  Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
  m.has_ir_version = 1;
  m.ir_version = 8;
  m.producer_name = "npuquant-test";
  m.graph = &g;
  m.n_opset_import = 1;
  m.opset_import = osp;
  *len = onnx__model_proto__get_packed_size(&m);
  uint8_t *buf = malloc(*len);
  onnx__model_proto__pack(&m, buf);
  free(conv_attrs[0]);
  free(pool_attrs[0]);
  free(pool_attrs[1]);
  return buf;
}

static const char *write_model(const char *name, const uint8_t *data, size_t len) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
  return path;
}

/* Naive NCHW reference: conv (pads 1) + relu + maxpool 2x2/2. */
static void reference(const float *x, float *y) {
  float c[C_OUT][H][W];
  for (int o = 0; o < C_OUT; o++)
    for (int i = 0; i < H; i++)
      for (int j = 0; j < W; j++) {
        double s = g_b[o];
        for (int ci = 0; ci < C_IN; ci++)
          for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++) {
              int ii = i + a - 1, jj = j + b - 1;
              if (ii < 0 || jj < 0 || ii >= H || jj >= W) continue;
              s += (double)x[(ci * H + ii) * W + jj] * g_w[((o * C_IN + ci) * K + a) * K + b];
            }
        c[o][i][j] = s > 0 ? (float)s : 0.0f;
      }
  for (int o = 0; o < C_OUT; o++)
    for (int i = 0; i < H / 2; i++)
      for (int j = 0; j < W / 2; j++) {
        float m = c[o][2 * i][2 * j];
        for (int a = 0; a < 2; a++)
          for (int b = 0; b < 2; b++)
            if (c[o][2 * i + a][2 * j + b] > m) m = c[o][2 * i + a][2 * j + b];
        y[(o * (H / 2) + i) * (W / 2) + j] = m;
      }
}

/* Load, run on x (NCHW, or NHWC when nhwc), compare with the reference. */
static void check_runs(const char *path, const nq_load_options *opts, bool nhwc, const char *what) {
  nq_model *m = NULL;
  nq_session *s = NULL;
  nq_error err;
  nq_status st = nq_model_load_ex(path, opts, &m, &err);
  CHECKF(st == NQ_OK, "%s: load failed: %s", what, err.msg);
  if (st != NQ_OK) return;
  float x[C_IN * H * W], xn[C_IN * H * W], ref[C_OUT * (H / 2) * (W / 2)];
  nq_rng rng = {42};
  for (int k = 0; k < C_IN * H * W; k++) x[k] = nq_rng_uniform(&rng, -1, 1);
  for (int c = 0; c < C_IN; c++)
    for (int k = 0; k < H * W; k++) xn[k * C_IN + c] = x[c * H * W + k];
  reference(x, ref);
  const void *out;
  size_t nb;
  st = nq_session_create(m, NULL, &s, &err);
  if (st == NQ_OK) st = nq_session_set_input(s, 0, nhwc ? xn : x, sizeof x, &err);
  if (st == NQ_OK) st = nq_session_run(s, &err);
  if (st == NQ_OK) st = nq_session_output(s, 0, &out, &nb, &err);
  CHECKF(st == NQ_OK, "%s: run failed: %s", what, err.msg);
  if (st == NQ_OK) {
    CHECKF(nb == sizeof ref, "%s: output has %zu bytes, expected %zu", what, nb, sizeof ref);
    double worst = 0;
    for (size_t k = 0; nb == sizeof ref && k < sizeof ref / 4; k++) {
      double d = fabs(((const float *)out)[k] - ref[k]);
      if (d > worst) worst = d;
    }
    CHECKF(worst < 1e-5, "%s: output differs from the reference by %g", what, worst);
  }
  nq_session_free(s);
  nq_model_free(m);
}

static void check_fails(const char *path, const nq_load_options *opts, nq_status want, const char *substr,
                        const char *what) {
  nq_model *m = NULL;
  nq_error err;
  err.msg[0] = '\0';
  nq_status st = nq_model_load_ex(path, opts, &m, &err);
  CHECKF(st == want, "%s: status %d, expected %d (%s)", what, (int)st, (int)want, err.msg);
  CHECKF(m == NULL, "%s: a model was returned on failure", what);
  CHECKF(strstr(err.msg, substr) != NULL, "%s: message '%s' lacks '%s'", what, err.msg, substr);
  nq_model_free(m);
}

int main(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/nq-onnx-test-XXXXXX");
  if (!mkdtemp(g_dir)) {
    fprintf(stderr, "mkdtemp failed\n");
    return 1;
  }
  char sub[300];
  snprintf(sub, sizeof sub, "%s/sub", g_dir);
  mkdir(sub, 0700);
  nq_rng rng = {7};
  for (size_t k = 0; k < sizeof g_w / 4; k++) g_w[k] = nq_rng_uniform(&rng, -0.5f, 0.5f);
  for (size_t k = 0; k < sizeof g_b / 4; k++) g_b[k] = nq_rng_uniform(&rng, -0.2f, 0.2f);
  size_t len;
  uint8_t *buf;
  variant v;
  nq_load_options o;

  memset(&v, 0, sizeof v);
  buf = build(&v, &len);
  const char *ok_path = write_model("ok.onnx", buf, len);
  check_runs(ok_path, NULL, false, "inline weights");
  memset(&o, 0, sizeof o);
  o.nhwc_input = 1;
  check_runs(ok_path, &o, true, "nhwc_input");
  /* Truncated: every prefix length class must fail cleanly. */
  char trunc_path[512];
  snprintf(trunc_path, sizeof trunc_path, "%s", write_model("trunc.onnx", buf, len / 2));
  check_fails(trunc_path, NULL, NQ_ERR_FORMAT, "not a valid ONNX protobuf", "truncated");
  free(buf);

  /* External data, with the weights at an offset in sub/w.bin. */
  char wpath[512];
  snprintf(wpath, sizeof wpath, "%s/sub/w.bin", g_dir);
  FILE *f = fopen(wpath, "wb");
  uint8_t pad[8] = {0};
  fwrite(pad, 1, 8, f);
  for (size_t k = 0; k < sizeof g_w / 4; k++) {
    uint8_t b4[4];
    put_f32(b4, g_w[k]);
    fwrite(b4, 1, 4, f);
  }
  fclose(f);
  memset(&v, 0, sizeof v);
  v.ext_location = "sub/w.bin";
  v.ext_offset = 8;
  buf = build(&v, &len);
  check_runs(write_model("ext.onnx", buf, len), NULL, false, "external data");
  free(buf);
  v.ext_offset = 100000;
  buf = build(&v, &len);
  check_fails(write_model("ext_off.onnx", buf, len), NULL, NQ_ERR_FORMAT, "past its end", "external offset");
  free(buf);
  v.ext_offset = 8;
  v.ext_location = "../w.bin";
  buf = build(&v, &len);
  check_fails(write_model("ext_up.onnx", buf, len), NULL, NQ_ERR_FORMAT, "no '..'", "external ..");
  free(buf);
  v.ext_location = wpath; /* absolute */
  buf = build(&v, &len);
  check_fails(write_model("ext_abs.onnx", buf, len), NULL, NQ_ERR_FORMAT, "no absolute path",
              "external absolute");
  free(buf);
  v.ext_location = "sub/missing.bin";
  buf = build(&v, &len);
  check_fails(write_model("ext_missing.onnx", buf, len), NULL, NQ_ERR_IO, "missing.bin", "external missing");
  free(buf);

  memset(&v, 0, sizeof v);
  v.raw_extra = 4;
  buf = build(&v, &len);
  check_fails(write_model("raw.onnx", buf, len), NULL, NQ_ERR_FORMAT, "raw_data has", "raw_data size");
  free(buf);
  memset(&v, 0, sizeof v);
  v.bad_dim = -3;
  buf = build(&v, &len);
  check_fails(write_model("negdim.onnx", buf, len), NULL, NQ_ERR_FORMAT, "initializer 'W'", "negative dim");
  free(buf);
  v.bad_dim = (int64_t)1 << 40;
  buf = build(&v, &len);
  check_fails(write_model("hugedim.onnx", buf, len), NULL, NQ_ERR_FORMAT, "initializer 'W'", "huge dim");
  free(buf);
  memset(&v, 0, sizeof v);
  v.op = "FancyActivation";
  buf = build(&v, &len);
  check_fails(write_model("op.onnx", buf, len), NULL, NQ_ERR_UNSUPPORTED,
              "node 'act1' (FancyActivation): op not supported by npuquant", "unknown op");
  free(buf);
  memset(&v, 0, sizeof v);
  v.group_as_float = true;
  buf = build(&v, &len);
  check_fails(write_model("attr.onnx", buf, len), NULL, NQ_ERR_FORMAT, "attribute 'group' should be an int",
              "attribute type");
  free(buf);
  memset(&v, 0, sizeof v);
  v.drop_weight = true;
  buf = build(&v, &len);
  check_fails(write_model("noweight.onnx", buf, len), NULL, NQ_ERR_FORMAT, "input 'nothing'",
              "missing input");
  free(buf);
  memset(&v, 0, sizeof v);
  v.opset = 5;
  buf = build(&v, &len);
  check_fails(write_model("opset.onnx", buf, len), NULL, NQ_ERR_UNSUPPORTED, "opsets 7 to 18", "opset 5");
  free(buf);

  memset(&v, 0, sizeof v);
  v.pool_no_output = true;
  buf = build(&v, &len);
  check_fails(write_model("noout.onnx", buf, len), NULL, NQ_ERR_FORMAT, "node 'pool1' (MaxPool): has no",
              "no output");
  free(buf);

  /* Dynamic dims: batch defaults to 1; others need the input_shapes option. */
  memset(&v, 0, sizeof v);
  v.dynamic_batch = true;
  buf = build(&v, &len);
  check_runs(write_model("dynbatch.onnx", buf, len), NULL, false, "dynamic batch");
  free(buf);
  v.dynamic_h = true;
  buf = build(&v, &len);
  const char *dyn = write_model("dynh.onnx", buf, len);
  check_fails(dyn, NULL, NQ_ERR_UNSUPPORTED, "input shape option", "dynamic height");
  memset(&o, 0, sizeof o);
  o.input_shapes = "x:1x2x5x5";
  check_runs(dyn, &o, false, "input_shapes option");
  o.input_shapes = "1x2x5x5";
  check_runs(dyn, &o, false, "bare input_shapes option");
  o.input_shapes = "x:1x2x5";
  check_fails(dyn, &o, NQ_ERR_INVALID_ARG, "3 dimensions", "input_shapes rank");
  o.input_shapes = "x:1x2xAx5";
  check_fails(dyn, &o, NQ_ERR_INVALID_ARG, "positive dimensions", "input_shapes syntax");
  free(buf);

  /* Garbage that probes as ONNX. */
  uint8_t junk[64] = {0x08, 0x07, 0x12, 0x40};
  for (int k = 4; k < 64; k++) junk[k] = (uint8_t)(k * 37);
  check_fails(write_model("junk.onnx", junk, sizeof junk), NULL, NQ_ERR_FORMAT, "junk.onnx", "junk");

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
  return nq_test_finish("test_onnx_reader");
}
