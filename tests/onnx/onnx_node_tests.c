/*
 * ONNX's own node tests (Debian libonnx-testdata) through our frontend and
 * float executor: each test folder holds model.onnx and
 * test_data_set_0/input_K.pb / output_K.pb TensorProtos; every output must
 * match its golden value within |ours - gold| <= ATOL + RTOL * |gold|
 * (ONNX's backend tests use rtol 1e-3).
 *
 *   onnx_node_tests LIST DATA_DIR      run the tests named in LIST (one per
 *                                      line; '#' comments; "skip NAME reason"
 *                                      lines are listed and not run)
 *   onnx_node_tests --all DATA_DIR P.. run every test whose name starts with
 *                                      a prefix P and print pass/fail (to
 *                                      curate LIST)
 * Skips with exit 77 when DATA_DIR is missing (unless CI=true).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/model_internal.h"
#include "frontends/onnx/onnx_internal.h"
#include "npuquant.h"
#include "testutil.h"

#define RTOL 1e-3
#define ATOL 1e-5

/* Convert a host constant to the model tensor's type into buf. */
static bool to_type(const ox_const *c, nq_dtype type, void **buf, size_t *nbytes) {
  size_t es = nq_dtype_size(type);
  *nbytes = c->n * es;
  uint8_t *b = malloc(*nbytes ? *nbytes : 1);
  if (!b) return false;
  for (size_t k = 0; k < c->n; k++) {
    double v = ox_const_get(c, k);
    switch (type) {
      case NQ_FLOAT32:
        ((float *)b)[k] = (float)v;
        break;
      case NQ_INT32:
        ((int32_t *)b)[k] = (int32_t)ox_const_geti(c, k);
        break;
      case NQ_INT64:
        ((int64_t *)b)[k] = ox_const_geti(c, k);
        break;
      case NQ_BOOL:
        b[k] = v != 0;
        break;
      default:
        free(b);
        return false;
    }
  }
  *buf = b;
  return true;
}

static double elem(const void *data, nq_dtype type, size_t k) {
  switch (type) {
    case NQ_FLOAT32:
      return ((const float *)data)[k];
    case NQ_INT32:
      return ((const int32_t *)data)[k];
    case NQ_INT64:
      return (double)((const int64_t *)data)[k];
    case NQ_BOOL:
      return ((const uint8_t *)data)[k];
    default:
      return NAN;
  }
}

/* Load the test's model; with `freeze`, graph inputs 1.. become
 * initializers holding their test values (node tests feed weights, shapes
 * and axes as inputs; real models carry them as initializers). Returns the
 * number of runtime inputs (1 when frozen) or -1. */
static int load(const char *dir, const char *name, bool freeze, nq_model **m, nq_error *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/model.onnx", dir, name);
  if (!freeze) return nq_model_load(path, m, err) == NQ_OK ? nq_model_num_inputs(*m) : -1;
  size_t size;
  unsigned char *data = nq_test_read_file(path, &size);
  Onnx__ModelProto *mp = data ? onnx__model_proto__unpack(NULL, size, data) : NULL;
  free(data);
  if (!mp || !mp->graph) {
    snprintf(err->msg, sizeof err->msg, "%.900s: cannot unpack", path);
    if (mp) onnx__model_proto__free_unpacked(mp, NULL);
    return -1;
  }
  Onnx__GraphProto *g = mp->graph;
  size_t nfz = g->n_input > 1 ? g->n_input - 1 : 0;
  Onnx__TensorProto **inits = calloc(g->n_initializer + nfz + 1, sizeof *inits);
  Onnx__TensorProto **mine = calloc(nfz + 1, sizeof *mine);
  int rc = -1;
  size_t n_mine = 0;
  if (!inits || !mine) goto out;
  for (size_t k = 0; k < g->n_initializer; k++) inits[k] = g->initializer[k];
  for (size_t k = 1; k < g->n_input; k++) {
    char ip[1024];
    snprintf(ip, sizeof ip, "%s/%s/test_data_set_0/input_%zu.pb", dir, name, k);
    unsigned char *td = nq_test_read_file(ip, &size);
    Onnx__TensorProto *t = td ? onnx__tensor_proto__unpack(NULL, size, td) : NULL;
    free(td);
    if (!t) {
      snprintf(err->msg, sizeof err->msg, "%.900s: cannot read", ip);
      goto out;
    }
    mine[n_mine++] = t;
    free(t->name);
    t->name = strdup(g->input[k]->name);
    inits[g->n_initializer + k - 1] = t;
  }
  {
    Onnx__TensorProto **old = g->initializer;
    size_t old_n = g->n_initializer;
    g->initializer = inits;
    g->n_initializer = old_n + nfz;
    size_t len = onnx__model_proto__get_packed_size(mp);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
      onnx__model_proto__pack(mp, buf);
      nq_graph *graph = NULL;
      if (nq_onnx_load_memory(buf, len, path, NULL, &graph, err) == NQ_OK &&
          nq_model_wrap(graph, path, m, err) == NQ_OK)
        rc = nq_model_num_inputs(*m);
      free(buf);
    }
    g->initializer = old;
    g->n_initializer = old_n;
  }
out:
  for (size_t k = 0; k < n_mine; k++) onnx__tensor_proto__free_unpacked(mine[k], NULL);
  free(mine);
  free(inits);
  onnx__model_proto__free_unpacked(mp, NULL);
  return rc;
}

/* Run one test; returns 0 pass, 1 fail (message printed). */
static int run_test(const char *dir, const char *name, bool freeze, bool quiet) {
  char path[1024];
  nq_model *m = NULL;
  nq_session *s = NULL;
  nq_error err;
  int rc = 1;
  double worst = 0;
  err.msg[0] = '\0';
  if (load(dir, name, freeze, &m, &err) < 0) {
    if (!quiet) printf("FAIL %s%s: load: %s\n", name, freeze ? " (frozen)" : "", err.msg);
    return 1;
  }
  if (nq_session_create(m, NULL, &s, &err) != NQ_OK) {
    printf("FAIL %s: session: %s\n", name, err.msg);
    goto done;
  }
  for (int i = 0; i < nq_model_num_inputs(m); i++) {
    nq_tensor_info info;
    ox_const c;
    snprintf(path, sizeof path, "%s/%s/test_data_set_0/input_%d.pb", dir, name, i);
    if (nq_model_input(m, i, &info, &err) != NQ_OK || nq_onnx_read_tensor_file(path, &c, &err) != NQ_OK) {
      printf("FAIL %s: input %d: %s\n", name, i, err.msg);
      goto done;
    }
    void *buf;
    size_t nb;
    bool ok = to_type(&c, info.type, &buf, &nb);
    ox_const_free(&c);
    if (!ok) {
      printf("FAIL %s: input %d: type %s\n", name, i, nq_dtype_name(info.type));
      goto done;
    }
    nq_status st = nq_session_set_input(s, i, buf, nb, &err);
    free(buf);
    if (st != NQ_OK) {
      printf("FAIL %s: set input %d: %s\n", name, i, err.msg);
      goto done;
    }
  }
  if (nq_session_run(s, &err) != NQ_OK) {
    printf("FAIL %s: run: %s\n", name, err.msg);
    goto done;
  }
  for (int o = 0; o < nq_model_num_outputs(m); o++) {
    nq_tensor_info info;
    ox_const gold;
    const void *data;
    size_t nb;
    snprintf(path, sizeof path, "%s/%s/test_data_set_0/output_%d.pb", dir, name, o);
    if (nq_model_output(m, o, &info, &err) != NQ_OK || nq_onnx_read_tensor_file(path, &gold, &err) != NQ_OK ||
        nq_session_output(s, o, &data, &nb, &err) != NQ_OK) {
      printf("FAIL %s: output %d: %s\n", name, o, err.msg);
      goto done;
    }
    size_t n = nb / nq_dtype_size(info.type);
    bool shape_ok = n == gold.n && info.rank == gold.rank;
    for (int k = 0; shape_ok && k < gold.rank; k++) shape_ok = info.shape[k] == gold.dims[k];
    if (!shape_ok) {
      printf("FAIL %s: output %d has %zu elements (rank %d), expected %zu (rank %d)\n", name, o, n, info.rank,
             gold.n, gold.rank);
      ox_const_free(&gold);
      goto done;
    }
    for (size_t k = 0; k < n; k++) {
      double a = elem(data, info.type, k), b = ox_const_get(&gold, k);
      double d = fabs(a - b);
      if (isnan(b) && isnan(a)) continue;
      if (!(d <= ATOL + RTOL * fabs(b))) {
        printf("FAIL %s: output %d element %zu is %g, expected %g\n", name, o, k, a, b);
        ox_const_free(&gold);
        goto done;
      }
      if (d > worst) worst = d;
    }
    ox_const_free(&gold);
  }
  rc = 0;
  printf("ok   %s%s (max abs diff %.3g)\n", name, freeze ? " freeze" : "", worst);
done:
  nq_session_free(s);
  nq_model_free(m);
  return rc;
}

static int run_list(const char *list, const char *dir) {
  FILE *f = fopen(list, "r");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", list);
    return 1;
  }
  char line[1024];
  int pass = 0, fail = 0, skip = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (*p == ' ') p++;
    if (!*p || *p == '#') continue;
    if (!strncmp(p, "skip ", 5)) {
      char *name = p + 5, *why = strchr(name, ' ');
      CHECKF(why && why[1], "skip line without a reason: %s", p);
      skip++;
      continue;
    }
    char *flag = strchr(p, ' ');
    bool freeze = false;
    if (flag) {
      *flag = '\0';
      freeze = !strcmp(flag + 1, "freeze");
      CHECKF(freeze, "unknown flag '%s' for %s", flag + 1, p);
    }
    if (run_test(dir, p, freeze, false))
      fail++;
    else
      pass++;
  }
  fclose(f);
  CHECKF(pass >= 1, "no node test ran");
  nq_test_failures += fail;
  printf("node tests: %d passed, %d failed, %d skipped (listed with reasons in %s)\n", pass, fail, skip,
         list);
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s LIST DATA_DIR | --all DATA_DIR PREFIX...\n", argv[0]);
    return 2;
  }
  const char *dir = argv[2];
  struct stat st;
  if (stat(dir, &st) != 0) {
    if (getenv("CI") && !strcmp(getenv("CI"), "true")) {
      printf("FAIL: %s missing (install libonnx-testdata)\n", dir);
      return 1;
    }
    printf("SKIP: %s missing (install libonnx-testdata)\n", dir);
    return 77;
  }
  if (strcmp(argv[1], "--all")) {
    run_list(argv[1], dir);
    return nq_test_finish("onnx_node_tests");
  }
  DIR *d = opendir(dir);
  if (!d) return 1;
  char *names[2048];
  int nn = 0;
  struct dirent *e;
  while ((e = readdir(d)) && nn < 2048) {
    for (int k = 3; k < argc; k++)
      if (!strncmp(e->d_name, argv[k], strlen(argv[k]))) {
        names[nn++] = strdup(e->d_name);
        break;
      }
  }
  closedir(d);
  qsort(names, (size_t)nn, sizeof names[0], cmp_str);
  for (int k = 0; k < nn; k++) {
    if (run_test(dir, names[k], false, true)) run_test(dir, names[k], true, false);
    free(names[k]);
  }
  return 0;
}
