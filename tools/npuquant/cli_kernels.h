/*
 * --kernels, for the commands that execute a model (run, convert, compare):
 * which code path the fast kernels take (nq_kernels in npuquant.h).
 */
#ifndef NQ_CLI_KERNELS_H
#define NQ_CLI_KERNELS_H

#include <getopt.h>

#include "npuquant.h"

#define CLI_KERNELS_OPT 2100
extern const struct option cli_kernels_longopts[];
/* 1: consumed, 0: not --kernels, -1: a bad value (usage message printed). */
int cli_kernels_option(const char *cmd, int c, const char *arg);
/* The set asked for (NQ_KERNELS_AUTO unless --kernels was given). */
nq_kernels cli_kernels(void);

#define CLI_KERNELS_HELP                                                                \
  "  --kernels K         the fast kernels' code path: auto (default: the best this\n"   \
  "                      CPU runs), portable (plain C), avx2 (x86-64 AVX2+FMA), neon\n" \
  "                      (an aarch64 build; no NEON-specific kernel exists yet, so\n"   \
  "                      this is the portable C compiled for aarch64). A set this\n"    \
  "                      CPU or build lacks is an error (exit 3). int8 results are\n"   \
  "                      identical on every path; float ones may differ in the last\n"  \
  "                      bits\n"

#endif
