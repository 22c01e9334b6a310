/*
 * Overflow-checked size arithmetic for everything derived from untrusted
 * input. Each helper returns false (and leaves *out untouched) on overflow,
 * so callers write:
 *
 *     size_t n;
 *     if (!nq_mul_size(count, elem, &n)) return nq_fail(err, NQ_ERR_FORMAT, ...);
 */
#ifndef NQ_CORE_CHECKED_H
#define NQ_CORE_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool nq_mul_size(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

static inline bool nq_add_size(size_t a, size_t b, size_t *out) {
  if (b > SIZE_MAX - a) return false;
  *out = a + b;
  return true;
}

/* Product of dims; false if any dim is negative or the product overflows
 * `limit` (pass SIZE_MAX for none). A rank-0 shape has one element. */
static inline bool nq_shape_elems(const int32_t *dims, int rank, size_t limit, size_t *out) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0) return false;
    if (!nq_mul_size(n, (size_t)dims[i], &n) || n > limit) return false;
  }
  *out = n;
  return true;
}

#endif
