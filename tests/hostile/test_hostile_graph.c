/*
 * Structure-aware mutation test for everything after loading: real models
 * from ../shared (without it: the committed int8 models of tests/golden)
 * (float and int8; the float one-op models are also converted
 * to int8 here to have an int8 version of each op) are mutated in memory
 * (hostile_mutate.h) and each mutant goes through inspect, the NPU reports,
 * sessions in both rounding modes, conversion, comparison and a write/flip/
 * reload trip (hostile_exercise.h). Every outcome must be NQ_OK or a clean
 * error; a watchdog turns a hang into a failure naming the mutant.
 *
 * Reproduce one mutant: NQ_HOSTILE_ONLY=<index> (its seed depends only on
 * the index); NQ_HOSTILE_VERBOSE=1 prints each mutant before running it;
 * NQ_HOSTILE_COUNT=<n> and NQ_HOSTILE_START=<first index> choose the range of
 * mutants (longer runs by hand).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "api/model_internal.h"
#include "hostile_exercise.h"
#include "hostile_mutate.h"
#include "ir/shape.h"

#ifdef NQ_HOSTILE_SANITIZED
#define DEFAULT_MUTANTS 3000
#define WATCHDOG_SECONDS 300
/* Under ASan, a hostile size must come back as a clean NQ_ERR_NOMEM rather
 * than abort the process, and nothing reasonable needs more than 1 GiB. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1:max_allocation_size_mb=1024"; }
#else
#define DEFAULT_MUTANTS 6000
/* Minutes, not seconds: a mutant that takes 1.3 s on an idle machine took
 * 8.9 s at load average 20, and a slow machine must not fail the test. A
 * real hang still ends here, named. */
#define WATCHDOG_SECONDS 120
#endif

static const char *const base_paths[] = {
    "tflm-hello_world/hello_world_float.tflite",
    "tflm-hello_world/hello_world_int8.tflite",
    "mlperf-tiny-ad/ad01_int8.tflite",
    "mlperf-tiny-kws/kws_ref_model.tflite",
    "mlperf-tiny-kws/kws_ref_model_float32.tflite",
    "mlperf-tiny-ic-resnet8/pretrainedResnet_quant.tflite",
    "mlperf-tiny-ic-resnet8/pretrainedResnet.tflite",
    "mlperf-tiny-vww/vww_96_int8.tflite",
    "mobilenet_v1_0.25_128/mobilenet_v1_0.25_128_quant.tflite",
    "coral-int8-ptq/split_concat.tflite",
    "coral-int8-ptq/keras_lstm_mnist_ptq.tflite",
};

#define MAX_BASES 160

static nq_graph *bases[MAX_BASES];
static const char *base_names[MAX_BASES];
static int n_bases;

static void add_base(nq_graph *g, const char *name) {
  if (n_bases < MAX_BASES) {
    bases[n_bases] = g;
    base_names[n_bases++] = name;
  } else {
    nq_graph_free(g);
  }
}

/* dir: ../shared/models, or the golden models (nq_test_models_dir). */
static void load_base(const char *dir, const char *rel, bool convert_too) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  nq_model *m = NULL;
  nq_error e = {0};
  if (nq_model_load(path, &m, &e) != NQ_OK) {
    /* Some bases hold ops npuquant refuses (LSTM); they are not mutated. */
    fprintf(stderr, "note: %s not used: %s\n", rel, e.msg);
    return;
  }
  nq_graph *g = nq_graph_clone(m->graph, &e);
  if (g) add_base(g, rel);
  if (convert_too) {
    size_t per = 0;
    for (int i = 0; i < g->n_inputs; i++) per += nq_tensor_elems(&g->tensors[g->inputs[i]]);
    float *data = malloc(sizeof(float) * 2 * (per ? per : 1));
    nq_rng r = {12345};
    for (size_t i = 0; data && i < 2 * per; i++) data[i] = nq_rng_uniform(&r, -2.0f, 2.0f);
    nq_convert_options co;
    nq_convert_options_init(&co);
    co.num_threads = 1;
    nq_model *q = NULL;
    if (data && nq_convert_arrays(m, data, 2, &co, &q, &e) == NQ_OK) {
      nq_graph *gq = nq_graph_clone(q->graph, &e);
      if (gq) add_base(gq, rel);
    }
    nq_model_free(q);
    free(data);
  }
  nq_model_free(m);
}

/* Every .tflite of dir/sub (sub "" for dir itself) whose name does not
 * start with `skip` (NULL: none); float ones are also converted. */
static void load_folder(const char *dir, const char *sub, const char *skip) {
  static char names[MAX_BASES][128];
  static int n;
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "ls '%s/%s'", dir, sub);
  FILE *p = popen(cmd, "r");
  if (!p) return;
  char line[256];
  while (n < MAX_BASES && fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = '\0';
    size_t len = strlen(line);
    if (len < 8 || strcmp(line + len - 7, ".tflite") != 0 || len + strlen(sub) + 2 >= sizeof names[0])
      continue;
    if (skip && strncmp(line, skip, strlen(skip)) == 0) continue;
    snprintf(names[n], sizeof names[n], "%.40s%s%.80s", sub, sub[0] ? "/" : "", line);
    load_base(dir, names[n], strstr(line, ".float32.") != NULL);
    n++;
  }
  pclose(p);
}

static const char *current_desc;

/* The watchdog, and (without sanitizers, which print their own report) a
 * crash: name the mutant, then die. */
static void on_signal(int sig) {
  static const char hang[] = "\ntest_hostile_graph: HANG (watchdog) in mutant:";
  static const char crash[] = "\ntest_hostile_graph: CRASH (signal) in mutant:";
  const char *msg = sig == SIGALRM ? hang : crash;
  if (write(2, msg, strlen(msg)) < 0) _exit(3);
  if (write(2, msg, sizeof msg - 1) < 0) _exit(3);
  if (current_desc && write(2, current_desc, strlen(current_desc)) < 0) _exit(3);
  if (write(2, "\n", 1) < 0) _exit(3);
  _exit(2);
}

int main(void) {
  int golden;
  const char *dir = nq_test_models_dir(&golden);
#ifndef NQ_HOSTILE_SANITIZED
  /* An absurd allocation must come back as NQ_ERR_NOMEM, not eat the machine. */
  struct rlimit rl = {(rlim_t)4 << 30, (rlim_t)4 << 30};
  setrlimit(RLIMIT_AS, &rl);
#endif
  if (golden) {
    /* The int8 one-op models and two small networks; not the float one-op
     * models (f_*), whose mutants can take seconds near the watchdog. */
    load_folder(dir, "", "f_");
  } else {
    for (size_t i = 0; i < sizeof base_paths / sizeof base_paths[0]; i++)
      load_base(dir, base_paths[i], false);
    load_folder(dir, "tflite2onnx-ops", NULL);
  }
  CHECKF(n_bases >= 20, "only %d base models loaded", n_bases);
  printf("%d base models\n", n_bases);

  long count = DEFAULT_MUTANTS, only = -1, start = 0;
  if (getenv("NQ_HOSTILE_COUNT")) count = atol(getenv("NQ_HOSTILE_COUNT"));
  if (getenv("NQ_HOSTILE_START")) start = atol(getenv("NQ_HOSTILE_START"));
  if (getenv("NQ_HOSTILE_ONLY")) only = atol(getenv("NQ_HOSTILE_ONLY"));
  bool verbose = getenv("NQ_HOSTILE_VERBOSE") != NULL;
  signal(SIGALRM, on_signal);
#ifndef NQ_HOSTILE_SANITIZED
  signal(SIGSEGV, on_signal);
  signal(SIGBUS, on_signal);
  signal(SIGFPE, on_signal);
  signal(SIGABRT, on_signal);
#endif

  hostile_stats st = {0};
  double slowest = 0;
  long slowest_k = -1;
  static char desc[1024];
  for (long k = only >= 0 ? only : start; k < (only >= 0 ? only + 1 : start + count); k++) {
    nq_rng r = {0x5eed0000ull + (uint64_t)k * 0x9E3779B97F4A7C15ull};
    int b = nq_rng_int(&r, 0, n_bases - 1);
    nq_error e = {0};
    nq_graph *g = nq_graph_clone(bases[b], &e);
    if (!g) continue;
    snprintf(desc, sizeof desc, "#%ld %s:", k, base_names[b]);
    int n_mut = nq_rng_int(&r, 1, 3);
    for (int i = 0; i < n_mut; i++) hostile_mutate(g, &r, desc, sizeof desc);
    /* Most mutants have their shapes re-inferred, as a frontend would, so
     * that a changed option or input shape flows through the graph instead
     * of being refused at the first mismatch. */
    if (nq_rng_int(&r, 0, 3) && nq_graph_verify(g, &e) == NQ_OK) {
      nq_graph_infer_shapes(g, true, &e);
      strncat(desc, " +infer", sizeof desc - strlen(desc) - 1);
    }
    current_desc = desc;
    if (verbose) fprintf(stderr, "%s\n", desc);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    alarm(WATCHDOG_SECONDS);
    hostile_exercise(g, &r, nq_rng_int(&r, 0, 3) == 0, desc, &st);
    alarm(0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (sec > slowest) {
      slowest = sec;
      slowest_k = k;
    }
    nq_graph_free(g);
  }
  for (int i = 0; i < n_bases; i++) nq_graph_free(bases[i]);

  printf("graphs %ld: refused by verify %ld, too big to run %ld\n", st.graphs, st.rejected_verify,
         st.too_big);
  printf("sessions ok %ld refused %ld; runs ok %ld refused %ld\n", st.sessions_ok, st.sessions_refused,
         st.runs_ok, st.runs_refused);
  printf("converts ok %ld refused %ld; compares ok %ld; reloads ok %ld refused %ld\n", st.converts_ok,
         st.converts_refused, st.compares_ok, st.reloads_ok, st.reloads_refused);
  printf("clean refusals by status:");
  for (int s = 1; s < NQ_STATUS_COUNT; s++) printf(" %s=%ld", nq_status_name((nq_status)s), st.by_status[s]);
  printf("\nunclean outcomes %ld; slowest mutant #%ld took %.3f s\n", st.bad, slowest_k, slowest);
  CHECKF(st.sessions_ok > 0 && st.runs_ok > 0, "no mutant ran at all: the test exercises nothing");
  return nq_test_finish("test_hostile_graph");
}
