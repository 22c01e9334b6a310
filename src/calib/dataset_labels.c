/*
 * Class labels from a data set laid out as class folders (DATA/cat/x.jpg,
 * DATA/dog/y.jpg): the label of a sample is the index of the folder right
 * below DATA that holds it. Without a map the classes are the folder names
 * sorted by byte order (strcmp), as torchvision's ImageFolder and Keras's
 * image_dataset_from_directory number them; with a map file (one class name
 * per line, in the order of the model's output elements) a folder's class is
 * its line. A folder layout that would silently shift those indices (a
 * sample beside the class folders, an empty class folder) is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calib/dataset_internal.h"
#include "core/status.h"

#define MAX_MAP_BYTES ((size_t)1 << 20)
#define MAX_CLASSES 100000

typedef struct class_list {
  char **name;
  size_t n, cap;
} class_list;

static void classes_free(class_list *c) {
  for (size_t i = 0; i < c->n; i++) free(c->name[i]);
  free(c->name);
}

static nq_status classes_push(class_list *c, const char *s, size_t len, const char *what, nq_error *err) {
  if (c->n == MAX_CLASSES)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: more than %d classes", what, MAX_CLASSES);
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 16;
    char **v = realloc(c->name, cap * sizeof *v);
    if (!v) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the class names of %s", what);
    c->name = v;
    c->cap = cap;
  }
  char *p = malloc(len + 1);
  if (!p) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the class names of %s", what);
  memcpy(p, s, len);
  p[len] = '\0';
  c->name[c->n++] = p;
  return NQ_OK;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The class folders of root: its sub-folders that are not hidden (the scan
 * skips those and does not follow linked folders, so neither is a class). */
static nq_status list_folders(const char *root, class_list *out, nq_error *err) {
  DIR *d = opendir(root);
  if (!d) return nq_fail(err, NQ_ERR_IO, "%s: cannot open folder: %s", root, strerror(errno));
  nq_status st = NQ_OK;
  struct dirent *e;
  size_t rlen = strlen(root);
  while (st == NQ_OK && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    size_t len = strlen(e->d_name);
    char *p = malloc(rlen + len + 2);
    if (!p) {
      st = nq_fail(err, NQ_ERR_NOMEM, "out of memory listing %s", root);
      break;
    }
    snprintf(p, rlen + len + 2, "%s/%s", root, e->d_name);
    struct stat lst;
    if (lstat(p, &lst) == 0 && S_ISDIR(lst.st_mode)) st = classes_push(out, e->d_name, len, root, err);
    free(p);
  }
  closedir(d);
  if (st == NQ_OK && out->n > 1) qsort(out->name, out->n, sizeof *out->name, by_name);
  return st;
}

/* One class name per line; blank lines only at the end (no name twice is
 * checked once sorted, see map_index). */
static nq_status read_map(const char *path, class_list *out, nq_error *err) {
  uint8_t *data;
  size_t size;
  NQ_TRY(nq_input_read(path, NULL, MAX_MAP_BYTES, &data, &size, err));
  nq_status st = NQ_OK;
  const char *s = (const char *)data, *end = s + size;
  size_t line = 0, blank_line = 0;
  while (st == NQ_OK && s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    line++;
    const char *a = s, *b = e;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
    s = nl ? nl + 1 : end;
    if (a == b) {
      if (!blank_line) blank_line = line;
      continue;
    }
    if (blank_line)
      st = nq_fail(err, NQ_ERR_FORMAT,
                   "%s: line %zu is empty: one class name per line, in the model's output order", path,
                   blank_line);
    else if (memchr(a, '\0', (size_t)(b - a)))
      st = nq_fail(err, NQ_ERR_FORMAT, "%s: line %zu holds a NUL byte: a text file of class names expected",
                   path, line);
    else
      st = classes_push(out, a, (size_t)(b - a), path, err);
  }
  free(data);
  if (st == NQ_OK && out->n == 0) st = nq_fail(err, NQ_ERR_FORMAT, "%s: no class names in it", path);
  return st;
}

/* name[0..len) against s: strcmp's order, without a terminator in name. */
static int cmp_key(const char *s, const char *name, size_t len) {
  int r = strncmp(s, name, len);
  return r ? r : s[len] != '\0';
}

/* A class name and its position (its line in the map, or its sorted index). */
typedef struct named {
  const char *name;
  size_t pos;
} named;

static int by_named(const void *a, const void *b) {
  int r = strcmp(((const named *)a)->name, ((const named *)b)->name);
  if (r) return r;
  size_t x = ((const named *)a)->pos, y = ((const named *)b)->pos;
  return (x > y) - (x < y);
}

/* The position of name[0..len) in v (sorted by name), or -1. */
static long find_class(const named *v, size_t n, const char *name, size_t len) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = cmp_key(v[mid].name, name, len);
    if (r == 0) return (long)v[mid].pos;
    if (r < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* c's names sorted (a malloc'd array), for find_class. With `dup_what`,
 * two lines naming the same class are an error naming both lines. */
static nq_status sorted_names(const class_list *c, const char *dup_what, named **out, nq_error *err) {
  named *v = malloc((c->n ? c->n : 1) * sizeof *v);
  if (!v) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for class names");
  for (size_t i = 0; i < c->n; i++) v[i] = (named){c->name[i], i};
  if (c->n > 1) qsort(v, c->n, sizeof *v, by_named);
  for (size_t i = 0; dup_what && i + 1 < c->n; i++)
    if (strcmp(v[i].name, v[i + 1].name) == 0) {
      nq_status st = nq_fail(err, NQ_ERR_FORMAT, "%s: lines %zu and %zu both name class '%s'", dup_what,
                             v[i].pos + 1, v[i + 1].pos + 1, v[i].name);
      free(v);
      return st;
    }
  *out = v;
  return NQ_OK;
}

/* The class folder of each source (its index in `folders`, which is
 * sorted), checking the layout: every source inside a class folder, every
 * class folder used. */
static nq_status source_folders(const nq_dataset *ds, const char *root, const class_list *folders,
                                const named *by, long *of, nq_error *err) {
  size_t rlen = strlen(root);
  while (rlen > 1 && root[rlen - 1] == '/') rlen--;
  unsigned char *used = calloc(folders->n ? folders->n : 1, 1);
  if (!used) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for labels");
  nq_status st = NQ_OK;
  for (size_t s = 0; st == NQ_OK && s < ds->n_src; s++) {
    const char *p = ds->src[s].path;
    if (strncmp(p, root, rlen) != 0 || (p[rlen] != '/' && root[rlen - 1] != '/')) {
      st = nq_fail(err, NQ_ERR_INTERNAL, "%s is not inside %s", p, root);
      break;
    }
    const char *rel = p + rlen;
    while (*rel == '/') rel++;
    const char *slash = strchr(rel, '/');
    if (!slash) {
      st = nq_fail(
          err, NQ_ERR_INVALID_ARG,
          "%s: a sample beside the class folders of %s; with class-folder labels every sample must be "
          "inside a class folder (move it into one, or remove it)",
          p, root);
      break;
    }
    of[s] = find_class(by, folders->n, rel, (size_t)(slash - rel));
    if (of[s] < 0)
      st = nq_fail(err, NQ_ERR_INTERNAL, "%s: its folder is not among the class folders of %s", p, root);
    else
      used[of[s]] = 1;
  }
  for (size_t f = 0; st == NQ_OK && f < folders->n; f++)
    if (!used[f])
      st = nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s/%s: an empty class folder (no image, .npy or .npz in it); class indices follow the "
                   "class folders, so remove it or give it samples",
                   root, folders->name[f]);
  free(used);
  return st;
}

/* Each class folder's label: its sorted position, or its line in the map. */
static nq_status folder_labels(const char *root, const class_list *folders, const char *map_path,
                               const class_list *map, const named *map_by, size_t max_classes, long *label,
                               nq_error *err) {
  for (size_t f = 0; f < folders->n; f++) {
    const char *name = folders->name[f];
    label[f] = map ? find_class(map_by, map->n, name, strlen(name)) : (long)f;
    if (label[f] < 0)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s/%s: class folder '%s' is not in %s (%zu class names)", root,
                     name, name, map_path, map->n);
    if (max_classes && (size_t)label[f] >= max_classes) {
      if (map)
        return nq_fail(err, NQ_ERR_INVALID_ARG,
                       "%s/%s: class '%s' is line %ld of %s, but the model's outputs have %zu elements "
                       "(classes 0..%zu)",
                       root, name, name, label[f] + 1, map_path, max_classes, max_classes - 1);
      return nq_fail(
          err, NQ_ERR_INVALID_ARG,
          "%s/%s: class folder %ld of %zu (sorted by name), but the model's outputs have %zu elements "
          "(classes 0..%zu); give a map of class names in output order (folders:MAP.txt)",
          root, name, label[f], folders->n, max_classes, max_classes - 1);
    }
  }
  return NQ_OK;
}

nq_status nq_dataset_folder_labels(const nq_dataset *ds, const char *root, const char *map_path,
                                   size_t max_classes, int32_t *labels, size_t *n_classes, nq_error *err) {
  if (!ds || !root || !labels)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_dataset_folder_labels: NULL argument");
  struct stat st;
  if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: class-folder labels need the data to be a folder of class folders", root);
  class_list folders = {0}, map = {0};
  named *folder_by = NULL, *map_by = NULL;
  long *label = NULL, *of = calloc(ds->n_src ? ds->n_src : 1, sizeof *of);
  nq_status s =
      of ? list_folders(root, &folders, err) : nq_fail(err, NQ_ERR_NOMEM, "out of memory for labels");
  if (s == NQ_OK) s = sorted_names(&folders, NULL, &folder_by, err);
  if (s == NQ_OK && map_path) s = read_map(map_path, &map, err);
  if (s == NQ_OK && map_path) s = sorted_names(&map, map_path, &map_by, err);
  if (s == NQ_OK) s = source_folders(ds, root, &folders, folder_by, of, err);
  if (s == NQ_OK && !(label = calloc(folders.n ? folders.n : 1, sizeof *label)))
    s = nq_fail(err, NQ_ERR_NOMEM, "out of memory for labels");
  if (s == NQ_OK)
    s = folder_labels(root, &folders, map_path, map_path ? &map : NULL, map_by, max_classes, label, err);
  for (size_t i = 0; s == NQ_OK && i < ds->n_sel; i++) labels[i] = (int32_t)label[of[ds->sel[i].source]];
  if (s == NQ_OK && n_classes) *n_classes = map_path ? map.n : folders.n;
  free(label);
  free(of);
  free(folder_by);
  free(map_by);
  classes_free(&folders);
  classes_free(&map);
  return s;
}
