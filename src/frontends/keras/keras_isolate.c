/*
 * Reading a Keras file in a child process.
 *
 * Why: Debian 12's libhdf5 (1.10.8) can crash or hang inside its own code on
 * some corrupt .h5 files (seen with mutated copies of real models, in
 * H5HG_read and H5Aexists), after every check we can make from outside has
 * passed. A model file comes from a stranger, and the rule is "never crash",
 * so the whole Keras read runs in a forked child: it builds the graph and
 * sends it back as TFLite bytes (our writer and verified reader round-trip a
 * float graph exactly), or sends its error. A child that dies by a signal or
 * takes longer than NQ_KERAS_CHILD_SECONDS becomes one error line naming the
 * file. The load option keras_in_process (`--keras-in-process`) reads in
 * this process instead (debugging, trusted files). A test reaches the child
 * through nq_keras_load_isolated with a reader of its own that crashes
 * (tests/keras/test_keras_isolate.c).
 *
 * fork() is done before any thread pool exists in the CLI; a library user
 * who loads Keras files while other threads of theirs hold locks should set
 * keras_in_process.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/input_file.h"
#include "core/status.h"
#include "frontends/formats.h"
#include "frontends/keras/keras_internal.h"
#include "frontends/tflite/tflite_reader.h"
#include "writers/tflite/tflite_write.h"

#define NQ_KERAS_CHILD_SECONDS 120
#define NQ_KERAS_MAX_REPLY ((uint64_t)1 << 31)

typedef struct reply_head {
  int32_t status;
  char msg[sizeof(((nq_error *)0)->msg)];
  uint64_t size;
} reply_head;

static bool write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= (size_t)w;
  }
  return true;
}

static void child(int fd, const char *path, const nq_load_options *opts, nq_keras_reader_fn read) {
  reply_head h;
  memset(&h, 0, sizeof h);
  nq_error e = {0};
  nq_graph *g = NULL;
  uint8_t *bytes = NULL;
  size_t size = 0;
  nq_status st = read(path, opts, &g, &e);
  if (st == NQ_OK) st = nq_tflite_write_memory(g, &bytes, &size, &e);
  h.status = (int32_t)st;
  memcpy(h.msg, e.msg, sizeof h.msg);
  h.size = st == NQ_OK ? size : 0;
  bool ok = write_all(fd, &h, sizeof h) && (h.size == 0 || write_all(fd, bytes, size));
  _exit(ok ? 0 : 1);
}

/* Read exactly n bytes before the deadline; false on EOF, error or timeout. */
static bool read_all(int fd, void *p, size_t n, time_t deadline, bool *timed_out) {
  char *c = p;
  while (n > 0) {
    time_t now = time(NULL);
    if (now >= deadline) {
      *timed_out = true;
      return false;
    }
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int r = poll(&pf, 1, (int)(deadline - now) * 1000);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      *timed_out = true;
      return false;
    }
    if (r < 0) return false;
    ssize_t got = read(fd, c, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    c += got;
    n -= (size_t)got;
  }
  return true;
}

static nq_status record_input(const char *path, nq_error *err) {
  int fd;
  NQ_TRY(nq_input_open(path, NULL, &fd, NULL, err));
  close(fd);
  return NQ_OK;
}

nq_status nq_keras_load(const char *path, const nq_load_options *opts, nq_graph **out, nq_error *err) {
  *out = NULL;
  if (opts && opts->keras_in_process) return nq_keras_load_direct(path, opts, out, err);
  return nq_keras_load_isolated(path, opts, nq_keras_load_direct, out, err);
}

nq_status nq_keras_load_isolated(const char *path, const nq_load_options *opts, nq_keras_reader_fn read,
                                 nq_graph **out, nq_error *err) {
  *out = NULL;
  /* The child's records of the files it opens die with it: open them here
   * too, so a FIFO is refused before any fork and the model owns the
   * records that keep an output off its files. */
  NQ_TRY(record_input(path, err));
  if (opts && opts->keras_json) {
    nq_status js = record_input(opts->keras_json, err);
    if (js != NQ_OK) return nq_prefix(err, "the Keras architecture JSON: ");
  }
  int fds[2];
  if (pipe(fds) != 0) return nq_fail(err, NQ_ERR_IO, "%s: cannot create a pipe: %s", path, strerror(errno));
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return nq_fail(err, NQ_ERR_IO, "%s: cannot start the reader process: %s", path, strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    child(fds[1], path, opts, read);
  }
  close(fds[1]);
  time_t deadline = time(NULL) + NQ_KERAS_CHILD_SECONDS;
  bool timed_out = false;
  reply_head h;
  uint8_t *bytes = NULL;
  bool got = read_all(fds[0], &h, sizeof h, deadline, &timed_out);
  if (got && h.status == NQ_OK) {
    if (h.size == 0 || h.size > NQ_KERAS_MAX_REPLY || !(bytes = malloc((size_t)h.size)))
      got = false;
    else
      got = read_all(fds[0], bytes, (size_t)h.size, deadline, &timed_out);
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int wst = 0;
  while (waitpid(pid, &wst, 0) < 0 && errno == EINTR) {
  }
  nq_status st;
  if (timed_out) {
    st = nq_fail(err, NQ_ERR_FORMAT,
                 "%s: reading the HDF5 file did not finish in %d s (libhdf5 hangs on some "
                 "corrupt files): the file is corrupt",
                 path, NQ_KERAS_CHILD_SECONDS);
  } else if (WIFSIGNALED(wst)) {
    st = nq_fail(err, NQ_ERR_FORMAT, "%s: libhdf5 crashed (signal %d) reading the file: it is corrupt", path,
                 WTERMSIG(wst));
  } else if (!got) {
    st = nq_fail(err, NQ_ERR_INTERNAL, "%s: the Keras reader process ended without an answer", path);
  } else if (h.status != NQ_OK) {
    h.msg[sizeof h.msg - 1] = '\0';
    nq_status code = h.status > 0 && h.status < NQ_STATUS_COUNT ? (nq_status)h.status : NQ_ERR_INTERNAL;
    st = nq_fail(err, code, "%s", h.msg);
  } else {
    st = nq_tflite_read_memory(bytes, (size_t)h.size, path, out, err);
    if (st == NQ_OK) (*out)->optimized = true; /* the child ran the pass pipeline */
  }
  free(bytes);
  return st;
}
