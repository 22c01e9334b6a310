/* Atomic output files: complete or absent, never over the input, no temp
 * file left behind after any failure. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/status.h"
#include "testutil.h"

static char dir[256];

/* Number of entries in d (minus . and ..), -1 if it cannot be read. */
static int count_entries(const char *d) {
  DIR *h = opendir(d);
  if (!h) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(h)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(h);
  return n;
}

static int file_equals(const char *path, const void *data, size_t n) {
  size_t size;
  unsigned char *got = nq_test_read_file(path, &size);
  int ok = got && size == n && memcmp(got, data, n) == 0;
  free(got);
  return ok;
}

static void test_write_and_replace(void) {
  nq_error err;
  char path[300];
  snprintf(path, sizeof path, "%s/out.bin", dir);
  const char a[] = "first version", b[] = "second";
  CHECK(nq_write_file_atomic(path, a, sizeof a, NULL, &err) == NQ_OK);
  CHECK(file_equals(path, a, sizeof a));
  CHECK(nq_write_file_atomic(path, b, sizeof b, NULL, &err) == NQ_OK);
  CHECK(file_equals(path, b, sizeof b));
  CHECK(count_entries(dir) == 1);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0044) != 0);       /* not mkstemp's 0600 */
  CHECK(nq_write_file_atomic(path, "", 0, NULL, &err) == NQ_OK); /* empty is fine */
  CHECK(file_equals(path, "", 0));
  unlink(path);
}

static void test_refuses_input(void) {
  nq_error err;
  char in[300], hard[300], dotted[300], sym[300];
  snprintf(in, sizeof in, "%s/model.tflite", dir);
  snprintf(hard, sizeof hard, "%s/hard.tflite", dir);
  snprintf(sym, sizeof sym, "%s/sym.tflite", dir);
  snprintf(dotted, sizeof dotted, "%s/./../%s/model.tflite", dir, strrchr(dir, '/') + 1);
  const char orig[] = "the input model";
  CHECK(nq_write_file_atomic(in, orig, sizeof orig, NULL, &err) == NQ_OK);
  CHECK(link(in, hard) == 0);
  CHECK(symlink(in, sym) == 0);
  const char *same[] = {in, hard, sym, dotted};
  for (int i = 0; i < 4; i++) {
    nq_error_clear(&err);
    CHECKF(nq_write_file_atomic(same[i], "x", 1, in, &err) == NQ_ERR_INVALID_ARG, "%s", same[i]);
    CHECKF(strstr(err.msg, "refusing to overwrite the input") != NULL, "message: %s", err.msg);
  }
  CHECK(file_equals(in, orig, sizeof orig));
  CHECK(count_entries(dir) == 3); /* no temp files */
  /* a different file is fine even when the input exists */
  char other[300];
  snprintf(other, sizeof other, "%s/other.tflite", dir);
  CHECK(nq_write_file_atomic(other, "y", 1, in, &err) == NQ_OK);
  unlink(in);
  unlink(hard);
  unlink(sym);
  unlink(other);
}

static void test_failures_leave_nothing(void) {
  nq_error err;
  char path[700];
  /* directory does not exist */
  snprintf(path, sizeof path, "%s/missing/out.bin", dir);
  CHECK(nq_write_file_atomic(path, "z", 1, NULL, &err) == NQ_ERR_IO);
  CHECKF(strstr(err.msg, "missing/out.bin") != NULL, "message: %s", err.msg);
  CHECK(count_entries(dir) == 0);
  /* destination is a directory */
  CHECK(nq_write_file_atomic(dir, "z", 1, NULL, &err) == NQ_ERR_INVALID_ARG);

  /* read-only directory (root ignores permissions: then it must succeed) */
  char ro[300];
  snprintf(ro, sizeof ro, "%s/ro", dir);
  CHECK(mkdir(ro, 0555) == 0);
  snprintf(path, sizeof path, "%s/out.bin", ro);
  nq_status s = nq_write_file_atomic(path, "z", 1, NULL, &err);
  if (geteuid() != 0) {
    CHECK(s == NQ_ERR_IO);
    CHECK(count_entries(ro) == 0);
  } else {
    unlink(path);
  }
  rmdir(ro);
  /* failures that hold for root too: a parent that is a file, and /proc,
   * where no file can be created */
  char file[400];
  snprintf(file, sizeof file, "%s/plain", dir);
  CHECK(nq_write_file_atomic(file, "p", 1, NULL, &err) == NQ_OK);
  snprintf(path, sizeof path, "%s/out.bin", file);
  CHECK(nq_write_file_atomic(path, "z", 1, NULL, &err) == NQ_ERR_IO);
  unlink(file);
  CHECK(count_entries(dir) == 0);
  CHECK(nq_write_file_atomic("/proc/nq_atomic_test.bin", "z", 1, NULL, &err) == NQ_ERR_IO);

  /* a write that fails midway (file size limit): the temp file is removed
   * and an existing destination keeps its old contents */
  snprintf(path, sizeof path, "%s/big.bin", dir);
  CHECK(nq_write_file_atomic(path, "old", 3, NULL, &err) == NQ_OK);
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 4096;
  signal(SIGXFSZ, SIG_IGN);
  CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
  static unsigned char big[65536];
  s = nq_write_file_atomic(path, big, sizeof big, NULL, &err);
  setrlimit(RLIMIT_FSIZE, &old);
  CHECKF(s == NQ_ERR_IO, "status %d (%s)", s, err.msg);
  CHECK(file_equals(path, "old", 3));
  CHECK(count_entries(dir) == 1);
  unlink(path);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/nq_atomic_XXXXXX");
  if (!mkdtemp(dir)) {
    fprintf(stderr, "mkdtemp failed\n");
    return 1;
  }
  test_write_and_replace();
  test_refuses_input();
  test_failures_leave_nothing();
  rmdir(dir);
  return nq_test_finish("test_atomic_file");
}
