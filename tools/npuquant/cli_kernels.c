#include "cli_kernels.h"

#include "cli.h"

/* The choice of this process (one executing command per run). */
static nq_kernels kernels = NQ_KERNELS_AUTO;

const struct option cli_kernels_longopts[] = {
    {"kernels", required_argument, NULL, CLI_KERNELS_OPT},
    {0, 0, 0, 0},
};

int cli_kernels_option(const char *cmd, int c, const char *arg) {
  if (c != CLI_KERNELS_OPT) return 0;
  nq_error e = {0};
  if (nq_kernels_parse(arg, &kernels, &e) != NQ_OK) {
    cli_usage_error(cmd, "--kernels expects auto, portable, avx2 or neon, got '%s'", arg);
    return -1;
  }
  return 1;
}

nq_kernels cli_kernels(void) { return kernels; }
