/*
 * The safety promises at the C API (issue 14):
 *  - a signal during an output write (SIGTERM, SIGINT, SIGHUP, SIGXFSZ) leaves no
 *    "<path>.tmp-XXXXXX" file and no half output, once nq_cleanup_temp_files_on_signals()
 *    is installed; the process still dies by that signal;
 *  - the files of a live model are refused as outputs (by device and inode), and are
 *    writable again once the model is freed;
 *  - the memory budget refuses a constant past nq_set_memory_limit(), naming the tensor,
 *    and a data set's stacked array, naming the file,
 *    and everything taken from it is given back once models and sessions are freed;
 *  - bad C arguments are NQ_ERR_INVALID_ARG with a message, never NQ_ERR_INTERNAL.
 */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/model_internal.h"
#include "core/atomic_file.h"
#include "core/budget.h"
#include "npuquant.h"
#include "testutil.h"

static char dir[256];

static int count_entries(const char *d) {
  DIR *dp = opendir(d);
  int n = 0;
  struct dirent *e;
  while (dp && (e = readdir(dp)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  if (dp) closedir(dp);
  return n;
}

static int relay_sig;
/* SIGXFSZ arrives in the middle of write(): turn it into the signal under test, so that
 * signal is delivered exactly while the temporary file exists. */
static void relay(int s) {
  (void)s;
  raise(relay_sig);
}

static void signal_during_write(int sig) {
  char sub[300];
  snprintf(sub, sizeof sub, "%s/sig%d", dir, sig);
  CHECK(mkdir(sub, 0755) == 0);
  char out[400];
  snprintf(out, sizeof out, "%s/out.bin", sub);
  pid_t pid = fork();
  if (pid == 0) {
    nq_error err;
    if (nq_cleanup_temp_files_on_signals(&err) != NQ_OK) _exit(3);
    if (sig != SIGXFSZ) {
      relay_sig = sig;
      signal(SIGXFSZ, relay);
    }
    struct rlimit rl = {4096, 4096};
    setrlimit(RLIMIT_FSIZE, &rl);
    size_t n = (size_t)1 << 20;
    void *buf = calloc(1, n);
    nq_write_file_atomic(out, buf, n, NULL, &err);
    _exit(2); /* not reached: the signal ends the process */
  }
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECKF(WIFSIGNALED(status) && WTERMSIG(status) == sig, "signal %d: status 0x%x", sig, status);
  CHECKF(count_entries(sub) == 0, "signal %d: %d file(s) left in %s", sig, count_entries(sub), sub);
}

static nq_model *relu_model(void) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t shape[2] = {1, 4};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 2, shape, &err);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 2, shape, &err);
  nq_op_params p;
  memset(&p, 0, sizeof p);
  CHECK(nq_graph_add_node(g, NQ_OP_RELU, "relu", 1, &x, 1, &y, &p, &err) >= 0);
  CHECK(nq_graph_set_io(g, 1, &x, 1, &y, &err) == NQ_OK);
  nq_model *m = NULL;
  CHECK(nq_model_wrap(g, NULL, &m, &err) == NQ_OK);
  return m;
}

static void bad_arguments(void) {
  nq_model *m = relu_model();
  float data[8] = {0, 1, 2, 3, -1, -2, 4, 5};
  nq_convert_options o;
  nq_model *q = NULL;
  nq_error err;
  nq_convert_options_init(&o);
  o.input_type = (nq_dtype)99;
  CHECKF(nq_convert_arrays(m, data, 2, &o, &q, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "input_type"),
         "%s", err.msg);
  nq_convert_options_init(&o);
  o.output_type = (nq_dtype)-3;
  CHECKF(nq_convert_arrays(m, data, 2, &o, &q, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "output_type"),
         "%s", err.msg);
  nq_convert_options_init(&o);
  o.calibration = 1;
  o.percentile = NAN;
  CHECKF(nq_convert_arrays(m, data, 2, &o, &q, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "percentile"),
         "%s", err.msg);
  nq_convert_options_init(&o);
  o.num_threads = 1 << 20;
  CHECKF(nq_convert_arrays(m, data, 2, &o, &q, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "num_threads"),
         "%s", err.msg);
  nq_convert_options_init(&o);
  CHECKF(nq_convert_arrays(m, data, 2, &o, &q, &err) == NQ_OK, "%s", err.msg);
  nq_model_free(q);

  nq_session_options so;
  memset(&so, 0, sizeof so);
  so.num_threads = 1 << 20;
  nq_session *s = NULL;
  CHECKF(nq_session_create(m, &so, &s, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "num_threads"), "%s",
         err.msg);
  so.num_threads = 1;
  CHECK(nq_session_create(m, &so, &s, &err) == NQ_OK);
  CHECKF(nq_session_set_input(s, 0, NULL, 16, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "NULL"), "%s",
         err.msg);
  nq_session_free(s);
  nq_model_free(m);
}

static void outputs_never_replace_inputs(void) {
  nq_error err;
  nq_model *m = relu_model();
  char path[400];
  snprintf(path, sizeof path, "%s/relu.tflite", dir);
  CHECKF(nq_model_save_tflite(m, path, &err) == NQ_OK, "%s", err.msg);
  nq_model *loaded = NULL;
  CHECKF(nq_model_load(path, &loaded, &err) == NQ_OK, "%s", err.msg);
  char other[400];
  snprintf(other, sizeof other, "%s/other_name.tflite", dir);
  CHECK(link(path, other) == 0);
  CHECKF(nq_model_save_tflite(m, other, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "inode"),
         "a link to a loaded model's file is refused: %s", err.msg);
  CHECKF(nq_check_output_path(path, NULL, &err) == NQ_ERR_INVALID_ARG, "%s", err.msg);
  nq_model_free(loaded);
  CHECKF(nq_check_output_path(path, NULL, &err) == NQ_OK, "writable again once the model is freed: %s",
         err.msg);
  CHECKF(nq_model_save_tflite(m, other, &err) == NQ_OK, "%s", err.msg);
  char lnk[400];
  snprintf(lnk, sizeof lnk, "%s/link.tflite", dir);
  CHECK(symlink(path, lnk) == 0);
  CHECKF(nq_check_output_path(lnk, NULL, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "symbolic link"),
         "%s", err.msg);
  CHECKF(nq_check_output_path("", NULL, &err) == NQ_ERR_INVALID_ARG, "%s", err.msg);
  nq_model_free(m);
}

static void memory_budget(void) {
  nq_error err;
  size_t before = nq_memory_limit();
  CHECK(before > 0);
  nq_set_memory_limit((size_t)1 << 20);
  CHECK(nq_memory_limit() == (size_t)1 << 20);
  nq_graph *g = nq_graph_new();
  int32_t shape[1] = {1 << 19}; /* 2 MiB of float32 */
  int t = nq_graph_add_tensor(g, "big_weights", NQ_FLOAT32, 1, shape, &err);
  float *w = calloc((size_t)1 << 19, sizeof *w);
  CHECKF(nq_tensor_copy_data(g, t, w, (size_t)4 << 19, &err) == NQ_ERR_NOMEM &&
             strstr(err.msg, "big_weights") && strstr(err.msg, "2097152"),
         "%s", err.msg);
  /* A data set's stacked array counts too: a 2 MiB .npy of [1, 4] samples
   * is refused under the 1 MiB limit when a sample is read, naming the file,
   * and read once the limit allows it; nothing stays taken after the free. */
  char npy[400];
  snprintf(npy, sizeof npy, "%s/big_samples.npy", dir);
  const int32_t stack[2] = {1 << 17, 4};
  CHECKF(nq_npy_write_file(npy, NQ_FLOAT32, 2, stack, w, &err) == NQ_OK, "%s", err.msg);
  nq_model *m = relu_model();
  nq_data_options dopt;
  nq_data_options_init(&dopt);
  nq_dataset *ds = NULL;
  CHECKF(nq_dataset_open_input(npy, m, 0, NULL, &dopt, &ds, &err) == NQ_OK, "%s", err.msg);
  float sample[4];
  const size_t used = nq_budget_used();
  CHECKF(ds && nq_dataset_get(ds, 0, sample, &err) == NQ_ERR_NOMEM && strstr(err.msg, "big_samples.npy"),
         "a data set array over the budget: %s", err.msg);
  CHECK(nq_budget_used() == used);
  nq_set_memory_limit(0);
  CHECK(nq_memory_limit() == before);
  CHECKF(ds && nq_dataset_get(ds, 0, sample, &err) == NQ_OK, "%s", err.msg);
  CHECK(nq_budget_used() >= used + ((size_t)4 << 19));
  nq_dataset_free(ds);
  CHECK(nq_budget_used() == used);
  nq_model_free(m);
  CHECKF(nq_tensor_copy_data(g, t, w, (size_t)4 << 19, &err) == NQ_OK, "%s", err.msg);
  free(w);
  nq_graph_free(g);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/nq_safety_api_XXXXXX");
  if (!mkdtemp(dir)) return 1;
  signal_during_write(SIGTERM);
  signal_during_write(SIGINT);
  signal_during_write(SIGHUP);
  signal_during_write(SIGXFSZ);
  bad_arguments();
  outputs_never_replace_inputs();
  memory_budget();
  /* Every byte taken from the budget came back: a model or session that
   * forgot to return some would slowly starve a long-running process. */
  CHECKF(nq_budget_used() == 0, "%zu bytes still taken from the budget", nq_budget_used());
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return nq_test_finish("test_safety_api");
}
