#include "cli_labels.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* Labels: a 1-D integer .npy (or [N, 1]); converted to int32. */
static nq_status read_labels(const char *path, int32_t **out, size_t *n, nq_error *err) {
  nq_array arr;
  CLI_TRY(nq_npy_read_file(path, &arr, err));
  nq_status st = NQ_OK;
  if (!(arr.rank == 1 || (arr.rank == 2 && arr.shape[1] == 1)))
    st = nq_fail(err, NQ_ERR_SHAPE, "%s: labels must be a 1-D array of class indices", path);
  int32_t *l = st == NQ_OK ? malloc(sizeof(int32_t) * (arr.nelems ? arr.nelems : 1)) : NULL;
  if (st == NQ_OK && !l) st = nq_fail(err, NQ_ERR_NOMEM, "out of memory for labels");
  for (size_t i = 0; st == NQ_OK && i < arr.nelems; i++) {
    switch (arr.type) {
      case NQ_UINT8:
        l[i] = ((const uint8_t *)arr.data)[i];
        break;
      case NQ_INT8:
        l[i] = ((const int8_t *)arr.data)[i];
        break;
      case NQ_INT16:
        l[i] = ((const int16_t *)arr.data)[i];
        break;
      case NQ_INT32:
        l[i] = ((const int32_t *)arr.data)[i];
        break;
      case NQ_INT64: {
        int64_t v = ((const int64_t *)arr.data)[i];
        if (v < INT32_MIN || v > INT32_MAX)
          st = nq_fail(err, NQ_ERR_FORMAT, "%s: label %zu is %lld, not a class index", path, i, (long long)v);
        l[i] = (int32_t)v;
        break;
      }
      default:
        st = nq_fail(err, NQ_ERR_FORMAT, "%s: labels are %s; integer class indices expected", path,
                     nq_dtype_name(arr.type));
    }
  }
  free(arr.data);
  if (st != NQ_OK) {
    free(l);
    return st;
  }
  *out = l;
  *n = arr.nelems;
  return NQ_OK;
}

nq_status cli_load_labels(const char *path, const cli_data_opts *data, int n_samples, int32_t **out,
                          size_t *n, nq_error *err) {
  CLI_TRY(read_labels(path, out, n, err));
  if (*n == (size_t)n_samples) return NQ_OK;
  size_t n_labels = *n;
  free(*out);
  *out = NULL;
  if (data->samples || data->use_seed)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s has %zu labels but %d samples were selected; --labels needs every sample in order",
                   path, n_labels, n_samples);
  return nq_fail(err, NQ_ERR_INVALID_ARG, "%s has %zu labels for %d samples: one label per sample expected",
                 path, n_labels, n_samples);
}

/* The largest output's element count: a label is a class index into it. */
static size_t output_classes(const nq_model *m) {
  size_t classes = 0;
  for (int i = 0; i < nq_model_num_outputs(m); i++) {
    nq_tensor_info t;
    if (nq_model_output(m, i, &t, NULL) != NQ_OK) continue;
    size_t e = 1;
    for (int k = 0; k < t.rank; k++) e *= t.shape[k] > 0 ? (size_t)t.shape[k] : 1;
    if (e > classes) classes = e;
  }
  return classes;
}

int cli_labels_are_folders(const char *arg) {
  return arg && strncmp(arg, "folders", 7) == 0 && (arg[7] == '\0' || arg[7] == ':');
}

nq_status cli_folder_labels(const char *arg, const char *root, const cli_data *d, const nq_model *m,
                            int n_samples, int32_t **out, size_t *n, nq_error *err) {
  const char *map = arg[7] == ':' ? arg + 8 : NULL;
  if (map && !*map)
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "--labels folders: needs a map file after the colon (folders:MAP.txt)");
  int32_t *l = malloc(sizeof *l * (size_t)(n_samples > 0 ? n_samples : 1));
  if (!l) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for labels");
  nq_status st = nq_dataset_folder_labels(cli_data_dataset(d, 0), root, map, output_classes(m), l, NULL, err);
  if (st != NQ_OK) {
    free(l);
    return st;
  }
  *out = l;
  *n = (size_t)n_samples;
  return NQ_OK;
}

static int is_folder(const char *dir, const char *name) {
  char path[4096];
  struct stat st;
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return 0;
  return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Every class folder of `a` (not hidden, not a link, as the scan sees them)
 * is one of `b` too. */
static nq_status folders_within(const char *a, const char *b, nq_error *err) {
  DIR *d = opendir(a);
  if (!d) return nq_fail(err, NQ_ERR_IO, "%s: cannot open folder: %s", a, strerror(errno));
  nq_status st = NQ_OK;
  struct dirent *e;
  while (st == NQ_OK && (e = readdir(d)) != NULL)
    if (e->d_name[0] != '.' && is_folder(a, e->d_name) && !is_folder(b, e->d_name))
      st = nq_fail(
          err, NQ_ERR_INVALID_ARG,
          "%s/%s: class folder '%s' is not in %s, so --labels folders would number the classes of the "
          "two folders differently; give the class names in output order (--labels folders:MAP.txt)",
          a, e->d_name, e->d_name, b);
  closedir(d);
  return st;
}

nq_status cli_same_class_folders(const char *arg, const char *eval_root, const char *root, nq_error *err) {
  if (arg[7] == ':') return NQ_OK; /* the map numbers both */
  CLI_TRY(folders_within(eval_root, root, err));
  return folders_within(root, eval_root, err);
}

nq_status cli_labels_load(const char *arg, const cli_data_opts *data, const cli_data *d, const nq_model *m,
                          int n_samples, int32_t **out, size_t *n, nq_error *err) {
  if (cli_labels_are_folders(arg))
    return cli_folder_labels(arg, data->paths[0], d, m, n_samples, out, n, err);
  return cli_load_labels(arg, data, n_samples, out, n, err);
}
