/*
 * The Keras reader's isolation (src/frontends/keras/keras_isolate.c), which
 * keeps a libhdf5 crash or failure on a corrupt file from taking the
 * process down:
 *   - a reader that crashes in the child (abort: what libhdf5 does on some
 *     corrupt files) becomes one NQ_ERR_FORMAT error naming the file and
 *     the signal, and this process carries on;
 *   - a reader's error crosses the pipe with its status and message;
 *   - the committed cnn.h5 gives the same graph isolated (default) and with
 *     the load option keras_in_process, through the public API.
 * The crashing reader lives here, in the test: the library has no hook.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "frontends/keras/keras_internal.h"
#include "npuquant.h"
#include "testutil.h"

static nq_status crashing_reader(const char *path, const nq_load_options *opts, nq_graph **out,
                                 nq_error *err) {
  (void)path, (void)opts, (void)out, (void)err;
  abort();
}

static nq_status failing_reader(const char *path, const nq_load_options *opts, nq_graph **out,
                                nq_error *err) {
  (void)opts, (void)out;
  return nq_fail(err, NQ_ERR_UNSUPPORTED, "%s: layer 'odd' of class 'Strange' is not supported", path);
}

static void check_same_model(const char *path) {
  nq_error err;
  nq_model *iso = NULL, *inproc = NULL;
  nq_load_options o = {0};
  CHECKF(nq_model_load_ex(path, &o, &iso, &err) == NQ_OK, "isolated: %s", err.msg);
  o.keras_in_process = 1;
  CHECKF(nq_model_load_ex(path, &o, &inproc, &err) == NQ_OK, "in process: %s", err.msg);
  if (iso && inproc) {
    CHECK(nq_model_num_nodes(iso) == nq_model_num_nodes(inproc) && nq_model_num_nodes(iso) > 0);
    CHECK(nq_model_num_tensors(iso) == nq_model_num_tensors(inproc));
    for (int n = 0; n < nq_model_num_nodes(iso); n++) {
      nq_node_info a, b;
      if (nq_model_node(iso, n, &a, &err) != NQ_OK || nq_model_node(inproc, n, &b, &err) != NQ_OK) {
        CHECKF(0, "node %d: %s", n, err.msg);
        break;
      }
      CHECKF(strcmp(a.op, b.op) == 0, "node %d: %s isolated, %s in process", n, a.op, b.op);
    }
    printf("%s: %d nodes, the same isolated and in process\n", path, nq_model_num_nodes(iso));
  }
  nq_model_free(iso);
  nq_model_free(inproc);
}

int main(void) {
  const char *src = getenv("NQ_SOURCE_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/golden/frontends/cnn.h5", src ? src : ".");

  nq_error err = {0};
  nq_graph *g = NULL;
  nq_status st = nq_keras_load_isolated(path, NULL, crashing_reader, &g, &err);
  printf("a crashing reader: %s: %s\n", nq_status_name(st), err.msg);
  CHECK(st == NQ_ERR_FORMAT && g == NULL);
  CHECKF(strstr(err.msg, "cnn.h5") && strstr(err.msg, "crashed"), "%s", err.msg);
  char sig[32];
  snprintf(sig, sizeof sig, "signal %d", SIGABRT);
  CHECKF(strstr(err.msg, sig) != NULL, "the message does not name %s: %s", sig, err.msg);

  st = nq_keras_load_isolated(path, NULL, failing_reader, &g, &err);
  printf("a failing reader: %s: %s\n", nq_status_name(st), err.msg);
  CHECK(st == NQ_ERR_UNSUPPORTED && g == NULL);
  CHECKF(strstr(err.msg, "cnn.h5: layer 'odd' of class 'Strange'") != NULL, "%s", err.msg);

  /* A missing file is refused before any child starts. */
  st = nq_keras_load_isolated("/nonexistent/m.h5", NULL, crashing_reader, &g, &err);
  CHECKF(st != NQ_OK && strstr(err.msg, "/nonexistent/m.h5"), "%s", err.msg);

  check_same_model(path);
  return nq_test_finish("test_keras_isolate");
}
