/*
 * A small, bounded reader of the FlexBuffers maps that TFLite custom ops keep
 * their options in (Operator.custom_options, custom_options_format 0). Only
 * what option maps need: the root map, and scalar values (int, uint, float,
 * bool, inline or indirect) looked up by key. Every read is checked against
 * the buffer, so hostile bytes give an error string, never a read outside.
 *
 * FlexBuffers in one paragraph (the format's facts): the buffer ends with the
 * root's byte width (last byte) and the root's packed type (the byte before),
 * preceded by the root value itself. A packed type holds the type in its top
 * six bits and, for values stored by offset, log2 of the child's byte width
 * in the low two bits. Offsets are unsigned and count backwards from where
 * they are stored. A map points at its values; before them sit (one width
 * each) the offset to its keys vector, the keys' byte width and the element
 * count; after the values come one packed-type byte per value. Keys are
 * offsets to NUL-terminated strings.
 */
#ifndef NQ_FORMATS_TFLITE_FLEXBUFFER_H
#define NQ_FORMATS_TFLITE_FLEXBUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct nq_flex_map {
  const uint8_t *buf;
  size_t size;
  size_t values; /* offset of value 0 */
  size_t width;  /* byte width of the values */
  size_t n;      /* element count */
  size_t keys;   /* offset of key 0's offset */
  size_t kwidth; /* byte width of the key offsets */
} nq_flex_map;

/* The root map of buf; NULL on success, or what is wrong. */
const char *nq_flex_root_map(const uint8_t *buf, size_t size, nq_flex_map *m);

/* Value `key` of m as a number (int, uint, float, bool; inline or indirect):
 * NULL on success with *found false when the key is absent, or what is
 * wrong (a malformed entry, a value that is not a number). */
const char *nq_flex_map_number(const nq_flex_map *m, const char *key, double *out, bool *found);

#endif
