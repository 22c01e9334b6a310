/*
 * See cli_gate.h. Warnings go to stderr so a script reading --json on
 * stdout still sees them in its log.
 */
#include "cli_gate.h"

#include <math.h>
#include <stdio.h>

#include "cli.h"

bool cli_gate_check(const nq_compare_report *cmp, double min_sqnr, bool quiet, bool *collapsed) {
  bool failed = false;
  *collapsed = false;
  for (int i = 0; cmp && i < nq_compare_num_outputs(cmp); i++) {
    nq_compare_figures f;
    if (nq_compare_output(cmp, i, &f, NULL) != NQ_OK) continue;
    char safe[256];
    const char *name = cli_printable(f.name, safe, sizeof safe);
    if (!(f.sqnr_db >= CLI_GATE_WARN_SQNR_DB)) {
      *collapsed = true;
      if (!quiet)
        fprintf(
            stderr,
            "npuquant: WARNING: output %d '%s' is only %.2f dB from the float model (SQNR below %.0f dB);\n"
            "npuquant: WARNING: the worst layers, with causes and what to try, are listed with the report\n",
            i, name, f.sqnr_db, CLI_GATE_WARN_SQNR_DB);
    }
    if (f.classifier && f.samples > 0 && (double)f.top1_agree < CLI_GATE_WARN_TOP1 * f.samples) {
      *collapsed = true;
      if (!quiet)
        fprintf(
            stderr,
            "npuquant: WARNING: output %d '%s': the int8 model picks the float model's top-1 class on only "
            "%d of %d samples (%.1f%%, below %.0f%%)\n",
            i, name, f.top1_agree, f.samples, 100.0 * f.top1_agree / f.samples, 100 * CLI_GATE_WARN_TOP1);
    }
    if (!isnan(min_sqnr) && !(f.sqnr_db >= min_sqnr)) {
      failed = true;
      cli_error("output %d '%s': SQNR %.2f dB is below --min-sqnr %.2f dB", i, name, f.sqnr_db, min_sqnr);
    }
  }
  return failed;
}
