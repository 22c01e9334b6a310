/*
 * A guard against a libhdf5 1.10 weakness: variable-length strings (Keras'
 * model_config, layer and weight names) live in "global heap collections",
 * and libhdf5 copies a heap object using the size stored in the file with
 * only a debug assertion behind it, so a damaged size field makes H5Aread
 * read out of bounds and crash. Before any variable-length read we scan the
 * file for collections (signature "GCOL", version 1) and check that each
 * object header's size stays inside its collection and the collection
 * inside the file (HDF5 file format spec, "Global Heap"). This covers the
 * damaged-size case; it cannot make libhdf5 safe against every hostile file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/input_file.h"
#include "frontends/keras/keras_internal.h"

#define GCOL_HEADER 16
#define GCOL_MAX ((uint64_t)1 << 30)

static uint64_t le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

/* Check one collection given its bytes (size = its declared size). */
static bool collection_ok(const unsigned char *c, uint64_t size) {
  uint64_t off = GCOL_HEADER;
  while (size - off >= 16) {
    uint16_t idx = le16(c + off);
    uint64_t osz = le64(c + off + 8);
    if (idx == 0) return osz <= size - off; /* free space: the rest of the collection */
    uint64_t padded = (osz + 7) & ~(uint64_t)7;
    if (osz > size || padded < osz || padded > size - off - 16) return false;
    off += 16 + padded;
  }
  return true;
}

bool kr_global_heaps_ok_mem(const unsigned char *buf, size_t len) {
  for (size_t i = 0; i + GCOL_HEADER <= len; i++) {
    const unsigned char *p = memchr(buf + i, 'G', len - i);
    if (!p) break;
    i = (size_t)(p - buf);
    if (i + GCOL_HEADER > len || memcmp(p, "GCOL\x01\0\0\0", 8) != 0) continue;
    uint64_t size = le64(p + 8);
    if (size < GCOL_HEADER || size > len - i || !collection_ok(p, size)) return false;
  }
  return true;
}

nq_status kr_check_global_heaps(const char *path, nq_error *err) {
  /* The first open of an .h5 (HDF5 itself opens by name afterwards): a FIFO
   * or device is refused here, and the file is recorded as an input. */
  FILE *f;
  NQ_TRY(nq_input_fopen(path, NULL, &f, NULL, err));
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return nq_fail(err, NQ_ERR_IO, "%s: cannot seek", path);
  }
  long flen = ftell(f);
  enum { CHUNK = 1 << 20 };
  unsigned char *chunk = malloc(CHUNK + GCOL_HEADER);
  nq_status st = NQ_OK;
  if (!chunk || flen < 0) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  for (long base = 0; st == NQ_OK && base < flen; base += CHUNK) {
    size_t want = (size_t)(flen - base) < (size_t)CHUNK + GCOL_HEADER ? (size_t)(flen - base)
                                                                      : (size_t)CHUNK + GCOL_HEADER;
    if (fseek(f, base, SEEK_SET) != 0 || fread(chunk, 1, want, f) != want) {
      st = nq_fail(err, NQ_ERR_IO, "%s: read error", path);
      break;
    }
    size_t scan = want < (size_t)CHUNK ? want : (size_t)CHUNK; /* signatures starting in this chunk */
    for (size_t i = 0; i < scan && st == NQ_OK; i++) {
      const unsigned char *p = memchr(chunk + i, 'G', scan - i);
      if (!p) break;
      i = (size_t)(p - chunk);
      if (i + 8 > want || memcmp(p, "GCOL\x01\0\0\0", 8) != 0) continue;
      unsigned char hdr[GCOL_HEADER];
      long at = base + (long)i;
      if (fseek(f, at, SEEK_SET) != 0 || fread(hdr, 1, GCOL_HEADER, f) != GCOL_HEADER) {
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: truncated HDF5 global heap at byte %ld", path, at);
        break;
      }
      uint64_t size = le64(hdr + 8);
      if (size < GCOL_HEADER || size > GCOL_MAX || size > (uint64_t)(flen - at)) {
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: damaged HDF5 global heap at byte %ld (size %llu)", path, at,
                     (unsigned long long)size);
        break;
      }
      unsigned char *col = malloc((size_t)size);
      if (!col) {
        st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
        break;
      }
      if (fseek(f, at, SEEK_SET) != 0 || fread(col, 1, (size_t)size, f) != (size_t)size ||
          !collection_ok(col, size))
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: damaged HDF5 global heap at byte %ld (an object overruns it)",
                     path, at);
      free(col);
    }
  }
  free(chunk);
  fclose(f);
  return st;
}
