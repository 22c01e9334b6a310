/*
 * A few lines that read FlatBuffers by the format's definition, shared by
 * the writer tests so they check the builder/writer output independently of
 * the code that produced it (and of the project's TFLite reader).
 * No bounds checks: only for buffers the tests themselves produced.
 */
#ifndef NQ_TESTS_WRITER_FB_PEEK_H
#define NQ_TESTS_WRITER_FB_PEEK_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t pk_u32(const uint8_t *b, size_t p) {
  return (uint32_t)b[p] | (uint32_t)b[p + 1] << 8 | (uint32_t)b[p + 2] << 16 | (uint32_t)b[p + 3] << 24;
}
static inline uint16_t pk_u16(const uint8_t *b, size_t p) { return (uint16_t)(b[p] | b[p + 1] << 8); }
static inline size_t pk_vtable(const uint8_t *b, size_t table) {
  return (size_t)((int64_t)table - (int32_t)pk_u32(b, table));
}
/* Position of field `id` of the table at `table`, 0 when absent. */
static inline size_t pk_field(const uint8_t *b, size_t table, int id) {
  size_t vt = pk_vtable(b, table);
  if ((size_t)(4 + 2 * id) >= pk_u16(b, vt)) return 0;
  uint16_t off = pk_u16(b, vt + 4 + 2 * (size_t)id);
  return off ? table + off : 0;
}
static inline size_t pk_deref(const uint8_t *b, size_t p) { return p + pk_u32(b, p); }
/* Element i of the vector of tables at field `id` of `table` (0 if absent). */
static inline size_t pk_vec_table(const uint8_t *b, size_t table, int id, uint32_t i) {
  size_t f = pk_field(b, table, id);
  if (!f) return 0;
  size_t v = pk_deref(b, f);
  return pk_deref(b, v + 4 + 4 * (size_t)i);
}
static inline uint32_t pk_vec_len(const uint8_t *b, size_t table, int id) {
  size_t f = pk_field(b, table, id);
  return f ? pk_u32(b, pk_deref(b, f)) : 0;
}
/* A scalar field read with its default. */
static inline int64_t pk_i32_or(const uint8_t *b, size_t table, int id, int64_t def) {
  size_t f = pk_field(b, table, id);
  return f ? (int32_t)pk_u32(b, f) : def;
}
static inline int pk_i8_or(const uint8_t *b, size_t table, int id, int def) {
  size_t f = pk_field(b, table, id);
  return f ? (int8_t)b[f] : def;
}

#endif
