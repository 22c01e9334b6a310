/*
 * See cli_gate.h. Warnings go to stderr so a script reading --json on
 * stdout still sees them in its log.
 */
#include "cli_gate.h"

#include <math.h>
#include <stdio.h>

#include "cli.h"

/* One output (or part of a split output): what warrants a warning or fails --min-sqnr. */
static bool check_figures(const nq_compare_figures *f, const char *what, int i, double min_sqnr, bool quiet,
                          bool *collapsed) {
  char safe[256];
  const char *name = cli_printable(f->name, safe, sizeof safe);
  if (!(f->sqnr_db >= CLI_GATE_WARN_SQNR_DB)) {
    *collapsed = true;
    if (!quiet)
      fprintf(
          stderr,
          "npuquant: WARNING: %s %d '%s' is only %.2f dB from the float model (SQNR below %.0f dB);\n"
          "npuquant: WARNING: the worst layers, with causes and what to try, are listed with the report\n",
          what, i, name, f->sqnr_db, CLI_GATE_WARN_SQNR_DB);
  }
  if (f->classifier && f->samples > 0 && (double)f->top1_agree < CLI_GATE_WARN_TOP1 * f->samples) {
    *collapsed = true;
    if (!quiet)
      fprintf(stderr,
              "npuquant: WARNING: %s %d '%s': the int8 model picks the float model's top-1 class on only "
              "%d of %d samples (%.1f%%, below %.0f%%)\n",
              what, i, name, f->top1_agree, f->samples, 100.0 * f->top1_agree / f->samples,
              100 * CLI_GATE_WARN_TOP1);
  }
  if (!isnan(min_sqnr) && !(f->sqnr_db >= min_sqnr)) {
    cli_error("%s %d '%s': SQNR %.2f dB is below --min-sqnr %.2f dB", what, i, name, f->sqnr_db, min_sqnr);
    return true;
  }
  return false;
}

bool cli_gate_check(const nq_compare_report *cmp, double min_sqnr, bool quiet, bool *collapsed) {
  bool failed = false;
  *collapsed = false;
  nq_compare_figures f;
  for (int i = 0; cmp && i < nq_compare_num_outputs(cmp); i++)
    if (nq_compare_output(cmp, i, &f, NULL) == NQ_OK)
      failed |= check_figures(&f, "output", i, min_sqnr, quiet, collapsed);
  /* a split output's parts count one by one: scores beside pixels can be
   * lost while the whole output looks fine */
  for (int i = 0; cmp && i < nq_compare_num_parts(cmp); i++)
    if (nq_compare_part(cmp, i, &f, NULL, NULL) == NQ_OK)
      failed |= check_figures(&f, "part", i, min_sqnr, quiet, collapsed);
  return failed;
}
