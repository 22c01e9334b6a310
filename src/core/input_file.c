/* Opening input files safely and remembering them (see input_file.h). */
#include "core/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/status.h"

/* ---- the process-wide table of input files: open addressing on (dev, ino) ---- */

typedef struct slot {
  dev_t dev;
  ino_t ino;
  long refs; /* 0: empty (never reused as a tombstone: refs only drop to 0 when released) */
  bool used;
} slot;

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static slot *table;
static size_t table_cap, table_used;
static _Thread_local nq_input_list *collector;

static size_t hash_id(dev_t dev, ino_t ino) {
  uint64_t h = (uint64_t)dev * 0x9E3779B97F4A7C15u ^ (uint64_t)ino * 0xC2B2AE3D27D4EB4Fu;
  return (size_t)(h ^ (h >> 29));
}

/* The slot for (dev, ino): the one holding it, or the empty one where it would go. */
static slot *find_slot(slot *t, size_t cap, dev_t dev, ino_t ino) {
  for (size_t i = hash_id(dev, ino) & (cap - 1);; i = (i + 1) & (cap - 1))
    if (!t[i].used || (t[i].dev == dev && t[i].ino == ino)) return &t[i];
}

static bool grow_table(void) {
  size_t cap = table_cap ? table_cap * 2 : 64;
  slot *t = calloc(cap, sizeof *t);
  if (!t) return false;
  for (size_t i = 0; i < table_cap; i++)
    if (table[i].used) *find_slot(t, cap, table[i].dev, table[i].ino) = table[i];
  free(table);
  table = t;
  table_cap = cap;
  return true;
}

/* Count one more reference to (dev, ino); false when out of memory. */
static bool table_add(dev_t dev, ino_t ino) {
  bool ok = true;
  pthread_mutex_lock(&table_lock);
  if ((table_used + 1) * 2 > table_cap) ok = grow_table();
  if (ok) {
    slot *s = find_slot(table, table_cap, dev, ino);
    if (!s->used) {
      *s = (slot){dev, ino, 0, true};
      table_used++;
    }
    s->refs++;
  }
  pthread_mutex_unlock(&table_lock);
  return ok;
}

bool nq_input_is_recorded(dev_t dev, ino_t ino) {
  pthread_mutex_lock(&table_lock);
  bool found =
      table && find_slot(table, table_cap, dev, ino)->used && find_slot(table, table_cap, dev, ino)->refs > 0;
  pthread_mutex_unlock(&table_lock);
  return found;
}

static nq_status record(const struct stat *st, const char *path, nq_error *err) {
  nq_input_list *l = collector;
  /* Only files of something alive (a model, a data set) are protected: a
   * program may well write a file, read it back, and write it again. */
  if (!l) return NQ_OK;
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 8;
    struct nq_input_id *ids = realloc(l->ids, (size_t)cap * sizeof *ids);
    if (!ids) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory recording an input file", path);
    l->ids = ids;
    l->cap = cap;
  }
  if (!table_add(st->st_dev, st->st_ino))
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory recording an input file", path);
  l->ids[l->n++] = (struct nq_input_id){st->st_dev, st->st_ino};
  return NQ_OK;
}

nq_input_list *nq_input_collect_begin(nq_input_list *l) {
  nq_input_list *prev = collector;
  collector = l;
  return prev;
}
void nq_input_collect_end(nq_input_list *prev) { collector = prev; }

nq_status nq_input_record_path(const char *path, nq_error *err) {
  struct stat st;
  if (stat(path, &st) != 0) return nq_fail(err, NQ_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
  return record(&st, path, err);
}

void nq_input_list_release(nq_input_list *l) {
  if (!l) return;
  pthread_mutex_lock(&table_lock);
  for (int i = 0; i < l->n && table; i++) {
    slot *s = find_slot(table, table_cap, l->ids[i].dev, l->ids[i].ino);
    if (s->used && s->refs > 0) s->refs--;
  }
  pthread_mutex_unlock(&table_lock);
  free(l->ids);
  memset(l, 0, sizeof *l);
}

/* ---- opening ---- */

static const char *kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO (named pipe)";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISLNK(m)) return "a symbolic link";
  return "not a regular file";
}

/* Refuse a path that, with every link resolved, is not inside `within`, or
 * that no longer names the inode `st` describes. */
static nq_status check_within(const char *path, const char *within, const struct stat *st, nq_error *err) {
  char root[PATH_MAX], real[PATH_MAX];
  if (!realpath(within, root))
    return nq_fail(err, NQ_ERR_IO, "%s: cannot resolve the model folder %s: %s", path, within,
                   strerror(errno));
  if (!realpath(path, real)) return nq_fail(err, NQ_ERR_IO, "%s: cannot resolve: %s", path, strerror(errno));
  size_t n = strlen(root);
  bool inside = strcmp(root, "/") == 0 || (strncmp(real, root, n) == 0 && real[n] == '/');
  if (!inside)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: resolves to %s, outside the model folder %s; npuquant reads no file outside it", path,
                   real, root);
  struct stat rs;
  if (stat(real, &rs) != 0 || rs.st_dev != st->st_dev || rs.st_ino != st->st_ino)
    return nq_fail(err, NQ_ERR_IO, "%s: changed while being opened", path);
  return NQ_OK;
}

nq_status nq_input_open(const char *path, const char *within, int *fd_out, uint64_t *size, nq_error *err) {
  *fd_out = -1;
  if (!path || !*path) return nq_fail(err, NQ_ERR_INVALID_ARG, "no input path given");
  /* O_NONBLOCK: opening a FIFO with no writer, or some devices, would
   * otherwise wait forever before we could look at what it is. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return nq_fail(err, NQ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  nq_status s = NQ_OK;
  if (fstat(fd, &st) != 0)
    s = nq_fail(err, NQ_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode))
    s = nq_fail(err, NQ_ERR_IO, "%s: is %s, expected a regular file", path, kind_of(st.st_mode));
  else if (st.st_size < 0)
    s = nq_fail(err, NQ_ERR_IO, "%s: negative size", path);
  if (s == NQ_OK && within) s = check_within(path, within, &st, err);
  if (s == NQ_OK) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
      s = nq_fail(err, NQ_ERR_IO, "%s: fcntl failed: %s", path, strerror(errno));
  }
  if (s == NQ_OK) s = record(&st, path, err);
  if (s != NQ_OK) {
    close(fd);
    return s;
  }
  *fd_out = fd;
  if (size) *size = (uint64_t)st.st_size;
  return NQ_OK;
}

nq_status nq_input_fopen(const char *path, const char *within, FILE **f, uint64_t *size, nq_error *err) {
  *f = NULL;
  int fd;
  NQ_TRY(nq_input_open(path, within, &fd, size, err));
  if (!(*f = fdopen(fd, "rb"))) {
    close(fd);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: cannot make a stream", path);
  }
  return NQ_OK;
}

nq_status nq_input_read(const char *path, const char *within, size_t max, uint8_t **data, size_t *size,
                        nq_error *err) {
  *data = NULL;
  *size = 0;
  int fd;
  uint64_t sz;
  NQ_TRY(nq_input_open(path, within, &fd, &sz, err));
  if (sz > max) {
    close(fd);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: %llu bytes, more than the %zu npuquant reads for this file", path,
                   (unsigned long long)sz, max);
  }
  size_t n = (size_t)sz;
  uint8_t *buf = malloc(n + 1);
  if (!buf) {
    close(fd);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, n);
  }
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  int e = errno;
  close(fd);
  if (got != n) {
    free(buf);
    return nq_fail(err, NQ_ERR_IO, "%s: read %zu of %zu bytes: %s", path, got, n,
                   e ? strerror(e) : "file shrank while reading");
  }
  buf[n] = 0;
  *data = buf;
  *size = n;
  return NQ_OK;
}

nq_status nq_input_check_dir(const char *path, const char *within, nq_error *err) {
  struct stat st;
  if (stat(path, &st) != 0) return nq_fail(err, NQ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return nq_fail(err, NQ_ERR_IO, "%s: is %s, expected a directory", path, kind_of(st.st_mode));
  if (within) NQ_TRY(check_within(path, within, &st, err));
  return record(&st, path, err);
}

bool nq_input_probe_file(const char *path, const char *within) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (!within) return true;
  nq_error e;
  return check_within(path, within, &st, &e) == NQ_OK;
}
