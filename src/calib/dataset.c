/* The data set handle: open (scan, fit shapes, select), get, names. The
 * behaviour is documented in dataset.h. */
#include "calib/dataset.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calib/dataset_internal.h"
#include "calib/image_decode.h"
#include "core/budget.h"
#include "core/checked.h"
#include "core/input_file.h"
#include "core/status.h"

void ds_note(nq_dataset *ds, const char *fmt, ...) {
  size_t used = strlen(ds->notes);
  if (used + 2 >= sizeof ds->notes) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ds->notes + used, sizeof ds->notes - used - 1, fmt, ap);
  va_end(ap);
  used = strlen(ds->notes);
  ds->notes[used] = '\n';
  ds->notes[used + 1] = '\0';
}

/* Drop the cached array and give its bytes back to the budget. */
static void drop_cache(nq_dataset *ds) {
  nq_array_free(&ds->cache);
  nq_budget_give(ds->cache_budget);
  ds->cache_budget = 0;
  ds->have_cache = 0;
}

void nq_dataset_free(nq_dataset *ds) {
  if (!ds) return;
  for (size_t i = 0; i < ds->n_src; i++) {
    free(ds->src[i].path);
    free(ds->src[i].label);
  }
  free(ds->src);
  for (size_t i = 0; i < ds->n_npz; i++) nq_npz_close(ds->npz[i]);
  free(ds->npz);
  for (size_t i = 0; i < ds->n_sel; i++) free(ds->sel[i].name);
  free(ds->sel);
  drop_cache(ds);
  nq_input_list_release(&ds->inputs);
  free(ds->input_name);
  free(ds);
}

size_t nq_dataset_count(const nq_dataset *ds) { return ds->n_sel; }
size_t nq_dataset_total(const nq_dataset *ds) { return ds->total; }
size_t nq_dataset_sample_elems(const nq_dataset *ds) { return ds->sample_elems; }
const char *nq_dataset_notes(const nq_dataset *ds) { return ds->notes; }
const nq_preprocess *nq_dataset_preprocess(const nq_dataset *ds) { return &ds->pp; }
int nq_dataset_has_images(const nq_dataset *ds) { return ds->has_images; }
const char *nq_dataset_name(const nq_dataset *ds, size_t i) { return i < ds->n_sel ? ds->sel[i].name : NULL; }

/* A data file npuquant cannot use (a float64 .npy, a GIF) is bad input
 * (exit 1, docs/cli.md), not an unsupported model feature (exit 3): the
 * readers' NQ_ERR_UNSUPPORTED becomes NQ_ERR_FORMAT here, as for run -i. */
static nq_status as_input_error(nq_status s, nq_error *err) {
  if (s == NQ_ERR_UNSUPPORTED) err->code = s = NQ_ERR_FORMAT;
  return s;
}

/* Add a source; takes ownership of nothing (copies path and label). */
static nq_status add_source(nq_dataset *ds, const char *path, const char *label, ds_kind kind, int member,
                            nq_npz *z, size_t n_samples, int stacked, nq_error *err) {
  ds_source *v = realloc(ds->src, (ds->n_src + 1) * sizeof *v);
  if (!v) return nq_fail(err, NQ_ERR_NOMEM, "out of memory listing data sources");
  ds->src = v;
  ds_source *s = &v[ds->n_src];
  memset(s, 0, sizeof *s);
  s->path = strdup(path);
  s->label = strdup(label);
  if (!s->path || !s->label) {
    free(s->path), free(s->label);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory listing data sources");
  }
  if (kind == DS_IMAGE && nq_input_record_path(path, err) != NQ_OK) {
    free(s->path), free(s->label);
    return err->code;
  }
  s->kind = kind;
  s->member = member;
  s->npz = z;
  s->n_samples = n_samples;
  s->stacked = stacked;
  ds->n_src++;
  if (kind == DS_IMAGE) ds->has_images = 1;
  return NQ_OK;
}

static nq_status add_npy(nq_dataset *ds, const char *path, nq_error *err) {
  unsigned char head[12 + NQ_NPY_MAX_HEADER];
  FILE *f;
  NQ_TRY(nq_input_fopen(path, NULL, &f, NULL, err));
  size_t got = fread(head, 1, sizeof head, f);
  fclose(f);
  nq_npy_header h;
  NQ_TRY(nq_npy_parse_header(head, got, path, &h, err));
  size_t n;
  int stacked;
  NQ_TRY(ds_fit_array(ds, path, h.rank, h.shape, &n, &stacked, err));
  return add_source(ds, path, path, DS_NPY, 0, NULL, n, stacked, err);
}

/* All members of an .npz (key == NULL), or the one called key. */
static nq_status add_npz(nq_dataset *ds, const char *path, const char *key, nq_error *err) {
  nq_npz *z;
  NQ_TRY(nq_npz_open(path, &z, err));
  nq_npz **v = realloc(ds->npz, (ds->n_npz + 1) * sizeof *v);
  if (!v) {
    nq_npz_close(z);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  }
  ds->npz = v;
  ds->npz[ds->n_npz++] = z; /* owned by ds from here on */
  int count = nq_npz_count(z), only = -1;
  if (key) {
    only = nq_npz_find(z, key);
    if (only < 0) {
      char names[512] = "";
      for (int i = 0; i < count && strlen(names) < sizeof names - 64; i++) {
        strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
        strncat(names, nq_npz_name(z, i), sizeof names - strlen(names) - 1);
      }
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: no member '%s' (members: %s)", path, key,
                     count ? names : "none");
    }
  } else if (count == 0) {
    return nq_fail(err, NQ_ERR_FORMAT, "%s: the archive has no members", path);
  }
  for (int i = 0; i < count; i++) {
    if (only >= 0 && i != only) continue;
    char label[1200];
    snprintf(label, sizeof label, "%s:%s", path, nq_npz_name(z, i));
    nq_npy_header h;
    size_t n;
    int stacked;
    NQ_TRY(nq_npz_read_header(z, i, &h, err));
    NQ_TRY(ds_fit_array(ds, label, h.rank, h.shape, &n, &stacked, err));
    NQ_TRY(add_source(ds, path, label, DS_NPZ, i, z, n, stacked, err));
  }
  return NQ_OK;
}

static nq_status add_file(nq_dataset *ds, const char *path, ds_kind kind, nq_error *err) {
  switch (kind) {
    case DS_IMAGE:
      return add_source(ds, path, path, DS_IMAGE, 0, NULL, 1, 0, err);
    case DS_NPY:
      return add_npy(ds, path, err);
    case DS_NPZ:
      return add_npz(ds, path, NULL, err);
  }
  return nq_fail(err, NQ_ERR_INTERNAL, "%s: unknown source kind", path);
}

/* A file named explicitly: by extension, else by content (images only). */
static nq_status add_explicit(nq_dataset *ds, const char *path, nq_error *err) {
  int kind = ds_kind_from_name(path);
  if (kind < 0) {
    unsigned char head[16];
    FILE *f;
    NQ_TRY(nq_input_fopen(path, NULL, &f, NULL, err));
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (nq_image_sniff(head, got) == NQ_IMAGE_UNKNOWN)
      return nq_fail(err, NQ_ERR_FORMAT, /* bad data, not an unsupported model feature: exit 1 */
                     "%s: unsupported data file: expected a JPEG, PNG or BMP image, an .npy or "
                     ".npz file, or a folder of them",
                     path);
    kind = DS_IMAGE;
  }
  return add_file(ds, path, (ds_kind)kind, err);
}

static nq_status collect(nq_dataset *ds, const char *path, nq_error *err) {
  struct stat st;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      ds_file_list files;
      NQ_TRY(ds_scan_folder(path, &files, err));
      if (files.n == 0) {
        size_t ignored = files.ignored;
        ds_file_list_free(&files);
        return nq_fail(err, NQ_ERR_INVALID_ARG,
                       "%s: the folder has no images (.jpg .jpeg .png .bmp), .npy or .npz files "
                       "(%zu other entries ignored)",
                       path, ignored);
      }
      if (files.ignored)
        ds_note(ds, "%s: ignored %zu files that are not images, .npy or .npz", path, files.ignored);
      nq_status s = NQ_OK;
      for (size_t i = 0; i < files.n && s == NQ_OK; i++)
        s = add_file(ds, files.v[i].path, files.v[i].kind, err);
      ds_file_list_free(&files);
      return s;
    }
    return add_explicit(ds, path, err);
  }
  /* "archive.npz:key" */
  int saved = errno;
  const char *colon = strrchr(path, ':');
  if (colon && colon[1] != '\0') {
    size_t n = (size_t)(colon - path);
    char *file = malloc(n + 1);
    if (!file) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
    memcpy(file, path, n);
    file[n] = '\0';
    nq_status s;
    if (ds_kind_from_name(file) == DS_NPZ && stat(file, &st) == 0 && S_ISREG(st.st_mode))
      s = add_npz(ds, file, colon + 1, err);
    else
      s = nq_fail(err, NQ_ERR_IO, "%s: cannot open: %s", path, strerror(saved));
    free(file);
    return s;
  }
  return nq_fail(err, NQ_ERR_IO, "%s: cannot open: %s", path, strerror(saved));
}

/* Image geometry from the input shape. */
static nq_status image_geometry(nq_dataset *ds, nq_error *err) {
  const nq_input_spec *sp = &ds->spec;
  const int32_t *d = sp->shape;
  char shape[128];
  nq_shape_str(d, sp->rank, shape, sizeof shape);
  const char *first_image = "";
  for (size_t i = 0; i < ds->n_src && !*first_image; i++)
    if (ds->src[i].kind == DS_IMAGE) first_image = ds->src[i].path;
  int off;
  if (sp->rank == 4 && d[0] == 1)
    off = 1;
  else if (sp->rank == 3)
    off = 0;
  else
    return nq_fail(err, NQ_ERR_SHAPE,
                   "%s: input%s%s%s has shape %s: images can feed only a [1, H, W, C] (or [H, W, C]) "
                   "input; use .npy data for this one",
                   first_image, sp->name ? " '" : "", sp->name ? sp->name : "", sp->name ? "'" : "", shape);
  if (sp->channels_first) {
    ds->channels = d[off], ds->height = d[off + 1], ds->width = d[off + 2];
  } else {
    ds->height = d[off], ds->width = d[off + 1], ds->channels = d[off + 2];
  }
  char what[200];
  snprintf(what, sizeof what, "input%s%s%s of shape %s", sp->name ? " '" : "", sp->name ? sp->name : "",
           sp->name ? "'" : "", shape);
  if (nq_preprocess_check(&ds->pp, ds->channels, what, err) != NQ_OK)
    return nq_prefix(err, "%s: ", first_image);
  if (ds->pp.color == NQ_COLOR_AUTO) ds->pp.color = ds->channels == 1 ? NQ_COLOR_GRAY : NQ_COLOR_RGB;
  return NQ_OK;
}

nq_status nq_dataset_open(const char *path, const nq_input_spec *spec, const nq_preprocess *pp,
                          const nq_dataset_options *opts, nq_dataset **out, nq_error *err) {
  *out = NULL;
  if (!path || !spec)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "dataset: a path and an input spec are required");
  if (spec->rank < 0 || spec->rank > NQ_API_MAX_RANK)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "dataset: input rank %d (0..%d expected)", spec->rank,
                   NQ_API_MAX_RANK);
  size_t elems;
  for (int i = 0; i < spec->rank; i++)
    if (spec->shape[i] <= 0)
      return nq_fail(err, NQ_ERR_SHAPE,
                     "dataset: input%s%s has dimension %d = %d; a fixed positive shape is needed",
                     spec->name ? " " : "", spec->name ? spec->name : "", i, spec->shape[i]);
  if (!nq_shape_elems(spec->shape, spec->rank, NQ_DATASET_MAX_SAMPLE_ELEMS, &elems))
    return nq_fail(err, NQ_ERR_NOMEM, "dataset: input%s%s has more than %zu elements", spec->name ? " " : "",
                   spec->name ? spec->name : "", NQ_DATASET_MAX_SAMPLE_ELEMS);
  nq_dataset *ds = calloc(1, sizeof *ds);
  if (!ds) return nq_fail(err, NQ_ERR_NOMEM, "dataset: out of memory");
  ds->spec = *spec;
  if (spec->name && !(ds->input_name = strdup(spec->name))) {
    free(ds);
    return nq_fail(err, NQ_ERR_NOMEM, "dataset: out of memory");
  }
  ds->spec.name = ds->input_name;
  if (pp)
    ds->pp = *pp;
  else
    nq_preprocess_default(&ds->pp);
  if (opts) ds->opts = *opts;
  ds->sample_elems = elems;

  nq_input_list *outer = nq_input_collect_begin(&ds->inputs);
  nq_status s = as_input_error(collect(ds, path, err), err);
  nq_input_collect_end(outer);
  if (s == NQ_OK && ds->has_images) s = image_geometry(ds, err);
  if (s == NQ_OK) {
    for (size_t i = 0; i < ds->n_src; i++) ds->total += ds->src[i].n_samples;
    if (ds->total == 0)
      s = nq_fail(err, NQ_ERR_INVALID_ARG, "%s: no samples (every array is empty)", path);
    else if (ds->total > UINT32_MAX)
      s = nq_fail(err, NQ_ERR_NOMEM, "%s: %zu samples (at most %u)", path, ds->total, (unsigned)UINT32_MAX);
  }
  if (s == NQ_OK) s = ds_select(ds, err);
  if (s != NQ_OK) {
    nq_dataset_free(ds);
    return s;
  }
  *out = ds;
  return NQ_OK;
}

/* Make ds->cache hold source `si`'s array. */
static nq_status load_array(nq_dataset *ds, size_t si, nq_error *err) {
  if (ds->have_cache && ds->cached_src == si) return NQ_OK;
  drop_cache(ds);
  const ds_source *src = &ds->src[si];
  if (src->kind == DS_NPY)
    NQ_TRY(as_input_error(nq_npy_read_file(src->path, &ds->cache, err), err));
  else
    NQ_TRY(as_input_error(nq_npz_read_array(src->npz, src->member, &ds->cache, err), err));
  /* A data set's arrays count against the memory budget like a model's
   * constants: several large stacks at once must not exhaust the machine. */
  nq_status bs = nq_budget_take(ds->cache.nbytes, src->label, err);
  if (bs != NQ_OK) {
    nq_array_free(&ds->cache);
    return bs;
  }
  ds->cache_budget = ds->cache.nbytes;
  size_t want;
  if (!nq_mul_size(src->n_samples, ds->sample_elems, &want) || want != ds->cache.nelems) {
    drop_cache(ds);
    return nq_fail(err, NQ_ERR_SHAPE,
                   "%s: the array has %zu elements, %zu samples of %zu expected (file changed?)", src->label,
                   ds->cache.nelems, src->n_samples, ds->sample_elems);
  }
  ds->have_cache = 1;
  ds->cached_src = si;
  return NQ_OK;
}

nq_status nq_dataset_get(nq_dataset *ds, size_t i, float *dst, nq_error *err) {
  if (i >= ds->n_sel) return nq_fail(err, NQ_ERR_INVALID_ARG, "dataset: sample %zu of %zu", i, ds->n_sel);
  const ds_sample *smp = &ds->sel[i];
  const ds_source *src = &ds->src[smp->source];
  if (src->kind == DS_IMAGE) {
    nq_image img;
    NQ_TRY(nq_image_load(src->path, &img, err));
    nq_status s = nq_preprocess_image(&img, &ds->pp, ds->height, ds->width, ds->channels,
                                      ds->spec.channels_first, dst, src->path, err);
    nq_image_free(&img);
    NQ_TRY(s);
  } else {
    NQ_TRY(load_array(ds, smp->source, err));
    NQ_TRY(ds_array_sample(&ds->cache, smp->index, ds->sample_elems, src->label, dst, err));
  }
  if (ds->opts.progress) ds->opts.progress(ds->opts.progress_user, i + 1, ds->n_sel, smp->name);
  return NQ_OK;
}
