/*
 * Hand-made malformed models: a real small model (from ../shared, else the
 * committed golden CNN) with one field patched,
 * each aimed at one check of the reader, with the message it must give.
 * The patching navigates the flatbuffer with its own few lines below
 * (independent of the reader's accessors).
 */
#include <string.h>

#include "frontends/tflite/tflite_reader.h"
#include "testutil.h"

static uint32_t rd32(const uint8_t *b, size_t p) {
  return (uint32_t)b[p] | (uint32_t)b[p + 1] << 8 | (uint32_t)b[p + 2] << 16 | (uint32_t)b[p + 3] << 24;
}
static void wr32(uint8_t *b, size_t p, uint32_t v) {
  for (int i = 0; i < 4; i++) b[p + (size_t)i] = (uint8_t)(v >> (8 * i));
}
/* Absolute position of field id of the table at t, 0 if absent. */
static size_t field(const uint8_t *b, size_t t, int id) {
  size_t vt = t - (size_t)(int32_t)rd32(b, t);
  unsigned vs = (unsigned)(b[vt] | b[vt + 1] << 8);
  if (4u + 2u * (unsigned)id >= vs) return 0;
  unsigned off = (unsigned)(b[vt + 4 + 2 * id] | b[vt + 5 + 2 * id] << 8);
  return off ? t + off : 0;
}
static size_t deref(const uint8_t *b, size_t p) { return p + rd32(b, p); }
/* Position of the vector (its length word) in field id of table t. */
static size_t vec(const uint8_t *b, size_t t, int id) { return deref(b, field(b, t, id)); }
/* Element i of a vector of tables. */
static size_t vtab(const uint8_t *b, size_t v, uint32_t i) { return deref(b, v + 4 + 4 * i); }

static size_t subgraph0(const uint8_t *b) { return vtab(b, vec(b, rd32(b, 0), 2), 0); }
static size_t tensor(const uint8_t *b, uint32_t i) { return vtab(b, vec(b, subgraph0(b), 0), i); }
static size_t op0(const uint8_t *b) { return vtab(b, vec(b, subgraph0(b), 3), 0); }

static uint8_t *base;
static size_t base_n;

static void expect(const uint8_t *buf, size_t n, nq_status want, const char *frag1, const char *frag2,
                   const char *label) {
  nq_graph *g = NULL;
  nq_error e;
  memset(&e, 0, sizeof e);
  nq_status s = nq_tflite_read_memory(buf, n, "bad.tflite", &g, &e);
  CHECKF(s == want && strstr(e.msg, "bad.tflite: ") == e.msg && strstr(e.msg, frag1) &&
             (!frag2 || strstr(e.msg, frag2)),
         "%s: status %d, message '%s'", label, s, e.msg);
  CHECK(g == NULL);
  nq_graph_free(g);
}

static uint8_t *fresh(void) {
  uint8_t *b = malloc(base_n);
  memcpy(b, base, base_n);
  return b;
}

int main(void) {
  /* Bases: a float CONV_2D+RELU model and an int8 network with per-channel
   * weights; without ../shared, the committed int8 CNN for both. */
  int golden;
  const char *dir = nq_test_models_dir(&golden);
  const char *float_base = golden ? "net_small_cnn.tflite" : "tflite2onnx-ops/conv-relu.float32.tflite";
  const char *int8_base = golden ? "net_small_cnn.tflite" : "mlperf-tiny-vww/vww_96_int8.tflite";
  char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, float_base);
  base = nq_test_read_file(p, &base_n);
  CHECK(base != NULL);
  if (!base) return nq_test_finish("test_reader_malformed");

  nq_graph *g = NULL;
  nq_error e;
  CHECKF(nq_tflite_read_memory(base, base_n, "ok.tflite", &g, &e) == NQ_OK, "%s", e.msg);
  /* the weight: input 1 of operator 0, a constant [oc, kh, kw, ic] */
  uint32_t wi = (uint32_t)rd32(base, vec(base, op0(base), 1) + 4 + 4);
  CHECK(g && g->tensors[wi].data && g->tensors[wi].rank == 4);
  nq_graph_free(g);

  uint8_t *b;
  /* vtable out of bounds: the root table's soffset points 2 GB away */
  b = fresh();
  wr32(b, rd32(b, 0), 0x80000010u);
  expect(b, base_n, NQ_ERR_FORMAT, "model root: vtable offset", "points outside the file", "vtable oob");
  free(b);

  /* operator input refers to tensor 9999 */
  b = fresh();
  wr32(b, vec(b, op0(b), 1) + 4, 9999);
  expect(b, base_n, NQ_ERR_FORMAT, "node 0", "input 0 is tensor 9999, the subgraph has", "tensor index");
  free(b);

  /* graph input out of range */
  b = fresh();
  wr32(b, vec(b, subgraph0(b), 1) + 4, 0x7fffffff);
  expect(b, base_n, NQ_ERR_FORMAT, "model input 0 is tensor 2147483647", NULL, "graph input index");
  free(b);

  /* buffer too small for the shape: double the weight's output channels */
  b = fresh();
  size_t sh = vec(b, tensor(b, wi), 0);
  wr32(b, sh + 4, rd32(b, sh + 4) * 2);
  expect(b, base_n, NQ_ERR_FORMAT, "bytes, shape [", golden ? "of int8 needs" : "of float32 needs",
         "buffer size");
  free(b);

  /* dims whose product overflows */
  b = fresh();
  for (int k = 0; k < 4; k++) wr32(b, sh + 4 + 4 * (size_t)k, 0x7fffffff);
  expect(b, base_n, NQ_ERR_FORMAT, "shape [2147483647,2147483647,2147483647,2147483647]",
         "more than 2^31 elements", "shape overflow");
  free(b);

  /* negative dim */
  b = fresh();
  wr32(b, sh + 8, (uint32_t)-5);
  expect(b, base_n, NQ_ERR_FORMAT, ",-5,", "negative dimension", "negative dim");
  free(b);

  /* shape vector length past the end of the file */
  b = fresh();
  wr32(b, sh, 0x40000000u);
  expect(b, base_n, NQ_ERR_FORMAT, "field 'shape': vector of 1073741824 4-byte elements", "runs past the end",
         "vector length");
  free(b);

  /* invalid fused activation (Conv2DOptions field 3 = 9) */
  b = fresh();
  size_t opts = field(b, op0(b), 4);
  size_t act = opts ? field(b, deref(b, opts), 3) : 0;
  CHECK(act != 0);
  if (act) {
    b[act] = 9;
    expect(b, base_n, NQ_ERR_FORMAT, "Conv2DOptions.fused_activation_function has the invalid value 9", NULL,
           "activation");
  }
  free(b);

  /* truncated file: the first half */
  expect(base, base_n / 2, NQ_ERR_FORMAT, "(byte offset", NULL, "truncated");
  /* too short and wrong identifier */
  expect(base, 6, NQ_ERR_FORMAT, "not a TFLite model", NULL, "short");
  b = fresh();
  memcpy(b + 4, "ONNX", 4);
  expect(b, base_n, NQ_ERR_FORMAT, "not a TFLite model", NULL, "identifier");
  free(b);
  free(base);

  /* quantized model: scale count that disagrees with zero points */
  snprintf(p, sizeof p, "%s/%s", dir, int8_base);
  base = nq_test_read_file(p, &base_n);
  CHECK(base != NULL);
  if (base) {
    uint32_t w = (uint32_t)rd32(base, vec(base, op0(base), 1) + 4 + 4);
    b = fresh();
    size_t q = deref(b, field(b, tensor(b, w), 4));
    size_t scales = vec(b, q, 2);
    CHECK(rd32(b, scales) > 1);
    wr32(b, scales, rd32(b, scales) - 1);
    expect(b, base_n, NQ_ERR_FORMAT, "quantization scales but", "zero points", "scale count");
    free(b);

    /* opcode index out of range, on the first operator that stores one
     * (index 0 is the default and left out by the converter) */
    b = fresh();
    size_t ops = vec(b, subgraph0(b), 3), oi = 0;
    for (uint32_t i = 0; i < rd32(b, ops) && !oi; i++) oi = field(b, vtab(b, ops, i), 0);
    CHECK(oi != 0);
    if (oi) {
      wr32(b, oi, 77);
      expect(b, base_n, NQ_ERR_FORMAT, "opcode_index 77, the model has", NULL, "opcode index");
    }
    free(b);
    free(base);
  }
  return nq_test_finish("test_reader_malformed");
}
