/*
 * ONNX TensorProto -> host constant (ox_const), with every size checked:
 * the dims' product is bounded, and the data (raw_data, the typed repeated
 * field, or an external file) must hold exactly that many elements of the
 * declared dtype. External data is read relative to the model's folder;
 * absolute paths and '..' components are rejected so a model cannot make
 * npuquant read files outside its folder.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/budget.h"
#include "core/checked.h"
#include "core/input_file.h"
#include "core/status.h"
#include "frontends/onnx/onnx_internal.h"

void ox_const_free(ox_const *c) {
  if (!c) return;
  if (c->f || c->i) nq_budget_give(c->n * (c->is_int ? sizeof *c->i : sizeof *c->f));
  free(c->f);
  free(c->i);
  c->f = NULL;
  c->i = NULL;
  c->n = 0;
}

nq_status ox_const_alloc(ox_const *c, bool is_int, int rank, const int64_t *dims, nq_error *err) {
  memset(c, 0, sizeof *c);
  if (rank < 0 || rank > NQ_MAX_RANK)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "constant of rank %d; at most %d supported", rank, NQ_MAX_RANK);
  size_t n = 1;
  for (int k = 0; k < rank; k++) {
    if (dims[k] < 0 || dims[k] > INT32_MAX)
      return nq_fail(err, NQ_ERR_FORMAT, "constant dimension %d is %lld", k, (long long)dims[k]);
    if (!nq_mul_size(n, (size_t)dims[k], &n) || n > OX_MAX_HOST_ELEMS)
      return nq_fail(err, NQ_ERR_NOMEM, "constant has more than %zu elements", (size_t)OX_MAX_HOST_ELEMS);
    c->dims[k] = dims[k];
  }
  c->rank = rank;
  c->is_int = is_int;
  /* Folded and expanded constants (ConstantOfShape, Expand, Tile, ...) count
   * against the memory budget: each is bounded, their sum was not. */
  char what[64];
  snprintf(what, sizeof what, "a constant of %zu elements", n);
  NQ_TRY(nq_budget_take(n * (is_int ? sizeof *c->i : sizeof *c->f), what, err));
  c->n = n;
  if (is_int)
    c->i = calloc(n ? n : 1, sizeof *c->i);
  else
    c->f = calloc(n ? n : 1, sizeof *c->f);
  if (!c->i && !c->f) {
    nq_budget_give(n * (is_int ? sizeof *c->i : sizeof *c->f));
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for a constant of %zu elements", n);
  }
  return NQ_OK;
}

double ox_const_get(const ox_const *c, size_t k) { return c->is_int ? (double)c->i[k] : (double)c->f[k]; }

int64_t ox_const_geti(const ox_const *c, size_t k) {
  if (c->is_int) return c->i[k];
  float v = c->f[k];
  if (!(v > -9.2e18f && v < 9.2e18f)) return 0;
  return (int64_t)v;
}

static size_t dtype_bytes(int dt) {
  switch (dt) {
    case OX_FLOAT:
    case OX_INT32:
    case OX_UINT32:
      return 4;
    case OX_UINT8:
    case OX_INT8:
    case OX_BOOL:
      return 1;
    case OX_UINT16:
    case OX_INT16:
    case OX_FLOAT16:
      return 2;
    case OX_INT64:
    case OX_DOUBLE:
    case OX_UINT64:
      return 8;
    default:
      return 0;
  }
}

static float half_to_float(uint16_t h) {
  int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  float v;
  if (e == 0)
    v = ldexpf((float)m, -24);
  else if (e == 31)
    v = m ? NAN : INFINITY;
  else
    v = ldexpf((float)(m | 1024), e - 25);
  return s ? -v : v;
}

/* Element k of little-endian raw bytes of dtype dt into c. */
static void put_raw(ox_const *c, size_t k, int dt, const uint8_t *p) {
  uint64_t u = 0;
  size_t nb = dtype_bytes(dt);
  for (size_t b = 0; b < nb; b++) u |= (uint64_t)p[b] << (8 * b);
  switch (dt) {
    case OX_FLOAT: {
      uint32_t w = (uint32_t)u;
      float f;
      memcpy(&f, &w, 4);
      c->f[k] = f;
      break;
    }
    case OX_DOUBLE: {
      double d;
      memcpy(&d, &u, 8);
      c->f[k] = (float)d;
      break;
    }
    case OX_FLOAT16:
      c->f[k] = half_to_float((uint16_t)u);
      break;
    case OX_UINT8:
    case OX_BOOL:
      c->i[k] = (int64_t)(uint8_t)u;
      break;
    case OX_INT8:
      c->i[k] = (int8_t)(uint8_t)u;
      break;
    case OX_UINT16:
      c->i[k] = (uint16_t)u;
      break;
    case OX_INT16:
      c->i[k] = (int16_t)(uint16_t)u;
      break;
    case OX_INT32:
      c->i[k] = (int32_t)(uint32_t)u;
      break;
    case OX_UINT32:
      c->i[k] = (uint32_t)u;
      break;
    case OX_INT64:
      c->i[k] = (int64_t)u;
      break;
    case OX_UINT64:
      c->i[k] = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
      break;
    default:
      break;
  }
}

/* A relative path inside the model folder: no absolute path, no '..'. */
static bool safe_relative(const char *loc) {
  if (!loc[0] || loc[0] == '/' || loc[0] == '\\') return false;
  if (strchr(loc, ':') && loc[1] == ':') return false; /* drive letter */
  const char *p = loc;
  while (*p) {
    size_t len = strcspn(p, "/\\");
    if (len == 2 && p[0] == '.' && p[1] == '.') return false;
    p += len;
    if (*p) p++;
  }
  return true;
}

static nq_status read_external(const Onnx__TensorProto *t, const char *dir, const char *what, size_t want,
                               uint8_t **out, nq_error *err) {
  *out = NULL;
  const char *loc = NULL;
  int64_t off = 0, len = -1;
  for (size_t k = 0; k < t->n_external_data; k++) {
    const Onnx__StringStringEntryProto *e = t->external_data[k];
    if (!e || !e->key || !e->value) continue;
    char *end = NULL;
    if (!strcmp(e->key, "location"))
      loc = e->value;
    else if (!strcmp(e->key, "offset") || !strcmp(e->key, "length")) {
      errno = 0;
      long long v = strtoll(e->value, &end, 10);
      if (errno || !end || *end || v < 0)
        return nq_fail(err, NQ_ERR_FORMAT, "%s: external data %s '%s' is not a non-negative integer", what,
                       e->key, e->value);
      if (!strcmp(e->key, "offset"))
        off = v;
      else
        len = v;
    }
  }
  if (!dir) return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: external data is not allowed here", what);
  if (!loc) return nq_fail(err, NQ_ERR_FORMAT, "%s: external data without a 'location'", what);
  if (!safe_relative(loc))
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: external data location '%s' must be a relative path inside the model's folder "
                   "(no absolute path, no '..')",
                   what, loc);
  if (len >= 0 && (uint64_t)len != want)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: external data length %lld, but dims and dtype need %zu bytes",
                   what, (long long)len, want);
  size_t plen = strlen(dir) + strlen(loc) + 2;
  char *full = malloc(plen);
  if (!full) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  snprintf(full, plen, "%.400s/%s", dir, loc);
  /* The string check above is not enough: the location (or a folder on its
   * way) may be a symbolic link; nq_input_fopen resolves it and refuses a
   * file outside the model's folder, and a FIFO or device before reading. */
  FILE *f;
  uint64_t fsize = 0;
  nq_status s = nq_input_fopen(full, dir, &f, &fsize, err);
  if (s != NQ_OK) {
    free(full);
    return nq_prefix(err, "%s: external data: ", what);
  }
  if ((uint64_t)off > fsize || want > fsize - (uint64_t)off)
    s = nq_fail(err, NQ_ERR_FORMAT,
                "%s: external data %s: offset %lld + %zu bytes is past its end (%llu bytes)", what, full,
                (long long)off, want, (unsigned long long)fsize);
  uint8_t *buf = NULL;
  if (s == NQ_OK && !(buf = malloc(want ? want : 1))) s = nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  if (s == NQ_OK && (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, want, f) != want))
    s = nq_fail(err, NQ_ERR_IO, "%s: cannot read %zu bytes at offset %lld of %s", what, want, (long long)off,
                full);
  fclose(f);
  free(full);
  if (s != NQ_OK) {
    free(buf);
    return s;
  }
  *out = buf;
  return NQ_OK;
}

nq_status ox_tensor_decode(const Onnx__TensorProto *t, const char *dir, const char *what, ox_const *out,
                           nq_error *err) {
  memset(out, 0, sizeof *out);
  int dt = t->has_data_type ? t->data_type : 0;
  size_t eb = dtype_bytes(dt);
  if (!eb)
    return nq_fail(err, NQ_ERR_UNSUPPORTED,
                   "%s: tensor data type %d is not supported (float, float16, double, "
                   "integer and bool tensors are)",
                   what, dt);
  if (t->n_dims > NQ_MAX_RANK)
    return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: tensor of rank %zu; at most %d supported", what, t->n_dims,
                   NQ_MAX_RANK);
  if (t->segment) return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: segmented tensors are not supported", what);
  bool is_int = !(dt == OX_FLOAT || dt == OX_DOUBLE || dt == OX_FLOAT16);
  nq_status s = ox_const_alloc(out, is_int, (int)t->n_dims, t->dims, err);
  if (s != NQ_OK) return nq_prefix(err, "%s: ", what);
  size_t n = out->n, nbytes;
  if (!nq_mul_size(n, eb, &nbytes)) return nq_fail(err, NQ_ERR_FORMAT, "%s: tensor size overflows", what);
  bool external = t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  if (external) {
    uint8_t *buf;
    s = read_external(t, dir, what, nbytes, &buf, err);
    if (s != NQ_OK) {
      ox_const_free(out);
      return s;
    }
    for (size_t k = 0; k < n; k++) put_raw(out, k, dt, buf + k * eb);
    free(buf);
    return NQ_OK;
  }
  if (t->has_raw_data) {
    if (t->raw_data.len != nbytes) {
      ox_const_free(out);
      return nq_fail(err, NQ_ERR_FORMAT, "%s: raw_data has %zu bytes, but dims and dtype need %zu", what,
                     t->raw_data.len, nbytes);
    }
    for (size_t k = 0; k < n; k++) put_raw(out, k, dt, t->raw_data.data + k * eb);
    return NQ_OK;
  }
  /* The typed repeated fields: which one holds the data depends on dtype. */
  size_t have;
  const char *field;
  switch (dt) {
    case OX_FLOAT:
      have = t->n_float_data;
      field = "float_data";
      break;
    case OX_DOUBLE:
      have = t->n_double_data;
      field = "double_data";
      break;
    case OX_INT64:
      have = t->n_int64_data;
      field = "int64_data";
      break;
    case OX_UINT32:
    case OX_UINT64:
      have = t->n_uint64_data;
      field = "uint64_data";
      break;
    default:
      have = t->n_int32_data;
      field = "int32_data";
      break;
  }
  if (have != n) {
    ox_const_free(out);
    return nq_fail(err, NQ_ERR_FORMAT, "%s: %s has %zu values, but dims %s %zu", what, field, have, "need",
                   n);
  }
  for (size_t k = 0; k < n; k++) {
    switch (dt) {
      case OX_FLOAT:
        out->f[k] = t->float_data[k];
        break;
      case OX_DOUBLE:
        out->f[k] = (float)t->double_data[k];
        break;
      case OX_FLOAT16:
        out->f[k] = half_to_float((uint16_t)t->int32_data[k]);
        break;
      case OX_INT64:
        out->i[k] = t->int64_data[k];
        break;
      case OX_UINT32:
      case OX_UINT64:
        out->i[k] = t->uint64_data[k] > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)t->uint64_data[k];
        break;
      default:
        out->i[k] = t->int32_data[k];
        break;
    }
  }
  return NQ_OK;
}

nq_status nq_onnx_read_tensor_file(const char *path, ox_const *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  uint8_t *buf;
  size_t n;
  NQ_TRY(nq_input_read(path, NULL, OX_MAX_FILE, &buf, &n, err));
  Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, n, buf);
  free(buf);
  if (!t) return nq_fail(err, NQ_ERR_FORMAT, "%s: not a valid serialized ONNX TensorProto", path);
  nq_status s = ox_tensor_decode(t, NULL, path, out, err);
  onnx__tensor_proto__free_unpacked(t, NULL);
  return s;
}
