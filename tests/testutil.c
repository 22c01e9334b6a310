#include "testutil.h"

#include <string.h>
#include <sys/stat.h>

int nq_test_failures = 0;

int nq_test_finish(const char *name) {
  if (nq_test_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, nq_test_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

const char *nq_test_shared_dir(void) {
  const char *d = getenv("NQ_SHARED_DIR");
  struct stat st;
  if (d && stat(d, &st) == 0 && S_ISDIR(st.st_mode)) return d;
  const char *ci = getenv("CI");
  if (ci && strcmp(ci, "true") == 0) {
    fprintf(stderr, "FAIL: ../shared (NQ_SHARED_DIR=%s) is missing, and CI=true requires it\n",
            d ? d : "(unset)");
    exit(1);
  }
  fprintf(stderr, "SKIP: ../shared (NQ_SHARED_DIR=%s) is absent; this test needs its models\n",
          d ? d : "(unset)");
  exit(77);
}

const char *nq_test_models_dir(int *golden) {
  static char path[4096];
  const char *d = getenv("NQ_SHARED_DIR"), *src = getenv("NQ_SOURCE_DIR");
  const char *ci = getenv("CI");
  struct stat st;
  *golden = 0;
  if (d && stat(d, &st) == 0 && S_ISDIR(st.st_mode)) {
    snprintf(path, sizeof path, "%s/models", d);
    return path;
  }
  if (ci && strcmp(ci, "true") == 0) return nq_test_shared_dir(); /* fails */
  snprintf(path, sizeof path, "%s/tests/golden/vectors", src ? src : ".");
  if (!src || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return nq_test_shared_dir(); /* skips */
  fprintf(stderr,
          "NOTE: ../shared (NQ_SHARED_DIR=%s) is absent: running on the committed golden models in %s\n",
          d ? d : "(unset)", path);
  *golden = 1;
  return path;
}

unsigned char *nq_test_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return NULL;
  }
  long n = ftell(f);
  if (n < 0) {
    fclose(f);
    return NULL;
  }
  rewind(f);
  unsigned char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) *size = (size_t)n;
  return buf;
}

uint64_t nq_rng_next(nq_rng *r) {
  uint64_t x = r->s ? r->s : 0x9E3779B97F4A7C15ull;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

float nq_rng_uniform(nq_rng *r, float lo, float hi) {
  return lo + (hi - lo) * (float)((nq_rng_next(r) >> 40) / (double)(1ull << 24));
}

int nq_rng_int(nq_rng *r, int lo, int hi) { return lo + (int)(nq_rng_next(r) % (uint64_t)(hi - lo + 1)); }

nq_model *nq_test_load_demo(void) {
  char path[1024];
  const char *src = getenv("NQ_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/examples/fashion/fashion_cnn.tflite", src ? src : ".");
  nq_model *m = NULL;
  nq_error err;
  if (nq_model_load(path, &m, &err) != NQ_OK) fprintf(stderr, "%s: %s\n", path, err.msg);
  return m;
}
