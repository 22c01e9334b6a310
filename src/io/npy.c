#include "io/npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic_file.h"
#include "core/checked.h"
#include "core/input_file.h"
#include "core/status.h"

/* The library stores tensors little-endian; reading an .npy copies bytes
 * straight into them, which is only right on a little-endian host. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "npy.c assumes a little-endian host"
#endif

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* descr type codes (without the byte-order character) per nq_dtype. */
static const char *const descr_code[NQ_DTYPE_COUNT] = {
    [NQ_FLOAT32] = "f4", [NQ_FLOAT16] = "f2", [NQ_INT8] = "i1",  [NQ_UINT8] = "u1",
    [NQ_INT16] = "i2",   [NQ_INT32] = "i4",   [NQ_INT64] = "i8", [NQ_BOOL] = "b1",
};
_Static_assert(sizeof descr_code / sizeof descr_code[0] == NQ_DTYPE_COUNT, "descr_code");

static const char *const supported_list = "<f4 <f2 |i1 |u1 <i2 <i4 <i8 |b1";

const char *nq_npy_descr(nq_dtype t) {
  switch (t) {
    case NQ_FLOAT32:
      return "<f4";
    case NQ_FLOAT16:
      return "<f2";
    case NQ_INT8:
      return "|i1";
    case NQ_UINT8:
      return "|u1";
    case NQ_INT16:
      return "<i2";
    case NQ_INT32:
      return "<i4";
    case NQ_INT64:
      return "<i8";
    case NQ_BOOL:
      return "|b1";
    default:
      return "?";
  }
}

char *nq_shape_str(const int32_t *shape, int rank, char *buf, size_t bufsize) {
  if (bufsize == 0) return buf;
  size_t used = 0;
  buf[0] = '\0';
  int n = snprintf(buf, bufsize, "[");
  used = n > 0 ? (size_t)n : 0;
  for (int i = 0; i < rank && used < bufsize; i++) {
    n = snprintf(buf + used, bufsize - used, "%s%ld", i ? ", " : "", (long)shape[i]);
    if (n < 0) break;
    used += (size_t)n;
  }
  if (used < bufsize) snprintf(buf + used, bufsize - used, "]");
  return buf;
}

void nq_array_free(nq_array *a) {
  if (!a) return;
  free(a->data);
  memset(a, 0, sizeof *a);
}

/* ---- header dict tokenizer ----
 * The header is a Python literal written by numpy's repr(); we accept only
 * what that can produce for the supported arrays: quoted strings without
 * escapes, True/False, and tuples of non-negative integers (optionally with
 * Python 2's 'L' suffix). */

typedef struct hdr_lexer {
  const char *s;
  size_t n, pos;
  const char *name; /* for messages */
  nq_error *err;
} hdr_lexer;

static void skip_ws(hdr_lexer *lx) {
  while (lx->pos < lx->n) {
    char c = lx->s[lx->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    lx->pos++;
  }
}

static nq_status lex_fail(hdr_lexer *lx, const char *expected) {
  char got[24];
  if (lx->pos >= lx->n) {
    snprintf(got, sizeof got, "end of header");
  } else {
    size_t k = 0;
    for (size_t i = lx->pos; i < lx->n && k < 12; i++) {
      unsigned char c = (unsigned char)lx->s[i];
      got[k++] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    got[k] = '\0';
  }
  return nq_fail(lx->err, NQ_ERR_FORMAT,
                 "%s: malformed .npy header: expected %s at byte %zu of the header dict, found '%s'",
                 lx->name, expected, lx->pos, got);
}

static int accept_char(hdr_lexer *lx, char c) {
  skip_ws(lx);
  if (lx->pos < lx->n && lx->s[lx->pos] == c) {
    lx->pos++;
    return 1;
  }
  return 0;
}

/* A quoted string into out[cap]; fails on escapes, overlong or unterminated. */
static nq_status lex_string(hdr_lexer *lx, char *out, size_t cap, const char *what) {
  skip_ws(lx);
  if (lx->pos >= lx->n || (lx->s[lx->pos] != '\'' && lx->s[lx->pos] != '"')) return lex_fail(lx, what);
  char q = lx->s[lx->pos++];
  size_t k = 0;
  while (lx->pos < lx->n && lx->s[lx->pos] != q) {
    char c = lx->s[lx->pos];
    if (c == '\n') break; /* the header's final newline: the quote is missing */
    if (c == '\\' || c == '\0') return lex_fail(lx, "a plain string character (no escapes)");
    if (k + 1 >= cap) return lex_fail(lx, "a shorter string");
    out[k++] = c;
    lx->pos++;
  }
  if (lx->pos >= lx->n || lx->s[lx->pos] != q) return lex_fail(lx, "a closing quote");
  lx->pos++;
  out[k] = '\0';
  return NQ_OK;
}

static nq_status lex_bool(hdr_lexer *lx, int *out) {
  skip_ws(lx);
  const char *p = lx->s + lx->pos;
  size_t left = lx->n - lx->pos;
  if (left >= 4 && memcmp(p, "True", 4) == 0) {
    *out = 1;
    lx->pos += 4;
  } else if (left >= 5 && memcmp(p, "False", 5) == 0) {
    *out = 0;
    lx->pos += 5;
  } else {
    return lex_fail(lx, "True or False");
  }
  return NQ_OK;
}

static nq_status lex_shape(hdr_lexer *lx, int32_t *shape, int *rank) {
  if (!accept_char(lx, '(')) return lex_fail(lx, "'(' opening the shape tuple");
  int r = 0;
  for (;;) {
    if (accept_char(lx, ')')) break;
    skip_ws(lx);
    if (lx->pos >= lx->n || lx->s[lx->pos] < '0' || lx->s[lx->pos] > '9')
      return lex_fail(lx, "a non-negative integer dimension or ')' in the shape tuple");
    int64_t v = 0;
    while (lx->pos < lx->n && lx->s[lx->pos] >= '0' && lx->s[lx->pos] <= '9') {
      v = v * 10 + (lx->s[lx->pos] - '0');
      if (v > INT32_MAX)
        return nq_fail(lx->err, NQ_ERR_UNSUPPORTED, "%s: .npy shape dimension %d is larger than %ld (int32)",
                       lx->name, r, (long)INT32_MAX);
      lx->pos++;
    }
    if (lx->pos < lx->n && lx->s[lx->pos] == 'L') lx->pos++; /* Python 2 long */
    if (r >= NQ_NPY_MAX_RANK)
      return nq_fail(lx->err, NQ_ERR_UNSUPPORTED, "%s: .npy array has more than %d dimensions", lx->name,
                     NQ_NPY_MAX_RANK);
    shape[r++] = (int32_t)v;
    if (accept_char(lx, ',')) continue;
    if (accept_char(lx, ')')) break;
    return lex_fail(lx, "',' or ')' in the shape tuple");
  }
  *rank = r;
  return NQ_OK;
}

/* descr -> type + byte order, or a message saying what is supported. */
static nq_status parse_descr(const char *descr, const char *name, nq_npy_header *h, nq_error *err) {
  size_t len = strlen(descr);
  char order = len ? descr[0] : '\0';
  if (len == 3 && (order == '<' || order == '>' || order == '|' || order == '=')) {
    for (int t = 0; t < NQ_DTYPE_COUNT; t++) {
      if (strcmp(descr + 1, descr_code[t]) != 0) continue;
      h->type = (nq_dtype)t;
      /* '|' (not applicable) only makes sense for one-byte types, but numpy
       * itself accepts '<'/'>' there too; byte order is moot for them. */
      h->big_endian = order == '>' && nq_dtype_size(h->type) > 1;
      if (order == '|' && nq_dtype_size(h->type) > 1)
        return nq_fail(err, NQ_ERR_FORMAT, "%s: .npy descr '%s' has no byte order for a %zu-byte type", name,
                       descr, nq_dtype_size(h->type));
      return NQ_OK;
    }
  }
  const char *hint = "";
  if (len == 3 && strcmp(descr + 1, "f8") == 0) hint = " (float64: save with arr.astype(numpy.float32))";
  return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: .npy element type '%s' is not supported%s; expected one of %s",
                 name, descr, hint, supported_list);
}

static nq_status parse_dict(hdr_lexer *lx, nq_npy_header *h) {
  int have_descr = 0, have_order = 0, have_shape = 0;
  if (!accept_char(lx, '{')) return lex_fail(lx, "'{' opening the header dict");
  for (;;) {
    if (accept_char(lx, '}')) break;
    char key[32];
    NQ_TRY(lex_string(lx, key, sizeof key, "a quoted key"));
    if (!accept_char(lx, ':')) return lex_fail(lx, "':' after a key");
    if (strcmp(key, "descr") == 0 && !have_descr) {
      skip_ws(lx);
      if (lx->pos < lx->n && lx->s[lx->pos] == '[')
        return nq_fail(lx->err, NQ_ERR_UNSUPPORTED,
                       "%s: .npy holds a structured array (descr is a list); expected a plain array of %s",
                       lx->name, supported_list);
      char descr[32];
      NQ_TRY(lex_string(lx, descr, sizeof descr, "a quoted descr such as '<f4'"));
      NQ_TRY(parse_descr(descr, lx->name, h, lx->err));
      have_descr = 1;
    } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
      NQ_TRY(lex_bool(lx, &h->fortran_order));
      have_order = 1;
    } else if (strcmp(key, "shape") == 0 && !have_shape) {
      NQ_TRY(lex_shape(lx, h->shape, &h->rank));
      have_shape = 1;
    } else {
      return nq_fail(lx->err, NQ_ERR_FORMAT,
                     "%s: malformed .npy header: unexpected or repeated key '%s' (expected descr, "
                     "fortran_order, shape once each)",
                     lx->name, key);
    }
    if (accept_char(lx, ',')) continue;
    if (accept_char(lx, '}')) break;
    return lex_fail(lx, "',' or '}' after a value");
  }
  skip_ws(lx);
  if (lx->pos != lx->n) return lex_fail(lx, "only padding after the header dict");
  if (!have_descr || !have_order || !have_shape)
    return nq_fail(lx->err, NQ_ERR_FORMAT, "%s: malformed .npy header: missing key '%s'", lx->name,
                   !have_descr   ? "descr"
                   : !have_order ? "fortran_order"
                                 : "shape");
  return NQ_OK;
}

nq_status nq_npy_parse_header(const void *buf, size_t size, const char *name, nq_npy_header *out,
                              nq_error *err) {
  const unsigned char *b = buf;
  if (!name) name = "<memory>";
  memset(out, 0, sizeof *out);
  if (size < 10 || memcmp(b, npy_magic, sizeof npy_magic) != 0)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: not a .npy file (it does not start with \\x93NUMPY)", name);
  int major = b[6], minor = b[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: .npy format version %d.%d; expected 1.0, 2.0 or 3.0", name,
                   major, minor);
  size_t pre, hlen;
  if (major == 1) {
    pre = 10;
    hlen = (size_t)b[8] | (size_t)b[9] << 8;
  } else {
    pre = 12;
    if (size < pre) return nq_fail(err, NQ_ERR_FORMAT, "%s: .npy file ends inside its preamble", name);
    hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
  }
  if (hlen > NQ_NPY_MAX_HEADER)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: .npy header length %zu is larger than the limit %u", name, hlen,
                   NQ_NPY_MAX_HEADER);
  if (size - pre < hlen)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: .npy header says %zu header bytes but only %zu follow", name,
                   hlen, size - pre);
  out->major = major;
  out->minor = minor;
  hdr_lexer lx = {(const char *)b + pre, hlen, 0, name, err};
  NQ_TRY(parse_dict(&lx, out));

  size_t n = 1;
  for (int i = 0; i < out->rank; i++) {
    if (!nq_mul_size(n, (size_t)out->shape[i], &n) || n > NQ_NPY_MAX_ELEMS) {
      char sh[160];
      return nq_fail(err, NQ_ERR_FORMAT, "%s: .npy shape %s has more than %zu elements", name,
                     nq_shape_str(out->shape, out->rank, sh, sizeof sh), (size_t)NQ_NPY_MAX_ELEMS);
    }
  }
  out->nelems = n;
  if (!nq_mul_size(n, nq_dtype_size(out->type), &out->nbytes))
    return nq_fail(err, NQ_ERR_FORMAT, "%s: .npy data size overflows", name);
  out->data_offset = pre + hlen;
  return NQ_OK;
}

/* Byte-swap each element of a big-endian array in place. */
static void swap_bytes(unsigned char *p, size_t nelems, size_t esize) {
  for (size_t i = 0; i < nelems; i++, p += esize) {
    for (size_t a = 0, z = esize - 1; a < z; a++, z--) {
      unsigned char t = p[a];
      p[a] = p[z];
      p[z] = t;
    }
  }
}

/* Column-major (Fortran) src -> row-major dst. Walks dst in order with an
 * odometer over the index and keeps the matching src offset incrementally. */
static void fortran_to_c(unsigned char *dst, const unsigned char *src, const nq_npy_header *h) {
  size_t esize = nq_dtype_size(h->type);
  size_t fstride[NQ_NPY_MAX_RANK];
  size_t s = 1;
  for (int k = 0; k < h->rank; k++) {
    fstride[k] = s;
    s *= (size_t)h->shape[k];
  }
  size_t idx[NQ_NPY_MAX_RANK] = {0};
  size_t off = 0; /* src element offset of idx */
  for (size_t i = 0; i < h->nelems; i++) {
    memcpy(dst + i * esize, src + off * esize, esize);
    for (int k = h->rank - 1; k >= 0; k--) {
      if (++idx[k] < (size_t)h->shape[k]) {
        off += fstride[k];
        break;
      }
      off -= fstride[k] * (idx[k] - 1);
      idx[k] = 0;
    }
  }
}

/* Turn the raw data bytes of a parsed header into an nq_array (takes raw). */
static nq_status finish_array(const nq_npy_header *h, unsigned char *raw, const char *name, nq_array *out,
                              nq_error *err) {
  size_t esize = nq_dtype_size(h->type);
  if (h->big_endian) swap_bytes(raw, h->nelems, esize);
  if (h->fortran_order && h->rank > 1 && h->nelems > 1) {
    unsigned char *c = malloc(h->nbytes);
    if (!c) {
      free(raw);
      return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory transposing %zu bytes of Fortran-order data", name,
                     h->nbytes);
    }
    fortran_to_c(c, raw, h);
    free(raw);
    raw = c;
  }
  /* numpy bools are 0/1; anything else is normalised so later code can rely on it. */
  if (h->type == NQ_BOOL)
    for (size_t i = 0; i < h->nelems; i++) raw[i] = raw[i] != 0;
  memset(out, 0, sizeof *out);
  out->type = h->type;
  out->rank = h->rank;
  memcpy(out->shape, h->shape, sizeof h->shape);
  out->nelems = h->nelems;
  out->nbytes = h->nbytes;
  out->data = raw;
  return NQ_OK;
}

static nq_status check_data_len(const nq_npy_header *h, size_t avail, const char *name, nq_error *err) {
  if (avail == h->nbytes) return NQ_OK;
  char sh[160];
  return nq_fail(err, NQ_ERR_FORMAT,
                 "%s: .npy header promises %zu data bytes (%s %s) but the file holds %zu after the header",
                 name, h->nbytes, nq_dtype_name(h->type), nq_shape_str(h->shape, h->rank, sh, sizeof sh),
                 avail);
}

nq_status nq_npy_read_mem(const void *buf, size_t size, const char *name, nq_array *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (!name) name = "<memory>";
  nq_npy_header h;
  NQ_TRY(nq_npy_parse_header(buf, size, name, &h, err));
  NQ_TRY(check_data_len(&h, size - h.data_offset, name, err));
  unsigned char *raw = malloc(h.nbytes ? h.nbytes : 1);
  if (!raw) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory for %zu bytes of .npy data", name, h.nbytes);
  if (h.nbytes) memcpy(raw, (const unsigned char *)buf + h.data_offset, h.nbytes);
  return finish_array(&h, raw, name, out, err);
}

nq_status nq_npy_read_file(const char *path, nq_array *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  FILE *f;
  uint64_t fsize64;
  NQ_TRY(nq_input_fopen(path, NULL, &f, &fsize64, err));
  size_t fsize = (size_t)fsize64;
  /* Read just the preamble + the largest header we accept, then the data. */
  size_t want = fsize < 12 + (size_t)NQ_NPY_MAX_HEADER ? fsize : 12 + (size_t)NQ_NPY_MAX_HEADER;
  unsigned char *head = malloc(want ? want : 1);
  if (!head) {
    fclose(f);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  }
  nq_status s = NQ_OK;
  nq_npy_header h;
  if (fread(head, 1, want, f) != want)
    s = nq_fail(err, NQ_ERR_IO, "%s: read error", path);
  else
    s = nq_npy_parse_header(head, want, path, &h, err);
  free(head);
  if (s == NQ_OK) s = check_data_len(&h, fsize - h.data_offset, path, err);
  unsigned char *raw = NULL;
  if (s == NQ_OK) {
    raw = malloc(h.nbytes ? h.nbytes : 1);
    if (!raw) s = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory for %zu bytes of .npy data", path, h.nbytes);
  }
  if (s == NQ_OK && (fseek(f, (long)h.data_offset, SEEK_SET) != 0 || fread(raw, 1, h.nbytes, f) != h.nbytes))
    s = nq_fail(err, NQ_ERR_IO, "%s: read error in the .npy data", path);
  fclose(f);
  if (s != NQ_OK) {
    free(raw);
    return s;
  }
  return finish_array(&h, raw, path, out, err);
}

nq_status nq_npy_write_file(const char *path, nq_dtype type, int rank, const int32_t *shape, const void *data,
                            nq_error *err) {
  if ((unsigned)type >= NQ_DTYPE_COUNT)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: cannot write .npy of unknown type %d", path, (int)type);
  if (rank < 0 || rank > NQ_NPY_MAX_RANK)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: cannot write .npy of rank %d (0..%d)", path, rank,
                   NQ_NPY_MAX_RANK);
  size_t nelems, nbytes;
  if (!nq_shape_elems(shape, rank, SIZE_MAX, &nelems) || !nq_mul_size(nelems, nq_dtype_size(type), &nbytes))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: cannot write .npy: bad shape", path);
  if (nbytes && !data) return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: cannot write .npy: no data", path);

  /* The dict exactly as numpy's repr() writes it: a 1-tuple keeps its comma. */
  char dict[256];
  int n =
      snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", nq_npy_descr(type));
  for (int i = 0; i < rank; i++)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%ld", i ? ", " : "", (long)shape[i]);
  n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }", rank == 1 ? "," : "");
  /* 10-byte preamble + dict + spaces + '\n', total a multiple of 64 so the
   * data is aligned for memory mapping (what numpy does). Rank <= 6 keeps
   * this far below the uint16 limit of version 1.0. */
  size_t total = 10 + (size_t)n + 1;
  total = (total + 63) / 64 * 64;
  unsigned char head[320];
  size_t hlen = total - 10;
  memcpy(head, npy_magic, 6);
  head[6] = 1;
  head[7] = 0;
  head[8] = (unsigned char)(hlen & 0xff);
  head[9] = (unsigned char)(hlen >> 8);
  memcpy(head + 10, dict, (size_t)n);
  memset(head + 10 + n, ' ', total - 10 - (size_t)n - 1);
  head[total - 1] = '\n';
  /* One buffer for the project's single atomic writer (core/atomic_file):
   * the copy costs less than a second implementation of temp + rename. */
  size_t fsize;
  if (!nq_add_size(total, nbytes, &fsize))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: cannot write .npy: size overflows", path);
  unsigned char *file = malloc(fsize);
  if (!file) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory for %zu bytes of .npy", path, fsize);
  memcpy(file, head, total);
  if (nbytes) memcpy(file + total, data, nbytes);
  nq_status s = nq_write_file_atomic(path, file, fsize, NULL, err);
  free(file);
  return s;
}
