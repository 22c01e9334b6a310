#include "writers/tflite/tflite_zip.h"

#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/status.h"
#include "frontends/tflite/tflite_reader.h"

enum {
  EOCD_SIG = 0x06054b50u,
  CDIR_SIG = 0x02014b50u,
  LOCAL_SIG = 0x04034b50u,
  EOCD_SIZE = 22,
  CDIR_SIZE = 46,
  LOCAL_SIZE = 30,
  MAX_COMMENT = 0xffff,
};

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* What the end record says, checked against the file. */
typedef struct zip_layout {
  size_t eocd;     /* position of the end record */
  size_t cd_start; /* actual position of the central directory */
  size_t start;    /* first byte of the archive (lowest local header) */
  int64_t concat;  /* actual position - recorded offset (0: absolute offsets) */
  unsigned entries;
} zip_layout;

static int find_eocd(const uint8_t *d, size_t size, size_t *pos) {
  if (size < EOCD_SIZE + 8) return 0;
  size_t lowest = size - EOCD_SIZE > MAX_COMMENT + 8 ? size - EOCD_SIZE - MAX_COMMENT : 8;
  for (size_t p = size - EOCD_SIZE + 1; p-- > lowest;) {
    if (rd32(d + p) == EOCD_SIG && p + EOCD_SIZE + rd16(d + p + 20) == size) {
      *pos = p;
      return 1;
    }
  }
  return 0;
}

/* Parse and check the whole archive structure; 0 when it is not one we carry. */
static int parse_zip(const uint8_t *d, size_t size, zip_layout *z) {
  size_t e;
  if (!find_eocd(d, size, &e)) return 0;
  uint16_t disk = rd16(d + e + 4), cd_disk = rd16(d + e + 6);
  uint16_t n_disk = rd16(d + e + 8), n_total = rd16(d + e + 10);
  uint32_t cd_size = rd32(d + e + 12), cd_off = rd32(d + e + 16);
  if (disk != 0 || cd_disk != 0 || n_disk != n_total) return 0;                       /* multi-disk */
  if (n_total == 0xffff || cd_size == 0xffffffffu || cd_off == 0xffffffffu) return 0; /* zip64 */
  if (cd_size > e || cd_off > e - cd_size) return 0;
  z->eocd = e;
  z->cd_start = e - cd_size;
  z->concat = (int64_t)z->cd_start - (int64_t)cd_off;
  z->entries = n_total;
  z->start = z->cd_start;
  size_t p = z->cd_start;
  for (unsigned i = 0; i < n_total; i++) {
    if (p > e || e - p < CDIR_SIZE || rd32(d + p) != CDIR_SIG) return 0;
    size_t var = (size_t)rd16(d + p + 28) + rd16(d + p + 30) + rd16(d + p + 32);
    uint32_t local = rd32(d + p + 42);
    if (local == 0xffffffffu) return 0;
    size_t at = (size_t)((int64_t)local + z->concat);
    if (at >= z->cd_start || z->cd_start - at < LOCAL_SIZE || rd32(d + at) != LOCAL_SIG) return 0;
    if (at < z->start) z->start = at;
    if (e - p - CDIR_SIZE < var) return 0;
    p += CDIR_SIZE + var;
  }
  if (p != e) return 0; /* the directory must fill its recorded size exactly */
  return z->start >= 8;
}

void nq_tflite_find_appended_zip(const uint8_t *data, size_t size, size_t *start) {
  *start = size;
  zip_layout z;
  if (!parse_zip(data, size, &z)) return;
  /* Only an archive that lies after a complete model counts: the bytes in
   * front of it must verify as a .tflite by themselves. (A zip stored inside
   * a flatbuffer buffer at the end of the file fails this.) */
  nq_error ignored;
  if (nq_tflite_verify(data, z.start, "model before the appended archive", &ignored) != NQ_OK) return;
  *start = z.start;
}

nq_status nq_tflite_append_zip(const uint8_t *data, size_t size, size_t start, uint8_t **buf, size_t *len,
                               nq_error *err) {
  zip_layout z;
  if (start >= size || !parse_zip(data, size, &z) || z.start != start)
    return nq_fail(err, NQ_ERR_INTERNAL, "appended archive: not the one found before");
  size_t zlen = size - start, total;
  if (!nq_add_size(*len, zlen, &total) || total > UINT32_MAX)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   "model plus its associated-files archive exceed 4 GiB, the zip offset limit");
  uint8_t *nb = realloc(*buf, total);
  if (!nb) return nq_fail(err, NQ_ERR_NOMEM, "out of memory appending the associated files");
  *buf = nb;
  uint8_t *zip = nb + *len;
  memcpy(zip, data + start, zlen);
  if (z.concat == 0) {
    /* Absolute offsets: move them with the archive. All stay below 4 GiB
     * because total does. */
    int64_t delta = (int64_t)*len - (int64_t)start;
    size_t p = z.cd_start - start;
    for (unsigned i = 0; i < z.entries; i++) {
      wr32(zip + p + 42, (uint32_t)((int64_t)rd32(zip + p + 42) + delta));
      p += CDIR_SIZE + (size_t)rd16(zip + p + 28) + rd16(zip + p + 30) + rd16(zip + p + 32);
    }
    size_t e = z.eocd - start;
    wr32(zip + e + 16, (uint32_t)((int64_t)rd32(zip + e + 16) + delta));
  }
  *len = total;
  return NQ_OK;
}
