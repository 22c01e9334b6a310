/*
 * `TEST --kernels NAME`: run a fast-kernel test on one code path. The tests
 * call kernels directly, without a session, so they make the set active on
 * this thread themselves (the thread pool passes it on to its workers, as
 * for a session). A set this machine lacks skips (77) with a message.
 */
#ifndef NQ_TEST_KERNELS_ARG_H
#define NQ_TEST_KERNELS_ARG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu_features.h"

static inline void nq_test_enter_kernels(int argc, char **argv) {
  if (argc == 1) {
    printf("kernels: %s (auto)\n", nq_kernels_name(nq_cpu_active()));
    return;
  }
  nq_error e = {0};
  nq_kernels want, use;
  if (argc != 3 || strcmp(argv[1], "--kernels") != 0 || nq_kernels_parse(argv[2], &want, &e) != NQ_OK) {
    fprintf(stderr, "usage: %s [--kernels auto|portable|avx2|neon] %s\n", argv[0], e.msg);
    exit(2);
  }
  if (nq_cpu_resolve(want, &use, &e) != NQ_OK) {
    printf("skipped: %s\n", e.msg);
    exit(77);
  }
  nq_cpu_enter(use);
  printf("kernels: %s\n", nq_kernels_name(nq_cpu_active()));
}

#endif
