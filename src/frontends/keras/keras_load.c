/*
 * Keras model files: format probe and load.
 *
 * Probe: an HDF5 file (signature at offset 0) whose root has a
 * `model_config` attribute or, for a weights-only file, `layer_names` or a
 * `model_weights` group; or a zip archive holding `config.json` and
 * `model.weights.h5` (.keras). Load: parse the config JSON, point the weight
 * lookup at the right HDF5 group, translate the model, then run shape
 * inference and the graph passes (BatchNorm folding, activation fusion).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "core/budget.h"
#include "core/input_file.h"
#include "frontends/formats.h"
#include "frontends/keras/keras_internal.h"
#include "ir/shape.h"
#include "passes/passes.h"

/* A config.json describes layers, not weights: the largest real ones are a
 * few MiB. A parsed JSON value costs cJSON ~64 bytes, so the text and its
 * value count are both bounded before parsing (a 128 MiB array of zeros
 * once expanded to 5 GB). */
#define KR_MAX_CONFIG_BYTES ((size_t)32 << 20)
#define KR_MAX_CONFIG_VALUES ((size_t)4 << 20)
#define KR_MAX_WEIGHTS_BYTES ((size_t)4 << 30)
/* Deflate reaches ~1000:1 on runs of zeros; weights compress ~1.1:1. A member
 * inflating more than this, beyond a small size, is refused unread. */
#define KR_MAX_ZIP_RATIO 100
#define KR_ZIP_RATIO_FREE ((size_t)16 << 20)

static const uint8_t hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

/* Open a zip archive through core/input_file.h (regular files only; the
 * archive's device and inode are recorded so no output replaces it). */
static zip_t *open_zip(const char *path, int *zerr, nq_error *err) {
  int fd;
  *zerr = 0;
  if (nq_input_open(path, NULL, &fd, NULL, err) != NQ_OK) return NULL;
  zip_t *z = zip_fdopen(fd, ZIP_RDONLY, zerr);
  if (!z) {
    close(fd);
    nq_fail(err, NQ_ERR_FORMAT, "%s: not a readable zip archive (libzip error %d)", path, *zerr);
  }
  return z;
}

static bool zip_has_keras(const char *path) {
  int zerr = 0;
  nq_error ignored;
  zip_t *z = open_zip(path, &zerr, &ignored);
  if (!z) return false;
  /* Either member claims the archive, so that a .keras missing the other
   * is told which member is missing instead of "not a model". */
  bool ok = zip_name_locate(z, "config.json", 0) >= 0 || zip_name_locate(z, "model.weights.h5", 0) >= 0;
  zip_close(z);
  return ok;
}

static bool h5_is_keras(const char *path) {
  kr_h5_quiet();
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    H5Eclear2(H5E_DEFAULT);
    return true; /* a damaged HDF5 file: claim it so the load reports why */
  }
  bool ok = kr_h5_has_attr(f, "model_config") || kr_h5_has_attr(f, "layer_names") ||
            kr_h5_exists(f, "model_weights") || kr_h5_exists(f, "layers") ||
            kr_h5_exists(f, "_layer_checkpoint_dependencies");
  H5Fclose(f);
  H5Eclear2(H5E_DEFAULT);
  return ok;
}

bool nq_keras_probe(const char *path, bool is_dir, const uint8_t *head, size_t head_len) {
  if (is_dir || head_len < 8) return false;
  if (memcmp(head, hdf5_sig, 8) == 0) return h5_is_keras(path);
  if (head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return zip_has_keras(path);
  return false;
}

static void parse_version(kr_ctx *c, const char *v) {
  if (!v) return;
  int a = 0, b = 0;
  if (sscanf(v, "%d.%d", &a, &b) >= 1) c->keras_major = a, c->keras_minor = b;
}

static nq_status read_text_file(const char *path, char **out, nq_error *err) {
  uint8_t *buf;
  size_t len;
  nq_status s = nq_input_read(path, NULL, KR_MAX_CONFIG_BYTES, &buf, &len, err);
  if (s != NQ_OK) return nq_prefix(err, "the Keras architecture JSON: ");
  *out = (char *)buf; /* nq_input_read leaves a terminating zero */
  return NQ_OK;
}

/* An upper bound on the JSON values in `json` (each needs a separator or an
 * opening bracket outside strings), so a config that would expand past the
 * budget is refused before cJSON allocates a node per value. */
static size_t json_value_bound(const char *json, size_t len) {
  size_t n = 1;
  bool in_str = false;
  for (size_t i = 0; i < len; i++) {
    char ch = json[i];
    if (in_str) {
      if (ch == '\\')
        i++;
      else if (ch == '"')
        in_str = false;
    } else if (ch == '"') {
      in_str = true;
    } else if (ch == ',' || ch == '[' || ch == '{' || ch == ':') {
      n++;
    }
  }
  return n;
}

/* Build the graph from a parsed config; the weights are under c->wroot. */
static nq_status build(kr_ctx *c, const char *json, size_t json_len, nq_graph **out, nq_error *err) {
  if (json_len > KR_MAX_CONFIG_BYTES)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: model config of %zu bytes, more than the %zu a Keras config may have", c->path,
                   json_len, KR_MAX_CONFIG_BYTES);
  size_t values = json_value_bound(json, json_len);
  if (values > KR_MAX_CONFIG_VALUES)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: model config holds up to %zu JSON values, more than the %zu a Keras config may have "
                   "(layers are described there, weights are not)",
                   c->path, values, KR_MAX_CONFIG_VALUES);
  size_t parsed_bytes = values * sizeof(cJSON);
  char what[64];
  snprintf(what, sizeof what, "%.40s (parsed model config)", c->path);
  NQ_TRY(nq_budget_take(parsed_bytes, what, err));
  cJSON *root = cJSON_ParseWithLength(json, json_len);
  nq_budget_give(parsed_bytes); /* a bound, taken for the peak; the tree itself is freed below */
  if (!root) {
    const char *at = cJSON_GetErrorPtr();
    long off = at && at >= json && at <= json + json_len ? (long)(at - json) : -1;
    return nq_fail(err, NQ_ERR_FORMAT, "%s: model config is not valid JSON (near byte %ld)", c->path, off);
  }
  if (c->keras_major == 0) parse_version(c, kr_str(root, "keras_version", NULL));
  c->model_cf = kr_layout_model_is_cf(root);
  nq_status st = NQ_OK;
  nq_graph *g = nq_graph_new();
  if (!g) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
  c->g = g;
  int outs[KR_MAX_LAYER_IO], n_out = 0;
  kr_scope top = {.legacy_group = NULL, .v3_prefix = "", .depth = 0};
  if (st == NQ_OK) st = kr_build_model(c, root, &top, 0, NULL, outs, &n_out, KR_MAX_LAYER_IO, err);
  if (st == NQ_OK) st = kr_layout_outputs(c, outs, n_out, err);
  cJSON_Delete(root);
  free(c->cf);
  c->cf = NULL;
  c->cf_cap = 0;
  if (st == NQ_OK) st = nq_graph_set_io(g, c->n_inputs, c->inputs, n_out, outs, err);
  if (st == NQ_OK) {
    g->source = strdup(c->path);
    if (!g->source) st = nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", c->path);
  }
  if (st == NQ_OK) st = nq_graph_infer_shapes(g, true, err);
  if (st == NQ_OK) st = nq_passes_optimize(g, err);
  if (st == NQ_OK) st = nq_graph_verify(g, err);
  if (st != NQ_OK) {
    if (strncmp(err->msg, c->path, strlen(c->path)) != 0) nq_prefix(err, "%s: ", c->path);
    nq_graph_free(g);
    return st;
  }
  *out = g;
  return NQ_OK;
}

static nq_status load_h5(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err) {
  NQ_TRY(kr_check_global_heaps(path, err));
  kr_h5_quiet();
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    char b[200];
    return nq_fail(err, NQ_ERR_FORMAT, "%s: not a readable HDF5 file (truncated or damaged?): %s", path,
                   kr_h5_last_error(b, sizeof b));
  }
  kr_ctx c = {.path = path, .style = KR_STYLE_LEGACY, .input_shapes = opts ? opts->input_shapes : NULL};
  char *json = NULL, *ver = NULL;
  nq_status st = NQ_OK;
  bool v3 = !kr_h5_has_attr(f, "layer_names") && !kr_h5_exists(f, "model_weights") &&
            (kr_h5_exists(f, "layers") || kr_h5_exists(f, "_layer_checkpoint_dependencies"));
  if (opts && opts->keras_json) {
    st = read_text_file(opts->keras_json, &json, err);
  } else if (kr_h5_has_attr(f, "model_config")) {
    st = kr_h5_read_str_attr(path, f, "model_config", &json, err);
  } else {
    st = nq_fail(err, NQ_ERR_INVALID_ARG,
                 "%s: a Keras weights-only file (no model_config attribute): give the architecture JSON "
                 "(model.to_json()) with --keras-json",
                 path);
  }
  c.wroot = -1;
  if (st == NQ_OK) {
    if (v3) {
      c.style = KR_STYLE_V3;
      c.wroot = H5Gopen2(f, "/", H5P_DEFAULT);
    } else if (kr_h5_exists(f, "model_weights")) {
      c.wroot = H5Gopen2(f, "model_weights", H5P_DEFAULT);
    } else {
      c.wroot = H5Gopen2(f, "/", H5P_DEFAULT);
    }
    if (c.wroot < 0) st = nq_fail(err, NQ_ERR_FORMAT, "%s: weights group cannot be opened", path);
  }
  if (st == NQ_OK) {
    hid_t vobj = kr_h5_has_attr(f, "keras_version") ? f : c.wroot;
    if (kr_h5_has_attr(vobj, "keras_version") &&
        kr_h5_read_str_attr(path, vobj, "keras_version", &ver, err) == NQ_OK)
      parse_version(&c, ver);
    nq_error_clear(err);
    st = build(&c, json, strlen(json), out, err);
  }
  free(ver);
  free(json);
  if (c.wroot >= 0) H5Gclose(c.wroot);
  H5Fclose(f);
  H5Eclear2(H5E_DEFAULT);
  return st;
}

static nq_status zip_read(const char *path, zip_t *z, const char *name, size_t limit, char **out, size_t *len,
                          nq_error *err) {
  zip_stat_t zs;
  if (zip_stat(z, name, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE))
    return nq_fail(
        err, NQ_ERR_FORMAT,
        "%s: .keras archive has no member '%s' (a .keras file holds config.json and model.weights.h5)", path,
        name);
  if (zs.size > limit)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: member '%s' declares %llu bytes, more than the %zu allowed", path,
                   name, (unsigned long long)zs.size, limit);
  /* Sizes are checked before anything inflates: the declared size against
   * the ratio to the compressed size, and against the memory budget. */
  if ((zs.valid & ZIP_STAT_COMP_SIZE) && zs.size > KR_ZIP_RATIO_FREE &&
      zs.size / (zs.comp_size ? zs.comp_size : 1) > KR_MAX_ZIP_RATIO)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: member '%s' inflates %llu bytes to %llu (more than %d:1); refusing a zip bomb", path,
                   name, (unsigned long long)zs.comp_size, (unsigned long long)zs.size, KR_MAX_ZIP_RATIO);
  char what[160];
  snprintf(what, sizeof what, "%.100s: member '%s'", path, name);
  NQ_TRY(nq_budget_take((size_t)zs.size, what, err));
  char *buf = malloc((size_t)zs.size + 1);
  if (!buf) {
    nq_budget_give((size_t)zs.size);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory", path);
  }
  zip_file_t *zf = zip_fopen(z, name, 0);
  zip_int64_t r = zf ? zip_fread(zf, buf, zs.size) : -1;
  if (zf) zip_fclose(zf);
  nq_budget_give((size_t)zs.size); /* taken for the peak of decoding; callers free the copy soon */
  if (r < 0 || (zip_uint64_t)r != zs.size) {
    free(buf);
    return nq_fail(err, NQ_ERR_FORMAT, "%s: '%s' in the archive cannot be read (damaged archive?)", path,
                   name);
  }
  buf[zs.size] = '\0';
  *out = buf;
  *len = (size_t)zs.size;
  return NQ_OK;
}

static nq_status load_keras_zip(const char *path, const nq_load_options *opts, nq_graph **out,
                                nq_error *err) {
  int zerr = 0;
  zip_t *z = open_zip(path, &zerr, err);
  if (!z) return err->code;
  char *json = NULL, *wbuf = NULL, *meta = NULL;
  size_t jlen = 0, wlen = 0, mlen = 0;
  nq_status st = zip_read(path, z, "config.json", KR_MAX_CONFIG_BYTES, &json, &jlen, err);
  if (st == NQ_OK) st = zip_read(path, z, "model.weights.h5", KR_MAX_WEIGHTS_BYTES, &wbuf, &wlen, err);
  kr_ctx c = {
      .path = path, .style = KR_STYLE_V3, .wroot = -1, .input_shapes = opts ? opts->input_shapes : NULL};
  if (st == NQ_OK && zip_read(path, z, "metadata.json", 1 << 20, &meta, &mlen, err) == NQ_OK) {
    cJSON *m = cJSON_ParseWithLength(meta, mlen);
    parse_version(&c, kr_str(m, "keras_version", NULL));
    cJSON_Delete(m);
  }
  if (st == NQ_OK) nq_error_clear(err); /* metadata.json is optional; keep a real failure's message */
  zip_close(z);
  hid_t f = -1;
  if (st == NQ_OK && !kr_global_heaps_ok_mem((const unsigned char *)wbuf, wlen))
    st = nq_fail(err, NQ_ERR_FORMAT, "%s: model.weights.h5 has a damaged HDF5 global heap", path);
  if (st == NQ_OK) {
    /* open the weights from memory: the core driver over a file image */
    kr_h5_quiet();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_core(fapl, 1 << 16, 0) < 0 || H5Pset_file_image(fapl, wbuf, wlen) < 0) {
      st = nq_fail(err, NQ_ERR_INTERNAL, "%s: cannot set up HDF5 in-memory access", path);
    } else {
      f = H5Fopen("model.weights.h5", H5F_ACC_RDONLY, fapl);
      if (f < 0) {
        char b[200];
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: model.weights.h5 is not a readable HDF5 file: %s", path,
                     kr_h5_last_error(b, sizeof b));
      }
    }
    if (fapl >= 0) H5Pclose(fapl);
  }
  free(wbuf);
  if (st == NQ_OK) {
    c.wroot = H5Gopen2(f, "/", H5P_DEFAULT);
    st = build(&c, json, jlen, out, err);
    H5Gclose(c.wroot);
  }
  if (f >= 0) H5Fclose(f);
  H5Eclear2(H5E_DEFAULT);
  free(json);
  free(meta);
  return st;
}

nq_status kr_load_config_only(const char *label, const char *json, size_t len, nq_graph **out,
                              nq_error *err) {
  *out = NULL;
  kr_h5_quiet();
  /* an empty in-memory HDF5 file stands in for the weights */
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0 || H5Pset_fapl_core(fapl, 1 << 12, 0) < 0) {
    if (fapl >= 0) H5Pclose(fapl);
    return nq_fail(err, NQ_ERR_INTERNAL, "%s: cannot set up HDF5 in-memory access", label);
  }
  hid_t f = H5Fcreate("kr_empty_weights.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (f < 0) return nq_fail(err, NQ_ERR_INTERNAL, "%s: cannot create an in-memory HDF5 file", label);
  kr_ctx c = {.path = label, .style = KR_STYLE_LEGACY};
  c.wroot = H5Gopen2(f, "/", H5P_DEFAULT);
  nq_status st = build(&c, json, len, out, err);
  H5Gclose(c.wroot);
  H5Fclose(f);
  H5Eclear2(H5E_DEFAULT);
  return st;
}

nq_status nq_keras_load_direct(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err) {
  *out = NULL;
  FILE *f;
  NQ_TRY(nq_input_fopen(path, NULL, &f, NULL, err));
  uint8_t head[8] = {0};
  size_t n = fread(head, 1, 8, f);
  fclose(f);
  if (n == 8 && memcmp(head, hdf5_sig, 8) == 0) return load_h5(path, opts, out, err);
  if (n >= 4 && head[0] == 'P' && head[1] == 'K') return load_keras_zip(path, opts, out, err);
  return nq_fail(err, NQ_ERR_FORMAT, "%s: neither an HDF5 file nor a .keras archive", path);
}
