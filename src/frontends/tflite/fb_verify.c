#include "frontends/tflite/fb_verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/checked.h"

uint16_t nq_fb_rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t nq_fb_rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
uint64_t nq_fb_rd64(const uint8_t *p) { return (uint64_t)nq_fb_rd32(p) | (uint64_t)nq_fb_rd32(p + 4) << 32; }

/* One format error: "<file>: <what>: [field 'f': ]<reason> (byte offset N)". */
NQ_PRINTF(6, 7)
static nq_status bad(const nq_fb *fb, nq_error *err, size_t at, const char *what, const char *field,
                     const char *fmt, ...) {
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (field)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: %s: field '%s': %s (byte offset %zu)", fb->name, what, field,
                   reason, at);
  return nq_fail(err, NQ_ERR_FORMAT, "%s: %s: %s (byte offset %zu)", fb->name, what, reason, at);
}

/* [pos, pos + n) lies inside the buffer. */
static bool in_bounds(const nq_fb *fb, size_t pos, size_t n) {
  return pos <= fb->size && n <= fb->size - pos;
}

nq_status nq_fb_table_at(const nq_fb *fb, size_t pos, const char *what, nq_fb_table *out, nq_error *err) {
  if (pos == 0 || !in_bounds(fb, pos, 4))
    return bad(fb, err, pos, what, NULL, "table starts outside the %zu-byte file", fb->size);
  int64_t soff = (int32_t)nq_fb_rd32(fb->buf + pos);
  int64_t vt = (int64_t)pos - soff;
  if (vt < 0 || (uint64_t)vt > fb->size || !in_bounds(fb, (size_t)vt, 4))
    return bad(fb, err, pos, what, NULL, "vtable offset %lld points outside the file", (long long)soff);
  uint16_t vt_size = nq_fb_rd16(fb->buf + vt), tbl_size = nq_fb_rd16(fb->buf + vt + 2);
  if (vt_size < 4 || vt_size % 2 != 0)
    return bad(fb, err, (size_t)vt, what, NULL, "vtable size %u is not an even number >= 4", vt_size);
  if (!in_bounds(fb, (size_t)vt, vt_size))
    return bad(fb, err, (size_t)vt, what, NULL, "vtable of %u bytes runs past the end of the file", vt_size);
  if (tbl_size < 4 || !in_bounds(fb, pos, tbl_size))
    return bad(fb, err, pos, what, NULL, "table of %u bytes does not fit in the file", tbl_size);
  out->pos = pos;
  out->vt = (size_t)vt;
  out->vt_size = vt_size;
  out->tbl_size = tbl_size;
  return NQ_OK;
}

nq_status nq_fb_root(const nq_fb *fb, nq_fb_table *root, nq_error *err) {
  if (fb->size < 8)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: %zu bytes is too short for a flatbuffer", fb->name, fb->size);
  if (fb->size > NQ_FB_MAX_SIZE)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: %zu bytes is over the 2 GiB flatbuffer limit", fb->name,
                   fb->size);
  return nq_fb_table_at(fb, nq_fb_rd32(fb->buf), "model root", root, err);
}

/* Position of field `id` of `width` bytes inside table t, 0 when absent. */
static nq_status field_pos(const nq_fb *fb, const nq_fb_table *t, int id, size_t width, const char *what,
                           const char *field, size_t *pos, nq_error *err) {
  *pos = 0;
  if (t->pos == 0) return NQ_OK;
  size_t slot = 4 + 2 * (size_t)id;
  if (slot + 2 > t->vt_size) return NQ_OK; /* older writer: field not in the vtable */
  uint16_t off = nq_fb_rd16(fb->buf + t->vt + slot);
  if (off == 0) return NQ_OK;
  if (off < 4 || (size_t)off + width > t->tbl_size)
    return bad(fb, err, t->pos, what, field, "field at offset %u (%zu bytes) lies outside its %u-byte table",
               off, width, t->tbl_size);
  *pos = t->pos + off;
  return NQ_OK;
}

#define SCALAR_GETTER(fname, type, width, load)                                              \
  nq_status fname(const nq_fb *fb, const nq_fb_table *t, int id, type def, const char *what, \
                  const char *field, type *out, nq_error *err) {                             \
    size_t p;                                                                                \
    NQ_TRY(field_pos(fb, t, id, width, what, field, &p, err));                               \
    if (p == 0) {                                                                            \
      *out = def;                                                                            \
      return NQ_OK;                                                                          \
    }                                                                                        \
    load;                                                                                    \
    return NQ_OK;                                                                            \
  }

SCALAR_GETTER(nq_fb_u8, uint8_t, 1, *out = fb->buf[p])
SCALAR_GETTER(nq_fb_i8, int8_t, 1, *out = (int8_t)fb->buf[p])
SCALAR_GETTER(nq_fb_i32, int32_t, 4, *out = (int32_t)nq_fb_rd32(fb->buf + p))
SCALAR_GETTER(nq_fb_u32, uint32_t, 4, *out = nq_fb_rd32(fb->buf + p))
SCALAR_GETTER(nq_fb_u64, uint64_t, 8, *out = nq_fb_rd64(fb->buf + p))
SCALAR_GETTER(nq_fb_f32, float, 4, {
  uint32_t bits = nq_fb_rd32(fb->buf + p);
  memcpy(out, &bits, sizeof bits);
})

/* Follow the uoffset field `id`: *target = where it points, 0 when absent. */
static nq_status follow(const nq_fb *fb, const nq_fb_table *t, int id, const char *what, const char *field,
                        size_t *target, nq_error *err) {
  size_t p;
  *target = 0;
  NQ_TRY(field_pos(fb, t, id, 4, what, field, &p, err));
  if (p == 0) return NQ_OK;
  uint32_t off = nq_fb_rd32(fb->buf + p);
  size_t to;
  if (off == 0 || !nq_add_size(p, off, &to) || !in_bounds(fb, to, 4))
    return bad(fb, err, p, what, field, "offset %u points outside the %zu-byte file", off, fb->size);
  *target = to;
  return NQ_OK;
}

nq_status nq_fb_table_field(const nq_fb *fb, const nq_fb_table *t, int id, const char *what,
                            const char *field, nq_fb_table *out, nq_error *err) {
  size_t to;
  memset(out, 0, sizeof *out);
  NQ_TRY(follow(fb, t, id, what, field, &to, err));
  if (to == 0) return NQ_OK;
  char sub[256];
  snprintf(sub, sizeof sub, "%s: field '%s'", what, field);
  return nq_fb_table_at(fb, to, sub, out, err);
}

/* A vector header at `to`: its length and that len * elem bytes follow. */
static nq_status vector_at(const nq_fb *fb, size_t to, size_t elem, const char *what, const char *field,
                           nq_fb_vec *out, nq_error *err) {
  uint32_t len = nq_fb_rd32(fb->buf + to);
  size_t bytes;
  if (!nq_mul_size(len, elem, &bytes) || !in_bounds(fb, to + 4, bytes))
    return bad(fb, err, to, what, field, "vector of %u %zu-byte elements runs past the end of the file", len,
               elem);
  out->data = to + 4;
  out->len = len;
  return NQ_OK;
}

nq_status nq_fb_vector(const nq_fb *fb, const nq_fb_table *t, int id, size_t elem, const char *what,
                       const char *field, nq_fb_vec *out, nq_error *err) {
  size_t to;
  out->data = 0;
  out->len = 0;
  NQ_TRY(follow(fb, t, id, what, field, &to, err));
  if (to == 0) return NQ_OK;
  return vector_at(fb, to, elem, what, field, out, err);
}

nq_status nq_fb_string(const nq_fb *fb, const nq_fb_table *t, int id, const char *what, const char *field,
                       const char **s, uint32_t *len, nq_error *err) {
  size_t to;
  nq_fb_vec v = {0, 0};
  *s = NULL;
  *len = 0;
  NQ_TRY(follow(fb, t, id, what, field, &to, err));
  if (to == 0) return NQ_OK;
  NQ_TRY(vector_at(fb, to, 1, what, field, &v, err));
  if (!in_bounds(fb, v.data + v.len, 1) || fb->buf[v.data + v.len] != 0)
    return bad(fb, err, to, what, field, "string of %u bytes is not NUL-terminated", v.len);
  *s = (const char *)fb->buf + v.data;
  *len = v.len;
  return NQ_OK;
}

nq_status nq_fb_vec_table(const nq_fb *fb, const nq_fb_vec *v, uint32_t i, const char *what, nq_fb_table *out,
                          nq_error *err) {
  size_t p = v->data + 4 * (size_t)i; /* in bounds: the vector was verified */
  uint32_t off = nq_fb_rd32(fb->buf + p);
  size_t to;
  if (off == 0 || !nq_add_size(p, off, &to) || !in_bounds(fb, to, 4))
    return bad(fb, err, p, what, NULL, "offset %u points outside the %zu-byte file", off, fb->size);
  return nq_fb_table_at(fb, to, what, out, err);
}

int32_t nq_fb_vec_i32(const nq_fb *fb, const nq_fb_vec *v, uint32_t i) {
  return (int32_t)nq_fb_rd32(fb->buf + v->data + 4 * (size_t)i);
}
uint32_t nq_fb_vec_u32(const nq_fb *fb, const nq_fb_vec *v, uint32_t i) {
  return nq_fb_rd32(fb->buf + v->data + 4 * (size_t)i);
}
int64_t nq_fb_vec_i64(const nq_fb *fb, const nq_fb_vec *v, uint32_t i) {
  return (int64_t)nq_fb_rd64(fb->buf + v->data + 8 * (size_t)i);
}
float nq_fb_vec_f32(const nq_fb *fb, const nq_fb_vec *v, uint32_t i) {
  uint32_t bits = nq_fb_vec_u32(fb, v, i);
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}
