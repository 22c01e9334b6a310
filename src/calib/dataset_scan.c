/* Recursive folder listing for the data set: which files, in which order. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "calib/dataset_internal.h"
#include "core/status.h"

int ds_kind_from_name(const char *name) {
  const char *dot = strrchr(name, '.');
  if (!dot) return -1;
  static const char *const images[] = {".jpg", ".jpeg", ".png", ".bmp"};
  for (size_t i = 0; i < sizeof images / sizeof images[0]; i++)
    if (strcasecmp(dot, images[i]) == 0) return DS_IMAGE;
  if (strcasecmp(dot, ".npy") == 0) return DS_NPY;
  if (strcasecmp(dot, ".npz") == 0) return DS_NPZ;
  return -1;
}

void ds_file_list_free(ds_file_list *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i].path);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static nq_status list_push(ds_file_list *l, char *path, ds_kind kind, nq_error *err) {
  if (l->n == NQ_DATASET_MAX_FILES) {
    free(path);
    return nq_fail(err, NQ_ERR_NOMEM, "more than %d data files", NQ_DATASET_MAX_FILES);
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    ds_file *v = realloc(l->v, cap * sizeof *v);
    if (!v) {
      free(path);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory listing data files");
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n].path = path;
  l->v[l->n].kind = kind;
  l->n++;
  return NQ_OK;
}

static char *join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  int slash = a > 0 && dir[a - 1] != '/';
  char *p = malloc(a + (size_t)slash + b + 1);
  if (!p) return NULL;
  memcpy(p, dir, a);
  if (slash) p[a] = '/';
  memcpy(p + a + slash, name, b + 1);
  return p;
}

static nq_status walk(const char *dir, int depth, ds_file_list *out, nq_error *err) {
  if (depth > NQ_DATASET_MAX_DEPTH)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: folders nested deeper than %d levels", dir,
                   NQ_DATASET_MAX_DEPTH);
  DIR *d = opendir(dir);
  if (!d) return nq_fail(err, NQ_ERR_IO, "%s: cannot open folder: %s", dir, strerror(errno));
  nq_status s = NQ_OK;
  struct dirent *e;
  while (s == NQ_OK && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (e->d_name[0] == '.') {
      out->ignored++;
      continue;
    }
    char *p = join(dir, e->d_name);
    if (!p) {
      s = nq_fail(err, NQ_ERR_NOMEM, "out of memory listing %s", dir);
      break;
    }
    struct stat lst, st;
    if (lstat(p, &lst) != 0) {
      s = nq_fail(err, NQ_ERR_IO, "%s: cannot stat: %s", p, strerror(errno));
      free(p);
      break;
    }
    if (S_ISDIR(lst.st_mode)) {
      s = walk(p, depth + 1, out, err);
      free(p);
      continue;
    }
    /* A symlink counts as the file it points to, but never as a folder. */
    int regular = S_ISREG(lst.st_mode) || (S_ISLNK(lst.st_mode) && stat(p, &st) == 0 && S_ISREG(st.st_mode));
    int kind = regular ? ds_kind_from_name(e->d_name) : -1;
    if (kind < 0) {
      out->ignored++;
      free(p);
      continue;
    }
    /* A link may point outside the folder: data sets picked as links to
     * samples elsewhere are common, and the user named the folder (a
     * model's own references, e.g. ONNX external data, must stay inside the
     * model's folder). A link to anything but a regular file was skipped
     * above, and every file is opened without blocking when read. */
    s = list_push(out, p, (ds_kind)kind, err);
  }
  closedir(d);
  return s;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const ds_file *)a)->path, ((const ds_file *)b)->path);
}

nq_status ds_scan_folder(const char *dir, ds_file_list *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  nq_status s = walk(dir, 0, out, err);
  if (s != NQ_OK) {
    ds_file_list_free(out);
    return s;
  }
  if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, by_path);
  return NQ_OK;
}
