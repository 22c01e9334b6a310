/*
 * Every .tflite under ../shared/models either loads (and then the graph
 * passes nq_graph_verify, has inputs and outputs, and has no float16 or
 * hybrid int8 weights left) or fails with NQ_ERR_UNSUPPORTED naming the
 * node and the op. Files of tflm-fuzz-seed-corpus are hostile: any clean
 * error is fine. Per-model facts were read with an independent Python
 * flatbuffer decoder (struct.unpack over the schema's field ids). Without
 * ../shared (CI unset) the same sweep covers the 180 committed models
 * (tests/golden, examples/fashion), with truncations as hostile files.
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/model_internal.h"
#include "testutil.h"

static int n_loaded, n_unsupported, n_seed;

static bool ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

static void check_loaded(const char *path, const nq_model *m) {
  const nq_graph *g = m->graph;
  nq_error e;
  CHECKF(nq_graph_verify(g, &e) == NQ_OK, "%s: %s", path, e.msg);
  CHECKF(g->n_inputs >= 1 && g->n_outputs >= 1, "%s: %d inputs %d outputs", path, g->n_inputs, g->n_outputs);
  CHECKF(strcmp(nq_model_source(m), path) == 0, "%s: source %s", path, nq_model_source(m));
  for (int i = 0; i < g->n_inputs; i++) {
    nq_tensor_info ti;
    CHECK(nq_model_input(m, i, &ti, &e) == NQ_OK);
    CHECKF(!ti.is_constant, "%s: input %d is a constant", path, i);
    CHECK(ti.type == g->tensors[g->inputs[i]].type && ti.rank == g->tensors[g->inputs[i]].rank);
  }
  nq_tensor_info ti;
  CHECK(nq_model_input(m, g->n_inputs, &ti, &e) == NQ_ERR_INVALID_ARG);
  CHECK(nq_model_output(m, -1, &ti, &e) == NQ_ERR_INVALID_ARG);
  for (int t = 0; t < g->n_tensors; t++)
    CHECKF(!(g->tensors[t].data && g->tensors[t].type == NQ_FLOAT16), "%s: float16 constant #%d left", path,
           t);
  for (int n = 0; n < g->n_nodes; n++) {
    const nq_node *nd = &g->nodes[n];
    CHECKF(nd->version >= 1, "%s: node %d version %d", path, n, nd->version);
    if (nd->op == NQ_OP_DEQUANTIZE || nd->op == NQ_OP_QUANTIZE) {
      CHECKF(!g->tensors[nd->in[0]].data, "%s: node %d dequantizes a constant", path, n);
      continue;
    }
    bool float_out = false;
    for (int k = 0; k < nd->n_out; k++) float_out |= g->tensors[nd->out[k]].type == NQ_FLOAT32;
    for (int k = 0; float_out && k < nd->n_in; k++) {
      const nq_tensor *x = nd->in[k] >= 0 ? &g->tensors[nd->in[k]] : NULL;
      CHECKF(!(x && x->data && (x->type == NQ_INT8 || x->type == NQ_UINT8) && x->q.n > 0),
             "%s: node %d (%s) keeps a hybrid int8 weight", path, n, nq_op_name(nd->op));
    }
  }
}

static void visit(const char *path) {
  nq_model *m = NULL;
  nq_error e;
  memset(&e, 0, sizeof e);
  nq_status s = nq_model_load(path, &m, &e);
  if (strstr(path, "tflm-fuzz-seed-corpus")) {
    n_seed++;
    CHECKF(s == NQ_OK || (e.msg[0] && s != NQ_ERR_INTERNAL), "%s: status %d '%s'", path, s, e.msg);
    if (s == NQ_OK) check_loaded(path, m);
    nq_model_free(m);
    return;
  }
  if (s == NQ_OK) {
    n_loaded++;
    check_loaded(path, m);
  } else {
    n_unsupported++;
    /* an op, or a type (uint32 in the custom signal ops' models) */
    CHECKF(s == NQ_ERR_UNSUPPORTED && strstr(e.msg, path) &&
               ((strstr(e.msg, "node ") && strstr(e.msg, "op not supported by npuquant")) ||
                strstr(e.msg, "is not supported")),
           "%s: status %d '%s'", path, s, e.msg);
  }
  nq_model_free(m);
}

static void walk(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(p, &st) != 0) continue;
    if (S_ISDIR(st.st_mode))
      walk(p);
    else if (ends_with(p, ".tflite"))
      visit(p);
  }
  closedir(d);
}

static nq_model *load(const char *shared, const char *rel) {
  char p[4096];
  snprintf(p, sizeof p, "%s/models/%s", shared, rel);
  nq_model *m = NULL;
  nq_error e;
  nq_status s = nq_model_load(p, &m, &e);
  CHECKF(s == NQ_OK, "%s: %s", p, e.msg);
  return s == NQ_OK ? m : NULL;
}

static void expect_unsupported(const char *shared, const char *rel, const char *op) {
  char p[4096];
  snprintf(p, sizeof p, "%s/models/%s", shared, rel);
  nq_model *m = NULL;
  nq_error e;
  CHECK(nq_model_load(p, &m, &e) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(e.msg, op) != NULL, "%s: '%s' does not name %s", rel, e.msg, op);
  CHECK(m == NULL);
}

static int count_op(const nq_graph *g, nq_op op) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++) n += g->nodes[i].op == op;
  return n;
}

static void known_facts(const char *shared) {
  nq_tensor_info ti;
  nq_error e;
  nq_model *m = load(shared, "mlperf-tiny-vww/vww_96_float.tflite");
  if (m) {
    CHECK(nq_model_num_inputs(m) == 1 && nq_model_num_outputs(m) == 1);
    CHECK(nq_model_input(m, 0, &ti, &e) == NQ_OK);
    CHECK(ti.type == NQ_FLOAT32 && ti.rank == 4 && ti.shape[0] == 1 && ti.shape[1] == 96 &&
          ti.shape[2] == 96 && ti.shape[3] == 3 && ti.n_params == 0 && strcmp(ti.name, "input_1") == 0);
    CHECK(nq_model_output(m, 0, &ti, &e) == NQ_OK);
    CHECK(ti.type == NQ_FLOAT32 && ti.rank == 2 && ti.shape[1] == 2 && ti.nbytes == 8);
    CHECK(m->graph->n_nodes == 31 && count_op(m->graph, NQ_OP_CONV_2D) == 14 &&
          count_op(m->graph, NQ_OP_DEPTHWISE_CONV_2D) == 13);
    nq_model_free(m);
  }
  m = load(shared, "mlperf-tiny-vww/vww_96_int8.tflite");
  if (m) {
    CHECK(nq_model_input(m, 0, &ti, &e) == NQ_OK);
    CHECK(ti.type == NQ_INT8 && ti.n_params == 1 && fabsf(ti.scale[0] - 0.003921568859368563f) < 1e-12f &&
          ti.zero_point[0] == -128 && strcmp(ti.name, "input_1_int8") == 0);
    CHECK(nq_model_output(m, 0, &ti, &e) == NQ_OK);
    CHECK(ti.type == NQ_INT8 && ti.scale[0] == 0.00390625f && ti.zero_point[0] == -128);
    /* per-channel conv weights: scales along dim 0, one per output channel */
    const nq_graph *g = m->graph;
    const nq_node *conv = NULL;
    for (int i = 0; i < g->n_nodes && !conv; i++)
      if (g->nodes[i].op == NQ_OP_CONV_2D) conv = &g->nodes[i];
    CHECK(conv && g->tensors[conv->in[1]].type == NQ_INT8 && g->tensors[conv->in[1]].q.axis == 0 &&
          g->tensors[conv->in[1]].q.n == g->tensors[conv->in[1]].shape[0] &&
          g->tensors[conv->in[2]].type == NQ_INT32);
    nq_model_free(m);
  }
  /* float16 weights behind 74 DEQUANTIZE nodes (250 tensors, 164 ops in the file) */
  m = load(shared, "mediapipe-solutions/face_detection_short_range.tflite");
  if (m) {
    const nq_graph *g = m->graph;
    CHECKF(g->n_nodes == 90 && g->n_tensors == 176, "%d nodes %d tensors", g->n_nodes, g->n_tensors);
    CHECK(count_op(g, NQ_OP_DEQUANTIZE) == 0);
    for (int t = 0; t < g->n_tensors; t++)
      if (g->tensors[t].data) CHECK(g->tensors[t].type == NQ_FLOAT32 || g->tensors[t].type == NQ_INT32);
    CHECK(g->n_outputs == 2 && strcmp(g->tensors[g->outputs[0]].name, "regressors") == 0);
    nq_model_free(m);
  }
  /* float16 conv weights; first values decoded with Python's struct 'e' */
  m = load(shared, "tflite2onnx-ops/conv-quant-fp16.float32.tflite");
  if (m) {
    const nq_graph *g = m->graph;
    CHECK(g->n_nodes == 1 && g->nodes[0].op == NQ_OP_CONV_2D);
    const nq_tensor *w = &g->tensors[g->nodes[0].in[1]];
    CHECK(w->type == NQ_FLOAT32 && w->data && w->shape[0] == 3 && w->nbytes == 12 * 4);
    if (w->data) {
      const float want[4] = {-0.60791015625f, -0.33837890625f, 0.355712890625f, -0.1934814453125f};
      CHECK(memcmp(w->data, want, sizeof want) == 0);
    }
    nq_model_free(m);
  }
  /* dynamic-range model: int8 conv weights (scale 0.0020227544, zp 0,
   * first raw values -4 12 -7 12) must become float32 */
  m = load(shared, "mlperf-tiny-kws/kws_ref_model_float32.tflite");
  if (m) {
    const nq_graph *g = m->graph;
    for (int t = 0; t < g->n_tensors; t++) CHECK(g->tensors[t].type != NQ_INT8);
    CHECK(g->n_nodes == 13 && g->nodes[0].op == NQ_OP_CONV_2D);
    const nq_tensor *w = &g->tensors[g->nodes[0].in[1]];
    CHECK(w->type == NQ_FLOAT32 && w->shape[0] == 64 && w->q.n == 0);
    if (w->data) {
      const float *f = (const float *)(const void *)w->data;
      const double want[4] = {-0.008091017603874207, 0.02427305281162262, -0.014159280806779861,
                              0.02427305281162262};
      for (int i = 0; i < 4; i++) CHECKF(fabs(f[i] - want[i]) < 1e-9, "w[%d] = %.9g", i, f[i]);
    }
    nq_model_free(m);
  }
  expect_unsupported(shared, "tflm-mnist_lstm/trained_lstm.tflite", "(UNIDIRECTIONAL_SEQUENCE_LSTM)");
  expect_unsupported(shared, "tflm-person_detect/person_detect_vela.tflite", "(CUSTOM 'ethos-u')");
  /* The SSD's post-processing custom op is kept, its outputs sized from its
   * options (the file leaves them unshaped): max_detections 10. */
  nq_model *ssd = load(shared, "tfls-misc/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite");
  if (ssd) {
    const nq_graph *g = ssd->graph;
    const nq_node *last = &g->nodes[g->n_nodes - 1];
    CHECKF(last->op == NQ_OP_CUSTOM && last->p.custom_name &&
               strcmp(last->p.custom_name, "TFLite_Detection_PostProcess") == 0 &&
               last->p.custom_options_size > 0,
           "last node: %s '%s'", nq_op_name(last->op), last->p.custom_name ? last->p.custom_name : "");
    const nq_tensor *boxes = &g->tensors[last->out[0]], *count = &g->tensors[last->out[3]];
    CHECKF(boxes->rank == 3 && boxes->shape[1] == 10 && boxes->shape[2] == 4 && count->rank == 1 &&
               count->shape[0] == 1,
           "post-process output shapes: boxes rank %d [%d, %d, ...]", boxes->rank, boxes->shape[0],
           boxes->shape[1]);
    nq_model_free(ssd);
  }
  /* not TFLite at all */
  nq_model *x = NULL;
  char p[4096];
  snprintf(p, sizeof p, "%s/data/coral-images/cat_720p.jpg", shared);
  CHECK(nq_model_load(p, &x, &e) == NQ_ERR_FORMAT && strstr(e.msg, "not a model") &&
        strstr(e.msg, "cat_720p.jpg"));
  CHECK(nq_model_load("/nonexistent/model.tflite", &x, &e) == NQ_ERR_IO && strstr(e.msg, "No such file"));
}

/* Without ../shared: facts of the committed golden net_small_cnn (as tflite_facts.py, the
 * independent decoder, reads it: t0 [1,8,8,3] int8 0.02/-1, t14 [1,5] int8 1/256/-128, 7 op
 * kinds), truncations of it that must fail cleanly (the hostile half of the fuzz seeds), and a
 * file that is not a model. */
static void golden_facts(const char *golden) {
  char p[4096];
  snprintf(p, sizeof p, "%s/net_small_cnn.tflite", golden);
  nq_model *m = NULL;
  nq_tensor_info ti;
  nq_error e;
  CHECKF(nq_model_load(p, &m, &e) == NQ_OK, "%s: %s", p, e.msg);
  if (m) {
    CHECK(nq_model_num_inputs(m) == 1 && nq_model_num_outputs(m) == 1);
    CHECK(nq_model_input(m, 0, &ti, &e) == NQ_OK);
    CHECK(ti.type == NQ_INT8 && ti.rank == 4 && ti.shape[1] == 8 && ti.shape[2] == 8 && ti.shape[3] == 3 &&
          ti.n_params == 1 && ti.scale[0] == 0.02f && ti.zero_point[0] == -1 && strcmp(ti.name, "t0") == 0);
    CHECK(nq_model_output(m, 0, &ti, &e) == NQ_OK);
    CHECK(ti.type == NQ_INT8 && ti.rank == 2 && ti.shape[1] == 5 && ti.scale[0] == 0.00390625f &&
          ti.zero_point[0] == -128 && strcmp(ti.name, "t14") == 0);
    CHECK(count_op(m->graph, NQ_OP_CONV_2D) >= 1 && count_op(m->graph, NQ_OP_DEPTHWISE_CONV_2D) >= 1 &&
          count_op(m->graph, NQ_OP_ADD) >= 1 && count_op(m->graph, NQ_OP_SOFTMAX) == 1);
    nq_model_free(m);
  }
  size_t size = 0;
  unsigned char *data = nq_test_read_file(p, &size);
  CHECK(data && size > 200);
  const size_t cuts[] = {0, 3, 7, 8, 64, size / 3, size / 2, size - 100};
  for (size_t k = 0; data && k < sizeof cuts / sizeof cuts[0]; k++) {
    char cut[4096];
    snprintf(cut, sizeof cut, "%s/nq_reader_cut%zu.tflite",
             getenv("NQ_BINARY_DIR") ? getenv("NQ_BINARY_DIR") : ".", k);
    FILE *f = fopen(cut, "wb");
    CHECK(f && fwrite(data, 1, cuts[k], f) == cuts[k]);
    if (f) fclose(f);
    m = NULL;
    memset(&e, 0, sizeof e);
    nq_status s = nq_model_load(cut, &m, &e);
    CHECKF(s != NQ_OK && s != NQ_ERR_INTERNAL && strstr(e.msg, cut), "%s: status %d '%s'", cut, s, e.msg);
    nq_model_free(m);
    remove(cut);
  }
  free(data);
  snprintf(p, sizeof p, "%s/net_small_cnn.in0.npy", golden);
  CHECK(nq_model_load(p, &m, &e) == NQ_ERR_FORMAT && strstr(e.msg, "not a model") &&
        strstr(e.msg, "in0.npy"));
  CHECK(nq_model_load("/nonexistent/model.tflite", &m, &e) == NQ_ERR_IO && strstr(e.msg, "No such file"));
}

int main(void) {
  int golden = 0;
  const char *models = nq_test_models_dir(&golden);
  walk(models);
  if (golden) { /* the committed models: 179 golden ones and the demo's */
    char demo[4096];
    snprintf(demo, sizeof demo, "%s/examples/fashion", getenv("NQ_SOURCE_DIR"));
    walk(demo);
  }
  printf("%d models loaded, %d unsupported, %d fuzz seeds\n", n_loaded, n_unsupported, n_seed);
  if (golden) { /* every committed model is one npuquant wrote or must read */
    CHECKF(n_loaded >= 180 && n_unsupported == 0, "%d committed models loaded, %d unsupported", n_loaded,
           n_unsupported);
    golden_facts(models);
    return nq_test_finish("test_reader_models");
  }
  const char *shared = nq_test_shared_dir();
  /* the shared set has 137 .tflite files; most must load */
  CHECKF(n_loaded >= 100, "only %d models loaded", n_loaded);
  CHECK(n_seed >= 9);
  known_facts(shared);
  return nq_test_finish("test_reader_models");
}
