/* .npz (ZIP of .npy) reader; the format subset is documented in npz.h. */
#include "io/npz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#if NQ_HAVE_ZLIB
#include <zlib.h>
#endif

#include "core/budget.h"
#include "core/checked.h"
#include "core/crc32.h"
#include "core/input_file.h"
#include "core/status.h"

typedef struct npz_member {
  char *name;
  uint16_t flags, method;
  uint32_t crc;
  uint64_t csize, usize, local_off;
} npz_member;

struct nq_npz {
  char *path;
  uint64_t file_size;
  int count;
  npz_member *m;
};

static uint32_t rd16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Read exactly n bytes at offset `at`. */
static nq_status read_at(FILE *f, const char *path, uint64_t at, void *dst, size_t n, nq_error *err) {
  if (at > (uint64_t)INT64_MAX || fseeko(f, (off_t)at, SEEK_SET) != 0)
    return nq_fail(err, NQ_ERR_IO, "%s: cannot seek to offset %llu", path, (unsigned long long)at);
  if (fread(dst, 1, n, f) != n)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: file ends inside the %zu bytes at offset %llu", path, n,
                   (unsigned long long)at);
  return NQ_OK;
}

void nq_npz_close(nq_npz *z) {
  if (!z) return;
  for (int i = 0; i < z->count; i++) free(z->m[i].name);
  free(z->m);
  free(z->path);
  free(z);
}

int nq_npz_count(const nq_npz *z) { return z->count; }
const char *nq_npz_name(const nq_npz *z, int i) { return z->m[i].name; }
uint64_t nq_npz_size(const nq_npz *z, int i) { return z->m[i].usize; }

int nq_npz_find(const nq_npz *z, const char *key) {
  size_t k = strlen(key);
  for (int i = 0; i < z->count; i++) {
    const char *n = z->m[i].name;
    if (strcmp(n, key) == 0) return i;
    if (strncmp(n, key, k) == 0 && strcmp(n + k, ".npy") == 0) return i;
  }
  return -1;
}

/* Locate the central directory: entry count, offset and size. */
static nq_status find_directory(FILE *f, const char *path, uint64_t fsize, uint64_t *entries,
                                uint64_t *cd_off, uint64_t *cd_size, nq_error *err) {
  if (fsize < 22)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: %llu bytes is too small for a .npz (ZIP) file", path,
                   (unsigned long long)fsize);
  size_t tail = fsize < 22 + 65535 + 20 ? (size_t)fsize : 22 + 65535 + 20;
  unsigned char *t = malloc(tail);
  if (!t) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  nq_status s = read_at(f, path, fsize - tail, t, tail, err);
  if (s != NQ_OK) {
    free(t);
    return s;
  }
  long e = -1;
  for (long i = (long)tail - 22; i >= 0; i--)
    if (rd32(t + i) == 0x06054b50u && (size_t)i + 22 + rd16(t + i + 20) == tail) {
      e = i;
      break;
    }
  if (e < 0) {
    free(t);
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: no ZIP end-of-central-directory record: not a .npz file, or truncated", path);
  }
  const unsigned char *r = t + e;
  if (rd16(r + 4) != 0 || rd16(r + 6) != 0 || rd16(r + 8) != rd16(r + 10)) {
    free(t);
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: multi-disk ZIP archives are not supported", path);
  }
  *entries = rd16(r + 10);
  *cd_size = rd32(r + 12);
  *cd_off = rd32(r + 16);
  int zip64 = *entries == 0xFFFF || *cd_size == 0xFFFFFFFFu || *cd_off == 0xFFFFFFFFu;
  if (zip64) {
    if (e < 20 || rd32(r - 20) != 0x07064b50u) {
      free(t);
      return nq_fail(err, NQ_ERR_FORMAT, "%s: ZIP64 fields without a ZIP64 locator", path);
    }
    uint64_t z64 = rd64(r - 20 + 8);
    unsigned char rec[56];
    if (z64 > fsize || fsize - z64 < 56) {
      free(t);
      return nq_fail(err, NQ_ERR_FORMAT, "%s: ZIP64 record offset %llu is outside the file", path,
                     (unsigned long long)z64);
    }
    s = read_at(f, path, z64, rec, sizeof rec, err);
    if (s == NQ_OK && rd32(rec) != 0x06064b50u)
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: bad ZIP64 end-of-central-directory signature", path);
    if (s != NQ_OK) {
      free(t);
      return s;
    }
    *entries = rd64(rec + 32);
    *cd_size = rd64(rec + 40);
    *cd_off = rd64(rec + 48);
  }
  free(t);
  if (*cd_off > fsize || *cd_size > fsize - *cd_off)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: central directory (offset %llu, %llu bytes) is outside the %llu-byte file", path,
                   (unsigned long long)*cd_off, (unsigned long long)*cd_size, (unsigned long long)fsize);
  if (*entries > NQ_NPZ_MAX_MEMBERS || *entries > *cd_size / 46)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: %llu members do not fit a %llu-byte central directory (limit %d)",
                   path, (unsigned long long)*entries, (unsigned long long)*cd_size, NQ_NPZ_MAX_MEMBERS);
  return NQ_OK;
}

/* Parse one central directory entry at cd[*pos]; advances *pos. */
static nq_status parse_entry(const unsigned char *cd, size_t cd_size, size_t *pos, uint64_t fsize,
                             uint64_t cd_off, const char *path, int idx, npz_member *m, nq_error *err) {
  size_t p = *pos;
  if (cd_size - p < 46 || rd32(cd + p) != 0x02014b50u)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: central directory entry %d is damaged", path, idx);
  const unsigned char *h = cd + p;
  size_t nlen = rd16(h + 28), xlen = rd16(h + 30), clen = rd16(h + 32);
  if (cd_size - p - 46 < nlen + xlen + clen)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: central directory entry %d runs past the directory", path, idx);
  m->flags = (uint16_t)rd16(h + 8);
  m->method = (uint16_t)rd16(h + 10);
  m->crc = rd32(h + 16);
  m->csize = rd32(h + 20);
  m->usize = rd32(h + 24);
  m->local_off = rd32(h + 42);
  m->name = malloc(nlen + 1);
  if (!m->name) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  memcpy(m->name, h + 46, nlen);
  m->name[nlen] = '\0';
  if (memchr(m->name, '\0', nlen))
    return nq_fail(err, NQ_ERR_FORMAT, "%s: member %d has a NUL in its name", path, idx);
  /* ZIP64 extra: the 64-bit values of the fields that hold 0xFFFFFFFF, in order. */
  const unsigned char *x = h + 46 + nlen, *xend = x + xlen;
  while (xend - x >= 4) {
    uint32_t id = rd16(x), len = rd16(x + 2);
    if ((size_t)(xend - x - 4) < len) break;
    if (id == 0x0001) {
      const unsigned char *v = x + 4, *vend = x + 4 + len;
      uint64_t *fields[3] = {&m->usize, &m->csize, &m->local_off};
      for (int k = 0; k < 3; k++)
        if (*fields[k] == 0xFFFFFFFFu) {
          if (vend - v < 8)
            return nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s': short ZIP64 extra field", path, m->name);
          *fields[k] = rd64(v);
          v += 8;
        }
    }
    x += 4 + len;
  }
  *pos = p + 46 + nlen + xlen + clen;

  if (m->flags & 1) return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: member '%s' is encrypted", path, m->name);
  if (m->method != 0 && m->method != 8)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   "%s: member '%s' uses ZIP method %u (only stored (0) and deflate (8) are "
                   "supported)",
                   path, m->name, m->method);
  if (m->usize > NQ_NPZ_MAX_MEMBER)
    return nq_fail(err, NQ_ERR_NOMEM, "%s: member '%s' is %llu bytes (limit %llu)", path, m->name,
                   (unsigned long long)m->usize, (unsigned long long)NQ_NPZ_MAX_MEMBER);
  if (m->method == 0 && m->csize != m->usize)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: stored member '%s' has sizes %llu and %llu", path, m->name,
                   (unsigned long long)m->csize, (unsigned long long)m->usize);
  /* Deflate cannot expand more than 1032:1, so a larger claim is a lie. */
  if (m->method == 8 && m->usize / 1032 > m->csize + 1)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: member '%s' claims %llu bytes from %llu compressed (impossible ratio)", path, m->name,
                   (unsigned long long)m->usize, (unsigned long long)m->csize);
  if (m->local_off >= cd_off || m->csize > fsize)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s' has offset %llu outside the data area", path, m->name,
                   (unsigned long long)m->local_off);
  return NQ_OK;
}

nq_status nq_npz_open(const char *path, nq_npz **out, nq_error *err) {
  *out = NULL;
  FILE *f;
  NQ_TRY(nq_input_fopen(path, NULL, &f, NULL, err));
  nq_npz *z = calloc(1, sizeof *z);
  unsigned char *cd = NULL;
  nq_status s = NQ_OK;
  off_t end = -1;
  if (!z || !(z->path = strdup(path))) s = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  if (s == NQ_OK && (fseeko(f, 0, SEEK_END) != 0 || (end = ftello(f)) < 0))
    s = nq_fail(err, NQ_ERR_IO, "%s: cannot determine the file size", path);
  uint64_t entries = 0, cd_off = 0, cd_size = 0;
  if (s == NQ_OK) {
    z->file_size = (uint64_t)end;
    s = find_directory(f, path, z->file_size, &entries, &cd_off, &cd_size, err);
  }
  if (s == NQ_OK && (!(cd = malloc(cd_size ? (size_t)cd_size : 1)) ||
                     !(z->m = calloc(entries ? (size_t)entries : 1, sizeof *z->m))))
    s = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory for the central directory", path);
  if (s == NQ_OK) s = read_at(f, path, cd_off, cd, (size_t)cd_size, err);
  size_t pos = 0;
  for (uint64_t i = 0; s == NQ_OK && i < entries; i++) {
    z->count = (int)i + 1; /* so close() frees the name parse_entry allocates */
    s = parse_entry(cd, (size_t)cd_size, &pos, z->file_size, cd_off, path, (int)i, &z->m[i], err);
  }
  fclose(f);
  free(cd);
  if (s != NQ_OK) {
    nq_npz_close(z);
    return s;
  }
  *out = z;
  return NQ_OK;
}

nq_status nq_npz_read(const nq_npz *z, int i, size_t max_bytes, unsigned char **buf, size_t *size,
                      nq_error *err) {
  *buf = NULL;
  *size = 0;
  if (i < 0 || i >= z->count)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: member %d of %d", z->path, i, z->count);
  const npz_member *m = &z->m[i];
  int full = max_bytes >= m->usize;
  size_t want = full ? (size_t)m->usize : max_bytes;
  /* A member's declared size is checked against the memory budget before
   * anything inflates (an .npz is a zip: 1000:1 is easy). */
  char what[300];
  snprintf(what, sizeof what, "%.200s: member '%.80s'", z->path, m->name);
  NQ_TRY(nq_budget_take(want, what, err));
  nq_budget_give(want);
  FILE *f;
  NQ_TRY(nq_input_fopen(z->path, NULL, &f, NULL, err));
  unsigned char lh[30], *in = NULL, *outb = malloc(want ? want : 1);
  nq_status s = outb ? NQ_OK : nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", z->path);
  uint64_t data_off = 0;
  if (s == NQ_OK) s = read_at(f, z->path, m->local_off, lh, sizeof lh, err);
  if (s == NQ_OK && rd32(lh) != 0x04034b50u)
    s = nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s': bad local header signature", z->path, m->name);
  if (s == NQ_OK) {
    data_off = m->local_off + 30 + rd16(lh + 26) + rd16(lh + 28);
    if (data_off > z->file_size || m->csize > z->file_size - data_off)
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s' (%llu bytes at %llu) runs past the file end", z->path,
                  m->name, (unsigned long long)m->csize, (unsigned long long)data_off);
  }
  if (s == NQ_OK && m->method == 0) {
    s = read_at(f, z->path, data_off, outb, want, err);
  } else if (s == NQ_OK) {
#if NQ_HAVE_ZLIB
    /* Inflate in chunks until `want` bytes are out (or the stream ends). */
    enum { CHUNK = 1 << 16 };
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    in = malloc(CHUNK);
    if (!in || inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
      s = nq_fail(err, NQ_ERR_NOMEM, "%s: cannot start zlib", z->path);
    } else {
      uint64_t left = m->csize;
      int zr = Z_OK;
      if (fseeko(f, (off_t)data_off, SEEK_SET) != 0)
        s = nq_fail(err, NQ_ERR_IO, "%s: cannot seek to member '%s'", z->path, m->name);
      zs.next_out = outb;
      zs.avail_out = 0;
      size_t produced = 0;
      unsigned char extra; /* after `want` bytes of a full read: must see only the stream end */
      while (s == NQ_OK && zr != Z_STREAM_END && (produced < want || full)) {
        if (zs.avail_in == 0 && left > 0) {
          size_t n = left < CHUNK ? (size_t)left : CHUNK;
          if (fread(in, 1, n, f) != n) {
            s = nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s' is truncated", z->path, m->name);
            break;
          }
          left -= n;
          zs.next_in = in;
          zs.avail_in = (uInt)n;
        }
        size_t room = want - produced;
        if (room == 0) {
          zs.next_out = &extra;
          zs.avail_out = 1;
        } else {
          zs.next_out = outb + produced;
          zs.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        }
        uInt before = zs.avail_out;
        zr = inflate(&zs, Z_NO_FLUSH);
        if (room == 0 && zs.avail_out != before) {
          s = nq_fail(err, NQ_ERR_FORMAT,
                      "%s: member '%s' inflates to more than the %llu bytes its header states", z->path,
                      m->name, (unsigned long long)m->usize);
          break;
        }
        produced += before - zs.avail_out;
        if (zr == Z_BUF_ERROR && zs.avail_in == 0 && left == 0)
          s = nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s': deflate stream ends early", z->path, m->name);
        else if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
          s = nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s': corrupt deflate data (%s)", z->path, m->name,
                      zs.msg ? zs.msg : "zlib error");
      }
      if (s == NQ_OK && produced != want)
        s = nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s' inflates to %zu bytes, %zu expected", z->path,
                    m->name, produced, want);
      inflateEnd(&zs);
    }
#else
    s = nq_fail(err, NQ_ERR_UNSUPPORTED,
                "%s: member '%s' is deflate-compressed (np.savez_compressed) and this npuquant was "
                "built without zlib (configure with -DNQ_WITH_ZLIB=ON, or save with np.savez)",
                z->path, m->name);
#endif
  }
  if (s == NQ_OK && full) {
    if (nq_crc32(0, outb, want) != m->crc)
      s = nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s': CRC-32 mismatch (data is corrupt)", z->path, m->name);
  }
  fclose(f);
  free(in);
  if (s != NQ_OK) {
    free(outb);
    return s;
  }
  *buf = outb;
  *size = want;
  return NQ_OK;
}

static void member_label(const nq_npz *z, int i, char *buf, size_t n) {
  snprintf(buf, n, "%s:%s", z->path, z->m[i].name);
}

nq_status nq_npz_read_array(const nq_npz *z, int i, nq_array *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  unsigned char *buf;
  size_t size;
  NQ_TRY(nq_npz_read(z, i, SIZE_MAX, &buf, &size, err));
  char label[1200];
  member_label(z, i, label, sizeof label);
  nq_status s = nq_npy_read_mem(buf, size, label, out, err);
  free(buf);
  return s;
}

nq_status nq_npz_read_header(const nq_npz *z, int i, nq_npy_header *out, nq_error *err) {
  unsigned char *buf;
  size_t size;
  /* The preamble is 12 bytes and the dict at most NQ_NPY_MAX_HEADER. */
  NQ_TRY(nq_npz_read(z, i, 12 + NQ_NPY_MAX_HEADER, &buf, &size, err));
  char label[1200];
  member_label(z, i, label, sizeof label);
  nq_status s = nq_npy_parse_header(buf, size, label, out, err);
  free(buf);
  return s;
}
