/* nq_session_create, the one session call that sits in src/api: it unwraps
 * an nq_model. The other nq_session_* calls act on the engine alone and live
 * in src/exec/session.c, where calibration, quantization and the reports
 * (which sit below src/api) can use them too. */
#include "api/model_internal.h"
#include "core/status.h"
#include "exec/engine.h"

nq_status nq_session_create(const nq_model *m, const nq_session_options *opts, nq_session **out,
                            nq_error *err) {
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_create: out is NULL");
  *out = NULL;
  if (!m || !m->graph) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_session_create: no model");
  return nq_engine_create(m->graph, opts, out, err);
}

const char *nq_rounding_name(int single_rounding) {
  return single_rounding ? "single rounding (XNNPACK: what LiteRT runs on a CPU)"
                         : "double rounding (TFLite's reference kernels, no XNNPACK)";
}

int nq_model_is_quantized(const nq_model *m) {
  if (!m || !m->graph) return 0;
  for (int t = 0; t < m->graph->n_tensors; t++) {
    const nq_tensor *x = &m->graph->tensors[t];
    if (!x->data && x->q.n > 0 && (x->type == NQ_INT8 || x->type == NQ_UINT8 || x->type == NQ_INT16))
      return 1;
  }
  return 0;
}
