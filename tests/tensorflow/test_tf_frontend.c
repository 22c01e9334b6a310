/*
 * TensorFlow frontend unit tests: GraphDefs built in memory with the
 * protobuf-c bindings (op translation, shape-chain folding, clear errors for
 * unsupported ops and data formats), and hostile files on disk (truncated .pb, a
 * bundle whose data or index has a flipped byte, a missing data shard).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontends/tensorflow/tf_common.h"
#include "ir/graph.h"
#include "npuquant.h"
#include "testutil.h"

/* ---- building GraphDefs ---- */

typedef struct gb {
  Nqtf__GraphDef g;
  Nqtf__NodeDef *nodes[32];
  Nqtf__NodeDef nd[32];
  Nqtf__NodeDef__AttrEntry ae[32][4];
  Nqtf__NodeDef__AttrEntry *aep[32][4];
  Nqtf__AttrValue av[32][4];
  Nqtf__AttrValue__ListValue lv[32][4];
  Nqtf__TensorProto tp[32];
  Nqtf__TensorShapeProto sp[32][2];
  Nqtf__TensorShapeProto__Dim dims[32][2][4];
  Nqtf__TensorShapeProto__Dim *dimp[32][2][4];
  int64_t ints[32][4][4];
  char *inputs[32][6];
} gb;

static gb B;

static int node(const char *name, const char *op, int n_in, const char *in0, const char *in1) {
  int i = (int)B.g.n_node;
  nqtf__node_def__init(&B.nd[i]);
  B.nd[i].name = (char *)name;
  B.nd[i].op = (char *)op;
  B.inputs[i][0] = (char *)in0;
  B.inputs[i][1] = (char *)in1;
  B.nd[i].n_input = (size_t)n_in;
  B.nd[i].input = B.inputs[i];
  B.nd[i].attr = B.aep[i];
  B.nodes[i] = &B.nd[i];
  B.g.n_node++;
  return i;
}

static Nqtf__AttrValue *attr(int n, const char *key) {
  int k = (int)B.nd[n].n_attr++;
  nqtf__node_def__attr_entry__init(&B.ae[n][k]);
  nqtf__attr_value__init(&B.av[n][k]);
  B.ae[n][k].key = (char *)key;
  B.ae[n][k].value = &B.av[n][k];
  B.aep[n][k] = &B.ae[n][k];
  return &B.av[n][k];
}

static Nqtf__TensorShapeProto *shape(int n, int which, int rank, const int64_t *d) {
  Nqtf__TensorShapeProto *s = &B.sp[n][which];
  nqtf__tensor_shape_proto__init(s);
  for (int i = 0; i < rank; i++) {
    nqtf__tensor_shape_proto__dim__init(&B.dims[n][which][i]);
    B.dims[n][which][i].size = d[i];
    B.dimp[n][which][i] = &B.dims[n][which][i];
  }
  s->n_dim = (size_t)rank;
  s->dim = B.dimp[n][which];
  return s;
}

static void attr_ints(int n, const char *key, int cnt, const int64_t *v) {
  Nqtf__AttrValue *a = attr(n, key);
  int k = (int)B.nd[n].n_attr - 1;
  nqtf__attr_value__list_value__init(&B.lv[n][k]);
  memcpy(B.ints[n][k], v, sizeof(int64_t) * (size_t)cnt);
  B.lv[n][k].n_i = (size_t)cnt;
  B.lv[n][k].i = B.ints[n][k];
  a->value_case = NQTF__ATTR_VALUE__VALUE_LIST;
  a->list = &B.lv[n][k];
}

static void attr_str(int n, const char *key, const char *s) {
  Nqtf__AttrValue *a = attr(n, key);
  a->value_case = NQTF__ATTR_VALUE__VALUE_S;
  a->s.data = (uint8_t *)s;
  a->s.len = strlen(s);
}

static int placeholder(const char *name, int rank, const int64_t *d) {
  int n = node(name, "Placeholder", 0, NULL, NULL);
  Nqtf__AttrValue *a = attr(n, "dtype");
  a->value_case = NQTF__ATTR_VALUE__VALUE_TYPE;
  a->type = 1;
  a = attr(n, "shape");
  a->value_case = NQTF__ATTR_VALUE__VALUE_SHAPE;
  a->shape = shape(n, 0, rank, d);
  return n;
}

static int constant(const char *name, int dtype, int rank, const int64_t *d, const void *data,
                    size_t nbytes) {
  int n = node(name, "Const", 0, NULL, NULL);
  nqtf__tensor_proto__init(&B.tp[n]);
  B.tp[n].dtype = dtype;
  B.tp[n].tensor_shape = shape(n, 1, rank, d);
  B.tp[n].tensor_content.data = (uint8_t *)data;
  B.tp[n].tensor_content.len = nbytes;
  Nqtf__AttrValue *a = attr(n, "value");
  a->value_case = NQTF__ATTR_VALUE__VALUE_TENSOR;
  a->tensor = &B.tp[n];
  return n;
}

static void reset(void) {
  memset(&B, 0, sizeof B);
  nqtf__graph_def__init(&B.g);
  B.g.node = B.nodes;
}

/* Pack B and load it as a frozen graph. */
static nq_status load_built(const nq_load_options *o, nq_graph **g, nq_error *err) {
  size_t len = nqtf__graph_def__get_packed_size(&B.g);
  uint8_t *buf = malloc(len + 1);
  nqtf__graph_def__pack(&B.g, buf);
  nq_status s = tf_graphdef_from_buffer("built.pb", buf, len, o, g, err);
  free(buf);
  return s;
}

static int count_op(const nq_graph *g, nq_op op) {
  int c = 0;
  for (int i = 0; i < g->n_nodes; i++) c += g->nodes[i].op == op;
  return c;
}

static void test_shape_chain_and_ops(void) {
  /* x[1,4,4,3] -> Conv2D(2x2x3x5 SAME) -> Relu -> Shape -> StridedSlice[0:1]
   * -> Pack(batch, -1) -> Reshape -> MatMul(20x2) -> Softmax. */
  reset();
  int64_t xs[4] = {1, 4, 4, 3}, ws[4] = {2, 2, 3, 5}, one[1] = {1}, mm[2] = {80, 2};
  static float w[60], m[160];
  for (int i = 0; i < 60; i++) w[i] = (float)((i % 7) - 3) * 0.1f;
  for (int i = 0; i < 160; i++) m[i] = (float)((i % 5) - 2) * 0.05f;
  static const int32_t b0[1] = {0}, b1[1] = {1}, st[1] = {1}, neg[1] = {-1};
  placeholder("x", 4, xs);
  constant("w", 1, 4, ws, w, sizeof w);
  int c = node("conv", "Conv2D", 2, "x", "w");
  static const int64_t strides[4] = {1, 1, 1, 1};
  attr_ints(c, "strides", 4, strides);
  attr_str(c, "padding", "SAME");
  attr_str(c, "data_format", "NHWC");
  node("relu", "Relu", 1, "conv", NULL);
  node("shape", "Shape", 1, "relu", NULL);
  constant("b0", 3, 1, one, b0, 4);
  constant("b1", 3, 1, one, b1, 4);
  constant("st", 3, 1, one, st, 4);
  int ss = node("ss", "StridedSlice", 2, "shape", "b0");
  B.inputs[ss][2] = "b1";
  B.inputs[ss][3] = "st";
  B.nd[ss].n_input = 4;
  Nqtf__AttrValue *a = attr(ss, "shrink_axis_mask");
  a->value_case = NQTF__ATTR_VALUE__VALUE_I;
  a->i = 1;
  int64_t scalar_shape[1] = {0};
  (void)scalar_shape;
  constant("neg", 3, 0, NULL, neg, 4);
  node("pack", "Pack", 2, "ss", "neg");
  node("flat", "Reshape", 2, "relu", "pack");
  constant("m", 1, 2, mm, m, sizeof m);
  node("mm", "MatMul", 2, "flat", "m");
  node("prob", "Softmax", 1, "mm", NULL);
  nq_graph *g = NULL;
  nq_error err = {0};
  nq_status s = load_built(NULL, &g, &err);
  CHECKF(s == NQ_OK, "%s", err.msg);
  if (s != NQ_OK) return;
  CHECK(g->n_inputs == 1 && g->n_outputs == 1);
  CHECK(count_op(g, NQ_OP_CONV_2D) == 1);
  CHECK(count_op(g, NQ_OP_RESHAPE) == 1);
  CHECK(count_op(g, NQ_OP_FULLY_CONNECTED) == 1);
  CHECK(count_op(g, NQ_OP_SOFTMAX) == 1);
  CHECK(count_op(g, NQ_OP_STRIDED_SLICE) == 0 && count_op(g, NQ_OP_PACK) == 0); /* folded */
  const nq_tensor *o = &g->tensors[g->outputs[0]];
  CHECK(o->rank == 2 && o->shape[0] == 1 && o->shape[1] == 2);
  /* The conv weights are OHWI: [5, 2, 2, 3], element (o,h,w,i) = HWIO (h,w,i,o). */
  for (int n = 0; n < g->n_nodes; n++)
    if (g->nodes[n].op == NQ_OP_CONV_2D) {
      const nq_tensor *wt = &g->tensors[g->nodes[n].in[1]];
      CHECK(wt->shape[0] == 5 && wt->shape[1] == 2 && wt->shape[2] == 2 && wt->shape[3] == 3);
      const float *wd = (const float *)(const void *)wt->data;
      int bad = 0;
      for (int oo = 0; oo < 5; oo++)
        for (int h = 0; h < 2; h++)
          for (int ww = 0; ww < 2; ww++)
            for (int i = 0; i < 3; i++)
              bad += wd[((oo * 2 + h) * 2 + ww) * 3 + i] != w[((h * 2 + ww) * 3 + i) * 5 + oo];
      CHECK(bad == 0);
    }
  nq_graph_free(g);
}

static void expect_fail(const char *what, nq_status want, const char *needle1, const char *needle2) {
  nq_graph *g = NULL;
  nq_error err = {0};
  nq_status s = load_built(NULL, &g, &err);
  CHECKF(s == want && g == NULL, "%s: status %d (want %d): %s", what, s, want, err.msg);
  CHECKF(strstr(err.msg, needle1) && strstr(err.msg, needle2), "%s: message '%s' lacks '%s'/'%s'", what,
         err.msg, needle1, needle2);
  nq_graph_free(g);
}

static void test_errors_in_memory(void) {
  int64_t xs[4] = {1, 4, 4, 3};
  reset();
  placeholder("x", 4, xs);
  node("e", "Lgamma", 1, "x", NULL);
  expect_fail("unsupported op", NQ_ERR_UNSUPPORTED, "node 'e' (Lgamma)", "not supported");

  reset();
  int64_t ws[4] = {1, 1, 3, 2};
  static float w[6];
  static const int64_t strides[4] = {1, 1, 1, 1};
  placeholder("x", 4, xs);
  constant("w", 1, 4, ws, w, sizeof w);
  int c = node("conv", "Conv2D", 2, "x", "w");
  attr_ints(c, "strides", 4, strides);
  attr_str(c, "padding", "SAME");
  attr_str(c, "data_format", "NCDHW"); /* 5-D layouts stay refused */
  expect_fail("NCDHW", NQ_ERR_UNSUPPORTED, "node 'conv' (Conv2D)", "data_format");

  /* Multi-output ops with counts or sizes that do not fit the input. */
  static const int32_t axis1 = 1, bad_sizes[2] = {3, 3};
  static const int64_t two[1] = {2};
  reset();
  placeholder("x", 4, xs);
  constant("ax", 3, 0, NULL, &axis1, 4);
  int sp = node("sp", "Split", 2, "ax", "x");
  Nqtf__AttrValue *ns = attr(sp, "num_split");
  ns->value_case = NQTF__ATTR_VALUE__VALUE_I;
  ns->i = 0;
  expect_fail("Split num_split 0", NQ_ERR_FORMAT, "node 'sp' (Split)", "num_split");
  reset();
  placeholder("x", 4, xs);
  constant("ax", 3, 0, NULL, &axis1, 4);
  sp = node("sp", "Split", 2, "ax", "x");
  ns = attr(sp, "num_split");
  ns->value_case = NQTF__ATTR_VALUE__VALUE_I;
  ns->i = 3; /* dimension 1 has 4 */
  expect_fail("Split uneven", NQ_ERR_SHAPE, "node 'sp' (Split)", "does not split in 3");
  reset();
  placeholder("x", 4, xs);
  constant("sz", 3, 1, two, bad_sizes, sizeof bad_sizes);
  constant("ax", 3, 0, NULL, &axis1, 4);
  sp = node("sv", "SplitV", 2, "x", "sz");
  B.inputs[sp][2] = "ax";
  B.nd[sp].n_input = 3;
  ns = attr(sp, "num_split");
  ns->value_case = NQTF__ATTR_VALUE__VALUE_I;
  ns->i = 2;
  expect_fail("SplitV sizes", NQ_ERR_SHAPE, "node 'sv' (SplitV)", "size_splits sum to 6");
  reset();
  placeholder("x", 4, xs);
  sp = node("un", "Unpack", 1, "x", NULL);
  ns = attr(sp, "num");
  ns->value_case = NQTF__ATTR_VALUE__VALUE_I;
  ns->i = 5;
  ns = attr(sp, "axis");
  ns->value_case = NQTF__ATTR_VALUE__VALUE_I;
  ns->i = -1; /* size 3 */
  expect_fail("Unpack num", NQ_ERR_SHAPE, "node 'un' (Unpack)", "num is 5");
  reset();
  int64_t x3[3] = {1, 4, 3};
  static const float bias[4] = {0};
  static const int64_t four[1] = {4};
  placeholder("x", 3, x3);
  constant("b", 1, 1, four, bias, sizeof bias);
  sp = node("ba", "BiasAdd", 2, "x", "b");
  attr_str(sp, "data_format", "NCHW");
  expect_fail("BiasAdd NCHW rank 3", NQ_ERR_UNSUPPORTED, "node 'ba' (BiasAdd)", "rank-3");

  reset();
  placeholder("x", 4, xs);
  node("y", "Relu", 1, "nowhere:0", NULL);
  expect_fail("dangling input", NQ_ERR_FORMAT, "node 'y' (Relu)", "nowhere");

  reset();
  placeholder("x", 4, xs);
  node("a", "Relu", 1, "b", NULL);
  node("b", "Relu", 1, "a", NULL);
  node("out", "Add", 2, "b", "x");
  expect_fail("cycle", NQ_ERR_UNSUPPORTED, "cycle", "'");

  reset();
  int64_t unk[2] = {-1, -1};
  placeholder("x", 2, unk);
  node("r", "Relu", 1, "x", NULL);
  expect_fail("unknown dim", NQ_ERR_INVALID_ARG, "node 'x' (Placeholder)", "--input-shape");
  nq_load_options o = {0};
  o.input_shapes = "x:2x5";
  nq_graph *g = NULL;
  nq_error err = {0};
  CHECKF(load_built(&o, &g, &err) == NQ_OK, "%s", err.msg);
  if (g) CHECK(g->tensors[g->inputs[0]].shape[0] == 2 && g->tensors[g->inputs[0]].shape[1] == 5);
  nq_graph_free(g);
}

/* Pack B to a file, load it through the public API and run it on `in`. */
static int run_built(const char *dir, const float *in, size_t in_n, float *out, size_t out_n,
                     const char *outputs) {
  char path[512];
  snprintf(path, sizeof path, "%s/built.pb", dir);
  size_t len = nqtf__graph_def__get_packed_size(&B.g);
  uint8_t *buf = malloc(len);
  nqtf__graph_def__pack(&B.g, buf);
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(buf);
    return -1;
  }
  fwrite(buf, 1, len, f);
  fclose(f);
  free(buf);
  nq_load_options o = {0};
  o.outputs = outputs;
  nq_model *m = NULL;
  nq_session *se = NULL;
  nq_error err = {0};
  const void *res = NULL;
  size_t nb = 0;
  int rc = -1;
  if (nq_model_load_ex(path, &o, &m, &err) == NQ_OK && nq_session_create(m, NULL, &se, &err) == NQ_OK &&
      nq_session_set_input(se, 0, in, in_n * sizeof(float), &err) == NQ_OK &&
      nq_session_run(se, &err) == NQ_OK && nq_session_output(se, 0, &res, &nb, &err) == NQ_OK &&
      nb == out_n * sizeof(float)) {
    memcpy(out, res, nb);
    rc = 0;
  } else {
    fprintf(stderr, "run_built: %s (bytes %zu, want %zu)\n", err.msg, nb, out_n * sizeof(float));
  }
  nq_session_free(se);
  nq_model_free(m);
  return rc;
}

/* Weight layouts checked by running: the expected values follow from
 * TensorFlow's definitions of each op on tiny inputs. */
static void test_layouts_numeric(void) {
  char tmp[] = "/tmp/nq_tf_num_XXXXXX";
  if (!mkdtemp(tmp)) {
    CHECK(0);
    return;
  }
  static const int64_t s1[1] = {4}, s2[4] = {1, 1, 1, 1};
  float out[64];
  /* Conv2DBackpropInput: a 1x1 input of value 1, stride 2, VALID: output
   * (h, w, o) = filter[h][w][o][0] (filter [h, w, out, in] = [2, 2, 3, 1]). */
  reset();
  {
    static const int32_t osz[4] = {1, 2, 2, 3};
    static float fw[12];
    for (int i = 0; i < 12; i++) fw[i] = (float)(i + 1);
    static const int64_t fs[4] = {2, 2, 3, 1}, xs[4] = {1, 1, 1, 1};
    placeholder("x", 4, xs);
    constant("osz", 3, 1, s1, osz, sizeof osz);
    constant("f", 1, 4, fs, fw, sizeof fw);
    int n = node("deconv", "Conv2DBackpropInput", 2, "osz", "f");
    B.inputs[n][2] = "x";
    B.nd[n].n_input = 3;
    attr_ints(n, "strides", 4, (const int64_t[]){1, 2, 2, 1});
    attr_str(n, "padding", "VALID");
    float one = 1.0f;
    CHECK(run_built(tmp, &one, 1, out, 12, NULL) == 0);
    int bad = 0;
    for (int i = 0; i < 12; i++) bad += out[i] != fw[i];
    CHECKF(bad == 0, "Conv2DBackpropInput: %d wrong values (out[0..2] %g %g %g)", bad, out[0], out[1],
           out[2]);
  }
  /* DepthwiseConv2dNative, multiplier 2: out[c*2+m] = x[c] * f[0][0][c][m]. */
  reset();
  {
    static const int64_t xs[4] = {1, 1, 1, 2}, fs[4] = {1, 1, 2, 2};
    static const float fw[4] = {2, 3, 5, 7};
    placeholder("x", 4, xs);
    constant("f", 1, 4, fs, fw, sizeof fw);
    int n = node("dw", "DepthwiseConv2dNative", 2, "x", "f");
    attr_ints(n, "strides", 4, s2);
    attr_str(n, "padding", "SAME");
    const float in[2] = {1, 10};
    CHECK(run_built(tmp, in, 2, out, 4, NULL) == 0);
    CHECKF(out[0] == 2 && out[1] == 3 && out[2] == 50 && out[3] == 70, "depthwise: %g %g %g %g", out[0],
           out[1], out[2], out[3]);
  }
  /* FusedBatchNormV3 (folded into MUL/ADD): y = (x - mean) / sqrt(var + eps) * scale + offset. */
  reset();
  {
    static const int64_t xs[4] = {1, 1, 1, 2}, cs[1] = {2};
    static const float sc[2] = {2, 3}, of[2] = {1, -1}, mu[2] = {0.5f, 4}, va[2] = {3.999f, 0.249f};
    placeholder("x", 4, xs);
    constant("sc", 1, 1, cs, sc, 8);
    constant("of", 1, 1, cs, of, 8);
    constant("mu", 1, 1, cs, mu, 8);
    constant("va", 1, 1, cs, va, 8);
    int n = node("bn", "FusedBatchNormV3", 2, "x", "sc");
    B.inputs[n][2] = "of";
    B.inputs[n][3] = "mu";
    B.nd[n].n_input = 5;
    B.inputs[n][4] = "va";
    B.nd[n].input = B.inputs[n];
    Nqtf__AttrValue *a = attr(n, "epsilon");
    a->value_case = NQTF__ATTR_VALUE__VALUE_F;
    a->f = 0.001f;
    const float in[2] = {2.5f, 5};
    CHECK(run_built(tmp, in, 2, out, 2, "bn") == 0);
    CHECKF(fabsf(out[0] - 3.0f) < 1e-4f && fabsf(out[1] - 5.0f) < 1e-4f, "batchnorm: %g %g", out[0], out[1]);
  }
  /* BatchMatMulV2 by a constant -> Mean(keep_dims) -> ConcatV2 -> Transpose. */
  reset();
  {
    static const int64_t xs[3] = {1, 2, 2}, ys[2] = {2, 3}, one[1] = {1}, two[1] = {3}, sc[1] = {0};
    static const float y[6] = {1, 0, 2, 0, 1, 3};
    static const int32_t ax[1] = {2}, cax = -1, perm[3] = {0, 2, 1};
    (void)sc;
    placeholder("x", 3, xs);
    constant("y", 1, 2, ys, y, sizeof y);
    node("bmm", "BatchMatMulV2", 2, "x", "y");
    constant("ax", 3, 1, one, ax, 4);
    int m = node("mean", "Mean", 2, "bmm", "ax");
    Nqtf__AttrValue *a = attr(m, "keep_dims");
    a->value_case = NQTF__ATTR_VALUE__VALUE_B;
    a->b = 1;
    constant("cax", 3, 0, NULL, &cax, 4);
    int c = node("cat", "ConcatV2", 2, "mean", "mean");
    B.inputs[c][2] = "cax";
    B.nd[c].n_input = 3;
    constant("perm", 3, 1, two, perm, sizeof perm);
    node("tr", "Transpose", 2, "cat", "perm");
    const float in[4] = {1, 2, 3, 4};
    CHECK(run_built(tmp, in, 4, out, 4, NULL) == 0);
    const float want[4] = {11.f / 3, 25.f / 3, 11.f / 3, 25.f / 3};
    int bad = 0;
    for (int i = 0; i < 4; i++) bad += fabsf(out[i] - want[i]) > 1e-5f;
    CHECKF(bad == 0, "bmm/mean/concat/transpose: %g %g %g %g", out[0], out[1], out[2], out[3]);
  }
  /* Slice -> AddN -> Square. */
  reset();
  {
    static const int64_t xs[2] = {1, 4}, two[1] = {2};
    static const int32_t begin[2] = {0, 1}, size[2] = {1, 2};
    placeholder("x", 2, xs);
    constant("begin", 3, 1, two, begin, sizeof begin);
    constant("size", 3, 1, two, size, sizeof size);
    int sl = node("slice", "Slice", 2, "x", "begin");
    B.inputs[sl][2] = "size";
    B.nd[sl].n_input = 3;
    int an = node("addn", "AddN", 2, "slice", "slice");
    B.inputs[an][2] = "slice";
    B.nd[an].n_input = 3;
    node("sq", "Square", 1, "addn", NULL);
    const float in[4] = {1, 2, 3, 4};
    CHECK(run_built(tmp, in, 4, out, 2, NULL) == 0);
    CHECKF(out[0] == 36 && out[1] == 81, "slice/addn/square: %g %g", out[0], out[1]);
  }
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  CHECK(system(cmd) == 0);
}

/* ---- hostile files ---- */

static int copy_file(const char *from, const char *to, long flip_at, size_t truncate_to) {
  size_t n;
  unsigned char *d = nq_test_read_file(from, &n);
  if (!d) return -1;
  if (flip_at >= 0 && (size_t)flip_at < n) d[flip_at] ^= 0x5a;
  if (truncate_to && truncate_to < n) n = truncate_to;
  FILE *f = fopen(to, "wb");
  if (!f) {
    free(d);
    return -1;
  }
  fwrite(d, 1, n, f);
  fclose(f);
  free(d);
  return 0;
}

static void expect_load_fail(const char *path, nq_status want, const char *needle) {
  nq_model *m = NULL;
  nq_error err = {0};
  nq_status s = nq_model_load(path, &m, &err);
  CHECKF(s == want && !m, "%s: status %d (want %d): %s", path, s, want, err.msg);
  CHECKF(strstr(err.msg, needle) != NULL, "%s: message '%s' lacks '%s'", path, err.msg, needle);
  nq_model_free(m);
}

static void test_files(const char *shared) {
  char src[1024], tmp[] = "/tmp/nq_tf_test_XXXXXX", p[1200], q[1200];
  if (!mkdtemp(tmp)) {
    CHECK(0);
    return;
  }
  /* Truncated frozen graph: a clear format error naming the file. */
  snprintf(src, sizeof src, "%s/models/tf2onnx-tests/frozen/fc-layers_frozen.pb", shared);
  snprintf(p, sizeof p, "%s/trunc.pb", tmp);
  CHECK(copy_file(src, p, -1, 30000) == 0);
  expect_load_fail(p, NQ_ERR_FORMAT, "trunc.pb");

  /* A SavedModel copy (the tf2onnx regression model: two TF1 variables). */
  const char *sm = "models/tf2onnx-tests/regression_saved_model";
  snprintf(p, sizeof p, "%s/sm", tmp);
  mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/sm/variables", tmp);
  mkdir(p, 0700);
  snprintf(src, sizeof src, "%s/%s/saved_model.pb", shared, sm);
  snprintf(p, sizeof p, "%s/sm/saved_model.pb", tmp);
  CHECK(copy_file(src, p, -1, 0) == 0);
  snprintf(src, sizeof src, "%s/%s/variables/variables.index", shared, sm);
  snprintf(p, sizeof p, "%s/sm/variables/variables.index", tmp);
  CHECK(copy_file(src, p, -1, 0) == 0);
  snprintf(src, sizeof src, "%s/%s/variables/variables.data-00000-of-00001", shared, sm);
  snprintf(q, sizeof q, "%s/sm/variables/variables.data-00000-of-00001", tmp);
  CHECK(copy_file(src, q, -1, 0) == 0);
  nq_load_options o = {0};
  o.input_shapes = "X:scalar";
  snprintf(p, sizeof p, "%s/sm", tmp);
  nq_model *m = NULL;
  nq_error err = {0};
  CHECKF(nq_model_load_ex(p, &o, &m, &err) == NQ_OK, "intact copy: %s", err.msg);
  nq_model_free(m);
  m = NULL;

  /* Flipped byte in the data shard: the tensor's CRC32C no longer matches. */
  CHECK(copy_file(src, q, 0, 0) == 0);
  err.msg[0] = 0;
  nq_status s = nq_model_load_ex(p, &o, &m, &err);
  CHECKF(s == NQ_ERR_FORMAT && strstr(err.msg, "checksum"), "bad data crc: %d %s", s, err.msg);
  nq_model_free(m);
  m = NULL;

  /* Missing shard. */
  unlink(q);
  s = nq_model_load_ex(p, &o, &m, &err);
  CHECKF(s == NQ_ERR_IO && strstr(err.msg, "data shard"), "missing shard: %d %s", s, err.msg);
  nq_model_free(m);
  m = NULL;
  CHECK(copy_file(src, q, -1, 0) == 0);

  /* Flipped byte inside the index's first block: its block CRC fails. */
  char idx[1200];
  snprintf(src, sizeof src, "%s/%s/variables/variables.index", shared, sm);
  snprintf(idx, sizeof idx, "%s/sm/variables/variables.index", tmp);
  CHECK(copy_file(src, idx, 3, 0) == 0);
  s = nq_model_load_ex(p, &o, &m, &err);
  CHECKF(s == NQ_ERR_FORMAT && strstr(err.msg, "CRC32C"), "bad index: %d %s", s, err.msg);
  nq_model_free(m);
  m = NULL;
  /* A truncated index (no footer). */
  CHECK(copy_file(src, idx, -1, 20) == 0);
  s = nq_model_load_ex(p, &o, &m, &err);
  CHECKF(s == NQ_ERR_FORMAT, "short index: %d %s", s, err.msg);
  nq_model_free(m);

  /* Wrong signature name: the message lists the ones there are. */
  CHECK(copy_file(src, idx, -1, 0) == 0);
  o.signature = "nope";
  m = NULL;
  s = nq_model_load_ex(p, &o, &m, &err);
  CHECKF(s == NQ_ERR_INVALID_ARG && strstr(err.msg, "serving_default"), "signature: %d %s", s, err.msg);
  nq_model_free(m);

  snprintf(q, sizeof q, "rm -rf '%s'", tmp);
  CHECK(system(q) == 0);
}

/* `test_tf_frontend` runs the in-memory tests, `test_tf_frontend files` the
 * hostile files made from ../shared's models: two ctest tests, so a missing
 * ../shared skips only the second. */
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "files") == 0) {
    test_files(nq_test_shared_dir());
    return nq_test_finish("test_tf_frontend_files");
  }
  test_shape_chain_and_ops();
  test_errors_in_memory();
  test_layouts_numeric();
  return nq_test_finish("test_tf_frontend");
}
