/*
 * CUSTOM: the custom ops npuquant can run, chosen by name. Any other custom
 * op is kept in the graph (load, inspect, the NPU report, write) but cannot
 * run: its prepare step refuses it by name, so `run` and the calibration of
 * `convert` stop before computing anything.
 */
#include <string.h>

#include "exec/float/detection_postprocess.h"
#include "exec/float/ref.h"

static bool is_postprocess(const nq_kernel_args *a) {
  return a->p->custom_name && strcmp(a->p->custom_name, NQ_DPP_NAME) == 0;
}

nq_status nq_ref_prep_custom(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (is_postprocess(a)) return nq_dpp_prepare(a, prepared, err);
  return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED,
                     "custom op '%.80s' has no kernel in npuquant, so it cannot be run (npuquant runs "
                     "only " NQ_DPP_NAME "; the model can still be inspected and written)",
                     a->p->custom_name ? a->p->custom_name : "");
}

size_t nq_ref_custom_scratch(const nq_kernel_args *a) { return is_postprocess(a) ? nq_dpp_scratch(a) : 0; }

nq_status nq_ref_custom(const nq_kernel_args *a, nq_error *err) {
  if (is_postprocess(a)) return nq_dpp_run(a, err);
  return nq_ref_fail(a, err, NQ_ERR_UNSUPPORTED, "custom op '%.80s' has no kernel in npuquant",
                     a->p->custom_name ? a->p->custom_name : "");
}
