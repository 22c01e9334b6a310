#include "formats/tflite/flexbuffer.h"

#include <string.h>

/* FlexBuffers type codes (the top six bits of a packed type). */
enum {
  FLEX_INT = 1,
  FLEX_UINT = 2,
  FLEX_FLOAT = 3,
  FLEX_INDIRECT_INT = 6,
  FLEX_INDIRECT_UINT = 7,
  FLEX_INDIRECT_FLOAT = 8,
  FLEX_MAP = 9,
  FLEX_BOOL = 26,
};

static bool width_ok(size_t w) { return w == 1 || w == 2 || w == 4 || w == 8; }

/* `w` bytes at pos fit in the buffer. */
static bool fits(const nq_flex_map *m, size_t pos, size_t w) { return pos <= m->size && w <= m->size - pos; }

static uint64_t read_u(const uint8_t *p, size_t w) {
  uint64_t v = 0;
  for (size_t i = 0; i < w; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static int64_t read_i(const uint8_t *p, size_t w) {
  uint64_t v = read_u(p, w);
  if (w < 8 && (v >> (8 * w - 1)) & 1) v |= ~(uint64_t)0 << (8 * w);
  return (int64_t)v;
}

/* The position an offset stored at pos (w bytes) points back to. */
static bool follow(const nq_flex_map *m, size_t pos, size_t w, size_t *to) {
  if (!fits(m, pos, w)) return false;
  uint64_t off = read_u(m->buf + pos, w);
  if (off > pos) return false;
  *to = pos - (size_t)off;
  return true;
}

const char *nq_flex_root_map(const uint8_t *buf, size_t size, nq_flex_map *m) {
  memset(m, 0, sizeof *m);
  m->buf = buf;
  m->size = size;
  if (!buf || size < 3) return "fewer than 3 bytes";
  const size_t root_w = buf[size - 1];
  const uint8_t packed = buf[size - 2];
  if (!width_ok(root_w) || root_w > size - 2) return "bad root byte width";
  if (packed >> 2 != FLEX_MAP) return "the root is not a map";
  const size_t root = size - 2 - root_w, w = (size_t)1 << (packed & 3);
  size_t values, keys_field, keys;
  if (!follow(m, root, root_w, &values) || values < 3 * w) return "map offset out of range";
  keys_field = values - 3 * w;
  const uint64_t n = read_u(buf + values - w, w), kw = read_u(buf + values - 2 * w, w);
  if (!width_ok((size_t)kw)) return "bad key byte width";
  if (!follow(m, keys_field, w, &keys) || keys < kw) return "keys offset out of range";
  /* n values, then n type bytes; n key offsets; both inside the buffer. */
  if (n > size || !fits(m, values, (size_t)n * (w + 1)) || !fits(m, keys, (size_t)n * (size_t)kw))
    return "map of more elements than the buffer holds";
  if (read_u(buf + keys - kw, (size_t)kw) != n) return "keys and values differ in count";
  m->values = values;
  m->width = w;
  m->n = (size_t)n;
  m->keys = keys;
  m->kwidth = (size_t)kw;
  return NULL;
}

/* Key i as a NUL-terminated string inside the buffer, or NULL. */
static const char *key_at(const nq_flex_map *m, size_t i) {
  size_t s;
  if (!follow(m, m->keys + i * m->kwidth, m->kwidth, &s)) return NULL;
  const void *nul = memchr(m->buf + s, 0, m->size - s);
  return nul ? (const char *)(m->buf + s) : NULL;
}

const char *nq_flex_map_number(const nq_flex_map *m, const char *key, double *out, bool *found) {
  *found = false;
  for (size_t i = 0; i < m->n; i++) {
    const char *k = key_at(m, i);
    if (!k) return "a key offset out of range";
    if (strcmp(k, key) != 0) continue;
    size_t pos = m->values + i * m->width, w = m->width;
    const uint8_t packed = m->buf[m->values + m->n * m->width + i];
    int type = packed >> 2;
    if (type == FLEX_INDIRECT_INT || type == FLEX_INDIRECT_UINT || type == FLEX_INDIRECT_FLOAT) {
      if (!follow(m, pos, w, &pos)) return "an indirect value out of range";
      w = (size_t)1 << (packed & 3);
      if (!fits(m, pos, w)) return "an indirect value out of range";
      type = type == FLEX_INDIRECT_INT ? FLEX_INT : type == FLEX_INDIRECT_UINT ? FLEX_UINT : FLEX_FLOAT;
    }
    const uint8_t *p = m->buf + pos;
    switch (type) {
      case FLEX_INT:
        *out = (double)read_i(p, w);
        break;
      case FLEX_UINT:
      case FLEX_BOOL:
        *out = (double)read_u(p, w);
        break;
      case FLEX_FLOAT:
        if (w == 4) {
          uint32_t u = (uint32_t)read_u(p, 4);
          float f;
          memcpy(&f, &u, sizeof f);
          *out = f;
        } else if (w == 8) {
          uint64_t u = read_u(p, 8);
          double d;
          memcpy(&d, &u, sizeof d);
          *out = d;
        } else {
          return "a float of 1 or 2 bytes";
        }
        break;
      default:
        return "a value that is not a number";
    }
    *found = true;
    return NULL;
  }
  return NULL;
}
