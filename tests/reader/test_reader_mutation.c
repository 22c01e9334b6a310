/*
 * Seeded mutation test: thousands of damaged copies of real models (../shared;
 * without it the committed golden int8 models of tests/golden) (byte
 * flips, truncations, inserted garbage, 32-bit fields overwritten with huge
 * or negative values). Each must load or fail with a clean message; never
 * crash, leak or trip the sanitizers. Mutation positions favour the
 * flatbuffer's structure over the constant buffers (which absorb any bytes).
 */
#include <string.h>
#include <time.h>

#include "frontends/tflite/tflite_reader.h"
#include "testutil.h"

static uint32_t rd32(const uint8_t *b, size_t p) {
  return (uint32_t)b[p] | (uint32_t)b[p + 1] << 8 | (uint32_t)b[p + 2] << 16 | (uint32_t)b[p + 3] << 24;
}

/* Mark the bytes of Buffer.data vectors (model field 4, buffer field 0) of
 * an intact model, navigating with plain reads. */
static void mark_data(const uint8_t *b, size_t n, uint8_t *is_data) {
  size_t root = rd32(b, 0);
  size_t vt = root - (size_t)(int32_t)rd32(b, root);
  unsigned off = (unsigned)(b[vt + 4 + 8] | b[vt + 5 + 8] << 8);
  if (!off) return;
  size_t bv = root + off + rd32(b, root + off);
  uint32_t nb = rd32(b, bv);
  for (uint32_t i = 0; i < nb; i++) {
    size_t t = bv + 4 + 4 * i + rd32(b, bv + 4 + 4 * i);
    size_t tvt = t - (size_t)(int32_t)rd32(b, t);
    unsigned vs = (unsigned)(b[tvt] | b[tvt + 1] << 8);
    if (vs < 6) continue;
    unsigned doff = (unsigned)(b[tvt + 4] | b[tvt + 5] << 8);
    if (!doff) continue;
    size_t d = t + doff + rd32(b, t + doff);
    uint32_t len = rd32(b, d);
    for (size_t k = d + 4; k < d + 4 + len && k < n; k++) is_data[k] = 1;
  }
}

static size_t pick_pos(nq_rng *r, const size_t *structure, size_t n_structure, size_t n) {
  if (n_structure && nq_rng_int(r, 0, 9) < 9) return structure[(size_t)nq_rng_next(r) % n_structure];
  return (size_t)nq_rng_next(r) % n;
}

static const uint32_t nasty[] = {0xffffffffu, 0x7fffffffu, 0x80000000u, 0x7ffffffcu, 0xfffffffcu,
                                 0x00010000u, 0x40000000u, 0xfffffff0u, 0u,          1u};

static int n_ok, n_fail;

static void run_one(const uint8_t *b, size_t n) {
  nq_graph *g = NULL;
  nq_error e;
  memset(&e, 0, sizeof e);
  nq_status s = nq_tflite_read_memory(b, n, "mut.tflite", &g, &e);
  if (s == NQ_OK) {
    n_ok++;
    CHECK(g != NULL && nq_graph_verify(g, &e) == NQ_OK);
  } else {
    n_fail++;
    CHECKF(g == NULL && s > NQ_OK && s < NQ_STATUS_COUNT && s != NQ_ERR_INTERNAL &&
               strncmp(e.msg, "mut.tflite: ", 12) == 0 && strlen(e.msg) > 14,
           "status %d message '%s'", s, e.msg);
  }
  nq_graph_free(g);
}

static void mutate_model(const char *path, int count, uint64_t seed) {
  size_t n;
  uint8_t *orig = nq_test_read_file(path, &n);
  CHECKF(orig != NULL, "cannot read %s", path);
  if (!orig) return;
  uint8_t *is_data = calloc(n, 1);
  size_t *structure = malloc(sizeof(size_t) * n);
  mark_data(orig, n, is_data);
  size_t ns = 0;
  for (size_t i = 0; i < n; i++)
    if (!is_data[i]) structure[ns++] = i;
  uint8_t *b = malloc(n + 256);
  nq_rng r = {seed};
  for (int it = 0; it < count; it++) {
    memcpy(b, orig, n);
    size_t len = n;
    int kind = nq_rng_int(&r, 0, 4);
    if (kind == 0) { /* byte flips */
      int k = nq_rng_int(&r, 1, 8);
      for (int j = 0; j < k; j++) b[pick_pos(&r, structure, ns, n)] ^= (uint8_t)nq_rng_int(&r, 1, 255);
    } else if (kind == 1) { /* truncation */
      len = (size_t)nq_rng_next(&r) % n;
    } else if (kind == 2) { /* inserted garbage */
      size_t at = pick_pos(&r, structure, ns, n), k = (size_t)nq_rng_int(&r, 1, 64);
      memmove(b + at + k, b + at, n - at);
      for (size_t j = 0; j < k; j++) b[at + j] = (uint8_t)nq_rng_next(&r);
      len = n + k;
    } else { /* 32-bit overwrite with a huge/negative/random value */
      int k = nq_rng_int(&r, 1, 3);
      for (int j = 0; j < k; j++) {
        size_t at = pick_pos(&r, structure, ns, n) & ~(size_t)3;
        if (at + 4 > n) continue;
        uint32_t v = nq_rng_int(&r, 0, 1)
                         ? nasty[nq_rng_int(&r, 0, (int)(sizeof nasty / sizeof nasty[0]) - 1)]
                         : (uint32_t)nq_rng_next(&r);
        for (int q = 0; q < 4; q++) b[at + (size_t)q] = (uint8_t)(v >> (8 * q));
      }
    }
    run_one(b, len);
  }
  free(b);
  free(structure);
  free(is_data);
  free(orig);
}

int main(void) {
  int golden;
  const char *dir = nq_test_models_dir(&golden);
  typedef struct {
    const char *rel;
    int count;
  } base;
  /* Without ../shared: committed int8 models with many op kinds and options. */
  static const base golden_models[] = {
      {"net_small_cnn.tflite", 6000}, {"net_small_mlp.tflite", 4000},      {"transpose_conv_s2.tflite", 3000},
      {"strided_slice.tflite", 2000}, {"batch_matmul_adj_x.tflite", 2000}, {"q_log_softmax.tflite", 1000},
  };
  static const base shared_models[] = {
      {"tflite2onnx-ops/conv-relu.float32.tflite", 6000},
      {"tflite2onnx-ops/conv-quant-fp16.float32.tflite", 4000},
      {"mlperf-tiny-kws/kws_ref_model.tflite", 3000},
      {"mlperf-tiny-kws/kws_ref_model_float32.tflite", 2000},
      {"tflm-fuzz-seed-corpus/malicious_gather.tflite", 3000},
      {"mlperf-tiny-vww/vww_96_int8.tflite", 600},
  };
  const base *models = golden ? golden_models : shared_models;
  size_t n_models =
      golden ? sizeof golden_models / sizeof *golden_models : sizeof shared_models / sizeof *shared_models;
  clock_t t0 = clock();
  for (size_t i = 0; i < n_models; i++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, models[i].rel);
    mutate_model(p, models[i].count, 0x9e3779b97f4a7c15ull + i);
  }
  printf("%d mutants loaded, %d rejected, %.1f s cpu\n", n_ok, n_fail,
         (double)(clock() - t0) / CLOCKS_PER_SEC);
  CHECK(n_fail > 5000); /* the mutations do reach the checks */
  return nq_test_finish("test_reader_mutation");
}
