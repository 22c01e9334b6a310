/*
 * HDF5 access for the Keras frontend. libhdf5 prints its error stack to
 * stderr by default; the library must not print, so automatic printing is
 * switched off and the innermost message is folded into our own errors.
 * Every dataset is checked (rank, element count, float class) before its
 * data is read.
 */
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "frontends/keras/keras_internal.h"

void kr_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static herr_t last_msg(unsigned n, const H5E_error2_t *e, void *data) {
  (void)n;
  char *buf = data;
  if (e->desc && buf[0] == '\0') snprintf(buf, 200, "%s", e->desc);
  return 0;
}

const char *kr_h5_last_error(char *buf, size_t n) {
  char tmp[256] = "";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, last_msg, tmp);
  H5Eclear2(H5E_DEFAULT);
  snprintf(buf, n, "%s", tmp[0] ? tmp : "HDF5 error");
  return buf;
}

bool kr_h5_has_attr(hid_t obj, const char *name) { return H5Aexists(obj, name) > 0; }

bool kr_h5_exists(hid_t loc, const char *name) {
  /* H5Lexists fails on a path whose intermediate groups are missing, so
   * check each component. */
  char part[1024];
  size_t len = strlen(name);
  if (len == 0 || len >= sizeof part) return false;
  for (size_t i = 0; i <= len; i++) {
    if (name[i] == '/' || name[i] == '\0') {
      memcpy(part, name, i);
      part[i] = '\0';
      if (i > 0 && H5Lexists(loc, part, H5P_DEFAULT) <= 0) return false;
    }
  }
  return true;
}

static nq_status str_from_type(const char *path, hid_t attr, hid_t type, hid_t space, const char *name,
                               char ***out, int *n, nq_error *err) {
  hssize_t count = H5Sget_simple_extent_npoints(space);
  if (count < 0 || count > KR_MAX_LAYERS)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: attribute '%s' has %lld entries (at most %d expected)", path,
                   name, (long long)count, KR_MAX_LAYERS);
  char **list = calloc((size_t)count + 1, sizeof(char *));
  if (!list) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  nq_status st = NQ_OK;
  if (H5Tis_variable_str(type) > 0) {
    char **vl = calloc((size_t)count + 1, sizeof(char *));
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(type));
    if (!vl || H5Aread(attr, mt, vl) < 0) {
      char b[200];
      st = nq_fail(err, NQ_ERR_FORMAT, "%s: attribute '%s': %s", path, name, kr_h5_last_error(b, sizeof b));
    } else {
      for (hssize_t i = 0; i < count; i++) list[i] = strdup(vl[i] ? vl[i] : "");
      H5Dvlen_reclaim(mt, space, H5P_DEFAULT, vl);
    }
    H5Tclose(mt);
    free(vl);
  } else {
    size_t sz = H5Tget_size(type);
    size_t total;
    if (sz == 0 || sz > (1u << 26) || !nq_mul_size(sz, (size_t)count, &total) || total > ((size_t)1 << 28)) {
      st = nq_fail(err, NQ_ERR_FORMAT, "%s: attribute '%s': string size %zu is out of range", path, name, sz);
    } else {
      char *raw = malloc(total + 1);
      hid_t mt = H5Tcopy(type);
      if (!raw || H5Aread(attr, mt, raw) < 0) {
        char b[200];
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: attribute '%s': %s", path, name, kr_h5_last_error(b, sizeof b));
      } else {
        for (hssize_t i = 0; i < count; i++) {
          list[i] = malloc(sz + 1);
          if (!list[i]) break;
          memcpy(list[i], raw + (size_t)i * sz, sz);
          list[i][sz] = '\0';
        }
      }
      H5Tclose(mt);
      free(raw);
    }
  }
  for (hssize_t i = 0; st == NQ_OK && i < count; i++)
    if (!list[i]) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  if (st != NQ_OK) {
    kr_free_str_list(list, (int)count);
    return st;
  }
  *out = list;
  *n = (int)count;
  return NQ_OK;
}

nq_status kr_h5_read_str_list_attr(const char *path, hid_t obj, const char *name, char ***out, int *n,
                                   nq_error *err) {
  *out = NULL;
  *n = 0;
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  if (attr < 0) {
    char b[200];
    return nq_fail(err, NQ_ERR_FORMAT, "%s: attribute '%s' missing: %s", path, name,
                   kr_h5_last_error(b, sizeof b));
  }
  hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
  nq_status st;
  if (type < 0 || space < 0 || H5Tget_class(type) != H5T_STRING)
    st = nq_fail(err, NQ_ERR_FORMAT, "%s: attribute '%s' is not a string", path, name);
  else
    st = str_from_type(path, attr, type, space, name, out, n, err);
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  H5Aclose(attr);
  return st;
}

nq_status kr_h5_read_str_attr(const char *path, hid_t obj, const char *name, char **out, nq_error *err) {
  char **list;
  int n;
  NQ_TRY(kr_h5_read_str_list_attr(path, obj, name, &list, &n, err));
  if (n != 1) {
    kr_free_str_list(list, n);
    return nq_fail(err, NQ_ERR_FORMAT, "%s: attribute '%s' holds %d strings, 1 expected", path, name, n);
  }
  *out = list[0];
  free(list);
  return NQ_OK;
}

void kr_free_str_list(char **list, int n) {
  if (!list) return;
  for (int i = 0; i < n; i++) free(list[i]);
  free(list);
}

void kr_array_free(kr_array *a) {
  free(a->data);
  memset(a, 0, sizeof *a);
}

nq_status kr_h5_read_array(const char *path, hid_t loc, const char *name, kr_array *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  if (!kr_h5_exists(loc, name))
    return nq_fail(err, NQ_ERR_FORMAT, "%s: weight '%s' is missing from the weights file", path, name);
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  if (ds < 0) {
    char b[200];
    return nq_fail(err, NQ_ERR_FORMAT, "%s: weight '%s': %s", path, name, kr_h5_last_error(b, sizeof b));
  }
  hid_t space = H5Dget_space(ds), type = H5Dget_type(ds);
  nq_status st = NQ_OK;
  int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  hsize_t dims[32];
  if (rank < 0 || rank > NQ_MAX_RANK) {
    st = nq_fail(err, NQ_ERR_FORMAT, "%s: weight '%s' has rank %d (0..%d expected)", path, name, rank,
                 NQ_MAX_RANK);
  } else if (type < 0 || (H5Tget_class(type) != H5T_FLOAT && H5Tget_class(type) != H5T_INTEGER)) {
    st = nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: weight '%s' is not numeric", path, name);
  } else {
    H5Sget_simple_extent_dims(space, dims, NULL);
    size_t n = 1;
    for (int i = 0; i < rank && st == NQ_OK; i++) {
      if (dims[i] > (hsize_t)INT32_MAX || !nq_mul_size(n, (size_t)dims[i], &n) || n > KR_MAX_WEIGHT_ELEMS)
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: weight '%s' is too large", path, name);
      else
        out->shape[i] = (int32_t)dims[i];
    }
    if (st == NQ_OK) {
      out->rank = rank;
      out->n = n;
      out->data = malloc(n ? n * sizeof(float) : 1);
      if (!out->data)
        st = nq_fail(err, NQ_ERR_NOMEM, "%s: weight '%s': out of memory", path, name);
      else if (n && H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out->data) < 0) {
        char b[200];
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: weight '%s' could not be read: %s", path, name,
                     kr_h5_last_error(b, sizeof b));
      }
    }
  }
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  H5Dclose(ds);
  if (st != NQ_OK) kr_array_free(out);
  return st;
}
