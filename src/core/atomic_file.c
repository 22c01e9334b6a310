#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/input_file.h"
#include "core/status.h"

int nq_same_file(const char *a, const char *b) {
  if (!a || !b) return 0;
  struct stat sa, sb;
  if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) return 1;
  /* Also compare canonical paths: catches the case where stat fails on one
   * name for a reason other than absence (e.g. a race) but both resolve to
   * the same place. */
  char ra[PATH_MAX], rb[PATH_MAX];
  if (realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0) return 1;
  return 0;
}

static const char *special_kind(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISFIFO(m)) return "a FIFO (named pipe)";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

nq_status nq_check_output_path(const char *path, const char *protect, nq_error *err) {
  if (!path || !*path) return nq_fail(err, NQ_ERR_INVALID_ARG, "no output path given");
  if (protect && nq_same_file(path, protect))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: refusing to overwrite the input file %s; choose another output path", path, protect);
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT) return NQ_OK;
    return nq_fail(err, NQ_ERR_IO, "%s: cannot stat the output path: %s", path, strerror(errno));
  }
  /* rename() would replace a link, device or FIFO by a regular file (as
   * root, -o /dev/null would replace the system's /dev/null). */
  if (!S_ISREG(st.st_mode))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: is %s; npuquant writes only a new file or over a regular file", path,
                   special_kind(st.st_mode));
  if (nq_input_is_recorded(st.st_dev, st.st_ino))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: is a file a loaded model or data set was read from (device %llu, inode %llu); "
                   "refusing to overwrite an input, choose another output path",
                   path, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
  return NQ_OK;
}

/* The directory part of path ("." when there is none), in buf. */
static nq_status dir_of(const char *path, char *buf, size_t bufsize, nq_error *err) {
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (slash && n == 0) n = 1; /* "/file" -> "/" */
  if (!slash) {
    snprintf(buf, bufsize, ".");
    return NQ_OK;
  }
  if (n + 1 > bufsize) return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: path too long", path);
  memcpy(buf, path, n);
  buf[n] = '\0';
  return NQ_OK;
}

/* ---- temporary files a signal must not leave behind ---- */

/* Slots for the temporary files being written right now (one per writing
 * thread; more writers than slots simply go unprotected). The handler reads
 * only `active` and the path, and calls only unlink(), signal() and raise(),
 * all async-signal-safe. */
enum { TEMP_SLOTS = 16 };
static struct temp_slot {
  atomic_int state; /* 0 free, 1 claimed (path being written), 2 active */
  char path[PATH_MAX];
} temp_slots[TEMP_SLOTS];

static int temp_register(const char *tmp) {
  for (int i = 0; i < TEMP_SLOTS; i++) {
    int expect = 0;
    if (atomic_compare_exchange_strong(&temp_slots[i].state, &expect, 1)) {
      snprintf(temp_slots[i].path, sizeof temp_slots[i].path, "%s", tmp);
      atomic_store(&temp_slots[i].state, 2);
      return i;
    }
  }
  return -1;
}

static void temp_unregister(int slot) {
  if (slot >= 0) atomic_store(&temp_slots[slot].state, 0);
}

static void remove_temps_and_die(int sig) {
  for (int i = 0; i < TEMP_SLOTS; i++)
    if (atomic_load(&temp_slots[i].state) == 2) unlink(temp_slots[i].path);
  signal(sig, SIG_DFL);
  raise(sig);
}

nq_status nq_cleanup_temp_files_on_signals(nq_error *err) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa, old;
    if (sigaction(sigs[i], NULL, &old) != 0)
      return nq_fail(err, NQ_ERR_INTERNAL, "sigaction(%d) failed: %s", sigs[i], strerror(errno));
    if (old.sa_handler == SIG_IGN) continue; /* e.g. nohup: keep ignoring */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_temps_and_die;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    if (sigaction(sigs[i], &sa, NULL) != 0)
      return nq_fail(err, NQ_ERR_INTERNAL, "sigaction(%d) failed: %s", sigs[i], strerror(errno));
  }
  return NQ_OK;
}

static nq_status write_all(int fd, const unsigned char *p, size_t n, const char *tmp, nq_error *err) {
  while (n > 0) {
    size_t chunk = n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n;
    ssize_t w = write(fd, p, chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      return nq_fail(err, NQ_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
    }
    if (w == 0) return nq_fail(err, NQ_ERR_IO, "%s: write made no progress", tmp);
    p += w;
    n -= (size_t)w;
  }
  return NQ_OK;
}

nq_status nq_write_file_atomic(const char *path, const void *data, size_t size, const char *protect,
                               nq_error *err) {
  if (!path || !*path) return nq_fail(err, NQ_ERR_INVALID_ARG, "no output path given");
  if (size > 0 && !data) return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: no data to write", path);
  NQ_TRY(nq_check_output_path(path, protect, err));

  char dir[PATH_MAX];
  NQ_TRY(dir_of(path, dir, sizeof dir, err));
  /* Temp name beside the destination: "<path>.tmp-XXXXXX". */
  size_t plen = strlen(path), tlen;
  static const char suffix[] = ".tmp-XXXXXX";
  if (!nq_add_size(plen, sizeof suffix, &tlen) || tlen > PATH_MAX)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: path too long", path);
  char tmp[PATH_MAX];
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, suffix, sizeof suffix);

  int fd = mkstemp(tmp);
  if (fd < 0)
    return nq_fail(err, NQ_ERR_IO, "%s: cannot create a temporary file in %s: %s", path, dir,
                   strerror(errno));
  int slot = temp_register(tmp);
  /* mkstemp makes the file 0600; give it the permissions a normal output
   * file would get (0666 minus the umask). */
  mode_t um = umask(0);
  umask(um);
  nq_status s = NQ_OK;
  if (fchmod(fd, 0666 & ~um) != 0) s = nq_fail(err, NQ_ERR_IO, "%s: chmod failed: %s", tmp, strerror(errno));
  if (s == NQ_OK) s = write_all(fd, data, size, tmp, err);
  if (s == NQ_OK && fsync(fd) != 0) s = nq_fail(err, NQ_ERR_IO, "%s: fsync failed: %s", tmp, strerror(errno));
  if (close(fd) != 0 && s == NQ_OK) s = nq_fail(err, NQ_ERR_IO, "%s: close failed: %s", tmp, strerror(errno));
  /* Check again right before the rename: the destination may have been
   * replaced by a link to the input meanwhile. */
  if (s == NQ_OK) s = nq_check_output_path(path, protect, err);
  if (s == NQ_OK && rename(tmp, path) != 0)
    s = nq_fail(err, NQ_ERR_IO, "%s: cannot rename the temporary file into place: %s", path, strerror(errno));
  if (s != NQ_OK) unlink(tmp);
  temp_unregister(slot);
  if (s != NQ_OK) return s;
  /* Make the rename itself durable; failure here is not fatal: the file is
   * complete and in place. */
  int dfd = open(dir, O_RDONLY);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return NQ_OK;
}
