/*
 * Checked access to a flatbuffer held in memory (the layout is described
 * at the top of formats/tflite/schema.h).
 *
 * The bytes come from a hostile file, so nothing is dereferenced before it
 * is proven in bounds: every table header and vtable (size, alignment,
 * bounds), every field (inside its table), every uoffset, vector length and
 * string (NUL terminator inside the buffer) is checked with overflow-free
 * arithmetic when it is first looked at. A failing check fills `err` with
 * NQ_ERR_FORMAT and a message naming the buffer, the object, the field and
 * the byte offset, e.g.
 *
 *   "m.tflite: subgraph 0 tensor 3: field 'shape': vector of 4000000000
 *    4-byte elements runs past the end of the file (byte offset 1234)"
 *
 * Values are read byte by byte (little-endian, the flatbuffers wire order),
 * so neither host alignment nor byte order matters. Alignment is therefore
 * not demanded of the file either: hand-written flatbuffers (TFLite Micro's
 * test models) have unaligned fields that TFLite Micro reads fine. Handles are plain
 * positions into the buffer and stay valid as long as the buffer does.
 */
#ifndef NQ_FRONTENDS_TFLITE_FB_VERIFY_H
#define NQ_FRONTENDS_TFLITE_FB_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* flatbuffers' own limit: offsets are 32-bit and signed offsets must work. */
#define NQ_FB_MAX_SIZE ((size_t)0x7fffffff)

typedef struct nq_fb {
  const uint8_t *buf;
  size_t size;      /* bytes the flatbuffer may reference (the whole file) */
  const char *name; /* file name for messages */
} nq_fb;

/* A verified table: the header and its vtable are in bounds. */
typedef struct nq_fb_table {
  size_t pos; /* table start; 0 means "absent" (no table lives at offset 0) */
  size_t vt;  /* vtable start */
  uint16_t vt_size, tbl_size;
} nq_fb_table;

/* A verified vector: len elements of elem bytes start at data. */
typedef struct nq_fb_vec {
  size_t data;
  uint32_t len;
} nq_fb_vec;

/* Check the root offset and return the root table. */
nq_status nq_fb_root(const nq_fb *fb, nq_fb_table *root, nq_error *err);

/* Verify the table that starts at pos (what names it for messages). */
nq_status nq_fb_table_at(const nq_fb *fb, size_t pos, const char *what, nq_fb_table *out, nq_error *err);

/* Scalars: *out = the field's value or `def` when the field is absent. */
nq_status nq_fb_u8(const nq_fb *fb, const nq_fb_table *t, int id, uint8_t def, const char *what,
                   const char *field, uint8_t *out, nq_error *err);
nq_status nq_fb_i8(const nq_fb *fb, const nq_fb_table *t, int id, int8_t def, const char *what,
                   const char *field, int8_t *out, nq_error *err);
nq_status nq_fb_i32(const nq_fb *fb, const nq_fb_table *t, int id, int32_t def, const char *what,
                    const char *field, int32_t *out, nq_error *err);
nq_status nq_fb_u32(const nq_fb *fb, const nq_fb_table *t, int id, uint32_t def, const char *what,
                    const char *field, uint32_t *out, nq_error *err);
nq_status nq_fb_u64(const nq_fb *fb, const nq_fb_table *t, int id, uint64_t def, const char *what,
                    const char *field, uint64_t *out, nq_error *err);
nq_status nq_fb_f32(const nq_fb *fb, const nq_fb_table *t, int id, float def, const char *what,
                    const char *field, float *out, nq_error *err);

/* Sub-table field; out->pos == 0 when absent. */
nq_status nq_fb_table_field(const nq_fb *fb, const nq_fb_table *t, int id, const char *what,
                            const char *field, nq_fb_table *out, nq_error *err);
/* Vector field of elem-byte scalars or uoffsets; len 0 when absent. */
nq_status nq_fb_vector(const nq_fb *fb, const nq_fb_table *t, int id, size_t elem, const char *what,
                       const char *field, nq_fb_vec *out, nq_error *err);
/* String field; *s = NULL, *len = 0 when absent. *s is NUL-terminated in
 * the buffer (it may hold earlier NULs: treat it as len bytes). */
nq_status nq_fb_string(const nq_fb *fb, const nq_fb_table *t, int id, const char *what, const char *field,
                       const char **s, uint32_t *len, nq_error *err);
/* Element i of a verified vector of tables. */
nq_status nq_fb_vec_table(const nq_fb *fb, const nq_fb_vec *v, uint32_t i, const char *what, nq_fb_table *out,
                          nq_error *err);

/* Elements of verified vectors (i < len; the caller checks). */
int32_t nq_fb_vec_i32(const nq_fb *fb, const nq_fb_vec *v, uint32_t i);
uint32_t nq_fb_vec_u32(const nq_fb *fb, const nq_fb_vec *v, uint32_t i);
int64_t nq_fb_vec_i64(const nq_fb *fb, const nq_fb_vec *v, uint32_t i);
float nq_fb_vec_f32(const nq_fb *fb, const nq_fb_vec *v, uint32_t i);

/* Little-endian loads at a verified position. */
uint16_t nq_fb_rd16(const uint8_t *p);
uint32_t nq_fb_rd32(const uint8_t *p);
uint64_t nq_fb_rd64(const uint8_t *p);

#endif
