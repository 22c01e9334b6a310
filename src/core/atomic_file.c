#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/checked.h"
#include "core/status.h"

int nq_same_file(const char *a, const char *b) {
  if (!a || !b) return 0;
  struct stat sa, sb;
  if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
    return 1;
  /* Also compare canonical paths: catches the case where stat fails on one
   * name for a reason other than absence (e.g. a race) but both resolve to
   * the same place. */
  char ra[PATH_MAX], rb[PATH_MAX];
  if (realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0) return 1;
  return 0;
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

static nq_status write_all(int fd, const unsigned char *p, size_t n, const char *tmp,
                           nq_error *err) {
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

nq_status nq_write_file_atomic(const char *path, const void *data, size_t size,
                               const char *protect, nq_error *err) {
  if (!path || !*path) return nq_fail(err, NQ_ERR_INVALID_ARG, "no output path given");
  if (size > 0 && !data) return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: no data to write", path);
  if (protect && nq_same_file(path, protect))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "%s: refusing to overwrite the input file %s; choose another output path",
                   path, protect);
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s: is a directory, expected a file path", path);

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
  /* mkstemp makes the file 0600; give it the permissions a normal output
   * file would get (0666 minus the umask). */
  mode_t um = umask(0);
  umask(um);
  nq_status s = NQ_OK;
  if (fchmod(fd, 0666 & ~um) != 0)
    s = nq_fail(err, NQ_ERR_IO, "%s: chmod failed: %s", tmp, strerror(errno));
  if (s == NQ_OK) s = write_all(fd, data, size, tmp, err);
  if (s == NQ_OK && fsync(fd) != 0)
    s = nq_fail(err, NQ_ERR_IO, "%s: fsync failed: %s", tmp, strerror(errno));
  if (close(fd) != 0 && s == NQ_OK)
    s = nq_fail(err, NQ_ERR_IO, "%s: close failed: %s", tmp, strerror(errno));
  /* Check again right before the rename: the destination may have been
   * replaced by a link to the input meanwhile. */
  if (s == NQ_OK && protect && nq_same_file(path, protect))
    s = nq_fail(err, NQ_ERR_INVALID_ARG,
                "%s: refusing to overwrite the input file %s; choose another output path", path,
                protect);
  if (s == NQ_OK && rename(tmp, path) != 0)
    s = nq_fail(err, NQ_ERR_IO, "%s: cannot rename the temporary file into place: %s", path,
                strerror(errno));
  if (s != NQ_OK) {
    unlink(tmp);
    return s;
  }
  /* Make the rename itself durable; failure here is not fatal: the file is
   * complete and in place. */
  int dfd = open(dir, O_RDONLY);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return NQ_OK;
}
