/*
 * A small FlatBuffers builder in C, enough to write .tflite files.
 *
 * FlatBuffers layout recap (what this builder produces):
 *   - All scalars little-endian, each aligned to its own size measured from
 *     the start of the finished buffer.
 *   - The buffer starts with a uoffset (uint32) to the root table, then an
 *     optional 4-byte file identifier ("TFL3").
 *   - A uoffset stored at address A pointing to T holds T - A (> 0): a child
 *     always lies after its parent in memory.
 *   - A table starts with an soffset (int32) s; its vtable is at table - s.
 *     A vtable is uint16 [vtable bytes, table bytes, field0 offset, ...]; a
 *     field offset of 0 (or a field id past the vtable's end) means "absent,
 *     use the schema default".
 *   - A vector is a uint32 element count followed by the elements; a string
 *     is a vector of bytes plus a trailing NUL that is not counted.
 *
 * The buffer is built back to front: everything a table points to is
 * written before the table itself, so every object is referenced by its
 * distance from the END of the buffer (fb_ref, never 0 for a real object).
 * Tables cannot be nested while being built: create children first.
 *
 * Errors are sticky: the first failure (size limit, allocation, misuse)
 * is recorded in the builder's nq_error and every later call becomes a
 * no-op returning 0; fb_finish() returns the status. This keeps the writer
 * that drives the builder linear, and it cannot produce a half-valid buffer.
 *
 * Determinism: padding bytes are always zero and nothing depends on
 * pointers or time, so the same calls give byte-identical output.
 */
#ifndef NQ_WRITERS_TFLITE_FB_BUILDER_H
#define NQ_WRITERS_TFLITE_FB_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "npuquant.h"

/* Largest buffer we build: offsets are 32-bit and TFLite reads signed ones. */
#define FB_MAX_SIZE ((size_t)0x7fffffff)
/* Largest field id a table may use (bounds the vtable scratch array). */
#define FB_MAX_FIELDS 64

typedef uint32_t fb_ref; /* distance of an object from the buffer's end; 0 = none */

typedef struct fb_builder {
  uint8_t *buf; /* data lives in buf[cap - used, cap) */
  size_t cap, used;
  size_t minalign; /* largest alignment requested so far */
  bool dedup_vtables;
  /* current table */
  bool in_table;
  size_t table_start;              /* `used` when the table was started */
  fb_ref field_ref[FB_MAX_FIELDS]; /* where each field was written, 0 = absent */
  int n_fields;                    /* highest field id + 1 */
  /* vtables written so far (for deduplication) */
  fb_ref *vtables;
  size_t n_vtables, cap_vtables;
  nq_status status;
  nq_error *err;
} fb_builder;

/* Start an empty builder; `err` receives the first failure (must outlive b). */
void fb_init(fb_builder *b, nq_error *err);
void fb_free(fb_builder *b);
/* Share identical vtables between tables (smaller files; on by default). */
void fb_set_dedup_vtables(fb_builder *b, bool on);
nq_status fb_status(const fb_builder *b);
/* Record a failure found by the caller (e.g. its own allocation failed) so
 * that it sticks like the builder's own errors. */
void fb_set_error(fb_builder *b, nq_status code, const char *what);

/* Strings: `len` bytes of s (need not be NUL-terminated). */
fb_ref fb_create_string(fb_builder *b, const char *s, size_t len);
/* A vector of `count` little-endian scalars of `elem_size` bytes each whose
 * first element is aligned to `align` (>= elem_size, power of two; use 16
 * for tensor data). `elems` holds the raw little-endian bytes. */
fb_ref fb_create_vector(fb_builder *b, const void *elems, size_t count, size_t elem_size, size_t align);
/* Typed helpers for host values (converted to little-endian). */
fb_ref fb_create_vector_i32(fb_builder *b, const int32_t *v, size_t count);
fb_ref fb_create_vector_i64(fb_builder *b, const int64_t *v, size_t count);
fb_ref fb_create_vector_f32(fb_builder *b, const float *v, size_t count);
/* A vector of offsets to tables or strings already created (none may be 0). */
fb_ref fb_create_ref_vector(fb_builder *b, const fb_ref *refs, size_t count);

/* Tables: fb_table_start, any number of fb_add_*, fb_table_end. A scalar
 * equal to its schema default is not written (readers return the default). */
void fb_table_start(fb_builder *b);
void fb_add_bool(fb_builder *b, int field, bool v, bool def);
void fb_add_i8(fb_builder *b, int field, int8_t v, int8_t def);
void fb_add_u8(fb_builder *b, int field, uint8_t v, uint8_t def);
void fb_add_i16(fb_builder *b, int field, int16_t v, int16_t def);
void fb_add_i32(fb_builder *b, int field, int32_t v, int32_t def);
void fb_add_u32(fb_builder *b, int field, uint32_t v, uint32_t def);
void fb_add_i64(fb_builder *b, int field, int64_t v, int64_t def);
void fb_add_u64(fb_builder *b, int field, uint64_t v, uint64_t def);
void fb_add_f32(fb_builder *b, int field, float v, float def);
/* An offset field (table, vector, string); ref 0 leaves the field absent. */
void fb_add_ref(fb_builder *b, int field, fb_ref ref);
fb_ref fb_table_end(fb_builder *b);

/* Write the root offset and the optional 4-byte identifier (NULL for none)
 * and hand the finished buffer to the caller (*out: malloc'd, caller frees).
 * The builder is left empty but must still be freed with fb_free(). */
nq_status fb_finish(fb_builder *b, fb_ref root, const char *ident, uint8_t **out, size_t *size);

#endif
