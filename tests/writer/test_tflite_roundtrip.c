/* The TFLite writer on every real model our reader loads:
 *   read -> write -> read gives the same graph (tensors, data, quantization,
 *   ops, options, versions, I/O, signatures, metadata, description);
 *   writing is deterministic and idempotent (write(read(write(g))) has the
 *   same bytes as write(g));
 *   format facts checked with independent lines (fb_peek.h, field numbers of
 *   schema.fbs): "TFL3", schema version 3, buffer 0 empty, buffer data
 *   16-byte aligned, deprecated_builtin_code = min(builtin_code, 127).
 * Plus a hand-built graph (shared OperatorCode takes the highest version, an
 * op code > 127) and nq_model_save_tflite refusing to overwrite its input. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/status.h"
#include "fb_peek.h"
#include "frontends/tflite/tflite_reader.h"
#include "graph_compare.h"
#include "ir/graph.h"
#include "testutil.h"
#include "writers/tflite/tflite_write.h"

/* schema.fbs field numbers, written out here on purpose */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPC_DEPRECATED = 0, OPC_VERSION = 2, OPC_BUILTIN = 3 };
enum { SG_OPERATORS = 3 };
enum { OP_OPCODE_INDEX = 0 };

/* ---- collecting the model files ---- */
static char **files;
static int n_files, cap_files;

static void collect(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      collect(path);
    } else {
      size_t l = strlen(path);
      if (l > 7 && strcmp(path + l - 7, ".tflite") == 0) {
        if (n_files == cap_files) {
          cap_files = cap_files ? 2 * cap_files : 64;
          files = realloc(files, sizeof *files * (size_t)cap_files);
        }
        files[n_files++] = strdup(path);
      }
    }
  }
  closedir(d);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Two OperatorCodes' custom_code strings (field 1) are equal (both absent too). */
static bool same_custom_code(const uint8_t *b, size_t oa, size_t ob) {
  size_t fa = pk_field(b, oa, 1), fb = pk_field(b, ob, 1);
  if (!fa || !fb) return !fa && !fb;
  size_t sa = pk_deref(b, fa), sb = pk_deref(b, fb);
  uint32_t la = pk_u32(b, sa), lb = pk_u32(b, sb);
  return la == lb && memcmp(b + sa + 4, b + sb + 4, la) == 0;
}

/* ---- independent format checks on written bytes ---- */
static void check_format(const uint8_t *b, size_t size, const char *path) {
  CHECKF(size >= 8 && memcmp(b + 4, "TFL3", 4) == 0, "%s: identifier", path);
  size_t model = pk_deref(b, 0);
  CHECKF(pk_i32_or(b, model, MODEL_VERSION, 0) == 3, "%s: schema version", path);
  uint32_t nb = pk_vec_len(b, model, MODEL_BUFFERS);
  CHECKF(nb >= 1, "%s: no buffers", path);
  if (nb >= 1)
    CHECKF(pk_field(b, pk_vec_table(b, model, MODEL_BUFFERS, 0), 0) == 0, "%s: buffer 0 must be empty", path);
  for (uint32_t i = 1; i < nb; i++) {
    size_t f = pk_field(b, pk_vec_table(b, model, MODEL_BUFFERS, i), 0);
    if (f) CHECKF((pk_deref(b, f) + 4) % 16 == 0, "%s: buffer %u data not 16-aligned", path, i);
  }
  uint32_t nc = pk_vec_len(b, model, MODEL_OPCODES);
  for (uint32_t i = 0; i < nc; i++) {
    size_t oc = pk_vec_table(b, model, MODEL_OPCODES, i);
    int64_t code = pk_i32_or(b, oc, OPC_BUILTIN, 0);
    int dep = pk_i8_or(b, oc, OPC_DEPRECATED, 0);
    CHECKF(dep == (code < 127 ? code : 127), "%s: opcode %u: deprecated %d, builtin %lld", path, i, dep,
           (long long)code);
    int64_t version = pk_i32_or(b, oc, OPC_VERSION, 1);
    for (uint32_t j = 0; j < i; j++) {
      size_t oj = pk_vec_table(b, model, MODEL_OPCODES, j);
      if (code == 32 && !same_custom_code(b, oc, oj)) continue; /* custom ops: one code per name */
      CHECKF(pk_i32_or(b, oj, OPC_BUILTIN, 0) != code || pk_i32_or(b, oj, OPC_VERSION, 1) != version,
             "%s: builtin code %lld version %lld has two OperatorCodes", path, (long long)code,
             (long long)version);
    }
  }
}

static int test_model(const char *path, int *loaded) {
  size_t size;
  unsigned char *data = nq_test_read_file(path, &size);
  if (!data) {
    CHECKF(0, "%s: cannot read", path);
    return 0;
  }
  nq_error err;
  nq_graph *g1 = NULL, *g2 = NULL;
  if (nq_tflite_read_memory(data, size, path, &g1, &err) != NQ_OK) {
    free(data);
    fprintf(stderr, "  not loaded: %s\n", err.msg);
    return 0;
  }
  free(data);
  (*loaded)++;
  uint8_t *b1 = NULL, *b1again = NULL, *b2 = NULL;
  size_t s1 = 0, s1again = 0, s2 = 0;
  nq_status st = nq_tflite_write_memory(g1, &b1, &s1, &err);
  CHECKF(st == NQ_OK, "%s: write: %s", path, err.msg);
  if (st == NQ_OK) {
    check_format(b1, s1, path);
    st = nq_tflite_read_memory(b1, s1, path, &g2, &err);
    CHECKF(st == NQ_OK, "%s: reading the written model: %s", path, err.msg);
  }
  if (st == NQ_OK) {
    char why[512];
    CHECKF(nq_test_graph_diff(g1, g2, why, sizeof why) == 0, "%s: graph changed: %s", path, why);
    CHECK(nq_tflite_write_memory(g1, &b1again, &s1again, &err) == NQ_OK);
    CHECKF(s1 == s1again && memcmp(b1, b1again, s1) == 0, "%s: writing twice differs", path);
    CHECK(nq_tflite_write_memory(g2, &b2, &s2, &err) == NQ_OK);
    CHECKF(s1 == s2 && memcmp(b1, b2, s1) == 0, "%s: write(read(write)) differs", path);
  }
  free(b1);
  free(b1again);
  free(b2);
  nq_graph_free(g1);
  nq_graph_free(g2);
  return 1;
}

/* A graph built here: two int8 MULs share one OperatorCode (versions 2 and
 * 3 -> 3), a float GELU (code 150 > 127), a node with an explicit version. */
static void test_built_graph(void) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t shp[2] = {1, 4};
  float s_a = 0.5f, s_b = 0.25f, s_small = 0.5f, s_big = 0.1f;
  int64_t zp = 0;
  int a = nq_graph_add_tensor(g, "a", NQ_INT8, 2, shp, &err);
  int b = nq_graph_add_tensor(g, "b", NQ_INT8, 2, shp, &err);
  int m1 = nq_graph_add_tensor(g, "m1", NQ_INT8, 2, shp, &err);
  int m2 = nq_graph_add_tensor(g, "m2", NQ_INT8, 2, shp, &err);
  int f = nq_graph_add_tensor(g, "f", NQ_FLOAT32, 2, shp, &err);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 2, shp, &err);
  int z = nq_graph_add_tensor(g, "z", NQ_FLOAT32, 2, shp, &err);
  int8_t bdata[4] = {1, -2, 3, -4};
  CHECK(nq_tensor_copy_data(g, b, bdata, 4, &err) == NQ_OK);
  CHECK(nq_tensor_set_quant(g, a, 1, &s_a, &zp, 0, &err) == NQ_OK);
  CHECK(nq_tensor_set_quant(g, b, 1, &s_b, &zp, 0, &err) == NQ_OK);
  CHECK(nq_tensor_set_quant(g, m1, 1, &s_small, &zp, 0, &err) == NQ_OK); /* 0.25: v2 */
  CHECK(nq_tensor_set_quant(g, m2, 1, &s_big, &zp, 0, &err) == NQ_OK);   /* 1.25: v3 */
  int in1[2] = {a, b}, in2[2] = {m1, b};
  CHECK(nq_graph_add_node(g, NQ_OP_MUL, "mul1", 2, in1, 1, &m1, NULL, &err) == 0);
  CHECK(nq_graph_add_node(g, NQ_OP_MUL, "mul2", 2, in2, 1, &m2, NULL, &err) == 1);
  CHECK(nq_graph_add_node(g, NQ_OP_DEQUANTIZE, "dq", 1, &m2, 1, &f, NULL, &err) == 2);
  CHECK(nq_graph_add_node(g, NQ_OP_GELU, "gelu", 1, &f, 1, &y, NULL, &err) == 3);
  CHECK(nq_graph_add_node(g, NQ_OP_RELU, "relu", 1, &y, 1, &z, NULL, &err) == 4);
  g->nodes[4].version = 7; /* as if read from a file: kept */
  CHECK(nq_graph_set_io(g, 1, &a, 1, &z, &err) == NQ_OK);

  uint8_t *buf = NULL;
  size_t size = 0;
  nq_status st = nq_tflite_write_memory(g, &buf, &size, &err);
  CHECKF(st == NQ_OK, "%s", err.msg);
  if (st == NQ_OK) {
    check_format(buf, size, "built graph");
    size_t model = pk_deref(buf, 0);
    CHECK(pk_vec_len(buf, model, MODEL_OPCODES) == 4);
    size_t sg = pk_vec_table(buf, model, MODEL_SUBGRAPHS, 0);
    int want_code[5] = {18, 18, 6, 150, 19}, want_version[5] = {3, 3, 2, 1, 7};
    for (uint32_t k = 0; k < 5; k++) {
      size_t op = pk_vec_table(buf, sg, SG_OPERATORS, k);
      uint32_t ci = (uint32_t)pk_i32_or(buf, op, OP_OPCODE_INDEX, 0);
      size_t oc = pk_vec_table(buf, model, MODEL_OPCODES, ci);
      CHECKF(pk_i32_or(buf, oc, OPC_BUILTIN, 0) == want_code[k], "node %u code", k);
      CHECKF(pk_i32_or(buf, oc, OPC_VERSION, 1) == want_version[k], "node %u version %lld", k,
             (long long)pk_i32_or(buf, oc, OPC_VERSION, 1));
    }
    nq_graph *back = NULL;
    st = nq_tflite_read_memory(buf, size, "built", &back, &err);
    CHECKF(st == NQ_OK, "%s", err.msg);
    if (st == NQ_OK) {
      for (int k = 0; k < 5; k++) g->nodes[k].version = want_version[k];
      char why[512];
      CHECKF(nq_test_graph_diff(g, back, why, sizeof why) == 0, "built graph: %s", why);
    }
    nq_graph_free(back);
  }
  free(buf);
  /* a broken graph is refused before writing */
  g->nodes[0].in[0] = 99;
  CHECK(nq_tflite_write_memory(g, &buf, &size, &err) != NQ_OK && buf == NULL);
  nq_graph_free(g);
}

/* nq_model_save_tflite never writes over the file the model came from. */
static void test_save_refuses_input(const char *model_path) {
  char dir[] = "/tmp/nq_writer_XXXXXX";
  if (!mkdtemp(dir)) return;
  char copy[256], out[256];
  snprintf(copy, sizeof copy, "%s/in.tflite", dir);
  snprintf(out, sizeof out, "%s/out.tflite", dir);
  size_t size;
  unsigned char *data = nq_test_read_file(model_path, &size);
  FILE *fp = fopen(copy, "wb");
  CHECK(data && fp && fwrite(data, 1, size, fp) == size);
  if (fp) fclose(fp);
  nq_error err;
  nq_model *m = NULL;
  CHECK(nq_model_load(copy, &m, &err) == NQ_OK);
  if (m) {
    CHECK(nq_model_save_tflite(m, copy, &err) == NQ_ERR_INVALID_ARG);
    CHECKF(strstr(err.msg, "refusing to overwrite the input") != NULL, "message: %s", err.msg);
    size_t s2;
    unsigned char *again = nq_test_read_file(copy, &s2);
    CHECK(again && s2 == size && memcmp(again, data, size) == 0);
    free(again);
    CHECK(nq_model_save_tflite(m, out, &err) == NQ_OK);
    nq_model_free(m);
  }
  free(data);
  unlink(copy);
  unlink(out);
  rmdir(dir);
}

int main(void) {
  test_built_graph();
  int golden;
  collect(nq_test_models_dir(&golden));
  qsort(files, (size_t)n_files, sizeof *files, cmp_str);
  int loaded = 0, first_loaded = -1;
  for (int i = 0; i < n_files; i++) {
    int before = loaded;
    test_model(files[i], &loaded);
    if (loaded > before && first_loaded < 0) first_loaded = i;
  }
  printf("writer round trip: %d of %d .tflite files loaded and round-tripped\n", loaded, n_files);
  CHECKF(loaded >= 10, "only %d models loaded: the round trip proves little", loaded);
  if (first_loaded >= 0) test_save_refuses_input(files[first_loaded]);
  for (int i = 0; i < n_files; i++) free(files[i]);
  free(files);
  return nq_test_finish("test_tflite_roundtrip");
}
