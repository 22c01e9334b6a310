/*
 * What the dataset_*.c files share: the source list, the selected samples
 * and the array cache. Not part of the dataset API (dataset.h).
 */
#ifndef NQ_CALIB_DATASET_INTERNAL_H
#define NQ_CALIB_DATASET_INTERNAL_H

#include <stddef.h>

#include "calib/dataset.h"
#include "core/input_file.h"
#include "io/npy.h"
#include "io/npz.h"

typedef enum ds_kind { DS_IMAGE = 0, DS_NPY = 1, DS_NPZ = 2 } ds_kind;

/* A file found by the scan. */
typedef struct ds_file {
  char *path;
  ds_kind kind;
} ds_file;

typedef struct ds_file_list {
  ds_file *v;
  size_t n, cap;
  size_t ignored; /* files skipped as not images/.npy/.npz, or hidden */
} ds_file_list;

/* A source of one or more samples: an image, an .npy, or one .npz member. */
typedef struct ds_source {
  char *path;  /* the file */
  char *label; /* path, or "path:member" for .npz */
  ds_kind kind;
  int member;       /* .npz member index */
  nq_npz *npz;      /* .npz: the archive, owned by the dataset's npz list */
  size_t n_samples; /* 1, or the stack size */
  int stacked;      /* names get "[i]" */
} ds_source;

typedef struct ds_sample {
  size_t source;
  size_t index; /* within the source's stack */
  char *name;
} ds_sample;

struct nq_dataset {
  nq_input_spec spec; /* spec.name points at input_name */
  char *input_name;
  nq_preprocess pp;
  nq_dataset_options opts;
  size_t sample_elems;
  int height, width, channels; /* image geometry, when has_images */
  int has_images;

  ds_source *src;
  size_t n_src;
  nq_npz **npz; /* opened archives */
  size_t n_npz;
  ds_sample *sel;
  size_t n_sel, total;

  /* The last .npy/.npz array read, for stacks read sample by sample. */
  size_t cached_src;
  int have_cache;
  nq_array cache;
  size_t cache_budget; /* bytes of cache taken from the memory budget (core/budget.h) */

  char notes[1024];
  nq_input_list inputs; /* its files: no output may replace one while it is open */
};

/* dataset_scan.c: list the files under a folder (recursive, sorted). */
nq_status ds_scan_folder(const char *dir, ds_file_list *out, nq_error *err);
void ds_file_list_free(ds_file_list *l);
/* Kind of a file name by extension; -1 if none of ours. */
int ds_kind_from_name(const char *name);

/* dataset_array.c: fit an array shape to the input; convert a sample. */
nq_status ds_fit_array(const nq_dataset *ds, const char *label, int rank, const int32_t *shape,
                       size_t *n_samples, int *stacked, nq_error *err);
nq_status ds_array_sample(const nq_array *a, size_t index, size_t elems, const char *label, float *dst,
                          nq_error *err);

/* dataset_select.c: choose ds->sel from ds->total samples. */
nq_status ds_select(nq_dataset *ds, nq_error *err);

/* Append a formatted line to ds->notes (truncated if full). */
void ds_note(nq_dataset *ds, const char *fmt, ...);

#endif
