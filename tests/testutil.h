/*
 * Small helpers shared by the C tests: a failing CHECK that prints where,
 * the ../shared lookup with the skip rule, and a seeded RNG.
 *
 * Skip rule: a test that needs ../shared calls nq_test_shared_dir(); when the
 * folder is absent it prints why and exits 77 (ctest: skipped), except under
 * CI=true, where a missing folder fails the test. A test that sweeps "any
 * models" (reader, writer, hostile mutants) calls nq_test_models_dir()
 * instead: without ../shared it runs on the committed golden models.
 */
#ifndef NQ_TESTUTIL_H
#define NQ_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "npuquant.h"

extern int nq_test_failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      nq_test_failures++;                                                      \
    }                                                                          \
  } while (0)

#define CHECKF(cond, ...)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
      nq_test_failures++;                                                      \
    }                                                                          \
  } while (0)

/* Print a summary and return the process exit code. */
int nq_test_finish(const char *name);

/* The ../shared folder (NQ_SHARED_DIR), or exit 77 / fail as described. */
const char *nq_test_shared_dir(void);

/* Where a test that sweeps models finds them: NQ_SHARED_DIR/models when
 * ../shared is there (*golden = 0); otherwise the committed int8 models of
 * tests/golden/vectors under NQ_SOURCE_DIR (*golden = 1, announced on
 * stderr). Under CI=true a missing ../shared still fails the test, and with
 * neither folder the test skips (77). */
const char *nq_test_models_dir(int *golden);

/* The committed demo model, examples/fashion/fashion_cnn.tflite under
 * NQ_SOURCE_DIR (no ../shared needed); NULL, with the message on stderr,
 * when it does not load. */
nq_model *nq_test_load_demo(void);

/* Read a whole file; NULL on failure. *size receives its length. */
unsigned char *nq_test_read_file(const char *path, size_t *size);

/* xorshift64* RNG, deterministic per seed. */
typedef struct nq_rng {
  uint64_t s;
} nq_rng;
uint64_t nq_rng_next(nq_rng *r);
float nq_rng_uniform(nq_rng *r, float lo, float hi);
int nq_rng_int(nq_rng *r, int lo, int hi); /* inclusive */

#endif
