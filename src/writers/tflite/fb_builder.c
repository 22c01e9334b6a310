#include "writers/tflite/fb_builder.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"

void fb_init(fb_builder *b, nq_error *err) {
  memset(b, 0, sizeof *b);
  b->minalign = 1;
  b->dedup_vtables = true;
  b->status = NQ_OK;
  b->err = err;
}

void fb_free(fb_builder *b) {
  free(b->buf);
  free(b->vtables);
  b->buf = NULL;
  b->vtables = NULL;
  b->cap = b->used = 0;
  b->n_vtables = b->cap_vtables = 0;
}

void fb_set_dedup_vtables(fb_builder *b, bool on) { b->dedup_vtables = on; }

nq_status fb_status(const fb_builder *b) { return b->status; }

/* Record the first failure; later ones keep the first message. */
static bool fb_failed(fb_builder *b, nq_status code, const char *what) {
  if (b->status == NQ_OK) {
    b->status = nq_fail(b->err, code, "flatbuffer builder: %s", what);
  }
  return false;
}

void fb_set_error(fb_builder *b, nq_status code, const char *what) { (void)fb_failed(b, code, what); }

/* Make room for `need` more bytes in front of the data, moving the data to
 * the end of a larger, zeroed buffer. */
static bool fb_reserve(fb_builder *b, size_t need) {
  if (b->status != NQ_OK) return false;
  size_t want;
  if (!nq_add_size(b->used, need, &want) || want > FB_MAX_SIZE)
    return fb_failed(b, NQ_ERR_NOMEM, "the file would exceed 2 GiB, the FlatBuffers limit");
  if (want <= b->cap) return true;
  size_t ncap = b->cap ? b->cap : 1024;
  while (ncap < want) {
    if (ncap > FB_MAX_SIZE / 2) {
      ncap = FB_MAX_SIZE;
      break;
    }
    ncap *= 2;
  }
  uint8_t *nb = calloc(ncap, 1);
  if (!nb) return fb_failed(b, NQ_ERR_NOMEM, "out of memory growing the buffer");
  if (b->used) memcpy(nb + ncap - b->used, b->buf + b->cap - b->used, b->used);
  free(b->buf);
  b->buf = nb;
  b->cap = ncap;
  return true;
}

/* Pointer to the object `ref` bytes from the end. */
static uint8_t *fb_at(fb_builder *b, size_t ref) { return b->buf + b->cap - ref; }

/* Zero padding so that after `additional` more bytes the write position is
 * aligned to `align` (a power of two no larger than 16). */
static bool fb_prep(fb_builder *b, size_t align, size_t additional) {
  if (b->status != NQ_OK) return false;
  if (align > b->minalign) b->minalign = align;
  size_t total;
  if (!nq_add_size(b->used, additional, &total) || total > FB_MAX_SIZE)
    return fb_failed(b, NQ_ERR_NOMEM, "the file would exceed 2 GiB, the FlatBuffers limit");
  size_t pad = (align - (total & (align - 1))) & (align - 1);
  if (!fb_reserve(b, pad + additional)) return false;
  b->used += pad;
  memset(fb_at(b, b->used), 0, pad);
  return true;
}

/* Push raw bytes (space must have been reserved by fb_prep). */
static void fb_push(fb_builder *b, const void *p, size_t n) {
  b->used += n;
  if (n) memcpy(fb_at(b, b->used), p, n);
}

static void put_le(uint8_t *dst, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (uint8_t)(v >> (8 * i));
}

static void fb_push_le(fb_builder *b, uint64_t v, size_t n) {
  b->used += n;
  put_le(fb_at(b, b->used), v, n);
}

/* Push a uoffset to `ref`: the stored value is the distance from the
 * uoffset's own position forward to the target. */
static void fb_push_uoffset(fb_builder *b, fb_ref ref) {
  size_t here = b->used + 4;
  fb_push_le(b, (uint32_t)(here - ref), 4);
}

static bool fb_check_not_in_table(fb_builder *b, const char *what) {
  if (b->in_table) return fb_failed(b, NQ_ERR_INTERNAL, what);
  return b->status == NQ_OK;
}

fb_ref fb_create_string(fb_builder *b, const char *s, size_t len) {
  if (!fb_check_not_in_table(b, "string created inside a table")) return 0;
  if (len > FB_MAX_SIZE - 8) return fb_failed(b, NQ_ERR_NOMEM, "string too long"), 0;
  if (!fb_prep(b, 4, len + 1)) return 0;
  fb_push_le(b, 0, 1);
  fb_push(b, s, len);
  if (!fb_prep(b, 4, 4)) return 0;
  fb_push_le(b, (uint32_t)len, 4);
  return (fb_ref)b->used;
}

fb_ref fb_create_vector(fb_builder *b, const void *elems, size_t count, size_t elem_size, size_t align) {
  if (!fb_check_not_in_table(b, "vector created inside a table")) return 0;
  if (elem_size == 0 || align < elem_size || align > 16 || (align & (align - 1)))
    return fb_failed(b, NQ_ERR_INTERNAL, "bad vector element size or alignment"), 0;
  size_t bytes;
  if (!nq_mul_size(count, elem_size, &bytes) || bytes > FB_MAX_SIZE || count > UINT32_MAX)
    return fb_failed(b, NQ_ERR_NOMEM, "vector exceeds the 2 GiB FlatBuffers limit"), 0;
  /* The count must sit right before the (aligned) elements. */
  if (!fb_prep(b, 4, bytes) || !fb_prep(b, align < 4 ? 4 : align, bytes)) return 0;
  fb_push(b, elems, bytes);
  if (!fb_prep(b, 4, 4)) return 0;
  fb_push_le(b, (uint32_t)count, 4);
  return (fb_ref)b->used;
}

/* Typed vectors: convert host values to little-endian bytes in place. */
static fb_ref fb_create_vector_conv(fb_builder *b, size_t count, size_t elem_size,
                                    void (*get)(const void *, size_t, uint8_t *), const void *src) {
  if (!fb_check_not_in_table(b, "vector created inside a table")) return 0;
  size_t bytes;
  if (!nq_mul_size(count, elem_size, &bytes) || bytes > FB_MAX_SIZE || count > UINT32_MAX)
    return fb_failed(b, NQ_ERR_NOMEM, "vector exceeds the 2 GiB FlatBuffers limit"), 0;
  size_t align = elem_size < 4 ? 4 : elem_size;
  if (!fb_prep(b, 4, bytes) || !fb_prep(b, align, bytes)) return 0;
  b->used += bytes;
  uint8_t *dst = fb_at(b, b->used);
  for (size_t i = 0; i < count; i++) get(src, i, dst + i * elem_size);
  if (!fb_prep(b, 4, 4)) return 0;
  fb_push_le(b, (uint32_t)count, 4);
  return (fb_ref)b->used;
}

static void get_i32(const void *src, size_t i, uint8_t *dst) {
  put_le(dst, (uint32_t)((const int32_t *)src)[i], 4);
}
static void get_i64(const void *src, size_t i, uint8_t *dst) {
  put_le(dst, (uint64_t)((const int64_t *)src)[i], 8);
}
static void get_f32(const void *src, size_t i, uint8_t *dst) {
  uint32_t u;
  memcpy(&u, (const float *)src + i, 4);
  put_le(dst, u, 4);
}

fb_ref fb_create_vector_i32(fb_builder *b, const int32_t *v, size_t count) {
  return fb_create_vector_conv(b, count, 4, get_i32, v);
}
fb_ref fb_create_vector_i64(fb_builder *b, const int64_t *v, size_t count) {
  return fb_create_vector_conv(b, count, 8, get_i64, v);
}
fb_ref fb_create_vector_f32(fb_builder *b, const float *v, size_t count) {
  return fb_create_vector_conv(b, count, 4, get_f32, v);
}

fb_ref fb_create_ref_vector(fb_builder *b, const fb_ref *refs, size_t count) {
  if (!fb_check_not_in_table(b, "vector created inside a table")) return 0;
  size_t bytes;
  if (!nq_mul_size(count, 4, &bytes) || bytes > FB_MAX_SIZE)
    return fb_failed(b, NQ_ERR_NOMEM, "vector exceeds the 2 GiB FlatBuffers limit"), 0;
  if (!fb_prep(b, 4, bytes)) return 0;
  for (size_t i = count; i-- > 0;) {
    if (refs[i] == 0 || refs[i] > b->used)
      return fb_failed(b, NQ_ERR_INTERNAL, "vector element refers to no object"), 0;
    fb_push_uoffset(b, refs[i]);
  }
  if (!fb_prep(b, 4, 4)) return 0;
  fb_push_le(b, (uint32_t)count, 4);
  return (fb_ref)b->used;
}

void fb_table_start(fb_builder *b) {
  if (!fb_check_not_in_table(b, "table started inside another table")) return;
  b->in_table = true;
  b->table_start = b->used;
  b->n_fields = 0;
  memset(b->field_ref, 0, sizeof b->field_ref);
}

static bool fb_field_ok(fb_builder *b, int field) {
  if (b->status != NQ_OK) return false;
  if (!b->in_table) return fb_failed(b, NQ_ERR_INTERNAL, "field added outside a table");
  if (field < 0 || field >= FB_MAX_FIELDS) return fb_failed(b, NQ_ERR_INTERNAL, "field id out of range");
  if (b->field_ref[field]) return fb_failed(b, NQ_ERR_INTERNAL, "field added twice");
  return true;
}

static void fb_add_scalar(fb_builder *b, int field, uint64_t bits, size_t n) {
  if (!fb_field_ok(b, field) || !fb_prep(b, n, n)) return;
  fb_push_le(b, bits, n);
  b->field_ref[field] = (fb_ref)b->used;
  if (field + 1 > b->n_fields) b->n_fields = field + 1;
}

void fb_add_bool(fb_builder *b, int field, bool v, bool def) {
  if (v != def) fb_add_scalar(b, field, v ? 1 : 0, 1);
}
void fb_add_i8(fb_builder *b, int field, int8_t v, int8_t def) {
  if (v != def) fb_add_scalar(b, field, (uint8_t)v, 1);
}
void fb_add_u8(fb_builder *b, int field, uint8_t v, uint8_t def) {
  if (v != def) fb_add_scalar(b, field, v, 1);
}
void fb_add_i16(fb_builder *b, int field, int16_t v, int16_t def) {
  if (v != def) fb_add_scalar(b, field, (uint16_t)v, 2);
}
void fb_add_i32(fb_builder *b, int field, int32_t v, int32_t def) {
  if (v != def) fb_add_scalar(b, field, (uint32_t)v, 4);
}
void fb_add_u32(fb_builder *b, int field, uint32_t v, uint32_t def) {
  if (v != def) fb_add_scalar(b, field, v, 4);
}
void fb_add_i64(fb_builder *b, int field, int64_t v, int64_t def) {
  if (v != def) fb_add_scalar(b, field, (uint64_t)v, 8);
}
void fb_add_u64(fb_builder *b, int field, uint64_t v, uint64_t def) {
  if (v != def) fb_add_scalar(b, field, v, 8);
}
/* Compared bit for bit so -0.0 and NaN payloads survive a round trip. */
void fb_add_f32(fb_builder *b, int field, float v, float def) {
  uint32_t vb, db;
  memcpy(&vb, &v, 4);
  memcpy(&db, &def, 4);
  if (vb != db) fb_add_scalar(b, field, vb, 4);
}

void fb_add_ref(fb_builder *b, int field, fb_ref ref) {
  if (ref == 0 || !fb_field_ok(b, field)) return;
  if (ref > b->used) {
    fb_failed(b, NQ_ERR_INTERNAL, "offset field refers to no object");
    return;
  }
  if (!fb_prep(b, 4, 4)) return;
  fb_push_uoffset(b, ref);
  b->field_ref[field] = (fb_ref)b->used;
  if (field + 1 > b->n_fields) b->n_fields = field + 1;
}

fb_ref fb_table_end(fb_builder *b) {
  if (b->status != NQ_OK) return 0;
  if (!b->in_table) return fb_failed(b, NQ_ERR_INTERNAL, "table ended but none started"), 0;
  b->in_table = false;
  /* The soffset to the vtable starts the table. */
  if (!fb_prep(b, 4, 4)) return 0;
  fb_push_le(b, 0, 4);
  size_t obj = b->used;
  size_t obj_size = obj - b->table_start;
  if (obj_size > 0xffff) return fb_failed(b, NQ_ERR_UNSUPPORTED, "table larger than 64 KiB"), 0;

  /* Trailing absent fields are trimmed: n_fields only counts up to the last
   * one written. */
  uint16_t vt[2 + FB_MAX_FIELDS];
  size_t nvt = 2 + (size_t)b->n_fields;
  vt[0] = (uint16_t)(nvt * 2);
  vt[1] = (uint16_t)obj_size;
  for (int f = 0; f < b->n_fields; f++) vt[2 + f] = b->field_ref[f] ? (uint16_t)(obj - b->field_ref[f]) : 0;
  uint8_t vt_bytes[2 * (2 + FB_MAX_FIELDS)];
  for (size_t i = 0; i < nvt; i++) put_le(vt_bytes + 2 * i, vt[i], 2);

  fb_ref vt_ref = 0;
  if (b->dedup_vtables) {
    for (size_t i = 0; i < b->n_vtables; i++) {
      const uint8_t *cand = fb_at(b, b->vtables[i]);
      size_t cand_len = (size_t)cand[0] | ((size_t)cand[1] << 8);
      if (cand_len == nvt * 2 && memcmp(cand, vt_bytes, nvt * 2) == 0) {
        vt_ref = b->vtables[i];
        break;
      }
    }
  }
  if (vt_ref == 0) {
    /* obj is 4-aligned, so the uint16 vtable right before it is aligned. */
    if (!fb_prep(b, 2, nvt * 2)) return 0;
    fb_push(b, vt_bytes, nvt * 2);
    vt_ref = (fb_ref)b->used;
    if (b->dedup_vtables) {
      if (b->n_vtables == b->cap_vtables) {
        size_t nc = b->cap_vtables ? b->cap_vtables * 2 : 16;
        fb_ref *nv = realloc(b->vtables, nc * sizeof *nv);
        if (!nv) return fb_failed(b, NQ_ERR_NOMEM, "out of memory (vtable list)"), 0;
        b->vtables = nv;
        b->cap_vtables = nc;
      }
      b->vtables[b->n_vtables++] = vt_ref;
    }
  }
  /* vtable address = table address - soffset; addresses grow as refs shrink. */
  int64_t soff = (int64_t)vt_ref - (int64_t)obj;
  put_le(fb_at(b, obj), (uint32_t)(int32_t)soff, 4);
  return (fb_ref)obj;
}

nq_status fb_finish(fb_builder *b, fb_ref root, const char *ident, uint8_t **out, size_t *size) {
  *out = NULL;
  *size = 0;
  if (b->status != NQ_OK) return b->status;
  if (b->in_table) return fb_failed(b, NQ_ERR_INTERNAL, "finish inside a table"), b->status;
  if (root == 0 || root > b->used)
    return fb_failed(b, NQ_ERR_INTERNAL, "root refers to no object"), b->status;
  size_t head = ident ? 8 : 4;
  /* Pad so the whole buffer is a multiple of the largest alignment used:
   * then alignment measured from the end equals alignment from the start. */
  if (!fb_prep(b, b->minalign < 4 ? 4 : b->minalign, head)) return b->status;
  if (ident) fb_push(b, ident, 4);
  fb_push_uoffset(b, root);
  uint8_t *res = malloc(b->used);
  if (!res) return fb_failed(b, NQ_ERR_NOMEM, "out of memory (final buffer)"), b->status;
  memcpy(res, fb_at(b, b->used), b->used);
  *out = res;
  *size = b->used;
  free(b->buf);
  b->buf = NULL;
  b->cap = b->used = 0;
  b->n_vtables = 0;
  return NQ_OK;
}
