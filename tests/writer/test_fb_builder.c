/* The FlatBuffers builder, checked by reading its output back with a few
 * independent lines that follow the format's definition (not the builder's
 * code): root uoffset, soffset to vtable, vtable slots, vector lengths,
 * alignment measured from the buffer start. */
#include <string.h>

#include "core/status.h"
#include "testutil.h"
#include "writers/tflite/fb_builder.h"

/* ---- minimal independent reader ---- */
static uint32_t u32(const uint8_t *b, size_t p) {
  return (uint32_t)b[p] | (uint32_t)b[p + 1] << 8 | (uint32_t)b[p + 2] << 16 | (uint32_t)b[p + 3] << 24;
}
static uint16_t u16(const uint8_t *b, size_t p) { return (uint16_t)(b[p] | b[p + 1] << 8); }
static uint64_t u64(const uint8_t *b, size_t p) {
  return (uint64_t)u32(b, p) | (uint64_t)u32(b, p + 4) << 32;
}
static size_t vtable_of(const uint8_t *b, size_t table) {
  int32_t so = (int32_t)u32(b, table);
  return (size_t)((int64_t)table - so);
}
/* Position of field `id` of the table at `table`, 0 when absent. */
static size_t field(const uint8_t *b, size_t table, int id) {
  size_t vt = vtable_of(b, table);
  uint16_t vlen = u16(b, vt);
  if ((size_t)(4 + 2 * id) >= vlen) return 0;
  uint16_t off = u16(b, vt + 4 + 2 * (size_t)id);
  return off ? table + off : 0;
}
static size_t deref(const uint8_t *b, size_t p) { return p + u32(b, p); }

static void test_table_roundtrip(void) {
  nq_error err;
  fb_builder b;
  fb_init(&b, &err);
  fb_ref s = fb_create_string(&b, "hello", 5);
  int32_t v[3] = {-1, 2, 300000};
  fb_ref vec = fb_create_vector_i32(&b, v, 3);
  fb_table_start(&b);
  fb_add_i32(&b, 0, 7, 0);
  fb_add_ref(&b, 1, s);
  fb_add_f32(&b, 2, 1.5f, 0.0f);
  fb_add_bool(&b, 3, false, false); /* default: must be left out */
  fb_add_ref(&b, 4, vec);
  fb_add_i64(&b, 5, -5000000000LL, 0);
  fb_add_i8(&b, 6, 3, 3); /* default and last: trimmed from the vtable */
  fb_ref root = fb_table_end(&b);
  uint8_t *buf;
  size_t size;
  CHECK(fb_finish(&b, root, "TEST", &buf, &size) == NQ_OK);
  fb_free(&b);
  CHECK(size % 8 == 0); /* largest alignment used: int64 */
  CHECK(memcmp(buf + 4, "TEST", 4) == 0);
  size_t t = deref(buf, 0);
  CHECK(t < size && t % 4 == 0);
  size_t vt = vtable_of(buf, t);
  CHECKF(u16(buf, vt) == 4 + 2 * 6, "vtable bytes %u (fields 0..5 expected)", u16(buf, vt));
  CHECK(field(buf, t, 3) == 0);
  CHECK(field(buf, t, 6) == 0);
  CHECK(u32(buf, field(buf, t, 0)) == 7);
  size_t sp = deref(buf, field(buf, t, 1));
  CHECK(u32(buf, sp) == 5 && memcmp(buf + sp + 4, "hello", 5) == 0 && buf[sp + 9] == 0);
  uint32_t fbits = u32(buf, field(buf, t, 2));
  float f;
  memcpy(&f, &fbits, 4);
  CHECK(f == 1.5f);
  size_t vp = deref(buf, field(buf, t, 4));
  CHECK(u32(buf, vp) == 3);
  CHECK((int32_t)u32(buf, vp + 4) == -1 && (int32_t)u32(buf, vp + 8) == 2 &&
        (int32_t)u32(buf, vp + 12) == 300000);
  size_t lp = field(buf, t, 5);
  CHECK(lp % 8 == 0 && (int64_t)u64(buf, lp) == -5000000000LL);
  /* table size in the vtable covers every field */
  CHECK(u16(buf, vt + 2) >= 4 + 4 + 4 + 4 + 8);
  free(buf);
}

/* -0.0 differs from the default 0.0 bit-wise and must be stored. */
static void test_negative_zero_kept(void) {
  nq_error err;
  fb_builder b;
  fb_init(&b, &err);
  fb_table_start(&b);
  fb_add_f32(&b, 0, -0.0f, 0.0f);
  fb_ref root = fb_table_end(&b);
  uint8_t *buf;
  size_t size;
  CHECK(fb_finish(&b, root, NULL, &buf, &size) == NQ_OK);
  fb_free(&b);
  size_t t = deref(buf, 0);
  size_t p = field(buf, t, 0);
  CHECK(p != 0 && u32(buf, p) == 0x80000000u);
  free(buf);
}

/* Vector data with 16-byte alignment after odd-sized objects, and a vector
 * of tables. */
static void test_alignment_and_table_vectors(void) {
  nq_error err;
  fb_builder b;
  fb_init(&b, &err);
  fb_ref kids[3];
  for (int i = 0; i < 3; i++) {
    char name[8];
    int n = snprintf(name, sizeof name, "k%d", i * 111);
    fb_ref nm = fb_create_string(&b, name, (size_t)n);
    uint8_t data[5] = {(uint8_t)i, 1, 2, 3, 4};
    fb_ref d = fb_create_vector(&b, data, (size_t)(3 + i), 1, 16);
    fb_table_start(&b);
    fb_add_ref(&b, 0, nm);
    fb_add_ref(&b, 1, d);
    fb_add_u8(&b, 2, (uint8_t)(i + 1), 0);
    kids[i] = fb_table_end(&b);
  }
  fb_ref kv = fb_create_ref_vector(&b, kids, 3);
  fb_table_start(&b);
  fb_add_ref(&b, 0, kv);
  fb_ref root = fb_table_end(&b);
  uint8_t *buf;
  size_t size;
  CHECK(fb_finish(&b, root, "TFL3", &buf, &size) == NQ_OK);
  fb_free(&b);
  CHECK(size % 16 == 0);
  size_t t = deref(buf, 0);
  size_t vp = deref(buf, field(buf, t, 0));
  CHECK(u32(buf, vp) == 3);
  size_t vt0 = 0;
  for (int i = 0; i < 3; i++) {
    size_t kt = deref(buf, vp + 4 + 4 * (size_t)i);
    size_t nm = deref(buf, field(buf, kt, 0));
    char want[8];
    int n = snprintf(want, sizeof want, "k%d", i * 111);
    CHECK(u32(buf, nm) == (uint32_t)n && memcmp(buf + nm + 4, want, (size_t)n) == 0);
    size_t d = deref(buf, field(buf, kt, 1));
    CHECKF((d + 4) % 16 == 0, "data of child %d at %zu, not 16-aligned", i, d + 4);
    CHECK(u32(buf, d) == (uint32_t)(3 + i) && buf[d + 4] == i && buf[d + 5] == 1);
    CHECK(buf[field(buf, kt, 2)] == i + 1);
    /* identical layouts share one vtable (deduplication) */
    if (i == 0)
      vt0 = vtable_of(buf, kt);
    else
      CHECK(vtable_of(buf, kt) == vt0);
  }
  free(buf);
}

/* Same calls twice give the same bytes; dedup off gives separate vtables. */
static uint8_t *build_pair(bool dedup, size_t *size) {
  nq_error err;
  fb_builder b;
  fb_init(&b, &err);
  fb_set_dedup_vtables(&b, dedup);
  fb_ref k[2];
  for (int i = 0; i < 2; i++) {
    fb_table_start(&b);
    fb_add_i32(&b, 1, i + 10, 0);
    k[i] = fb_table_end(&b);
  }
  fb_ref v = fb_create_ref_vector(&b, k, 2);
  fb_table_start(&b);
  fb_add_ref(&b, 0, v);
  fb_ref root = fb_table_end(&b);
  uint8_t *buf = NULL;
  CHECK(fb_finish(&b, root, NULL, &buf, size) == NQ_OK);
  fb_free(&b);
  return buf;
}

static void test_dedup_and_determinism(void) {
  size_t s1, s2, s3;
  uint8_t *a = build_pair(true, &s1), *c = build_pair(true, &s2), *d = build_pair(false, &s3);
  CHECK(s1 == s2 && memcmp(a, c, s1) == 0);
  CHECK(s3 > s1); /* one vtable more */
  size_t vp = deref(d, field(d, deref(d, 0), 0));
  size_t k0 = deref(d, vp + 4), k1 = deref(d, vp + 8);
  CHECK(vtable_of(d, k0) != vtable_of(d, k1));
  CHECK(u32(d, field(d, k0, 1)) == 10 && u32(d, field(d, k1, 1)) == 11);
  free(a);
  free(c);
  free(d);
}

/* Misuse is an error, and the error sticks. */
static void test_errors(void) {
  nq_error err;
  fb_builder b;
  fb_init(&b, &err);
  fb_table_start(&b);
  fb_table_start(&b); /* nested: refused */
  CHECK(fb_status(&b) == NQ_ERR_INTERNAL);
  CHECK(strstr(err.msg, "inside another table") != NULL);
  CHECK(fb_create_string(&b, "x", 1) == 0);
  uint8_t *buf = (uint8_t *)&b;
  size_t size = 1;
  CHECK(fb_finish(&b, 4, NULL, &buf, &size) == NQ_ERR_INTERNAL && buf == NULL && size == 0);
  fb_free(&b);

  fb_init(&b, &err);
  fb_table_start(&b);
  fb_add_i32(&b, FB_MAX_FIELDS, 1, 0);
  CHECK(fb_status(&b) == NQ_ERR_INTERNAL);
  fb_free(&b);

  fb_init(&b, &err);
  fb_table_start(&b);
  fb_add_i32(&b, 2, 1, 0);
  fb_add_i32(&b, 2, 1, 0); /* twice */
  CHECK(fb_status(&b) == NQ_ERR_INTERNAL && strstr(err.msg, "twice"));
  fb_free(&b);

  /* a size past the 2 GiB limit fails cleanly before allocating */
  fb_init(&b, &err);
  static const uint8_t one = 0;
  CHECK(fb_create_vector(&b, &one, (size_t)1 << 31, 1, 16) == 0);
  CHECK(fb_status(&b) == NQ_ERR_NOMEM);
  fb_free(&b);
}

int main(void) {
  test_table_roundtrip();
  test_negative_zero_kept();
  test_alignment_and_table_vectors();
  test_dedup_and_determinism();
  test_errors();
  return nq_test_finish("test_fb_builder");
}
