/* The associated-files archive appended to a .tflite: found only when it
 * really follows a complete model, and carried to a new model of another
 * size with its offsets still pointing at its local headers. Archives are
 * built here byte by byte (one stored file) following PKWARE's APPNOTE. */
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "ir/graph.h"
#include "testutil.h"
#include "writers/tflite/tflite_write.h"
#include "writers/tflite/tflite_zip.h"

static void w16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void w32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t r32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* model bytes + a one-file stored zip; `base` is added to the recorded
 * offsets (base = model size: absolute offsets; 0: relative to the zip). */
static uint8_t *with_zip(const uint8_t *model, size_t msize, size_t base, size_t *out_size) {
  static const char name[] = "labels.txt", body[] = "cat\ndog\n";
  size_t nl = sizeof name - 1, bl = sizeof body - 1;
  size_t local = 30 + nl + bl, cd = 46 + nl, total = msize + local + cd + 22;
  uint8_t *b = calloc(total, 1);
  memcpy(b, model, msize);
  uint8_t *l = b + msize;
  w32(l, 0x04034b50u);
  w16(l + 4, 10);
  w32(l + 18, (uint32_t)bl); /* sizes (crc left 0: not checked here) */
  w32(l + 22, (uint32_t)bl);
  w16(l + 26, (unsigned)nl);
  memcpy(l + 30, name, nl);
  memcpy(l + 30 + nl, body, bl);
  uint8_t *c = l + local;
  w32(c, 0x02014b50u);
  w32(c + 20, (uint32_t)bl);
  w32(c + 24, (uint32_t)bl);
  w16(c + 28, (unsigned)nl);
  w32(c + 42, (uint32_t)base); /* the local header offset */
  memcpy(c + 46, name, nl);
  uint8_t *e = c + cd;
  w32(e, 0x06054b50u);
  w16(e + 8, 1);
  w16(e + 10, 1);
  w32(e + 12, (uint32_t)cd);
  w32(e + 16, (uint32_t)(base + local));
  *out_size = total;
  return b;
}

/* A small valid model; `pad` extra tensors change its size. */
static uint8_t *model_bytes(int extra, size_t *size) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t shp[2] = {1, 4};
  int a = nq_graph_add_tensor(g, "a", NQ_FLOAT32, 2, shp, &err);
  int prev = a;
  for (int i = 0; i <= extra; i++) {
    int y = nq_graph_add_tensor(g, "a_much_longer_tensor_name", NQ_FLOAT32, 2, shp, &err);
    nq_graph_add_node(g, NQ_OP_RELU, NULL, 1, &prev, 1, &y, NULL, &err);
    prev = y;
  }
  nq_graph_set_io(g, 1, &a, 1, &prev, &err);
  uint8_t *b = NULL;
  CHECK(nq_tflite_write_memory(g, &b, size, &err) == NQ_OK);
  nq_graph_free(g);
  return b;
}

/* Check the archive at the end of buf by its own records: the end record's
 * directory offset (plus `concat`) lands on the directory, whose entry's
 * local offset lands on "PK\3\4" + the name. */
static void check_archive(const uint8_t *buf, size_t size, int64_t concat, const char *what) {
  const uint8_t *e = buf + size - 22;
  CHECKF(r32(e) == 0x06054b50u, "%s: end record", what);
  size_t cd = (size_t)((int64_t)r32(e + 16) + concat);
  CHECKF(cd == size - 22 - r32(e + 12), "%s: directory offset %zu", what, cd);
  CHECKF(r32(buf + cd) == 0x02014b50u, "%s: directory signature", what);
  size_t local = (size_t)((int64_t)r32(buf + cd + 42) + concat);
  CHECKF(local < size && r32(buf + local) == 0x04034b50u, "%s: local header at %zu", what, local);
  CHECKF(memcmp(buf + local + 30, "labels.txt", 10) == 0, "%s: file name", what);
  CHECKF(memcmp(buf + local + 40, "cat\ndog\n", 8) == 0, "%s: file data", what);
}

static void carry(size_t src_model_size, const uint8_t *src, size_t src_size, int extra, int absolute) {
  nq_error err;
  size_t start;
  nq_tflite_find_appended_zip(src, src_size, &start);
  CHECKF(start == src_model_size, "archive found at %zu, expected %zu", start, src_model_size);
  size_t len;
  uint8_t *buf = model_bytes(extra, &len);
  size_t new_model = len;
  CHECK(nq_tflite_append_zip(src, src_size, start, &buf, &len, &err) == NQ_OK);
  CHECK(len == new_model + (src_size - start));
  check_archive(buf, len, absolute ? 0 : (int64_t)new_model, absolute ? "absolute" : "relative");
  /* and the result is found again as an appended archive */
  size_t again;
  nq_tflite_find_appended_zip(buf, len, &again);
  CHECK(again == new_model);
  free(buf);
}

int main(void) {
  size_t msize;
  uint8_t *model = model_bytes(3, &msize);
  size_t size, none;
  /* no archive */
  nq_tflite_find_appended_zip(model, msize, &none);
  CHECK(none == msize);
  /* absolute offsets, carried to a smaller and to a larger model */
  uint8_t *abs_zip = with_zip(model, msize, msize, &size);
  carry(msize, abs_zip, size, 0, 1);
  carry(msize, abs_zip, size, 12, 1);
  /* relative offsets: copied unchanged */
  uint8_t *rel_zip = with_zip(model, msize, 0, &size);
  carry(msize, rel_zip, size, 1, 0);
  /* broken archives are not carried: wrong directory signature, local
   * header offset pointing into the model, truncated model in front */
  abs_zip[msize + 30 + 10 + 8] ^= 0xff;
  nq_tflite_find_appended_zip(abs_zip, size, &none);
  CHECK(none == size);
  abs_zip[msize + 30 + 10 + 8] ^= 0xff;
  uint8_t *c = abs_zip + msize + 30 + 10 + 8;
  w32(c + 42, 16);
  nq_tflite_find_appended_zip(abs_zip, size, &none);
  CHECK(none == size);
  uint8_t *cut = with_zip(model, msize / 2, msize / 2, &size);
  nq_tflite_find_appended_zip(cut, size, &none);
  CHECK(none == size);
  free(cut);
  free(abs_zip);
  free(rel_zip);
  free(model);
  return nq_test_finish("test_tflite_zip");
}
